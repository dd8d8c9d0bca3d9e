package sql_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var errInjected = errors.New("injected")

// failBucket fails Puts of keys holding failPut while it is set.
type failBucket struct {
	objstore.Bucket
	mu      sync.Mutex
	failPut string
}

func (b *failBucket) setFailPut(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failPut = s
}

func (b *failBucket) Put(ctx context.Context, key string, data []byte) error {
	b.mu.Lock()
	fail := b.failPut != "" && strings.Contains(key, b.failPut)
	b.mu.Unlock()
	if fail {
		return errInjected
	}
	return b.Bucket.Put(ctx, key, data)
}

// failMeta fails Apply while fail is set.
type failMeta struct {
	metastore.Store
	fail atomic.Bool
}

func (m *failMeta) Apply(ctx context.Context, ops ...metastore.Op) error {
	if m.fail.Load() {
		return errInjected
	}
	return m.Store.Apply(ctx, ops...)
}

type compactFixture struct {
	*fixture
	clk    *fakeClock
	bucket *failBucket
	meta   *failMeta
}

func newCompactFixture(t *testing.T, topics ...topic.Topic) *compactFixture {
	f := newFixture(t, topics...)
	c := &compactFixture{fixture: f, clk: &fakeClock{now: time.UnixMilli(1_700_000_000_000)},
		bucket: &failBucket{Bucket: memstore.New()}, meta: &failMeta{Store: memmeta.New()}}
	f.bucket, f.meta = c.bucket, c.meta
	return c
}

// compactConfig merges up to 1,000 bytes (the fake engine's files are
// about 16 bytes a row), 4 files of a tier, quiet after an hour, garbage
// deleted after a minute.
func compactConfig() sql.Config {
	return sql.Config{CompactTargetBytes: 1000, CompactMinFiles: 4, CompactQuiet: time.Hour, CompactDeleteDelay: time.Minute, CompactInterval: time.Second}
}

