package segmentlog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/topic"
)

// BenchmarkReadHot reads 1 KiB batches at random offsets of one partition
// from parallel readers: the cost of a Read whose segment file is open
// (the handle cache's hit path).
//
//	go test -run '^$' -bench ReadHot -benchtime 200000x ./adapters/logstore/segmentlog/
func BenchmarkReadHot(b *testing.B) {
	const batches = 2000
	cfg := Config{Dir: b.TempDir(), NoSync: true, RetentionInterval: -1}
	s := openStore(b, cfg)
	createPartition(b, s, tp0, unbounded)
	for i := range batches {
		appendWait(b, s, tp0, makeBatch(b, uint64(i), 1, 1, 1024))
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if _, err := s.Read(context.Background(), tp0, rng.Int64N(batches), 1024, true); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAppendNoSync appends 1 KiB batches from 16 writers to 16
// partitions without fsync: the committer and applier path, where the
// applier now takes each active segment's file from the handle cache.
//
//	go test -run '^$' -bench AppendNoSync -benchtime 100000x ./adapters/logstore/segmentlog/
func BenchmarkAppendNoSync(b *testing.B) {
	const writers = 16
	cfg := Config{Dir: b.TempDir(), NoSync: true, RetentionInterval: -1}
	s := openStore(b, cfg)
	tps := make([]topic.Partition, writers)
	for i := range tps {
		tps[i] = topic.Partition{Topic: fmt.Sprintf("w%d", i), Index: 0}
		createPartition(b, s, tps[i], unbounded)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / writers
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := makeBatch(b, uint64(w), 1, 1, 1024)
			for range per {
				_, d, err := s.Append(context.Background(), tps[w], batch)
				if err == nil {
					err = d.Wait(context.Background())
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
