package bleveindex

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// The benchmarks index 500-byte JSON log lines as the indexing pipeline
// would hand them over (batches of benchBatch, dynamic mapping with a
// keyword sub-field for short strings).

// benchBatch is the documents of one Add (CHRONIK_BENCH_BATCH).
var benchBatch = func() int {
	if n, err := strconv.Atoi(os.Getenv("CHRONIK_BENCH_BATCH")); err == nil && n > 0 {
		return n
	}
	return 1000
}()

var benchWords = func() []string {
	r := rand.New(rand.NewPCG(1, 2))
	w := []string{"error", "timeout", "connection", "refused", "request", "served", "cache", "miss", "retry", "user", "login", "failed", "payment", "order"}
	for len(w) < 2000 {
		n := 3 + r.IntN(7)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		w = append(w, string(b))
	}
	return w
}()

func benchMapping() search.Mapping {
	f := func(t search.FieldType) search.FieldMapping { return search.FieldMapping{Type: t, Index: true} }
	return search.Mapping{Fields: map[string]search.FieldMapping{
		"ts": f(search.Date), "level": f(search.Keyword), "service": f(search.Keyword), "host": f(search.Keyword),
		"msg": f(search.Text), "msg.keyword": f(search.Keyword), "trace_id": f(search.Keyword), "path": f(search.Keyword),
		"user_id": f(search.Long), "latency_ms": f(search.Double), "status": f(search.Long),
		search.FieldPartition: f(search.Long), search.FieldOffset: f(search.Long), search.FieldTimestamp: f(search.Date), search.FieldKey: f(search.Keyword),
	}}
}

// benchDoc is one log line of about 500 bytes of JSON.
func benchDoc(r *rand.Rand, off int64) search.Doc {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(off) * time.Millisecond * 50).UnixMilli()
	var b strings.Builder
	for b.Len() < 220 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		// a Zipf-like choice: a few words are frequent
		k := int(float64(len(benchWords)) * r.Float64() * r.Float64() * r.Float64())
		b.WriteString(benchWords[k])
	}
	msg := b.String()
	level := []string{"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"}[r.IntN(6)]
	service := fmt.Sprintf("svc-%02d", r.IntN(40))
	host := fmt.Sprintf("host-%03d", r.IntN(300))
	trace := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	path := fmt.Sprintf("/api/v1/%s/%d", benchWords[r.IntN(50)], r.IntN(1000))
	user := int64(r.IntN(100000))
	lat := float64(r.IntN(500000)) / 100
	status := []int64{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)]
	src, _ := json.Marshal(map[string]any{"ts": time.UnixMilli(ts).UTC().Format(time.RFC3339Nano), "level": level, "service": service,
		"host": host, "msg": msg, "trace_id": trace, "path": path, "user_id": user, "latency_ms": lat, "status": status})
	fs := []search.FieldValue{
		{Path: "ts", Type: search.Date, Int: ts}, {Path: "level", Type: search.Keyword, Str: level},
		{Path: "service", Type: search.Keyword, Str: service}, {Path: "host", Type: search.Keyword, Str: host},
		{Path: "msg", Type: search.Text, Str: msg}, {Path: "msg.keyword", Type: search.Keyword, Str: msg},
		{Path: "trace_id", Type: search.Keyword, Str: trace}, {Path: "path", Type: search.Keyword, Str: path},
		{Path: "user_id", Type: search.Long, Int: user}, {Path: "latency_ms", Type: search.Double, Float: lat},
		{Path: "status", Type: search.Long, Int: status},
		{Path: search.FieldPartition, Type: search.Long}, {Path: search.FieldOffset, Type: search.Long, Int: off},
		{Path: search.FieldTimestamp, Type: search.Date, Int: ts}, {Path: search.FieldKey, Type: search.Keyword, Str: strconv.FormatInt(user, 10)},
	}
	return search.Doc{Partition: 0, Offset: off, Fields: fs, Source: src}
}

func benchBatches(r *rand.Rand, from int64, n int) []search.Doc {
	docs := make([]search.Doc, n)
	for i := range docs {
		docs[i] = benchDoc(r, from+int64(i))
	}
	return docs
}

