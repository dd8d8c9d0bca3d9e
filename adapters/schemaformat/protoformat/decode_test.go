package protoformat

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

const orderProto = `syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";

message Other { string x = 1; }
message Order {
  enum Status { NEW = 0; PAID = 1; }
  message Line { string sku = 1; int32 qty = 2; }
  int32 i32 = 1; sint32 s32 = 2; sfixed32 sf32 = 3;
  int64 i64 = 4; sint64 s64 = 5; sfixed64 sf64 = 6;
  uint32 u32 = 7; fixed32 fx32 = 8; uint64 u64 = 9; fixed64 fx64 = 10;
  float fl = 11; double db = 12; bool b = 13; string s = 14; bytes y = 15;
  Status status = 16; Status unknown_status = 17;
  Line line = 18; repeated Line lines = 19; repeated int64 nums = 20;
  map<string, int32> counts = 21; map<int64, string> by_id = 22;
  optional string opt = 23;
  oneof pay { string card = 24; int64 cash = 25; }
  google.protobuf.Timestamp at = 26;
  google.protobuf.Int64Value maybe = 27;
  google.protobuf.StringValue absent_wrapper = 28;
  google.protobuf.Struct meta = 29;
  Line absent_line = 30;
  uint64 big = 31;
}
`

func parseProto(t testing.TB, text string, refs ...schemaformat.Ref) *parsed {
	t.Helper()
	p, err := New().Parse(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*parsed)
}

// encode writes the message of p named by index from its protojson text
// with protobuf-go, and frames it as franz-go's sr serde does, returning
// what follows the magic byte and the id: the indexes and the message.
// index walks p's compiled descriptors, map entries included, which is
// Confluent's count only where no map field comes before a nested message
// (so in the schemas it is used with; see
// TestDecodeMessageIndexesSkipMapEntries).
func encode(t testing.TB, p *parsed, index []int, jsonText string) []byte {
	t.Helper()
	md := p.file.Messages().Get(index[0])
	for _, i := range index[1:] {
		md = md.Messages().Get(i)
	}
	m := dynamicpb.NewMessage(md)
	if err := protojson.Unmarshal([]byte(jsonText), m); err != nil {
		t.Fatal(err)
	}
	body, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var h sr.ConfluentHeader
	framed, err := h.AppendEncode(nil, 1, index)
	if err != nil {
		t.Fatal(err)
	}
	return append(framed[5:], body...)
}

