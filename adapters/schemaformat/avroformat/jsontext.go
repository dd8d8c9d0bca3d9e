package avroformat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// maxDepth bounds how deeply a schema's JSON may nest (Jackson's default
// StreamReadConstraints allow 1000 too), so that every recursive walk of
// a parsed schema is bounded.
const maxDepth = 1000

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a JSON value that keeps what Avro Java (through Jackson) keeps
// and encoding/json would lose: the order of object members and the exact
// text of numbers.
type jvalue struct {
	kind jkind
	b    bool
	// str is a string's text or a number's literal ("-1", "1.50", "1e3",
	// or "NaN", "Infinity", "-Infinity" when quoted is set).
	str string
	// quoted marks a number with no JSON spelling (NaN, ±Infinity): it is
	// written as a string, as Jackson writes a non-finite double.
	quoted bool
	arr    []*jvalue
	obj    []jmember
}

type jmember struct {
	key string
	val *jvalue
}

// get returns the member named key, or nil.
func (v *jvalue) get(key string) *jvalue {
	if v == nil || v.kind != jObject {
		return nil
	}
	for _, m := range v.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// text returns the member named key if it is a string.
func (v *jvalue) text(key string) (string, bool) {
	m := v.get(key)
	if m == nil || m.kind != jString {
		return "", false
	}
	return m.str, true
}

// integral reports whether a number is written without fraction or
// exponent: what Jackson reads as an integer node.
func (v *jvalue) integral() bool {
	return v.kind == jNumber && !v.quoted && !strings.ContainsAny(v.str, ".eE")
}

// int32Value reports a number's value when it is an integer that fits in
// 32 bits (Jackson's isInt).
func (v *jvalue) int32Value() (int, bool) {
	if !v.integral() {
		return 0, false
	}
	n, err := strconv.ParseInt(v.str, 10, 32)
	return int(n), err == nil
}

func (v *jvalue) fitsInt64() bool {
	if !v.integral() {
		return false
	}
	_, err := strconv.ParseInt(v.str, 10, 64)
	return err == nil
}

// float returns a number's value as a double.
func (v *jvalue) float() float64 {
	switch v.str {
	case "NaN":
		return math.NaN()
	case "Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	f, _ := strconv.ParseFloat(v.str, 64) // ±Inf on overflow, as Java
	return f
}

// describe names a JSON value's kind for error messages.
func (v *jvalue) describe() string {
	switch v.kind {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return "a string"
	case jArray:
		return "an array"
	}
	return "an object"
}

// decodeJSON reads exactly one JSON value.
func decodeJSON(text string) (*jvalue, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("the schema is empty")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return nil, jsonError(err, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("the schema is not valid JSON: unexpected text after the schema at byte %d", dec.InputOffset())
	}
	return v, nil
}

func jsonError(err error, dec *json.Decoder) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("the schema is not valid JSON: %v (at byte %d)", syn, syn.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the schema is not valid JSON: it ends before the value is complete")
	case errors.Is(err, errTooDeep):
		return fmt.Errorf("the schema is nested more than %d levels deep", maxDepth)
	}
	return fmt.Errorf("the schema is not valid JSON: %v (at byte %d)", err, dec.InputOffset())
}

var errTooDeep = errors.New("too deep")

func readValue(dec *json.Decoder, depth int) (*jvalue, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jvalue{kind: jNull}, nil
	case bool:
		return &jvalue{kind: jBool, b: t}, nil
	case json.Number:
		v := &jvalue{kind: jNumber, str: string(t)}
		if f := v.float(); !v.integral() && math.IsInf(f, 0) {
			// Jackson reads a double too large as an infinity, and
			// writes it back as a string.
			v.str, v.quoted = javaDouble(f), true
		}
		return v, nil
	case string:
		return &jvalue{kind: jString, str: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &jvalue{kind: jArray}
			for dec.More() {
				e, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, err
			}
			return v, nil
		case '{':
			v := &jvalue{kind: jObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string) // the decoder guarantees a string key here
				e, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				// A repeated key keeps its first position and takes the
				// last value, as Jackson's ObjectNode does.
				replaced := false
				for i := range v.obj {
					if v.obj[i].key == key {
						v.obj[i].val, replaced = e, true
						break
					}
				}
				if !replaced {
					v.obj = append(v.obj, jmember{key, e})
				}
			}
			if _, err := dec.Token(); err != nil { // }
				return nil, err
			}
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// writeString writes s as a JSON string the way Jackson does: only ", \
// and control characters are escaped (\b \t \n \f \r by letter, the others
// as \u00XX); everything else, non-ASCII included, is written as is.
func writeString(b *strings.Builder, s string) { schemaformat.WriteJSONString(b, s) }

// canonicalNumber writes a number as Jackson writes the node it parsed:
// integers as their digits, anything with a fraction or an exponent as a
// Java double (1e2 becomes 100.0, 1.50 becomes 1.5).
func canonicalNumber(v *jvalue) string {
	if v.quoted {
		return strconv.Quote(v.str)
	}
	if v.integral() {
		if v.str == "-0" {
			return "0"
		}
		return v.str
	}
	f := v.float()
	if math.IsInf(f, 0) {
		return v.str // too large for a double: keep what was written
	}
	return javaDouble(f)
}

// javaDouble formats f as Java's Double.toString does: plain notation with
// at least one fractional digit for 1e-3 <= |f| < 1e7, otherwise
// computerized scientific notation (1.0E10, 1.5E-5), with the shortest
// digits that read back as f.
func javaDouble(f float64) string { return javaFloating(f, 64) }

// javaFloat is Java's Float.toString for a float32.
func javaFloat(f float32) string { return javaFloating(float64(f), 32) }

func javaFloating(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // 1.5e+10, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaParseDouble reads a string the way Java's Double.parseDouble does
// for the spellings a schema author uses: surrounding whitespace, an
// optional f/F/d/D suffix, NaN and Infinity.
func javaParseDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	switch s {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if n := len(s); n > 1 && strings.ContainsRune("fFdD", rune(s[n-1])) {
		s = s[:n-1]
	}
	if s == "" || strings.ContainsAny(s, "_iInN") { // Go-only spellings: inf, nan, 1_000
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}
