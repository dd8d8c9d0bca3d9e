package bleveindex

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

// TestCountedTermsEqualCollected holds the per-term counting of terms
// aggregations to the per-document collection, on an index of several
// segments where documents were replaced (deleted postings must not
// count) and some terms have a single posting.
func TestCountedTermsEqualCollected(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	m := textindextest.CorpusMapping()
	docs := textindextest.Corpus(11, 0, 900)
	for start := 0; start < len(docs); start += 100 {
		if err := ix.Add(ctx, docs[start:start+100], m); err != nil {
			t.Fatal(err)
		}
	}
	// replace the first 150 documents with others' fields
	var again []search.Doc
	for k := range 150 {
		d := docs[len(docs)-1-k]
		d.Offset = docs[k].Offset
		again = append(again, d)
	}
	if err := ix.Add(ctx, again, m); err != nil {
		t.Fatal(err)
	}
	aggs := []search.Aggregation{
		{Name: "level", Kind: search.AggTerms, Field: "level"},
		{Name: "tags", Kind: search.AggTerms, Field: "tags", Size: 4},
		{Name: "user", Kind: search.AggTerms, Field: "user.name", Order: []search.BucketOrder{{By: "_key", Order: search.Desc}}},
	}
	queries := []search.Query{
		search.MatchAll{},
		search.Match{Field: "msg", Text: "error timeout"},
		search.Term{Field: "level", Value: "WARN"},
		search.Match{Field: "msg", Text: "nosuchword"},
	}
	// a field of about one term per document: counted when every
	// document matches
	t.Run("every_document_many_terms", func(t *testing.T) {
		many := []search.Aggregation{{Name: "msg", Kind: search.AggTerms, Field: "msg.keyword", Size: 7}}
		counted, collected := termsBothWays(t, ix, search.MatchAll{}, many, m)
		if !reflect.DeepEqual(counted, collected) || len(counted[0].Buckets) != 7 {
			t.Fatalf("counted:\n%+v\ncollected:\n%+v", counted, collected)
		}
	})
	for qi, q := range queries {
		t.Run(fmt.Sprint(qi), func(t *testing.T) {
			counted, collected := termsBothWays(t, ix, q, aggs, m)
			if !reflect.DeepEqual(counted, collected) {
				t.Fatalf("counted:\n%+v\ncollected:\n%+v", counted, collected)
			}
			if qi < 3 && len(counted[0].Buckets) == 0 {
				t.Fatal("no buckets: the case proves nothing")
			}
		})
	}
}

// termsBothWays aggregates q's matches with countTerms and with collect.
func termsBothWays(t *testing.T, ix *Index, q search.Query, aggs []search.Aggregation, m search.Mapping) ([]search.AggResult, []search.AggResult) {
	t.Helper()
	ctx := context.Background()
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tr := &translator{ix: ix, reader: reader, mapping: m}
	bq, err := tr.translate(q)
	if err != nil {
		t.Fatal(err)
	}
	a, err := search.NewAggState(aggs, textindextest.CorpusNow)
	if err != nil {
		t.Fatal(err)
	}
	fields, ok := a.TermCountFields()
	if !ok {
		t.Fatal("terms aggregations alone are not countable")
	}
	if ok, err := ix.countTerms(ctx, reader, bq, nil, fields, m, a); err != nil || !ok {
		t.Fatalf("countTerms: %v, %v", ok, err)
	}
	b, _ := search.NewAggState(aggs, textindextest.CorpusNow)
	if err := ix.collect(ctx, tr, reader, bq, search.AggFields(aggs), nil, m, b.Collect); err != nil {
		t.Fatal(err)
	}
	ra, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// through Search, the matches gathered by the walk for the hits
	ans, err := ix.Search(ctx, search.Request{Query: q, Size: 5, Aggs: aggs, Now: textindextest.CorpusNow}, m)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ans.Partial.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rs, rb) {
		t.Fatalf("through Search:\n%+v\ncollected:\n%+v", rs, rb)
	}
	return ra, rb
}
