package sql_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// fakeEngine is a columnar.Engine for the use case's tests: its "Parquet"
// files are JSON lines of (partition, offset), and a query answers every
// (table, partition, offset) its tables hold, files and hot documents, so
// a test sees exactly what the service handed it.
type fakeEngine struct {
	mu        sync.Mutex
	queries   int
	merges    int
	mergeErr  error
	describes int // DESCRIBE queries run
	// catalog: the tables and session the last Catalog call was given.
	catalogTables []columnar.TableSchema
	catalogSess   columnar.Session
}

func (e *fakeEngine) Prepare(_ context.Context, q string) (columnar.Plan, error) {
	f := strings.Fields(q)
	switch {
	case len(f) == 4 && strings.EqualFold(f[0], "SELECT") && strings.EqualFold(f[2], "FROM"):
		return columnar.Plan{Kind: columnar.KindSelect, Tables: []string{f[3]}}, nil
	case len(f) == 2 && strings.EqualFold(f[0], "SHOW"):
		return columnar.Plan{Kind: columnar.KindShow}, nil
	case len(f) == 2 && strings.EqualFold(f[0], "DESCRIBE"):
		return columnar.Plan{Kind: columnar.KindDescribe, Tables: []string{strings.Trim(f[1], `"`)}}, nil
	case len(f) >= 1 && strings.EqualFold(f[0], "DROP"):
		return columnar.Plan{}, fmt.Errorf("%w: DROP", columnar.ErrRefused)
	}
	return columnar.Plan{}, fmt.Errorf("%w: the fake engine does not know %q", columnar.ErrInvalid, q)
}

type line struct {
	P int32 `json:"p"`
	O int64 `json:"o"`
}

func (e *fakeEngine) Query(_ context.Context, q string, _ []any, tables []columnar.Table, _ columnar.Limits) (columnar.Result, error) {
	e.mu.Lock()
	e.queries++
	e.mu.Unlock()
	var r columnar.Result
	if strings.HasPrefix(q, "DESCRIBE ") {
		e.mu.Lock()
		e.describes++
		e.mu.Unlock()
		// The columns of a table holding only raw values.
		r.Columns = []columnar.Column{{Name: "column_name", Type: "VARCHAR"}, {Name: "column_type", Type: "VARCHAR"}}
		r.Rows = [][]any{{"_partition", "INTEGER"}, {"_offset", "BIGINT"}, {"value", "VARCHAR"}}
		return r, nil
	}
	r.Columns = []columnar.Column{{Name: "table", Type: "VARCHAR"}, {Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"}}
	for _, t := range tables {
		for _, path := range t.Files {
			f, err := os.Open(path)
			if err != nil {
				return r, err
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var l line
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					f.Close()
					return r, err
				}
				r.Rows = append(r.Rows, []any{t.Name, l.P, l.O})
			}
			f.Close()
		}
		for _, d := range t.Hot {
			r.Rows = append(r.Rows, []any{t.Name, d.Partition, d.Offset})
		}
	}
	return r, nil
}

func (e *fakeEngine) QueryArrow(context.Context, string, []any, []columnar.Table, columnar.Limits, io.Writer) error {
	return errors.New("not in the fake")
}

func (e *fakeEngine) WriteParquet(_ context.Context, w io.Writer, docs []document.Document, opt columnar.FileOptions) (columnar.FileInfo, error) {
	var n int64
	for _, d := range docs {
		b, _ := json.Marshal(line{d.Partition, d.Offset})
		k, err := w.Write(append(b, '\n'))
		if err != nil {
			return columnar.FileInfo{}, err
		}
		n += int64(k)
	}
	return columnar.FileInfo{Rows: int64(len(docs)), Bytes: n}, nil
}

// MergeParquet concatenates the sources' lines; mergeErr, when set,
// fails it.
func (e *fakeEngine) MergeParquet(ctx context.Context, dst string, srcs []string, _ columnar.FileOptions) (columnar.FileInfo, error) {
	e.mu.Lock()
	e.merges++
	fail := e.mergeErr
	e.mu.Unlock()
	if fail != nil {
		return columnar.FileInfo{}, fail
	}
	if len(srcs) == 0 {
		return columnar.FileInfo{}, errors.New("no sources")
	}
	var out []byte
	var rows int64
	for _, p := range srcs {
		b, err := os.ReadFile(p)
		if err != nil {
			return columnar.FileInfo{}, err
		}
		out = append(out, b...)
		rows += int64(strings.Count(string(b), "\n"))
	}
	if err := os.WriteFile(dst, out, 0o600); err != nil {
		return columnar.FileInfo{}, err
	}
	return columnar.FileInfo{Rows: rows, Bytes: int64(len(out))}, nil
}

func (e *fakeEngine) Catalog(_ context.Context, _ string, _ []any, tables []columnar.TableSchema, sess columnar.Session, _ columnar.Limits) (columnar.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catalogTables, e.catalogSess = tables, sess
	return columnar.Result{}, nil
}

func (e *fakeEngine) Close() error { return nil }

type topicList struct {
	mu     sync.Mutex
	topics []topic.Topic
}

func (l *topicList) List() []topic.Topic {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.topics)
}

