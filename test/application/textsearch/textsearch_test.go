package textsearch_test

import (
	"context"
	"encoding/json"
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
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/adapters/textindex/memindex"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

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

var logs = topic.Topic{Name: "logs", ID: topic.ID{0: 7, 15: 1}, Partitions: 2, Configs: map[string]string{"search.enabled": "true"}}

type fixture struct {
	t      *testing.T
	meta   metastore.Store
	bucket objstore.Bucket
	topics *topicList
	disks  map[string]*memindex.Store // memindex keeps a directory's committed indexes in its Store
}

func newFixture(t *testing.T, topics ...topic.Topic) *fixture {
	return &fixture{t: t, meta: memmeta.New(), bucket: memstore.New(), topics: &topicList{topics: topics}, disks: map[string]*memindex.Store{}}
}

// service is a node's text sink: on a new, empty directory (a node
// restored from the bucket) unless cfg.Dir names one used before (the
// same node restarted).
func (f *fixture) service(cfg textsearch.Config) *textsearch.Service {
	f.t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = f.t.TempDir()
	}
	store := f.disks[cfg.Dir]
	if store == nil {
		store = memindex.New()
		f.disks[cfg.Dir] = store
	}
	s, err := textsearch.New(context.Background(), cfg, store, f.bucket, f.meta, f.topics, clock.System{}, quiet())
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = s.Close() })
	return s
}

func line(p int32, o int64) document.Document {
	level := []string{"info", "warn", "error"}[o%3]
	v := fmt.Sprintf(`{"msg":"request %d served by host%d","level":%q,"n":%d,"user":{"name":"u%d"}}`, o, o%4, level, o, o%5)
	return document.Document{Partition: p, Offset: o, Timestamp: 1_700_000_000_000 + o, Value: []byte(v), Kind: document.JSON,
		Fields: document.Object{
			{Name: "msg", Value: fmt.Sprintf("request %d served by host%d", o, o%4)},
			{Name: "level", Value: level},
			{Name: "n", Value: o},
			{Name: "user", Value: document.Object{{Name: "name", Value: fmt.Sprintf("u%d", o%5)}}},
		}}
}

func lines(p int32, from, to int64) []document.Document {
	var out []document.Document
	for o := from; o < to; o++ {
		out = append(out, line(p, o))
	}
	return out
}

