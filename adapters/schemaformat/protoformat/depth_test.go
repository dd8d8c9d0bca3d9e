package protoformat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// nestedMessages is a .proto file whose messages nest levels deep, the
// innermost with a field.
func nestedMessages(levels int) string {
	return `syntax = "proto3"; ` + strings.Repeat("message M { ", levels) + "string s = 1; " + strings.Repeat("} ", levels)
}

// On main, a schema of 300,000 nested messages took 21 s and 3.4 GB to be
// refused (or worse, accepted); the limit refuses it before the compiler
// sees it.
func TestDeepSchemaIsRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		refs []schemaformat.Ref
	}{
		{"nested_messages_300000", nestedMessages(300_000), nil},
		{"one_past_the_limit", nestedMessages(MaxDepth + 1), nil},
		{"option_literal", `syntax = "proto3"; import "google/protobuf/descriptor.proto"; extend google.protobuf.FileOptions { M m = 5000; } message M { M m = 1; } option (m) = ` +
			strings.Repeat("{ m: ", 1<<20) + strings.Repeat("} ", 1<<20) + ";", nil},
		{"angle_literal", `syntax = "proto3"; option (x) = ` + strings.Repeat("< m: ", 1<<20), nil},
		{"deep_reference", `syntax = "proto3"; import "deep.proto"; message A { M m = 1; }`, []schemaformat.Ref{{Name: "deep.proto", Text: nestedMessages(300_000)}}},
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

// The deepest schemas the limits let through compile, print and compare
// with themselves quickly: messages nested 31 deep (the compiler's own
// limit, after its parser built the whole tree) and an option literal
// nested to MaxDepth.
func TestDeepestAllowedSchemaParses(t *testing.T) {
	literal := MaxDepth - 1
	for _, text := range []string{
		nestedMessages(31),
		`syntax = "proto3"; import "google/protobuf/descriptor.proto"; extend google.protobuf.FileOptions { M m = 5000; } message M { M m = 1; } option (m) = ` +
			strings.Repeat("{ m: ", literal) + "{}" + strings.Repeat("} ", literal) + ";",
	} {
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
}

// FuzzParseNesting: texts made of a prefix, an opening run, a middle and a
// closing run, nested up to thousands deep, never crash Parse nor take
// long: it accepts them or says they are invalid, and refuses every one
// that nests past MaxDepth.
func FuzzParseNesting(f *testing.F) {
	f.Add(`syntax = "proto3"; `, "message M { ", uint16(3000), "string s = 1; ", "} ")
	f.Add(`syntax = "proto3"; message M { M m = 1; } option (m) = `, "{ m: ", uint16(200), "", "} ")
	f.Add(`syntax = "proto2"; message A { `, "optional group G = 1 { ", uint16(150), "", "} ")
	f.Add(`syntax = "proto3"; `, "/* { */ message M { ", uint16(99), "", "}")
	f.Fuzz(func(t *testing.T, prefix, open string, n uint16, middle, close string) {
		if len(prefix) > 256 || len(open) > 64 || len(close) > 64 || len(middle) > 256 {
			return
		}
		text := prefix + strings.Repeat(open, int(n)) + middle + strings.Repeat(close, int(n))
		start := time.Now()
		_, err := New().Parse(text, nil)
		if err != nil && !errors.Is(err, schema.ErrInvalidSchema) {
			t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
		}
		if err == nil && schemaformat.CheckNesting("", text, MaxDepth, schemaformat.ProtoSyntax) != nil {
			t.Fatalf("accepted a text nested past %d", MaxDepth)
		}
		if d := time.Since(start); d > maxFuzzParse {
			t.Fatalf("Parse took %v", d)
		}
	})
}
