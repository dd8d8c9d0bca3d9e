package textsearch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// logLine is a JSON log line of about 500 bytes, decoded as the indexing
// pipeline decodes a record's value.
func logLine(r *rand.Rand, words []string, off int64) document.Document {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(off) * 50 * time.Millisecond)
	var msg strings.Builder
	for msg.Len() < 220 {
		if msg.Len() > 0 {
			msg.WriteByte(' ')
		}
		msg.WriteString(words[int(float64(len(words))*r.Float64()*r.Float64()*r.Float64())]) // a few words are frequent
	}
	v, _ := json.Marshal(map[string]any{
		"ts": ts.Format(time.RFC3339Nano), "level": []string{"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"}[r.IntN(6)],
		"service": fmt.Sprintf("svc-%02d", r.IntN(40)), "host": fmt.Sprintf("host-%03d", r.IntN(300)), "msg": msg.String(),
		"trace_id": fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()), "path": fmt.Sprintf("/api/v1/%s/%d", words[r.IntN(50)], r.IntN(1000)),
		"user_id": r.IntN(100000), "latency_ms": float64(r.IntN(500000)) / 100, "status": []int{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)],
	})
	fields, err := document.ParseJSONObject(v)
	if err != nil {
		panic(err)
	}
	return document.Document{Offset: off, Timestamp: ts.UnixMilli(), Value: v, Kind: document.JSON, Fields: fields}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSinkIndexRate feeds the text sink (on bleve) as the indexing
// pipeline does: one partition, Index with CHRONIK_BENCH_BATCH (2,000:
// about the 1 MiB the pipeline reads a step) decoded JSON log lines, then
// Flush, which seals every CHRONIK_BENCH_SEAL_DOCS (50,000) documents
// (commit, pack, upload to an in-memory bucket, manifest); the last
// seal is forced and timed. The mapping is learnt from the documents
// (dynamic mapping: msg is text with a keyword sub-field, ts a date).
// docs/s is the rate, cpu_ns/doc the process's CPU time per document
// (bleve's background persister and merger included).
func BenchmarkSinkIndexRate(b *testing.B) {
	ctx := context.Background()
	batch := envInt("CHRONIK_BENCH_BATCH", 2000)
	logs := topic.Topic{Name: "logs", ID: topic.ID{0: 9, 15: 2}, Partitions: 1, Configs: map[string]string{"search.enabled": "true"}}
	s, err := textsearch.New(ctx, textsearch.Config{Dir: b.TempDir(), SealDocs: int64(envInt("CHRONIK_BENCH_SEAL_DOCS", 50_000))},
		bleveindex.New(), memstore.New(), memmeta.New(), &topicList{topics: []topic.Topic{logs}}, clock.System{}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tp := topic.Partition{Topic: "logs", Index: 0}
	if err := s.Open(ctx, tp, logs.ID, 0); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	words := []string{"error", "timeout", "connection", "refused", "request", "served", "cache", "miss", "retry", "user", "login", "failed", "payment", "order"}
	for len(words) < 2000 {
		w := make([]byte, 3+r.IntN(7))
		for i := range w {
			w[i] = byte('a' + r.IntN(26))
		}
		words = append(words, string(w))
	}
	pool := make([][]document.Document, 10)
	for i := range pool {
		pool[i] = make([]document.Document, batch)
		for k := range pool[i] {
			pool[i][k] = logLine(r, words, int64(i*batch+k))
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	next := int64(0)
	for i := 0; i < b.N; i++ {
		docs := pool[i%len(pool)]
		for k := range docs {
			docs[k].Offset = next + int64(k)
		}
		next += int64(len(docs))
		if err := s.Index(ctx, tp, docs, next); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Flush(ctx, tp, false); err != nil {
			b.Fatal(err)
		}
	}
	durable, err := s.Flush(ctx, tp, true)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if durable != next {
		b.Fatalf("durable up to %d, indexed up to %d", durable, next)
	}
	res, err := s.Search(ctx, "logs", search.Request{Query: search.MatchAll{}, TrackTotalHits: -1})
	if err != nil {
		b.Fatal(err)
	}
	if res.Total.Value != next {
		b.Fatalf("%d documents found, %d indexed", res.Total.Value, next)
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(next), "cpu_ns/doc")
}
