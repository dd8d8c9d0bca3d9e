package segmentlog

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/topic"
)

// TestLongTopicNames creates, fills, deletes and recreates partitions of
// every length of legal topic name near the limit, with small and huge
// partition indexes, and reopens the store in between: every path the store
// derives fits in a file name, and nothing is left behind.
func TestLongTopicNames(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	var tps []topic.Partition
	for _, n := range []int{200, 224, 225, 240, 244, 245, 249} {
		name := strings.Repeat(string(rune('a'+n%26)), n)
		for _, idx := range []int32{0, 99999, math.MaxInt32} {
			tps = append(tps, topic.Partition{Topic: name, Index: idx})
		}
	}
	// Two names that agree on their first 230 bytes must not share a directory.
	common := strings.Repeat("x", 230)
	tps = append(tps, topic.Partition{Topic: common + strings.Repeat("1", 19), Index: math.MaxInt32},
		topic.Partition{Topic: common + strings.Repeat("2", 19), Index: math.MaxInt32})

	for i, tp := range tps {
		createPartition(t, s, tp, unbounded)
		appendWait(t, s, tp, makeBatch(t, uint64(i), 1, 1, 100))
	}
	checkNames(t, cfg.Dir)
	closeStore(t, s)
	s = openStore(t, cfg)
	if got := len(s.Partitions()); got != len(tps) {
		t.Fatalf("after reopen: %d partitions, want %d", got, len(tps))
	}
	for i, tp := range tps {
		got := readAll(t, s, tp, 0)
		if len(got) != 1 || got[0].id != uint64(i) {
			t.Fatalf("%s after reopen: %+v", tp, got)
		}
		if err := s.DeletePartition(context.Background(), tp); err != nil {
			t.Fatalf("DeletePartition(%s) (%d-byte topic): %v", tp, len(tp.Topic), err)
		}
	}
	for _, tp := range tps[:3] {
		createPartition(t, s, tp, unbounded)
	}
	closeStore(t, s)
	s = openStore(t, cfg)
	if got := len(s.Partitions()); got != 3 {
		t.Fatalf("after delete and reopen: %d partitions, want 3", got)
	}
	entries, err := os.ReadDir(filepath.Join(cfg.Dir, partitionsDirName))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("partitions directory holds %d entries, want 3", len(entries))
	}
}

// checkNames fails the test if any name under dir is longer than 255 bytes.
func checkNames(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if len(d.Name()) > maxNameBytes {
			t.Errorf("%s is %d bytes long", d.Name(), len(d.Name()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecoveryLeftovers starts a store over directories it does not own:
// it never refuses to start because of them, removes deletion leftovers
// (of this and of earlier versions) and leaves unknown directories alone.
// A topic whose name looks like a leftover keeps its data.
func TestRecoveryLeftovers(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg)
	tricky := topic.Partition{Topic: "x.deleting", Index: 7}
	tricky2 := topic.Partition{Topic: "y.deleting-5", Index: 0}
	for _, tp := range []topic.Partition{tp0, tp1, tricky, tricky2} {
		createPartition(t, s, tp, unbounded)
		appendWait(t, s, tp, makeBatch(t, 1, 1, 1, 100))
	}
	closeStore(t, s)

	pdir := filepath.Join(cfg.Dir, partitionsDirName)
	// A half-deleted directory of an earlier version: a copy of a
	// partition under its old ".deleting-<nanos>" name, meta.json included.
	oldDeleting := filepath.Join(pdir, partitionDirName(tp1)+".deleting-1733000000000000000")
	copyPartition(t, filepath.Join(pdir, partitionDirName(tp1)), oldDeleting)
	// One of this version, and one half-created.
	newDeleting := filepath.Join(pdir, partitionDirName(tp0)+".1733000000000000000.deleting")
	copyPartition(t, filepath.Join(pdir, partitionDirName(tp0)), newDeleting)
	creating := filepath.Join(pdir, strings.Repeat("z", 240)+creatingSuffix)
	// Directories that look like partitions but are not: no metadata, or
	// metadata of another partition.
	noMeta := filepath.Join(pdir, "orders-9")
	foreign := filepath.Join(pdir, "orders-8")
	copyPartition(t, filepath.Join(pdir, partitionDirName(tp0)), foreign)
	for _, d := range []string{creating, noMeta} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(noMeta, baseName(0)+logSuffix), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, cfg)
	for _, gone := range []string{oldDeleting, newDeleting, creating} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s survived recovery (%v)", filepath.Base(gone), err)
		}
	}
	for _, kept := range []string{noMeta, foreign} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(kept), err)
		}
	}
	if got := len(s.Partitions()); got != 4 {
		t.Errorf("partitions %v, want 4", s.Partitions())
	}
	for _, tp := range []topic.Partition{tp0, tp1, tricky, tricky2} {
		if got := readAll(t, s, tp, 0); len(got) != 1 {
			t.Errorf("%s: %d batches after recovery, want 1", tp, len(got))
		}
	}
}

func copyPartition(t *testing.T, src, dst string) {
	t.Helper()
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, metaFileName)); err != nil {
		t.Fatal(err)
	}
}