func (c *compactFixture) service(cfg sql.Config) *sql.Service {
	c.t.Helper()
	cfg.CacheDir = c.t.TempDir()
	s, err := sql.New(context.Background(), cfg, c.engine, c.bucket, c.meta, c.topics, c.clk, quiet())
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// seal indexes [from, to) of partition n as one file and returns the
// durable offset.
func seal(t *testing.T, s *sql.Service, tp topic.Partition, from, to, ts int64) int64 {
	t.Helper()
	if err := s.Index(context.Background(), tp, docs(tp.Index, from, to, ts), to); err != nil {
		t.Fatal(err)
	}
	d, err := s.Flush(context.Background(), tp, true)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sealTen opens p0 at 0 and seals files of ten records, n of them.
func sealTen(t *testing.T, s *sql.Service, n int) {
	t.Helper()
	if err := s.Open(context.Background(), p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	for i := range int64(n) {
		if d := seal(t, s, p0, i*10, i*10+10, 1); d != i*10+10 {
			t.Fatalf("durable %d, want %d", d, i*10+10)
		}
	}
}

// parquetKeys lists the partition's Parquet objects as from-to ranges.
func (c *compactFixture) ranges() []string {
	var out []string
	for _, k := range c.objects("columnar/") {
		i := strings.LastIndex(k, "/")
		var from, to int64
		if _, err := fmt.Sscanf(k[i+1:], "%020d-%020d.parquet", &from, &to); err != nil {
			c.t.Fatalf("object %s: %v", k, err)
		}
		out = append(out, fmt.Sprintf("%d-%d", from, to))
	}
	slices.Sort(out)
	return out
}

func checkRows(t *testing.T, s *sql.Service, want []int64) {
	t.Helper()
	got, marks := offsets(t, s, "orders")
	if !slices.Equal(got[0], want) {
		t.Fatalf("partition 0 answers %v, want %v", got[0], want)
	}
	if len(want) > 0 && marks[0] != want[len(want)-1]+1 {
		t.Fatalf("watermark %d, want %d", marks[0], want[len(want)-1]+1)
	}
}

// A run of similar small files is merged up to the target, the newest
// file not while seals come; every row stays once; the replaced objects go
// after the delay; a quiet partition merges its whole tail of fewer than
// MinFiles, the newest file included.
func TestCompactionMergesRunsKeepingEveryRowOnce(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx := context.Background()
	s := c.service(compactConfig())
	sealTen(t, s, 10) // ten files of ~155 bytes: six fit in 1,000
	s.Compact(ctx)
	st := s.CompactionStats()
	if st.Merges != 1 || st.FilesMerged != 6 || st.Rows != 60 {
		t.Fatalf("stats %+v, want one merge of 6 files, 60 rows", st)
	}
	checkRows(t, s, seq(0, 100))
	// The merged file, four files left (3 < MinFiles), and the six
	// replaced objects until their delay passed.
	want := []string{"0-10", "0-60", "10-20", "20-30", "30-40", "40-50", "50-60", "60-70", "70-80", "80-90", "90-100"}
	if got := c.ranges(); !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	c.clk.Add(time.Minute)
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"0-60", "60-70", "70-80", "80-90", "90-100"}; !slices.Equal(got, want) {
		t.Fatalf("objects after the delay %v, want %v", got, want)
	}
	checkRows(t, s, seq(0, 100))
	// An hour without a seal: the tail of four merges, the newest too.
	c.clk.Add(time.Hour)
	s.Compact(ctx)
	c.clk.Add(time.Minute)
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"0-60", "60-100"}; !slices.Equal(got, want) {
		t.Fatalf("objects after a quiet hour %v, want %v", got, want)
	}
	checkRows(t, s, seq(0, 100))
	// A restart reads the merged manifest, and the local copies.
	s = c.service(compactConfig())
	if err := s.Open(ctx, p0, orders.ID, 100); err != nil {
		t.Fatal(err)
	}
	checkRows(t, s, seq(0, 100))
}

// Compaction off: nothing merges.
func TestCompactionOff(t *testing.T) {
	c := newCompactFixture(t, orders)
	cfg := compactConfig()
	cfg.CompactTargetBytes = -1
	s := c.service(cfg)
	sealTen(t, s, 10)
	c.clk.Add(2 * time.Hour)
	s.Compact(context.Background())
	if st := s.CompactionStats(); st.Merges != 0 || len(c.ranges()) != 10 {
		t.Fatalf("stats %+v, %d objects: compaction off merged", st, len(c.ranges()))
	}
}

// A failure at each step of a merge leaves the manifest as it was (every
// row once), and what it uploaded is gone, at once or at the next Open.
func TestCompactionFailuresLeaveTheManifestConsistent(t *testing.T) {
	for _, step := range []string{"merge", "upload", "manifest"} {
		t.Run(step, func(t *testing.T) {
			c := newCompactFixture(t, orders)
			ctx := context.Background()
			s := c.service(compactConfig())
			sealTen(t, s, 10)
			before := c.ranges()
			switch step {
			case "merge":
				c.engine.mu.Lock()
				c.engine.mergeErr = errInjected
				c.engine.mu.Unlock()
			case "upload":
				c.bucket.setFailPut("00000000000000000000-00000000000000000060")
			case "manifest":
				c.meta.fail.Store(true)
			}
			s.Compact(ctx)
			c.engine.mu.Lock()
			c.engine.mergeErr = nil
			c.engine.mu.Unlock()
			c.meta.fail.Store(false)
			c.bucket.setFailPut("")
			if st := s.CompactionStats(); st.Merges != 0 || st.Failures != 1 {
				t.Fatalf("stats %+v, want one failure", st)
			}
			checkRows(t, s, seq(0, 100))
			after := c.ranges()
			if step == "manifest" {
				// Uploaded, not committed: an orphan until the next Open.
				if !slices.Contains(after, "0-60") {
					t.Fatalf("objects %v: the uploaded merge is missing", after)
				}
			} else if !slices.Equal(after, before) {
				t.Fatalf("objects %v, want %v", after, before)
			}
			// The partition waits before trying again.
			s.Compact(ctx)
			if st := s.CompactionStats(); st.Merges != 0 {
				t.Fatalf("merged again at once: %+v", st)
			}
			// A restart (a crash) at the watermark: the orphan goes,
			// every row once, and compaction then succeeds.
			s = c.service(compactConfig())
			if err := s.Open(ctx, p0, orders.ID, 100); err != nil {
				t.Fatal(err)
			}
			if got := c.ranges(); !slices.Equal(got, before) {
				t.Fatalf("objects after Open %v, want %v", got, before)
			}
			checkRows(t, s, seq(0, 100))
			s.Compact(ctx)
			if st := s.CompactionStats(); st.Merges != 1 {
				t.Fatalf("after the restart: %+v", st)
			}
			checkRows(t, s, seq(0, 100))
		})
	}
}

// A crash after the commit, before the replaced objects were deleted: the
// restarted node reads the merged file, and deletes them when due.
func TestCompactionGarbageSurvivesARestart(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx := context.Background()
	s := c.service(compactConfig())
	sealTen(t, s, 10)
	s.Compact(ctx)
	s = c.service(compactConfig())
	if err := s.Open(ctx, p0, orders.ID, 100); err != nil {
		t.Fatal(err)
	}
	if n := len(c.ranges()); n != 11 {
		t.Fatalf("%d objects after the restart, want 11 (garbage kept until due)", n)
	}
	checkRows(t, s, seq(0, 100))
	c.clk.Add(time.Minute)
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"0-60", "60-70", "70-80", "80-90", "90-100"}; !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
}

