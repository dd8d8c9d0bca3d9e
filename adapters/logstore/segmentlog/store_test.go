package segmentlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

func TestAppendReadRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		records []int // records per batch
		size    int   // bytes per batch
	}{
		{name: "one_batch_one_record", records: []int{1}, size: 100},
		{name: "many_single_record_batches", records: []int{1, 1, 1, 1, 1, 1, 1, 1}, size: 200},
		{name: "multi_record_batches", records: []int{5, 1, 17, 3}, size: 700},
		{name: "large_batches", records: []int{10, 10, 10}, size: 20000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, testConfig(t))
			createPartition(t, s, tp0, unbounded)
			var want []stored
			next := int64(0)
			for i, n := range tt.records {
				b := makeBatch(t, uint64(i), n, int64(1000+i), tt.size)
				orig := bytes.Clone(b)
				off := appendWait(t, s, tp0, b)
				if off != next {
					t.Fatalf("batch %d: base offset %d, want %d", i, off, next)
				}
				record.SetBaseOffset(orig, off)
				want = append(want, stored{base: off, next: off + int64(n), id: uint64(i), bytes: orig})
				next += int64(n)
			}
			got := readAll(t, s, tp0, 0)
			if len(got) != len(want) {
				t.Fatalf("read %d batches, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i].bytes, want[i].bytes) || got[i].base != want[i].base {
					t.Errorf("batch %d differs: base %d, want %d", i, got[i].base, want[i].base)
				}
			}
			o, err := s.Offsets(tp0)
			if err != nil {
				t.Fatal(err)
			}
			if o.LogStart != 0 || o.HighWatermark != next || o.LogEnd != next {
				t.Errorf("Offsets = %+v, want start 0, hw = end = %d", o, next)
			}
		})
	}
}

func TestAppendRejects(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBatchBytes = 1000
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	badCRC := makeBatch(t, 1, 1, 1, 100)
	badCRC[80] ^= 0xff
	short := makeBatch(t, 1, 1, 1, 100)[:90]
	tests := []struct {
		name  string
		tp    topic.Partition
		batch []byte
		want  error
	}{
		{name: "too_large", tp: tp0, batch: makeBatch(t, 1, 1, 1, 1001), want: log.ErrTooLarge},
		{name: "bad_crc", tp: tp0, batch: badCRC, want: record.ErrChecksum},
		{name: "size_mismatch", tp: tp0, batch: short, want: record.ErrMalformed},
		{name: "garbage", tp: tp0, batch: []byte("hello"), want: record.ErrMalformed},
		{name: "unknown_partition", tp: tp1, batch: makeBatch(t, 1, 1, 1, 100), want: log.ErrUnknownPartition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Append(context.Background(), tt.tp, tt.batch)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Append: %v, want %v", err, tt.want)
			}
		})
	}
	if o, _ := s.Offsets(tp0); o.LogEnd != 0 {
		t.Errorf("rejected appends moved the log end to %d", o.LogEnd)
	}
}

