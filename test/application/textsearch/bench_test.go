package textsearch_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/metastore/pebblemeta"
	"github.com/chronik-stream/chronik/adapters/objstore/filestore"
	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
)

// BenchmarkSearchService1M searches CHRONIK_BENCH_DOCS (1,000,000) log
// lines of about 500 bytes in a topic of two partitions, through the
// use case: the fan-out over partitions and their sealed indexes (bleve,
// sealed every CHRONIK_BENCH_SEAL_DOCS, 250,000, documents), the merge.
// It reports p50 and p99 of a match query (top 10 by score,
// track_total_hits 10,000) and of a terms aggregation (size 10 over a
// keyword field) over every document and over a match.
//
// Building the indexes takes minutes: with CHRONIK_BENCH_SEARCH_DIR set,
// the bucket, metadata and local indexes are kept there and reused by
// the next run (which goes on from the sealed indexes of a run stopped
// half way; a directory of more documents is refused). Indexes are
// sealed by their document count (SealAge is an hour: the rate the
// issue targets fills a piece in seconds).
func BenchmarkSearchService1M(b *testing.B) {
	ctx := context.Background()
	n := envInt("CHRONIK_BENCH_DOCS", 1_000_000)
	sealDocs := envInt("CHRONIK_BENCH_SEAL_DOCS", 250_000)
	dir := os.Getenv("CHRONIK_BENCH_SEARCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	meta, err := pebblemeta.Open(filepath.Join(dir, "meta"), quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer meta.Close()
	bucket, err := filestore.New(filepath.Join(dir, "bucket"))
	if err != nil {
		b.Fatal(err)
	}
	t := topic.Topic{Name: "logs", ID: topic.ID{0: 9, 15: 2}, Partitions: 2, Configs: map[string]string{"search.enabled": "true"}}
	topics := &topicList{topics: []topic.Topic{t}}
	s, err := textsearch.New(ctx, textsearch.Config{Dir: filepath.Join(dir, "local"), SealDocs: int64(sealDocs), SealAge: time.Hour, CacheBytes: 64 << 30, Timeout: 5 * time.Minute},
		bleveindex.New(), bucket, meta, topics, clock.System{}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	infos, err := s.Indexes(ctx, "logs")
	if err != nil {
		b.Fatal(err)
	}
	if have := infos[0].Docs; have < int64(n) {
		// a run stopped half way left sealed indexes: go on from them
		res, err := s.Search(ctx, "logs", search.Request{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		buildLogs(b, s, t, n, res.Watermarks["logs"])
		b.Logf("indexed %d docs in %v", int64(n)-have, time.Since(start))
	} else if have > int64(n) {
		b.Fatalf("%s holds %d documents, more than %d: remove it", dir, have, n)
	}
	measure := func(b *testing.B, req search.Request, check func(search.Result) error) {
		var lat []time.Duration
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			res, err := s.Search(ctx, "logs", req)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
			if err := check(res); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99_ms")
	}
	hits := func(res search.Result) error {
		if len(res.Hits) != 10 || res.Total.Value == 0 || res.TimedOut {
			return fmt.Errorf("%d hits, total %+v, timed out %v", len(res.Hits), res.Total, res.TimedOut)
		}
		return nil
	}
	buckets := func(res search.Result) error {
		if len(res.Aggs) != 1 || len(res.Aggs[0].Buckets) != 10 || res.TimedOut {
			return fmt.Errorf("aggregations %+v, timed out %v", res.Aggs, res.TimedOut)
		}
		return nil
	}
	terms := []search.Aggregation{{Name: "by_service", Kind: search.AggTerms, Field: "service.keyword", Size: 10}}
	for _, w := range []string{"error", "payment", benchLogWords[100]} {
		b.Run("match_"+w, func(b *testing.B) {
			measure(b, search.Request{Query: search.Match{Field: "msg", Text: w}, Size: 10, TrackTotalHits: search.DefaultTrackTotalHits}, hits)
		})
	}
	b.Run("terms_all_docs", func(b *testing.B) {
		measure(b, search.Request{Query: search.MatchAll{}, TrackTotalHits: search.DefaultTrackTotalHits, Aggs: terms}, buckets)
	})
	b.Run("terms_match_error", func(b *testing.B) {
		measure(b, search.Request{Query: search.Match{Field: "msg", Text: "error"}, TrackTotalHits: search.DefaultTrackTotalHits, Aggs: terms}, buckets)
	})
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// buildLogs indexes n log lines, half in each partition (both at once),
// each from its offset in from, and seals every index.
func buildLogs(b *testing.B, s *textsearch.Service, t topic.Topic, n int, from map[int32]int64) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, t.Partitions)
	for p := range t.Partitions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[p] = func() error {
				tp := topic.Partition{Topic: t.Name, Index: p}
				if err := s.Open(ctx, tp, t.ID, from[p]); err != nil {
					return err
				}
				r := rand.New(rand.NewPCG(uint64(p), uint64(77+from[p])))
				per := int64(n / int(t.Partitions))
				for at := from[p]; at < per; at += 1000 {
					to := min(at+1000, per)
					docs := make([]document.Document, 0, to-at)
					for o := at; o < to; o++ {
						docs = append(docs, benchLogLine(r, p, o))
					}
					if err := s.Index(ctx, tp, docs, to); err != nil {
						return err
					}
					if _, err := s.Flush(ctx, tp, false); err != nil {
						return err
					}
				}
				_, err := s.Flush(ctx, tp, true)
				return err
			}()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

var benchLogWords = func() []string {
	r := rand.New(rand.NewPCG(1, 2))
	w := []string{"error", "timeout", "connection", "refused", "request", "served", "cache", "miss", "retry", "user", "login", "failed", "payment", "order"}
	for len(w) < 2000 {
		b := make([]byte, 3+r.IntN(7))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		w = append(w, string(b))
	}
	return w
}()

// benchLogLine is a JSON log line of about 500 bytes (as bleveindex's
// own benchmark makes them): a message of words picked Zipf-like, a
// level, one of 40 services, one of 300 hosts, a trace id, a path, and
// numbers.
func benchLogLine(r *rand.Rand, p int32, off int64) document.Document {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(off) * 50 * time.Millisecond)
	var sb strings.Builder
	for sb.Len() < 220 {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(benchLogWords[int(float64(len(benchLogWords))*r.Float64()*r.Float64()*r.Float64())])
	}
	fields := document.Object{
		{Name: "ts", Value: ts.Format(time.RFC3339Nano)},
		{Name: "level", Value: []string{"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"}[r.IntN(6)]},
		{Name: "service", Value: fmt.Sprintf("svc-%02d", r.IntN(40))},
		{Name: "host", Value: fmt.Sprintf("host-%03d", r.IntN(300))},
		{Name: "msg", Value: sb.String()},
		{Name: "trace_id", Value: fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())},
		{Name: "path", Value: fmt.Sprintf("/api/v1/%s/%d", benchLogWords[r.IntN(50)], r.IntN(1000))},
		{Name: "user_id", Value: int64(r.IntN(100000))},
		{Name: "latency_ms", Value: float64(r.IntN(500000)) / 100},
		{Name: "status", Value: []int64{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)]},
	}
	var vb strings.Builder
	vb.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			vb.WriteByte(',')
		}
		switch v := f.Value.(type) {
		case string:
			fmt.Fprintf(&vb, "%q:%q", f.Name, v)
		default:
			fmt.Fprintf(&vb, "%q:%v", f.Name, v)
		}
	}
	vb.WriteByte('}')
	return document.Document{Partition: p, Offset: off, Timestamp: ts.UnixMilli(), Value: []byte(vb.String()), Kind: document.JSON, Fields: fields}
}
