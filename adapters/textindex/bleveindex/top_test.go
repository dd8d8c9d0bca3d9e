package bleveindex

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

// TestTopScoredEqualsCollector holds the walk that keeps the best hits
// by score (top.go) to bleve's collector sorting by score then _doc, on
// an index of several segments with replaced documents, where many
// scores tie.
func TestTopScoredEqualsCollector(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	m := textindextest.CorpusMapping()
	docs := textindextest.Corpus(5, 1, 1200)
	// added out of offset order, so that bleve's document numbers do not
	// follow offsets
	for start := len(docs) - 100; start >= 0; start -= 100 {
		if err := ix.Add(ctx, docs[start:start+100], m); err != nil {
			t.Fatal(err)
		}
	}
	var again []search.Doc
	for k := range 100 {
		d := docs[len(docs)-1-k]
		d.Offset = docs[2*k].Offset
		again = append(again, d)
	}
	if err := ix.Add(ctx, again, m); err != nil {
		t.Fatal(err)
	}
	queries := []search.Query{
		search.Match{Field: "msg", Text: "error"},
		search.Match{Field: "msg", Text: "connection refused timeout"},
		search.Term{Field: "level", Value: "WARN"},
		search.MatchAll{},
		search.Match{Field: "msg", Text: "nosuchword"},
	}
	pages := [][2]int{{0, 10}, {5, 20}, {0, 0}, {0, 3000}}
	for qi, q := range queries {
		for _, pg := range pages {
			t.Run(fmt.Sprintf("%d_from_%d_size_%d", qi, pg[0], pg[1]), func(t *testing.T) {
				req := search.Request{Query: q, From: pg[0], Size: pg[1], TrackTotalHits: -1}
				got, err := ix.Search(ctx, req, m)
				if err != nil {
					t.Fatal(err)
				}
				req.Sort = []search.Sort{{Field: search.SortScore, Order: search.Desc}, {Field: search.SortDoc}}
				want, err := ix.Search(ctx, req, m)
				if err != nil {
					t.Fatal(err)
				}
				g, w := got.Result, want.Result
				if g.Total != w.Total || len(g.Hits) != len(w.Hits) || !(g.MaxScore == w.MaxScore || math.IsNaN(g.MaxScore) && math.IsNaN(w.MaxScore)) {
					t.Fatalf("total %+v, %d hits, max %v; want %+v, %d, %v", g.Total, len(g.Hits), g.MaxScore, w.Total, len(w.Hits), w.MaxScore)
				}
				ties := 0
				for k := range g.Hits {
					gh, wh := g.Hits[k], w.Hits[k]
					if gh.Offset != wh.Offset || gh.Score != wh.Score || string(gh.Source) != string(wh.Source) {
						t.Fatalf("hit %d: offset %d score %v; want %d %v", k, gh.Offset, gh.Score, wh.Offset, wh.Score)
					}
					if k > 0 && g.Hits[k-1].Score == gh.Score {
						ties++
					}
				}
				if qi == 0 && pg[1] == 3000 && ties == 0 {
					t.Fatal("no tied scores: the case proves nothing")
				}
			})
		}
	}
	// counting a match_all stops past track_total_hits
	for _, c := range []struct {
		track int
		want  search.Total
	}{
		{100, search.Total{Value: 100, Relation: search.LowerBound}},
		{0, search.Total{Value: 0, Relation: search.LowerBound}},
		{1199, search.Total{Value: 1199, Relation: search.LowerBound}},
		{1200, search.Total{Value: 1200, Relation: search.Exact}},
		{-1, search.Total{Value: 1200, Relation: search.Exact}},
	} {
		a, err := ix.Search(ctx, search.Request{Query: search.MatchAll{}, TrackTotalHits: c.track}, m)
		if err != nil {
			t.Fatal(err)
		}
		if a.Result.Total != c.want || a.Result.MaxScore != 1 {
			t.Fatalf("track %d: total %+v, max score %v; want %+v, 1", c.track, a.Result.Total, a.Result.MaxScore, c.want)
		}
	}
}
