package esdsl

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

// Readers of option values, each refusing a value of the wrong type with
// the error Elasticsearch's parsers give (an x_content_parse_exception
// naming the option).

func wrongType(owner, field string, n *node, want string) *Error {
	return xContentErr(n.at, "[%s] failed to parse field [%s]: expected %s but found [%s]", owner, field, want, n.tokenName())
}

func asString(owner, field string, n *node) (string, *Error) {
	switch n.kind {
	case kString, kNumber:
		return n.s, nil
	case kBool:
		s, _ := n.text()
		return s, nil
	}
	return "", wrongType(owner, field, n, "a string")
}

func asFloat(owner, field string, n *node) (float64, *Error) {
	if n.kind == kNumber || n.kind == kString {
		f, err := strconv.ParseFloat(strings.TrimSpace(n.s), 64)
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return 0, wrongType(owner, field, n, "a number")
}

// asInt reads an integer (a number or numeric string; a decimal is
// truncated as Jackson's intValue does), within int32.
func asInt(owner, field string, n *node) (int, *Error) {
	if n.kind == kNumber || n.kind == kString {
		s := strings.TrimSpace(n.s)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i > math.MaxInt32 || i < math.MinInt32 {
				return 0, xContentErr(n.at, "[%s] failed to parse field [%s]: Numeric value (%s) out of range of int", owner, field, snippet(s))
			}
			return int(i), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= math.MinInt32 && f <= math.MaxInt32 {
			return int(f), nil
		}
	}
	return 0, wrongType(owner, field, n, "an integer")
}

func asBool(owner, field string, n *node) (bool, *Error) {
	switch {
	case n.kind == kBool:
		return n.b, nil
	case n.kind == kString && (n.s == "true" || n.s == "false"):
		return n.s == "true", nil
	}
	return false, wrongType(owner, field, n, "a boolean")
}

// scalar turns a JSON scalar into the model's Scalar: string, int64
// (integral numbers that fit), float64 or bool; null is nil.
func scalar(n *node) (search.Scalar, bool) {
	switch n.kind {
	case kNull:
		return nil, true
	case kBool:
		return n.b, true
	case kString:
		return n.s, true
	case kNumber:
		if i, err := strconv.ParseInt(n.s, 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(n.s, 64)
		if err != nil {
			return nil, false
		}
		return f, true
	}
	return nil, false
}

func asStrings(owner, field string, n *node) ([]string, *Error) {
	if n.kind != kArray {
		s, err := asString(owner, field, n)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	out := make([]string, 0, len(n.arr))
	for _, e := range n.arr {
		s, err := asString(owner, field, e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func asOperator(owner, field string, n *node) (search.Operator, *Error) {
	s, err := asString(owner, field, n)
	if err != nil {
		return 0, err
	}
	switch strings.ToLower(s) {
	case "or":
		return search.Or, nil
	case "and":
		return search.And, nil
	}
	return 0, illegalArg("operator needs to be either and or or, got [%s]", snippet(s))
}

// asFuzziness reads 0, 1, 2 (numbers or strings) or AUTO (AUTO:3,6 is
// the same; other thresholds are refused).
func asFuzziness(owner, field string, n *node) (search.Fuzziness, *Error) {
	s, err := asString(owner, field, n)
	if err != nil {
		return 0, err
	}
	switch u := strings.ToUpper(strings.TrimSpace(s)); u {
	case "AUTO", "AUTO:3,6":
		return search.Auto, nil
	case "0", "0.0":
		return 0, nil
	case "1", "1.0":
		return 1, nil
	case "2", "2.0":
		return 2, nil
	default:
		if strings.HasPrefix(u, "AUTO:") {
			return 0, illegalArg("[%s] fuzziness [%s] is not supported: only AUTO (AUTO:3,6) and 0, 1, 2 are", owner, snippet(s))
		}
	}
	return 0, illegalArg("Valid edit distances are [0, 1, 2] but was [%s]", snippet(s))
}

// asMinimumShouldMatch reads a number or a string as ES's syntax.
func asMinimumShouldMatch(owner, field string, n *node) (string, *Error) {
	if n.kind != kNumber && n.kind != kString {
		return "", wrongType(owner, field, n, "a string or an integer")
	}
	return n.s, nil
}

// parseTimeValue reads Elasticsearch's time values: "5s", "100ms",
// "1m", "2h", "1d", "500micros", "10nanos"; "-1" is no timeout.
func parseTimeValue(setting, s string) (time.Duration, *Error) {
	s = strings.TrimSpace(s)
	if s == "-1" || s == "0" {
		return 0, nil
	}
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || v < 0 || v*float64(u.unit) > float64(math.MaxInt64) {
				break
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, &Error{Status: 400, Type: TypeParse, Reason: "failed to parse setting [" + setting + "] with value [" + snippet(s) + "] as a time value: unit is missing or unrecognized"}
}
