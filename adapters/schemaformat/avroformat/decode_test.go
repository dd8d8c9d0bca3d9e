package avroformat

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// everyType has a field of every type and logical type of the mapping.
const everyType = `{"type":"record","name":"Every","namespace":"t","fields":[
	{"name":"n","type":"null"},
	{"name":"b","type":"boolean"},
	{"name":"i","type":"int"},
	{"name":"l","type":"long"},
	{"name":"f","type":"float"},
	{"name":"d","type":"double"},
	{"name":"s","type":"string"},
	{"name":"y","type":"bytes"},
	{"name":"fx","type":{"type":"fixed","name":"Two","size":2}},
	{"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
	{"name":"a","type":{"type":"array","items":"long"}},
	{"name":"empty","type":{"type":"array","items":"long"}},
	{"name":"m","type":{"type":"map","values":"string"}},
	{"name":"r","type":{"type":"record","name":"Inner","fields":[{"name":"z","type":"string"},{"name":"a","type":"int"}]}},
	{"name":"un","type":["null","string"]},
	{"name":"us","type":["null","string"]},
	{"name":"ur","type":["null","long","Inner"]},
	{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"tu","type":{"type":"long","logicalType":"timestamp-micros"}},
	{"name":"date","type":{"type":"int","logicalType":"date"}},
	{"name":"uuid","type":{"type":"string","logicalType":"uuid"}},
	{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
	{"name":"decneg","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}},
	{"name":"decfix","type":{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9,"scale":0}}]}`

