// Package textindextest is the conformance suite of the textindex port
// and its golden test. Every adapter runs the suite from its own tests:
//
//	func TestConformance(t *testing.T) {
//		textindextest.Run(t, func(t *testing.T) textindex.Store { return memindex.New() })
//	}
//
// and test/textindex holds bleveindex to memindex (the oracle) with
// Golden. Beyond the port's doc comments, the suite pins down:
//   - a document added at an offset already held replaces it;
//   - a batch with a field the mapping lacks, of an unknown type, with
//     an unknown analyzer or a value of another type than its field's is
//     refused whole (ErrInvalid);
//   - Pack → Unpack → Open answers as the original, and more documents
//     can be added after;
//   - a damaged packed stream gives ErrCorrupt, or (damage to bytes the
//     format ignores) an index that answers as the original;
//   - Close is idempotent, and every method after it returns ErrClosed;
//   - Search under a cancelled context returns context.Canceled; one
//     past its request Timeout answers TimedOut (not an error);
//   - searches run alongside Add.
//
// Golden compares, case by case (cases.go), the hit sets and totals of
// every query type and request option; the order, sort values, _source
// and highlights whenever the request sorts by fields or _doc; and, for
// the cases marked Scores (one term, where bleve's tf-idf and the
// oracle's are the same formula: sqrt(tf) · 1/sqrt(field length) ·
// (1 + ln(docs/(docFreq+1)))), the scores within ScoreTolerance and the
// score order. Queries of several terms are scored by bleve with query
// norms and coordination factors the oracle does not render, so only
// their hit sets are compared. The corpus keeps to what the oracle's
// analyzers render exactly: ASCII words, no colon or apostrophe inside words,
// and for the english analyzer the forms of connect, request, start and
// timeout (the oracle's stemmer is not Porter's in general). Every case
// must match something in one partition unless marked Empty.
package textindextest

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Run runs the conformance suite; newStore returns a new Store for each
// subtest.
func Run(t *testing.T, newStore func(t *testing.T) textindex.Store) {
	t.Helper()
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s textindex.Store)
	}{
		{"add_get_count", testAddGetCount},
		{"replace_same_offset", testReplace},
		{"refused_batch_adds_nothing", testRefusedBatch},
		{"reopen_and_add", testReopen},
		{"pack_unpack", testPackUnpack},
		{"unpack_damaged", testUnpackDamaged},
		{"unpack_into_used_dir", testUnpackUsedDir},
		{"close_twice", testClose},
		{"cancelled_context", testCancelled},
		{"timeout_answers_timed_out", testTimeout},
		{"concurrent_add_and_search", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

func open(t *testing.T, s textindex.Store, dir string) textindex.Index {
	t.Helper()
	ix, err := s.Open(context.Background(), dir, textindex.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func add(t *testing.T, ix textindex.Index, docs []search.Doc) {
	t.Helper()
	if err := ix.Add(context.Background(), docs, CorpusMapping()); err != nil {
		t.Fatalf("add: %v", err)
	}
}

func count(t *testing.T, ix textindex.Index) int64 {
	t.Helper()
	n, err := ix.Count()
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func searchIDs(t *testing.T, ix textindex.Index, q search.Query) []string {
	t.Helper()
	a, err := ix.Search(context.Background(), search.Request{Query: q, Size: 1000, TrackTotalHits: -1, Now: CorpusNow,
		Sort: []search.Sort{{Field: search.SortDoc}}}, CorpusMapping())
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	ids := []string{}
	for _, h := range a.Result.Hits {
		ids = append(ids, h.ID())
	}
	return ids
}

func testAddGetCount(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	docs := Corpus(7, 3, 50)
	add(t, ix, docs)
	if n := count(t, ix); n != 50 {
		t.Fatalf("count %d, want 50", n)
	}
	for _, d := range docs[:10] {
		got, ok, err := ix.Get(ctx, 3, d.Offset)
		if err != nil || !ok {
			t.Fatalf("get %d: %v %v", d.Offset, ok, err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("get %d: %+v, want %+v", d.Offset, got, d)
		}
	}
	if _, ok, err := ix.Get(ctx, 3, 50); ok || err != nil {
		t.Fatalf("get of an absent offset: %v %v", ok, err)
	}
	if _, ok, err := ix.Get(ctx, 4, 1); ok || err != nil {
		t.Fatalf("get of another partition: %v %v", ok, err)
	}
	if ids := searchIDs(t, ix, search.IDs{Values: []string{"3-4", "3-49"}}); !reflect.DeepEqual(ids, []string{"3-4", "3-49"}) {
		t.Fatalf("ids query found %v", ids)
	}
}

func testReplace(t *testing.T, s textindex.Store) {
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	docs := Corpus(7, 0, 20)
	add(t, ix, docs)
	d := docs[5]
	d.Fields = []search.FieldValue{{Path: "msg", Type: search.Text, Str: "replaced zebra"}}
	d.Source = []byte(`{"msg":"replaced zebra"}`)
	add(t, ix, []search.Doc{d})
	if n := count(t, ix); n != 20 {
		t.Fatalf("count %d after replacing, want 20", n)
	}
	if ids := searchIDs(t, ix, search.Match{Field: "msg", Text: "zebra"}); !reflect.DeepEqual(ids, []string{"0-5"}) {
		t.Fatalf("zebra found in %v", ids)
	}
	if ids := searchIDs(t, ix, search.Exists{Field: "host"}); len(ids) != 19 {
		t.Fatalf("the replaced document kept its old fields: %d with host", len(ids))
	}
}

func testRefusedBatch(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	if _, err := s.Open(ctx, filepath.Join(t.TempDir(), "x"), textindex.Options{DefaultAnalyzer: "klingon"}); !errors.Is(err, textindex.ErrInvalid) {
		t.Fatalf("open with an unknown analyzer: %v", err)
	}
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	good := Corpus(7, 0, 3)
	for name, m := range map[string]search.Mapping{
		"unmapped_field":   {Fields: map[string]search.FieldMapping{"msg": {Type: search.Text, Index: true}}},
		"unknown_type":     {Fields: withField(CorpusMapping(), "msg", search.FieldMapping{Type: "geo_point", Index: true})},
		"unknown_analyzer": {Fields: withField(CorpusMapping(), "msg", search.FieldMapping{Type: search.Text, Analyzer: "klingon", Index: true})},
	} {
		if err := ix.Add(ctx, good, m); !errors.Is(err, textindex.ErrInvalid) {
			t.Fatalf("%s: add err %v, want ErrInvalid", name, err)
		}
	}
	bad := Corpus(7, 0, 3)
	bad[2].Fields = append(bad[2].Fields, search.FieldValue{Path: "status", Type: search.Keyword, Str: "ok"})
	if err := ix.Add(ctx, bad, CorpusMapping()); !errors.Is(err, textindex.ErrInvalid) {
		t.Fatalf("value of the wrong type: add err %v, want ErrInvalid", err)
	}
	if n := count(t, ix); n != 0 {
		t.Fatalf("refused batches added %d documents", n)
	}
}

func withField(m search.Mapping, path string, fm search.FieldMapping) map[string]search.FieldMapping {
	out := map[string]search.FieldMapping{}
	for k, v := range m.Fields {
		out[k] = v
	}
	out[path] = fm
	return out
}

func testReopen(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "i")
	ix, err := s.Open(ctx, dir, textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := Corpus(9, 1, 100)
	add(t, ix, docs[:60])
	if err := ix.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before := searchIDs(t, ix, search.Match{Field: "msg", Text: "error"})
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = open(t, s, dir)
	if n := count(t, ix); n != 60 {
		t.Fatalf("reopened count %d, want 60", n)
	}
	if after := searchIDs(t, ix, search.Match{Field: "msg", Text: "error"}); !reflect.DeepEqual(before, after) {
		t.Fatalf("reopened index answers %v, want %v", after, before)
	}
	add(t, ix, docs[60:])
	if n := count(t, ix); n != 100 {
		t.Fatalf("count %d after adding to the reopened index, want 100", n)
	}
	if ids := searchIDs(t, ix, search.Range{Field: search.FieldOffset, GTE: int64(95)}); len(ids) != 5 {
		t.Fatalf("documents added after reopening: found %v", ids)
	}
}

func packed(t *testing.T, s textindex.Store) (textindex.Index, []byte) {
	t.Helper()
	ctx := context.Background()
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	add(t, ix, Corpus(11, 0, 300))
	if err := ix.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ix.Pack(ctx, &buf); err != nil {
		t.Fatalf("pack: %v", err)
	}
	return ix, buf.Bytes()
}

// sameAnswers holds got to want's answers of the golden cases.
func sameAnswers(t *testing.T, want, got textindex.Index) {
	t.Helper()
	for _, c := range GoldenCases() {
		a, aerr := want.Search(context.Background(), c.Req, CorpusMapping())
		b, berr := got.Search(context.Background(), c.Req, CorpusMapping())
		if errClass(aerr) != errClass(berr) {
			t.Fatalf("%s: err %v, want %v", c.Name, berr, aerr)
		}
		if aerr == nil {
			c.Scores = true // the same index scores alike
			CompareAnswers(t, c.Name, c, a, b)
		}
	}
}

func testPackUnpack(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	orig, data := packed(t, s)
	dir := filepath.Join(t.TempDir(), "copy")
	if err := s.Unpack(ctx, bytes.NewReader(data), dir); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	cp := open(t, s, dir)
	if count(t, cp) != count(t, orig) {
		t.Fatalf("unpacked count %d, want %d", count(t, cp), count(t, orig))
	}
	sameAnswers(t, orig, cp)
	add(t, cp, Corpus(11, 0, 310)[300:])
	if n := count(t, cp); n != 310 {
		t.Fatalf("count %d after adding to the unpacked index, want 310", n)
	}
}

func testUnpackDamaged(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	orig, data := packed(t, s)
	damaged := map[string][]byte{
		"empty":     {},
		"garbage":   []byte("this is not a packed index at all"),
		"half":      data[:len(data)/2],
		"all_but_1": data[:len(data)-1],
	}
	for _, at := range []int{0, 100, 600, len(data) / 3, len(data) / 2, len(data) - 1200, len(data) - 600, len(data) - 10} {
		if at < 0 || at >= len(data) {
			continue
		}
		d := bytes.Clone(data)
		d[at] ^= 0x5a
		damaged["flip_"+itoa(at)] = d
	}
	for name, d := range damaged {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "copy")
			err := s.Unpack(ctx, bytes.NewReader(d), dir)
			if err != nil {
				if !errors.Is(err, textindex.ErrCorrupt) {
					t.Fatalf("unpack err %v, want ErrCorrupt", err)
				}
				return
			}
			t.Logf("unpacked despite the damage: the index must be whole")
			cp := open(t, s, dir)
			sameAnswers(t, orig, cp)
		})
	}
}

func itoa(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func testUnpackUsedDir(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	ix, data := packed(t, s)
	_ = ix
	dir := filepath.Join(t.TempDir(), "copy")
	if err := s.Unpack(ctx, bytes.NewReader(data), dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Unpack(ctx, bytes.NewReader(data), dir); !errors.Is(err, textindex.ErrInvalid) {
		t.Fatalf("unpack into a used directory: %v, want ErrInvalid", err)
	}
}

func testClose(t *testing.T, s textindex.Store) {
	ctx := context.Background()
	ix, err := s.Open(ctx, filepath.Join(t.TempDir(), "i"), textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	add(t, ix, Corpus(1, 0, 5))
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	checks := map[string]error{}
	checks["add"] = ix.Add(ctx, Corpus(1, 0, 1), CorpusMapping())
	checks["commit"] = ix.Commit(ctx)
	_, checks["search"] = ix.Search(ctx, search.Request{Size: 1}, CorpusMapping())
	_, _, checks["get"] = ix.Get(ctx, 0, 1)
	_, checks["count"] = ix.Count()
	checks["pack"] = ix.Pack(ctx, &bytes.Buffer{})
	for name, err := range checks {
		if !errors.Is(err, textindex.ErrClosed) {
			t.Errorf("%s after close: %v, want ErrClosed", name, err)
		}
	}
}

func testCancelled(t *testing.T, s textindex.Store) {
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	add(t, ix, Corpus(1, 0, 200))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ix.Search(ctx, search.Request{Query: search.Match{Field: "msg", Text: "error"}, Size: 10}, CorpusMapping())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("search under a cancelled context: %v", err)
	}
}

func testConcurrent(t *testing.T, s textindex.Store) {
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	docs := Corpus(5, 0, 400)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < len(docs); i += 50 {
			if err := ix.Add(context.Background(), docs[i:i+50], CorpusMapping()); err != nil {
				errs <- err
				return
			}
		}
	}()
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				if _, err := ix.Search(context.Background(), search.Request{Query: search.Match{Field: "msg", Text: "error"}, Size: 5, TrackTotalHits: -1}, CorpusMapping()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, ix); n != 400 {
		t.Fatalf("count %d, want 400", n)
	}
}

func testTimeout(t *testing.T, s textindex.Store) {
	ix := open(t, s, filepath.Join(t.TempDir(), "i"))
	add(t, ix, Corpus(1, 0, 200))
	a, err := ix.Search(context.Background(), search.Request{Query: search.Match{Field: "msg", Text: "error"}, Size: 10, Timeout: 1}, CorpusMapping())
	if err != nil {
		t.Fatalf("search past its timeout: %v", err)
	}
	if !a.Result.TimedOut || len(a.Result.Hits) != 0 {
		t.Fatalf("search past its timeout: timed out %v, %d hits", a.Result.TimedOut, len(a.Result.Hits))
	}
}
