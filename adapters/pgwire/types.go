package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// Postgres type OIDs (pg_type.oid) this listener sends and reads.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidUnknown     = 705
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidNumeric     = 1700
	oidUUID        = 2950
)

// pgType is how one result column travels: its OID, its size as
// pg_type.typlen (-1 for variable) and its text and binary encodings.
type pgType struct {
	oid  uint32
	size int16
}

// typeOf maps a column type as DuckDB spells it (ports/columnar.Column.Type)
// to the Postgres type it travels as: columnar.PostgresType, which the
// catalogs (pg_attribute, information_schema.columns) list too.
func typeOf(duck string) pgType {
	p := columnar.PostgresType(duck)
	return pgType{p.OID, p.Len}
}

// pgEpoch is the zero of Postgres's binary dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// encodeText renders v (a value of a columnar.Result) in Postgres's text
// format for typ; nil is SQL NULL.
func encodeText(typ pgType, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch typ.oid {
	case oidBool:
		if b, ok := v.(bool); ok {
			if b {
				return []byte("t"), nil
			}
			return []byte("f"), nil
		}
	case oidBytea:
		if b, ok := v.([]byte); ok {
			out := make([]byte, 2+hex.EncodedLen(len(b)))
			copy(out, `\x`)
			hex.Encode(out[2:], b)
			return out, nil
		}
	case oidFloat4, oidFloat8:
		if f, ok := toFloat(v); ok {
			bits := 64
			if typ.oid == oidFloat4 {
				bits = 32
			}
			return []byte(formatFloat(f, bits)), nil
		}
	case oidDate:
		if t, ok := v.(time.Time); ok {
			return []byte(t.Format("2006-01-02")), nil
		}
	case oidTime:
		if t, ok := v.(time.Time); ok {
			return []byte(t.Format("15:04:05.999999")), nil
		}
	case oidTimestamp:
		if t, ok := v.(time.Time); ok {
			return []byte(t.Format("2006-01-02 15:04:05.999999")), nil
		}
	case oidTimestamptz:
		if t, ok := v.(time.Time); ok {
			return []byte(t.UTC().Format("2006-01-02 15:04:05.999999") + "+00"), nil
		}
	case oidJSON:
		return marshalJSON(v)
	}
	return []byte(scalarText(v)), nil
}

// scalarText is the text of a scalar whatever the column's type.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999")
	case fmt.Stringer:
		return x.String()
	case []any, map[string]any:
		b, _ := marshalJSON(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// marshalJSON renders a nested value as JSON; bytes go as base64, as
// encoding/json does, and times in RFC 3339.
func marshalJSON(v any) ([]byte, error) {
	if s, ok := v.(string); ok && json.Valid([]byte(s)) {
		return []byte(s), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("a value cannot be shown as json: %v", err)
	}
	return b, nil
}

// encodeBinary renders v in Postgres's binary format for typ. Types whose
// binary form is their text (text, json, unknown) reuse encodeText.
func encodeBinary(typ pgType, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("a %T value cannot be sent as binary type OID %d", v, typ.oid)
	}
	switch typ.oid {
	case oidBool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		if b {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case oidInt2, oidInt4, oidInt8:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case uint64:
			if x > math.MaxInt64 {
				return bad()
			}
			n = int64(x)
		default:
			return bad()
		}
		switch typ.oid {
		case oidInt2:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return bad()
			}
			return binary.BigEndian.AppendUint16(nil, uint16(int16(n))), nil
		case oidInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return bad()
			}
			return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
		}
		return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
	case oidFloat4:
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(f))), nil
	case oidFloat8:
		f, ok := toFloat(v)
		if !ok {
			return bad()
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case oidBytea:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
		return []byte(scalarText(v)), nil
	case oidDate:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		days := t.Sub(pgEpoch).Hours() / 24
		return binary.BigEndian.AppendUint32(nil, uint32(int32(math.Floor(days)))), nil
	case oidTime:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		us := int64(t.Hour())*3_600_000_000 + int64(t.Minute())*60_000_000 + int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
		return binary.BigEndian.AppendUint64(nil, uint64(us)), nil
	case oidTimestamp, oidTimestamptz:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		// Postgres's timestamp is microseconds since 2000-01-01, in int64.
		// A timestamp column holds wall time: its fields are read as UTC.
		if typ.oid == oidTimestamp {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		us := t.Unix()*1_000_000 + int64(t.Nanosecond()/1000) - pgEpoch.Unix()*1_000_000
		return binary.BigEndian.AppendUint64(nil, uint64(us)), nil
	case oidNumeric:
		return encodeNumericBinary(scalarText(v))
	}
	return encodeText(typ, v)
}

