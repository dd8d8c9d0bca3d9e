package protoformat

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// Referenced schemas, as other subjects would hold them.
var (
	refMoney = schemaformat.Ref{Name: "shop/money.proto", Text: `syntax = "proto3";
package shop.common;
message Money { string currency = 1; int64 units = 2; int32 nanos = 3; }
`}
	refAddress = schemaformat.Ref{Name: "shop/address.proto", Text: `syntax = "proto3";
package shop.common;
import public "shop/money.proto";
message Address { string street = 1; string city = 2; Money delivery_fee = 3; }
`}
	refOptions = schemaformat.Ref{Name: "opts.proto", Text: `syntax = "proto2";
package opts;
import "google/protobuf/descriptor.proto";
import "google/protobuf/any.proto";
message Rule { optional string name = 1; repeated int32 codes = 2; optional Rule next = 3; extensions 100 to 199; }
extend Rule { optional string note = 100; }
extend google.protobuf.MessageOptions { optional Rule rule = 51234; }
extend google.protobuf.FieldOptions { optional bool sensitive = 51235; repeated string tag = 51236; }
extend google.protobuf.FileOptions { optional google.protobuf.Any extra = 51237; }
extend google.protobuf.OneofOptions { optional string label = 51238; }
`}
)

var validExamples = []schemaformattest.Example{
	{Name: "proto3_minimal", Text: `syntax = "proto3"; message Ping {}`},
	{Name: "proto2_without_syntax", Text: `message Legacy { optional int32 a = 1; }`},
	{Name: "proto3_scalars", Text: `syntax = "proto3";
package scalars;
message All {
  double d = 1; float f = 2; int32 i32 = 3; int64 i64 = 4; uint32 u32 = 5; uint64 u64 = 6;
  sint32 s32 = 7; sint64 s64 = 8; fixed32 f32 = 9; fixed64 f64 = 10; sfixed32 sf32 = 11;
  sfixed64 sf64 = 12; bool b = 13; string s = 14; bytes raw = 15;
  repeated int32 packed = 16 [packed = false]; optional string maybe = 17;
}`},
	{Name: "proto2_everything", Text: `syntax = "proto2";
package legacy.v1;
option java_package = "com.example.legacy";
option optimize_for = SPEED;
message Order {
  required string id = 1;
  optional int32 qty = 2 [default = 1];
  optional string note = 3 [default = "none \"quoted\" \\ \x01 é"];
  optional bytes blob = 4 [default = "\377\000ab"];
  optional double ratio = 5 [default = -inf];
  optional float share = 6 [default = 0.25];
  optional double huge = 7 [default = 1e300];
  optional double missing = 8 [default = nan];
  optional Status status = 9 [default = ACTIVE];
  repeated group Line = 10 { required string sku = 1; optional int32 count = 2; }
  optional int64 big = 11 [default = -9223372036854775808];
  optional uint64 ubig = 12 [default = 18446744073709551615];
  extensions 100 to 199, 300;
  extensions 1000 to max;
  reserved 20 to 25, 30;
  reserved "old_field", "older";
  enum Status { UNKNOWN = 0; ACTIVE = 1; }
}
extend Order { optional string ext_note = 100; optional group Extra = 101 { optional int32 x = 1; } }
message Holder { extend Order { optional Holder holder = 300; } optional int32 v = 1; }
message Set { option message_set_wire_format = true; extensions 4 to max; }
`},
	{Name: "nested_and_shadowing", Text: `syntax = "proto3";
package a.b;
message Outer {
  message Inner { message Deep { int32 x = 1; } Deep deep = 1; Outer.Inner again = 2; }
  Inner inner = 1;
  Inner.Deep deep = 2;
  .a.b.Outer.Inner qualified = 3;
  b.Outer relative = 4;
  enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
  Kind kind = 5;
}
message Inner { string shadowed = 1; }
message User { Outer.Inner nested = 1; Inner top = 2; }
`},
	{Name: "enums", Text: `syntax = "proto2";
enum Level { option allow_alias = true; LOW = 1; MIN = 1; HIGH = 3; NEG = -5; reserved 10 to 20, 100 to max; reserved "GONE"; }
message M { optional Level level = 1 [default = HIGH]; }
`},
	{Name: "proto3_enum_out_of_order", Text: `syntax = "proto3";
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 5; COLOR_BLUE = 2; COLOR_GREEN = -1; }
message Paint { Color color = 1; repeated Color mix = 2; }
`},
	{Name: "oneofs", Text: `syntax = "proto3";
message Payment {
  string id = 1;
  oneof method { string card = 2; string iban = 3; Voucher voucher = 4; }
  int64 amount = 5;
  oneof note { option (opts.label) = "x"; string text = 7; bytes data = 6; }
  optional string memo = 8;
  message Voucher { string code = 1; }
}
import "opts.proto";
`, Refs: []schemaformat.Ref{refOptions}},
	{Name: "maps", Text: `syntax = "proto3";
package maps;
message Catalog {
  map<string, int64> stock = 1;
  map<int32, Item> items = 2;
  map<bool, Kind> flags = 3;
  map<uint64, bytes> blobs = 4 [deprecated = true];
  message Item { string name = 1; map<string, string> attrs = 2; }
  enum Kind { KIND_UNSPECIFIED = 0; }
}`},
	{Name: "wellknown_imports", Text: `syntax = "proto3";
package events;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Any payload = 3;
  google.protobuf.Struct attrs = 4;
  google.protobuf.Value value = 5;
  google.protobuf.StringValue name = 6;
  google.protobuf.Int64Value count = 7;
  google.protobuf.Empty nothing = 8;
  google.protobuf.FieldMask mask = 9;
  google.protobuf.ListValue list = 10;
}
service Events { rpc Publish (Event) returns (google.protobuf.Empty); }
`},
	{Name: "descriptor_custom_options", Text: `syntax = "proto3";
package custom;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string column = 50001; }
extend google.protobuf.MessageOptions { Table table = 50002; }
message Table { string name = 1; repeated string keys = 2; }
message Row {
  option (table) = { name: "rows", keys: ["id"], keys: "tenant" };
  option (custom.table).keys = "region";
  string id = 1 [(column) = "row_id", json_name = "ID"];
  string tenant_id = 2 [(custom.column) = "tenant", json_name = "tenantId"];
}`},
	{Name: "google_type_and_confluent", Text: `syntax = "proto3";
package people;
import "google/type/date.proto";
import "google/type/money.proto";
import "google/type/latlng.proto";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
option (confluent.file_meta) = { doc: "people", params: [{ key: "owner", value: "hr" }] };
message Person {
  option (confluent.message_meta).tags = "PII";
  google.type.Date born = 1 [(confluent.field_meta) = { doc: "birthday", tags: ["PII", "DATE"] }];
  google.type.Money salary = 2;
  google.type.LatLng home = 3;
  confluent.type.Decimal score = 4;
  Kind kind = 5;
  enum Kind { option (confluent.enum_meta).doc = "kinds"; KIND_UNSPECIFIED = 0 [(confluent.enum_value_meta).doc = "unset"]; }
}`},
	{Name: "reference", Text: `syntax = "proto3";
package shop;
import "shop/money.proto";
message Order { string id = 1; shop.common.Money total = 2; }
`, Refs: []schemaformat.Ref{refMoney}},
	{Name: "references_chained_and_public", Text: `syntax = "proto3";
package shop;
import "shop/address.proto";
message Shipment { shop.common.Address to = 1; common.Money cost = 2; }
`, Refs: []schemaformat.Ref{refMoney, refAddress}},
	{Name: "reference_named_like_the_schema", Text: `syntax = "proto3";
import "schema.proto";
message Wrapper { Inner inner = 1; }
`, Refs: []schemaformat.Ref{{Name: "schema.proto", Text: `syntax = "proto3"; message Inner { int32 x = 1; }`}}},
	{Name: "custom_options_from_reference", Text: `syntax = "proto3";
package app;
import "opts.proto";
import "google/protobuf/timestamp.proto";
option (opts.extra) = { [type.googleapis.com/google.protobuf.Timestamp]: { seconds: 5 } };
message Login {
  option (opts.rule) = { name: "login" codes: [1, 2] next { name: "again" } [opts.note]: "n" };
  option (opts.rule).codes = 3;
  string user = 1 [(opts.sensitive) = true, (opts.tag) = "a", (opts.tag) = "b"];
  string password = 2 [(opts.sensitive) = true, deprecated = true];
}
`, Refs: []schemaformat.Ref{refOptions}},
	{Name: "services", Text: `syntax = "proto3";
package rpc;
message Req { string q = 1; }
message Resp { repeated string hits = 1; }
service Search {
  option deprecated = true;
  rpc Find (Req) returns (Resp);
  rpc Stream (stream Req) returns (stream .rpc.Resp) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Count (Req) returns (Resp) {}
}
service Empty {}
`},
	{Name: "editions", Text: `edition = "2023";
package ed;
option features.field_presence = IMPLICIT;
message Item {
  reserved old_name, older_name;
  reserved 9;
  string name = 1;
  int32 qty = 2 [features.field_presence = EXPLICIT];
  Item child = 3 [features.message_encoding = DELIMITED];
  repeated int32 codes = 4 [features.repeated_field_encoding = EXPANDED];
  int64 version = 5 [features.field_presence = LEGACY_REQUIRED];
}
enum Kind { option features.enum_type = CLOSED; KIND_A = 1; KIND_B = 2; }
`},
	{Name: "comments_and_whitespace", Text: "// header\r\nsyntax = \"proto3\"; /* block */\n\n\tpackage   c ;\nmessage   M{int32 a=1;// trailing\n string b = 2 ; }\n"},
	{Name: "unicode", Text: `syntax = "proto3";
message Greeting { string street = 1 [json_name = "straße"]; string emoji = 2 [json_name = "😀\t"]; }
`},
}