// BenchmarkIndexRate adds batches of log lines; docs/s is the rate.
func BenchmarkIndexRate(b *testing.B) {
	ctx := context.Background()
	ix, err := New().Open(ctx, filepath.Join(b.TempDir(), "i"), textindex.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	r := rand.New(rand.NewPCG(3, 4))
	m := benchMapping()
	pre := make([][]search.Doc, 20)
	for i := range pre {
		pre[i] = benchBatches(r, int64(i*benchBatch), benchBatch)
	}
	bytes := 0
	for _, d := range pre[0] {
		bytes += len(d.Source)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		docs := pre[i%len(pre)]
		for k := range docs {
			docs[k].Offset = int64(i*benchBatch + k)
		}
		if err := ix.Add(ctx, docs, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := ix.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*benchBatch), "cpu_ns/doc")
	b.ReportMetric(float64(bytes)/float64(benchBatch), "source_bytes/doc")
}

// cpuTime is the CPU time (user and system) the process used so far:
// every goroutine's, bleve's analysis workers, persister and merger too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSearch1M builds (or reuses, with CHRONIK_BENCH_INDEX) an
// index of CHRONIK_BENCH_DOCS (1,000,000) log lines, then reports the
// p50 and p99 latency of a match query (top 10 by score, exact total
// and track_total_hits 10,000) and of a terms aggregation (size 10 per
// service) over every document and over a match; with
// CHRONIK_BENCH_FEED set, also of the per-document aggregation feed.
func BenchmarkSearch1M(b *testing.B) {
	ctx := context.Background()
	n := 1_000_000
	if s := os.Getenv("CHRONIK_BENCH_DOCS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := os.Getenv("CHRONIK_BENCH_INDEX")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "i")
	}
	i, err := New().Open(ctx, dir, textindex.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer i.Close()
	ix := i.(*Index)
	m := benchMapping()
	have, _ := ix.Count()
	if have < int64(n) {
		start := time.Now()
		r := rand.New(rand.NewPCG(5, 6))
		for off := int(have); off < n; off += benchBatch {
			if err := ix.Add(ctx, benchBatches(r, int64(off), min(benchBatch, n-off)), m); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("indexed %d docs in %v (%.0f docs/s)", n-int(have), time.Since(start), float64(n-int(have))/time.Since(start).Seconds())
	}
	measure := func(b *testing.B, fn func() error) {
		var lat []time.Duration
		b.ResetTimer()
		for k := 0; k < b.N; k++ {
			t0 := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99_ms")
	}
	words := []string{"error", "timeout", "connection", "payment", benchWords[100], benchWords[1500]}
	b.Run("match", func(b *testing.B) {
		k := 0
		measure(b, func() error {
			k++
			_, err := ix.Search(ctx, search.Request{Query: search.Match{Field: "msg", Text: words[k%len(words)]}, Size: 10, TrackTotalHits: -1}, m)
			return err
		})
	})
	b.Run("match_track_10000", func(b *testing.B) {
		k := 0
		measure(b, func() error {
			k++
			_, err := ix.Search(ctx, search.Request{Query: search.Match{Field: "msg", Text: words[k%len(words)]}, Size: 10, TrackTotalHits: search.DefaultTrackTotalHits}, m)
			return err
		})
	})
	// ranges: over dates (a quarter of the documents' time span, at a
	// moving start) and doubles; exact totals
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	span := int64(n) * 50
	b.Run("range_date", func(b *testing.B) {
		k := int64(0)
		measure(b, func() error {
			k++
			from := t0 + (k*7919)%(span*3/4)
			_, err := ix.Search(ctx, search.Request{Query: search.Range{Field: "ts", GTE: from, LT: from + span/4}, Size: 10, TrackTotalHits: -1}, m)
			return err
		})
	})
	b.Run("range_double", func(b *testing.B) {
		k := 0
		measure(b, func() error {
			k++
			lo := float64(k%40) * 100.5
			_, err := ix.Search(ctx, search.Request{Query: search.Range{Field: "latency_ms", GTE: lo, LT: lo + 250.25}, Size: 10, TrackTotalHits: -1}, m)
			return err
		})
	})
	terms := []search.Aggregation{{Name: "by_service", Kind: search.AggTerms, Field: "service", Size: 10}}
	buckets := func(a textindex.Answer, err error) error {
		if err != nil {
			return err
		}
		if r := a.Partial.Results(); len(r) != 1 || len(r[0].Buckets) != 10 {
			return fmt.Errorf("aggregations %+v", r)
		}
		return nil
	}
	b.Run("terms_agg_all_docs", func(b *testing.B) {
		measure(b, func() error {
			return buckets(ix.Search(ctx, search.Request{Query: search.MatchAll{}, TrackTotalHits: search.DefaultTrackTotalHits, Aggs: terms}, m))
		})
	})
	b.Run("terms_agg_match", func(b *testing.B) {
		measure(b, func() error {
			return buckets(ix.Search(ctx, search.Request{Query: search.Match{Field: "msg", Text: "error"}, TrackTotalHits: search.DefaultTrackTotalHits, Aggs: terms}, m))
		})
	})
	// the per-document feed other aggregations take (and terms took)
	if os.Getenv("CHRONIK_BENCH_FEED") != "" {
		b.Run("terms_feed_all_docs", func(b *testing.B) {
			measure(b, func() error {
				counts := map[string]int{}
				err := termsFeed(ctx, ix, search.MatchAll{}, "service", m, counts)
				if err == nil && len(counts) == 0 {
					err = fmt.Errorf("no buckets")
				}
				return err
			})
		})
	}
}

// termsFeed counts the documents q matches per value of a keyword field
// through the aggregation feed Search uses.
func termsFeed(ctx context.Context, ix *Index, q search.Query, field string, m search.Mapping, counts map[string]int) error {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return err
	}
	reader, err := adv.Reader()
	if err != nil {
		return err
	}
	defer reader.Close()
	tr := &translator{ix: ix, reader: reader, mapping: m}
	bq, err := tr.translate(q)
	if err != nil {
		return err
	}
	return ix.collect(ctx, tr, reader, bq, []string{field}, nil, m, func(dv search.DocValues) {
		for _, v := range dv.Values(field) {
			counts[v.Str]++
		}
	})
}
