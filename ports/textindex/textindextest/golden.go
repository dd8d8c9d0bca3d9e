package textindextest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// GoldenDocs is the number of documents per partition of the golden
// corpus.
const GoldenDocs = 1500

// ScoreTolerance is the relative difference allowed between two scores
// (bleve keeps norms as float32).
const ScoreTolerance = 1e-6

// portErrors are the errors two answers must agree on.
var portErrors = []error{textindex.ErrInvalid, textindex.ErrTooComplex, textindex.ErrClosed, textindex.ErrCorrupt, search.ErrAggUnsupported}

func errClass(err error) error {
	for _, e := range portErrors {
		if errors.Is(err, e) {
			return e
		}
	}
	return err
}

// Golden indexes the golden corpus (two partitions, one index each) in
// an index of oracle and one of subject, then holds every golden case
// and every error case of subject to oracle's answer.
func Golden(t *testing.T, oracle, subject textindex.Store) {
	t.Helper()
	ctx := context.Background()
	m := CorpusMapping()
	type pair struct{ want, got textindex.Index }
	var pairs []pair
	for p := int32(0); p < 2; p++ {
		docs := Corpus(42, p, GoldenDocs)
		var ix [2]textindex.Index
		for k, s := range []textindex.Store{oracle, subject} {
			i, err := s.Open(ctx, t.TempDir()+"/idx", textindex.Options{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { i.Close() })
			for start := 0; start < len(docs); start += 500 {
				if err := i.Add(ctx, docs[start:min(start+500, len(docs))], m); err != nil {
					t.Fatalf("add: %v", err)
				}
			}
			if err := i.Commit(ctx); err != nil {
				t.Fatalf("commit: %v", err)
			}
			ix[k] = i
		}
		pairs = append(pairs, pair{ix[0], ix[1]})
	}
	for _, c := range GoldenCases() {
		t.Run(c.Name, func(t *testing.T) {
			nonEmpty := false
			for p, pr := range pairs {
				want, werr := pr.want.Search(ctx, c.Req, m)
				got, gerr := pr.got.Search(ctx, c.Req, m)
				if errClass(werr) != errClass(gerr) {
					t.Fatalf("partition %d: oracle err %v, subject err %v", p, werr, gerr)
				}
				if werr != nil {
					if !errors.Is(werr, search.ErrAggUnsupported) {
						t.Fatalf("partition %d: %v", p, werr)
					}
					nonEmpty = true // refused alike until the aggregation state is written
					continue
				}
				CompareAnswers(t, fmt.Sprintf("partition %d", p), c, want, got)
				nonEmpty = nonEmpty || want.Result.Total.Value > 0 || len(want.Result.Hits) > 0
			}
			if os.Getenv("GOLDEN_VERBOSE") != "" {
				t.Logf("non-empty: %v", nonEmpty)
			}
			if !nonEmpty && !c.Empty {
				t.Fatalf("no partition matched anything: the case proves nothing")
			}
		})
	}
	for _, c := range ErrorCases() {
		t.Run("error_"+c.Name, func(t *testing.T) {
			_, werr := pairs[0].want.Search(ctx, c.Req, m)
			_, gerr := pairs[0].got.Search(ctx, c.Req, m)
			if werr == nil || gerr == nil {
				t.Fatalf("oracle err %v, subject err %v: both must refuse", werr, gerr)
			}
			if errClass(werr) != errClass(gerr) {
				t.Fatalf("oracle err %v, subject err %v", werr, gerr)
			}
			if !errors.Is(werr, textindex.ErrInvalid) && !errors.Is(werr, textindex.ErrTooComplex) {
				t.Fatalf("err %v is not a port error", werr)
			}
		})
	}
	t.Run("search_after_paging", func(t *testing.T) {
		for p, pr := range pairs {
			a := pageAll(t, pr.want, m, search.MatchAll{}, []search.Sort{{Field: "level"}, {Field: "latency", Order: search.Desc}, {Field: search.SortDoc}})
			b := pageAll(t, pr.got, m, search.MatchAll{}, []search.Sort{{Field: "level"}, {Field: "latency", Order: search.Desc}, {Field: search.SortDoc}})
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("partition %d: paging differs: oracle %d hits, subject %d", p, len(a), len(b))
			}
			seen := map[string]bool{}
			for _, id := range a {
				if seen[id] {
					t.Fatalf("partition %d: %s paged twice", p, id)
				}
				seen[id] = true
			}
			if len(seen) != GoldenDocs {
				t.Fatalf("partition %d: paged %d documents, want %d", p, len(seen), GoldenDocs)
			}
		}
	})
	t.Run("search_after_paging_by_score", func(t *testing.T) {
		q := search.Match{Field: "msg", Text: "lazy"}
		for p, pr := range pairs {
			sorts := []search.Sort{{Field: search.SortScore, Order: search.Desc}, {Field: search.SortDoc}}
			a := pageAll(t, pr.want, m, q, sorts)
			b := pageAll(t, pr.got, m, q, sorts)
			all, err := pr.want.Search(ctx, search.Request{Query: q, Size: 0, TrackTotalHits: -1}, m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) || int64(len(a)) != all.Result.Total.Value || len(a) == 0 {
				t.Fatalf("partition %d: paging by score: oracle %d hits, subject %d, total %d", p, len(a), len(b), all.Result.Total.Value)
			}
		}
	})
}

