package sql_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/columnar/duckcolumnar"
	"github.com/chronik-stream/chronik/adapters/compression/kafkacodec"
	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

// BenchmarkCatchUp measures how fast the indexing pipeline feeds the SQL
// sink (DuckDB, Parquet files sealed every 100,000 records) from a log of
// 200-byte JSON records: b.N records across 2 partitions, reported as
// records/s. It needs the duckdb_arrow tag (make sets it).
func BenchmarkCatchUp(b *testing.B) {
	engine, err := duckcolumnar.New(duckcolumnar.Config{Dirs: []string{b.TempDir()}})
	if err != nil {
		b.Skip(err)
	}
	defer engine.Close()
	logs := memlog.New()
	defer logs.Close()
	events := topic.Topic{Name: "events", ID: topic.ID{1}, Partitions: 2, Configs: map[string]string{"columnar.enabled": "true"}}
	cfg := logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: -1, LocalRetentionMs: -2, LocalRetentionBytes: -2}
	for n := range events.Partitions {
		if err := logs.CreatePartition(context.Background(), topic.Partition{Topic: "events", Index: n}, events.ID, cfg); err != nil {
			b.Fatal(err)
		}
	}
	const perBatch = 500
	values := make([][]byte, perBatch)
	for i := 0; i < b.N; i += perBatch {
		for j := range values {
			k := i + j
			values[j] = fmt.Appendf(values[j][:0], `{"id":%d,"user":"user-%06d","kind":"click","score":%d.5,"ok":true,"tags":["a","b"],"note":"%0*d"}`, k, k%100000, k%1000, 60, k)
		}
		tp := topic.Partition{Topic: "events", Index: int32(i / perBatch % 2)}
		if _, _, err := logs.Append(context.Background(), tp, logstoretest.MakeBatchValues(time.Now().UnixMilli(), -1, -1, -1, values...)); err != nil {
			b.Fatal(err)
		}
	}
	var total int64
	for n := range events.Partitions {
		offs, _ := logs.Offsets(topic.Partition{Topic: "events", Index: n})
		total += offs.HighWatermark
	}
	f := &fixture{meta: memmeta.New(), bucket: memstore.New(), topics: &topicList{topics: []topic.Topic{events}}}
	s, err := sql.New(context.Background(), sql.Config{CacheDir: b.TempDir()}, engine, f.bucket, f.meta, f.topics, clock.System{}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	p := indexing.New(indexing.Config{Tick: 10 * time.Millisecond}, logs, f.topics, f.meta, kafkacodec.New(), nil, nil, []indexing.Sink{s}, clock.System{}, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	go func() { defer close(done); p.Run(ctx) }()
	for {
		var indexed int64
		for _, st := range p.Stats() {
			indexed += st.Indexed
		}
		if indexed >= total {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed, used := time.Since(start), cpuTime()-cpu
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(total)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(used)/float64(total), "cpu-ns/record")
}

// cpuTime is the CPU time the process has used (user and system), which
// a shared machine disturbs less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
