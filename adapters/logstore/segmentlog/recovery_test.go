package segmentlog

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/domain/wal"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// TestCrashSnapshotWhileRunning copies the directory of a running store
// under concurrent appends, rolls and checkpoints (what kill -9 leaves
// behind), opens the copy and checks that every append acknowledged before
// the copy started is there, at its offset, with contiguous offsets.
func TestCrashSnapshotWhileRunning(t *testing.T) {
	cfg := testConfig(t)
	cfg.WALRotationBytes = 64_000
	s := openStore(t, cfg)
	pc := logstore.PartitionConfig{SegmentBytes: 16_000, SegmentMs: 1 << 40, RetentionMs: -1, RetentionBytes: -1}
	parts := []topic.Partition{tp0, tp1}
	for _, tp := range parts {
		createPartition(t, s, tp, pc)
	}

	type ack struct {
		tp  topic.Partition
		off int64
		id  uint64
	}
	var (
		mu    sync.Mutex
		acked []ack
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				tp := parts[(w+i)%2]
				id := uint64(w)<<32 | uint64(i)
				off, d, err := s.Append(context.Background(), tp, makeBatch(t, id, 1+i%3, int64(i), 200+i%700))
				if err == nil {
					err = d.Wait(context.Background())
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				acked = append(acked, ack{tp, off, id})
				mu.Unlock()
				// Pace the writers: unpaced, a fast store rolls tens of
				// thousands of 16 KB segments while a snapshot is copied,
				// and the live store plus its image run out of file
				// descriptors.
				if i%16 == 15 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	for snap := range 3 {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		want := append([]ack(nil), acked...)
		mu.Unlock()
		image := t.TempDir()
		copyDir(t, cfg.Dir, image)

		icfg := testConfig(t)
		icfg.Dir = image
		r, err := New(icfg, testLogger(t))
		if err != nil {
			t.Fatalf("snapshot %d: opening the crash image: %v", snap, err)
		}
		got := map[topic.Partition]map[int64]uint64{}
		for _, tp := range parts {
			got[tp] = map[int64]uint64{}
			for _, b := range readAll(t, r, tp, 0) {
				got[tp][b.base] = b.id
			}
		}
		rs := r.Stats().Recovery
		closeStore(t, r)
		for _, a := range want {
			if id, ok := got[a.tp][a.off]; !ok || id != a.id {
				t.Fatalf("snapshot %d: acknowledged batch %d of %s at %d is missing (found %d, %v)", snap, a.id, a.tp, a.off, id, ok)
			}
		}
		t.Logf("%v snapshot %d: %d acknowledged batches checked; recovery %+v", time.Now().Format("15:04:05.000"), snap, len(want), rs)
	}
	cancel()
	wg.Wait()
	if st := s.Stats(); st.Checkpoints == 0 || st.Rolls == 0 {
		t.Errorf("the test did not exercise checkpoints (%d) and rolls (%d)", st.Checkpoints, st.Rolls)
	}
}

// TestPowerLoss simulates a power loss: the WAL survives up to its last
// fsync (plus maybe a torn or garbage tail), the active segment loses an
// arbitrary suffix. Every batch made durable is recovered.
func TestPowerLoss(t *testing.T) {
	const (
		batches   = 20
		batchSize = 300
		recSize   = wal.FrameHeaderSize + 1 + 16 + 4 + batchSize // framed WAL record
	)
	tests := []struct {
		name     string
		durable  int    // WAL records that were fsynced
		tail     []byte // what follows them in the WAL file
		segBytes int    // what the active segment kept
		wantCut  int64  // WAL bytes recovery cuts
	}{
		{name: "wal_complete_segment_lost", durable: 20, segBytes: 0},
		{name: "torn_frame_header", durable: 15, tail: make([]byte, 5), segBytes: 0, wantCut: 5},
		{name: "torn_record_body", durable: 15, tail: bytes.Repeat([]byte{1}, 200), segBytes: 4*batchSize + 17, wantCut: 200},
		{name: "zeroed_tail", durable: 12, tail: make([]byte, recSize), segBytes: 3 * batchSize, wantCut: recSize},
		{name: "garbage_tail", durable: 20, tail: []byte("this is not a WAL record, it is garbage!"), segBytes: batches * batchSize, wantCut: 40},
		{name: "segment_ahead_of_wal", durable: 10, segBytes: batches * batchSize},
		{name: "segment_torn_mid_batch", durable: 17, segBytes: 17*batchSize - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			s := openStore(t, cfg)
			createPartition(t, s, tp0, unbounded)
			for i := range batches {
				appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, int64(i), batchSize))
			}
			image := t.TempDir()
			copyDir(t, cfg.Dir, image)
			closeStore(t, s)

			wals := walFiles(t, image)
			if len(wals) != 1 {
				t.Fatalf("%d WAL files in the image, want 1", len(wals))
			}
			w, err := os.ReadFile(wals[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != batches*recSize {
				t.Fatalf("WAL holds %d bytes, want %d", len(w), batches*recSize)
			}
			w = append(w[:tt.durable*recSize:tt.durable*recSize], tt.tail...)
			if err := os.WriteFile(wals[0], w, 0o644); err != nil {
				t.Fatal(err)
			}
			segs := segmentFiles(t, image, tp0, logSuffix)
			if err := os.Truncate(segs[len(segs)-1], int64(tt.segBytes)); err != nil {
				t.Fatal(err)
			}

			icfg := testConfig(t)
			icfg.Dir = image
			r := openStore(t, icfg)
			want := max(tt.durable, tt.segBytes/batchSize)
			got := readAll(t, r, tp0, 0)
			if len(got) != want {
				t.Fatalf("recovered %d batches, want %d", len(got), want)
			}
			for i, b := range got {
				if b.id != uint64(i) || b.base != int64(i) {
					t.Fatalf("batch %d: id %d at %d", i, b.id, b.base)
				}
			}
			rs := r.Stats().Recovery
			if rs.WALBytesTruncated != tt.wantCut {
				t.Errorf("cut %d WAL bytes, want %d", rs.WALBytesTruncated, tt.wantCut)
			}
			if wantSeg := int64(tt.segBytes % batchSize); rs.SegmentBytesTruncated != wantSeg {
				t.Errorf("cut %d segment bytes, want %d", rs.SegmentBytesTruncated, wantSeg)
			}
			if off := appendWait(t, r, tp0, makeBatch(t, 99, 1, 1, 100)); off != int64(want) {
				t.Errorf("next append at %d, want %d", off, want)
			}
		})
	}
}

// TestSegmentCorruptTail damages the end of a closed store's active segment
// (the WAL is empty after Close, so nothing can repair it) and checks that
// recovery cuts exactly the damaged batch.
func TestSegmentCorruptTail(t *testing.T) {
	const batchSize = 400
	tests := []struct {
		name    string
		damage  func(b []byte) []byte // b is the segment file
		wantEnd int64
		wantCut int64
	}{
		{name: "flipped_record_byte", damage: func(b []byte) []byte { b[len(b)-10] ^= 1; return b }, wantEnd: 9, wantCut: batchSize},
		{name: "flipped_crc", damage: func(b []byte) []byte { b[len(b)-batchSize+18] ^= 1; return b }, wantEnd: 9, wantCut: batchSize},
		{name: "length_past_end", damage: func(b []byte) []byte { b[len(b)-batchSize+9] = 0x7f; return b }, wantEnd: 9, wantCut: batchSize},
		{name: "wrong_base_offset", damage: func(b []byte) []byte { b[len(b)-batchSize+7] ^= 4; return b }, wantEnd: 9, wantCut: batchSize},
		{name: "torn_batch", damage: func(b []byte) []byte { return b[:len(b)-100] }, wantEnd: 9, wantCut: batchSize - 100},
		{name: "torn_header", damage: func(b []byte) []byte { return b[:len(b)-batchSize+30] }, wantEnd: 9, wantCut: 30},
		{name: "garbage_after", damage: func(b []byte) []byte { return append(b, 1, 2, 3, 4, 5, 6, 7) }, wantEnd: 10, wantCut: 7},
		{name: "all_garbage", damage: func(b []byte) []byte { return bytes.Repeat([]byte{0xff}, len(b)) }, wantEnd: 0, wantCut: 10 * batchSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			s := openStore(t, cfg)
			createPartition(t, s, tp0, unbounded)
			for i := range 10 {
				appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, int64(i), batchSize))
			}
			closeStore(t, s)
			seg := segmentFiles(t, cfg.Dir, tp0, logSuffix)[0]
			b, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(seg, tt.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s = openStore(t, cfg)
			o, err := s.Offsets(tp0)
			if err != nil {
				t.Fatal(err)
			}
			if o.LogEnd != tt.wantEnd || o.HighWatermark != tt.wantEnd {
				t.Errorf("after recovery: %+v, want end %d", o, tt.wantEnd)
			}
			if got := s.Stats().Recovery.SegmentBytesTruncated; got != tt.wantCut {
				t.Errorf("cut %d bytes, want %d", got, tt.wantCut)
			}
			if fi, _ := os.Stat(seg); fi.Size() != tt.wantEnd*batchSize {
				t.Errorf("segment is %d bytes, want %d", fi.Size(), tt.wantEnd*batchSize)
			}
			if got := readAll(t, s, tp0, 0); len(got) != int(tt.wantEnd) {
				t.Errorf("%d batches readable", len(got))
			}
		})
	}
}