// The pipeline saves a watermark after Flush returns; a merge may cover
// files past the watermark it last saved (an hourly seal inside Index, a
// failed save). Open at such a watermark, inside the merged file, keeps
// the file and skips what is handed over again: every offset once.
func TestOpenInsideAMergedFile(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx := context.Background()
	s := c.service(compactConfig())
	sealTen(t, s, 10) // merged: 0-60
	s.Compact(ctx)
	s = c.service(compactConfig()) // crashed; the saved watermark was 30
	if err := s.Open(ctx, p0, orders.ID, 30); err != nil {
		t.Fatal(err)
	}
	checkRows(t, s, seq(0, 60))
	if got := c.ranges(); slices.Contains(got, "60-70") || !slices.Contains(got, "0-60") {
		t.Fatalf("objects %v: want 0-60 kept and the files past it gone", got)
	}
	for from := int64(30); from < 100; from += 10 {
		seal(t, s, p0, from, from+10, 1)
	}
	checkRows(t, s, seq(0, 100))
	s = c.service(compactConfig())
	if err := s.Open(ctx, p0, orders.ID, 100); err != nil {
		t.Fatal(err)
	}
	checkRows(t, s, seq(0, 100))
}

// Files of different hours (columnar.partitioning=hourly) never merge
// together; those of one hour do.
func TestCompactionKeepsHours(t *testing.T) {
	hourly := orders
	hourly.Configs = map[string]string{"columnar.enabled": "true", "columnar.partitioning": "hourly"}
	c := newCompactFixture(t, hourly)
	ctx := context.Background()
	cfg := compactConfig()
	cfg.CompactMinFiles = 2
	s := c.service(cfg)
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	hour := int64(time.Hour / time.Millisecond)
	for i := range int64(7) { // hours 0 0 0 1 1 2 2 (the last is the newest)
		ts := []int64{0, 0, 0, 1, 1, 2, 2}[i]*hour + i
		seal(t, s, p0, i*10, i*10+10, ts)
	}
	s.Compact(ctx)
	c.clk.Add(time.Minute)
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"0-30", "30-50", "50-60", "60-70"}; !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	for _, k := range c.objects("columnar/") {
		if strings.Contains(k, "00000000000000000030-00000000000000000050") && !strings.Contains(k, "/hour=01/") {
			t.Fatalf("merged file of hour 1 under %s", k)
		}
	}
	checkRows(t, s, seq(0, 70))
}

