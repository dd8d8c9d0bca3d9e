package search

// Dates as the aggregations need them: calendar and fixed intervals in a
// time zone, formats for key_as_string, and the date math of range
// bounds. This is a minimal, unexported helper for the aggregations only;
// the request-wide date math and formats belong to datemath.go.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// calUnit is a calendar interval of date_histogram.
type calUnit int8

const (
	calNone calUnit = iota
	calMinute
	calHour
	calDay
	calWeek
	calMonth
	calQuarter
	calYear
)

// minMs is a calendar unit's shortest length, for bounding bucket counts.
func (u calUnit) minMs() int64 {
	switch u {
	case calMinute:
		return 60_000
	case calHour:
		return 3_600_000
	case calDay:
		return 23 * 3_600_000
	case calWeek:
		return 7*24*3_600_000 - 3_600_000
	case calMonth:
		return 28 * 24 * 3_600_000
	case calQuarter:
		return 89 * 24 * 3_600_000
	case calYear:
		return 365 * 24 * 3_600_000
	}
	return 1
}

func parseCalendarInterval(s string) (calUnit, bool) {
	switch s {
	case "minute", "1m":
		return calMinute, true
	case "hour", "1h":
		return calHour, true
	case "day", "1d":
		return calDay, true
	case "week", "1w":
		return calWeek, true
	case "month", "1M":
		return calMonth, true
	case "quarter", "1q":
		return calQuarter, true
	case "year", "1y":
		return calYear, true
	}
	return calNone, false
}

// parseFixedMs reads a fixed interval ("90s", "3h", "250ms", "1d").
func parseFixedMs(s string) (int64, error) {
	n, unit := aggSplitNumberUnit(s)
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || n == "" || v <= 0 {
		return 0, fmt.Errorf("%w: fixed_interval %q is not a positive whole number of ms, s, m, h or d", ErrAggInvalid, s)
	}
	var mul int64
	switch unit {
	case "ms":
		mul = 1
	case "s":
		mul = 1000
	case "m":
		mul = 60_000
	case "h":
		mul = 3_600_000
	case "d":
		mul = 86_400_000
	default:
		return 0, fmt.Errorf("%w: fixed_interval %q: unit must be ms, s, m, h or d (months and years are calendar_interval)", ErrAggInvalid, s)
	}
	if v > math.MaxInt64/mul {
		return 0, fmt.Errorf("%w: fixed_interval %q is too large", ErrAggInvalid, s)
	}
	return v * mul, nil
}

// parseOffsetMs reads a date_histogram offset ("+6h", "-1d", "30m"; ""
// is 0).
func parseOffsetMs(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	sign := int64(1)
	t := s
	switch t[0] {
	case '+':
		t = t[1:]
	case '-':
		sign, t = -1, t[1:]
	}
	ms, err := parseFixedMs(t)
	if err != nil {
		return 0, fmt.Errorf("%w: offset %q is not a duration such as +6h or -1d", ErrAggInvalid, s)
	}
	return sign * ms, nil
}