func obj(kv ...any) document.Object {
	o := document.Object{}
	for i := 0; i < len(kv); i += 2 {
		o = append(o, document.Field{Name: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

func TestDecodeEveryType(t *testing.T) {
	p := parseProto(t, orderProto)
	payload := encode(t, p, []int{1}, `{
		"i32": -1, "s32": -2, "sf32": -3, "i64": "-9223372036854775808", "s64": "5", "sf64": "6",
		"u32": 4294967295, "fx32": 8, "u64": "9223372036854775807", "fx64": "10",
		"fl": 1.5, "db": -2.25, "b": true, "s": "héllo", "y": "AAH/",
		"status": "PAID", "unknownStatus": 7,
		"line": {"sku": "a", "qty": 2}, "lines": [{"sku": "b"}, {}], "nums": ["3", "-1"],
		"counts": {"z": 1, "a": 2}, "byId": {"10": "ten", "-2": "minus two", "9": "nine"},
		"opt": "", "cash": "12",
		"at": "2023-11-14T22:13:20.123456Z", "maybe": "0",
		"meta": {"k": [1, "two", null, true, {"n": {}}]},
		"big": "18446744073709551615"
	}`)
	got, err := schemaformattest.DecodeKeepsPromises(t, p, payload)
	if err != nil {
		t.Fatal(err)
	}
	want := obj(
		"i32", int64(-1), "s32", int64(-2), "sf32", int64(-3), "i64", int64(math.MinInt64), "s64", int64(5), "sf64", int64(6),
		"u32", int64(math.MaxUint32), "fx32", int64(8), "u64", int64(math.MaxInt64), "fx64", int64(10),
		"fl", 1.5, "db", -2.25, "b", true, "s", "héllo", "y", []byte{0, 1, 0xff},
		"status", "PAID", "unknown_status", "7",
		"line", obj("sku", "a", "qty", int64(2)),
		"lines", []any{obj("sku", "b", "qty", int64(0)), obj("sku", "", "qty", int64(0))},
		"nums", []any{int64(3), int64(-1)},
		"counts", obj("a", int64(2), "z", int64(1)),
		"by_id", obj("-2", "minus two", "10", "ten", "9", "nine"),
		"opt", "", "card", nil, "cash", int64(12),
		"at", int64(1700000000123),
		"maybe", int64(0), "absent_wrapper", nil,
		"meta", obj("k", []any{1.0, "two", nil, true, obj("n", obj())}),
		"absent_line", nil,
		"big", float64(math.MaxUint64),
	)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

// Fields absent on the wire: nil when they track presence, else their
// default.
func TestDecodeAbsentFields(t *testing.T) {
	p := parseProto(t, orderProto)
	got, err := schemaformattest.DecodeKeepsPromises(t, p, encode(t, p, []int{1}, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	want := obj(
		"i32", int64(0), "s32", int64(0), "sf32", int64(0), "i64", int64(0), "s64", int64(0), "sf64", int64(0),
		"u32", int64(0), "fx32", int64(0), "u64", int64(0), "fx64", int64(0),
		"fl", 0.0, "db", 0.0, "b", false, "s", "", "y", []byte{},
		"status", "NEW", "unknown_status", "NEW",
		"line", nil, "lines", []any{}, "nums", []any{}, "counts", obj(), "by_id", obj(),
		"opt", nil, "card", nil, "cash", nil, "at", nil, "maybe", nil, "absent_wrapper", nil,
		"meta", nil, "absent_line", nil, "big", int64(0),
	)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}

	p2 := parseProto(t, `syntax = "proto2"; message P { optional int32 a = 1 [default = 5]; required string r = 2; optional string s = 3; repeated int32 n = 4; }`)
	got, err = schemaformattest.DecodeKeepsPromises(t, p2, []byte{0, 0x1a, 1, 'x'})
	if err != nil {
		t.Fatal(err)
	}
	if want := obj("a", nil, "r", nil, "s", "x", "n", []any{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("proto2: got %v, want %v", got, want)
	}
}

// The message indexes name the message type: [0] (written as one 0
// byte) the first, [1] the second, [1, 0] the first nested in the second.
func TestDecodeMessageIndexes(t *testing.T) {
	p := parseProto(t, orderProto)
	for _, c := range []struct {
		name    string
		index   []int
		json    string
		want    document.Object
		payload []byte
	}{
		{"first", []int{0}, `{"x":"y"}`, obj("x", "y"), nil},
		{"nested", []int{1, 0}, `{"sku":"s","qty":3}`, obj("sku", "s", "qty", int64(3)), nil},
		{"explicit_count", nil, "", obj("x", "z"), []byte{2, 0, 0x0a, 1, 'z'}},
	} {
		t.Run(c.name, func(t *testing.T) {
			payload := c.payload
			if payload == nil {
				payload = encode(t, p, c.index, c.json)
			}
			got, err := schemaformattest.DecodeKeepsPromises(t, p, payload)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, %v, want %v", got, err, c.want)
			}
		})
	}
	if got := encode(t, p, []int{0}, `{}`); !bytes.Equal(got, []byte{0}) {
		t.Fatalf("sr writes [0] as %x, want one 0 byte", got)
	}
}

// Message indexes count the messages the schema declares, not the entry
// types the compiler adds for map fields, as Confluent's deserializer
// does: Line is [1, 0] and Tail [1, 1] however the map fields sit, in the
// text as written and in the canonical text the registry keeps (which
// prints fields, maps included, before nested messages, so that counting
// entries read [1, 0] as CountersEntry: the e2e Protobuf test's lines came
// out as key and value columns).
func TestDecodeMessageIndexesSkipMapEntries(t *testing.T) {
	const text = `syntax = "proto3";
message A { string x = 1; }
message Order {
  message Line { string sku = 1; int32 qty = 2; }
  map<string, int64> counters = 1;
  message Tail {
    map<int32, string> names = 1;
    message Deep { bool ok = 1; }
    int64 n = 2;
  }
  string id = 2;
}`
	written := parseProto(t, text)
	canonical := parseProto(t, written.Canonical())
	if ms := canonical.file.Messages().Get(1).Messages(); !ms.Get(0).IsMapEntry() {
		t.Fatalf("the canonical text no longer puts the map entry first (%s): this test no longer covers that", ms.Get(0).Name())
	}
	frame := func(index []int, body []byte) []byte {
		var h sr.ConfluentHeader
		framed, err := h.AppendEncode(nil, 1, index)
		if err != nil {
			t.Fatal(err)
		}
		return append(framed[5:], body...)
	}
	line := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "s")
	line = protowire.AppendVarint(protowire.AppendTag(line, 2, protowire.VarintType), 3)
	tail := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 9)
	deep := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1)
	for _, p := range []struct {
		name string
		p    *parsed
	}{{"as_written", written}, {"canonical", canonical}} {
		for _, c := range []struct {
			name    string
			payload []byte
			want    document.Object
			err     string
		}{
			{"line", frame([]int{1, 0}, line), obj("sku", "s", "qty", int64(3)), ""},
			{"tail", frame([]int{1, 1}, tail), obj("names", document.Object{}, "n", int64(9)), ""},
			{"deep", frame([]int{1, 1, 0}, deep), obj("ok", true), ""},
			{"no_third_message", frame([]int{1, 2}, nil), nil, "message index 2 (at position 1) names no message"},
			{"no_message_under_deep", frame([]int{1, 1, 1}, nil), nil, "message index 1 (at position 2) names no message"},
		} {
			t.Run(p.name+"/"+c.name, func(t *testing.T) {
				got, err := schemaformattest.DecodeKeepsPromises(t, p.p, c.payload)
				if c.err != "" {
					if err == nil || !strings.Contains(err.Error(), c.err) {
						t.Fatalf("got %v, %v, want an error saying %q", got, err, c.err)
					}
					return
				}
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %v, %v, want %v", got, err, c.want)
				}
			})
		}
	}
}

// A value is decoded with the schema whose id framed it.
func TestDecodeEvolution(t *testing.T) {
	v1 := parseProto(t, `syntax = "proto3"; message User { int64 id = 1; string name = 2; }`)
	v2 := parseProto(t, `syntax = "proto3"; message User { int64 id = 1; string name = 2; string email = 3; }`)
	got, err := v1.Decode(encode(t, v1, []int{0}, `{"id":"1","name":"ann"}`))
	if err != nil || !reflect.DeepEqual(got, obj("id", int64(1), "name", "ann")) {
		t.Fatalf("v1: %v, %v", got, err)
	}
	p2 := encode(t, v2, []int{0}, `{"id":"2","name":"bob","email":"b@x"}`)
	got, err = v2.Decode(p2)
	if err != nil || !reflect.DeepEqual(got, obj("id", int64(2), "name", "bob", "email", "b@x")) {
		t.Fatalf("v2: %v, %v", got, err)
	}
	// v2's payload read with v1: the unknown field is dropped.
	got, err = v1.Decode(p2)
	if err != nil || !reflect.DeepEqual(got, obj("id", int64(2), "name", "bob")) {
		t.Fatalf("v2 with v1: %v, %v", got, err)
	}
}

// A message type from a reference decodes like one of the schema.
func TestDecodeReference(t *testing.T) {
	ref := schemaformat.Ref{Name: "money.proto", Text: `syntax = "proto3"; package m; message Money { string currency = 1; int64 units = 2; }`}
	p := parseProto(t, `syntax = "proto3"; import "money.proto"; message Pay { m.Money amount = 1; }`, ref)
	got, err := p.Decode(encode(t, p, []int{0}, `{"amount":{"currency":"EUR","units":"3"}}`))
	if err != nil || !reflect.DeepEqual(got, obj("amount", obj("currency", "EUR", "units", int64(3)))) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestDecodeRefusesWhatDoesNotMatch(t *testing.T) {
	p := parseProto(t, orderProto)
	wide := parseProto(t, `syntax = "proto3"; message W { repeated E e = 1; } message E {`+fieldsOf(100)+`}`)
	deep := parseProto(t, `syntax = "proto3"; message R { R r = 1; int32 v = 2; }`)
	p2 := parseProto(t, `syntax = "proto2"; message S { optional string s = 1; }`)
	nested := []byte{}
	for range document.MaxDepth + 2 {
		nested = append(protowire.AppendVarint([]byte{0x0a}, uint64(len(nested))), nested...)
	}
	manyEmpty := []byte{0}
	for range 1000 {
		manyEmpty = append(manyEmpty, 0x0a, 0)
	}
	for _, c := range []struct {
		name    string
		p       *parsed
		payload []byte
		says    string
	}{
		{"empty", p, nil, "message indexes: the payload ends"},
		{"index_out_of_range", p, []byte{2, 4}, "message index 2 (at position 0) names no message"},
		{"nested_index_out_of_range", p, []byte{4, 2, 6}, "message index 3 (at position 1)"},
		{"negative_index", p, []byte{2, 1}, "message index -1"},
		{"negative_count", p, []byte{1}, "a count of -1 indexes"},
		{"count_beyond_payload", p, []byte{0x7e}, "a count of 63 indexes"},
		{"count_huge", p, protowire.AppendVarint(nil, protowire.EncodeZigZag(1<<40)), "out of range"},
		{"indexes_truncated", p, []byte{4, 2, 0x80}, "the payload ends"},
		{"garbage_body", p, []byte{2, 2, 0xff, 0xff, 0xff}, "does not match message shop.Order: cannot parse invalid wire-format data"},
		{"length_of_2gb", p, append([]byte{2, 2, 0x72}, protowire.AppendVarint(nil, 2<<30)...), "does not match message shop.Order"},
		{"invalid_utf8_proto3", p, []byte{2, 2, 0x72, 1, 0xff}, "does not match"},
		{"invalid_utf8_proto2", p2, []byte{0, 0x0a, 1, 0xff}, "not valid UTF-8"},
		{"too_deep", deep, append([]byte{0}, nested...), "does not match message R"},
		{"too_many_values", wide, manyEmpty, "more values than the payload has bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := schemaformattest.DecodeKeepsPromises(t, c.p, c.payload)
			if err == nil {
				t.Fatalf("decoded %v", got)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want it to say %q", err, c.says)
			}
		})
	}
}

// fieldsOf declares n int32 fields, f1 to fn.
func fieldsOf(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "int32 f%d = %d; ", i, i)
	}
	return b.String()
}