func decoderOf(t testing.TB, text string, refs ...schemaformat.Ref) schemaformat.Decoder {
	t.Helper()
	p, err := New().Parse(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := p.(schemaformat.Decoder)
	if !ok {
		t.Fatalf("%T is no schemaformat.Decoder", p)
	}
	return d
}

// marshal encodes v with hamba/avro, the library Go producers use.
func marshal(t testing.TB, text string, v any) []byte {
	t.Helper()
	b, err := avro.Marshal(avro.MustParse(text), v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEveryType(t *testing.T) {
	in := map[string]any{
		"n": nil, "b": true, "i": int32(-7), "l": int64(math.MaxInt64), "f": float32(1.5), "d": -2.25,
		"s": "héllo", "y": []byte{0, 1, 0xff}, "fx": [2]byte{9, 8}, "e": "GREEN",
		"a": []int64{3, -1, 2}, "empty": []int64{},
		"m":  map[string]any{"zeta": "z", "alpha": "a", "mid": "m"},
		"r":  map[string]any{"z": "zz", "a": int32(1)},
		"un": nil, "us": map[string]any{"string": "set"}, "ur": map[string]any{"t.Inner": map[string]any{"z": "u", "a": int32(2)}},
		"ts": int64(1700000000123), "tu": int64(1700000000123456), "date": int32(19000),
		"uuid": "123e4567-e89b-12d3-a456-426614174000",
		"dec":  big.NewRat(12345, 100), "decneg": big.NewRat(-5, 1000), "decfix": big.NewRat(-300, 1),
	}
	got, err := schemaformattest.DecodeKeepsPromises(t, decoderOf(t, everyType), marshal(t, everyType, in))
	if err != nil {
		t.Fatal(err)
	}
	inner := func(z string, a int64) document.Object {
		return document.Object{{Name: "z", Value: z}, {Name: "a", Value: a}}
	}
	want := document.Object{
		{Name: "n", Value: nil}, {Name: "b", Value: true}, {Name: "i", Value: int64(-7)}, {Name: "l", Value: int64(math.MaxInt64)}, {Name: "f", Value: 1.5}, {Name: "d", Value: -2.25},
		{Name: "s", Value: "héllo"}, {Name: "y", Value: []byte{0, 1, 0xff}}, {Name: "fx", Value: []byte{9, 8}}, {Name: "e", Value: "GREEN"},
		{Name: "a", Value: []any{int64(3), int64(-1), int64(2)}}, {Name: "empty", Value: []any{}},
		{Name: "m", Value: document.Object{{Name: "alpha", Value: "a"}, {Name: "mid", Value: "m"}, {Name: "zeta", Value: "z"}}},
		{Name: "r", Value: inner("zz", 1)},
		{Name: "un", Value: nil}, {Name: "us", Value: "set"}, {Name: "ur", Value: inner("u", 2)},
		{Name: "ts", Value: int64(1700000000123)}, {Name: "tu", Value: int64(1700000000123456)}, {Name: "date", Value: int64(19000)},
		{Name: "uuid", Value: "123e4567-e89b-12d3-a456-426614174000"},
		{Name: "dec", Value: "123.45"}, {Name: "decneg", Value: "-0.005"}, {Name: "decfix", Value: "-300"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

// A value is decoded with the schema whose id framed it: v1's payload
// with v1 gives v1's fields, v2's with v2 gives v2's.
func TestDecodeEvolution(t *testing.T) {
	v1 := `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	v2 := `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null},{"name":"name","type":"string"}]}`
	got1, err := decoderOf(t, v1).Decode(marshal(t, v1, map[string]any{"id": int64(1), "name": "ann"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (document.Object{{Name: "id", Value: int64(1)}, {Name: "name", Value: "ann"}}); !reflect.DeepEqual(got1, want) {
		t.Fatalf("v1: got %v, want %v", got1, want)
	}
	p2 := marshal(t, v2, map[string]any{"id": int64(2), "email": map[string]any{"string": "b@x"}, "name": "bob"})
	got2, err := decoderOf(t, v2).Decode(p2)
	if err != nil {
		t.Fatal(err)
	}
	if want := (document.Object{{Name: "id", Value: int64(2)}, {Name: "email", Value: "b@x"}, {Name: "name", Value: "bob"}}); !reflect.DeepEqual(got2, want) {
		t.Fatalf("v2: got %v, want %v", got2, want)
	}
	// v2's payload read with v1 is a mismatch, caught here by the bytes
	// left over (the union's index reads as v1's name length).
	if _, err := decoderOf(t, v1).Decode(p2); !errors.Is(err, document.ErrUndecodable) {
		t.Fatalf("v2 payload with v1: %v", err)
	}
}

func TestDecodeTopLevel(t *testing.T) {
	for _, c := range []struct {
		name, schema string
		in           any
		want         document.Object
	}{
		{"string", `"string"`, "x", document.Object{{Name: "value", Value: "x"}}},
		{"array", `{"type":"array","items":"int"}`, []int32{1}, document.Object{{Name: "value", Value: []any{int64(1)}}}},
		{"map", `{"type":"map","values":"int"}`, map[string]any{"b": 1, "a": 2}, document.Object{{Name: "a", Value: int64(2)}, {Name: "b", Value: int64(1)}}},
		{"union_record", `["null",{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}]`, map[string]any{"R": map[string]any{"x": 5}}, document.Object{{Name: "x", Value: int64(5)}}},
		{"union_null", `["null","int"]`, nil, document.Object{{Name: "value", Value: nil}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := schemaformattest.DecodeKeepsPromises(t, decoderOf(t, c.schema), marshal(t, c.schema, c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// A type defined in a reference decodes like one defined in the schema.
func TestDecodeReference(t *testing.T) {
	ref := schemaformat.Ref{Name: "pay.Status", Text: `{"type":"enum","name":"Status","namespace":"pay","symbols":["OK","KO"]}`}
	text := `{"type":"record","name":"Payment","namespace":"pay","fields":[{"name":"status","type":"pay.Status"}]}`
	got, err := decoderOf(t, text, ref).Decode([]byte{2})
	if err != nil || !reflect.DeepEqual(got, document.Object{{Name: "status", Value: "KO"}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestDecodeMapKeyTwiceKeepsTheLast(t *testing.T) {
	// Two blocks of one entry each: "k" → 1, then "k" → 2, "a" → 3.
	payload := []byte{2, 2, 'k', 2, 4, 2, 'k', 4, 2, 'a', 6, 0}
	got, err := decoderOf(t, `{"type":"map","values":"int"}`).Decode(payload)
	if err != nil || !reflect.DeepEqual(got, document.Object{{Name: "a", Value: int64(3)}, {Name: "k", Value: int64(2)}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestDecodeNegativeBlockCount(t *testing.T) {
	// A block of -2 items with its byte size (2), then the end.
	got, err := decoderOf(t, `{"type":"array","items":"int"}`).Decode([]byte{3, 4, 2, 4, 0})
	if err != nil || !reflect.DeepEqual(got, document.Object{{Name: "value", Value: []any{int64(1), int64(2)}}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

// zigzag is the Avro encoding of v.
func zigzag(v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	var out []byte
	for u >= 0x80 {
		out = append(out, byte(u)|0x80)
		u >>= 7
	}
	return append(out, byte(u))
}

func TestDecodeRefusesWhatDoesNotMatch(t *testing.T) {
	rec := `{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}`
	list := `{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`
	deep := bytes.Repeat([]byte{2}, document.MaxDepth+1)
	deep = append(deep, 0)
	for _, c := range []struct {
		name, schema string
		payload      []byte
		says         string
	}{
		{"empty", rec, nil, "ends inside a value"},
		{"truncated_string", rec, []byte{10, 'a', 'b'}, "field R.s: the payload ends inside a value"},
		{"length_of_2gb", rec, zigzag(2 << 30), "ends inside a value"},
		{"negative_length", rec, zigzag(-1), "a length is negative"},
		{"trailing_bytes", rec, []byte{2, 'a', 0}, "bytes are left after the value"},
		{"invalid_utf8", rec, []byte{2, 0xff}, "not valid UTF-8"},
		{"varint_too_long", `"long"`, bytes.Repeat([]byte{0x80}, 11), "longer than 10 bytes"},
		{"int_out_of_range", `"int"`, zigzag(math.MaxInt32 + 1), "32-bit range"},
		{"boolean_2", `"boolean"`, []byte{2}, "neither 0 nor 1"},
		{"union_index", `["null","int"]`, zigzag(2), "union branch 2 does not exist"},
		{"union_index_negative", `["null","int"]`, zigzag(-1), "union branch -1"},
		{"enum_index", `{"type":"enum","name":"E","symbols":["A"]}`, zigzag(1), "symbol 1 does not exist"},
		{"fixed_short", `{"type":"fixed","name":"F","size":16}`, []byte{1, 2}, "ends inside"},
		{"array_count_2g", `{"type":"array","items":"long"}`, zigzag(math.MaxInt32), "more values than the payload"},
		{"array_of_nulls_huge", `{"type":"array","items":"null"}`, append(zigzag(1<<40), 0), "more values than the payload"},
		{"array_count_min", `{"type":"array","items":"null"}`, zigzag(math.MinInt64), "block count is out of range"},
		{"map_count_2g", `{"type":"map","values":"null"}`, zigzag(-(1 << 31)), "ends inside"},
		{"decimal_too_long", `{"type":"bytes","logicalType":"decimal","precision":4000,"scale":1}`, append(zigzag(200), make([]byte, 200)...), "more than 128 bytes"},
		{"too_deep", list, deep, "more than 64 levels deep"},
		{"empty_union", `{"type":"record","name":"U","fields":[{"name":"never","type":[]}]}`, []byte{0}, "union branch 0 does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := schemaformattest.DecodeKeepsPromises(t, decoderOf(t, c.schema), c.payload)
			if err == nil {
				t.Fatalf("decoded %v", got)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want it to say %q", err, c.says)
			}
		})
	}
}

// Every proper prefix of a valid payload is refused.
func TestDecodeEveryTruncation(t *testing.T) {
	in := map[string]any{
		"n": nil, "b": false, "i": int32(1), "l": int64(2), "f": float32(3), "d": 4.0,
		"s": "s", "y": []byte{1}, "fx": [2]byte{}, "e": "RED", "a": []int64{1}, "empty": []int64{},
		"m": map[string]any{"k": "v"}, "r": map[string]any{"z": "", "a": int32(0)},
		"un": nil, "us": nil, "ur": nil, "ts": int64(0), "tu": int64(0), "date": int32(0), "uuid": "u",
		"dec": big.NewRat(1, 1), "decneg": big.NewRat(0, 1), "decfix": big.NewRat(7, 1),
	}
	payload := marshal(t, everyType, in)
	d := decoderOf(t, everyType)
	for n := range len(payload) {
		if got, err := schemaformattest.DecodeKeepsPromises(t, d, payload[:n]); err == nil {
			t.Fatalf("a prefix of %d of %d bytes decoded: %v", n, len(payload), got)
		}
	}
}

func FuzzDecode(f *testing.F) {
	schemas := []string{
		everyType,
		`{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]}`,
		`{"type":"map","values":{"type":"array","items":["null","string",{"type":"fixed","name":"F","size":3}]}}`,
	}
	decoders := make([]schemaformat.Decoder, len(schemas))
	for i, s := range schemas {
		decoders[i] = decoderOf(f, s)
	}
	f.Add(uint8(0), marshal(f, everyType, map[string]any{
		"n": nil, "b": true, "i": int32(1), "l": int64(2), "f": float32(3), "d": 4.0,
		"s": "s", "y": []byte{1}, "fx": [2]byte{}, "e": "RED", "a": []int64{1}, "empty": []int64{},
		"m": map[string]any{"k": "v"}, "r": map[string]any{"z": "", "a": int32(0)},
		"un": nil, "us": nil, "ur": int64(5), "ts": int64(0), "tu": int64(0), "date": int32(0), "uuid": "u",
		"dec": big.NewRat(1, 1), "decneg": big.NewRat(-1, 1), "decfix": big.NewRat(7, 1),
	}))
	f.Add(uint8(1), []byte{2, 2, 4, 0})
	f.Add(uint8(2), []byte{3, 20, 2, 'k', 2, 2, 0, 0})
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		schemaformattest.DecodeKeepsPromises(t, decoders[int(which)%len(decoders)], payload)
	})
}

// BenchmarkDecode decodes a record of ten fields of common types.
func BenchmarkDecode(b *testing.B) {
	text := `{"type":"record","name":"Order","fields":[
		{"name":"id","type":"long"},{"name":"customer","type":"string"},{"name":"amount","type":"double"},
		{"name":"qty","type":"int"},{"name":"paid","type":"boolean"},{"name":"note","type":["null","string"]},
		{"name":"tags","type":{"type":"array","items":"string"}},{"name":"attrs","type":{"type":"map","values":"string"}},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"status","type":{"type":"enum","name":"S","symbols":["NEW","PAID"]}}]}`
	payload := marshal(b, text, map[string]any{
		"id": int64(123456789), "customer": "customer-0042", "amount": 99.5, "qty": int32(3), "paid": true,
		"note": map[string]any{"string": "leave at the door"}, "tags": []string{"a", "bb", "ccc"},
		"attrs": map[string]any{"k1": "v1", "k2": "v2"}, "ts": int64(1700000000000), "status": "PAID",
	})
	d := decoderOf(b, text)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}
