package search

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadDate: a date, a date format or date math that does not parse.
var ErrBadDate = errors.New("bad date")

// MaxDateMathOps bounds the operations of one date-math expression.
const MaxDateMathOps = 16

// ResolveDate reads s, a date bound of a range query or aggregation, as
// epoch milliseconds: date math ("now", "now-1h/d", "2024-01-01||+1M/d")
// or a date in format ("strict_date_optional_time||epoch_millis" when
// empty; "epoch_second", "date_optional_time" and those joined with "||"
// are known too). Dates without a zone are in tz ("UTC" when empty; an
// offset like "+01:00" or an IANA name). now anchors "now".
//
// roundUp is Elasticsearch's rule for the upper end of a bound (lte and
// gt): a rounding ("/d") or a partial date ("2024-01") moves to the last
// millisecond of its unit instead of the first.
func ResolveDate(s, format, tz string, now time.Time, roundUp bool) (int64, error) {
	loc, err := location(tz)
	if err != nil {
		return 0, err
	}
	anchor, ops := s, ""
	var t time.Time
	switch {
	case strings.HasPrefix(s, "now"):
		anchor, ops = "now", s[len("now"):]
		t = now.In(loc)
	default:
		if i := strings.Index(s, "||"); i >= 0 {
			anchor, ops = s[:i], s[i+2:]
		}
		var unit byte
		t, unit, err = parseDate(anchor, format, loc)
		if err != nil {
			return 0, err
		}
		if roundUp && ops == "" && unit != 0 {
			t = endOf(t, unit)
		}
	}
	t, err = applyDateMath(t, ops, roundUp)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrBadDate, s, err)
	}
	return t.UnixMilli(), nil
}

func location(tz string) (*time.Location, error) {
	switch {
	case tz == "" || tz == "UTC" || tz == "Z":
		return time.UTC, nil
	case tz[0] == '+' || tz[0] == '-':
		off, ok := parseOffset(tz)
		if !ok {
			return nil, fmt.Errorf("%w: time zone %q", ErrBadDate, tz)
		}
		return time.FixedZone(tz, off), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w: unknown time zone %q", ErrBadDate, tz)
	}
	return loc, nil
}

