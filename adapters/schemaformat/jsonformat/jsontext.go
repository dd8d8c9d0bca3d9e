package jsonformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// The schema text is kept as an ordered tree so that Canonical can keep the
// writer's key order, as Confluent's does. A value is one of: object,
// []any (elements are values), string, json.Number, bool or nil.

// member is one key of an object.
type member struct {
	key string
	val any
}

// object is a JSON object in document order, each key once.
type object []member

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// decode parses one JSON value. A key that occurs twice keeps its first
// position and its last value, as Jackson's ObjectNode (Confluent's parser)
// does.
func decode(text string) (any, error) {
	if !utf8.ValidString(text) {
		return nil, errors.New("the text is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the text is not JSON: unexpected end of input")
		}
		return nil, fmt.Errorf("the text is not JSON: %v (at byte %d)", err, dec.InputOffset())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the text is not JSON: more data after the value (at byte %d)", dec.InputOffset())
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o object
			var index map[string]int // key -> position, once o is long enough to need it
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				i := -1
				if index != nil {
					if j, ok := index[key]; ok {
						i = j
					}
				} else {
					i = slices.IndexFunc(o, func(m member) bool { return m.key == key })
				}
				if i >= 0 {
					o[i].val = v
					continue
				}
				o = append(o, member{key, v})
				switch {
				case index != nil:
					index[key] = len(o) - 1
				case len(o) > 16: // a linear search per key would make a large object quadratic
					index = make(map[string]int, 2*len(o))
					for j, m := range o {
						index[m.key] = j
					}
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			if o == nil {
				o = object{}
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return tok, nil // string, json.Number, bool, nil
	}
}

// plain converts an ordered tree to the map form the jsonschema library
// reads.
func plain(v any) any {
	switch v := v.(type) {
	case object:
		m := make(map[string]any, len(v))
		for _, mb := range v {
			m[mb.key] = plain(mb.val)
		}
		return m
	case []any:
		return mapArray(v, plain)
	}
	return v
}

// mapArray is a new array of f applied to each element of v.
func mapArray(v []any, f func(any) any) []any {
	out := make([]any, len(v))
	for i, e := range v {
		out[i] = f(e)
	}
	return out
}

// compact writes v without insignificant whitespace, object keys in
// document order: Confluent's canonical string.
func compact(v any) string {
	var b bytes.Buffer
	encode(&b, v, nil)
	return b.String()
}

// sortedKeys writes v compactly with the keys of every object sorted; maps
// (from plain) are accepted too. It is the identity of a JSON value used to
// compare enum members, defaults and subschemas.
func sortedKeys(v any) string {
	var b bytes.Buffer
	encode(&b, v, func(o object) object { return sortObject(o) })
	return b.String()
}

// encode writes v; reorder, when set, rewrites each object before it is
// written.
func encode(b *bytes.Buffer, v any, reorder func(object) object) {
	switch v := v.(type) {
	case object:
		if reorder != nil {
			v = reorder(v)
		}
		b.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.key)
			b.WriteByte(':')
			encode(b, m.val, reorder)
		}
		b.WriteByte('}')
	case map[string]any:
		o := make(object, 0, len(v))
		for k, e := range v {
			o = append(o, member{k, e})
		}
		encode(b, sortObject(o), reorder)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e, reorder)
		}
		b.WriteByte(']')
	case string:
		writeString(b, v)
	case json.Number:
		b.WriteString(string(v))
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		// Values come from decode or plain only.
		panic(fmt.Sprintf("jsonformat: cannot encode %T", v))
	}
}

// writeString quotes s as Jackson does: '"' and '\\' escaped, the control
// characters as \b \t \n \f \r or \u00XX, everything else (including
// non-ASCII) as is.
func writeString(b *bytes.Buffer, s string) { schemaformat.WriteJSONString(b, s) }

// sortObject returns o with its keys in the order of Java's String
// compareTo (UTF-16 code units), the order of the TreeMap Confluent's
// normalize uses.
func sortObject(o object) object {
	out := slices.Clone(o)
	slices.SortFunc(out, func(a, b member) int { return compareUTF16(a.key, b.key) })
	return out
}

func compareUTF16(a, b string) int {
	if isBMPOnly(a) && isBMPOnly(b) {
		return strings.Compare(a, b) // code point order equals UTF-16 order below U+10000
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return slices.Compare(ua, ub)
}

func isBMPOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 { // lead byte of a 4-byte sequence
			return false
		}
	}
	return true
}

// countNodes returns how many objects and booleans v holds, itself
// included: every one may be a subschema, and the schema library compiles
// n subschemas in time that grows with n squared. It stops counting past
// limit.
func countNodes(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch v := v.(type) {
		case object:
			n++
			for _, m := range v {
				walk(m.val)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case bool:
			n++
		}
	}
	walk(v)
	return n
}