var invalidExamples = []schemaformattest.Example{
	{Name: "syntax_error", Text: `syntax = "proto3"; message M { int32 a = ; }`},
	{Name: "unknown_type", Text: `syntax = "proto3"; message M { Missing m = 1; }`},
	{Name: "duplicate_field_number", Text: `syntax = "proto3"; message M { int32 a = 1; string b = 1; }`, Says: `schema.proto:1:56: message M: fields a and b both have the same tag 1`},
	{Name: "duplicate_name", Text: `syntax = "proto3"; message M { int32 a = 1; } message M { int32 b = 1; }`},
	{Name: "missing_import", Text: `syntax = "proto3"; import "shop/money.proto"; message M { shop.common.Money m = 1; }`},
	{Name: "import_without_reference_type", Text: `syntax = "proto3"; message M { google.protobuf.Timestamp t = 1; }`},
	{Name: "proto3_required", Text: `syntax = "proto3"; message M { required int32 a = 1; }`},
	{Name: "proto3_default", Text: `syntax = "proto3"; message M { int32 a = 1 [default = 5]; }`},
	{Name: "proto3_enum_first_not_zero", Text: `syntax = "proto3"; enum E { A = 1; }`},
	{Name: "field_number_zero", Text: `syntax = "proto3"; message M { int32 a = 0; }`},
	{Name: "field_number_too_big", Text: `syntax = "proto3"; message M { int32 a = 536870912; }`},
	{Name: "reserved_number_used", Text: `syntax = "proto3"; message M { reserved 1; int32 a = 1; }`},
	{Name: "unknown_option", Text: `syntax = "proto3"; message M { option (nope) = 1; int32 a = 1; }`},
	{Name: "bad_option_value", Text: `syntax = "proto3"; message M { int32 a = 1 [deprecated = "yes"]; }`},
	{Name: "unknown_syntax", Text: `syntax = "proto4"; message M {}`},
	{Name: "unsupported_edition", Text: `edition = "2099"; message M {}`},
	{Name: "map_in_oneof", Text: `syntax = "proto3"; message M { oneof o { map<string, int32> m = 1; } }`},
	{Name: "bad_reference", Text: `syntax = "proto3"; import "broken.proto"; message M {}`,
		Refs: []schemaformat.Ref{{Name: "broken.proto", Text: `syntax = "proto3"; message { }`}}},
	{Name: "import_cycle", Text: `syntax = "proto3"; import "a.proto"; message M {}`,
		Refs: []schemaformat.Ref{{Name: "a.proto", Text: `syntax = "proto3"; import "b.proto";`}, {Name: "b.proto", Text: `syntax = "proto3"; import "a.proto";`}}},
	{Name: "json_name_conflict", Text: `syntax = "proto3"; message M { int32 foo_bar = 1; int32 fooBar = 2; }`},
	{Name: "binary_garbage", Text: "\x00\xff\xfe message"},
	// Errors carry the compiler's position and name what is wrong.
	{Name: "unknown_type_on_line_3", Text: `syntax = "proto3";
message M {
  Missing m = 1;
}`, Says: `schema.proto:3:3: field M.m: unknown type Missing`},
	{Name: "import_not_among_references", Text: `syntax = "proto3"; import "x.proto"; message M {}`, Says: `schema.proto:1:27: import "x.proto" is not among the schema's references`},
	{Name: "reference_syntax_error", Text: `syntax = "proto3"; import "b.proto"; message M {}`,
		Refs: []schemaformat.Ref{{Name: "b.proto", Text: "message {"}}, Says: `b.proto:1:9: syntax error`},
}