// TestIndexRebuild damages the index files of a sealed segment and checks
// that they are rebuilt (identical to the originals) and reads still work.
func TestIndexRebuild(t *testing.T) {
	tests := []struct {
		name   string
		file   string // suffix of the damaged file
		damage func(b []byte) []byte
	}{
		{name: "index_missing", file: indexSuffix},
		{name: "timeindex_missing", file: timeIndexSuffix},
		{name: "index_odd_length", file: indexSuffix, damage: func(b []byte) []byte { return b[:len(b)-3] }},
		{name: "index_not_increasing", file: indexSuffix, damage: func(b []byte) []byte { copy(b[8:16], b[0:8]); return b }},
		{name: "index_points_elsewhere", file: indexSuffix, damage: func(b []byte) []byte { b[len(b)-1]++; return b }},
		{name: "index_past_segment", file: indexSuffix, damage: func(b []byte) []byte { b[len(b)-4] = 0x7f; return b }},
		{name: "timeindex_garbage", file: timeIndexSuffix, damage: func(b []byte) []byte { return bytes.Repeat([]byte{9}, len(b)) }},
		{name: "timeindex_past_segment", file: timeIndexSuffix, damage: func(b []byte) []byte { b[len(b)-2] = 0x7f; return b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.IndexIntervalBytes = 1000
			s := openStore(t, cfg)
			// 10 batches per segment: 2 sealed + active.
			fillSegments(t, s, 10_000, 25, func(i int) []byte { return makeBatch(t, uint64(i), 3, int64(100+i%7), 1000) })
			closeStore(t, s)
			files := segmentFiles(t, cfg.Dir, tp0, tt.file)
			if len(files) != 2 {
				t.Fatalf("%d %s files, want 2", len(files), tt.file)
			}
			path := files[0]
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.file == indexSuffix && len(orig) != 9*OffsetIndexEntrySize {
				t.Fatalf("index has %d bytes, want 9 entries", len(orig))
			}
			if tt.damage == nil {
				err = os.Remove(path)
			} else {
				err = os.WriteFile(path, tt.damage(bytes.Clone(orig)), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}

			s = openStore(t, cfg)
			if n := s.Stats().Recovery.IndexesRebuilt; n != 1 {
				t.Errorf("%d indexes rebuilt, want 1", n)
			}
			rebuilt, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rebuilt, orig) {
				t.Errorf("rebuilt %s differs from the original", filepath.Base(path))
			}
			for off := int64(0); off < 75; off++ {
				b, err := s.Read(context.Background(), tp0, off, 1, true)
				if err != nil {
					t.Fatal(err)
				}
				if batchID(b) != uint64(off/3) {
					t.Fatalf("Read(%d) returned batch %d", off, batchID(b))
				}
			}
			if off, ts, _ := s.OffsetForTimestamp(context.Background(), tp0, 106); off != 18 || ts != 106 {
				t.Errorf("OffsetForTimestamp(106) = %d, %d; want 18, 106", off, ts)
			}
		})
	}
}

