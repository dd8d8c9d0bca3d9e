package indexing_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// sinkFiles is what a test sink keeps across pipeline restarts: its
// sealed files per partition, as a disk would.
type sinkFiles struct {
	mu    sync.Mutex
	files map[string][]file // by topic id + partition
	drops []string
}

type file struct {
	from, to int64
	offsets  []int64
}

func key(id topic.ID, n int32) string { return fmt.Sprintf("%s/%d", id, n) }

// testSink is a Sink that keeps hot offsets in memory and seals them into
// a file every sealEvery records (or on force). It checks the protocol:
// documents arrive in order, from its position, never twice.
type testSink struct {
	t         *testing.T
	disk      *sinkFiles
	sealEvery int

	mu      sync.Mutex
	hot     map[string]*hot
	ids     map[topic.Partition]topic.ID
	docs    map[string]map[int64]document.Document // every document indexed, by key and offset
	trimmed map[string]int64
	failAt  int // Index calls before every call fails (0: never)
	calls   int
	dead    bool          // crashed: every Index and Flush fails
	work    time.Duration // how long each Index takes (sleeps)
	busy    time.Duration // the total of those
}

type hot struct {
	pos     int64
	offsets []int64
}

func newSink(t *testing.T, disk *sinkFiles, sealEvery int) *testSink {
	return &testSink{t: t, disk: disk, sealEvery: sealEvery, hot: map[string]*hot{}, ids: map[topic.Partition]topic.ID{},
		docs: map[string]map[int64]document.Document{}, trimmed: map[string]int64{}}
}

func (s *testSink) Name() string { return "test" }

func (s *testSink) Enabled(t topic.Topic) bool {
	v, _ := t.Value("columnar.enabled")
	return v == "true"
}

func (s *testSink) Open(_ context.Context, p topic.Partition, id topic.ID, from int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disk.mu.Lock()
	defer s.disk.mu.Unlock()
	k := key(id, p.Index)
	files := s.disk.files[k]
	for len(files) > 0 && files[len(files)-1].from >= from {
		files = files[:len(files)-1]
	}
	if len(files) > 0 && files[len(files)-1].to > from {
		s.t.Errorf("Open(%s, %d): a sealed file spans it: %d-%d", k, from, files[len(files)-1].from, files[len(files)-1].to)
	}
	s.disk.files[k] = files
	s.hot[k] = &hot{pos: from}
	s.ids[p] = id
	return nil
}

func (s *testSink) Index(_ context.Context, p topic.Partition, docs []document.Document, next int64) error {
	if s.work > 0 {
		time.Sleep(s.work)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy += s.work
	s.calls++
	if s.dead || (s.failAt > 0 && s.calls >= s.failAt) {
		return errors.New("test sink: failing as told")
	}
	k := key(s.ids[p], p.Index)
	h := s.hot[k]
	if h == nil {
		s.t.Errorf("Index(%s) before Open", k)
		return nil
	}
	if s.docs[k] == nil {
		s.docs[k] = map[int64]document.Document{}
	}
	for _, d := range docs {
		if d.Offset < h.pos || d.Offset >= next {
			s.t.Errorf("Index(%s): offset %d outside [%d, %d)", k, d.Offset, h.pos, next)
		}
		if len(h.offsets) > 0 && d.Offset <= h.offsets[len(h.offsets)-1] {
			s.t.Errorf("Index(%s): offset %d after %d", k, d.Offset, h.offsets[len(h.offsets)-1])
		}
		h.offsets = append(h.offsets, d.Offset)
		s.docs[k][d.Offset] = d
	}
	h.pos = next
	return nil
}

func (s *testSink) Flush(_ context.Context, p topic.Partition, force bool) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead || (s.failAt > 0 && s.calls >= s.failAt) {
		return 0, errors.New("test sink: failing as told")
	}
	k := key(s.ids[p], p.Index)
	h := s.hot[k]
	s.disk.mu.Lock()
	defer s.disk.mu.Unlock()
	files := s.disk.files[k]
	durable := h.pos
	if len(h.offsets) > 0 && (force || len(h.offsets) >= s.sealEvery) {
		from := int64(0)
		if len(files) > 0 {
			from = files[len(files)-1].to
		}
		files = append(files, file{from: from, to: h.pos, offsets: h.offsets})
		s.disk.files[k] = files
		h.offsets = nil
	} else if len(h.offsets) > 0 {
		durable = h.offsets[0]
	}
	return durable, nil
}