// oracleSchemas are the schemas the fuzzer decodes with both decoders:
// every kind, packed and not, groups, oneofs, maps of messages, proto2
// defaults, editions features, recursion and the well-known types.
var oracleSchemas = []string{
	orderProto,
	`syntax = "proto2";
message R {
  optional R r = 1; optional string s = 2 [default = "d"]; repeated sint64 n = 3 [packed = true];
  map<string, R> m = 4; optional group G = 5 { optional int32 a = 6; repeated fixed32 f = 7; }
  repeated group H = 8 { optional bytes b = 9; }
  oneof o { R or = 10; uint64 ou = 11; E oe = 12; }
  enum E { X = 1; Y = 2; }
  optional E e = 13; repeated E es = 14; map<uint64, E> me = 15; map<bool, bytes> mb = 16;
  repeated double d = 17; repeated sfixed64 sf = 18 [packed = false]; required sint32 q = 19;
}`,
	`edition = "2023";
message Ed {
  int32 i = 1 [features.field_presence = IMPLICIT]; int32 j = 2;
  Ed child = 3 [features.message_encoding = DELIMITED]; repeated int32 p = 4; repeated int32 u = 5 [features.repeated_field_encoding = EXPANDED];
  string s = 6 [features.field_presence = IMPLICIT];
}`,
	`syntax = "proto3";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/any.proto";
message W {
  google.protobuf.Value v = 1; google.protobuf.Struct s = 2; google.protobuf.ListValue l = 3;
  repeated google.protobuf.Timestamp ts = 4; map<int32, google.protobuf.UInt64Value> mw = 5;
  google.protobuf.BytesValue b = 6; google.protobuf.Duration d = 7; google.protobuf.Any a = 8;
  oneof k { google.protobuf.BoolValue bv = 9; sint32 si = 10; }
}`,
}