// writeWAL writes a WAL file of records to dir's wal directory.
func writeWAL(t *testing.T, dir string, seq uint64, recs ...wal.Append) []byte {
	t.Helper()
	var b []byte
	for _, r := range recs {
		b = r.AppendTo(b)
	}
	if err := os.WriteFile(walPath(filepath.Join(dir, walDirName), seq), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// walBatch is a batch with its base offset set, for a hand-made WAL record.
func walBatch(t *testing.T, id uint64, base int64, n int) []byte {
	t.Helper()
	b := makeBatch(t, id, n, 1, 200)
	record.SetBaseOffset(b, base)
	return b
}

func TestWALReplay(t *testing.T) {
	newDir := func(t *testing.T) (Config, uint64) {
		t.Helper()
		cfg := testConfig(t)
		s := openStore(t, cfg)
		createPartition(t, s, tp0, unbounded)
		appendWait(t, s, tp0, makeBatch(t, 100, 2, 1, 200)) // offsets 0-1, in the segment
		closeStore(t, s)
		seqs, err := listWAL(filepath.Join(cfg.Dir, walDirName))
		if err != nil || len(seqs) != 1 {
			t.Fatalf("WAL files after Close: %v, %v", seqs, err)
		}
		return cfg, seqs[0]
	}
	rec := func(id topic.ID, p int32, batch []byte) wal.Append {
		return wal.Append{TopicID: id, Partition: p, Batch: batch}
	}

	t.Run("skips_and_applies", func(t *testing.T) {
		cfg, seq := newDir(t)
		writeWAL(t, cfg.Dir, seq+1,
			rec(testID, 0, walBatch(t, 100, 0, 2)), // already in the segment
			rec(otherID, 0, walBatch(t, 1, 2, 1)),  // a deleted topic's partition
			rec(testID, 7, walBatch(t, 2, 0, 1)),   // no such partition
			rec(testID, 0, walBatch(t, 3, 2, 3)),   // next: applied
		)
		writeWAL(t, cfg.Dir, seq+2, rec(testID, 0, walBatch(t, 4, 5, 1)))
		s := openStore(t, cfg)
		rs := s.Stats().Recovery
		if rs.WALRecords != 5 || rs.WALRecordsApplied != 2 || rs.WALFiles != 3 {
			t.Errorf("recovery %+v: want 5 records, 2 applied, 3 files", rs)
		}
		var ids []uint64
		for _, b := range readAll(t, s, tp0, 0) {
			ids = append(ids, b.id)
		}
		if len(ids) != 3 || ids[0] != 100 || ids[1] != 3 || ids[2] != 4 {
			t.Errorf("batches %v, want [100 3 4]", ids)
		}
		if n := len(walFiles(t, cfg.Dir)); n != 1 {
			t.Errorf("%d WAL files after recovery, want 1", n)
		}
	})

	errorCases := []struct {
		name  string
		write func(t *testing.T, dir string, seq uint64)
	}{
		{name: "gap", write: func(t *testing.T, dir string, seq uint64) {
			writeWAL(t, dir, seq+1, rec(testID, 0, walBatch(t, 1, 5, 1)))
		}},
		{name: "overlap", write: func(t *testing.T, dir string, seq uint64) {
			writeWAL(t, dir, seq+1, rec(testID, 0, walBatch(t, 1, 1, 3)))
		}},
		{name: "bad_batch_in_valid_record", write: func(t *testing.T, dir string, seq uint64) {
			writeWAL(t, dir, seq+1, rec(testID, 0, []byte("not a batch")))
		}},
		{name: "corrupt_record_in_earlier_file", write: func(t *testing.T, dir string, seq uint64) {
			b := writeWAL(t, dir, seq+1, rec(testID, 0, walBatch(t, 1, 2, 1)), rec(testID, 0, walBatch(t, 2, 3, 1)))
			b[len(b)-5] ^= 1
			if err := os.WriteFile(walPath(filepath.Join(dir, walDirName), seq+1), b, 0o644); err != nil {
				t.Fatal(err)
			}
			writeWAL(t, dir, seq+2)
		}},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			cfg, seq := newDir(t)
			tt.write(t, cfg.Dir, seq)
			s, err := New(cfg, testLogger(t))
			if err == nil {
				_ = s.Close()
				t.Fatal("New succeeded")
			}
			if !log.IsCorruption(err) {
				t.Errorf("New: %v, want a corruption error", err)
			}
		})
	}

	t.Run("corrupt_record_in_last_file_is_cut", func(t *testing.T) {
		cfg, seq := newDir(t)
		b := writeWAL(t, cfg.Dir, seq+1, rec(testID, 0, walBatch(t, 1, 2, 1)), rec(testID, 0, walBatch(t, 2, 3, 1)))
		b[len(b)-5] ^= 1
		if err := os.WriteFile(walPath(filepath.Join(cfg.Dir, walDirName), seq+1), b, 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, cfg)
		if o, _ := s.Offsets(tp0); o.LogEnd != 3 {
			t.Errorf("log end %d, want 3", o.LogEnd)
		}
		if rs := s.Stats().Recovery; rs.WALBytesTruncated != int64(len(b)/2) {
			t.Errorf("cut %d bytes, want %d", rs.WALBytesTruncated, len(b)/2)
		}
	})
}

