package avroformat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// nestedArrays is an Avro schema of arrays nested levels deep (one JSON
// object each).
func nestedArrays(levels int) string {
	return strings.Repeat(`{"type":"array","items":`, levels) + `"int"` + strings.Repeat(`}`, levels)
}

// Deep texts are refused with the nesting error before anything walks
// them, references too. (main refused these already, with its decoder's
// own bound; this pins the bound down.)
func TestDeepSchemaIsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		refs []schemaformat.Ref
	}{
		{"eight_million_brackets", strings.Repeat("[", 8<<20), nil},
		{"nested_arrays", nestedArrays(maxDepth + 1), nil},
		{"deep_reference", `{"type":"record","name":"R","fields":[{"name":"a","type":"x.D"}]}`,
			[]schemaformat.Ref{{Name: "x.D", Text: strings.Repeat("[", 1<<20)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := New().Parse(c.text, c.refs)
			if !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), "levels deep") {
				t.Fatalf("got %.300v, want the nesting error", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %v", d)
			}
		})
	}
}

// The deepest schema the limit lets through parses and reads itself.
func TestDeepestAllowedSchemaParses(t *testing.T) {
	start := time.Now()
	p, err := New().Parse(nestedArrays(maxDepth), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.CanRead(p); len(r) != 0 {
		t.Fatalf("cannot read itself: %q", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

// FuzzParseNesting: texts made of an opening run, a middle and a closing
// run, nested up to thousands deep, never crash Parse: it accepts them or
// says they are invalid, and refuses every one that nests past maxDepth.
func FuzzParseNesting(f *testing.F) {
	f.Add(`{"type":"array","items":`, uint16(2000), `"int"`, `}`)
	f.Add(`[`, uint16(5000), `"null"`, `]`)
	f.Add(`{"type":"map","values":`, uint16(499), `"string"`, `}`)
	f.Add(`{"type":"record","name":"R","fields":[{"name":"f","type":`, uint16(300), `"R"`, `}]}`)
	f.Fuzz(func(t *testing.T, open string, n uint16, middle, close string) {
		if len(open) > 64 || len(close) > 64 || len(middle) > 256 {
			return
		}
		text := strings.Repeat(open, int(n)) + middle + strings.Repeat(close, int(n))
		p, err := New().Parse(text, nil)
		if err != nil {
			if !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
			}
			return
		}
		if schemaformat.CheckNesting("", text, maxDepth, schemaformat.JSONSyntax) != nil {
			t.Fatalf("accepted a text nested past %d", maxDepth)
		}
		_ = p.CanRead(p)
	})
}