func TestConformance(t *testing.T) {
	schemaformattest.Run(t, New(), schemaformattest.Examples{
		Valid:   validExamples,
		Invalid: invalidExamples,
		Cases:   schemaformattest.CompatSuiteCases(t, compatFile),
	})
}

// TestCompilerPanicIsInvalidSchema: protocompile v0.14.1 panics on this
// option (an extension set inside a literal of a message it does not
// extend); the panic becomes an invalid-schema error.
func TestCompilerPanicIsInvalidSchema(t *testing.T) {
	_, err := New().Parse(`syntax = "proto3";
package p;
import "google/protobuf/descriptor.proto";
extend google.protobuf.MessageOptions { Opt o = 50000; }
message Opt { int32 a = 1; }
message Q { option (o) = { [p.o]: { a: 1 } }; }
`, nil)
	if !errors.Is(err, schema.ErrInvalidSchema) {
		t.Fatalf("Parse = %v, want an invalid-schema error", err)
	}
}

// TestReasonsNameMessageAndField checks the sentences CanRead returns.
func TestReasonsNameMessageAndField(t *testing.T) {
	parse := func(text string) schemaformat.Parsed {
		t.Helper()
		p, err := New().Parse(text, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := parse(`syntax = "proto3"; package shop; message Order { int32 qty = 1; }`)
	new := parse(`syntax = "proto3"; package shop; message Order { string qty = 1; }`)
	reasons := new.CanRead(old)
	want := "message shop.Order: field qty (number 1) is int32 in the writer schema and string in the reader schema, which are not wire-compatible (FIELD_SCALAR_KIND_CHANGED at #/Order/1)"
	if len(reasons) != 1 || reasons[0] != want {
		t.Errorf("CanRead = %q, want [%q]", reasons, want)
	}
	// Through the domain's check, the direction is spelled out.
	got := schema.Check(schema.Full, new, []schemaformat.Parsed{old}, func(r, w schemaformat.Parsed) []string { return r.CanRead(w) })
	if len(got) != 2 || !strings.HasPrefix(got[0], "reading data written with an earlier schema: message shop.Order: field qty") {
		t.Errorf("Check = %q", got)
	}
}

// TestCanonicalPreservesMeaning checks that the canonical and normalized
// forms compile to the descriptors of the original (up to the order
// printing changes), and that no compatibility difference separates them.
func TestCanonicalPreservesMeaning(t *testing.T) {
	for _, e := range validExamples {
		t.Run(e.Name, func(t *testing.T) {
			orig, err := New().Parse(e.Text, e.Refs)
			if err != nil {
				t.Fatal(err)
			}
			for _, form := range []struct {
				name        string
				text        string
				withOptions bool
			}{{"canonical", orig.Canonical(), true}, {"normalized", orig.Normalized(), false}} {
				again, err := New().Parse(form.text, e.Refs)
				if err != nil {
					t.Fatalf("%s: %v\n%s", form.name, err, form.text)
				}
				sameMeaning(t, orig, again, form.withOptions)
				a, b := orig.(*parsed).file, again.(*parsed).file
				for _, d := range append(compare(a, b), compare(b, a)...) {
					t.Errorf("%s: %s %s: %s", form.name, d.kind, d.path, d.what)
				}
			}
		})
	}
}

// TestPrintGolden compares the canonical and normalized forms of
// testdata/print.txt's schemas; -rewrite regenerates them.
func TestPrintGolden(t *testing.T) {
	const file = "testdata/print.txt"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(data), "\n=== ")
	var out strings.Builder
	out.WriteString(strings.TrimRight(head, "\n") + "\n")
	for _, chunk := range strings.Split("=== "+rest, "\n=== ") {
		chunk = strings.TrimPrefix(chunk, "=== ")
		name, body, _ := strings.Cut(chunk, "\n")
		about, sections := splitSections(body)
		var refs []schemaformat.Ref
		var input string
		for _, s := range sections {
			switch {
			case strings.HasPrefix(s.name, "ref "):
				refs = append(refs, schemaformat.Ref{Name: strings.TrimPrefix(s.name, "ref "), Text: s.text})
			case s.name == "input":
				input = s.text
			}
		}
		p, err := New().Parse(input, refs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&out, "\n=== %s\n%s", name, about)
		for _, s := range sections {
			switch s.name {
			case "canonical", "normalized":
				continue
			}
			fmt.Fprintf(&out, "--- %s\n%s\n", s.name, strings.TrimRight(s.text, "\n"))
		}
		fmt.Fprintf(&out, "--- canonical\n%s--- normalized\n%s", p.Canonical(), p.Normalized())
	}
	if *schemaformattest.Rewrite {
		if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := out.String(); got != string(data) {
		t.Errorf("printed forms differ from %s (run with -rewrite and review the diff):\n%s", file, lineDiff(string(data), got))
	}
}

type section struct{ name, text string }

// splitSections splits a case into the text before its first "--- "
// line and its sections.
func splitSections(body string) (about string, out []section) {
	parts := strings.Split("\n"+body, "\n--- ")
	if about = strings.TrimPrefix(parts[0], "\n"); about != "" {
		about += "\n"
	}
	for _, part := range parts[1:] {
		name, text, _ := strings.Cut(part, "\n")
		out = append(out, section{name, text + "\n"})
	}
	return about, out
}

// lineDiff shows the first differing line of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant: %q\ngot:  %q", i+1, wl, gl)
		}
	}
	return ""
}

