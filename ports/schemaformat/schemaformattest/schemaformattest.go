// Package schemaformattest is the conformance suite every schemaformat
// adapter runs, with examples of its own language.
package schemaformattest

import (
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Case is a compatibility example: whether Reader can read data written
// with Writer.
type Case struct {
	Name           string
	Reader, Writer string
	Refs           []schemaformat.Ref // for both
	Compatible     bool
}

// Examples feeds the suite: valid schemas (with the refs they need),
// invalid ones, and compatibility cases, each side of which is valid.
type Examples struct {
	Valid   []Example
	Invalid []Example
	Cases   []Case
}

// Example is one schema text with its references.
type Example struct {
	Name string
	Text string
	Refs []schemaformat.Ref
}

// Run checks p against the contract of schemaformat.Parser.
func Run(t *testing.T, p schemaformat.Parser, ex Examples) {
	t.Helper()
	if _, err := schema.ParseType(string(p.Type())); err != nil {
		t.Fatalf("Type() = %q: %v", p.Type(), err)
	}
	for _, e := range ex.Valid {
		t.Run("valid/"+e.Name, func(t *testing.T) {
			s, err := p.Parse(e.Text, e.Refs)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c := s.Canonical()
			again, err := p.Parse(c, e.Refs)
			if err != nil {
				t.Fatalf("Parse(Canonical()) of %q: %v", c, err)
			}
			if again.Canonical() != c {
				t.Fatalf("Canonical is not stable:\n%s\n%s", c, again.Canonical())
			}
			n := s.Normalized()
			if nn, err := p.Parse(n, e.Refs); err != nil || nn.Normalized() != n {
				t.Fatalf("Normalized is not idempotent (%v):\n%s", err, n)
			}
			if r := s.CanRead(s); len(r) != 0 {
				t.Fatalf("a schema cannot read its own data: %v", r)
			}
			if r := s.CanRead(again); len(r) != 0 {
				t.Fatalf("a schema cannot read data of its canonical form: %v", r)
			}
		})
	}
	for _, e := range ex.Invalid {
		t.Run("invalid/"+e.Name, func(t *testing.T) {
			_, err := p.Parse(e.Text, e.Refs)
			if !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("Parse(%q) = %v, want an error wrapping schema.ErrInvalidSchema", e.Text, err)
			}
			if err.Error() == schema.ErrInvalidSchema.Error() {
				t.Fatal("the error does not say what is wrong")
			}
		})
	}
	for _, c := range ex.Cases {
		t.Run("compat/"+c.Name, func(t *testing.T) {
			r, err := p.Parse(c.Reader, c.Refs)
			if err != nil {
				t.Fatalf("reader: %v", err)
			}
			w, err := p.Parse(c.Writer, c.Refs)
			if err != nil {
				t.Fatalf("writer: %v", err)
			}
			reasons := r.CanRead(w)
			if got := len(reasons) == 0; got != c.Compatible {
				t.Fatalf("CanRead: compatible=%v (reasons %q), want %v", got, reasons, c.Compatible)
			}
		})
	}
}