func (l *topicList) Get(name string) (topic.Topic, bool) {
	for _, t := range l.List() {
		if t.Name == name {
			return t, true
		}
	}
	return topic.Topic{}, false
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var orders = topic.Topic{Name: "orders", ID: topic.ID{0: 9, 15: 1}, Partitions: 2, Configs: map[string]string{"columnar.enabled": "true"}}

type fixture struct {
	t      *testing.T
	meta   metastore.Store
	bucket objstore.Bucket
	topics *topicList
	engine *fakeEngine
}

func newFixture(t *testing.T, topics ...topic.Topic) *fixture {
	return &fixture{t: t, meta: memmeta.New(), bucket: memstore.New(), topics: &topicList{topics: topics}, engine: &fakeEngine{}}
}

func (f *fixture) service(cfg sql.Config) *sql.Service {
	f.t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = f.t.TempDir()
	}
	s, err := sql.New(context.Background(), cfg, f.engine, f.bucket, f.meta, f.topics, clock.System{}, quiet())
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func docs(p int32, from, to int64, ts int64) []document.Document {
	var out []document.Document
	for o := from; o < to; o++ {
		out = append(out, document.Document{Partition: p, Offset: o, Timestamp: ts, Value: []byte("v")})
	}
	return out
}

// offsets runs a query and returns the offsets per partition of table name.
func offsets(t *testing.T, s *sql.Service, name string) (map[int32][]int64, map[int32]int64) {
	t.Helper()
	a, err := s.Query(context.Background(), "SELECT * FROM "+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32][]int64{}
	for _, r := range a.Rows {
		got[r[1].(int32)] = append(got[r[1].(int32)], r[2].(int64))
	}
	for _, v := range got {
		slices.Sort(v)
	}
	return got, a.Watermarks[name]
}

func seq(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

func (f *fixture) objects(prefix string) []string {
	f.t.Helper()
	var keys []string
	for token := ""; ; {
		objs, next, err := f.bucket.List(context.Background(), prefix, token, 0)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, o := range objs {
			keys = append(keys, o.Key)
		}
		if token = next; token == "" {
			return keys
		}
	}
}

var p0 = topic.Partition{Topic: "orders", Index: 0}

func TestHotThenSealedThenRestored(t *testing.T) {
	f := newFixture(t, orders)
	ctx := context.Background()
	s := f.service(sql.Config{HotMaxRecords: 10})
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Index(ctx, p0, docs(0, 0, 7, 1), 7); err != nil {
		t.Fatal(err)
	}
	// Under the seal threshold: durable stays at 0, the documents are hot
	// and visible.
	if d, err := s.Flush(ctx, p0, false); err != nil || d != 0 {
		t.Fatalf("Flush = %d, %v; want 0 (nothing sealed)", d, err)
	}
	got, marks := offsets(t, s, "orders")
	if !slices.Equal(got[0], seq(0, 7)) || marks[0] != 7 || marks[1] != 0 {
		t.Fatalf("hot: %v, watermarks %v", got, marks)
	}
	if err := s.Index(ctx, p0, docs(0, 7, 12, 1), 14); err != nil { // 12, 13: no documents (control batches)
		t.Fatal(err)
	}
	if d, err := s.Flush(ctx, p0, false); err != nil || d != 14 {
		t.Fatalf("Flush = %d, %v; want 14 (sealed)", d, err)
	}
	got, marks = offsets(t, s, "orders")
	if !slices.Equal(got[0], seq(0, 12)) || marks[0] != 14 {
		t.Fatalf("sealed: %v, watermarks %v", got, marks)
	}
	keys := f.objects("columnar/")
	if len(keys) != 1 || !strings.HasPrefix(keys[0], fmt.Sprintf("columnar/orders-%s/0/dt=1970-01-01/", orders.ID)) {
		t.Fatalf("objects %q", keys)
	}

	// A new node with an empty cache (restored from the bucket) answers the
	// same from the bucket before the pipeline opens the partition.
	s2 := f.service(sql.Config{HotMaxRecords: 10})
	got, marks = offsets(t, s2, "orders")
	if !slices.Equal(got[0], seq(0, 12)) || marks[0] != 14 {
		t.Fatalf("restored: %v, watermarks %v", got, marks)
	}
}

// TestOpenDiscardsFilesPastTheWatermark: a file sealed after the last
// saved watermark (a crash between the two) goes at Open, from the
// manifest, the bucket and the answers.
func TestOpenDiscardsFilesPastTheWatermark(t *testing.T) {
	f := newFixture(t, orders)
	ctx := context.Background()
	s := f.service(sql.Config{})
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, 10}, {10, 20}} {
		if err := s.Index(ctx, p0, docs(0, r[0], r[1], 1), r[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Flush(ctx, p0, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.objects("columnar/")); n != 2 {
		t.Fatalf("%d objects, want 2", n)
	}
	s = f.service(sql.Config{}) // restart; the watermark said 10
	if err := s.Open(ctx, p0, orders.ID, 10); err != nil {
		t.Fatal(err)
	}
	got, marks := offsets(t, s, "orders")
	if !slices.Equal(got[0], seq(0, 10)) || marks[0] != 10 {
		t.Fatalf("after Open(10): %v, watermarks %v", got, marks)
	}
	if n := len(f.objects("columnar/")); n != 1 {
		t.Fatalf("%d objects after Open(10), want 1", n)
	}
	// Open inside a file (a merged file whose end was not saved as the
	// watermark yet) keeps the file and skips what the pipeline hands
	// over again below its end: every offset once.
	if err := s.Open(ctx, p0, orders.ID, 5); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Flush(ctx, p0, false); err != nil || d != 5 {
		t.Fatalf("Flush after Open(5): %d %v, want 5", d, err)
	}
	if err := s.Index(ctx, p0, docs(0, 5, 8, 1), 8); err != nil {
		t.Fatal(err)
	}
	if got, marks := offsets(t, s, "orders"); !slices.Equal(got[0], seq(0, 10)) || marks[0] != 10 {
		t.Fatalf("after Open(5), 5-8 again: %v, watermarks %v", got, marks)
	}
	if d, err := s.Flush(ctx, p0, true); err != nil || d != 8 {
		t.Fatalf("Flush: %d %v, want 8 (durable, below the file's end)", d, err)
	}
	if err := s.Index(ctx, p0, docs(0, 8, 15, 1), 15); err != nil {
		t.Fatal(err)
	}
	if got, marks := offsets(t, s, "orders"); !slices.Equal(got[0], seq(0, 15)) || marks[0] != 15 {
		t.Fatalf("after 8-15: %v, watermarks %v", got, marks)
	}
	if d, err := s.Flush(ctx, p0, true); err != nil || d != 15 {
		t.Fatalf("Flush: %d %v, want 15", d, err)
	}
	if got, _ := offsets(t, s, "orders"); !slices.Equal(got[0], seq(0, 15)) {
		t.Fatalf("after sealing 10-15: %v", got)
	}
}

func TestTrimDropAndUnknownTables(t *testing.T) {
	f := newFixture(t, orders)
	ctx := context.Background()
	s := f.service(sql.Config{})
	for n := range int32(2) {
		tp := topic.Partition{Topic: "orders", Index: n}
		if err := s.Open(ctx, tp, orders.ID, 0); err != nil {
			t.Fatal(err)
		}
		for _, r := range [][2]int64{{0, 10}, {10, 20}} {
			if err := s.Index(ctx, tp, docs(n, r[0], r[1], 1), r[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Flush(ctx, tp, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Trim(ctx, p0, 15); err != nil { // the first file ends at 10: it goes; the second stays
		t.Fatal(err)
	}
	got, _ := offsets(t, s, "orders")
	if !slices.Equal(got[0], seq(10, 20)) || !slices.Equal(got[1], seq(0, 20)) {
		t.Fatalf("after Trim: %v", got)
	}
	if err := s.Drop(ctx, orders.ID, 1); err != nil {
		t.Fatal(err)
	}
	if keys := f.objects(fmt.Sprintf("columnar/orders-%s/1/", orders.ID)); len(keys) != 0 {
		t.Fatalf("objects of a dropped partition: %q", keys)
	}
	if _, err := f.meta.Get(ctx, []byte(fmt.Sprintf("columnar/manifest/%s/1", orders.ID))); !errors.Is(err, metastore.ErrNotFound) {
		t.Fatalf("manifest of a dropped partition: %v", err)
	}
	if _, err := s.Query(ctx, "SELECT * FROM missing", nil); !errors.Is(err, columnar.ErrInvalid) || !strings.Contains(err.Error(), `"missing" does not exist`) {
		t.Fatalf("unknown table: %v", err)
	}
	if _, err := s.Query(ctx, "DROP orders", nil); !errors.Is(err, columnar.ErrRefused) {
		t.Fatalf("DROP: %v", err)
	}
	if tables := s.Tables(); len(tables) != 1 || tables[0].Name != "orders" {
		t.Fatalf("Tables() = %v", tables)
	}
}

// TestCacheBoundRefetches: with a cache smaller than the files, queries
// still see every file (fetched again from the bucket).
func TestCacheBoundRefetches(t *testing.T) {
	f := newFixture(t, orders)
	ctx := context.Background()
	dir := t.TempDir()
	s := f.service(sql.Config{CacheDir: dir, CacheBytes: 200})
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	for i := range int64(8) {
		if err := s.Index(ctx, p0, docs(0, i*10, i*10+10, 1), i*10+10); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Flush(ctx, p0, true); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		got, _ := offsets(t, s, "orders")
		if !slices.Equal(got[0], seq(0, 80)) {
			t.Fatalf("got %v", got[0])
		}
	}
	var size int64
	_ = walk(dir, func(n int64) { size += n })
	if size > 200+400 { // the bound, plus the files one query pinned at most
		t.Fatalf("cache holds %d bytes with a bound of 200", size)
	}
}

func walk(dir string, fn func(int64)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			_ = walk(dir+"/"+e.Name(), fn)
			continue
		}
		if info, err := e.Info(); err == nil {
			fn(info.Size())
		}
	}
	return nil
}

func TestHourlyPartitioningSplitsFiles(t *testing.T) {
	hourly := orders.Clone()
	hourly.Configs["columnar.partitioning"] = "hourly"
	f := newFixture(t, hourly)
	ctx := context.Background()
	s := f.service(sql.Config{})
	if err := s.Open(ctx, p0, orders.ID, 0); err != nil {
		t.Fatal(err)
	}
	hour := int64(time.Hour / time.Millisecond)
	batch := append(docs(0, 0, 5, 10*hour+1), docs(0, 5, 10, 11*hour+1)...)
	batch[7].Timestamp = 10*hour + 5 // late: stays in the current file
	if err := s.Index(ctx, p0, batch, 10); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Flush(ctx, p0, true); err != nil || d != 10 {
		t.Fatalf("Flush = %d, %v", d, err)
	}
	keys := f.objects("columnar/")
	if len(keys) != 2 || !strings.Contains(keys[0], "/hour=10/") || !strings.Contains(keys[1], "/hour=11/") {
		t.Fatalf("objects %q", keys)
	}
}

// TestThroughThePipeline feeds the service from the indexing pipeline over
// a memlog, stops and starts both several times, and checks
// that the answers hold every record once.
func TestThroughThePipeline(t *testing.T) {
	f := newFixture(t, orders)
	logs := memlog.New()
	t.Cleanup(func() { _ = logs.Close() })
	cfg := logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: -1, LocalRetentionMs: -2, LocalRetentionBytes: -2}
	for n := range orders.Partitions {
		if err := logs.CreatePartition(context.Background(), topic.Partition{Topic: "orders", Index: n}, orders.ID, cfg); err != nil {
			t.Fatal(err)
		}
	}
	produced := map[int32]int64{}
	produce := func(n int32, count int) {
		for i := 0; i < count; i += 5 {
			var values [][]byte
			for j := range 5 {
				values = append(values, fmt.Appendf(nil, `{"n":%d}`, i+j))
			}
			_, d, err := logs.Append(context.Background(), topic.Partition{Topic: "orders", Index: n}, logstoretest.MakeBatchValues(time.Now().UnixMilli(), -1, -1, -1, values...))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			produced[n] += 5
		}
	}
	for round := range 5 {
		produce(int32(round%2), 100)
		s := f.service(sql.Config{HotMaxRecords: 30})
		p := indexing.New(indexing.Config{Tick: 10 * time.Millisecond, ReadBytes: 512}, logs, f.topics, f.meta, noInflate{}, nil, nil, []indexing.Sink{s}, clock.System{}, quiet())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); p.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, marks := offsets(t, s, "orders")
			if marks[0] == produced[0] && marks[1] == produced[1] {
				for n := range int32(2) {
					if !slices.Equal(got[n], seq(0, produced[n])) {
						t.Fatalf("round %d partition %d: %d offsets, want %d once each", round, n, len(got[n]), produced[n])
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: watermarks %v, produced %v", round, marks, produced)
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	}
}

type noInflate struct{}

func (noInflate) Inflate([]byte, []byte, int8, int) ([]byte, error) {
	return nil, errors.New("compressed batches are not expected here")
}

// TestCatalogDescribesQueryableTables: a catalog query is handed every
// topic with columnar.enabled (and no other), with its columns as
// DESCRIBE gives them, and the caller's session.
func TestCatalogDescribesQueryableTables(t *testing.T) {
	plain := topic.Topic{Name: "plain", ID: topic.ID{0: 7}, Partitions: 1}
	clicks := topic.Topic{Name: "clicks", ID: topic.ID{0: 8}, Partitions: 1, Configs: map[string]string{"columnar.enabled": "true"}}
	f := newFixture(t, orders, plain, clicks)
	s := f.service(sql.Config{MaxConcurrent: 1})
	sess := columnar.Session{User: "alice", Database: "chronik"}
	if _, err := s.Catalog(context.Background(), "SELECT relname FROM pg_class", nil, sess); err != nil {
		t.Fatal(err)
	}
	want := []columnar.TableSchema{}
	for _, n := range []string{"clicks", "orders"} {
		want = append(want, columnar.TableSchema{Name: n, Columns: []columnar.Column{{Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"}, {Name: "value", Type: "VARCHAR"}}})
	}
	f.engine.mu.Lock()
	defer f.engine.mu.Unlock()
	if fmt.Sprint(f.engine.catalogTables) != fmt.Sprint(want) || f.engine.catalogSess.User != "alice" {
		t.Errorf("the engine was given %v as %+v; want %v", f.engine.catalogTables, f.engine.catalogSess, want)
	}
}

// manualClock is a clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestCatalogDescribesOncePerTTL: catalog queries in a burst describe
// each table once; after CatalogTTL it is described again.
func TestCatalogDescribesOncePerTTL(t *testing.T) {
	f := newFixture(t, orders)
	clk := &manualClock{now: time.Unix(1000, 0)}
	s, err := sql.New(context.Background(), sql.Config{CacheDir: t.TempDir(), CatalogTTL: time.Minute}, f.engine, f.bucket, f.meta, f.topics, clk, quiet())
	if err != nil {
		t.Fatal(err)
	}
	describes := func() int {
		f.engine.mu.Lock()
		defer f.engine.mu.Unlock()
		return f.engine.describes
	}
	for range 3 {
		if _, err := s.Catalog(context.Background(), "SELECT 1", nil, columnar.Session{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := describes(); n != 1 {
		t.Fatalf("3 catalog queries in a burst described the table %d times, want 1", n)
	}
	clk.add(time.Minute)
	if _, err := s.Catalog(context.Background(), "SELECT 1", nil, columnar.Session{}); err != nil {
		t.Fatal(err)
	}
	if n := describes(); n != 2 {
		t.Fatalf("after the TTL: %d describes, want 2", n)
	}
}