func (s *testSink) Trim(_ context.Context, p topic.Partition, logStart int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trimmed[key(s.ids[p], p.Index)] = logStart
	return nil
}

func (s *testSink) Drop(_ context.Context, id topic.ID, n int32) error {
	s.disk.mu.Lock()
	defer s.disk.mu.Unlock()
	delete(s.disk.files, key(id, n))
	s.disk.drops = append(s.disk.drops, key(id, n))
	return nil
}

// durableOffsets lists the offsets in k's sealed files, in order.
func (d *sinkFiles) durableOffsets(k string) []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int64
	for _, f := range d.files[k] {
		out = append(out, f.offsets...)
	}
	return out
}

// topicList is a Topics whose list a test changes.
type topicList struct {
	mu     sync.Mutex
	topics []topic.Topic
}

func (l *topicList) List() []topic.Topic {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.topics)
}

func (l *topicList) set(ts ...topic.Topic) {
	l.mu.Lock()
	l.topics = ts
	l.mu.Unlock()
}

// noInflate is an Inflater for logs of uncompressed batches only.
type noInflate struct{}

func (noInflate) Inflate([]byte, []byte, int8, int) ([]byte, error) {
	return nil, errors.New("compressed batches are not expected here")
}

// faultyMeta fails watermark writes while failing is set, like a crash
// between a sink sealing a file and the watermark being saved.
type faultyMeta struct {
	metastore.Store
	mu      sync.Mutex
	failing bool
}

func (m *faultyMeta) Apply(ctx context.Context, ops ...metastore.Op) error {
	m.mu.Lock()
	failing := m.failing
	m.mu.Unlock()
	if failing {
		return errors.New("metastore: failing as told")
	}
	return m.Store.Apply(ctx, ops...)
}

func (m *faultyMeta) fail(on bool) {
	m.mu.Lock()
	m.failing = on
	m.mu.Unlock()
}

type fixture struct {
	t      *testing.T
	logs   *memlog.Store
	meta   *faultyMeta
	topics *topicList
	disk   *sinkFiles
	logBuf *syncBuffer
	// appends is what start passes the pipeline as indexing.Appends.
	appends indexing.Appends
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var orders = topic.Topic{Name: "orders", ID: topic.ID{0: 1, 15: 1}, Partitions: 2, Configs: map[string]string{"columnar.enabled": "true"}}

func newFixture(t *testing.T, topics ...topic.Topic) *fixture {
	t.Helper()
	f := &fixture{t: t, logs: memlog.New(), meta: &faultyMeta{Store: memmeta.New()}, topics: &topicList{},
		disk: &sinkFiles{files: map[string][]file{}}, logBuf: &syncBuffer{}}
	t.Cleanup(func() { _ = f.logs.Close() })
	for _, tp := range topics {
		f.create(tp)
	}
	f.topics.set(topics...)
	return f
}

func (f *fixture) create(tp topic.Topic) {
	f.t.Helper()
	cfg := logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: -1, LocalRetentionMs: -2, LocalRetentionBytes: -2}
	for n := range tp.Partitions {
		if err := f.logs.CreatePartition(context.Background(), topic.Partition{Topic: tp.Name, Index: n}, tp.ID, cfg); err != nil {
			f.t.Fatal(err)
		}
	}
}

// produce appends batches of values to partition n of t.
func (f *fixture) produce(t string, n int32, values ...[]byte) {
	f.t.Helper()
	for len(values) > 0 {
		k := min(len(values), 7)
		b := logstoretest.MakeBatchValues(time.Now().UnixMilli(), -1, -1, -1, values[:k]...)
		_, d, err := f.logs.Append(context.Background(), topic.Partition{Topic: t, Index: n}, b)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := d.Wait(context.Background()); err != nil {
			f.t.Fatal(err)
		}
		values = values[k:]
	}
}