func TestRecoveryErrorsAndLeftovers(t *testing.T) {
	t.Run("corrupt_metadata", func(t *testing.T) {
		cfg := testConfig(t)
		s := openStore(t, cfg)
		createPartition(t, s, tp0, unbounded)
		closeStore(t, s)
		meta := filepath.Join(cfg.Dir, partitionsDirName, partitionDirName(tp0), metaFileName)
		if err := os.WriteFile(meta, []byte(`{"version":1,"topic_id":"zz"`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := New(cfg, testLogger(t)); !log.IsCorruption(err) {
			t.Errorf("New with corrupt metadata: %v", err)
		}
	})
	t.Run("leftovers_removed", func(t *testing.T) {
		cfg := testConfig(t)
		s := openStore(t, cfg)
		createPartition(t, s, tp0, unbounded)
		closeStore(t, s)
		pdir := filepath.Join(cfg.Dir, partitionsDirName)
		leftovers := []string{
			filepath.Join(pdir, "orders-3"+creatingSuffix),
			filepath.Join(pdir, "orders-4.deleting-12345"),
		}
		for _, d := range leftovers {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		stray := []string{
			filepath.Join(pdir, partitionDirName(tp0), baseName(500)+indexSuffix),
			filepath.Join(pdir, partitionDirName(tp0), metaFileName+tmpSuffix),
		}
		for _, f := range stray {
			if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s = openStore(t, cfg)
		for _, p := range append(leftovers, stray...) {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s survived recovery", p)
			}
		}
		if len(s.Partitions()) != 1 {
			t.Errorf("partitions %v", s.Partitions())
		}
	})
}

// TestRecoveryRandomCuts cuts the WAL of a crash image at random points and
// checks the invariant: the recovered log is a contiguous prefix that holds
// at least every record wholly before the cut.
func TestRecoveryRandomCuts(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	rng := rand.New(rand.NewPCG(1, 2))
	var ends []int64 // WAL position after each record
	pos := int64(0)
	for i := range 30 {
		size := 100 + rng.IntN(900)
		appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, 1, size))
		pos += int64(wal.FrameHeaderSize + 1 + 16 + 4 + size)
		ends = append(ends, pos)
	}
	image := t.TempDir()
	copyDir(t, cfg.Dir, image)
	closeStore(t, s)
	w := walFiles(t, image)[0]
	full, err := os.ReadFile(w)
	if err != nil {
		t.Fatal(err)
	}
	seg := segmentFiles(t, image, tp0, logSuffix)[0]
	for round := range 20 {
		cut := rng.Int64N(int64(len(full)) + 1)
		dir := t.TempDir()
		copyDir(t, image, dir)
		if err := os.Truncate(filepath.Join(dir, walDirName, filepath.Base(w)), cut); err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(image, seg)
		if err := os.Truncate(filepath.Join(dir, rel), 0); err != nil {
			t.Fatal(err)
		}
		icfg := testConfig(t)
		icfg.Dir = dir
		r := openStore(t, icfg)
		want := 0
		for want < len(ends) && ends[want] <= cut {
			want++
		}
		got := readAll(t, r, tp0, 0)
		if len(got) != want {
			t.Fatalf("round %d: cut at %d: %d batches, want %d", round, cut, len(got), want)
		}
		closeStore(t, r)
	}
}

// TestReadErrorOnCorruptSealedSegment checks that damage found while
// reading is reported as corruption.
func TestReadErrorOnCorruptSealedSegment(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	fillSegments(t, s, 1000, 4, func(i int) []byte { return makeBatch(t, uint64(i), 1, 1, 600) })
	seg := segmentFiles(t, cfg.Dir, tp0, logSuffix)[0]
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{9}, 16); err != nil { // magic
		t.Fatal(err)
	}
	_ = f.Close()
	if _, err := s.Read(context.Background(), tp0, 0, 1000, true); !log.IsCorruption(err) {
		t.Errorf("Read of a damaged segment: %v, want corruption", err)
	}
	if _, err := s.Read(context.Background(), tp0, 1, 1000, true); err != nil {
		t.Errorf("Read of an intact segment: %v", err)
	}
}

// TestPowerLossAfterDeleteRecords: the log start was persisted, then the
// active segment lost its unsynced tail; the WAL restores the log past the
// log start.
func TestPowerLossAfterDeleteRecords(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	for i := range 10 {
		appendWait(t, s, tp0, makeBatch(t, uint64(i), 1, 1, 200))
	}
	if _, err := s.DeleteRecords(context.Background(), tp0, 8); err != nil {
		t.Fatal(err)
	}
	image := t.TempDir()
	copyDir(t, cfg.Dir, image)
	segs := segmentFiles(t, image, tp0, logSuffix)
	if err := os.Truncate(segs[len(segs)-1], 0); err != nil {
		t.Fatal(err)
	}
	icfg := testConfig(t)
	icfg.Dir = image
	r := openStore(t, icfg)
	o, err := r.Offsets(tp0)
	if err != nil {
		t.Fatal(err)
	}
	if o.LogStart != 8 || o.HighWatermark != 10 {
		t.Fatalf("after recovery: %+v, want log start 8, hw 10", o)
	}
	if got := readAll(t, r, tp0, 8); len(got) != 2 || got[0].id != 8 {
		t.Fatalf("read back %+v", got)
	}
}
