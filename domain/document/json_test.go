package document

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

func TestParseJSONObject(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Object // nil: refused
	}{
		{"flat", `{"b":1,"a":"x"}`, Object{{"b", int64(1)}, {"a", "x"}}},
		{"empty", ` { } `, Object{}},
		{"kinds", `{"n":null,"t":true,"f":false,"x":1.5,"e":1e3,"big":18446744073709551616,"neg":-7}`,
			Object{{"n", nil}, {"t", true}, {"f", false}, {"x", 1.5}, {"e", 1000.0}, {"big", 18446744073709551616.0}, {"neg", int64(-7)}}},
		{"nested", `{"o":{"k":[1,"two",{"z":null}]},"l":[]}`,
			Object{{"o", Object{{"k", []any{int64(1), "two", Object{{"z", nil}}}}}}, {"l", []any{}}}},
		{"escapes", `{"s":"a\"b\\c\n\u00e9\ud83d\ude00"}`, Object{{"s", "a\"b\\c\né😀"}}},
		{"duplicate_key_keeps_place", `{"a":1,"b":2,"a":3}`, Object{{"a", int64(3)}, {"b", int64(2)}}},
		{"array", `[1,2]`, nil},
		{"scalar", `"x"`, nil},
		{"trailing", `{"a":1} x`, nil},
		{"two_objects", `{}{}`, nil},
		{"unterminated", `{"a":1`, nil},
		{"leading_zero", `{"a":01}`, nil},
		{"bad_fraction", `{"a":1.}`, nil},
		{"infinite", `{"a":1e999}`, nil},
		{"control_char", "{\"a\":\"x\ty\"}", nil},
		{"invalid_utf8", "{\"a\":\"\xff\"}", nil},
		{"bad_escape", `{"a":"\x"}`, nil},
		{"too_deep", strings.Repeat(`{"a":`, MaxDepth+2) + "1" + strings.Repeat("}", MaxDepth+2), nil},
		{"not_json", `hello`, nil},
		{"empty_input", ``, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseJSONObject([]byte(tc.in))
			if tc.want == nil {
				if err == nil {
					t.Fatalf("accepted %q as %v", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused %q: %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestJSONParserLearns checks that a JSONParser gives what
// ParseJSONObject gives, shares names between results without aliasing
// the input, and keeps at most maxNames names.
func TestJSONParserLearns(t *testing.T) {
	var ps JSONParser
	in := []byte(`{"id":12,"name":"a","n":-123456789012345678,"big":1234567890123456789,"e\u0301":1,"o":{"id":1}}`)
	for range 3 {
		got, err := ps.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ParseJSONObject(in)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
	}
	a, _ := ps.Parse(in)
	in[2] = 'X' // the input is the caller's to change
	b, _ := ps.Parse([]byte(`{"id":1}`))
	if a[0].Name != "id" || b[0].Name != "id" || unsafe.StringData(a[0].Name) != unsafe.StringData(b[0].Name) {
		t.Errorf("names %q and %q are not one shared string", a[0].Name, b[0].Name)
	}
	if cap(b) < len(a) {
		t.Errorf("an object after one of %d fields has room for %d", len(a), cap(b))
	}
	for i := range 2 * maxNames {
		if _, err := ps.Parse(fmt.Appendf(nil, `{"f%d":%d}`, i, i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(ps.names) > maxNames {
		t.Errorf("%d names kept, at most %d allowed", len(ps.names), maxNames)
	}
}

// FuzzParseJSONObject checks the parser against encoding/json: what it
// accepts is valid JSON and decodes to the same values; valid UTF-8 JSON
// objects within MaxDepth and without out-of-range numbers are accepted.
func FuzzParseJSONObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,{"b":"c"}],"d":null}`, `{"x":1.5e2,"y":"\u00e9"}`, `[1]`, `{"a":01}`} {
		f.Add([]byte(s))
	}
	var shared JSONParser // learns across inputs
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseJSONObject(b)
		again, err2 := shared.Parse(b)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(got, again) {
			t.Fatalf("%q: JSONParser.Parse gives %#v, %v; ParseJSONObject %#v, %v", b, again, err2, got, err)
		}
		valid := json.Valid(b) && utf8.Valid(b)
		if err == nil {
			if !valid {
				t.Fatalf("accepted invalid JSON %q", b)
			}
			var want map[string]any
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			if err := d.Decode(&want); err != nil {
				t.Fatalf("accepted %q that encoding/json refuses as an object: %v", b, err)
			}
			if !sameValue(got, want) {
				t.Fatalf("%q: got %#v, encoding/json %#v", b, got, want)
			}
			return
		}
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		if valid && len(trimmed) > 0 && trimmed[0] == '{' && depth(b) <= MaxDepth && !bytes.ContainsAny(b, "eE") {
			t.Fatalf("refused valid JSON object %q: %v", b, err)
		}
	})
}

// sameValue compares a parsed value with encoding/json's (UseNumber).
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		o, ok := got.(Object)
		if !ok || len(o) != len(w) {
			return false
		}
		for _, f := range o {
			if !sameValue(f.Value, w[f.Name]) {
				return false
			}
		}
		return true
	case []any:
		l, ok := got.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range l {
			if !sameValue(l[i], w[i]) {
				return false
			}
		}
		return true
	case json.Number:
		if n, err := w.Int64(); err == nil {
			return got == n
		}
		f, err := w.Float64()
		return err == nil && got == f
	default:
		return got == want
	}
}

// depth is the deepest nesting of brackets outside strings.
func depth(b []byte) int {
	d, most, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			d++
			most = max(most, d)
		case !inString && (c == '}' || c == ']'):
			d--
		}
	}
	return most - 1
}

// BenchmarkParseJSON parses 200-byte records like chronik-bench's and the
// pipeline's catch-up benchmark's, once each way.
func BenchmarkParseJSON(b *testing.B) {
	for name, r := range map[string][]byte{
		"bench":   []byte(`{"id":123456,"k":"k56","v":977064,"pad":"` + strings.Repeat("q", 150) + `"}`),
		"catchup": []byte(`{"id":123456,"user":"user-023456","kind":"click","score":456.5,"ok":true,"tags":["a","b"],"note":"` + strings.Repeat("0", 60) + `"}`),
	} {
		b.Run(name+"/ParseJSONObject", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseJSONObject(r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/JSONParser", func(b *testing.B) {
			b.ReportAllocs()
			var ps JSONParser
			for b.Loop() {
				if _, err := ps.Parse(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
