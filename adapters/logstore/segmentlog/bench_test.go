package segmentlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/topic"
)

// BenchmarkAppend measures acknowledged appends (Append, then Wait) from
// concurrent writers with real fsyncs, against a baseline that writes and
// fsyncs every request on its own, as a simple broker without group commit
// would. It reports fsyncs per append and the p50/p99 ack latency.
//
//	go test -run '^$' -bench Append -benchtime 2000x ./adapters/logstore/segmentlog/
func BenchmarkAppend(b *testing.B) {
	const batchSize = 1024
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("group_commit/writers=%d", writers), func(b *testing.B) {
			cfg := Config{Dir: b.TempDir(), RetentionInterval: -1, MaxBatchDelay: 10 * time.Millisecond}
			s := openStore(b, cfg)
			createPartition(b, s, tp0, unbounded)
			batches := make([][]byte, writers)
			for w := range batches {
				batches[w] = makeBatch(b, uint64(w), 1, 1, batchSize)
			}
			lat := runWriters(b, writers, func(w int) error {
				_, d, err := s.Append(context.Background(), tp0, slices.Clone(batches[w]))
				if err != nil {
					return err
				}
				return d.Wait(context.Background())
			})
			st := s.Stats()
			b.ReportMetric(float64(st.Fsyncs)/float64(st.Appends), "fsyncs/op")
			reportLatency(b, lat)
		})
		b.Run(fmt.Sprintf("fsync_per_request/writers=%d", writers), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = f.Close() })
			var mu sync.Mutex
			batch := makeBatch(b, 1, 1, 1, batchSize+29) // the same bytes as a framed WAL record
			lat := runWriters(b, writers, func(int) error {
				mu.Lock()
				defer mu.Unlock()
				if _, err := f.Write(batch); err != nil {
					return err
				}
				return f.Sync()
			})
			b.ReportMetric(1, "fsyncs/op")
			reportLatency(b, lat)
		})
	}
}

// runWriters runs b.N calls of op spread over writers goroutines and
// returns each call's latency.
func runWriters(b *testing.B, writers int, op func(w int) error) []time.Duration {
	b.Helper()
	lats := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		wg.Go(func() {
			for range n {
				start := time.Now()
				if err := op(w); err != nil {
					b.Error(err)
					return
				}
				lats[w] = append(lats[w], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	return slices.Concat(lats...)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
}

// BenchmarkAppendRotation measures acknowledged appends of 64 KiB batches
// from 16 writers to 16 partitions across several WAL rotations, and
// reports the ack latency tail (p99, p999, max), where checkpoints (segment
// fsyncs, WAL file deletion) show up as stalls of the WAL fsyncs. b.N
// appends of 64 KiB: use -benchtime 10000x for ~650 MB.
//
//	go test -run '^$' -bench AppendRotation -benchtime 10000x ./adapters/logstore/segmentlog/
func BenchmarkAppendRotation(b *testing.B) {
	const (
		writers   = 16
		batchSize = 64 << 10
	)
	for _, rotation := range []int64{64 << 20, 250 << 20} {
		b.Run(fmt.Sprintf("rotation=%dMB", rotation>>20), func(b *testing.B) {
			cfg := Config{Dir: b.TempDir(), RetentionInterval: -1, MaxBatchDelay: 10 * time.Millisecond, WALRotationBytes: rotation}
			s := openStore(b, cfg)
			parts := make([]topic.Partition, writers)
			batches := make([][]byte, writers)
			for w := range writers {
				parts[w] = topic.Partition{Topic: "bench", Index: int32(w)}
				createPartition(b, s, parts[w], unbounded)
				batches[w] = makeBatch(b, uint64(w), 64, 1, batchSize)
			}
			b.SetBytes(batchSize)
			lat := runWriters(b, writers, func(w int) error {
				_, d, err := s.Append(context.Background(), parts[w], slices.Clone(batches[w]))
				if err != nil {
					return err
				}
				return d.Wait(context.Background())
			})
			st := s.Stats()
			b.ReportMetric(float64(st.Checkpoints), "checkpoints")
			reportLatency(b, lat)
			slices.Sort(lat)
			b.ReportMetric(float64(lat[int(0.999*float64(len(lat)-1))].Microseconds())/1000, "p999_ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
		})
	}
}
