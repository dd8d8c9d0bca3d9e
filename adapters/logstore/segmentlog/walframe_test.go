package segmentlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/wal"
)

// TestAppendHeaderMatchesAppendTo checks that the WAL writer's header plus
// batch (sent with writev) is byte for byte the record wal.AppendTo frames.
func TestAppendHeaderMatchesAppendTo(t *testing.T) {
	for _, size := range []int{0, 1, 61, 1000, 70_000} {
		a := wal.Append{TopicID: testID, Partition: 7, Batch: bytes.Repeat([]byte{0xab, 3, 5}, size)[:size]}
		got := append(a.AppendHeader([]byte("prefix")), a.Batch...)
		want := a.AppendTo([]byte("prefix"))
		if !bytes.Equal(got, want) {
			t.Fatalf("batch of %d bytes: header+batch differs from AppendTo", size)
		}
		if len(got)-len("prefix") != a.EncodedSize() {
			t.Fatalf("batch of %d bytes: %d bytes, EncodedSize %d", size, len(got)-len("prefix"), a.EncodedSize())
		}
	}
}

// TestWriteVec checks the gathered write: many small buffers (more than
// IOV_MAX), empty ones included, land in order.
func TestWriteVec(t *testing.T) {
	f := openTestFile(t)
	var bufs [][]byte
	var want []byte
	for i := range 3000 {
		b := bytes.Repeat([]byte{byte(i)}, i%7)
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	var iov iovecs
	n, err := writeVec(f, bufs, &iov)
	if err != nil || n != int64(len(want)) {
		t.Fatalf("writeVec: %d, %v; want %d bytes", n, err, len(want))
	}
	got := make([]byte, len(want)+1)
	m, _ := f.ReadAt(got, 0)
	if !bytes.Equal(got[:m], want) {
		t.Fatalf("file holds %d bytes, not what was written (%d bytes)", m, len(want))
	}
}

// TestWALTrashRemovedAtOpen checks that a WAL file a background checkpoint
// was deleting when the process died is removed, not replayed.
func TestWALTrashRemovedAtOpen(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	appendWait(t, s, tp0, makeBatch(t, 1, 1, 1, 100))
	closeStore(t, s)

	// A record that would be a gap if it were replayed.
	b := makeBatch(t, 2, 1, 1, 100)
	binary.BigEndian.PutUint64(b, 50)
	rec := wal.Append{TopicID: testID, Partition: tp0.Index, Batch: b}.AppendTo(nil)
	trash := walPath(filepath.Join(cfg.Dir, walDirName), 0) + trashSuffix
	if err := os.WriteFile(trash, rec, 0o644); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, cfg)
	if _, err := os.Stat(trash); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("trash WAL file still there after open: %v", err)
	}
	if got := readAll(t, s, tp0, 0); len(got) != 1 || got[0].id != 1 {
		t.Fatalf("after reopen: %+v", got)
	}
}

// TestBackgroundCheckpointDeletesWAL checks the paced deletion of WAL files
// by background checkpoints: large WAL files go, and nothing is left in the
// trash.
func TestBackgroundCheckpointDeletesWAL(t *testing.T) {
	cfg := testConfig(t)
	cfg.WALRotationBytes = 3 * trashStep
	s := openStore(t, cfg)
	createPartition(t, s, tp0, unbounded)
	batch := makeBatch(t, 1, 1, 1, 1<<20)
	for range 4 * 3 * 8 {
		appendWait(t, s, tp0, bytes.Clone(batch))
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Checkpoints < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := s.Stats(); st.Checkpoints < 4 {
		t.Fatalf("%d checkpoints", st.Checkpoints)
	}
	closeStore(t, s)
	entries, err := os.ReadDir(filepath.Join(cfg.Dir, walDirName))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("WAL directory after Close: %d entries, want 1", len(entries))
	}
	s = openStore(t, cfg)
	if got := readAll(t, s, tp0, 0); len(got) != 96 {
		t.Fatalf("%d batches after reopen, want 96", len(got))
	}
}
