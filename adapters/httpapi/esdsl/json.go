package esdsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
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

// reader decodes one JSON value token by token, bounding the depth
// before anything deeper is read, so a body of 10,000 nested arrays is
// refused after MaxJSONDepth tokens.
type reader struct {
	src []byte
	dec *json.Decoder
	li  lineIndex
	// base is the offset of src within a larger input (NDJSON lines).
	base int
}

// parseJSON reads body as one JSON value (nothing but spaces after it).
func parseJSON(body []byte) (*node, *Error) {
	return parseJSONAt(body, newLineIndex(body), 0)
}

func parseJSONAt(body []byte, li lineIndex, base int) (*node, *Error) {
	r := &reader{src: body, dec: json.NewDecoder(bytes.NewReader(body)), li: li, base: base}
	r.dec.UseNumber()
	n, err := r.value(0)
	if err != nil {
		return nil, err
	}
	if _, terr := r.dec.Token(); terr != io.EOF {
		return nil, xContentErr(r.posAt(int(r.dec.InputOffset())), "Unexpected content after the end of the request body")
	}
	return n, nil
}

func (r *reader) posAt(off int) pos {
	return r.li.at(r.base + off)
}

// start is where the token that ended at the decoder's offset began.
func (r *reader) start(tok json.Token) pos {
	end := int(r.dec.InputOffset())
	switch t := tok.(type) {
	case json.Delim:
		return r.posAt(end - 1)
	case string:
		i := end - 2
		for i > 0 && !(r.src[i] == '"' && r.src[i-1] != '\\') {
			i--
		}
		return r.posAt(i)
	case json.Number:
		return r.posAt(end - len(t))
	case bool:
		if t {
			return r.posAt(end - 4)
		}
		return r.posAt(end - 5)
	}
	return r.posAt(end - 4)
}

func (r *reader) syntax(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return xContentErr(r.posAt(int(se.Offset)), "%s", se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return xContentErr(r.posAt(len(r.src)), "Unexpected end-of-input")
	}
	return xContentErr(r.posAt(int(r.dec.InputOffset())), "%s", err.Error())
}

func (r *reader) value(depth int) (*node, *Error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(err)
	}
	return r.valueFrom(tok, depth)
}

func (r *reader) valueFrom(tok json.Token, depth int) (*node, *Error) {
	at := r.start(tok)
	switch t := tok.(type) {
	case nil:
		return &node{kind: kNull, at: at}, nil
	case bool:
		return &node{kind: kBool, at: at, b: t}, nil
	case json.Number:
		return &node{kind: kNumber, at: at, s: string(t)}, nil
	case string:
		return &node{kind: kString, at: at, s: t}, nil
	case json.Delim:
		if depth+1 > MaxJSONDepth {
			return nil, xContentErr(at, "Document nesting depth (%d) exceeds the maximum allowed (%d)", depth+1, MaxJSONDepth)
		}
		if t == '[' {
			n := &node{kind: kArray, at: at}
			for r.dec.More() {
				v, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			if _, err := r.dec.Token(); err != nil {
				return nil, r.syntax(err)
			}
			return n, nil
		}
		n := &node{kind: kObject, at: at}
		var seen map[string]bool
		for r.dec.More() {
			kt, err := r.dec.Token()
			if err != nil {
				return nil, r.syntax(err)
			}
			key, _ := kt.(string)
			kat := r.start(kt)
			if len(n.obj) >= 8 {
				if seen == nil {
					seen = make(map[string]bool, 16)
					for _, m := range n.obj {
						seen[m.key] = true
					}
				}
				if seen[key] {
					return nil, xContentErr(kat, "Duplicate field '%s'", key)
				}
				seen[key] = true
			} else {
				for _, m := range n.obj {
					if m.key == key {
						return nil, xContentErr(kat, "Duplicate field '%s'", key)
					}
				}
			}
			v, verr := r.value(depth + 1)
			if verr != nil {
				return nil, verr
			}
			n.obj = append(n.obj, member{key: key, at: kat, val: v})
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
		return n, nil
	}
	return nil, xContentErr(at, "unexpected token")
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