// FuzzDecode: the wire decoder keeps the port's promises and agrees with
// the oracle (dynamicpb) on every payload.
func FuzzDecode(f *testing.F) {
	schemas := make([]*parsed, len(oracleSchemas))
	for i, s := range oracleSchemas {
		schemas[i] = parseProto(f, s)
	}
	f.Add(uint8(0), encode(f, schemas[0], []int{1}, `{"i32":1,"s":"x","lines":[{"sku":"a"}],"counts":{"a":1},"at":"2023-01-01T00:00:00Z","meta":{"a":[1]},"maybe":"3","card":"c"}`))
	f.Add(uint8(0), []byte{4, 2, 0, 0x0a, 1, 'a'})
	f.Add(uint8(1), encode(f, schemas[1], []int{0}, `{"r":{"s":"in","n":["-1","2"],"q":0},"n":["3"],"m":{"k":{"q":1}},"g":{"a":1,"f":[2,3]},"h":[{"b":"AA=="},{}],"or":{"q":2},"e":"Y","es":["X","Y"],"me":{"18446744073709551615":"X"},"mb":{"true":"AQ=="},"d":[1.5,-0],"sf":["-7"],"q":-3}`))
	f.Add(uint8(1), []byte{0, 0x0a, 2, 0x12, 0, 0x1a, 2, 1, 2, 0x50, 1, 0x5a, 0})
	f.Add(uint8(2), encode(f, schemas[2], []int{0}, `{"i":0,"j":0,"child":{"i":5,"p":[1,2]},"p":[3],"u":[4,5],"s":""}`))
	f.Add(uint8(3), encode(f, schemas[3], []int{0}, `{"v":{"a":[1,null,"x",{"b":true}]},"s":{"k":2},"l":[1],"ts":["1970-01-01T00:00:00.001Z"],"mw":{"-1":"5"},"b":"AQ==","d":"1.5s","a":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":3},"bv":false}`))
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		sameAsOracle(t, schemas[int(which)%len(schemas)], payload)
	})
}