// pageAll pages through every document q matches by search_after.
func pageAll(t *testing.T, ix textindex.Index, m search.Mapping, q search.Query, sorts []search.Sort) []string {
	t.Helper()
	var ids []string
	req := search.Request{Query: q, Size: 97, TrackTotalHits: -1, Now: CorpusNow, Sort: sorts}
	for pages := 0; pages < 100; pages++ {
		a, err := ix.Search(context.Background(), req, m)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(a.Result.Hits) == 0 {
			return ids
		}
		for _, h := range a.Result.Hits {
			ids = append(ids, h.ID())
		}
		req.SearchAfter = a.Result.Hits[len(a.Result.Hits)-1].Sort
	}
	t.Fatal("paging did not end")
	return nil
}

// CompareAnswers fails t where got differs from want under c's rules.
func CompareAnswers(t *testing.T, where string, c Case, want, got textindex.Answer) {
	t.Helper()
	w, g := want.Result, got.Result
	if w.Total != g.Total {
		t.Errorf("%s: total %+v, want %+v", where, g.Total, w.Total)
	}
	if w.TimedOut != g.TimedOut {
		t.Errorf("%s: timed out %v, want %v", where, g.TimedOut, w.TimedOut)
	}
	if len(w.Hits) != len(g.Hits) {
		t.Fatalf("%s: %d hits, want %d", where, len(g.Hits), len(w.Hits))
	}
	byScore := len(c.Req.Sort) == 0
	if byScore && !c.Scores {
		// the order of hits by score is not defined alike: compare sets
		set := map[string]bool{}
		for _, h := range w.Hits {
			set[h.ID()] = true
		}
		for _, h := range g.Hits {
			if !set[h.ID()] {
				t.Fatalf("%s: hit %s is not the oracle's", where, h.ID())
			}
		}
		if len(w.Hits) < int(w.Total.Value) && c.Req.Size >= int(w.Total.Value) {
			t.Fatalf("%s: fewer hits than total", where)
		}
	}
	if !byScore || c.Scores {
		for i := range w.Hits {
			wh, gh := w.Hits[i], g.Hits[i]
			if wh.ID() != gh.ID() {
				if c.Scores && closeScore(wh.Score, gh.Score) {
					continue // a tie within the tolerance
				}
				t.Fatalf("%s: hit %d is %s (score %v), want %s (score %v)", where, i, gh.ID(), gh.Score, wh.ID(), wh.Score)
			}
			if !reflect.DeepEqual(normSort(wh.Sort, c.Scores), normSort(gh.Sort, c.Scores)) {
				t.Fatalf("%s: hit %s sort %v, want %v", where, gh.ID(), gh.Sort, wh.Sort)
			}
		}
	}
	for i := range w.Hits {
		if !byScore && !c.Scores {
			break
		}
		if c.Scores && !closeScore(w.Hits[i].Score, g.Hits[i].Score) {
			t.Fatalf("%s: hit %d score %v, want %v", where, i, g.Hits[i].Score, w.Hits[i].Score)
		}
	}
	if c.Scores && !closeScore(w.MaxScore, g.MaxScore) {
		t.Errorf("%s: max score %v, want %v", where, g.MaxScore, w.MaxScore)
	}
	if !byScore || c.Scores {
		for i := range w.Hits {
			if !bytes.Equal(w.Hits[i].Source, g.Hits[i].Source) {
				t.Fatalf("%s: hit %s source %s, want %s", where, g.Hits[i].ID(), g.Hits[i].Source, w.Hits[i].Source)
			}
			if !reflect.DeepEqual(w.Hits[i].Highlight, g.Hits[i].Highlight) {
				t.Fatalf("%s: hit %s highlight %q, want %q", where, g.Hits[i].ID(), g.Hits[i].Highlight, w.Hits[i].Highlight)
			}
			if math.IsNaN(w.Hits[i].Score) != math.IsNaN(g.Hits[i].Score) {
				t.Fatalf("%s: hit %s score %v, want %v", where, g.Hits[i].ID(), g.Hits[i].Score, w.Hits[i].Score)
			}
		}
	}
	if (want.Partial == nil) != (got.Partial == nil) {
		t.Fatalf("%s: partial state %v, want %v", where, got.Partial != nil, want.Partial != nil)
	}
	if want.Partial != nil {
		wr, gr := want.Partial.Results(), got.Partial.Results()
		if len(wr) != len(gr) || !sameAggs(wr, gr) {
			for i := range wr {
				if i < len(gr) && !sameAggs(wr[i:i+1], gr[i:i+1]) {
					t.Errorf("%s: aggregation %s: %s, want %s", where, wr[i].Name, aggString(gr[i]), aggString(wr[i]))
				}
			}
			t.FailNow()
		}
	}
}

func closeScore(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) == math.IsNaN(b)
	}
	return math.Abs(a-b) <= ScoreTolerance*math.Max(math.Abs(a), math.Abs(b))
}

// normSort drops score sort values (compared by closeScore instead).
func normSort(v []search.Scalar, scores bool) []search.Scalar {
	out := make([]search.Scalar, len(v))
	for i, x := range v {
		if f, ok := x.(float64); ok && scores {
			out[i] = math.Round(f*1e4) / 1e4
			continue
		}
		out[i] = x
	}
	return out
}

// aggString shows a result with its pointers followed.
func aggString(r search.AggResult) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// sameAggs compares aggregation results, numbers within a relative 1e-9:
// sums of doubles depend on the order documents were collected in.
func sameAggs(a, b []search.AggResult) bool {
	var x, y any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if json.Unmarshal(ja, &x) != nil || json.Unmarshal(jb, &y) != nil {
		return false
	}
	return closeJSON(x, y)
}

func closeJSON(x, y any) bool {
	switch x := x.(type) {
	case float64:
		y, ok := y.(float64)
		return ok && math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !closeJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !closeJSON(v, y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(x, y)
}
