package textindextest

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Feed is an adapter's aggregation feed, as its Search drives it: sink
// is called once for each document q matches, with the doc values of
// paths and the filters' matches.
type Feed func(q search.Query, paths []string, filters []search.Query, sink func(search.DocValues)) error

// FeedPaths are the fields CheckFeed reads: every type, multi-valued,
// missing, unindexed and text fields.
var FeedPaths = []string{"level", "tags", "status", "counts", "latency", "ts", "ok", "user.id", "msg", "secret", "nope"}

// ExpectedValues is what DocValues.Values returns for a document: the
// distinct values of an indexed, non-text field in ascending order
// (false before true), nil for text, unindexed or absent fields.
func ExpectedValues(d search.Doc, path string, m search.Mapping) []search.FieldValue {
	fm, ok := m.Field(path)
	if !ok || !fm.Index || fm.Type == search.Text {
		return nil
	}
	key := func(fv search.FieldValue) float64 {
		switch fv.Type {
		case search.Long, search.Date:
			return float64(fv.Int)
		case search.Double:
			return fv.Float
		case search.Boolean:
			if fv.Bool {
				return 1
			}
		}
		return 0
	}
	var out []search.FieldValue
	for _, fv := range d.Fields {
		if fv.Path != path {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || (fm.Type == search.Keyword && o.Str == fv.Str) || (fm.Type != search.Keyword && key(o) == key(fv))
		}
		if !dup {
			out = append(out, fv)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if fm.Type == search.Keyword {
			return out[i].Str < out[j].Str
		}
		return key(out[i]) < key(out[j])
	})
	return out
}

// CheckFeed indexes a corpus in ix and holds feed to the documents and
// values Search and ExpectedValues say.
func CheckFeed(t *testing.T, ix textindex.Index, feed Feed) {
	t.Helper()
	m := CorpusMapping()
	docs := Corpus(3, 2, 400)
	if err := ix.Add(context.Background(), docs, m); err != nil {
		t.Fatal(err)
	}
	matching := func(q search.Query) map[int64]bool {
		a, err := ix.Search(context.Background(), search.Request{Query: q, Size: 1000, Now: CorpusNow}, m)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]bool{}
		for _, h := range a.Result.Hits {
			out[h.Offset] = true
		}
		return out
	}
	q := search.Match{Field: "msg", Text: "error timeout"}
	filters := []search.Query{search.Term{Field: "level", Value: "WARN"}, search.Range{Field: "status", GTE: int64(500)}}
	want := matching(q)
	fsets := []map[int64]bool{matching(filters[0]), matching(filters[1])}
	seen := map[int64]bool{}
	err := feed(q, FeedPaths, filters, func(dv search.DocValues) {
		off := dv.Offset()
		if dv.Partition() != 2 || !want[off] || seen[off] {
			t.Errorf("fed document %d-%d: not matching, or twice", dv.Partition(), off)
			return
		}
		seen[off] = true
		for _, p := range FeedPaths {
			if got, exp := dv.Values(p), ExpectedValues(docs[off], p, m); !reflect.DeepEqual(got, exp) {
				t.Errorf("document %d: values of %s %+v, want %+v", off, p, got, exp)
			}
		}
		for i, s := range fsets {
			if dv.MatchesFilter(i) != s[off] {
				t.Errorf("document %d: matches filter %d = %v", off, i, !s[off])
			}
		}
		if dv.MatchesFilter(2) || dv.MatchesFilter(-1) {
			t.Errorf("document %d matches a filter that does not exist", off)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(want) || len(want) == 0 {
		t.Fatalf("fed %d documents, want %d (non-zero)", len(seen), len(want))
	}
}
