package search

import (
	"errors"
	"testing"
	"time"
)

func TestResolveDate(t *testing.T) {
	now := time.Date(2026, 3, 18, 14, 25, 36, 789e6, time.UTC) // a Wednesday
	ms := func(s string) int64 {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnixMilli()
	}
	cases := []struct {
		name, in, format, tz string
		roundUp              bool
		want                 int64
	}{
		{"now", "now", "", "", false, now.UnixMilli()},
		{"now_minus_hour", "now-1h", "", "", false, ms("2026-03-18T13:25:36.789Z")},
		{"now_round_day_down", "now/d", "", "", false, ms("2026-03-18T00:00:00Z")},
		{"now_round_day_up", "now/d", "", "", true, ms("2026-03-18T23:59:59.999Z")},
		{"now_minus_day_round", "now-1d/d", "", "", false, ms("2026-03-17T00:00:00Z")},
		{"week_starts_monday", "now/w", "", "", false, ms("2026-03-16T00:00:00Z")},
		{"month_arith", "now+1M/M", "", "", false, ms("2026-04-01T00:00:00Z")},
		{"year_round_up", "now/y", "", "", true, ms("2026-12-31T23:59:59.999Z")},
		{"minutes_seconds", "now-5m+30s", "", "", false, ms("2026-03-18T14:21:06.789Z")},
		{"anchor_date_math", "2024-01-31||+1M", "", "", false, ms("2024-02-29T00:00:00Z")},
		{"anchor_round", "2024-05-17T10:11:12Z||/M", "", "", false, ms("2024-05-01T00:00:00Z")},
		{"date_only", "2024-05-17", "", "", false, ms("2024-05-17T00:00:00Z")},
		{"partial_date_round_up", "2024-05", "", "", true, ms("2024-05-31T23:59:59.999Z")},
		{"full_date_not_rounded", "2024-05-17T10:11:12.5Z", "", "", true, ms("2024-05-17T10:11:12.5Z")},
		{"offset_zone", "2024-05-17T10:11:12+02:00", "", "", false, ms("2024-05-17T08:11:12Z")},
		{"tz_parameter", "2024-05-17T10:00:00", "", "+01:00", false, ms("2024-05-17T09:00:00Z")},
		{"tz_rounds_day", "now/d", "", "-05:00", false, ms("2026-03-18T05:00:00Z")},
		{"epoch_millis", "1700000000123", "", "", false, 1700000000123},
		{"epoch_second", "1700000000", "epoch_second", "", false, 1700000000000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ResolveDate(c.in, c.format, c.tz, now, c.roundUp)
			if err != nil {
				t.Fatalf("ResolveDate(%q): %v", c.in, err)
			}
			if got != c.want {
				t.Fatalf("ResolveDate(%q) = %s, want %s", c.in, time.UnixMilli(got).UTC(), time.UnixMilli(c.want).UTC())
			}
		})
	}
}

func TestResolveDateRefusesBadInput(t *testing.T) {
	now := time.Now()
	for _, c := range []struct{ name, in, format, tz string }{
		{"garbage", "yesterday", "", ""},
		{"no_unit", "now-1", "", ""},
		{"bad_unit", "now-1x", "", ""},
		{"bad_round", "now/", "", ""},
		{"month_13", "2024-13-01", "", ""},
		{"feb_30", "2024-02-30", "", ""},
		{"too_many_ops", "now+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d", "", ""},
		{"huge_amount", "now+99999999999y", "", ""},
		{"unknown_format", "17/05/2024", "dd/MM/yyyy", ""},
		{"unknown_zone", "now", "", "Mars/Olympus"},
		{"trailing", "2024-05-17Tfoo", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ResolveDate(c.in, c.format, c.tz, now, false); !errors.Is(err, ErrBadDate) {
				t.Fatalf("ResolveDate(%q) err = %v, want ErrBadDate", c.in, err)
			}
		})
	}
}
