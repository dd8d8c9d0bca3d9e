package search

import (
	"strconv"
	"strings"
	"time"
)

// Infer is the type dynamic mapping gives a field first seen holding v:
// a string is a date when it reads as strict_date_optional_time, else
// text (with a keyword sub-field); an int64 is long, another number
// double, a bool boolean. Other values (nil, bytes) give no type.
func Infer(v Scalar) (FieldType, bool) {
	switch v := v.(type) {
	case string:
		if _, ok := parseDynamicDate(v); ok {
			return Date, true
		}
		return Text, true
	case int64:
		return Long, true
	case float64:
		return Double, true
	case bool:
		return Boolean, true
	}
	return "", false
}

// Coerce types v for a field of type t at path, as Elasticsearch's
// coercion does (numbers from numeric strings, a long from an integral
// double, keywords and text from numbers and bools); false when v does
// not fit t (the value is then not indexed in that field).
func Coerce(path string, t FieldType, v Scalar) (FieldValue, bool) {
	out := FieldValue{Path: path, Type: t}
	switch t {
	case Text, Keyword:
		switch v := v.(type) {
		case string:
			out.Str = v
		case int64:
			out.Str = strconv.FormatInt(v, 10)
		case float64:
			out.Str = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			out.Str = strconv.FormatBool(v)
		default:
			return out, false
		}
		if t == Keyword && len(out.Str) > IgnoreAbove {
			return out, false
		}
	case Long:
		switch v := v.(type) {
		case int64:
			out.Int = v
		case float64:
			if v != v || v < -(1<<63) || v >= 1<<63 {
				return out, false
			}
			out.Int = int64(v) // truncated, as Elasticsearch coerces
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return out, false
			}
			out.Int = n
		default:
			return out, false
		}
	case Double:
		switch v := v.(type) {
		case int64:
			out.Float = float64(v)
		case float64:
			out.Float = v
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return out, false
			}
			out.Float = f
		default:
			return out, false
		}
		if out.Float != out.Float {
			return out, false
		}
	case Date:
		switch v := v.(type) {
		case int64:
			out.Int = v
		case float64:
			out.Int = int64(v)
		case string:
			ms, ok := parseDynamicDate(v)
			if !ok {
				return out, false
			}
			out.Int = ms
		default:
			return out, false
		}
	case Boolean:
		switch v := v.(type) {
		case bool:
			out.Bool = v
		case string:
			switch v {
			case "true":
				out.Bool = true
			case "false", "":
			default:
				return out, false
			}
		default:
			return out, false
		}
	default:
		return out, false
	}
	return out, true
}

// parseDynamicDate reads the dates dynamic mapping detects
// (strict_date_optional_time: 2006-01-02, with T15:04, :05, fractions,
// and Z or an offset) as epoch milliseconds.
func parseDynamicDate(s string) (int64, bool) {
	if len(s) < 10 || len(s) > 35 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	for _, layout := range dynamicDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

var dynamicDateLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
}
