package segmentlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// openFilesUnder counts this process's open descriptors of files under dir.
func openFilesUnder(t testing.TB, dir string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

// TestHandleCacheBound writes thousands of tiny segments over many
// partitions with a budget of 32 open segment files, reads everything back
// byte for byte (concurrently, across the whole key space), reopens the
// store and reads again: the descriptors open under the data directory
// never exceed the budget plus the WAL file, the lock file and the reads in
// flight.
func TestHandleCacheBound(t *testing.T) {
	const (
		budget     = 32
		partitions = 300
		batches    = 3000
		readers    = 4
	)
	cfg := testConfig(t)
	cfg.MaxOpenSegments = budget
	tiny := logstore.PartitionConfig{SegmentBytes: 300, SegmentMs: 1 << 40, RetentionMs: -1, RetentionBytes: -1}
	bound := budget + 2 + readers // + WAL + LOCK + one file per read in flight
	check := func(when string) {
		t.Helper()
		if n := openFilesUnder(t, cfg.Dir); n > bound {
			t.Fatalf("%s: %d files open under the data directory, want at most %d", when, n, bound)
		}
	}

	s := openStore(t, cfg)
	tps := make([]topic.Partition, partitions)
	for i := range tps {
		tps[i] = topic.Partition{Topic: fmt.Sprintf("t%03d", i/10), Index: int32(i % 10)}
		createPartition(t, s, tps[i], tiny)
	}
	check("after creating partitions")
	want := make(map[topic.Partition][][]byte)
	for i := range batches {
		tp := tps[i%partitions]
		b := makeBatch(t, uint64(i), 1, int64(i), 200)
		appendWait(t, s, tp, b) // the store wrote the base offset into b
		want[tp] = append(want[tp], b)
		if i%500 == 0 {
			check(fmt.Sprintf("after %d appends", i))
		}
	}
	check("after appending")
	if segs := s.Stats().Rolls; segs < batches-2*partitions {
		t.Fatalf("only %d rolls; the test wants thousands of segments", segs)
	}

	readBack := func(s *Store) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		for r := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := r; i < partitions; i += readers {
					tp := tps[i]
					for j, w := range want[tp] {
						got, err := s.Read(context.Background(), tp, int64(j), 1, true)
						if err != nil {
							errs <- fmt.Errorf("Read(%s, %d): %w", tp, j, err)
							return
						}
						if !bytes.Equal(got, w) {
							errs <- fmt.Errorf("Read(%s, %d): %d bytes differ from the %d appended", tp, j, len(got), len(w))
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		check("after reading back")
		if n := s.Stats().OpenSegmentFiles; n > budget {
			t.Fatalf("the cache holds %d files, budget %d", n, budget)
		}
	}
	readBack(s)
	closeStore(t, s)

	s = openStore(t, cfg)
	check("after reopening")
	if got := s.Stats().Recovery.Segments; got < batches-partitions {
		t.Fatalf("recovered %d segments", got)
	}
	readBack(s)
	// Still writable after all that: one more batch on every partition.
	for i, tp := range tps {
		appendWait(t, s, tp, makeBatch(t, uint64(batches+i), 1, 1, 200))
	}
	check("after appending again")
}

// TestHandleCacheEvictionSyncs: a segment file written through is fsynced
// before the cache closes it, so no unsynced data is left without an open
// descriptor; a failed fsync there poisons the store like any failed
// segment write.
func TestHandleCacheEvictionSyncs(t *testing.T) {
	cfg := Config{Dir: t.TempDir(), RetentionInterval: -1, MaxOpenSegments: minOpenSegments}
	fl := &faults{}
	var mu sync.Mutex
	syncs := map[string]int{}
	cfg.openFile = func(name string, flag int, perm os.FileMode) (file, error) {
		f, err := osOpen(name, flag, perm)
		if err != nil || !strings.HasSuffix(name, logSuffix) {
			return f, err
		}
		return &countingFile{file: &faultFile{file: f, faults: fl}, onSync: func() {
			mu.Lock()
			syncs[filepath.Base(filepath.Dir(name))]++
			mu.Unlock()
		}}, nil
	}
	s := openStore(t, cfg)
	tps := make([]topic.Partition, 2*minOpenSegments)
	for i := range tps {
		tps[i] = topic.Partition{Topic: "t", Index: int32(i)}
		createPartition(t, s, tps[i], unbounded)
	}
	// Every partition written once: the first ones are evicted, fsynced.
	for _, tp := range tps {
		appendWait(t, s, tp, makeBatch(t, 1, 1, 1, 100))
	}
	mu.Lock()
	first := syncs[partitionDirName(tps[0])]
	mu.Unlock()
	if first == 0 {
		t.Fatalf("the first partition's segment was closed without an fsync (syncs %v)", syncs)
	}
	if err := s.poisoned(); err != nil {
		t.Fatalf("poisoned: %v", err)
	}

	fl.mu.Lock()
	fl.failSync = true
	fl.mu.Unlock()
	// Writing the first partitions again evicts the last ones, written
	// and not fsynced since: their fsync fails.
	for _, tp := range tps[:minOpenSegments+1] {
		if _, d, err := s.Append(context.Background(), tp, makeBatch(t, 2, 1, 1, 100)); err == nil {
			_ = d.Wait(context.Background())
		}
	}
	if err := s.poisoned(); err == nil {
		t.Fatal("a failed fsync before closing a segment file did not poison the store")
	}
}

// countingFile calls onSync before each Sync.
type countingFile struct {
	file
	onSync func()
}

func (f *countingFile) Sync() error {
	f.onSync()
	return f.file.Sync()
}

// blockingFile holds Sync until release is closed, then fails it with err.
type blockingFile struct {
	file
	entered chan struct{}
	release chan struct{}
	err     error
}

func (f *blockingFile) Sync() error {
	close(f.entered)
	<-f.release
	return f.err
}

// TestHandleCacheCheckpointWaitsForEviction: a checkpoint (ifOpen) of a
// segment whose written file is being fsynced by an eviction waits for that
// fsync and reports its failure, instead of taking the closed file for a
// synced one.
func TestHandleCacheCheckpointWaitsForEviction(t *testing.T) {
	dir := t.TempDir()
	blocking := &blockingFile{entered: make(chan struct{}), release: make(chan struct{}), err: errInjected}
	var failed []error
	var mu sync.Mutex
	c := newHandleCache(minOpenSegments, func(name string, flag int, perm os.FileMode) (file, error) {
		f, err := osOpen(name, flag|os.O_CREATE, 0o600)
		if err != nil || filepath.Base(name) != baseName(0)+logSuffix {
			return f, err
		}
		blocking.file = f
		return blocking, nil
	}, false, func(err error) { mu.Lock(); failed = append(failed, err); mu.Unlock() })
	segs := make([]*segment, minOpenSegments+1)
	for i := range segs {
		segs[i] = newSegment(c, dir, int64(i), time.Now())
	}
	f, err := c.acquire(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("data"), 0); err != nil {
		t.Fatal(err)
	}
	c.release(segs[0], true)
	evicted := make(chan struct{})
	go func() { // opening one file too many evicts segment 0 and fsyncs it
		defer close(evicted)
		for _, sg := range segs[1:] {
			if _, err := c.acquire(sg); err != nil {
				t.Error(err)
				return
			}
			c.release(sg, false)
		}
	}()
	<-blocking.entered
	synced := make(chan error, 1)
	go func() { synced <- c.ifOpen(segs[0], func(file) error { return nil }) }()
	select {
	case err := <-synced:
		t.Fatalf("the checkpoint passed a segment whose fsync was still running (%v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(blocking.release)
	if err := <-synced; !errors.Is(err, errInjected) {
		t.Fatalf("checkpoint after a failed eviction fsync: %v", err)
	}
	<-evicted
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 1 || !errors.Is(failed[0], errInjected) {
		t.Fatalf("failures reported %v", failed)
	}
}