// hits searches q over index and returns the offsets per partition (in
// answer order) and the watermarks.
func hits(t *testing.T, s *textsearch.Service, index string, q search.Query) (map[int32][]int64, map[int32]int64) {
	t.Helper()
	res, err := s.Search(context.Background(), index, search.Request{Query: q, Size: 10_000, TrackTotalHits: -1, Sort: []search.Sort{{Field: search.SortDoc}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32][]int64{}
	for _, h := range res.Hits {
		if h.Index != index {
			t.Fatalf("hit of index %q, want %q", h.Index, index)
		}
		got[h.Partition] = append(got[h.Partition], h.Offset)
	}
	total := 0
	for _, v := range got {
		total += len(v)
	}
	if res.Total.Value != int64(total) || res.Total.Relation != search.Exact {
		t.Fatalf("total %+v, %d hits", res.Total, total)
	}
	return got, res.Watermarks[index]
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

var p0 = topic.Partition{Topic: "logs", Index: 0}

func TestActiveThenSealedThenRestored(t *testing.T) {
	f := newFixture(t, logs)
	ctx := context.Background()
	s := f.service(textsearch.Config{SealDocs: 10})
	if err := s.Open(ctx, p0, logs.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Index(ctx, p0, lines(0, 0, 7), 7); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Flush(ctx, p0, false); err != nil || d != 0 {
		t.Fatalf("Flush = %d, %v; want 0 (nothing sealed)", d, err)
	}
	got, marks := hits(t, s, "logs", search.MatchAll{})
	if !slices.Equal(got[0], seq(0, 7)) || marks[0] != 7 || marks[1] != 0 {
		t.Fatalf("active: %v, watermarks %v", got, marks)
	}
	if err := s.Index(ctx, p0, lines(0, 7, 12), 14); err != nil { // 12, 13: control batches
		t.Fatal(err)
	}
	if d, err := s.Flush(ctx, p0, false); err != nil || d != 14 {
		t.Fatalf("Flush = %d, %v; want 14 (sealed)", d, err)
	}
	got, marks = hits(t, s, "logs", search.MatchAll{})
	if !slices.Equal(got[0], seq(0, 12)) || marks[0] != 14 {
		t.Fatalf("sealed: %v, watermarks %v", got, marks)
	}
	keys := f.objects("search/")
	want := fmt.Sprintf("search/logs-%s/0/%020d-%020d.index", logs.ID, 0, 14)
	if len(keys) != 1 || keys[0] != want {
		t.Fatalf("objects %q, want [%s]", keys, want)
	}
	// More documents after the seal go into a new active index; both
	// answer together.
	if err := s.Index(ctx, p0, lines(0, 14, 16), 16); err != nil {
		t.Fatal(err)
	}
	got, _ = hits(t, s, "logs", search.Match{Field: "msg", Text: "host2"})
	if !slices.Equal(got[0], []int64{2, 6, 10, 14}) {
		t.Fatalf("match host2: %v", got)
	}

	// A new node with an empty directory (restored from the bucket)
	// answers from the bucket before the pipeline opens the partition.
	s2 := f.service(textsearch.Config{SealDocs: 10})
	got, marks = hits(t, s2, "logs", search.Match{Field: "msg", Text: "host1"})
	if !slices.Equal(got[0], []int64{1, 5, 9}) || marks[0] != 14 {
		t.Fatalf("restored: %v, watermarks %v", got, marks)
	}
	d, found, err := s2.Get(ctx, "logs", "0-5")
	if err != nil || !found || !strings.Contains(string(d.Source), `"msg":"request 5 served by host1"`) {
		t.Fatalf("Get 0-5 = %s, %v, %v", d.Source, found, err)
	}
	if _, found, err := s2.Get(ctx, "logs", "0-15"); err != nil || found {
		t.Fatalf("Get 0-15 (never sealed) = %v, %v", found, err)
	}
}

func TestOpenDiscardsIndexesPastTheWatermark(t *testing.T) {
	f := newFixture(t, logs)
	ctx := context.Background()
	dir := t.TempDir()
	s := f.service(textsearch.Config{Dir: dir})
	if err := s.Open(ctx, p0, logs.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, 10}, {10, 20}} {
		if err := s.Index(ctx, p0, lines(0, r[0], r[1]), r[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Flush(ctx, p0, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Index(ctx, p0, lines(0, 20, 25), 25); err != nil { // active, never durable
		t.Fatal(err)
	}
	if n := len(f.objects("search/")); n != 2 {
		t.Fatalf("%d objects, want 2", n)
	}
	_ = s.Close()
	s = f.service(textsearch.Config{Dir: dir}) // restart; the watermark said 10
	if err := s.Open(ctx, p0, logs.ID, 10); err != nil {
		t.Fatal(err)
	}
	got, marks := hits(t, s, "logs", search.MatchAll{})
	if !slices.Equal(got[0], seq(0, 10)) || marks[0] != 10 {
		t.Fatalf("after Open(10): %v, watermarks %v", got, marks)
	}
	if n := len(f.objects("search/")); n != 1 {
		t.Fatalf("%d objects after Open(10), want 1", n)
	}
	// The pipeline feeds 10.. again: each offset once.
	if err := s.Index(ctx, p0, lines(0, 10, 25), 25); err != nil {
		t.Fatal(err)
	}
	if got, _ = hits(t, s, "logs", search.MatchAll{}); !slices.Equal(got[0], seq(0, 25)) {
		t.Fatalf("re-fed: %v", got)
	}
	if err := s.Open(ctx, p0, logs.ID, 5); err == nil {
		t.Fatal("Open inside a sealed index was accepted")
	}
}

func TestTrimAndDrop(t *testing.T) {
	f := newFixture(t, logs)
	ctx := context.Background()
	s := f.service(textsearch.Config{})
	for n := range int32(2) {
		tp := topic.Partition{Topic: "logs", Index: n}
		if err := s.Open(ctx, tp, logs.ID, 0); err != nil {
			t.Fatal(err)
		}
		for _, r := range [][2]int64{{0, 10}, {10, 20}} {
			if err := s.Index(ctx, tp, lines(n, r[0], r[1]), r[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Flush(ctx, tp, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Trim(ctx, p0, 15); err != nil { // 0-10 wholly below 15 goes; 10-20 stays
		t.Fatal(err)
	}
	got, _ := hits(t, s, "logs", search.MatchAll{})
	if !slices.Equal(got[0], seq(10, 20)) || !slices.Equal(got[1], seq(0, 20)) {
		t.Fatalf("after Trim: %v", got)
	}
	if n := len(f.objects("search/")); n != 3 {
		t.Fatalf("%d objects after Trim, want 3", n)
	}
	if err := s.Drop(ctx, logs.ID, 1); err != nil {
		t.Fatal(err)
	}
	if got, _ = hits(t, s, "logs", search.MatchAll{}); len(got[1]) != 0 {
		t.Fatalf("after Drop: %v", got)
	}
	if keys := f.objects(fmt.Sprintf("search/logs-%s/1/", logs.ID)); len(keys) != 0 {
		t.Fatalf("objects of the dropped partition: %q", keys)
	}
}

func TestMappingLearntTypedAndKept(t *testing.T) {
	typed := logs
	typed.Configs = map[string]string{"search.enabled": "true", "search.mapping": `{"level": {"type": "keyword"}}`, "search.fields": "msg,level,n,when"}
	f := newFixture(t, typed)
	ctx := context.Background()
	s := f.service(textsearch.Config{})
	if err := s.Open(ctx, p0, typed.ID, 0); err != nil {
		t.Fatal(err)
	}
	docs := lines(0, 0, 6)
	for i := range docs {
		docs[i].Fields = append(docs[i].Fields, document.Field{Name: "when", Value: fmt.Sprintf("2026-01-0%dT00:00:00Z", i+1)})
	}
	// A value of another type than its field's: left out of the field,
	// the document still indexed.
	docs[5].Fields[2].Value = "not a number"
	if err := s.Index(ctx, p0, docs, 6); err != nil {
		t.Fatal(err)
	}
	m, err := s.Mapping(ctx, typed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]search.FieldType{
		"msg": search.Text, "msg.keyword": search.Keyword, "level": search.Keyword, "n": search.Long, "when": search.Date,
		search.FieldPartition: search.Long, search.FieldOffset: search.Long, search.FieldTimestamp: search.Date,
	}
	for path, ft := range want {
		if got, ok := m.Field(path); !ok || got.Type != ft {
			t.Errorf("mapping of %s = %+v, %v; want %s", path, got, ok, ft)
		}
	}
	if _, ok := m.Field("user.name"); ok {
		t.Error("user.name mapped although search.fields leaves it out")
	}
	cases := []struct {
		q    search.Query
		want []int64
	}{
		{search.Term{Field: "level", Value: "error"}, []int64{2, 5}},
		{search.Term{Field: "level", Value: "ERROR"}, nil}, // keyword: exact
		{search.Range{Field: "n", GTE: int64(3)}, []int64{3, 4}},
		{search.Range{Field: "when", GTE: "2026-01-02", LT: "2026-01-04"}, []int64{1, 2}},
		{search.Exists{Field: "n"}, seq(0, 5)},
		{search.Match{Field: "msg", Text: "served request 4"}, seq(0, 6)},
		{search.Match{Field: "msg", Text: "request 4", Operator: search.And}, []int64{4}},
		{search.Term{Field: "user.name", Value: "u1"}, nil},
	}
	for _, c := range cases {
		got, _ := hits(t, s, "logs", c.q)
		if !slices.Equal(got[0], c.want) {
			t.Errorf("%#v: %v, want %v", c.q, got[0], c.want)
		}
	}
	// The mapping is saved with the first seal, and a new node reads it.
	if _, err := s.Flush(ctx, p0, true); err != nil {
		t.Fatal(err)
	}
	m2, err := f.service(textsearch.Config{}).Mapping(ctx, typed)
	if err != nil || len(m2.Fields) != len(m.Fields) {
		t.Fatalf("restored mapping: %d fields, %v; want %d", len(m2.Fields), err, len(m.Fields))
	}
}

func TestSearchMergesPartitionsPagesAndAggregates(t *testing.T) {
	f := newFixture(t, logs)
	ctx := context.Background()
	s := f.service(textsearch.Config{SealDocs: 7})
	for n := range int32(2) {
		tp := topic.Partition{Topic: "logs", Index: n}
		if err := s.Open(ctx, tp, logs.ID, 0); err != nil {
			t.Fatal(err)
		}
		for from := int64(0); from < 30; from += 5 {
			if err := s.Index(ctx, tp, lines(n, from, from+5), from+5); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Flush(ctx, tp, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	// search_after pages through every hit once, across partitions and
	// across sealed and active indexes.
	req := search.Request{Size: 7, Sort: []search.Sort{{Field: "n", Order: search.Desc}, {Field: search.SortDoc}}, TrackTotalHits: -1}
	seen := map[string]bool{}
	for page := 0; ; page++ {
		res, err := s.Search(ctx, "log*", req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total.Value != 60 {
			t.Fatalf("total %+v", res.Total)
		}
		if len(res.Hits) == 0 {
			break
		}
		for _, h := range res.Hits {
			if seen[h.ID()] {
				t.Fatalf("page %d: %s again", page, h.ID())
			}
			seen[h.ID()] = true
		}
		req.SearchAfter = res.Hits[len(res.Hits)-1].Sort
		if page > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 60 {
		t.Fatalf("%d hits paged, want 60", len(seen))
	}
	res, err := s.Search(ctx, "logs", search.Request{Size: 0, Aggs: []search.Aggregation{
		{Name: "levels", Kind: search.AggTerms, Field: "level.keyword"},
		{Name: "sum", Kind: search.AggSum, Field: "n"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 || len(res.Aggs) != 2 {
		t.Fatalf("%d hits, %d aggregations", len(res.Hits), len(res.Aggs))
	}
	counts := map[any]int64{}
	for _, b := range res.Aggs[0].Buckets {
		counts[b.Key] = b.DocCount
	}
	if counts["info"] != 20 || counts["warn"] != 20 || counts["error"] != 20 {
		t.Fatalf("level buckets %v", counts)
	}
	if v := res.Aggs[1].Value; v == nil || *v != 2*float64(29*30/2) {
		t.Fatalf("sum %v", v)
	}
	if _, err := s.Search(ctx, "nope", search.Request{}); !errors.Is(err, textsearch.ErrNoIndex) {
		t.Fatalf("unknown index: %v", err)
	}
	if _, err := s.Search(ctx, "logs", search.Request{From: 9_999, Size: 2}); !errors.Is(err, textsearch.ErrWindow) {
		t.Fatalf("past the window: %v", err)
	}
	if ts, err := s.Resolve("nomatch*"); err != nil || len(ts) != 0 {
		t.Fatalf("a pattern matching nothing: %v, %v", ts, err)
	}
}

// TestThroughThePipeline restarts the pipeline and the sink over a log
// that grows between rounds (as a node killed and started again): each
// round's answers hold every offset once.
func TestThroughThePipeline(t *testing.T) {
	f := newFixture(t, logs)
	store := memlog.New()
	t.Cleanup(func() { _ = store.Close() })
	cfg := logstore.PartitionConfig{RetentionMs: -1, RetentionBytes: -1, LocalRetentionMs: -2, LocalRetentionBytes: -2}
	for n := range logs.Partitions {
		if err := store.CreatePartition(context.Background(), topic.Partition{Topic: "logs", Index: n}, logs.ID, cfg); err != nil {
			t.Fatal(err)
		}
	}
	produced := map[int32]int64{}
	produce := func(n int32, count int) {
		for i := 0; i < count; i += 5 {
			var values [][]byte
			for j := range 5 {
				b, _ := json.Marshal(map[string]any{"msg": fmt.Sprintf("line %d", i+j), "n": i + j})
				values = append(values, b)
			}
			_, d, err := store.Append(context.Background(), topic.Partition{Topic: "logs", Index: n}, logstoretest.MakeBatchValues(time.Now().UnixMilli(), -1, -1, -1, values...))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			produced[n] += 5
		}
	}
	dir := t.TempDir()
	for round := range 5 {
		produce(int32(round%2), 100)
		s := f.service(textsearch.Config{Dir: dir, SealDocs: 30})
		p := indexing.New(indexing.Config{Tick: 10 * time.Millisecond, ReadBytes: 512}, store, f.topics, f.meta, noInflate{}, nil, nil, []indexing.Sink{s}, clock.System{}, quiet())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); p.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, marks := hits(t, s, "logs", search.MatchAll{})
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
		_ = s.Close()
	}
}

type noInflate struct{}

func (noInflate) Inflate([]byte, []byte, int8, int) ([]byte, error) {
	return nil, errors.New("compressed batches are not expected here")
}

// TestMappingIsBounded: documents whose field names never repeat map at
// most textsearch.MaxFields fields; every document is still indexed, and
// a field past the bound is simply not searchable.
func TestMappingIsBounded(t *testing.T) {
	f := newFixture(t, logs)
	ctx := context.Background()
	s := f.service(textsearch.Config{})
	if err := s.Open(ctx, p0, logs.ID, 0); err != nil {
		t.Fatal(err)
	}
	const n = 1500
	var docs []document.Document
	for o := int64(0); o < n; o++ {
		d := line(0, o)
		d.Fields = append(d.Fields, document.Field{Name: fmt.Sprintf("id_%d", o), Value: o})
		d.Fields = append(d.Fields, document.Field{Name: strings.Repeat("x", textsearch.MaxPathBytes+1), Value: "long"})
		docs = append(docs, d)
	}
	for i := 0; i < n; i += 100 {
		if err := s.Index(ctx, p0, docs[i:i+100], int64(i+100)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := s.Mapping(ctx, logs)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Fields) > textsearch.MaxFields {
		t.Fatalf("%d fields mapped, bound %d", len(m.Fields), textsearch.MaxFields)
	}
	if _, ok := m.Field(strings.Repeat("x", textsearch.MaxPathBytes+1)); ok {
		t.Fatal("a path past MaxPathBytes was mapped")
	}
	got, _ := hits(t, s, "logs", search.MatchAll{})
	if !slices.Equal(got[0], seq(0, n)) {
		t.Fatalf("%d documents indexed, want %d", len(got[0]), n)
	}
	if got, _ = hits(t, s, "logs", search.Term{Field: "id_1499", Value: int64(1499)}); len(got[0]) != 0 {
		t.Fatalf("a field past the bound answered: %v", got)
	}
	if got, _ = hits(t, s, "logs", search.Term{Field: "id_3", Value: int64(3)}); !slices.Equal(got[0], []int64{3}) {
		t.Fatalf("a field within the bound: %v", got)
	}
}
