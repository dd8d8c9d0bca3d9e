package avroformat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// nestedArrays is an Avro schema of arrays nested levels deep (one JSON
// object each).
func nestedArrays(levels int) string {
	return schemaformattest.Nest(`{"type":"array","items":`, levels, `"int"`, `}`)
}

// Deep texts are refused with the nesting error before anything walks
// them, references too. (main refused these already, with its decoder's
// own bound; this pins the bound down.)
func TestDeepSchemaIsRefused(t *testing.T) {
	schemaformattest.RefusesQuickly(t, New(), "levels deep", "the nesting error", []schemaformattest.Example{
		{Name: "eight_million_brackets", Text: strings.Repeat("[", 8<<20)},
		{Name: "nested_arrays", Text: nestedArrays(maxDepth + 1)},
		{Name: "deep_reference", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"x.D"}]}`,
			Refs: []schemaformat.Ref{{Name: "x.D", Text: strings.Repeat("[", 1<<20)}}},
	})
}

// The deepest schema the limit lets through parses and reads itself.
func TestDeepestAllowedSchemaParses(t *testing.T) {
	schemaformattest.ParsesQuickly(t, New(), nestedArrays(maxDepth))
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
		text := schemaformattest.Nest(open, int(n), middle, close)
		if p := schemaformattest.ParseNested(t, New(), text, maxDepth, schemaformat.JSONSyntax); p != nil {
			_ = p.CanRead(p)
		}
	})
}

// unionOf is a union of n records named prefix0, prefix1, ...
func unionOf(n int, prefix string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"record","name":"%s%d","fields":[{"name":"a","type":"int"}]}`, prefix, i)
	}
	b.WriteString("]")
	return b.String()
}

// Unions are compared branch against branch. On main a union of 5,000
// records took 68 s to be checked against itself; each writer branch now
// meets the reader branch of its own name first. Unions whose branches
// all differ still cost n squared pairs: past maxCheckSteps the schemas
// count as incompatible, quickly, with a reason.
func TestLargeUnionsCompareQuickly(t *testing.T) {
	same := parseOrFail(t, unionOf(5000, "R"), nil)
	start := time.Now()
	if r := same.CanRead(same); len(r) != 0 {
		t.Fatalf("a union cannot read itself: %q", r[:min(len(r), 3)])
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a union of 5000 records against itself took %v", d)
	}

	reader, writer := parseOrFail(t, unionOf(3000, "R"), nil), parseOrFail(t, unionOf(3000, "W"), nil)
	start = time.Now()
	r := reader.CanRead(writer)
	text := strings.Join(r, "\n")
	if len(r) == 0 || len(r) > maxReasons || len(text) > 64<<10 {
		t.Fatalf("%d reasons, %d bytes, want some and at most %d, 64 KiB: %.300s", len(r), len(text), maxReasons, text)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("unions of 3000 different records took %v", d)
	}
	t.Logf("3000 x 3000 different branches refused in %v: %.200s", time.Since(start), text)

	// The step bound itself: a check that reaches it says so.
	c := &checker{memo: map[pair]*verdict{}, steps: maxCheckSteps}
	if ok, rs := c.check(same.(*parsed).root, same.(*parsed).root); ok || len(rs) != 1 || !strings.Contains(rs[0].msg, "too large to compare") {
		t.Fatalf("check at the step bound = %v, %.300v", ok, rs)
	}
}
