package esdsl

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
)

const benchBody = `{"query":{"bool":{"must":[{"match":{"msg":{"query":"disk full","operator":"and"}}}],
	"filter":[{"range":{"ts":{"gte":"now-1h"}}},{"terms":{"level":["error","warn"]}}]}},
	"size":20,"sort":[{"ts":"desc"},"_score"],"_source":["msg","level","ts"],"highlight":{"fields":{"msg":{}}},
	"aggs":{"levels":{"terms":{"field":"level"},"aggs":{"p":{"percentiles":{"field":"ms"}}}},
	"per_min":{"date_histogram":{"field":"ts","fixed_interval":"1m"}}}}`

func BenchmarkParseSearch(b *testing.B) {
	body := []byte(benchBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSearch(body, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTermsQuery reads a terms query at MaxTermsCount values:
// the memory a large flat body costs.
func BenchmarkParseTermsQuery(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"query":{"terms":{"id":[`)
	for i := 0; i < MaxTermsCount; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"user-%06d"`, i)
	}
	sb.WriteString(`]}}}`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSearch(body, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteSearch(b *testing.B) {
	req, perr := ParseSearch([]byte(benchBody), nil, Options{})
	if perr != nil {
		b.Fatal(perr)
	}
	src := []byte(`{"msg":"` + strings.Repeat("disk full on /dev/sda1 ", 20) + `","level":"error","ts":"2026-12-08T00:00:00Z"}`)
	res := &search.Result{Total: search.Total{Value: 12345, Relation: search.Exact}, MaxScore: 3.2,
		Watermarks: map[string]map[int32]int64{"logs": {0: 1000, 1: 2000, 2: 3000}}}
	for i := 0; i < 20; i++ {
		res.Hits = append(res.Hits, search.Hit{Index: "logs", Partition: int32(i % 3), Offset: int64(i), Score: math.NaN(), Source: src,
			Sort: []search.Scalar{int64(1765152000000 - i), 1.0}, Highlight: map[string][]string{"msg": {"<em>disk</em> <em>full</em>"}}})
	}
	v := 5.0
	levels := search.AggResult{Name: "levels", Kind: search.AggTerms}
	for i := 0; i < 10; i++ {
		levels.Buckets = append(levels.Buckets, search.Bucket{Key: fmt.Sprint("l", i), DocCount: int64(100 - i),
			Subs: []search.AggResult{{Name: "p", Kind: search.AggPercentiles, Percentiles: []search.Percentile{{Percent: 50, Value: &v}, {Percent: 99, Value: &v}}}}})
	}
	hist := search.AggResult{Name: "per_min", Kind: search.AggDateHistogram}
	for i := 0; i < 60; i++ {
		hist.Buckets = append(hist.Buckets, search.Bucket{Key: int64(1765152000000 + i*60000), DocCount: int64(i)})
	}
	res.Aggs = []search.AggResult{levels, hist}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := WriteSearch(res, req, ResponseOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}
