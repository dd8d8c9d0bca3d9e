package bleveindex

import (
	"context"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestAggregationFeed(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	textindextest.CheckFeed(t, ix, func(q search.Query, paths []string, filters []search.Query, sink func(search.DocValues)) error {
		adv, err := ix.idx.Advanced()
		if err != nil {
			return err
		}
		reader, err := adv.Reader()
		if err != nil {
			return err
		}
		defer reader.Close()
		m := textindextest.CorpusMapping()
		tr := &translator{ix: ix, reader: reader, mapping: m, now: search.Request{Now: textindextest.CorpusNow}}
		bq, err := tr.translate(q)
		if err != nil {
			return err
		}
		return ix.collect(ctx, tr, reader, bq, paths, filters, m, sink)
	})
}