func TestReadBounds(t *testing.T) {
	s := openStore(t, testConfig(t))
	createPartition(t, s, tp0, unbounded)
	// Batches of 500 bytes: offsets 0-4, 5, 6-7.
	for i, n := range []int{5, 1, 2} {
		appendWait(t, s, tp0, makeBatch(t, uint64(i), n, int64(i), 500))
	}
	if _, err := s.DeleteRecords(context.Background(), tp0, 2); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		offset   int64
		maxBytes int
		minOne   bool
		wantIDs  []uint64
		wantErr  error
	}{
		{name: "at_high_watermark_is_empty", offset: 8, maxBytes: 10000, wantIDs: nil},
		{name: "past_high_watermark", offset: 9, maxBytes: 10000, wantErr: log.ErrOffsetOutOfRange},
		{name: "below_log_start", offset: 1, maxBytes: 10000, wantErr: log.ErrOffsetOutOfRange},
		{name: "inside_first_batch", offset: 3, maxBytes: 10000, wantIDs: []uint64{0, 1, 2}},
		{name: "exactly_two_batches", offset: 4, maxBytes: 1000, wantIDs: []uint64{0, 1}},
		{name: "just_under_two_batches", offset: 4, maxBytes: 999, wantIDs: []uint64{0}},
		{name: "smaller_than_first_without_min_one", offset: 5, maxBytes: 100, wantIDs: nil},
		{name: "smaller_than_first_with_min_one", offset: 5, maxBytes: 100, minOne: true, wantIDs: []uint64{1}},
		{name: "zero_bytes_with_min_one", offset: 6, maxBytes: 0, minOne: true, wantIDs: []uint64{2}},
		{name: "last_batch", offset: 7, maxBytes: 10000, wantIDs: []uint64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s.Read(context.Background(), tp0, tt.offset, tt.maxBytes, tt.minOne)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Read: %v, want %v", err, tt.wantErr)
			}
			var ids []uint64
			if _, err := record.Split(b, func(_ record.Header, batch []byte) error {
				ids = append(ids, batchID(batch))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("read batches %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestReadReturnsFreshSlice(t *testing.T) {
	s := openStore(t, testConfig(t))
	createPartition(t, s, tp0, unbounded)
	appendWait(t, s, tp0, makeBatch(t, 7, 1, 1, 300))
	a, err := s.Read(context.Background(), tp0, 0, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	clear(a)
	b, err := s.Read(context.Background(), tp0, 0, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	if batchID(b) != 7 {
		t.Fatal("a returned slice aliases store memory")
	}
}

// TestGroupCommit appends from many goroutines with real fsyncs: offsets
// are unique and contiguous, each goroutine's offsets increase, and the
// store needs far fewer fsyncs than appends.
func TestGroupCommit(t *testing.T) {
	cfg := testConfig(t)
	cfg.NoSync = false
	cfg.MaxBatchDelay = 5 * time.Millisecond
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	createPartition(t, s, tp1, unbounded)
	const writers, each = 32, 25
	var mu sync.Mutex
	offsets := map[topic.Partition]map[int64]uint64{tp0: {}, tp1: {}}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			tp := []topic.Partition{tp0, tp1}[w%2]
			last := int64(-1)
			for i := range each {
				id := uint64(w*1000 + i)
				off, d, err := s.Append(context.Background(), tp, makeBatch(t, id, 1, int64(i), 120))
				if err == nil {
					err = d.Wait(context.Background())
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if off <= last {
					t.Errorf("writer %d: offset %d after %d", w, off, last)
				}
				last = off
				mu.Lock()
				if prev, dup := offsets[tp][off]; dup {
					t.Errorf("%s offset %d given to %d and %d", tp, off, prev, id)
				}
				offsets[tp][off] = id
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, tp := range []topic.Partition{tp0, tp1} {
		got := readAll(t, s, tp, 0)
		if len(got) != writers*each/2 {
			t.Fatalf("%s: read %d batches, want %d", tp, len(got), writers*each/2)
		}
		for i, b := range got {
			if b.base != int64(i) || offsets[tp][b.base] != b.id {
				t.Fatalf("%s: batch %d has offset %d and id %d, Append said id %d", tp, i, b.base, b.id, offsets[tp][b.base])
			}
		}
	}
	st := s.Stats()
	t.Logf("appends %d, commits %d, fsyncs %d", st.Appends, st.Commits, st.Fsyncs)
	if st.Appends != writers*each || st.Fsyncs >= st.Appends/2 || st.Fsyncs == 0 {
		t.Errorf("appends %d with %d fsyncs: group commit is not grouping", st.Appends, st.Fsyncs)
	}
}

func TestReopenAfterClose(t *testing.T) {
	cfg := testConfig(t)
	cfg.NoSync = false
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	createPartition(t, s, tp1, unbounded)
	for i := range 20 {
		appendWait(t, s, []topic.Partition{tp0, tp1}[i%2], makeBatch(t, uint64(i), 3, int64(i), 300))
	}
	closeStore(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s = openStore(t, cfg)
	if got := s.Partitions(); len(got) != 2 || got[tp0] != testID || got[tp1] != testID {
		t.Fatalf("Partitions() = %v", got)
	}
	if rs := s.Stats().Recovery; rs.WALRecordsApplied != 0 || rs.WALBytesTruncated != 0 || rs.SegmentBytesTruncated != 0 {
		t.Errorf("a clean reopen replayed or cut something: %+v", rs)
	}
	for _, tp := range []topic.Partition{tp0, tp1} {
		if got := readAll(t, s, tp, 0); len(got) != 10 || got[9].next != 30 {
			t.Fatalf("%s: %d batches after reopen", tp, len(got))
		}
	}
	if off := appendWait(t, s, tp0, makeBatch(t, 99, 1, 99, 100)); off != 30 {
		t.Errorf("append after reopen at %d, want 30", off)
	}
}

func TestClosedStore(t *testing.T) {
	s := openStore(t, testConfig(t))
	createPartition(t, s, tp0, unbounded)
	closeStore(t, s)
	ctx := context.Background()
	if _, _, err := s.Append(ctx, tp0, makeBatch(t, 1, 1, 1, 100)); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := s.Read(ctx, tp0, 0, 100, true); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := s.Offsets(tp0); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Offsets after Close: %v", err)
	}
	if err := s.CreatePartition(ctx, tp1, testID, unbounded); !errors.Is(err, log.ErrClosed) {
		t.Errorf("CreatePartition after Close: %v", err)
	}
}

// TestCloseFlushesPending checks that appends queued when Close starts are
// committed, not dropped.
func TestCloseFlushesPending(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	var ds []logstore.Durable
	for i := range 50 {
		_, d, err := s.Append(context.Background(), tp0, makeBatch(t, uint64(i), 1, 1, 100))
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	closeStore(t, s)
	for i, d := range ds {
		if err := d.Wait(context.Background()); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	s = openStore(t, cfg)
	if got := readAll(t, s, tp0, 0); len(got) != 50 {
		t.Fatalf("%d batches after reopen, want 50", len(got))
	}
}

func TestRollBySize(t *testing.T) {
	cfg := testConfig(t)
	cfg.IndexIntervalBytes = 1000
	s := openStore(t, cfg)
	fillSegments(t, s, 4096, 40, func(i int) []byte { return makeBatch(t, uint64(i), 2, int64(i), 1000) })
	logs := segmentFiles(t, cfg.Dir, tp0, logSuffix)
	if len(logs) != 10 { // 4 batches of 1000 bytes fit in 4096
		t.Fatalf("%d segments, want 10: %v", len(logs), logs)
	}
	if idx := segmentFiles(t, cfg.Dir, tp0, indexSuffix); len(idx) != 9 {
		t.Errorf("%d index files, want 9 (sealed segments only)", len(idx))
	}
	for i, path := range logs {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 4096 {
			t.Errorf("segment %s is %d bytes", path, fi.Size())
		}
		if base, _ := parseBase(filepath.Base(path), logSuffix); base != int64(i*8) {
			t.Errorf("segment %d has base %d, want %d", i, base, i*8)
		}
	}
	// Every offset reads its batch, through the indexes.
	for off := int64(0); off < 80; off++ {
		b, err := s.Read(context.Background(), tp0, off, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := record.ParseHeader(b); h.BaseOffset != off/2*2 || batchID(b) != uint64(off/2) {
			t.Fatalf("Read(%d) returned batch %d at %d", off, batchID(b), h.BaseOffset)
		}
	}
	if size, _ := s.Size(tp0); size != 40*1000 {
		t.Errorf("Size = %d, want %d", size, 40*1000)
	}
	if st := s.Stats(); st.Rolls != 9 {
		t.Errorf("Stats.Rolls = %d, want 9", st.Rolls)
	}
	closeStore(t, s)
	s = openStore(t, cfg)
	if got := readAll(t, s, tp0, 0); len(got) != 40 {
		t.Fatalf("%d batches after reopen", len(got))
	}
	if rs := s.Stats().Recovery; rs.IndexesRebuilt != 0 || rs.Segments != 10 {
		t.Errorf("recovery %+v: want 10 segments, no index rebuilt", rs)
	}
}

func TestRollByTime(t *testing.T) {
	cfg := testConfig(t)
	clk := newFakeClock()
	cfg.Clock = clk
	s := openStore(t, cfg)
	pc := unbounded
	pc.SegmentMs = 60_000
	createPartition(t, s, tp0, pc)
	appendWait(t, s, tp0, makeBatch(t, 1, 1, 1, 100))
	clk.Advance(30 * time.Second)
	appendWait(t, s, tp0, makeBatch(t, 2, 1, 1, 100))
	if n := len(segmentFiles(t, cfg.Dir, tp0, logSuffix)); n != 1 {
		t.Fatalf("%d segments before segment.ms, want 1", n)
	}
	clk.Advance(31 * time.Second)
	appendWait(t, s, tp0, makeBatch(t, 3, 1, 1, 100))
	if n := len(segmentFiles(t, cfg.Dir, tp0, logSuffix)); n != 2 {
		t.Fatalf("%d segments after segment.ms, want 2", n)
	}
}

func TestRetention(t *testing.T) {
	const batchSize = 1000
	tests := []struct {
		name      string
		cfg       logstore.PartitionConfig
		advance   time.Duration
		wantStart int64 // offsets: 2 per batch, 4 batches per segment
		wantSegs  int
	}{
		{name: "unbounded_keeps_all", cfg: logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: -1}, wantStart: 0, wantSegs: 5},
		// 20 batches = 20000 bytes; keep at least 9000: drop 2 segments (8000), 12000 left; one more would leave 8000 < 9000.
		{name: "bytes", cfg: logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: 9000}, wantStart: 16, wantSegs: 3},
		{name: "bytes_zero_keeps_active", cfg: logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: 0}, wantStart: 32, wantSegs: 1},
		// Batch i has timestamp start + i s; segment k's newest batch is at
		// 4k+3 s (3, 7, 11, 15, 19). At +11.5 s with 1 s retention, the
		// segments ending at 3 and 7 s are expired; the one at 11 s is not.
		{name: "time", cfg: logstore.PartitionConfig{RetentionMs: 1000, RetentionBytes: -1}, advance: 11500 * time.Millisecond, wantStart: 16, wantSegs: 3},
		{name: "time_everything_expired_rolls_active", cfg: logstore.PartitionConfig{RetentionMs: 1000, RetentionBytes: -1}, advance: time.Hour, wantStart: 40, wantSegs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			clk := newFakeClock()
			cfg.Clock = clk
			s := openStore(t, cfg)
			pc := tt.cfg
			pc.SegmentBytes = 4 * batchSize
			pc.SegmentMs = 1 << 40
			createPartition(t, s, tp0, pc)
			start := clk.Now().UnixMilli()
			for i := range 20 {
				appendWait(t, s, tp0, makeBatch(t, uint64(i), 2, start+int64(i)*1000, batchSize))
			}
			clk.Advance(tt.advance)
			s.enforceRetention()
			o, err := s.Offsets(tp0)
			if err != nil {
				t.Fatal(err)
			}
			if o.LogStart != tt.wantStart || o.HighWatermark != 40 {
				t.Errorf("Offsets = %+v, want log start %d, hw 40", o, tt.wantStart)
			}
			if n := len(segmentFiles(t, cfg.Dir, tp0, logSuffix)); n != tt.wantSegs {
				t.Errorf("%d segment files, want %d", n, tt.wantSegs)
			}
			if tt.wantStart > 0 {
				if _, err := s.Read(context.Background(), tp0, tt.wantStart-1, 100, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
					t.Errorf("Read below the log start: %v", err)
				}
			}
			if got := readAll(t, s, tp0, o.LogStart); len(got) != int(40-tt.wantStart)/2 {
				t.Errorf("%d batches readable, want %d", len(got), (40-tt.wantStart)/2)
			}
			// Appends continue after retention.
			if off := appendWait(t, s, tp0, makeBatch(t, 100, 1, clk.Now().UnixMilli(), 100)); off != 40 {
				t.Errorf("append after retention at %d, want 40", off)
			}
		})
	}
}

func TestRetentionWaitsForConfigure(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	fillSegments(t, s, 1000, 5, func(i int) []byte { return makeBatch(t, uint64(i), 1, 1, 1000) })
	closeStore(t, s)
	s = openStore(t, cfg)
	s.enforceRetention() // recovered, not configured yet: keeps everything
	if o, _ := s.Offsets(tp0); o.LogStart != 0 {
		t.Fatalf("retention ran before Configure: log start %d", o.LogStart)
	}
	if err := s.Configure(tp0, logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: 0}); err != nil {
		t.Fatal(err)
	}
	s.enforceRetention()
	if o, _ := s.Offsets(tp0); o.LogStart != 4 {
		t.Fatalf("log start %d after retention, want 4", o.LogStart)
	}
}

func TestDeleteRecords(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	// 2 batches (4 offsets) per segment.
	fillSegments(t, s, 2000, 10, func(i int) []byte { return makeBatch(t, uint64(i), 2, 1, 1000) })
	ctx := context.Background()
	if _, err := s.DeleteRecords(ctx, tp0, 21); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Errorf("DeleteRecords past the high watermark: %v", err)
	}
	got, err := s.DeleteRecords(ctx, tp0, 9)
	if err != nil || got != 9 {
		t.Fatalf("DeleteRecords(9) = %d, %v", got, err)
	}
	if got, _ := s.DeleteRecords(ctx, tp0, 5); got != 9 {
		t.Errorf("DeleteRecords backwards moved the log start to %d", got)
	}
	if n := len(segmentFiles(t, cfg.Dir, tp0, logSuffix)); n != 3 {
		t.Errorf("%d segments left, want 3 (bases 8, 12, 16)", n)
	}
	b, err := s.Read(ctx, tp0, 9, 10000, true)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := record.ParseHeader(b); h.BaseOffset != 8 {
		t.Errorf("Read(9) starts at batch %d, want 8", h.BaseOffset)
	}
	closeStore(t, s)

	s = openStore(t, cfg)
	o, err := s.Offsets(tp0)
	if err != nil {
		t.Fatal(err)
	}
	if o.LogStart != 9 || o.HighWatermark != 20 {
		t.Fatalf("after reopen: %+v, want log start 9, hw 20", o)
	}
	if _, err := s.Read(ctx, tp0, 8, 100, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Errorf("Read(8) after reopen: %v", err)
	}
	if got, err := s.DeleteRecords(ctx, tp0, 20); err != nil || got != 20 {
		t.Fatalf("DeleteRecords(hw) = %d, %v", got, err)
	}
	if b, err := s.Read(ctx, tp0, 20, 100, true); err != nil || len(b) != 0 {
		t.Errorf("Read at the hw after deleting everything: %d bytes, %v", len(b), err)
	}
}

func TestOffsetForTimestamp(t *testing.T) {
	s := openStore(t, testConfig(t))
	// Timestamps by batch (2 offsets each, 3 batches per segment): not monotonic.
	ts := []int64{100, 300, 200, 400, 400, 350, 500, 450, 600}
	fillSegments(t, s, 1500, len(ts), func(i int) []byte { return makeBatch(t, uint64(i), 2, ts[i], 500) })
	tests := []struct {
		name       string
		ts         int64
		wantOffset int64
		wantTs     int64
	}{
		{name: "before_everything", ts: 0, wantOffset: 0, wantTs: 100},
		{name: "exact_first", ts: 100, wantOffset: 0, wantTs: 100},
		{name: "between", ts: 150, wantOffset: 2, wantTs: 300},
		{name: "not_monotonic_skips_lower", ts: 301, wantOffset: 6, wantTs: 400},
		{name: "next_segment", ts: 401, wantOffset: 12, wantTs: 500},
		{name: "last", ts: 600, wantOffset: 16, wantTs: 600},
		{name: "after_everything", ts: 601, wantOffset: -1, wantTs: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, got, err := s.OffsetForTimestamp(context.Background(), tp0, tt.ts)
			if err != nil {
				t.Fatal(err)
			}
			if off != tt.wantOffset || got != tt.wantTs {
				t.Errorf("OffsetForTimestamp(%d) = %d, %d; want %d, %d", tt.ts, off, got, tt.wantOffset, tt.wantTs)
			}
		})
	}
	// A log start inside the first segment (offset 4, batch 2 with ts 200):
	// the time index names batch 1 (ts 300, below the log start) as the first
	// reaching 150 and 250, so the segment is scanned from the log start:
	// batch 2 answers 150; nothing in the segment answers 250, so the next
	// segment does (batch 3, ts 400, offset 6).
	if _, err := s.DeleteRecords(context.Background(), tp0, 4); err != nil {
		t.Fatal(err)
	}
	if off, got, _ := s.OffsetForTimestamp(context.Background(), tp0, 150); off != 4 || got != 200 {
		t.Errorf("after DeleteRecords(4): OffsetForTimestamp(150) = %d, %d; want 4, 200", off, got)
	}
	if off, got, _ := s.OffsetForTimestamp(context.Background(), tp0, 250); off != 6 || got != 400 {
		t.Errorf("after DeleteRecords(4): OffsetForTimestamp(250) = %d, %d; want 6, 400", off, got)
	}
	o, _ := s.Offsets(tp0)
	if o.MaxTimestamp != 600 || o.MaxTimestampOffset != 16 {
		t.Errorf("max timestamp %d at %d, want 600 at 16", o.MaxTimestamp, o.MaxTimestampOffset)
	}
}

func TestWatch(t *testing.T) {
	s := openStore(t, testConfig(t))
	createPartition(t, s, tp0, unbounded)
	var calls atomic.Int32
	cancel, err := s.Watch(tp0, func() { calls.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s, tp0, makeBatch(t, 1, 1, 1, 100))
	if calls.Load() != 1 {
		t.Fatalf("%d calls after one append", calls.Load())
	}
	cancel()
	cancel()
	appendWait(t, s, tp0, makeBatch(t, 2, 1, 1, 100))
	if calls.Load() != 1 {
		t.Fatalf("called after cancel")
	}
	if _, err := s.Watch(tp1, func() {}); !errors.Is(err, log.ErrUnknownPartition) {
		t.Errorf("Watch(unknown): %v", err)
	}
}

func TestCreateAndDeletePartition(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	ctx := context.Background()
	createPartition(t, s, tp0, unbounded)
	appendWait(t, s, tp0, makeBatch(t, 1, 3, 1, 100))
	createPartition(t, s, tp0, unbounded) // same id: nothing happens
	if o, _ := s.Offsets(tp0); o.HighWatermark != 3 {
		t.Fatalf("CreatePartition with the same id reset the log: %+v", o)
	}
	if err := s.CreatePartition(ctx, topic.Partition{Topic: "bad/name", Index: 0}, testID, unbounded); !errors.Is(err, topic.ErrInvalidName) {
		t.Errorf("CreatePartition(bad/name): %v", err)
	}

	// Queue appends, then delete: they commit first, later ones fail.
	_, d, err := s.Append(ctx, tp0, makeBatch(t, 2, 1, 1, 100))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePartition(ctx, tp0); err != nil {
		t.Fatal(err)
	}
	if err := d.Wait(ctx); err != nil {
		t.Errorf("append queued before DeletePartition: %v", err)
	}
	if _, _, err := s.Append(ctx, tp0, makeBatch(t, 3, 1, 1, 100)); !errors.Is(err, log.ErrUnknownPartition) {
		t.Errorf("Append after DeletePartition: %v", err)
	}
	if err := s.DeletePartition(ctx, tp0); !errors.Is(err, log.ErrUnknownPartition) {
		t.Errorf("DeletePartition twice: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, partitionsDirName, partitionDirName(tp0))); !os.IsNotExist(err) {
		t.Errorf("partition directory still there: %v", err)
	}

	// Same name and id again: an empty log that inherits nothing.
	createPartition(t, s, tp0, unbounded)
	if o, _ := s.Offsets(tp0); o.LogEnd != 0 {
		t.Fatalf("recreated partition starts at %d", o.LogEnd)
	}
	appendWait(t, s, tp0, makeBatch(t, 10, 1, 1, 100))
	closeStore(t, s)
	s = openStore(t, cfg)
	got := readAll(t, s, tp0, 0)
	if len(got) != 1 || got[0].id != 10 {
		t.Fatalf("after reopen: %+v", got)
	}

	// Another topic id replaces the log.
	if err := s.CreatePartition(ctx, tp0, otherID, unbounded); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Offsets(tp0); o.LogEnd != 0 || s.Partitions()[tp0] != otherID {
		t.Fatalf("replaced partition: %+v, id %v", o, s.Partitions()[tp0])
	}
}

func TestPoisoning(t *testing.T) {
	tests := []struct {
		name   string
		arm    func(*faults)
		nosync bool
	}{
		{name: "write_fails", arm: func(f *faults) { f.failWrite = true }, nosync: true},
		{name: "fsync_fails", arm: func(f *faults) { f.failSync = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.NoSync = tt.nosync
			fl := walFaults(&cfg)
			s, err := New(cfg, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			createPartition(t, s, tp0, unbounded)
			appendWait(t, s, tp0, makeBatch(t, 1, 1, 1, 100))

			fl.mu.Lock()
			tt.arm(fl)
			fl.mu.Unlock()
			ctx := context.Background()
			_, d, err := s.Append(ctx, tp0, makeBatch(t, 2, 1, 1, 100))
			if err != nil {
				t.Fatal(err)
			}
			err = d.Wait(ctx)
			if !errors.Is(err, log.ErrPoisoned) || !errors.Is(err, errInjected) {
				t.Fatalf("Wait: %v, want ErrPoisoned wrapping the cause", err)
			}
			if _, _, err := s.Append(ctx, tp0, makeBatch(t, 3, 1, 1, 100)); !errors.Is(err, log.ErrPoisoned) {
				t.Errorf("Append after poisoning: %v", err)
			}
			if _, err := s.DeleteRecords(ctx, tp0, 1); !errors.Is(err, log.ErrPoisoned) {
				t.Errorf("DeleteRecords after poisoning: %v", err)
			}
			if o, _ := s.Offsets(tp0); o.HighWatermark != 1 {
				t.Errorf("high watermark %d, want 1: a failed write became visible", o.HighWatermark)
			}
			if got := readAll(t, s, tp0, 0); len(got) != 1 {
				t.Errorf("reads after poisoning: %d batches, want 1", len(got))
			}
			if err := s.Close(); !errors.Is(err, log.ErrPoisoned) {
				t.Errorf("Close of a poisoned store: %v", err)
			}

			fl.mu.Lock()
			fl.failWrite, fl.failSync = false, false
			fl.mu.Unlock()
			s = openStore(t, cfg)
			got := readAll(t, s, tp0, 0)
			if len(got) < 1 || got[0].id != 1 {
				t.Fatalf("after reopen: %+v", got)
			}
			next := got[len(got)-1].next
			if off := appendWait(t, s, tp0, makeBatch(t, 4, 1, 1, 100)); off != next {
				t.Errorf("append after reopen at %d, want %d", off, next)
			}
		})
	}
}

// TestWALRotation checks that the WAL is trimmed by checkpoints while
// appends continue, and that everything survives a reopen.
func TestWALRotation(t *testing.T) {
	cfg := testConfig(t)
	cfg.WALRotationBytes = 10_000
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	for i := range 100 {
		appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, 1, 1000))
	}
	// Checkpoints run in the background, one at a time; the first one
	// after recovery's must finish.
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Checkpoints < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := s.Stats(); st.Checkpoints < 2 {
		t.Errorf("%d checkpoints for 100 KB of WAL rotating at 10 KB", st.Checkpoints)
	}
	if n := len(walFiles(t, cfg.Dir)); n > 2 {
		t.Errorf("%d WAL files left", n)
	}
	closeStore(t, s)
	if n := len(walFiles(t, cfg.Dir)); n != 1 {
		t.Errorf("%d WAL files after Close, want 1", n)
	}
	s = openStore(t, cfg)
	if got := readAll(t, s, tp0, 0); len(got) != 100 {
		t.Fatalf("%d batches after reopen", len(got))
	}
}

func TestDirectoryLock(t *testing.T) {
	cfg := testConfig(t)
	openStore(t, cfg)
	if _, err := New(cfg, testLogger(t)); err == nil {
		t.Fatal("a second store opened the same directory")
	}
}

func TestIndexLookup(t *testing.T) {
	entries := []IndexEntry{{10, 4096}, {20, 8200}, {35, 12300}}
	tests := []struct {
		name string
		rel  uint32
		want int64
	}{
		{name: "before_first_entry", rel: 5, want: 0},
		{name: "exact", rel: 20, want: 8200},
		{name: "between", rel: 34, want: 8200},
		{name: "after_last", rel: 1000, want: 12300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookupPosition(entries, tt.rel); got != tt.want {
				t.Errorf("lookupPosition(%d) = %d, want %d", tt.rel, got, tt.want)
			}
		})
	}
}

// TestConcurrentReadsDuringAppendsAndRetention runs readers against a
// partition that is appended to, rolled and trimmed at the same time (run
// with -race).
func TestConcurrentReadsDuringAppendsAndRetention(t *testing.T) {
	cfg := testConfig(t)
	cfg.WALRotationBytes = 50_000
	s := openStore(t, cfg)
	createPartition(t, s, tp0, logstore.PartitionConfig{SegmentBytes: 5000, SegmentMs: 1 << 40, RetentionMs: -1, RetentionBytes: 20_000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for ctx.Err() == nil {
				o, err := s.Offsets(tp0)
				if err != nil {
					t.Error(err)
					return
				}
				for off := o.LogStart; off < o.HighWatermark; {
					b, err := s.Read(ctx, tp0, off, 4000, true)
					if errors.Is(err, log.ErrOffsetOutOfRange) || ctx.Err() != nil {
						break // retention passed us, or the test is over
					}
					if err != nil {
						t.Error(err)
						return
					}
					var last int64 = -1
					if _, err := record.Split(b, func(h record.Header, batch []byte) error {
						last = h.NextOffset()
						return record.Verify(batch)
					}); err != nil || last <= off {
						t.Errorf("Read(%d): %v (next %d)", off, err, last)
						return
					}
					off = last
				}
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			s.enforceRetention()
			time.Sleep(time.Millisecond)
		}
	})
	var offs []int64
	for i := range 400 {
		offs = append(offs, appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, int64(i), 500)))
	}
	cancel()
	wg.Wait()
	if !sort.SliceIsSorted(offs, func(i, j int) bool { return offs[i] < offs[j] }) || offs[len(offs)-1] != 399 {
		t.Errorf("offsets not contiguous: last %d", offs[len(offs)-1])
	}
}

// TestCloseStopsGoroutines checks that Close stops every goroutine New
// started (committer, checkpointer, retention loop).
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := testConfig(t)
	cfg.RetentionInterval = time.Millisecond
	cfg.WALRotationBytes = 1000
	s, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	createPartition(t, s, tp0, unbounded)
	for i := range 10 {
		appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, 1, 500))
	}
	if _, err := s.Watch(tp0, func() {}); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before New", n, before)
	}
}

func TestCommitHistograms(t *testing.T) {
	h := newHistogram(1, 10)
	for _, v := range []float64{0.5, 1, 5, 50} {
		h.observe(v)
	}
	s := h.snapshot()
	if s.Count != 4 || s.Buckets[1] != 2 || s.Buckets[10] != 3 || s.Sum != 56.5 {
		t.Fatalf("snapshot %+v", s)
	}
}