// TestConcurrentUse parses and compares from many goroutines (run with
// -race).
func TestConcurrentUse(t *testing.T) {
	p := New()
	base, err := p.Parse(validExamples[3].Text, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := validExamples[i%len(validExamples)]
			s, err := p.Parse(e.Text, e.Refs)
			if err != nil {
				t.Error(err)
				return
			}
			_ = s.CanRead(base)
			_ = base.CanRead(s)
			_ = s.Canonical() + s.Normalized()
		}()
	}
	wg.Wait()
}

// TestKnownImports checks that every file Confluent resolves without a
// reference compiles here too.
func TestKnownImports(t *testing.T) {
	var paths []string
	for p := range googleTypes {
		paths = append(paths, p)
	}
	for p := range confluentFiles {
		paths = append(paths, p)
	}
	for _, p := range []string{"any", "api", "descriptor", "duration", "empty", "field_mask", "source_context", "struct", "timestamp", "type", "wrappers"} {
		paths = append(paths, "google/protobuf/"+p+".proto")
	}
	for _, path := range paths {
		if _, err := New().Parse(`syntax = "proto3"; import "`+path+`"; message M {}`, nil); err != nil {
			t.Errorf("import %q: %v", path, err)
		}
	}
}

var positionRE = regexp.MustCompile(`\.proto:\d+:\d+: `)

// TestInvalidExamplesHavePositions checks that compiler errors carry a
// file:line:col position.
func TestInvalidExamplesHavePositions(t *testing.T) {
	for _, e := range invalidExamples {
		_, err := New().Parse(e.Text, e.Refs)
		if err == nil || !positionRE.MatchString(err.Error()) {
			t.Errorf("%s: %v has no position", e.Name, err)
		}
	}
}