// parseOffset reads "+01:00", "-0530" or "+01" as seconds east of UTC.
func parseOffset(s string) (int, bool) {
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	d := strings.ReplaceAll(s[1:], ":", "")
	if len(d) != 2 && len(d) != 4 || !allDigits(d) {
		return 0, false
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

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseDate reads a date in one of format's formats, and returns the
// unit of its last given part (0 when exact to the millisecond).
func parseDate(s, format string, loc *time.Location) (time.Time, byte, error) {
	if format == "" {
		format = "strict_date_optional_time||epoch_millis"
	}
	for _, f := range strings.Split(format, "||") {
		switch f {
		case "strict_date_optional_time", "date_optional_time", "strict_date_optional_time_nanos":
			if t, unit, ok := parseISODate(s, loc); ok {
				return t, unit, nil
			}
		case "epoch_millis", "epoch_second":
			if !allDigits(strings.TrimPrefix(s, "-")) {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				continue
			}
			if f == "epoch_second" {
				if n > 1<<43 || n < -(1<<43) {
					continue
				}
				return time.UnixMilli(n * 1000).In(loc), 0, nil
			}
			return time.UnixMilli(n).In(loc), 0, nil
		default:
			return time.Time{}, 0, fmt.Errorf("%w: date format %q is not supported (use strict_date_optional_time, epoch_millis or epoch_second)", ErrBadDate, f)
		}
	}
	return time.Time{}, 0, fmt.Errorf("%w: %q does not parse as %s", ErrBadDate, s, format)
}

// parseISODate reads yyyy[-MM[-dd[THH[:mm[:ss[.fraction]]]]]][zone].
func parseISODate(s string, loc *time.Location) (time.Time, byte, bool) {
	num := func(i, n int) (int, bool) {
		if i+n > len(s) || !allDigits(s[i:i+n]) {
			return 0, false
		}
		v, _ := strconv.Atoi(s[i : i+n])
		return v, true
	}
	year, ok := num(0, 4)
	if !ok {
		return time.Time{}, 0, false
	}
	month, day, hour, minute, sec, nsec := 1, 1, 0, 0, 0, 0
	unit := byte('y')
	i := 4
	field := func(sep byte, lo, hi int, dst *int, u byte) bool {
		if i < len(s) && s[i] == sep {
			v, ok := num(i+1, 2)
			if !ok || v < lo || v > hi {
				return false
			}
			*dst, unit, i = v, u, i+3
		}
		return true
	}
	if !field('-', 1, 12, &month, 'M') {
		return time.Time{}, 0, false
	}
	if unit == 'M' && !field('-', 1, 31, &day, 'd') {
		return time.Time{}, 0, false
	}
	if unit == 'd' && i < len(s) && s[i] == 'T' {
		if !field('T', 0, 23, &hour, 'H') || unit != 'H' {
			return time.Time{}, 0, false
		}
		if !field(':', 0, 59, &minute, 'm') {
			return time.Time{}, 0, false
		}
		if unit == 'm' && !field(':', 0, 59, &sec, 's') {
			return time.Time{}, 0, false
		}
		if unit == 's' && i < len(s) && (s[i] == '.' || s[i] == ',') {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			frac := s[i+1 : j]
			if frac == "" || len(frac) > 9 {
				return time.Time{}, 0, false
			}
			nsec, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
			i, unit = j, 0
		}
	}
	if i < len(s) {
		z := s[i:]
		if z == "Z" {
			loc = time.UTC
		} else if off, ok := parseOffset(z); ok && unit != 'y' && unit != 'M' && unit != 'd' {
			loc = time.FixedZone(z, off)
		} else {
			return time.Time{}, 0, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day { // Feb 30th and the like
		return time.Time{}, 0, false
	}
	if unit == 'H' {
		unit = 'h'
	}
	return t, unit, true
}

// applyDateMath applies ops ("+1h", "-2d", "/M", …) to t in order.
func applyDateMath(t time.Time, ops string, roundUp bool) (time.Time, error) {
	for n := 0; ops != ""; n++ {
		if n == MaxDateMathOps {
			return t, fmt.Errorf("more than %d operations", MaxDateMathOps)
		}
		op := ops[0]
		ops = ops[1:]
		switch op {
		case '/':
			if ops == "" || !isUnit(ops[0]) {
				return t, fmt.Errorf("rounding needs a unit (y, M, w, d, h, H, m, s)")
			}
			if roundUp {
				t = endOf(t, ops[0])
			} else {
				t = startOf(t, ops[0])
			}
			ops = ops[1:]
		case '+', '-':
			j := 0
			for j < len(ops) && ops[j] >= '0' && ops[j] <= '9' {
				j++
			}
			amount := 1
			if j > 0 {
				if j > 9 {
					return t, fmt.Errorf("amount too large")
				}
				amount, _ = strconv.Atoi(ops[:j])
			}
			if j == len(ops) || !isUnit(ops[j]) {
				return t, fmt.Errorf("%c needs a unit (y, M, w, d, h, H, m, s)", op)
			}
			if op == '-' {
				amount = -amount
			}
			t = add(t, ops[j], amount)
			ops = ops[j+1:]
		default:
			return t, fmt.Errorf("unexpected %q", string(op))
		}
	}
	return t, nil
}

func isUnit(c byte) bool { return strings.IndexByte("yMwdhHms", c) >= 0 }

func add(t time.Time, unit byte, n int) time.Time {
	switch unit {
	case 'y':
		return addMonths(t, 12*n)
	case 'M':
		return addMonths(t, n)
	case 'w':
		return t.AddDate(0, 0, 7*n)
	case 'd':
		return t.AddDate(0, 0, n)
	case 'h', 'H':
		return t.Add(time.Duration(n) * time.Hour)
	case 'm':
		return t.Add(time.Duration(n) * time.Minute)
	default:
		return t.Add(time.Duration(n) * time.Second)
	}
}

// startOf rounds t down to its unit, in t's location (weeks start on
// Monday).
func startOf(t time.Time, unit byte) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	loc := t.Location()
	switch unit {
	case 'y':
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case 'M':
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc)
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, loc)
	case 'd':
		return time.Date(y, mo, d, 0, 0, 0, 0, loc)
	case 'h', 'H':
		return time.Date(y, mo, d, h, 0, 0, 0, loc)
	case 'm':
		return time.Date(y, mo, d, h, mi, 0, 0, loc)
	default:
		return time.Date(y, mo, d, h, mi, s, 0, loc)
	}
}

// endOf is the last millisecond of t's unit.
func endOf(t time.Time, unit byte) time.Time {
	return add(startOf(t, unit), unit, 1).Add(-time.Millisecond)
}

// addMonths adds n months as java.time does: the day is clamped to the
// last of the target month (Jan 31 + 1 month = Feb 28 or 29).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	first := time.Date(y, m+time.Month(n), 1, h, mi, s, t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
