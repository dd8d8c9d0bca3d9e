package search

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// distinctStrs is a doc's distinct keyword values of field.
func distinctStrs(d *fakeDoc, field string) []string {
	var out []string
	for _, v := range d.fields[field] {
		if !slices.Contains(out, v.Str) {
			out = append(out, v.Str)
		}
	}
	return out
}

func numsOf(d *fakeDoc, field string) []float64 {
	var out []float64
	for _, v := range d.fields[field] {
		switch v.Type {
		case Double:
			out = append(out, v.Float)
		case Boolean:
			if v.Bool {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		default:
			out = append(out, float64(v.Int))
		}
	}
	return out
}

type termCount struct {
	key   string
	count int64
}

// expectedTerms counts each doc once per distinct value of field, ordered
// by count desc then key asc.
func expectedTerms(docs []*fakeDoc, field string) []termCount {
	m := map[string]int64{}
	for _, d := range docs {
		for _, v := range distinctStrs(d, field) {
			m[v]++
		}
	}
	var out []termCount
	for k, c := range m {
		out = append(out, termCount{k, c})
	}
	slices.SortFunc(out, func(a, b termCount) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	return out
}

func avgOf(docs []*fakeDoc, field string) *float64 {
	var s float64
	var n int
	for _, d := range docs {
		for _, f := range numsOf(d, field) {
			s += f
			n++
		}
	}
	if n == 0 {
		return nil
	}
	v := s / float64(n)
	return &v
}

func withTag(docs []*fakeDoc, tag string) []*fakeDoc {
	var out []*fakeDoc
	for _, d := range docs {
		if slices.Contains(distinctStrs(d, "tag"), tag) {
			out = append(out, d)
		}
	}
	return out
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func nearPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return near(*a, *b)
}

func TestTermsOnePartitionIsExact(t *testing.T) {
	docs := corpus(1, 3000, 1)
	aggs := []Aggregation{{Name: "tags", Kind: AggTerms, Field: "tag", Size: 5,
		Subs: []Aggregation{{Name: "avg_n", Kind: AggAvg, Field: "n"}}}}
	got := finish(t, stateOf(t, aggs, docs))[0]
	want := expectedTerms(docs, "tag")
	if len(got.Buckets) != 5 {
		t.Fatalf("got %d buckets, want 5", len(got.Buckets))
	}
	var other int64
	for _, tc := range want[5:] {
		other += tc.count
	}
	if got.SumOtherDocCount != other || got.DocCountErrorUpperBound != 0 {
		t.Errorf("sum_other %d error %d, want %d and 0", got.SumOtherDocCount, got.DocCountErrorUpperBound, other)
	}
	for i, b := range got.Buckets {
		if b.Key != want[i].key || b.DocCount != want[i].count {
			t.Errorf("bucket %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, want[i].key, want[i].count)
		}
		if wa := avgOf(withTag(docs, want[i].key), "n"); !nearPtr(b.Subs[0].Value, wa) {
			t.Errorf("bucket %v avg_n = %v, want %v", b.Key, b.Subs[0].Value, wa)
		}
	}
}

func TestTermsOrders(t *testing.T) {
	docs := corpus(2, 2000, 1)
	want := expectedTerms(docs, "tag")
	byKey := slices.Clone(want)
	slices.SortFunc(byKey, func(a, b termCount) int { return cmp.Compare(a.key, b.key) })

	t.Run("key_desc", func(t *testing.T) {
		aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 4,
			Order: []BucketOrder{{By: "_key", Order: Desc}}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		for i, b := range got.Buckets {
			w := byKey[len(byKey)-1-i]
			if b.Key != w.key || b.DocCount != w.count {
				t.Errorf("bucket %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, w.key, w.count)
			}
		}
	})
	t.Run("min_doc_count", func(t *testing.T) {
		limit := want[3].count
		aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 100, MinDocCount: limit}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		n := 0
		for _, w := range want {
			if w.count >= limit {
				n++
			}
		}
		if len(got.Buckets) != n {
			t.Errorf("got %d buckets with min_doc_count %d, want %d", len(got.Buckets), limit, n)
		}
	})
	t.Run("sub_metric_asc", func(t *testing.T) {
		aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 50,
			Order: []BucketOrder{{By: "mx", Order: Asc}},
			Subs:  []Aggregation{{Name: "mx", Kind: AggMax, Field: "x"}}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		if len(got.Buckets) != len(want) {
			t.Fatalf("got %d buckets, want %d", len(got.Buckets), len(want))
		}
		for i := 1; i < len(got.Buckets); i++ {
			if *got.Buckets[i-1].Subs[0].Value > *got.Buckets[i].Subs[0].Value {
				t.Errorf("bucket %d's max %v after %v", i, *got.Buckets[i].Subs[0].Value, *got.Buckets[i-1].Subs[0].Value)
			}
		}
	})
	t.Run("filter_paths", func(t *testing.T) {
		okQ := Term{Field: "ok", Value: true}
		for _, by := range []string{"okf", "okf._count", "okf>mx"} {
			aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 50,
				Order: []BucketOrder{{By: by, Order: Desc}},
				Subs: []Aggregation{{Name: "okf", Kind: AggFilter, Filter: okQ, Subs: []Aggregation{
					{Name: "mx", Kind: AggMax, Field: "n"}}}}}}
			bindFilters(docs, aggs)
			got := finish(t, stateOf(t, aggs, docs))[0]
			// The oracle: each tag's value computed from the documents.
			value := func(tag string) float64 {
				var n int64
				mx := math.Inf(-1)
				for _, d := range withTag(docs, tag) {
					if matches(okQ, d) {
						n++
						for _, f := range numsOf(d, "n") {
							mx = math.Max(mx, f)
						}
					}
				}
				if by == "okf>mx" {
					return mx
				}
				return float64(n)
			}
			for i := 1; i < len(got.Buckets); i++ {
				a, b := got.Buckets[i-1], got.Buckets[i]
				va, vb := value(a.Key.(string)), value(b.Key.(string))
				if va < vb || (va == vb && a.Key.(string) > b.Key.(string)) {
					t.Errorf("by %s: %v (%v) before %v (%v)", by, a.Key, va, b.Key, vb)
				}
			}
		}
	})
	t.Run("stats_path", func(t *testing.T) {
		aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 50,
			Order: []BucketOrder{{By: "st.avg", Order: Desc}},
			Subs:  []Aggregation{{Name: "st", Kind: AggStats, Field: "n"}}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		prev := math.Inf(1)
		for _, b := range got.Buckets {
			s := b.Subs[0].Stats
			if s.Count == 0 {
				continue
			}
			avg := s.Sum / float64(s.Count)
			if avg > prev {
				t.Errorf("bucket %v avg %v after %v", b.Key, avg, prev)
			}
			prev = avg
		}
	})
}

// Across partitions, each returned count is at most its true count and
// short of it by no more than doc_count_error_upper_bound; returned
// counts plus sum_other_doc_count are every (doc, term) pair.
func TestTermsAcrossPartitionsBoundsTheError(t *testing.T) {
	docs := corpus(3, 4000, 5)
	all := expectedTerms(docs, "tag")
	truth := map[string]int64{}
	var pairs int64
	for _, tc := range all {
		truth[tc.key] = tc.count
		pairs += tc.count
	}
	for _, shard := range []int{2, 4, 100} {
		t.Run(fmt.Sprintf("shard_size_%d", shard), func(t *testing.T) {
			aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 2, ShardSize: shard}}
			got := finish(t, mergedOf(t, aggs, docs))[0]
			var sum int64
			for _, b := range got.Buckets {
				tr := truth[b.Key.(string)]
				if b.DocCount > tr || tr-b.DocCount > got.DocCountErrorUpperBound {
					t.Errorf("bucket %v count %d, true %d, error bound %d", b.Key, b.DocCount, tr, got.DocCountErrorUpperBound)
				}
				sum += b.DocCount
			}
			if sum+got.SumOtherDocCount != pairs {
				t.Errorf("counts %d + sum_other %d != %d pairs", sum, got.SumOtherDocCount, pairs)
			}
			if shard == 100 {
				if got.DocCountErrorUpperBound != 0 {
					t.Errorf("nothing was trimmed but the error bound is %d", got.DocCountErrorUpperBound)
				}
				for i, b := range got.Buckets {
					if b.Key != all[i].key || b.DocCount != all[i].count {
						t.Errorf("bucket %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, all[i].key, all[i].count)
					}
				}
			} else if got.DocCountErrorUpperBound <= 0 {
				t.Errorf("partitions were trimmed but the error bound is %d", got.DocCountErrorUpperBound)
			}
		})
	}
	t.Run("order_asc_count_unknown_error", func(t *testing.T) {
		aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 2, ShardSize: 2,
			Order: []BucketOrder{{By: "_count", Order: Asc}}}}
		got := finish(t, mergedOf(t, aggs, docs))[0]
		if got.DocCountErrorUpperBound != -1 {
			t.Errorf("error bound %d, want -1", got.DocCountErrorUpperBound)
		}
	})
}

