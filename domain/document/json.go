package document

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and lists ParseJSON accepts;
// deeper values are not split into fields (their documents stay Raw).
const MaxDepth = 64

var errJSON = errors.New("not a JSON object")

// ParseJSONObject decodes b as one JSON object (surrounding white space
// allowed) into an Object, or fails when b is anything else: not JSON, a
// JSON scalar or array, nested deeper than MaxDepth, or followed by more
// than white space. A key given twice keeps its place and its last value.
// Strings are copied; the result does not alias b.
func ParseJSONObject(b []byte) (Object, error) {
	return parseObject(b, nil)
}

// Bounds of a JSONParser's shared field names.
const (
	maxNames   = 1024 // names kept
	maxNameLen = 64   // longest name kept, in bytes
)

// JSONParser parses JSON objects as ParseJSONObject does, learning from
// the values it has parsed, which are usually alike (a topic's records):
// field names seen before are shared rather than copied again (at most
// 1024 names of at most 64 bytes are kept), and a top-level object starts
// with room for as many fields as the previous one had. The zero value is
// ready; it is not safe for concurrent use.
type JSONParser struct {
	names  map[string]string
	fields int // fields of the last top-level object
}

// Parse is ParseJSONObject with what ps learnt. The result shares
// strings with other results of ps but never aliases b.
func (ps *JSONParser) Parse(b []byte) (Object, error) {
	return parseObject(b, ps)
}

func parseObject(b []byte, ps *JSONParser) (Object, error) {
	p := parser{b: b, ps: ps}
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return nil, errJSON
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, errJSON
	}
	o := v.(Object)
	if ps != nil {
		ps.fields = len(o)
	}
	return o, nil
}

type parser struct {
	b  []byte
	i  int
	ps *JSONParser // nil: nothing shared
}

// name returns the string of s, a field name, shared with earlier ones
// when the parser has a JSONParser.
func (p *parser) name(s []byte) string {
	if p.ps == nil {
		return string(s)
	}
	if n, ok := p.ps.names[string(s)]; ok {
		return n
	}
	n := string(s)
	if len(s) <= maxNameLen && len(p.ps.names) < maxNames {
		if p.ps.names == nil {
			p.ps.names = make(map[string]string)
		}
		p.ps.names[n] = n
	}
	return n
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errJSON
	}
	p.space()
	if p.i >= len(p.b) {
		return nil, errJSON
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.list(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, errJSON
}

func (p *parser) literal(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return errJSON
	}
	p.i += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	p.i++ // {
	o := Object{}
	if depth == 0 && p.ps != nil && p.ps.fields > 0 {
		o = make(Object, 0, p.ps.fields)
	}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, errJSON
		}
		name, err := p.key()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, errJSON
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o = set(o, name, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, errJSON
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, errJSON
		}
	}
}

func set(o Object, name string, v any) Object {
	for i := range o {
		if o[i].Name == name {
			o[i].Value = v
			return o
		}
	}
	return append(o, Field{Name: name, Value: v})
}

func (p *parser) list(depth int) (any, error) {
	p.i++ // [
	l := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return l, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, errJSON
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return l, nil
		default:
			return nil, errJSON
		}
	}
}

// key reads a field name at p.i (its opening quote), shared through
// p.name when it has no escapes.
func (p *parser) key() (string, error) {
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[start:j]
			if !utf8.Valid(s) {
				return "", errJSON
			}
			p.i = j + 1
			return p.name(s), nil
		case c == '\\' || c < 0x20:
			return p.str()
		}
	}
	return "", errJSON
}

// str reads a JSON string at p.i (its opening quote). Invalid UTF-8 is
// refused: a JSON text is UTF-8 (RFC 8259 §8.1).
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", errJSON
			}
			return string(s), nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", errJSON
		}
		p.i++
	}
	return "", errJSON
}

// escaped finishes a string that has an escape, from start (after the
// opening quote), decoding escapes into a new buffer.
func (p *parser) escaped(start int) (string, error) {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", errJSON
			}
			return string(buf), nil
		case c < 0x20:
			return "", errJSON
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return "", errJSON
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errJSON
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if r2, ok = p.hex4(); !ok {
						return "", errJSON
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", errJSON
		}
	}
	return "", errJSON
}

func (p *parser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number reads a JSON number: an int64 when it is integral and fits, else
// a float64.
func (p *parser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || (p.b[digits] == '0' && p.i-digits > 1) {
		return nil, errJSON
	}
	integral := true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		integral = false
		p.i++
		frac := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		if p.i == frac {
			return nil, errJSON
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		integral = false
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		exp := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		if p.i == exp {
			return nil, errJSON
		}
	}
	if integral && p.i-digits <= 18 {
		// Fits in an int64 whatever the digits: no need to copy the text.
		var n int64
		for _, c := range p.b[digits:p.i] {
			n = n*10 + int64(c-'0')
		}
		if digits > start {
			n = -n
		}
		return n, nil
	}
	text := string(p.b[start:p.i])
	if integral {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, errJSON // 1e999: no column can hold it
	}
	return f, nil
}
