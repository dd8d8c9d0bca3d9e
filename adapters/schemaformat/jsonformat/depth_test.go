package jsonformat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// nestedProperties is a JSON Schema whose properties nest levels deep
// (two JSON levels each: the schema object and "properties"; one more at
// the bottom).
func nestedProperties(levels int) string {
	return schemaformattest.Nest(`{"type":"object","properties":{"a":`, levels, `{"type":"string"}`, `}}`)
}

// On main, 8 million '[' overflowed the goroutine stack (a fatal error no
// recover catches): the decoder recursed once per bracket.
func TestDeepSchemaIsRefused(t *testing.T) {
	schemaformattest.RefusesQuickly(t, New(), "levels deep", "the nesting error", []schemaformattest.Example{
		{Name: "eight_million_brackets", Text: strings.Repeat("[", 8<<20)},
		{Name: "eight_million_objects", Text: strings.Repeat(`{"a":`, 8<<20/5)},
		{Name: "valid_json_one_past_the_limit", Text: strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)},
		{Name: "nested_properties", Text: nestedProperties(MaxDepth / 2)},
		{Name: "deep_reference", Text: `{"$ref":"deep.json"}`, Refs: []schemaformat.Ref{{Name: "deep.json", Text: strings.Repeat("[", 1<<20)}}},
	})
}

// The deepest schema the limit lets through parses, prints and compares
// with itself in reasonable time.
func TestDeepestAllowedSchemaParses(t *testing.T) {
	schemaformattest.ParsesQuickly(t, New(), nestedProperties((MaxDepth-1)/2))
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
		text := schemaformattest.Nest(open, int(n), middle, close)
		schemaformattest.ParseNested(t, New(), text, MaxDepth, schemaformat.JSONSyntax)
	})
}

// anyOf is a schema whose anyOf lists n copies of sub.
func anyOf(n int, sub string) string {
	return `{"anyOf":[` + strings.TrimSuffix(strings.Repeat(sub+",", n), ",") + `]}`
}

// The schema library compiles n subschemas in time that grows with n
// squared: on main 40,000 took about 9 s and the 700,000 empty ones that
// fit in a 2 MB request most of an hour, for anyone who can POST a
// compatibility check. More than MaxNodes objects and booleans are refused
// at once.
func TestBroadSchemaIsRefused(t *testing.T) {
	var props strings.Builder
	props.WriteString(`{"type":"object","properties":{`)
	for i := range 100_000 {
		if i > 0 {
			props.WriteString(",")
		}
		fmt.Fprintf(&props, `"p%d":{}`, i)
	}
	props.WriteString("}}")
	schemaformattest.RefusesQuickly(t, New(), "objects and booleans", "the breadth error", []schemaformattest.Example{
		{Name: "anyOf_40000", Text: anyOf(40_000, `{"type":"string"}`)},
		{Name: "anyOf_700000_empty", Text: anyOf(700_000, `{}`)},
		{Name: "anyOf_400000_true", Text: anyOf(400_000, `true`)},
		{Name: "properties_100000", Text: props.String()},
		{Name: "spread_over_references", Text: `{"allOf":[{"$ref":"a.json"},{"$ref":"b.json"}]}`, Refs: []schemaformat.Ref{
			{Name: "a.json", Text: anyOf(MaxNodes/2, `{}`)}, {Name: "b.json", Text: anyOf(MaxNodes/2, `{}`)}}},
	})
}

// The broadest schema the limit lets through parses in reasonable time.
func TestBroadestAllowedSchemaParses(t *testing.T) {
	start := time.Now()
	p, err := New().Parse(anyOf(MaxNodes-1, `{"type":"string"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.CanRead(p)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	t.Logf("%d subschemas: %v", MaxNodes-1, time.Since(start))
}