func jsonValues(from, count int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"id":%d,"name":"n%d","nested":{"ok":true}}`, from+i, from+i)
	}
	return out
}

// running is a pipeline that Run runs until stop.
type running struct {
	p      *indexing.Pipeline
	sink   *testSink
	cancel context.CancelFunc
	done   chan struct{}
}

func (f *fixture) start(sink *testSink, schemas indexing.Schemas, cfg indexing.Config) *running {
	f.t.Helper()
	if cfg.Tick == 0 {
		cfg.Tick = 20 * time.Millisecond
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = 30 * time.Millisecond
	}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(f.logBuf), nil))
	p := indexing.New(cfg, f.logs, f.topics, f.meta, noInflate{}, schemas, f.appends, []indexing.Sink{sink}, clock.System{}, logger)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{p: p, sink: sink, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		p.Run(ctx)
	}()
	f.t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *running) caughtUp(hw map[topic.Partition]int64) func() bool {
	return func() bool {
		got := 0
		for _, s := range r.p.Stats() {
			if want, ok := hw[s.Partition]; ok && s.Indexed == want && s.HighWatermark == want {
				got++
			}
		}
		return got == len(hw)
	}
}

// checkExactlyOnce checks that the sealed files of each partition hold
// every offset in [from, hw) once, in order.
func (f *fixture) checkExactlyOnce(id topic.ID, hw map[int32]int64, from int64) {
	f.t.Helper()
	for n, end := range hw {
		got := f.disk.durableOffsets(key(id, n))
		if int64(len(got)) != end-from {
			f.t.Errorf("partition %d: %d offsets durable, want %d", n, len(got), end-from)
		}
		for i, off := range got {
			if off != from+int64(i) {
				f.t.Errorf("partition %d: offset at %d is %d, want %d (gap or duplicate)", n, i, off, from+int64(i))
				break
			}
		}
	}
}

func TestBackfillFollowAndDecode(t *testing.T) {
	f := newFixture(t, orders)
	f.produce("orders", 0, jsonValues(0, 300)...)
	f.produce("orders", 1, []byte("plain text"), nil, []byte(`[1,2]`), []byte(`{"a":`))
	r := f.start(newSink(t, f.disk, 50), nil, indexing.Config{ReadBytes: 2 << 10})
	p0, p1 := topic.Partition{Topic: "orders", Index: 0}, topic.Partition{Topic: "orders", Index: 1}
	waitFor(t, "backfill", r.caughtUp(map[topic.Partition]int64{p0: 300, p1: 4}))

	f.produce("orders", 0, jsonValues(300, 200)...)
	waitFor(t, "new records", r.caughtUp(map[topic.Partition]int64{p0: 500, p1: 4}))
	r.stop()
	f.checkExactlyOnce(orders.ID, map[int32]int64{0: 500, 1: 4}, 0)

	docs := r.sink.docs[key(orders.ID, 0)]
	d := docs[123]
	if d.Kind != document.JSON || d.Partition != 0 || d.Offset != 123 {
		t.Fatalf("offset 123: %+v", d)
	}
	if v, _ := d.Fields.Get("id"); v != int64(123) {
		t.Fatalf("offset 123: id %v", v)
	}
	if v, _ := d.Fields.Get("nested"); !slices.Equal(v.(document.Object), document.Object{{Name: "ok", Value: true}}) {
		t.Fatalf("offset 123: nested %v", v)
	}
	raw := r.sink.docs[key(orders.ID, 1)]
	for off, want := range []string{"plain text", "", "[1,2]", `{"a":`} {
		if d := raw[int64(off)]; d.Kind != document.Raw || string(d.Value) != want {
			t.Errorf("partition 1 offset %d: kind %d value %q, want raw %q", off, d.Kind, d.Value, want)
		}
	}
	if raw[1].Value != nil {
		t.Errorf("a null value arrived as %q", raw[1].Value)
	}

	// The clean stop flushed everything and saved the watermarks.
	for n, want := range map[int32]int64{0: 500, 1: 4} {
		v, err := f.meta.Get(context.Background(), []byte(fmt.Sprintf("indexing/test/%s/%d", orders.ID, n)))
		if err != nil || int64(binary.BigEndian.Uint64(v)) != want {
			t.Errorf("watermark of partition %d: %v %v, want %d", n, v, err, want)
		}
	}
}

func TestStatsReportLag(t *testing.T) {
	f := newFixture(t, orders)
	f.produce("orders", 0, jsonValues(0, 100)...)
	sink := newSink(t, f.disk, 10)
	sink.failAt = 1 // nothing gets in: the lag stays
	r := f.start(sink, nil, indexing.Config{})
	waitFor(t, "stats", func() bool {
		for _, s := range r.p.Stats() {
			if s.Partition.Index == 0 && s.HighWatermark == 100 && s.LagRecords == 100 {
				return true
			}
		}
		return false
	})
	if !strings.Contains(f.logBuf.String(), "indexing failed; retrying") {
		t.Fatalf("the failing sink was not logged:\n%s", f.logBuf.String())
	}
	r.stop()
	if got := f.disk.durableOffsets(key(orders.ID, 0)); len(got) != 0 {
		t.Fatalf("a sink that failed every Index has %d durable offsets", len(got))
	}
}

// TestExactlyOnceAcrossCrashes stops the pipeline at many points, in the
// worst way for each (its sink fails from then on, so its hot documents
// are lost; or the watermark cannot be saved after the sink sealed), and
// checks after each restart that every offset is durable exactly once.
func TestExactlyOnceAcrossCrashes(t *testing.T) {
	f := newFixture(t, orders)
	produced := 0
	for round := range 12 {
		f.produce("orders", int32(round%2), jsonValues(produced, 97)...)
		produced += 97
		sink := newSink(t, f.disk, 30+7*round)
		sink.failAt = 2 + round%4 // the crash, in the middle of a catch-up
		r := f.start(sink, nil, indexing.Config{ReadBytes: 1 << 10})
		time.Sleep(time.Duration(round%4) * 15 * time.Millisecond)
		if round%3 == 0 {
			f.meta.fail(true) // seals may land, watermarks do not
			time.Sleep(30 * time.Millisecond)
		}
		sink.mu.Lock()
		sink.dead = true // the crash: nothing more gets in or out
		sink.mu.Unlock()
		r.stop()
		f.meta.fail(false)
	}
	r := f.start(newSink(t, f.disk, 1000), nil, indexing.Config{})
	hw := map[topic.Partition]int64{}
	want := map[int32]int64{}
	for n := range int32(2) {
		offs, _ := f.logs.Offsets(topic.Partition{Topic: "orders", Index: n})
		hw[topic.Partition{Topic: "orders", Index: n}] = offs.HighWatermark
		want[n] = offs.HighWatermark
	}
	waitFor(t, "catch-up after the crashes", r.caughtUp(hw))
	r.stop()
	f.checkExactlyOnce(orders.ID, want, 0)
}

// schemaIDs decodes id 1 only.
type schemaIDs struct{}

func (schemaIDs) Decode(_ context.Context, id int32, payload []byte) (document.Object, error) {
	if id != 1 {
		return nil, fmt.Errorf("%w: schema id %d is not registered", document.ErrUndecodable, id)
	}
	return document.Object{{Name: "payload", Value: string(payload)}}, nil
}

func framed(id uint32, payload string) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{0}, id), payload...)
}

func TestUndecodableValuesAreCountedAndIndexedWhole(t *testing.T) {
	f := newFixture(t, orders)
	var values [][]byte
	for i := range 30 {
		values = append(values, framed(uint32(1+i%3), fmt.Sprint(i))) // ids 1, 2, 3
	}
	f.produce("orders", 0, values...)
	r := f.start(newSink(t, f.disk, 5), schemaIDs{}, indexing.Config{})
	p0 := topic.Partition{Topic: "orders", Index: 0}
	waitFor(t, "indexing", r.caughtUp(map[topic.Partition]int64{p0: 30}))
	r.stop()
	var st indexing.Stats
	for _, s := range r.p.Stats() {
		if s.Partition == p0 {
			st = s
		}
	}
	if st.Undecodable != 20 {
		t.Fatalf("Undecodable = %d, want 20", st.Undecodable)
	}
	docs := r.sink.docs[key(orders.ID, 0)]
	if len(docs) != 30 {
		t.Fatalf("%d documents indexed, want all 30", len(docs))
	}
	for off, d := range docs {
		wantSchema := off%3 == 0
		if (d.Kind == document.Schema) != wantSchema || (wantSchema && d.SchemaID != 1) {
			t.Errorf("offset %d: kind %d schema id %d", off, d.Kind, d.SchemaID)
		}
	}
	logged := f.logBuf.String()
	if n := strings.Count(logged, "a value cannot be decoded"); n != 2 {
		t.Fatalf("logged %d times, want once per cause (2 causes):\n%s", n, logged)
	}
}

func TestDisableDeleteAndRetention(t *testing.T) {
	other := topic.Topic{Name: "other", ID: topic.ID{0: 2}, Partitions: 1, Configs: map[string]string{"columnar.enabled": "true"}}
	f := newFixture(t, orders, other)
	f.produce("orders", 0, jsonValues(0, 40)...)
	f.produce("other", 0, jsonValues(0, 40)...)
	if _, err := f.logs.DeleteRecords(context.Background(), topic.Partition{Topic: "orders", Index: 0}, 10); err != nil {
		t.Fatal(err)
	}
	r := f.start(newSink(t, f.disk, 5), nil, indexing.Config{})
	p0, o0 := topic.Partition{Topic: "orders", Index: 0}, topic.Partition{Topic: "other", Index: 0}
	waitFor(t, "indexing", r.caughtUp(map[topic.Partition]int64{p0: 40, o0: 40}))
	f.checkExactlyOnce(orders.ID, map[int32]int64{0: 40}, 10) // a new sink starts at the log start
	for _, s := range r.p.Stats() {
		if s.Partition == p0 && s.Skipped != 0 {
			t.Errorf("orders-0 skipped %d records, want 0", s.Skipped)
		}
	}
	if _, err := f.logs.DeleteRecords(context.Background(), p0, 25); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "trim", func() bool {
		r.sink.mu.Lock()
		defer r.sink.mu.Unlock()
		return r.sink.trimmed[key(orders.ID, 0)] == 25
	})

	// Disable the sink on orders, delete other: their data and watermarks go.
	disabled := orders.Clone()
	disabled.Configs["columnar.enabled"] = "false"
	f.topics.set(disabled)
	waitFor(t, "drops", func() bool {
		f.disk.mu.Lock()
		defer f.disk.mu.Unlock()
		return len(f.disk.files) == 0 && len(f.disk.drops) == 3
	})
	waitFor(t, "no stats of dropped feeds", func() bool { return len(r.p.Stats()) == 0 })
	r.stop()
	var left []string
	_ = f.meta.Scan(context.Background(), []byte("indexing/"), func(k, _ []byte) error {
		left = append(left, string(k))
		return nil
	})
	if len(left) != 0 {
		t.Fatalf("watermarks left after drop: %q", left)
	}
}

// TestOrphansDroppedAtStart: a topic deleted while the node was down
// leaves a watermark; the next start drops its sink data and watermark.
func TestOrphansDroppedAtStart(t *testing.T) {
	f := newFixture(t, orders)
	f.produce("orders", 0, jsonValues(0, 20)...)
	r := f.start(newSink(t, f.disk, 5), nil, indexing.Config{})
	waitFor(t, "indexing", r.caughtUp(map[topic.Partition]int64{{Topic: "orders", Index: 0}: 20}))
	r.stop()
	f.topics.set()
	r = f.start(newSink(t, f.disk, 5), nil, indexing.Config{})
	waitFor(t, "orphans dropped", func() bool {
		f.disk.mu.Lock()
		defer f.disk.mu.Unlock()
		return len(f.disk.files) == 0
	})
	r.stop()
	if _, err := f.meta.Get(context.Background(), []byte(fmt.Sprintf("indexing/test/%s/0", orders.ID))); !errors.Is(err, metastore.ErrNotFound) {
		t.Fatalf("watermark of a deleted topic: %v", err)
	}
}

// TestRecordsDeletedWhileDownAreSkipped: records retention deleted after
// the watermark, before the sink had them, are counted and skipped.
func TestRecordsDeletedWhileDownAreSkipped(t *testing.T) {
	f := newFixture(t, orders)
	p0 := topic.Partition{Topic: "orders", Index: 0}
	f.produce("orders", 0, jsonValues(0, 40)...)
	r := f.start(newSink(t, f.disk, 5), nil, indexing.Config{})
	waitFor(t, "indexing", r.caughtUp(map[topic.Partition]int64{p0: 40}))
	r.stop()
	f.produce("orders", 0, jsonValues(40, 20)...)
	if _, err := f.logs.DeleteRecords(context.Background(), p0, 50); err != nil {
		t.Fatal(err)
	}
	r = f.start(newSink(t, f.disk, 5), nil, indexing.Config{})
	waitFor(t, "indexing after the restart", r.caughtUp(map[topic.Partition]int64{p0: 60}))
	r.stop()
	var want []int64
	for off := range int64(60) {
		if off < 40 || off >= 50 {
			want = append(want, off)
		}
	}
	if got := f.disk.durableOffsets(key(orders.ID, 0)); !slices.Equal(got, want) {
		t.Fatalf("durable offsets %v, want %v", got, want)
	}
	if st := r.p.Stats(); len(st) == 0 || st[0].Skipped != 10 {
		t.Fatalf("stats %+v, want 10 skipped", st)
	}
}
