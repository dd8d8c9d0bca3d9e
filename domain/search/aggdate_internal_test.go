package search

import (
	"errors"
	"testing"
	"time"
)

func TestJavaDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{{10, "10.0"}, {1.5, "1.5"}, {-0.25, "-0.25"}, {0, "0.0"}, {1e7, "1.0E7"}, {1.25e-4, "1.25E-4"}, {0.001, "0.001"}, {123456789, "1.23456789E8"}, {9999999, "9999999.0"}} {
		if got := javaDouble(c.f); got != c.want {
			t.Errorf("javaDouble(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestDateFormats(t *testing.T) {
	ms := time.Date(2024, 3, 5, 7, 8, 9, 45_000_000, time.UTC).UnixMilli()
	kolkata := time.FixedZone("", 5*3600+1800)
	for _, c := range []struct {
		format string
		loc    *time.Location
		want   string
	}{
		{"", time.UTC, "2024-03-05T07:08:09.045Z"},
		{"strict_date_optional_time", kolkata, "2024-03-05T12:38:09.045+05:30"},
		{"epoch_millis", kolkata, "1709622489045"},
		{"epoch_second", time.UTC, "1709622489"},
		{"date", time.UTC, "2024-03-05"},
		{"yyyy-MM-dd HH:mm||epoch_millis", time.UTC, "2024-03-05 07:08"},
		{"dd/MMM/yy hh:mm a EEE", time.UTC, "05/Mar/24 07:08 AM Tue"},
		{"yyyy-MM-dd'T'HH 'o''clock' Z", kolkata, "2024-03-05T12 o'clock +0530"},
		{"D SSSSSS X", time.UTC, "65 045000 Z"},
	} {
		f, err := aggParseDateFormat(c.format)
		if err != nil {
			t.Errorf("%q: %v", c.format, err)
			continue
		}
		if got := f.format(ms, c.loc); got != c.want {
			t.Errorf("%q = %q, want %q", c.format, got, c.want)
		}
	}
	for _, bad := range []string{"yyyy-'unclosed", "yyyy-QQ", "GGGG"} {
		if _, err := aggParseDateFormat(bad); !errors.Is(err, ErrAggInvalid) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestDateMath(t *testing.T) {
	now := time.Date(2024, 3, 31, 14, 35, 10, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	utc := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	for _, c := range []struct {
		in   Scalar
		loc  *time.Location
		want int64
	}{
		{"now", time.UTC, now.UnixMilli()},
		{"now-1h", time.UTC, utc("2024-03-31T13:35:10Z")},
		{"now/d", time.UTC, utc("2024-03-31T00:00:00Z")},
		{"now/d", berlin, utc("2024-03-30T23:00:00Z")},
		{"now-1M/M", time.UTC, utc("2024-02-01T00:00:00Z")},
		{"now+1d/d", berlin, utc("2024-03-31T22:00:00Z")},
		{"now/w", time.UTC, utc("2024-03-25T00:00:00Z")},
		{"2024-01-31||+1M", time.UTC, utc("2024-02-29T00:00:00Z")},
		{"2024-02-29||+1y", time.UTC, utc("2025-02-28T00:00:00Z")},
		{"2024-01-15T10:00:00", berlin, utc("2024-01-15T09:00:00Z")},
		{"2024-01-15T10:00:00+02:00", berlin, utc("2024-01-15T08:00:00Z")},
		{"1700000000000", time.UTC, 1700000000000},
		{int64(42), time.UTC, 42},
		{1.5e12, time.UTC, 1.5e12},
	} {
		got, err := aggResolveDate(c.in, now, c.loc)
		if err != nil || got != c.want {
			t.Errorf("%v in %v = %d, %v; want %d", c.in, c.loc, got, err, c.want)
		}
	}
	for _, bad := range []Scalar{"now-", "now+1x", "now/q", "yesterday", "2024-13-01", true, nil} {
		if _, err := aggResolveDate(bad, now, time.UTC); !errors.Is(err, ErrAggInvalid) {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}
