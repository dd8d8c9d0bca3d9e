package search

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

var oddFloats = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
	math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0, 1e15, -1e15, 9e15, 1.5}
var oddInts = []int64{math.MaxInt64, math.MinInt64, 0, -1, 1, 1 << 53, -(1 << 53) - 1, 253402300799999, -62135596800000}
var oddStrs = []string{"", "a", "\x00", "ü", "very long " + string(make([]byte, 300))}

// fuzzAggs is every kind of aggregation, with parameters from p.
func fuzzAggs(p []byte) []Aggregation {
	at := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	iv := oddFloats[int(at(0))%len(oddFloats)]
	if !(iv > 0) || math.IsInf(iv, 0) {
		iv = 1e-300
	}
	fixed := []string{"1ms", "90s", "3h", "1d"}[at(1)%4]
	cal := []string{"minute", "hour", "day", "week", "month", "quarter", "year"}[at(2)%7]
	tz := []string{"", "Europe/Berlin", "+05:45", "-12:00"}[at(3)%4]
	if _, err := time.LoadLocation(tz); err != nil {
		tz = "+01:00" // no tz database here
	}
	sub := []Aggregation{
		{Name: "avg", Kind: AggAvg, Field: "f"},
		{Name: "card", Kind: AggCardinality, Field: "f", PrecisionThreshold: int(at(4)) % 5},
		{Name: "pct", Kind: AggPercentiles, Field: "f"},
		{Name: "top", Kind: AggTopHits, Size: 2, Sort: []Sort{{Field: "f", Mode: []string{"", "avg", "median", "sum"}[at(5)%4]}}},
	}
	return []Aggregation{
		{Name: "terms", Kind: AggTerms, Field: "f", Size: 1 + int(at(6))%5, ShardSize: 1 + int(at(7))%3, Missing: "m", Subs: sub,
			Order: []BucketOrder{{By: []string{"_count", "_key", "avg", "card", "pct[50]"}[at(8)%5], Order: SortOrder(at(9) % 2)}}},
		{Name: "hist", Kind: AggHistogram, Field: "f", Interval: iv, MinDocCount: int64(at(10) % 2), Subs: sub},
		{Name: "dfixed", Kind: AggDateHistogram, Field: "f", FixedInterval: fixed, TimeZone: tz, Subs: sub, MinDocCount: int64(at(11) % 2)},
		{Name: "dcal", Kind: AggDateHistogram, Field: "f", CalendarInterval: cal, TimeZone: tz, MinDocCount: int64(at(11) / 2 % 2), Format: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX EEE a"},
		{Name: "range", Kind: AggRange, Field: "f", Ranges: []RangeSpec{{To: 0.0}, {From: 0.0, To: 1e300}}, Subs: sub},
		{Name: "drange", Kind: AggDateRange, Field: "f", TimeZone: tz, Ranges: []RangeSpec{{To: "now-1y/y"}, {From: "now/d"}}},
		{Name: "filter", Kind: AggFilter, Filter: MatchAll{}, Subs: sub},
		{Name: "filters", Kind: AggFilters, Filters: []NamedQuery{{Name: "a", Query: MatchAll{}}, {Query: MatchNone{}}}},
		{Name: "min", Kind: AggMin, Field: "f"},
		{Name: "max", Kind: AggMax, Field: "f", Missing: 1.5},
		{Name: "sum", Kind: AggSum, Field: "f"},
		{Name: "count", Kind: AggValueCount, Field: "f"},
		{Name: "stats", Kind: AggStats, Field: "f"},
	}
}

// fuzzDocs reads documents from b: each byte picks a field type and an
// odd value.
func fuzzDocs(b []byte) []*fakeDoc {
	var docs []*fakeDoc
	for i := 0; i+1 < len(b); i += 2 {
		d := &fakeDoc{part: int32(b[i] % 3), off: int64(i), score: oddFloats[int(b[i+1])%len(oddFloats)], fields: map[string][]FieldValue{}}
		n := int(b[i]>>2) % 4
		for j := range n {
			k := int(b[i+1]) + j
			var v FieldValue
			switch b[i] >> 6 {
			case 0:
				v = FieldValue{Type: Double, Float: oddFloats[k%len(oddFloats)]}
			case 1:
				v = FieldValue{Type: Long, Int: oddInts[k%len(oddInts)]}
			case 2:
				v = FieldValue{Type: Date, Int: oddInts[k%len(oddInts)]}
			default:
				v = FieldValue{Type: Keyword, Str: oddStrs[k%len(oddStrs)]}
			}
			v.Path = "f"
			d.fields["f"] = append(d.fields["f"], v)
		}
		d.filters = []bool{true, true, false}
		docs = append(docs, d)
	}
	return docs
}

func FuzzAggState(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, []byte{0, 1, 64, 2, 128, 3, 192, 4, 255, 255})
	f.Add([]byte{9, 3, 1, 1, 2, 0, 0, 0, 4, 1, 1}, []byte{4, 0, 4, 1, 4, 2, 68, 3, 132, 4, 196, 5})
	seed := make([]byte, 64)
	binary.LittleEndian.PutUint64(seed, 0xdeadbeefcafef00d)
	f.Add([]byte{11, 2, 5, 1, 3, 2, 1, 2, 3, 1, 0}, seed)
	f.Fuzz(func(t *testing.T, params, data []byte) {
		if len(data) > 4096 {
			return
		}
		aggs := fuzzAggs(params)
		docs := fuzzDocs(data)
		one, err := NewAggState(aggs, baseTime)
		if err != nil {
			t.Fatalf("NewAggState: %v", err)
		}
		parts := map[int32]*AggState{}
		for _, d := range docs {
			one.Collect(d)
			if parts[d.part] == nil {
				parts[d.part], _ = NewAggState(aggs, baseTime)
			}
			parts[d.part].Collect(d)
		}
		acc, _ := NewAggState(aggs, baseTime)
		for p := range int32(3) {
			if err := acc.Merge(parts[p]); err != nil {
				t.Fatalf("Merge: %v", err)
			}
		}
		r1, _ := one.Finish()
		r2, _ := acc.Finish()
		if len(r1) != len(aggs) || len(r2) != len(aggs) {
			t.Fatalf("%d and %d results for %d aggregations", len(r1), len(r2), len(aggs))
		}
		// The filter aggregation counts every document, in both.
		if r1[6].DocCount != int64(len(docs)) || r2[6].DocCount != int64(len(docs)) {
			t.Errorf("filter match_all counted %d and %d of %d", r1[6].DocCount, r2[6].DocCount, len(docs))
		}
	})
}