func TestTermsKeysOfEachType(t *testing.T) {
	docs := []*fakeDoc{
		{fields: map[string][]FieldValue{"n": long("n", 5, 5, 7), "ok": {{Type: Boolean, Bool: true}}, "ts": date("ts", 0), "x": dbl("x", 1.5)}},
		{fields: map[string][]FieldValue{"n": long("n", 7), "ok": {{Type: Boolean}}, "x": dbl("x", 1.5)}},
		{fields: map[string][]FieldValue{}},
	}
	aggs := []Aggregation{
		{Name: "n", Kind: AggTerms, Field: "n"},
		{Name: "ok", Kind: AggTerms, Field: "ok"},
		{Name: "ts", Kind: AggTerms, Field: "ts", Missing: int64(86_400_000)},
		{Name: "x", Kind: AggTerms, Field: "x", Missing: "none"},
	}
	got := finish(t, stateOf(t, aggs, docs))
	type kb struct {
		key Scalar
		str string
		n   int64
	}
	flat := func(r AggResult) []kb {
		var out []kb
		for _, b := range r.Buckets {
			out = append(out, kb{b.Key, b.KeyAsString, b.DocCount})
		}
		return out
	}
	want := [][]kb{
		{{int64(7), "", 2}, {int64(5), "", 1}},
		{{int64(0), "false", 1}, {int64(1), "true", 1}},
		{{int64(86_400_000), "1970-01-02T00:00:00.000Z", 2}, {int64(0), "1970-01-01T00:00:00.000Z", 1}},
		{{1.5, "", 2}, {"none", "", 1}},
	}
	for i := range want {
		if g := flat(got[i]); !slices.Equal(g, want[i]) {
			t.Errorf("%s: got %v, want %v", aggs[i].Name, g, want[i])
		}
	}
}