// Trim keeps a merged file until the log start passes its end; files that
// begin below the log start are not merged; Drop removes merged files and
// garbage.
func TestCompactionTrimAndDrop(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx := context.Background()
	s := c.service(compactConfig())
	sealTen(t, s, 10)
	if err := s.Trim(ctx, p0, 25); err != nil { // drops 0-10, 10-20
		t.Fatal(err)
	}
	s.Compact(ctx) // 20-30 begins below 25: the run starts at 30
	c.clk.Add(time.Minute)
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"20-30", "30-90", "90-100"}; !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	if err := s.Trim(ctx, p0, 80); err != nil { // inside 30-90: kept
		t.Fatal(err)
	}
	checkRows(t, s, seq(30, 100))
	if err := s.Trim(ctx, p0, 90); err != nil {
		t.Fatal(err)
	}
	checkRows(t, s, seq(90, 100))
	if got, want := c.ranges(), []string{"90-100"}; !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	// Drop with garbage in the manifest.
	for from := int64(100); from < 160; from += 10 {
		seal(t, s, p0, from, from+10, 1)
	}
	s.Compact(ctx)
	if st := s.CompactionStats(); st.Merges != 2 {
		t.Fatalf("stats %+v, want a second merge", st)
	}
	if err := s.Drop(ctx, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := c.objects("columnar/"); len(got) != 0 {
		t.Fatalf("objects after Drop: %v", got)
	}
	if _, err := c.meta.Get(ctx, []byte(fmt.Sprintf("columnar/manifest/%s/0", orders.ID))); !errors.Is(err, metastore.ErrNotFound) {
		t.Fatalf("manifest after Drop: %v", err)
	}
}

// Queries while files are sealed and merged see every row once.
func TestQueriesDuringCompaction(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := compactConfig()
	cfg.CompactTargetBytes = 1 << 20
	cfg.CompactMinFiles = 2
	cfg.CompactDeleteDelay = time.Nanosecond
	s := c.service(cfg)
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunCompaction(ctx)
	}()
	stop := make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				a, err := s.Query(ctx, "SELECT * FROM orders", nil)
				if err != nil {
					errs <- err
					return
				}
				var got []int64
				for _, r := range a.Rows {
					got = append(got, r[2].(int64))
				}
				slices.Sort(got)
				if want := seq(0, a.Watermarks["orders"][0]); !slices.Equal(got, want) {
					errs <- fmt.Errorf("answer %v, want %v", got, want)
					return
				}
			}
		}()
	}
	for from := int64(0); from < 3000; from += 10 {
		seal(t, s, p0, from, from+10, 1)
		if from%100 == 0 {
			c.clk.Add(time.Second)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.CompactionStats().Merges < 10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	cancel()
	<-done
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := s.CompactionStats(); st.Merges < 10 {
		t.Fatalf("stats %+v: too few merges to tell", st)
	}
	checkRows(t, s, seq(0, 3000))
}

// A merged file dropped by Open (the watermark was below it) and its
// offsets sealed again under the keys of its sources: those are files
// again, and the garbage collection of the merge leaves their objects.
func TestGarbageKeysSealedAgainStay(t *testing.T) {
	c := newCompactFixture(t, orders)
	ctx := context.Background()
	cfg := compactConfig()
	cfg.CompactMinFiles = 3
	s := c.service(cfg)
	sealTen(t, s, 4) // 0-10 ... 30-40; merged: 0-30
	s.Compact(ctx)
	if st := s.CompactionStats(); st.Merges != 1 {
		t.Fatalf("stats %+v", st)
	}
	cfg.CompactMinFiles = 4 // no second merge
	s = c.service(cfg)      // crashed; no watermark was ever saved
	sealTen(t, s, 4)        // Open(0) drops 0-30 and 30-40; the same keys again
	if got, want := c.ranges(), []string{"0-10", "10-20", "20-30", "30-40"}; !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	c.clk.Add(time.Minute) // the merge's garbage is due
	s.Compact(ctx)
	if got, want := c.ranges(), []string{"0-10", "10-20", "20-30", "30-40"}; !slices.Equal(got, want) {
		t.Fatalf("objects after the garbage collection %v, want %v", got, want)
	}
	s = c.service(cfg) // a fresh cache: every file from the bucket
	if err := s.Open(ctx, p0, orders.ID, 40); err != nil {
		t.Fatal(err)
	}
	checkRows(t, s, seq(0, 40))
}