func aggSplitNumberUnit(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// aggParseTimeZone reads a time_zone: an IANA name, "UTC"/"Z", or an offset
// "+01:00", "-0530", "+01".
func aggParseTimeZone(s string) (*time.Location, error) {
	switch s {
	case "", "UTC", "Z", "utc", "GMT", "Etc/UTC":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf("%w: time_zone %q: name a zone or an offset", ErrAggInvalid, s)
	}
	if s[0] == '+' || s[0] == '-' {
		if off, ok := aggParseZoneOffset(s); ok {
			return time.FixedZone(s, off), nil
		}
		return nil, fmt.Errorf("%w: time_zone %q is not an offset such as +01:00", ErrAggInvalid, s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("%w: unknown time_zone %q", ErrAggInvalid, s)
	}
	return loc, nil
}

// aggParseZoneOffset reads "+hh", "+hhmm", "+hh:mm" into seconds east.
func aggParseZoneOffset(s string) (int, bool) {
	if len(s) < 3 {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	} else if s[0] != '+' {
		return 0, false
	}
	d := strings.ReplaceAll(s[1:], ":", "")
	if len(d) != 2 && len(d) != 4 {
		return 0, false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	h, _ := strconv.Atoi(d[:2])
	m := 0
	if len(d) == 4 {
		m, _ = strconv.Atoi(d[2:])
	}
	if h > 18 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func zoneOffsetMs(ms int64, loc *time.Location) int64 {
	_, off := time.UnixMilli(ms).In(loc).Zone()
	return int64(off) * 1000
}

func aggFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// roundFixed rounds ms down to a multiple of iv in local time of loc.
func roundFixed(ms, iv int64, loc *time.Location) int64 {
	off := zoneOffsetMs(ms, loc)
	r := aggFloorDiv(ms+off, iv) * iv
	key := localToUTC(r, off, loc)
	if key > ms {
		key = r - off
	}
	return key
}

// localToUTC is the instant of local time local (ms on the wall clock)
// in loc, hint the offset of an instant near it.
func localToUTC(local, hint int64, loc *time.Location) int64 {
	u := local - zoneOffsetMs(local-hint, loc)
	return local - zoneOffsetMs(u, loc)
}

// nextFixed is the key after key (a rounded key): its local time plus
// iv, back in UTC, as Elasticsearch steps fixed intervals.
func nextFixed(key, iv int64, loc *time.Location) int64 {
	off := zoneOffsetMs(key, loc)
	return localToUTC(key+off+iv, off, loc)
}

// roundCalendar rounds ms down to the start of its calendar unit in loc.
func roundCalendar(ms int64, u calUnit, loc *time.Location) int64 {
	switch u {
	case calMinute:
		return roundFixed(ms, 60_000, loc)
	case calHour:
		return roundFixed(ms, 3_600_000, loc)
	}
	t := time.UnixMilli(ms).In(loc)
	y, m, d := t.Date()
	var r time.Time
	switch u {
	case calDay:
		r = time.Date(y, m, d, 0, 0, 0, 0, loc)
	case calWeek:
		wd := (int(t.Weekday()) + 6) % 7
		r = time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case calMonth:
		r = time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case calQuarter:
		r = time.Date(y, ((m-1)/3)*3+1, 1, 0, 0, 0, 0, loc)
	case calYear:
		r = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	default:
		return ms
	}
	k := r.UnixMilli()
	if k > ms { // a midnight that does not exist moved forward past ms
		k = ms
	}
	return k
}

// nextCalendar is the key after key (a rounded key) in unit u.
func nextCalendar(key int64, u calUnit, loc *time.Location) int64 {
	switch u {
	case calMinute, calHour:
		n := roundCalendar(key+u.minMs(), u, loc)
		if n <= key {
			n = key + u.minMs()
		}
		return n
	}
	t := time.UnixMilli(key).In(loc)
	y, m, d := t.Date()
	var r time.Time
	switch u {
	case calDay:
		r = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case calWeek:
		r = time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case calMonth:
		r = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case calQuarter:
		r = time.Date(y, m+3, 1, 0, 0, 0, 0, loc)
	default:
		r = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
	}
	n := roundCalendar(r.UnixMilli(), u, loc)
	if n <= key {
		n = key + u.minMs()
	}
	return n
}

// aggDateFormat formats epoch milliseconds for key_as_string and
// value_as_string.
type aggDateFormat struct {
	named string // "epoch_millis", "epoch_second", or "" for a pattern
	parts []aggFmtPart
}

type aggFmtPart struct {
	letter byte // 0: literal
	n      int
	lit    string
}

var aggNamedPatterns = map[string]string{
	"strict_date_optional_time":         "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	"date_optional_time":                "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	"strict_date_optional_time_nanos":   "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX",
	"strict_date_time":                  "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	"date_time":                         "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	"strict_date_time_no_millis":        "yyyy-MM-dd'T'HH:mm:ssXXX",
	"date_time_no_millis":               "yyyy-MM-dd'T'HH:mm:ssXXX",
	"strict_date":                       "yyyy-MM-dd",
	"date":                              "yyyy-MM-dd",
	"basic_date":                        "yyyyMMdd",
	"basic_date_time":                   "yyyyMMdd'T'HHmmss.SSSZ",
	"strict_date_hour":                  "yyyy-MM-dd'T'HH",
	"date_hour":                         "yyyy-MM-dd'T'HH",
	"strict_date_hour_minute":           "yyyy-MM-dd'T'HH:mm",
	"date_hour_minute":                  "yyyy-MM-dd'T'HH:mm",
	"strict_date_hour_minute_second":    "yyyy-MM-dd'T'HH:mm:ss",
	"date_hour_minute_second":           "yyyy-MM-dd'T'HH:mm:ss",
	"strict_date_hour_minute_second_ms": "yyyy-MM-dd'T'HH:mm:ss.SSS",
	"date_hour_minute_second_millis":    "yyyy-MM-dd'T'HH:mm:ss.SSS",
	"strict_year_month":                 "yyyy-MM",
	"year_month":                        "yyyy-MM",
	"strict_year":                       "yyyy",
	"year":                              "yyyy",
	"strict_hour_minute_second":         "HH:mm:ss",
	"hour_minute_second":                "HH:mm:ss",
	"strict_hour_minute":                "HH:mm",
	"hour_minute":                       "HH:mm",
}

// aggParseDateFormat compiles an Elasticsearch date format: a built-in name
// or a java.time pattern; of "a||b" the first formats.
func aggParseDateFormat(s string) (aggDateFormat, error) {
	if s == "" {
		s = "strict_date_optional_time"
	}
	if i := strings.Index(s, "||"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "epoch_millis", "epoch_second":
		return aggDateFormat{named: s}, nil
	}
	if p, ok := aggNamedPatterns[s]; ok {
		s = p
	}
	var parts []aggFmtPart
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return aggDateFormat{}, fmt.Errorf("%w: format %q has an unclosed quote", ErrAggInvalid, s)
			}
			if j == i+1 {
				lit.WriteByte('\'')
			}
			parts = append(parts, aggFmtPart{lit: lit.String()})
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(s) && s[j] == c {
				j++
			}
			if !strings.ContainsRune("yuMdDHhmsSaEZXxk", rune(c)) {
				return aggDateFormat{}, fmt.Errorf("%w: format %q: pattern letter %q is not supported", ErrAggInvalid, s, string(c))
			}
			parts = append(parts, aggFmtPart{letter: c, n: j - i})
			i = j
		default:
			parts = append(parts, aggFmtPart{lit: string(c)})
			i++
		}
	}
	return aggDateFormat{parts: parts}, nil
}

func aggPad(v int64, n int) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	for len(s) < n {
		s = "0" + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

func (f aggDateFormat) format(ms int64, loc *time.Location) string {
	switch f.named {
	case "epoch_millis":
		return strconv.FormatInt(ms, 10)
	case "epoch_second":
		return strconv.FormatInt(aggFloorDiv(ms, 1000), 10)
	}
	t := time.UnixMilli(ms).In(loc)
	var b strings.Builder
	for _, p := range f.parts {
		if p.letter == 0 {
			b.WriteString(p.lit)
			continue
		}
		switch p.letter {
		case 'y', 'u':
			y := int64(t.Year())
			if p.n == 2 {
				b.WriteString(aggPad(((y%100)+100)%100, 2))
			} else {
				b.WriteString(aggPad(y, p.n))
			}
		case 'M':
			switch {
			case p.n >= 4:
				b.WriteString(t.Month().String())
			case p.n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(aggPad(int64(t.Month()), p.n))
			}
		case 'd':
			b.WriteString(aggPad(int64(t.Day()), p.n))
		case 'D':
			b.WriteString(aggPad(int64(t.YearDay()), p.n))
		case 'H':
			b.WriteString(aggPad(int64(t.Hour()), p.n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(aggPad(int64(h), p.n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(aggPad(int64(h), p.n))
		case 'm':
			b.WriteString(aggPad(int64(t.Minute()), p.n))
		case 's':
			b.WriteString(aggPad(int64(t.Second()), p.n))
		case 'S':
			frac := aggPad(int64(t.Nanosecond()), 9)
			for len(frac) < p.n {
				frac += "0"
			}
			b.WriteString(frac[:p.n])
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'E':
			if p.n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'Z', 'X', 'x':
			_, off := t.Zone()
			if off == 0 && p.letter == 'X' {
				b.WriteString("Z")
				break
			}
			sign := "+"
			if off < 0 {
				sign, off = "-", -off
			}
			hh, mm := aggPad(int64(off/3600), 2), aggPad(int64(off%3600/60), 2)
			switch {
			case p.n == 1 && p.letter != 'Z':
				b.WriteString(sign + hh)
				if mm != "00" {
					b.WriteString(mm)
				}
			case p.n == 2 || (p.letter == 'Z' && p.n <= 3):
				b.WriteString(sign + hh + mm)
			default:
				b.WriteString(sign + hh + ":" + mm)
			}
		}
	}
	return b.String()
}

// aggResolveDate reads a date bound of a date_range or extended_bounds:
// epoch milliseconds (a number, or a string of digits), date math
// ("now-1h/d", "2024-01-01||+1M/d"), or a date in
// strict_date_optional_time (in loc when it names no zone).
func aggResolveDate(v Scalar, now time.Time, loc *time.Location) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 9e15 {
			return 0, fmt.Errorf("%w: date %v is out of range", ErrAggInvalid, x)
		}
		return int64(x), nil
	case string:
		return aggResolveDateString(x, now, loc)
	}
	return 0, fmt.Errorf("%w: %v is not a date", ErrAggInvalid, v)
}

func aggResolveDateString(s string, now time.Time, loc *time.Location) (int64, error) {
	var base time.Time
	var math string
	switch {
	case strings.HasPrefix(s, "now"):
		base, math = now.In(loc), s[3:]
	default:
		d, m, _ := strings.Cut(s, "||")
		ms, err := aggParseDateText(d, loc)
		if err != nil {
			return 0, err
		}
		base, math = time.UnixMilli(ms).In(loc), m
	}
	t, err := aggApplyDateMath(base, math)
	if err != nil {
		return 0, fmt.Errorf("%w: date math %q: %v", ErrAggInvalid, s, err)
	}
	return t.UnixMilli(), nil
}

func aggParseDateText(s string, loc *time.Location) (int64, error) {
	if s != "" && strings.Trim(s, "0123456789") == "" || (len(s) > 1 && s[0] == '-' && strings.Trim(s[1:], "0123456789") == "") {
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return v, nil
		}
	}
	layouts := []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02T15Z07:00",
		"2006-01-02T15",
		"2006-01-02Z07:00",
		"2006-01-02",
		"2006-01",
		"2006",
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not a date (strict_date_optional_time or epoch_millis)", ErrAggInvalid, s)
}

// aggApplyDateMath applies "+1h", "-2d", "/d" steps to t (in t's zone).
func aggApplyDateMath(t time.Time, m string) (time.Time, error) {
	for m != "" {
		op := m[0]
		m = m[1:]
		switch op {
		case '+', '-':
			n, rest := aggSplitNumberUnit(m)
			v := int64(1)
			if n != "" {
				var err error
				v, err = strconv.ParseInt(n, 10, 32)
				if err != nil {
					return t, fmt.Errorf("bad number %q", n)
				}
			}
			if rest == "" {
				return t, fmt.Errorf("missing unit")
			}
			if op == '-' {
				v = -v
			}
			k := int(v)
			switch rest[0] {
			case 'y':
				t = aggAddMonths(t, 12*k)
			case 'M':
				t = aggAddMonths(t, k)
			case 'w':
				t = t.AddDate(0, 0, 7*k)
			case 'd':
				t = t.AddDate(0, 0, k)
			case 'h', 'H':
				t = t.Add(time.Duration(v) * time.Hour)
			case 'm':
				t = t.Add(time.Duration(v) * time.Minute)
			case 's':
				t = t.Add(time.Duration(v) * time.Second)
			default:
				return t, fmt.Errorf("unknown unit %q", rest[:1])
			}
			m = rest[1:]
		case '/':
			if m == "" {
				return t, fmt.Errorf("missing unit")
			}
			u := m[0]
			m = m[1:]
			ms := t.UnixMilli()
			var r int64
			switch u {
			case 'y':
				r = roundCalendar(ms, calYear, t.Location())
			case 'M':
				r = roundCalendar(ms, calMonth, t.Location())
			case 'w':
				r = roundCalendar(ms, calWeek, t.Location())
			case 'd':
				r = roundCalendar(ms, calDay, t.Location())
			case 'h', 'H':
				r = roundCalendar(ms, calHour, t.Location())
			case 'm':
				r = roundCalendar(ms, calMinute, t.Location())
			case 's':
				r = aggFloorDiv(ms, 1000) * 1000
			default:
				return t, fmt.Errorf("unknown unit %q", string(u))
			}
			t = time.UnixMilli(r).In(t.Location())
		default:
			return t, fmt.Errorf("unexpected %q", string(op))
		}
	}
	return t, nil
}

// aggAddMonths adds k months as java.time does: the day of the month is
// clamped to the last day of the month it lands in (Jan 31 + 1M is the
// last day of February).
func aggAddMonths(t time.Time, k int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(k), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}