// The wire decoder and the oracle agree on payloads with what an encoder
// may write but protobuf-go's does not: repeated occurrences of singular
// fields, split messages and groups, packed and unpacked mixed, oneof
// members in turn, wire types that do not fit, bad tags.
func TestDecodeMatchesOracle(t *testing.T) {
	p := parseProto(t, oracleSchemas[1])
	tag := func(num int, typ protowire.Type) []byte { return protowire.AppendTag(nil, protowire.Number(num), typ) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	lenPrefixed := func(b []byte) []byte { return protowire.AppendBytes(nil, b) }
	q := cat(tag(19, protowire.VarintType), []byte{2})
	for _, c := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"scalar_twice_last_wins", cat(tag(2, protowire.BytesType), lenPrefixed([]byte("a")), tag(2, protowire.BytesType), lenPrefixed([]byte("b")), q), true},
		{"message_split_merges", cat(tag(1, protowire.BytesType), lenPrefixed(cat(tag(2, protowire.BytesType), lenPrefixed([]byte("x")))),
			tag(1, protowire.BytesType), lenPrefixed(cat(tag(3, protowire.VarintType), []byte{4})), q), true},
		{"packed_and_unpacked_mixed", cat(tag(3, protowire.BytesType), lenPrefixed([]byte{2, 4}), tag(3, protowire.VarintType), []byte{6}, q), true},
		{"oneof_last_member_wins", cat(tag(11, protowire.VarintType), []byte{5}, tag(12, protowire.VarintType), []byte{2}, q), true},
		{"oneof_message_then_other", cat(tag(10, protowire.BytesType), lenPrefixed(q), tag(11, protowire.VarintType), []byte{1}, q), true},
		{"oneof_back_to_message", cat(tag(10, protowire.BytesType), lenPrefixed(cat(tag(2, protowire.BytesType), lenPrefixed([]byte("x")))), tag(11, protowire.VarintType), []byte{1}, tag(10, protowire.BytesType), lenPrefixed(q), q), true},
		{"wrong_wire_type_skipped", cat(tag(2, protowire.VarintType), []byte{1}, tag(13, protowire.Fixed32Type), []byte{1, 2, 3, 4}, q), true},
		{"map_key_twice", cat(tag(16, protowire.BytesType), lenPrefixed(cat(tag(1, protowire.VarintType), []byte{1}, tag(2, protowire.BytesType), lenPrefixed([]byte{9}))), tag(16, protowire.BytesType), lenPrefixed(cat(tag(1, protowire.VarintType), []byte{1}))), true},
		{"map_entry_empty", cat(tag(4, protowire.BytesType), lenPrefixed(nil), tag(15, protowire.BytesType), lenPrefixed(nil)), true},
		{"unknown_enum_number", cat(tag(13, protowire.VarintType), protowire.AppendVarint(nil, uint64(0xffffffffffffffff)), tag(14, protowire.BytesType), lenPrefixed([]byte{7, 1})), true},
		{"group_twice_merges", cat(tag(5, protowire.StartGroupType), tag(6, protowire.VarintType), []byte{1}, tag(5, protowire.EndGroupType), tag(5, protowire.StartGroupType), tag(7, protowire.Fixed32Type), []byte{1, 0, 0, 0}, tag(5, protowire.EndGroupType)), true},
		{"unknown_group", cat(tag(99, protowire.StartGroupType), tag(1, protowire.VarintType), []byte{1}, tag(99, protowire.EndGroupType), q), true},
		{"oneof_dropped_message_malformed", cat(tag(10, protowire.BytesType), lenPrefixed([]byte{0x12, 5, 'a'}), tag(11, protowire.VarintType), []byte{1}, q), false},
		{"merged_occurrence_malformed", cat(tag(1, protowire.BytesType), lenPrefixed([]byte{0x30}), tag(1, protowire.BytesType), lenPrefixed([]byte{0x30}), q), false},
		{"end_group_alone", tag(5, protowire.EndGroupType), false},
		{"group_end_mismatch", cat(tag(5, protowire.StartGroupType), tag(6, protowire.EndGroupType)), false},
		{"field_number_zero", []byte{0x02, 0x00}, false},
		{"field_number_too_large", protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			payload := append([]byte{0}, c.body...)
			sameAsOracle(t, p, payload)
			if _, err := p.Decode(payload); (err == nil) != c.ok {
				t.Fatalf("Decode: %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// BenchmarkDecode decodes a message of ten fields of common types.
func BenchmarkDecode(b *testing.B) {
	p := parseProto(b, `syntax = "proto3";
import "google/protobuf/timestamp.proto";
message Order {
  enum S { NEW = 0; PAID = 1; }
  int64 id = 1; string customer = 2; double amount = 3; int32 qty = 4; bool paid = 5;
  optional string note = 6; repeated string tags = 7; map<string, string> attrs = 8;
  google.protobuf.Timestamp ts = 9; S status = 10;
}`)
	payload := encode(b, p, []int{0}, `{"id":"123456789","customer":"customer-0042","amount":99.5,"qty":3,"paid":true,
		"note":"leave at the door","tags":["a","bb","ccc"],"attrs":{"k1":"v1","k2":"v2"},"ts":"2023-11-14T22:13:20Z","status":"PAID"}`)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOracle is BenchmarkDecode through dynamicpb, for
// comparison.
func BenchmarkDecodeOracle(b *testing.B) {
	p := parseProto(b, `syntax = "proto3";
import "google/protobuf/timestamp.proto";
message Order {
  enum S { NEW = 0; PAID = 1; }
  int64 id = 1; string customer = 2; double amount = 3; int32 qty = 4; bool paid = 5;
  optional string note = 6; repeated string tags = 7; map<string, string> attrs = 8;
  google.protobuf.Timestamp ts = 9; S status = 10;
}`)
	payload := encode(b, p, []int{0}, `{"id":"123456789","customer":"customer-0042","amount":99.5,"qty":3,"paid":true,
		"note":"leave at the door","tags":["a","bb","ccc"],"attrs":{"k1":"v1","k2":"v2"},"ts":"2023-11-14T22:13:20Z","status":"PAID"}`)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.oracleDecode(payload); err != nil {
			b.Fatal(err)
		}
	}
}