// encodeNumericBinary writes a decimal string in Postgres's binary numeric
// format: ndigits, weight, sign, dscale, then base-10000 digits.
func encodeNumericBinary(s string) ([]byte, error) {
	bad := fmt.Errorf("%q is not a decimal number", s)
	if len(s) > 1000 {
		return nil, bad
	}
	switch s {
	case "NaN":
		return []byte{0, 0, 0, 0, 0xC0, 0, 0, 0}, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return nil, bad
	}
	dscale := len(frac)
	// Pad the integer part on the left and the fraction on the right to
	// whole groups of four digits.
	intPart = strings.Repeat("0", (4-len(intPart)%4)%4) + intPart
	frac += strings.Repeat("0", (4-len(frac)%4)%4)
	all := intPart + frac
	digits := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		d, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, uint16(d))
	}
	weight := len(intPart)/4 - 1
	// Leading and trailing zero groups are not stored.
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		weight, neg = 0, false
	}
	sign := uint16(0)
	if neg {
		sign = 0x4000
	}
	out := make([]byte, 0, 8+2*len(digits))
	out = binary.BigEndian.AppendUint16(out, uint16(len(digits)))
	out = binary.BigEndian.AppendUint16(out, uint16(int16(weight)))
	out = binary.BigEndian.AppendUint16(out, sign)
	out = binary.BigEndian.AppendUint16(out, uint16(dscale))
	for _, d := range digits {
		out = binary.BigEndian.AppendUint16(out, d)
	}
	return out, nil
}

// decodeParam turns one Bind parameter into the value handed to the
// Querier: typed when the client declared its type, else the text as a
// string (the engine casts it where the SQL says).
func decodeParam(oid uint32, format int16, b []byte) (any, error) {
	if b == nil {
		return nil, nil
	}
	if format == 0 {
		s := string(b)
		switch oid {
		case oidInt2, oidInt4, oidInt8:
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type integer: %q", s)
			}
			return n, nil
		case oidFloat4, oidFloat8:
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type double precision: %q", s)
			}
			return f, nil
		case oidBool:
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "t", "true", "yes", "on", "1":
				return true, nil
			case "f", "false", "no", "off", "0":
				return false, nil
			}
			return nil, fmt.Errorf("invalid input syntax for type boolean: %q", s)
		case oidBytea:
			if h, ok := strings.CutPrefix(s, `\x`); ok {
				out, err := hex.DecodeString(h)
				if err != nil {
					return nil, fmt.Errorf("invalid hexadecimal data for type bytea")
				}
				return out, nil
			}
			return b, nil
		}
		return s, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("binary parameter of %d bytes is not valid for type OID %d", len(b), oid)
	}
	switch oid {
	case oidBool:
		if len(b) != 1 {
			return bad()
		}
		return b[0] != 0, nil
	case oidInt2:
		if len(b) != 2 {
			return bad()
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case oidInt4:
		if len(b) != 4 {
			return bad()
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case oidInt8:
		if len(b) != 8 {
			return bad()
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case oidFloat4:
		if len(b) != 4 {
			return bad()
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case oidFloat8:
		if len(b) != 8 {
			return bad()
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case oidText, oidVarchar, oidJSON, oidUnknown, 0:
		return string(b), nil
	case oidBytea:
		return b, nil
	case oidDate:
		if len(b) != 4 {
			return bad()
		}
		return pgEpoch.AddDate(0, 0, int(int32(binary.BigEndian.Uint32(b)))), nil
	case oidTimestamp, oidTimestamptz:
		if len(b) != 8 {
			return bad()
		}
		us := int64(binary.BigEndian.Uint64(b))
		return pgEpoch.Add(time.Duration(us) * time.Microsecond), nil
	case oidNumeric:
		return decodeNumericBinary(b)
	}
	return nil, fmt.Errorf("binary parameters of type OID %d are not supported: send it as text", oid)
}

// decodeNumericBinary reads Postgres's binary numeric into a decimal string.
func decodeNumericBinary(b []byte) (any, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("binary numeric parameter too short")
	}
	n := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	// 1000 base-10000 digits: 4000 decimal digits, far more than any
	// DECIMAL holds, and a bound on the work of reading it.
	if len(b) != 8+2*n || n > 1000 || dscale > 1000 || weight > 1000 || weight < -1000 {
		return nil, fmt.Errorf("binary numeric parameter is malformed")
	}
	if sign == 0xC000 {
		return "NaN", nil
	}
	v := new(big.Int)
	for i := 0; i < n; i++ {
		v.Mul(v, big.NewInt(10000))
		v.Add(v, big.NewInt(int64(binary.BigEndian.Uint16(b[8+2*i:]))))
	}
	// v × 10000^(weight-n+1), shown with dscale fraction digits.
	exp := 4 * (weight - n + 1)
	r := new(big.Rat).SetInt(v)
	ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil)
	if exp >= 0 {
		r.Mul(r, new(big.Rat).SetInt(ten))
	} else {
		r.Quo(r, new(big.Rat).SetInt(ten))
	}
	if sign == 0x4000 {
		r.Neg(r)
	}
	return r.FloatString(dscale), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
