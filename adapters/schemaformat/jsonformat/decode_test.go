package jsonformat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

const userSchema = `{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}}}`

func decoderOf(t testing.TB, text string) schemaformat.Decoder {
	t.Helper()
	p, err := New().Parse(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := p.(schemaformat.Decoder)
	if !ok {
		t.Fatalf("%T is no schemaformat.Decoder", p)
	}
	return d
}

func TestDecodeJSON(t *testing.T) {
	payload := []byte(`{"name":"ann","id":7,"score":1.5,"tags":["a",null],"addr":{"zip":"1000"},"ok":true}`)
	got, err := schemaformattest.DecodeKeepsPromises(t, decoderOf(t, userSchema), payload)
	if err != nil {
		t.Fatal(err)
	}
	// Fields in the order written, the JSON as it is (score is not in the
	// schema and stays).
	want := document.Object{
		{Name: "name", Value: "ann"}, {Name: "id", Value: int64(7)}, {Name: "score", Value: 1.5}, {Name: "tags", Value: []any{"a", nil}},
		{Name: "addr", Value: document.Object{{Name: "zip", Value: "1000"}}}, {Name: "ok", Value: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDecodeJSONRefuses(t *testing.T) {
	for _, c := range []struct{ name, payload string }{
		{"empty", ""},
		{"invalid", `{"id":`},
		{"array", `[1,2]`},
		{"scalar", `7`},
		{"trailing", `{"id":1} x`},
		{"invalid_utf8", "{\"s\":\"\xff\"}"},
		{"too_deep", strings.Repeat(`{"a":`, document.MaxDepth+2) + "1" + strings.Repeat("}", document.MaxDepth+2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := schemaformattest.DecodeKeepsPromises(t, decoderOf(t, userSchema), []byte(c.payload))
			if err == nil {
				t.Fatalf("decoded %v", got)
			}
			if !strings.Contains(err.Error(), "not one JSON object") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	d := decoderOf(f, userSchema)
	f.Add([]byte(`{"id":1,"name":"x","n":[1.5e3,{"a":null}]}`))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		schemaformattest.DecodeKeepsPromises(t, d, payload)
	})
}

// BenchmarkDecode decodes an object of ten fields of common types.
func BenchmarkDecode(b *testing.B) {
	d := decoderOf(b, userSchema)
	payload := []byte(`{"id":123456789,"customer":"customer-0042","amount":99.5,"qty":3,"paid":true,"note":"leave at the door","tags":["a","bb","ccc"],"attrs":{"k1":"v1","k2":"v2"},"ts":1700000000000,"status":"PAID"}`)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}