func TestHistogram(t *testing.T) {
	docs := corpus(4, 1500, 1)
	const iv, off = 100.0, 50.0
	counts := map[float64]int64{}
	for _, d := range docs {
		seen := map[float64]bool{}
		for _, f := range numsOf(d, "n") {
			k := math.Floor((f-off)/iv)*iv + off
			if !seen[k] {
				seen[k] = true
				counts[k]++
			}
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for k := range counts {
		lo, hi = math.Min(lo, k), math.Max(hi, k)
	}
	t.Run("filled", func(t *testing.T) {
		aggs := []Aggregation{{Name: "h", Kind: AggHistogram, Field: "n", Interval: iv, Offset: "50",
			ExtendedBounds: &Bounds{Min: -2000.0, Max: int64(1200)}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		k := math.Floor((-2000-off)/iv)*iv + off
		end := math.Floor((1200-off)/iv)*iv + off
		end = math.Max(end, hi)
		var i int
		for ; k <= end; k += iv {
			if i >= len(got.Buckets) {
				t.Fatalf("only %d buckets, want key %v", i, k)
			}
			b := got.Buckets[i]
			if b.Key != k || b.DocCount != counts[k] {
				t.Errorf("bucket %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, k, counts[k])
			}
			i++
		}
		if i != len(got.Buckets) {
			t.Errorf("%d buckets, want %d", len(got.Buckets), i)
		}
	})
	t.Run("filled_then_ordered_by_count", func(t *testing.T) {
		aggs := []Aggregation{{Name: "h", Kind: AggHistogram, Field: "n", Interval: iv, Offset: "50",
			ExtendedBounds: &Bounds{Min: -1500.0, Max: 1500.0}, Order: []BucketOrder{{By: "_count", Order: Desc}}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		var want []Bucket
		for k := -1550.0; k <= 1450; k += iv {
			want = append(want, Bucket{Key: k, DocCount: counts[k]})
		}
		slices.SortStableFunc(want, func(a, b Bucket) int { return cmp.Compare(b.DocCount, a.DocCount) })
		checkBuckets(t, got.Buckets, want)
	})
	t.Run("min_doc_count_1", func(t *testing.T) {
		aggs := []Aggregation{{Name: "h", Kind: AggHistogram, Field: "n", Interval: iv, Offset: "50", MinDocCount: 1}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		if len(got.Buckets) != len(counts) {
			t.Errorf("%d buckets, want %d", len(got.Buckets), len(counts))
		}
		for _, b := range got.Buckets {
			if b.DocCount != counts[b.Key.(float64)] {
				t.Errorf("bucket %v = %d, want %d", b.Key, b.DocCount, counts[b.Key.(float64)])
			}
		}
	})
}

func TestDateHistogramCountsAgainstCalendar(t *testing.T) {
	docs := corpus(5, 2000, 1)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	cases := []struct {
		name string
		agg  Aggregation
		key  func(time.Time) time.Time // in the zone
		loc  *time.Location
	}{
		{"month_utc", Aggregation{CalendarInterval: "month"},
			func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()) }, time.UTC},
		{"quarter_berlin", Aggregation{CalendarInterval: "1q", TimeZone: "Europe/Berlin"},
			func(t time.Time) time.Time {
				return time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, t.Location())
			}, berlin},
		{"week_berlin", Aggregation{CalendarInterval: "week", TimeZone: "Europe/Berlin"},
			func(t time.Time) time.Time {
				for t.Weekday() != time.Monday {
					t = t.AddDate(0, 0, -1)
				}
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
			}, berlin},
		{"day_offset", Aggregation{CalendarInterval: "1d", Offset: "+6h"},
			func(t time.Time) time.Time {
				s := t.Add(-6 * time.Hour)
				return time.Date(s.Year(), s.Month(), s.Day(), 6, 0, 0, 0, time.UTC)
			}, time.UTC},
		{"fixed_90m_plus_0530", Aggregation{FixedInterval: "90m", TimeZone: "+05:30"},
			func(t time.Time) time.Time {
				_, off := t.Zone()
				local := t.Unix() + int64(off)
				return time.Unix(local-((local%5400)+5400)%5400-int64(off), 0).In(t.Location())
			}, time.FixedZone("", 5*3600+1800)},
		{"year", Aggregation{CalendarInterval: "year"},
			func(t time.Time) time.Time { return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location()) }, time.UTC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := map[int64]int64{}
			for _, d := range docs {
				ms := d.fields["ts"][0].Int
				want[c.key(time.UnixMilli(ms).In(c.loc)).UnixMilli()]++
			}
			a := c.agg
			a.Name, a.Kind, a.Field, a.MinDocCount = "h", AggDateHistogram, "ts", 1
			got := finish(t, stateOf(t, []Aggregation{a}, docs))[0]
			if len(got.Buckets) != len(want) {
				t.Errorf("%d buckets, want %d", len(got.Buckets), len(want))
			}
			for _, b := range got.Buckets {
				if w := want[b.Key.(int64)]; b.DocCount != w {
					t.Errorf("bucket %v (%s) = %d, want %d", b.Key, b.KeyAsString, b.DocCount, w)
				}
			}
		})
	}
}

// The days and hours around Berlin's DST changes of 2024 (31 March: 02:00
// CET becomes 03:00 CEST; 27 October: 03:00 CEST becomes 02:00 CET).
func TestDateHistogramAcrossDST(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no tz database:", err)
	}
	utc := func(s string) int64 {
		t.Helper()
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	t.Run("days_spring", func(t *testing.T) {
		docs := []*fakeDoc{
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-03-30T12:00:00Z"))}},
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-04-01T10:00:00Z"))}},
		}
		aggs := []Aggregation{{Name: "d", Kind: AggDateHistogram, Field: "ts", CalendarInterval: "day", TimeZone: "Europe/Berlin"}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		want := []Bucket{
			{Key: utc("2024-03-29T23:00:00Z"), KeyAsString: "2024-03-30T00:00:00.000+01:00", DocCount: 1},
			{Key: utc("2024-03-30T23:00:00Z"), KeyAsString: "2024-03-31T00:00:00.000+01:00", DocCount: 0},
			{Key: utc("2024-03-31T22:00:00Z"), KeyAsString: "2024-04-01T00:00:00.000+02:00", DocCount: 1},
		}
		checkBuckets(t, got.Buckets, want)
	})
	t.Run("hours_autumn", func(t *testing.T) {
		docs := []*fakeDoc{
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-26T23:30:00Z"))}}, // 01:30 CEST
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T00:10:00Z"))}}, // 02:10 CEST
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T01:20:00Z"))}}, // 02:20 CET
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T01:40:00Z"))}}, // 02:40 CET
		}
		aggs := []Aggregation{{Name: "h", Kind: AggDateHistogram, Field: "ts", CalendarInterval: "hour", TimeZone: "Europe/Berlin", Format: "yyyy-MM-dd HH:mm XXX"}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		want := []Bucket{
			{Key: utc("2024-10-26T23:00:00Z"), KeyAsString: "2024-10-27 01:00 +02:00", DocCount: 1},
			{Key: utc("2024-10-27T00:00:00Z"), KeyAsString: "2024-10-27 02:00 +02:00", DocCount: 1},
			{Key: utc("2024-10-27T01:00:00Z"), KeyAsString: "2024-10-27 02:00 +01:00", DocCount: 2},
		}
		checkBuckets(t, got.Buckets, want)
	})
	// A fixed interval rounds in local time: 00:30 CEST and 02:30 CET
	// (after the clocks went back) share the bucket of local 00:00.
	t.Run("fixed_3h_autumn", func(t *testing.T) {
		docs := []*fakeDoc{
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-26T22:30:00Z"))}}, // 00:30 CEST
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T01:30:00Z"))}}, // 02:30 CET
			{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T02:30:00Z"))}}, // 03:30 CET
		}
		aggs := []Aggregation{{Name: "h", Kind: AggDateHistogram, Field: "ts", FixedInterval: "3h", TimeZone: "Europe/Berlin"}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		want := []Bucket{
			{Key: utc("2024-10-26T22:00:00Z"), KeyAsString: "2024-10-27T00:00:00.000+02:00", DocCount: 2},
			{Key: utc("2024-10-27T02:00:00Z"), KeyAsString: "2024-10-27T03:00:00.000+01:00", DocCount: 1},
		}
		checkBuckets(t, got.Buckets, want)
	})
	t.Run("days_autumn_filled_by_bounds", func(t *testing.T) {
		docs := []*fakeDoc{{fields: map[string][]FieldValue{"ts": date("ts", utc("2024-10-27T12:00:00Z"))}}}
		aggs := []Aggregation{{Name: "d", Kind: AggDateHistogram, Field: "ts", CalendarInterval: "1d", TimeZone: "Europe/Berlin",
			Format: "yyyy-MM-dd", ExtendedBounds: &Bounds{Min: "2024-10-26", Max: "2024-10-28"}}}
		got := finish(t, stateOf(t, aggs, docs))[0]
		want := []Bucket{
			{Key: utc("2024-10-25T22:00:00Z"), KeyAsString: "2024-10-26", DocCount: 0},
			{Key: utc("2024-10-26T22:00:00Z"), KeyAsString: "2024-10-27", DocCount: 1},
			{Key: utc("2024-10-27T23:00:00Z"), KeyAsString: "2024-10-28", DocCount: 0},
		}
		checkBuckets(t, got.Buckets, want)
	})
}

func checkBuckets(t *testing.T, got, want []Bucket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d buckets %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Key != w.Key || g.KeyAsString != w.KeyAsString || g.DocCount != w.DocCount {
			t.Errorf("bucket %d = {%v %q %d}, want {%v %q %d}", i, g.Key, g.KeyAsString, g.DocCount, w.Key, w.KeyAsString, w.DocCount)
		}
	}
}

func TestRanges(t *testing.T) {
	docs := corpus(6, 1000, 1)
	aggs := []Aggregation{
		{Name: "r", Kind: AggRange, Field: "x", Ranges: []RangeSpec{
			{To: 10.0}, {From: int64(20)}, {From: 10.0, To: 20.0}, {Key: "mid", From: -5.0, To: 5.5}, {From: 1e7}}},
		{Name: "dr", Kind: AggDateRange, Field: "ts", Ranges: []RangeSpec{
			{To: "2024-03-01"}, {From: "2024-03-01", To: "now+1M/M"}, {From: "now+1M/M"}}},
	}
	got := finish(t, stateOf(t, aggs, docs))
	count := func(field string, lo, hi float64) int64 {
		var n int64
		for _, d := range docs {
			for _, f := range numsOf(d, field) {
				if f >= lo && f < hi {
					n++
					break
				}
			}
		}
		return n
	}
	inf := math.Inf(1)
	wantR := []struct {
		key    string
		lo, hi float64
	}{{"*-10.0", -inf, 10}, {"mid", -5, 5.5}, {"10.0-20.0", 10, 20}, {"20.0-*", 20, inf}, {"1.0E7-*", 1e7, inf}}
	for i, w := range wantR {
		b := got[0].Buckets[i]
		if b.Key != w.key || b.DocCount != count("x", w.lo, w.hi) {
			t.Errorf("range %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, w.key, count("x", w.lo, w.hi))
		}
	}
	mar := float64(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	feb := float64(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()) // baseTime + 1M, rounded to the month
	wantD := []struct {
		key    string
		lo, hi float64
	}{
		{"*-2024-03-01T00:00:00.000Z", -inf, mar},
		{"2024-02-01T00:00:00.000Z-*", feb, inf},
		{"2024-03-01T00:00:00.000Z-2024-02-01T00:00:00.000Z", mar, feb},
	}
	for i, w := range wantD {
		b := got[1].Buckets[i]
		if b.Key != w.key || b.DocCount != count("ts", w.lo, w.hi) {
			t.Errorf("date range %d = %v/%d, want %v/%d", i, b.Key, b.DocCount, w.key, count("ts", w.lo, w.hi))
		}
	}
	if b := got[1].Buckets[0]; b.ToAsString != "2024-03-01T00:00:00.000Z" || b.From != nil || *b.To != mar {
		t.Errorf("date range bounds %+v", b)
	}
}

func TestFiltersAndNumbering(t *testing.T) {
	docs := corpus(7, 1200, 1)
	aggs := []Aggregation{
		{Name: "t", Kind: AggTerms, Field: "tag", Size: 3, Subs: []Aggregation{
			{Name: "okf", Kind: AggFilter, Filter: Term{Field: "ok", Value: true}},
		}},
		{Name: "fs", Kind: AggFilters, Filters: []NamedQuery{
			{Name: "pos", Query: Range{Field: "x", GTE: 0.0}},
			{Name: "alpha", Query: Term{Field: "tag", Value: "alpha"}},
		}, Subs: []Aggregation{{Name: "c", Kind: AggValueCount, Field: "n"}}},
	}
	qs := AggFilterQueries(aggs)
	if len(qs) != 3 || qs[0] != (Term{Field: "ok", Value: true}) || qs[2] != (Term{Field: "tag", Value: "alpha"}) {
		t.Fatalf("AggFilterQueries = %v", qs)
	}
	bindFilters(docs, aggs)
	got := finish(t, stateOf(t, aggs, docs))
	for _, b := range got[0].Buckets {
		var n int64
		for _, d := range withTag(docs, b.Key.(string)) {
			if matches(Term{Field: "ok", Value: true}, d) {
				n++
			}
		}
		if b.Subs[0].DocCount != n {
			t.Errorf("tag %v: filter ok = %d, want %d", b.Key, b.Subs[0].DocCount, n)
		}
	}
	for i, nq := range aggs[1].Filters {
		var n, c int64
		for _, d := range docs {
			if matches(nq.Query, d) {
				n++
				c += int64(len(d.fields["n"]))
			}
		}
		b := got[1].Buckets[i]
		if b.Key != nq.Name || b.DocCount != n || *b.Subs[0].Value != float64(c) {
			t.Errorf("filter %s = %v/%d/%v, want %d/%d", nq.Name, b.Key, b.DocCount, *b.Subs[0].Value, n, c)
		}
	}
}

func TestMetrics(t *testing.T) {
	docs := corpus(8, 2500, 1)
	aggs := []Aggregation{
		{Name: "avg", Kind: AggAvg, Field: "x"},
		{Name: "min", Kind: AggMin, Field: "n"},
		{Name: "max", Kind: AggMax, Field: "ts"},
		{Name: "sum", Kind: AggSum, Field: "n"},
		{Name: "count", Kind: AggValueCount, Field: "tag"},
		{Name: "stats", Kind: AggStats, Field: "x"},
		{Name: "none", Kind: AggAvg, Field: "absent"},
		{Name: "none_sum", Kind: AggSum, Field: "absent"},
		{Name: "missing", Kind: AggSum, Field: "absent", Missing: int64(2)},
	}
	got := finish(t, stateOf(t, aggs, docs))
	var sx, sn float64
	var cx, ctag int64
	mn, mx := math.Inf(1), math.Inf(-1)
	xmin, xmax := math.Inf(1), math.Inf(-1)
	var tsMax int64
	for _, d := range docs {
		for _, f := range numsOf(d, "x") {
			sx += f
			cx++
			xmin, xmax = math.Min(xmin, f), math.Max(xmax, f)
		}
		for _, f := range numsOf(d, "n") {
			sn += f
			mn = math.Min(mn, f)
		}
		tsMax = max(tsMax, d.fields["ts"][0].Int)
		ctag += int64(len(d.fields["tag"]))
		_ = mx
	}
	check := func(i int, want float64) {
		t.Helper()
		if got[i].Value == nil || !near(*got[i].Value, want) {
			t.Errorf("%s = %v, want %v", aggs[i].Name, got[i].Value, want)
		}
	}
	check(0, sx/float64(cx))
	check(1, mn)
	check(2, float64(tsMax))
	check(3, sn)
	check(4, float64(ctag))
	if s := got[5].Stats; s.Count != cx || !near(s.Sum, sx) || s.Min != xmin || s.Max != xmax {
		t.Errorf("stats = %+v", s)
	}
	if got[6].Value != nil {
		t.Errorf("avg of no values = %v, want none", *got[6].Value)
	}
	check(7, 0)
	check(8, 2*float64(len(docs)))
	if want := time.UnixMilli(tsMax).UTC().Format("2006-01-02T15:04:05.000Z"); got[2].ValueAsString != want {
		t.Errorf("max of a date: value_as_string %q, want %q", got[2].ValueAsString, want)
	}
}

func TestMissingOfKeywordMetrics(t *testing.T) {
	docs := []*fakeDoc{
		{fields: map[string][]FieldValue{"tag": kw("tag", "a", "b")}},
		{fields: map[string][]FieldValue{}},
		{fields: map[string][]FieldValue{}},
	}
	aggs := []Aggregation{
		{Name: "vc", Kind: AggValueCount, Field: "tag", Missing: "N/A"},
		{Name: "card", Kind: AggCardinality, Field: "tag", Missing: "N/A"},
		{Name: "card_a", Kind: AggCardinality, Field: "tag", Missing: "a"},
	}
	got := finish(t, stateOf(t, aggs, docs))
	for i, want := range []float64{4, 3, 2} {
		if *got[i].Value != want {
			t.Errorf("%s = %v, want %v", aggs[i].Name, *got[i].Value, want)
		}
	}
}

func TestCardinality(t *testing.T) {
	docs := corpus(9, 60000, 4)
	distinct := map[string]bool{}
	for _, d := range docs {
		distinct[d.fields["user"][0].Str] = true
	}
	t.Run("exact_below_threshold", func(t *testing.T) {
		small := docs[:2000]
		want := map[string]bool{}
		for _, d := range small {
			want[d.fields["user"][0].Str] = true
		}
		aggs := []Aggregation{{Name: "c", Kind: AggCardinality, Field: "user", PrecisionThreshold: 40000}}
		for _, s := range []*AggState{stateOf(t, aggs, small), mergedOf(t, aggs, small)} {
			if got := *finish(t, s)[0].Value; got != float64(len(want)) {
				t.Errorf("cardinality %v, want %d", got, len(want))
			}
		}
	})
	t.Run("sketch_within_error", func(t *testing.T) {
		aggs := []Aggregation{{Name: "c", Kind: AggCardinality, Field: "user", PrecisionThreshold: 100}}
		one := *finish(t, stateOf(t, aggs, docs))[0].Value
		merged := *finish(t, mergedOf(t, aggs, docs))[0].Value
		if one != merged {
			t.Errorf("merged partitions estimate %v, one state %v: the sketch lost precision in the merge", merged, one)
		}
		// 0.81 % standard error: 4 % is five of them.
		if e := math.Abs(one-float64(len(distinct))) / float64(len(distinct)); e > 0.04 {
			t.Errorf("estimate %v of %d distinct values: error %.2f%%", one, len(distinct), 100*e)
		}
	})
}

// exactPercentile is the value at rank q·n, each sorted value at the
// middle of its unit of rank, interpolated linearly.
func exactPercentile(sorted []float64, q float64) float64 {
	n := float64(len(sorted))
	pos := q * n
	if pos <= 0.5 {
		return sorted[0]
	}
	if pos >= n-0.5 {
		return sorted[len(sorted)-1]
	}
	i := int(math.Floor(pos - 0.5))
	frac := pos - 0.5 - float64(i)
	return sorted[i] + (sorted[i+1]-sorted[i])*frac
}

func TestPercentiles(t *testing.T) {
	aggs := []Aggregation{{Name: "p", Kind: AggPercentiles, Field: "x", Percents: []float64{0, 1, 25, 50, 90, 99.9, 100}}}
	t.Run("exact", func(t *testing.T) {
		docs := corpus(10, 3000, 3)
		var xs []float64
		for _, d := range docs {
			xs = append(xs, numsOf(d, "x")...)
		}
		slices.Sort(xs)
		for _, s := range []*AggState{stateOf(t, aggs, docs), mergedOf(t, aggs, docs)} {
			for _, p := range finish(t, s)[0].Percentiles {
				if w := exactPercentile(xs, p.Percent/100); !near(*p.Value, w) {
					t.Errorf("p%v = %v, want %v", p.Percent, *p.Value, w)
				}
			}
		}
	})
	t.Run("sketch_rank_error", func(t *testing.T) {
		docs := corpus(11, 80000, 4)
		var xs []float64
		for _, d := range docs {
			xs = append(xs, numsOf(d, "x")...)
		}
		slices.Sort(xs)
		for name, s := range map[string]*AggState{"one": stateOf(t, aggs, docs), "merged": mergedOf(t, aggs, docs)} {
			for _, p := range finish(t, s)[0].Percentiles {
				rank, _ := slices.BinarySearch(xs, *p.Value)
				if e := math.Abs(float64(rank)/float64(len(xs)) - p.Percent/100); e > 0.005 {
					t.Errorf("%s: p%v = %v has rank error %.4f", name, p.Percent, *p.Value, e)
				}
			}
		}
	})
}

func TestTopHits(t *testing.T) {
	docs := corpus(12, 900, 3)
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 3, Subs: []Aggregation{
		{Name: "best", Kind: AggTopHits, Size: 4, From: 1, Sort: []Sort{{Field: "n", Order: Desc}}},
		{Name: "scored", Kind: AggTopHits, Size: 2},
	}}}
	for name, s := range map[string]*AggState{"one": stateOf(t, aggs, docs), "merged": mergedOf(t, aggs, docs)} {
		for _, b := range finish(t, s)[0].Buckets {
			in := withTag(docs, b.Key.(string))
			byN := slices.Clone(in)
			val := func(d *fakeDoc) (int64, bool) {
				if v := d.fields["n"]; len(v) > 0 {
					return v[0].Int, true
				}
				return 0, false
			}
			slices.SortStableFunc(byN, func(x, y *fakeDoc) int {
				vx, okx := val(x)
				vy, oky := val(y)
				switch {
				case okx && oky && vx != vy:
					return cmp.Compare(vy, vx)
				case okx != oky:
					if okx {
						return -1
					}
					return 1
				}
				if c := cmp.Compare(x.part, y.part); c != 0 {
					return c
				}
				return cmp.Compare(x.off, y.off)
			})
			best := b.Subs[0]
			if best.Total.Value != int64(len(in)) || len(best.Hits) != 4 {
				t.Fatalf("%s %v: total %d hits %d", name, b.Key, best.Total.Value, len(best.Hits))
			}
			for i, h := range best.Hits {
				w := byN[i+1]
				if h.Partition != w.part || h.Offset != w.off || !math.IsNaN(h.Score) {
					t.Errorf("%s %v hit %d = %d-%d (score %v), want %d-%d", name, b.Key, i, h.Partition, h.Offset, h.Score, w.part, w.off)
				}
			}
			byScore := slices.Clone(in)
			slices.SortStableFunc(byScore, func(x, y *fakeDoc) int {
				if c := cmp.Compare(y.score, x.score); c != 0 {
					return c
				}
				if c := cmp.Compare(x.part, y.part); c != 0 {
					return c
				}
				return cmp.Compare(x.off, y.off)
			})
			for i, h := range b.Subs[1].Hits {
				if h.Partition != byScore[i].part || h.Offset != byScore[i].off || h.Score != byScore[i].score {
					t.Errorf("%s %v scored hit %d = %d-%d, want %d-%d", name, b.Key, i, h.Partition, h.Offset, byScore[i].part, byScore[i].off)
				}
			}
		}
	}
}

// Merging the states of partitions answers what one state over all the
// documents answers, for every exact aggregation (terms with a shard
// size that trims nothing).
func TestMergeEqualsOneState(t *testing.T) {
	docs := corpus(13, 5000, 6)
	aggs := []Aggregation{
		{Name: "tags", Kind: AggTerms, Field: "tag", Size: 30, ShardSize: 1000, Subs: []Aggregation{
			{Name: "h", Kind: AggDateHistogram, Field: "ts", CalendarInterval: "month", Subs: []Aggregation{
				{Name: "sum", Kind: AggSum, Field: "n"},
				{Name: "u", Kind: AggCardinality, Field: "user"},
			}},
			{Name: "stats", Kind: AggStats, Field: "n"},
		}},
		{Name: "hist", Kind: AggHistogram, Field: "n", Interval: 250, Subs: []Aggregation{
			{Name: "ok", Kind: AggTerms, Field: "ok"},
			{Name: "okf", Kind: AggFilter, Filter: Term{Field: "ok", Value: true}, Subs: []Aggregation{
				{Name: "mn", Kind: AggMin, Field: "n"},
			}},
		}},
		{Name: "r", Kind: AggRange, Field: "n", Ranges: []RangeSpec{{To: int64(0)}, {From: int64(0)}}, Subs: []Aggregation{
			{Name: "vc", Kind: AggValueCount, Field: "tag"},
			{Name: "p", Kind: AggPercentiles, Field: "n"},
		}},
		{Name: "top", Kind: AggTopHits, Size: 5, Sort: []Sort{{Field: "ts"}, {Field: "_doc"}}},
	}
	bindFilters(docs, aggs)
	one := finish(t, stateOf(t, aggs, docs))
	ms := mergedOf(t, aggs, docs)
	merged := finish(t, ms)
	if diff := diffResults("", one, merged); diff != "" {
		t.Error(diff)
	}
	if diff := diffResults("", merged, finish(t, ms)); diff != "" {
		t.Error("finished twice:", diff)
	}
}

// diffResults compares results, numbers to 1e-9 relative (sums differ
// in their last bits with the order of addition).
func diffResults(path string, a, b []AggResult) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%s: %d results vs %d", path, len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		p := path + "/" + x.Name
		switch {
		case x.Name != y.Name || x.Kind != y.Kind:
			return p + ": different aggregations"
		case !nearPtr(x.Value, y.Value):
			return fmt.Sprintf("%s: value %v vs %v", p, x.Value, y.Value)
		case x.ValueAsString != y.ValueAsString || x.DocCount != y.DocCount || x.SumOtherDocCount != y.SumOtherDocCount || x.DocCountErrorUpperBound != y.DocCountErrorUpperBound:
			return fmt.Sprintf("%s: %+v vs %+v", p, x, y)
		case (x.Stats == nil) != (y.Stats == nil):
			return p + ": stats"
		case x.Stats != nil && (x.Stats.Count != y.Stats.Count || x.Stats.Min != y.Stats.Min || x.Stats.Max != y.Stats.Max || !near(x.Stats.Sum, y.Stats.Sum)):
			return fmt.Sprintf("%s: stats %+v vs %+v", p, *x.Stats, *y.Stats)
		case len(x.Percentiles) != len(y.Percentiles) || len(x.Buckets) != len(y.Buckets) || len(x.Hits) != len(y.Hits) || x.Total != y.Total:
			return fmt.Sprintf("%s: lengths or totals differ", p)
		}
		for j := range x.Percentiles {
			if !nearPtr(x.Percentiles[j].Value, y.Percentiles[j].Value) {
				return fmt.Sprintf("%s: p%v %v vs %v", p, x.Percentiles[j].Percent, *x.Percentiles[j].Value, *y.Percentiles[j].Value)
			}
		}
		for j := range x.Hits {
			if x.Hits[j].Partition != y.Hits[j].Partition || x.Hits[j].Offset != y.Hits[j].Offset {
				return fmt.Sprintf("%s: hit %d differs", p, j)
			}
		}
		for j := range x.Buckets {
			bx, by := x.Buckets[j], y.Buckets[j]
			if bx.Key != by.Key || bx.KeyAsString != by.KeyAsString || bx.DocCount != by.DocCount {
				return fmt.Sprintf("%s: bucket %d {%v %d} vs {%v %d}", p, j, bx.Key, bx.DocCount, by.Key, by.DocCount)
			}
			if d := diffResults(fmt.Sprintf("%s[%v]", p, bx.Key), bx.Subs, by.Subs); d != "" {
				return d
			}
		}
		if d := diffResults(p, x.Subs, y.Subs); d != "" {
			return d
		}
	}
	return ""
}

func TestBadSpecsAreRefused(t *testing.T) {
	cases := []struct {
		name string
		agg  Aggregation
		want error
	}{
		{"unknown_kind", Aggregation{Name: "a", Kind: "geo_grid", Field: "f"}, ErrAggUnsupported},
		{"no_name", Aggregation{Kind: AggAvg, Field: "f"}, ErrAggInvalid},
		{"no_field", Aggregation{Name: "a", Kind: AggTerms}, ErrAggInvalid},
		{"negative_size", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Size: -1}, ErrAggInvalid},
		{"terms_size_past_max_buckets", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Size: 70000}, ErrTooManyBuckets},
		{"histogram_without_interval", Aggregation{Name: "a", Kind: AggHistogram, Field: "f"}, ErrAggInvalid},
		{"histogram_nan_interval", Aggregation{Name: "a", Kind: AggHistogram, Field: "f", Interval: math.NaN()}, ErrAggInvalid},
		{"histogram_huge_bounds", Aggregation{Name: "a", Kind: AggHistogram, Field: "f", Interval: 1,
			ExtendedBounds: &Bounds{Min: 0.0, Max: 1e9}}, ErrTooManyBuckets},
		{"bounds_with_min_doc_count", Aggregation{Name: "a", Kind: AggHistogram, Field: "f", Interval: 1, MinDocCount: 1,
			ExtendedBounds: &Bounds{Min: 0.0, Max: 10.0}}, ErrAggInvalid},
		{"date_bounds_with_min_doc_count", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", CalendarInterval: "day", MinDocCount: 2,
			ExtendedBounds: &Bounds{Min: "now-1d", Max: "now"}}, ErrAggInvalid},
		{"date_histogram_no_interval", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f"}, ErrAggInvalid},
		{"date_histogram_both_intervals", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", CalendarInterval: "day", FixedInterval: "1h"}, ErrAggInvalid},
		{"calendar_multiple", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", CalendarInterval: "2d"}, ErrAggInvalid},
		{"fixed_months", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", FixedInterval: "1M"}, ErrAggInvalid},
		{"bad_time_zone", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", CalendarInterval: "day", TimeZone: "Mars/Olympus"}, ErrAggInvalid},
		{"bad_format", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", CalendarInterval: "day", Format: "yyyy-qq"}, ErrAggInvalid},
		{"date_bounds_too_wide", Aggregation{Name: "a", Kind: AggDateHistogram, Field: "f", FixedInterval: "1s",
			ExtendedBounds: &Bounds{Min: "2000-01-01", Max: "now"}}, ErrTooManyBuckets},
		{"no_ranges", Aggregation{Name: "a", Kind: AggRange, Field: "f"}, ErrAggInvalid},
		{"bad_date_math", Aggregation{Name: "a", Kind: AggDateRange, Field: "f", Ranges: []RangeSpec{{From: "now-1x"}}}, ErrAggInvalid},
		{"filter_without_query", Aggregation{Name: "a", Kind: AggFilter}, ErrAggInvalid},
		{"percent_out_of_range", Aggregation{Name: "a", Kind: AggPercentiles, Field: "f", Percents: []float64{101}}, ErrAggInvalid},
		{"negative_threshold", Aggregation{Name: "a", Kind: AggCardinality, Field: "f", PrecisionThreshold: -1}, ErrAggInvalid},
		{"top_hits_window", Aggregation{Name: "a", Kind: AggTopHits, Size: 90, From: 20}, ErrAggInvalid},
		{"top_hits_window_overflow", Aggregation{Name: "a", Kind: AggTopHits, Size: 1, From: math.MaxInt}, ErrAggInvalid},
		{"metric_with_subs", Aggregation{Name: "a", Kind: AggAvg, Field: "f", Subs: []Aggregation{{Name: "b", Kind: AggSum, Field: "g"}}}, ErrAggInvalid},
		{"order_by_unknown", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Order: []BucketOrder{{By: "nope"}}}, ErrAggInvalid},
		{"order_through_terms", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Order: []BucketOrder{{By: "b>c"}},
			Subs: []Aggregation{{Name: "b", Kind: AggTerms, Field: "g", Subs: []Aggregation{{Name: "c", Kind: AggSum, Field: "g"}}}}}, ErrAggInvalid},
		{"order_by_bucket_agg", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Order: []BucketOrder{{By: "b"}},
			Subs: []Aggregation{{Name: "b", Kind: AggTerms, Field: "g"}}}, ErrAggInvalid},
		{"format_on_sum", Aggregation{Name: "a", Kind: AggSum, Field: "f", Format: "0.00"}, ErrAggUnsupported},
		{"duplicate_sibling_names", Aggregation{Name: "a", Kind: AggTerms, Field: "f", Subs: []Aggregation{
			{Name: "b", Kind: AggSum, Field: "g"}, {Name: "b", Kind: AggMax, Field: "g"}}}, ErrAggInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewAggState([]Aggregation{c.agg}, baseTime)
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
	t.Run("too_deep", func(t *testing.T) {
		a := Aggregation{Name: "leaf", Kind: AggSum, Field: "f"}
		for i := range MaxQueryDepth {
			a = Aggregation{Name: fmt.Sprint("f", i), Kind: AggFilter, Filter: MatchAll{}, Subs: []Aggregation{a}}
		}
		if _, err := NewAggState([]Aggregation{a}, baseTime); !errors.Is(err, ErrAggInvalid) {
			t.Errorf("depth %d: err = %v", MaxQueryDepth+1, err)
		}
		if _, err := NewAggState(a.Subs, baseTime); err != nil {
			t.Errorf("depth %d: err = %v", MaxQueryDepth, err)
		}
	})
}

func TestTooManyBucketsInTheAnswer(t *testing.T) {
	docs := []*fakeDoc{
		{fields: map[string][]FieldValue{"n": long("n", 0)}},
		{fields: map[string][]FieldValue{"n": long("n", 10_000_000)}},
	}
	aggs := []Aggregation{{Name: "h", Kind: AggHistogram, Field: "n", Interval: 1}}
	r, err := stateOf(t, aggs, docs).Finish()
	if !errors.Is(err, ErrTooManyBuckets) {
		t.Fatalf("err = %v, want ErrTooManyBuckets", err)
	}
	if len(r[0].Buckets) > MaxBuckets+1 {
		t.Errorf("%d buckets built", len(r[0].Buckets))
	}
	// With min_doc_count 1 the two buckets are fine.
	aggs[0].MinDocCount = 1
	if r := finish(t, stateOf(t, aggs, docs)); len(r[0].Buckets) != 2 {
		t.Errorf("%d buckets, want 2", len(r[0].Buckets))
	}
	// Nested terms whose product passes the bound.
	var many []*fakeDoc
	for i := range 300 {
		many = append(many, &fakeDoc{fields: map[string][]FieldValue{"a": long("a", int64(i)), "b": long("b", int64(i), int64(i+1000))}})
	}
	nested := []Aggregation{{Name: "a", Kind: AggTerms, Field: "a", Size: 300, Subs: []Aggregation{
		{Name: "h", Kind: AggHistogram, Field: "b", Interval: 1}}}}
	if _, err := stateOf(t, nested, many).Finish(); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("nested: err = %v, want ErrTooManyBuckets", err)
	}
}

func TestMergeRefusesOtherAggregations(t *testing.T) {
	a, _ := NewAggState([]Aggregation{{Name: "a", Kind: AggSum, Field: "f"}}, baseTime)
	b, _ := NewAggState([]Aggregation{{Name: "a", Kind: AggMax, Field: "f"}}, baseTime)
	if err := a.Merge(b); !errors.Is(err, ErrAggInvalid) {
		t.Errorf("err = %v", err)
	}
}

func TestAggFields(t *testing.T) {
	aggs := []Aggregation{
		{Name: "a", Kind: AggTerms, Field: "tag", Subs: []Aggregation{
			{Name: "b", Kind: AggAvg, Field: "n"},
			{Name: "c", Kind: AggTopHits, Sort: []Sort{{Field: "_score"}, {Field: "ts"}, {Field: "tag"}}},
		}},
		{Name: "f", Kind: AggFilter, Filter: MatchAll{}, Subs: []Aggregation{{Name: "d", Kind: AggMax, Field: "n"}}},
	}
	if got, want := AggFields(aggs), []string{"tag", "n", "ts"}; !slices.Equal(got, want) {
		t.Errorf("AggFields = %v, want %v", got, want)
	}
}

// Terms under terms are trimmed per partition too: a merged sub-bucket
// never counts more than its true count, and every count the sub-terms
// hold or report as other belongs to its parent bucket.
func TestNestedTermsAcrossPartitions(t *testing.T) {
	docs := corpus(14, 3000, 4)
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag", Size: 3, ShardSize: 4, Subs: []Aggregation{
		{Name: "u", Kind: AggTerms, Field: "n", Size: 2, ShardSize: 2}}}}
	got := finish(t, mergedOf(t, aggs, docs))[0]
	for _, b := range got.Buckets {
		in := withTag(docs, b.Key.(string))
		truth := map[int64]int64{}
		var pairs int64
		for _, d := range in {
			for _, v := range d.fields["n"] {
				truth[v.Int]++
				pairs++
			}
		}
		sub := b.Subs[0]
		var sum int64
		for _, sb := range sub.Buckets {
			if sb.DocCount > truth[sb.Key.(int64)] {
				t.Errorf("tag %v, n %v: count %d above the true %d", b.Key, sb.Key, sb.DocCount, truth[sb.Key.(int64)])
			}
			sum += sb.DocCount
		}
		// Each document has at most one n: the sub-terms' pairs are at
		// most the parent's documents.
		if sum+sub.SumOtherDocCount > pairs || sum+sub.SumOtherDocCount > b.DocCount {
			t.Errorf("tag %v: sub counts %d + other %d, parent %d, true pairs %d", b.Key, sum, sub.SumOtherDocCount, b.DocCount, pairs)
		}
	}
}
