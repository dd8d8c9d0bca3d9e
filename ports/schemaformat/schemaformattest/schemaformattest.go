// Package schemaformattest is the conformance suite every schemaformat
// adapter runs, with examples of its own language.
package schemaformattest

import (
	"errors"
	"strings"
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
	Says string // for an invalid one: a phrase its error must contain, if any
}

// Run checks p against the contract of schemaformat.Parser, and that a
// schema given a writer of another format says so in one reason (every
// format of Chronik does, rather than fail on a caller's mistake).
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
			KeepsPromises(t, p, s, e.Refs)
			if r := s.CanRead(otherFormat{}); len(r) != 1 {
				t.Fatalf("CanRead(a schema of another format) = %q, want one reason", r)
			}
			d, ok := s.(schemaformat.Decoder)
			if !ok {
				t.Fatalf("%T is not a schemaformat.Decoder", s)
			}
			for _, payload := range garbage {
				DecodeKeepsPromises(t, d, payload)
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
			if !strings.Contains(err.Error(), e.Says) {
				t.Fatalf("Parse(%q) = %v, want an error saying %q", e.Text, err, e.Says)
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

// garbage are payloads every schema's decoder must survive (decoding or
// refusing them as the port says).
var garbage = [][]byte{
	nil, {0}, {0, 0}, {2, 2, 2, 2}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	[]byte(`{"a":1}`), []byte("\x00\x0a\x05hello"), {1, 0x80, 0x80, 0x80, 0x80, 0x08},
}

// otherFormat is a parsed schema of a format no Parser knows.
type otherFormat struct{ schemaformat.Parsed }

// KeepsPromises checks what the port promises of s, a schema p parsed
// with refs: its Canonical parses (with refs) to the same Canonical, its
// Normalized to the same Normalized, and s reads the data of itself, of
// its canonical form and of its normalized form. It returns those two
// forms parsed again, for a format's own checks.
func KeepsPromises(t testing.TB, p schemaformat.Parser, s schemaformat.Parsed, refs []schemaformat.Ref) (canonical, normalized schemaformat.Parsed) {
	t.Helper()
	c := s.Canonical()
	canonical, err := p.Parse(c, refs)
	if err != nil {
		t.Fatalf("Parse(Canonical()) of %q: %v", c, err)
	}
	if canonical.Canonical() != c {
		t.Fatalf("Canonical is not stable:\n%s\n%s", c, canonical.Canonical())
	}
	n := s.Normalized()
	normalized, err = p.Parse(n, refs)
	if err != nil {
		t.Fatalf("Parse(Normalized()) of %q: %v", n, err)
	}
	if normalized.Normalized() != n {
		t.Fatalf("Normalized is not idempotent:\n%s\n%s", n, normalized.Normalized())
	}
	if r := s.CanRead(s); len(r) != 0 {
		t.Fatalf("a schema cannot read its own data: %q", r)
	}
	if r := s.CanRead(canonical); len(r) != 0 {
		t.Fatalf("a schema cannot read data of its canonical form: %q", r)
	}
	if r := s.CanRead(normalized); len(r) != 0 {
		t.Fatalf("a schema cannot read data of its normalized form: %q", r)
	}
	return canonical, normalized
}
