package jsonformat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// nestedProperties is a JSON Schema whose properties nest levels deep
// (two JSON levels each: the schema object and "properties"; one more at
// the bottom).
func nestedProperties(levels int) string {
	return strings.Repeat(`{"type":"object","properties":{"a":`, levels) + `{"type":"string"}` + strings.Repeat(`}}`, levels)
}

// On main, 8 million '[' overflowed the goroutine stack (a fatal error no
// recover catches): the decoder recursed once per bracket.
func TestDeepSchemaIsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		refs []schemaformat.Ref
	}{
		{"eight_million_brackets", strings.Repeat("[", 8<<20), nil},
		{"eight_million_objects", strings.Repeat(`{"a":`, 8<<20/5), nil},
		{"valid_json_one_past_the_limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), nil},
		{"nested_properties", nestedProperties(MaxDepth / 2), nil},
		{"deep_reference", `{"$ref":"deep.json"}`, []schemaformat.Ref{{Name: "deep.json", Text: strings.Repeat("[", 1<<20)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := New().Parse(c.text, c.refs)
			if !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), "levels deep") {
				t.Fatalf("got %v, want the nesting error", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %v", d)
			}
		})
	}
}

// The deepest schema the limit lets through parses, prints and compares
// with itself in reasonable time.
func TestDeepestAllowedSchemaParses(t *testing.T) {
	text := nestedProperties((MaxDepth - 1) / 2)
	start := time.Now()
	p, err := New().Parse(text, nil)
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
// says they are invalid, and refuses every one that nests past MaxDepth.
func FuzzParseNesting(f *testing.F) {
	f.Add(`{"type":"array","items":`, uint16(2000), `{}`, `}`)
	f.Add(`[`, uint16(5000), ``, `]`)
	f.Add(`{"type":"object","properties":{"a":`, uint16(300), `true`, `}}`)
	f.Add(`{"allOf":[`, uint16(400), `{"$ref":"#"}`, `]}`)
	f.Fuzz(func(t *testing.T, open string, n uint16, middle, close string) {
		if len(open) > 64 || len(close) > 64 || len(middle) > 256 {
			return
		}
		text := strings.Repeat(open, int(n)) + middle + strings.Repeat(close, int(n))
		_, err := New().Parse(text, nil)
		if err != nil && !errors.Is(err, schema.ErrInvalidSchema) {
			t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
		}
		if err == nil && schemaformat.CheckNesting("", text, MaxDepth, schemaformat.JSONSyntax) != nil {
			t.Fatalf("accepted a text nested past %d", MaxDepth)
		}
	})
}
