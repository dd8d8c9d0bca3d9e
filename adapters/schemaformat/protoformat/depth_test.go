package protoformat

import (
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// nestedMessages is a .proto file whose messages nest levels deep, the
// innermost with a field.
func nestedMessages(levels int) string {
	return `syntax = "proto3"; ` + schemaformattest.Nest("message M { ", levels, "string s = 1; ", "} ")
}

// On main, a schema of 300,000 nested messages took 21 s and 3.4 GB to be
// refused (or worse, accepted); the limit refuses it before the compiler
// sees it.
func TestDeepSchemaIsRefused(t *testing.T) {
	schemaformattest.RefusesQuickly(t, New(), "levels deep", "the nesting error", []schemaformattest.Example{
		{Name: "nested_messages_300000", Text: nestedMessages(300_000)},
		{Name: "one_past_the_limit", Text: nestedMessages(MaxDepth + 1)},
		{Name: "option_literal", Text: `syntax = "proto3"; import "google/protobuf/descriptor.proto"; extend google.protobuf.FileOptions { M m = 5000; } message M { M m = 1; } option (m) = ` +
			strings.Repeat("{ m: ", 1<<20) + strings.Repeat("} ", 1<<20) + ";"},
		{Name: "angle_literal", Text: `syntax = "proto3"; option (x) = ` + strings.Repeat("< m: ", 1<<20)},
		{Name: "deep_reference", Text: `syntax = "proto3"; import "deep.proto"; message A { M m = 1; }`, Refs: []schemaformat.Ref{{Name: "deep.proto", Text: nestedMessages(300_000)}}},
	})
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
			schemaformattest.Nest("{ m: ", literal, "{}", "} ") + ";",
	} {
		schemaformattest.ParsesQuickly(t, New(), text)
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
		text := prefix + schemaformattest.Nest(open, int(n), middle, close)
		start := time.Now()
		schemaformattest.ParseNested(t, New(), text, MaxDepth, schemaformat.ProtoSyntax)
		if d := time.Since(start); d > maxFuzzParse {
			t.Fatalf("Parse took %v", d)
		}
	})
}
