package segmentlog

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

var (
	testID  = topic.ID{0xc0, 0xff, 0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
	otherID = topic.ID{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	tp0     = topic.Partition{Topic: "orders", Index: 0}
	tp1     = topic.Partition{Topic: "orders", Index: 1}
)

// makeBatch builds a valid v2 batch by hand: a 61-byte header and opaque
// "records" (the 8-byte id, then filler up to size bytes in total).
// recordCount and lastOffsetDelta say the batch holds n records.
func makeBatch(t testing.TB, id uint64, n int, ts int64, size int) []byte {
	t.Helper()
	if n < 1 {
		t.Fatalf("makeBatch: %d records", n)
	}
	size = max(size, record.HeaderSize+8)
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b[0:], 0)                  // baseOffset: assigned by the store
	binary.BigEndian.PutUint32(b[8:], uint32(size-12))    // batchLength
	binary.BigEndian.PutUint32(b[12:], 0)                 // partitionLeaderEpoch
	b[16] = 2                                             // magic
	binary.BigEndian.PutUint16(b[21:], 0)                 // attributes
	binary.BigEndian.PutUint32(b[23:], uint32(n-1))       // lastOffsetDelta
	binary.BigEndian.PutUint64(b[27:], uint64(ts))        // baseTimestamp
	binary.BigEndian.PutUint64(b[35:], uint64(ts))        // maxTimestamp
	binary.BigEndian.PutUint64(b[43:], ^uint64(0))        // producerId -1
	binary.BigEndian.PutUint16(b[51:], 0xffff)            // producerEpoch -1
	binary.BigEndian.PutUint32(b[53:], 0xffffffff)        // baseSequence -1
	binary.BigEndian.PutUint32(b[57:], uint32(n))         // recordCount
	binary.BigEndian.PutUint64(b[record.HeaderSize:], id) // our tag
	for i := record.HeaderSize + 8; i < size; i++ {
		b[i] = byte(id) ^ byte(i)
	}
	binary.BigEndian.PutUint32(b[17:], record.Checksum(b[21:]))
	return b
}

// batchID returns the tag makeBatch put in b.
func batchID(b []byte) uint64 { return binary.BigEndian.Uint64(b[record.HeaderSize:]) }

// testConfig is a quick store configuration: no fsync, no retention loop.
func testConfig(t testing.TB) Config {
	t.Helper()
	return Config{Dir: t.TempDir(), NoSync: true, RetentionInterval: -1}
}

// testLogger logs warnings and errors to the test output.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openStore opens a store that the test closes at cleanup.
func openStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("New(%s): %v", cfg.Dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// closeStore closes s and fails the test on error.
func closeStore(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// unbounded keeps everything.
var unbounded = logstore.PartitionConfig{SegmentBytes: 1 << 30, SegmentMs: 1 << 40, RetentionMs: -1, RetentionBytes: -1}

func createPartition(t testing.TB, s *Store, tp topic.Partition, cfg logstore.PartitionConfig) {
	t.Helper()
	if err := s.CreatePartition(context.Background(), tp, testID, cfg); err != nil {
		t.Fatalf("CreatePartition(%s): %v", tp, err)
	}
}

// fillSegments creates tp0 in s with segments of segmentBytes bytes and
// appends n batches, batch(i) the i-th, waiting for each to be durable.
func fillSegments(t testing.TB, s *Store, segmentBytes int64, n int, batch func(i int) []byte) {
	t.Helper()
	pc := unbounded
	pc.SegmentBytes = segmentBytes
	createPartition(t, s, tp0, pc)
	for i := range n {
		appendWait(t, s, tp0, batch(i))
	}
}

// appendWait appends b and waits until it is durable; it returns the base offset.
func appendWait(t testing.TB, s *Store, tp topic.Partition, b []byte) int64 {
	t.Helper()
	off, d, err := s.Append(context.Background(), tp, b)
	if err != nil {
		t.Fatalf("Append(%s): %v", tp, err)
	}
	if err := d.Wait(context.Background()); err != nil {
		t.Fatalf("Wait(%s): %v", tp, err)
	}
	return off
}

// stored is one batch as read back.
type stored struct {
	base  int64
	next  int64
	id    uint64
	ts    int64
	bytes []byte
}

// readAll reads tp from offset from up to the high watermark, in small
// fetches, and checks that batches are whole and contiguous.
func readAll(t testing.TB, s *Store, tp topic.Partition, from int64) []stored {
	t.Helper()
	o, err := s.Offsets(tp)
	if err != nil {
		t.Fatalf("Offsets(%s): %v", tp, err)
	}
	var out []stored
	for off := from; off < o.HighWatermark; {
		b, err := s.Read(context.Background(), tp, off, 3000, true)
		if err != nil {
			t.Fatalf("Read(%s, %d): %v", tp, off, err)
		}
		if len(b) == 0 {
			t.Fatalf("Read(%s, %d) returned nothing below the high watermark %d", tp, off, o.HighWatermark)
		}
		rest, err := record.Split(b, func(h record.Header, batch []byte) error {
			if err := record.Verify(batch); err != nil {
				return err
			}
			if len(out) > 0 && h.BaseOffset != out[len(out)-1].next {
				t.Errorf("batch at %d follows one that ends at %d", h.BaseOffset, out[len(out)-1].next)
			}
			out = append(out, stored{base: h.BaseOffset, next: h.NextOffset(), id: batchID(batch), ts: h.MaxTimestamp, bytes: batch})
			return nil
		})
		if err != nil || len(rest) > 0 {
			t.Fatalf("Read(%s, %d): bad batches (%d bytes left): %v", tp, off, len(rest), err)
		}
		off = out[len(out)-1].next
	}
	return out
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.UnixMilli(1_700_000_000_000)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// copyDir copies a store directory while the store may be running, like a
// crash would leave it (page cache included): the WAL first, then the
// partitions, so that a checkpoint during the copy cannot lose a record
// (a WAL file deleted under the copy had its records fsynced in segments
// that are copied later). Files that vanish during the copy are skipped.
//
// readdir may miss a file created while it runs, even when it returns a
// later one; a crash never keeps a segment file and loses an older one (that
// would look like a hole in the log). So after copying a directory it is
// listed again and files missed with names (20-digit bases and sequence
// numbers, created in order) below the last one copied are copied too.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	for _, sub := range []string{walDirName, partitionsDirName} {
		if err := copyTree(filepath.Join(src, sub), filepath.Join(dst, sub)); err != nil {
			t.Fatalf("copying %s: %v", sub, err)
		}
	}
}

func copyTree(src, dst string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	copied := map[string]bool{}
	last := ""
	for _, e := range entries {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		copied[e.Name()] = true
		if e.IsDir() {
			if err := copyTree(from, to); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(from, to); err != nil {
			return err
		}
		if strings.HasSuffix(e.Name(), logSuffix) {
			// Files that appear later are copied only if they sort before
			// the newest segment copied: a segment created after the one
			// before it was copied (still active, maybe short) would make
			// an image no crash can leave (a segment is fsynced whole
			// before the next one exists).
			last = max(last, e.Name())
		}
	}
	again, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range again {
		if !e.IsDir() && !copied[e.Name()] && e.Name() < last {
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// segmentFiles lists the files of tp's directory with the suffix, sorted.
func segmentFiles(t testing.TB, dir string, tp topic.Partition, suffix string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, partitionsDirName, partitionDirName(tp)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			out = append(out, filepath.Join(dir, partitionsDirName, partitionDirName(tp), e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// walFiles lists the WAL files of dir, sorted.
func walFiles(t testing.TB, dir string) []string {
	t.Helper()
	seqs, err := listWAL(filepath.Join(dir, walDirName))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, seq := range seqs {
		out = append(out, walPath(filepath.Join(dir, walDirName), seq))
	}
	return out
}

// faultFile wraps a file and fails writes or syncs once armed.
type faultFile struct {
	file
	faults *faults
}

type faults struct {
	mu        sync.Mutex
	failWrite bool
	failSync  bool
}

var errInjected = errors.New("injected I/O error")

func (f *faultFile) Write(b []byte) (int, error) {
	f.faults.mu.Lock()
	fail := f.faults.failWrite
	f.faults.mu.Unlock()
	if fail {
		n := len(b) / 2 // a torn write
		_, _ = f.file.Write(b[:n])
		return n, errInjected
	}
	return f.file.Write(b)
}

func (f *faultFile) Sync() error {
	f.faults.mu.Lock()
	fail := f.faults.failSync
	f.faults.mu.Unlock()
	if fail {
		return errInjected
	}
	return f.file.Sync()
}

// walFaults makes cfg open WAL files through a faultFile.
func walFaults(cfg *Config) *faults {
	fl := &faults{}
	cfg.openFile = func(name string, flag int, perm fs.FileMode) (file, error) {
		f, err := osOpen(name, flag, perm)
		if err != nil || !strings.HasSuffix(name, walSuffix) {
			return f, err
		}
		return &faultFile{file: f, faults: fl}, nil
	}
	return fl
}

// openTestFile creates an empty file that the test closes at cleanup.
func openTestFile(t testing.TB) file {
	t.Helper()
	f, err := osOpen(filepath.Join(t.TempDir(), "f"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}
