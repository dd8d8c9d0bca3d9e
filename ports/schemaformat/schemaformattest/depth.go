package schemaformattest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Nest is open levels times, then middle, then close levels times: a text
// nested levels deep when open and close each add one level.
func Nest(open string, levels int, middle, close string) string {
	return strings.Repeat(open, levels) + middle + strings.Repeat(close, levels)
}

// RefusesQuickly checks, in a subtest per example, that p refuses each
// example within two seconds with an error that wraps
// schema.ErrInvalidSchema and says want, a phrase of the limit's error
// ("levels deep"); what names that error in a failure ("the nesting
// error").
func RefusesQuickly(t *testing.T, p schemaformat.Parser, want, what string, examples []Example) {
	t.Helper()
	for _, e := range examples {
		t.Run(e.Name, func(t *testing.T) {
			start := time.Now()
			_, err := p.Parse(e.Text, e.Refs)
			if !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %.300v, want %s", err, what)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %v", d)
			}
		})
	}
}

// ParsesQuickly checks that p parses text, that the schema reads itself,
// and that both together take at most five seconds.
func ParsesQuickly(t *testing.T, p schemaformat.Parser, text string) {
	t.Helper()
	start := time.Now()
	s, err := p.Parse(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.CanRead(s); len(r) != 0 {
		t.Fatalf("cannot read itself: %q", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

// ParseNested is the check of a nesting fuzz test: p either accepts text
// or refuses it with an error that wraps schema.ErrInvalidSchema, and it
// accepts no text nested past maxDepth in syntax. It returns the parsed
// schema, nil when text was refused.
func ParseNested(t *testing.T, p schemaformat.Parser, text string, maxDepth int, syntax schemaformat.Syntax) schemaformat.Parsed {
	t.Helper()
	s, err := p.Parse(text, nil)
	if err != nil {
		if !errors.Is(err, schema.ErrInvalidSchema) {
			t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
		}
		return nil
	}
	if schemaformat.CheckNesting("", text, maxDepth, syntax) != nil {
		t.Fatalf("accepted a text nested past %d", maxDepth)
	}
	return s
}
