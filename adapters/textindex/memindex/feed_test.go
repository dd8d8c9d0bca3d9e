package memindex

import (
	"context"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestAggregationFeed(t *testing.T) {
	ctx := context.Background()
	i, err := New().Open(ctx, "i", textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer i.Close()
	ix := i.(*Index)
	textindextest.CheckFeed(t, ix, func(q search.Query, paths []string, filters []search.Query, sink func(search.DocValues)) error {
		req := search.Request{Now: textindextest.CorpusNow}
		e := &evaluator{ix: ix, mapping: textindextest.CorpusMapping(), req: &req, ctx: ctx}
		sc, err := e.eval(q)
		if err != nil {
			return err
		}
		var matched []int
		for k := range sc {
			if sc.has(k) {
				matched = append(matched, k)
			}
		}
		return e.collect(filters, matched, sc, sink)
	})
}
