package textsearch_test

import (
	"context"
	"math/rand/v2"
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
	pool := make([][]document.Document, 10)
	for i := range pool {
		pool[i] = make([]document.Document, batch)
		for k := range pool[i] {
			pool[i][k] = benchLogLine(r, 0, int64(i*batch+k))
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
