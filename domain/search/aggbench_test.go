package search

import (
	"slices"
	"testing"
)

// BenchmarkTermsCollect: a terms aggregation (size 10, with an avg) over
// documents of 20 tags, per document collected.
func BenchmarkTermsCollect(b *testing.B) {
	docs := corpus(21, 100_000, 8)
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "tag",
		Subs: []Aggregation{{Name: "a", Kind: AggAvg, Field: "n"}}}}
	s, _ := NewAggState(aggs, baseTime)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Collect(docs[i%len(docs)])
	}
}

// BenchmarkDateHistogramCollect: a date_histogram by day in a zone with
// DST, per document collected, in time order (as a partition's offsets
// mostly are) and in random order.
func BenchmarkDateHistogramCollect(b *testing.B) {
	b.Run("time_order", func(b *testing.B) {
		docs := corpus(22, 100_000, 8)
		var ts []int64
		for _, d := range docs {
			ts = append(ts, d.fields["ts"][0].Int)
		}
		slices.Sort(ts)
		for i, d := range docs {
			d.fields["ts"][0].Int = ts[i]
		}
		benchDateHistogram(b, docs)
	})
	b.Run("random_order", func(b *testing.B) { benchDateHistogram(b, corpus(22, 100_000, 8)) })
}

func benchDateHistogram(b *testing.B, docs []*fakeDoc) {
	aggs := []Aggregation{{Name: "h", Kind: AggDateHistogram, Field: "ts", CalendarInterval: "day", TimeZone: "Europe/Berlin"}}
	s, _ := NewAggState(aggs, baseTime)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Collect(docs[i%len(docs)])
	}
}

// BenchmarkMergeAndFinish: 16 partitions' states of a terms aggregation
// over 20,000 distinct users (trimmed to shard_size when merged).
func BenchmarkMergeAndFinish(b *testing.B) {
	docs := corpus(23, 160_000, 16)
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "user", Size: 10}}
	byPart := map[int32][]*fakeDoc{}
	for _, d := range docs {
		byPart[d.part] = append(byPart[d.part], d)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var states []*AggState
		for p := range int32(16) {
			states = append(states, stateOf(b, aggs, byPart[p]))
		}
		b.StartTimer()
		acc, _ := NewAggState(aggs, baseTime)
		for _, s := range states {
			if err := acc.Merge(s); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := acc.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}
