package esdsl

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONDepth bounds the nesting of a request body's JSON (arrays and
// objects), as Jackson's StreamReadConstraints do in Elasticsearch 8.
const MaxJSONDepth = 1000

type kind int8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

// pos is where a value starts (1-based line and column; zero when
// unknown).
type pos struct{ line, col int }

// node is one JSON value read in order, with where it was.
type node struct {
	kind kind
	at   pos
	b    bool
	s    string // string, or a number's text
	obj  []member
	arr  []*node
}

type member struct {
	key string
	at  pos
	val *node
}

// tokenName is Jackson's name of a value's first token, as
// Elasticsearch's errors quote it.
func (n *node) tokenName() string {
	switch n.kind {
	case kObject:
		return "START_OBJECT"
	case kArray:
		return "START_ARRAY"
	case kString:
		return "VALUE_STRING"
	case kNumber:
		return "VALUE_NUMBER"
	case kBool:
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

// lineIndex turns byte offsets into lines and columns.
type lineIndex struct{ starts []int }

func newLineIndex(b []byte) lineIndex {
	li := lineIndex{starts: []int{0}}
	for i, c := range b {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li lineIndex) at(off int) pos {
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return pos{line: lo + 1, col: off - li.starts[lo] + 1}
}

// reader scans one JSON value byte by byte into a tree, bounding the
// depth before anything deeper is read, so a body of 10,000 nested
// arrays is refused after MaxJSONDepth levels. It accepts exactly what
// encoding/json accepts (checked by FuzzJSONReader), and unescapes
// strings as it does (invalid UTF-8 becomes U+FFFD).
type reader struct {
	src []byte
	i   int
	li  lineIndex
	// base is the offset of src within a larger input (NDJSON lines).
	base int
	// slab hands out nodes in blocks, a fraction of the allocations of
	// one per value.
	slab []node
	sb   []byte
}

// parseJSON reads body as one JSON value (nothing but spaces after it).
func parseJSON(body []byte) (*node, *Error) {
	return parseJSONAt(body, newLineIndex(body), 0)
}

func parseJSONAt(body []byte, li lineIndex, base int) (*node, *Error) {
	r := &reader{src: body, li: li, base: base}
	r.space()
	n, err := r.value(0)
	if err != nil {
		return nil, err
	}
	r.space()
	if r.i < len(r.src) {
		return nil, xContentErr(r.posAt(r.i), "Unexpected content after the end of the request body")
	}
	return n, nil
}

func (r *reader) posAt(off int) pos {
	return r.li.at(r.base + off)
}

func (r *reader) newNode(k kind, at pos) *node {
	if len(r.slab) == 0 {
		r.slab = make([]node, 64)
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	n.kind, n.at = k, at
	return n
}

func (r *reader) space() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// unexpected reports the byte at the reader (or the end) as Go's
// encoding/json words it.
func (r *reader) unexpected(context string) *Error {
	if r.i >= len(r.src) {
		return xContentErr(r.posAt(len(r.src)), "Unexpected end-of-input")
	}
	c := r.src[r.i]
	q := strconv.QuoteRune(rune(c))
	if c >= 0x80 {
		q = "0x" + strconv.FormatUint(uint64(c), 16)
	}
	return xContentErr(r.posAt(r.i), "invalid character %s %s", q, context)
}

func (r *reader) value(depth int) (*node, *Error) {
	if r.i >= len(r.src) {
		return nil, r.unexpected("")
	}
	at := r.posAt(r.i)
	switch c := r.src[r.i]; {
	case c == '{' || c == '[':
		if depth+1 > MaxJSONDepth {
			return nil, xContentErr(at, "Document nesting depth (%d) exceeds the maximum allowed (%d)", depth+1, MaxJSONDepth)
		}
		if c == '[' {
			return r.array(at, depth+1)
		}
		return r.object(at, depth+1)
	case c == '"':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		n := r.newNode(kString, at)
		n.s = s
		return n, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number(at)
	case c == 't':
		return r.literal(at, "true", kBool, true)
	case c == 'f':
		return r.literal(at, "false", kBool, false)
	case c == 'n':
		return r.literal(at, "null", kNull, false)
	}
	return nil, r.unexpected("looking for beginning of value")
}

func (r *reader) literal(at pos, word string, k kind, b bool) (*node, *Error) {
	for j := 0; j < len(word); j++ {
		if r.i >= len(r.src) || r.src[r.i] != word[j] {
			return nil, r.unexpected("in literal " + word)
		}
		r.i++
	}
	n := r.newNode(k, at)
	n.b = b
	return n, nil
}

func (r *reader) number(at pos) (*node, *Error) {
	start := r.i
	digits := func() int {
		n := 0
		for r.i < len(r.src) && r.src[r.i] >= '0' && r.src[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.src[r.i] == '-' {
		r.i++
	}
	if r.i < len(r.src) && r.src[r.i] == '0' {
		r.i++
	} else if digits() == 0 {
		return nil, r.unexpected("in numeric literal")
	}
	if r.i < len(r.src) && r.src[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return nil, r.unexpected("after decimal point in numeric literal")
		}
	}
	if r.i < len(r.src) && (r.src[r.i] == 'e' || r.src[r.i] == 'E') {
		r.i++
		if r.i < len(r.src) && (r.src[r.i] == '+' || r.src[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return nil, r.unexpected("in exponent of numeric literal")
		}
	}
	n := r.newNode(kNumber, at)
	n.s = string(r.src[start:r.i])
	return n, nil
}

// str reads a string at the reader's opening quote.
func (r *reader) str() (string, *Error) {
	r.i++ // "
	start := r.i
	// Fast path: no escapes, ASCII or valid UTF-8.
	for r.i < len(r.src) {
		c := r.src[r.i]
		if c == '"' {
			s := r.src[start:r.i]
			r.i++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return validUTF8(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		r.i++
	}
	b := append(r.sb[:0], r.src[start:r.i]...)
	for {
		if r.i >= len(r.src) {
			return "", r.unexpected("in string literal")
		}
		c := r.src[r.i]
		switch {
		case c == '"':
			r.i++
			r.sb = b
			if utf8.Valid(b) {
				return string(b), nil
			}
			return validUTF8(b), nil
		case c < 0x20:
			return "", r.unexpected("in string literal")
		case c == '\\':
			r.i++
			if r.i >= len(r.src) {
				return "", r.unexpected("in string escape code")
			}
			e := r.src[r.i]
			r.i++
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				cp, ok := r.hex4()
				if !ok {
					return "", r.unexpected("in \\u hexadecimal character escape")
				}
				if utf16.IsSurrogate(cp) {
					// A pair makes one rune; a lone half is U+FFFD.
					save := r.i
					if r.i+1 < len(r.src) && r.src[r.i] == '\\' && r.src[r.i+1] == 'u' {
						r.i += 2
						if lo, ok := r.hex4(); ok {
							if dec := utf16.DecodeRune(cp, lo); dec != utf8.RuneError {
								b = utf8.AppendRune(b, dec)
								continue
							}
						}
					}
					r.i = save
					cp = utf8.RuneError
				}
				b = utf8.AppendRune(b, cp)
			default:
				r.i--
				return "", r.unexpected("in string escape code")
			}
		default:
			b = append(b, c)
			r.i++
		}
	}
}

// validUTF8 replaces each byte that is not UTF-8 with U+FFFD, as
// encoding/json does.
func validUTF8(b []byte) string {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, c)
		b = b[size:]
	}
	return string(out)
}

func (r *reader) hex4() (rune, bool) {
	if r.i+4 > len(r.src) {
		return 0, false
	}
	var v rune
	for _, c := range r.src[r.i : r.i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.i += 4
	return v, true
}

func (r *reader) array(at pos, depth int) (*node, *Error) {
	n := r.newNode(kArray, at)
	r.i++ // [
	r.space()
	if r.i < len(r.src) && r.src[r.i] == ']' {
		r.i++
		return n, nil
	}
	for {
		r.space()
		v, err := r.value(depth)
		if err != nil {
			return nil, err
		}
		n.arr = append(n.arr, v)
		r.space()
		if r.i >= len(r.src) {
			return nil, r.unexpected("")
		}
		switch r.src[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return n, nil
		default:
			return nil, r.unexpected("after array element")
		}
	}
}

func (r *reader) object(at pos, depth int) (*node, *Error) {
	n := r.newNode(kObject, at)
	r.i++ // {
	r.space()
	if r.i < len(r.src) && r.src[r.i] == '}' {
		r.i++
		return n, nil
	}
	var seen map[string]bool
	for {
		r.space()
		if r.i >= len(r.src) || r.src[r.i] != '"' {
			return nil, r.unexpected("looking for beginning of object key string")
		}
		kat := r.posAt(r.i)
		key, err := r.str()
		if err != nil {
			return nil, err
		}
		if len(n.obj) >= 8 {
			if seen == nil {
				seen = make(map[string]bool, 16)
				for _, m := range n.obj {
					seen[m.key] = true
				}
			}
			if seen[key] {
				return nil, xContentErr(kat, "Duplicate field '%s'", snippet(key))
			}
			seen[key] = true
		} else {
			for _, m := range n.obj {
				if m.key == key {
					return nil, xContentErr(kat, "Duplicate field '%s'", snippet(key))
				}
			}
		}
		r.space()
		if r.i >= len(r.src) || r.src[r.i] != ':' {
			return nil, r.unexpected("after object key")
		}
		r.i++
		r.space()
		v, verr := r.value(depth)
		if verr != nil {
			return nil, verr
		}
		n.obj = append(n.obj, member{key: key, at: kat, val: v})
		r.space()
		if r.i >= len(r.src) {
			return nil, r.unexpected("")
		}
		switch r.src[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			return n, nil
		default:
			return nil, r.unexpected("after object key:value pair")
		}
	}
}

// get returns the member named key of an object.
func (n *node) get(key string) *node {
	for _, m := range n.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// text is a scalar's text: a string, a number's digits, true/false.
func (n *node) text() (string, bool) {
	switch n.kind {
	case kString, kNumber:
		return n.s, true
	case kBool:
		if n.b {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// snippet shortens text quoted in an error.
func snippet(s string) string {
	if len(s) > 100 {
		return strings.ToValidUTF8(s[:100], "") + "..."
	}
	return s
}
