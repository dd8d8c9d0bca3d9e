package bleveindex

import (
	"context"
	"fmt"
	"strconv"

	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/chronik-stream/chronik/domain/search"
)

// collect walks every document bq matches and feeds it, with the doc
// values of paths, to sink (the aggregation state's Collect). Each of
// filters runs once over the index for the set of documents it matches
// (DocValues.MatchesFilter).
func (ix *Index) collect(ctx context.Context, tr *translator, reader index.IndexReader, bq query.Query,
	paths []string, filters []search.Query, m search.Mapping, sink func(search.DocValues)) error {
	types := map[string]search.FieldType{}
	for _, p := range paths {
		if fm, ok := m.Field(p); ok && fm.Index && fm.Type != search.Text {
			types[p] = fm.Type
		}
	}
	sets := make([]map[string]bool, len(filters))
	for i, fq := range filters {
		q, err := tr.translate(fq)
		if err != nil {
			return err
		}
		sets[i] = map[string]bool{}
		if err := ix.walk(ctx, reader, q, func(dm *bsearch.DocumentMatch) error {
			sets[i][string(dm.IndexInternalID)] = true
			return nil
		}); err != nil {
			return err
		}
	}
	dvFields := []string{fieldOffset, fieldPartition}
	for p := range types {
		dvFields = append(dvFields, p)
	}
	dvr, err := reader.DocValueReader(dvFields)
	if err != nil {
		return fmt.Errorf("text index: reading doc values: %w", err)
	}
	dv := &docValues{types: types, values: map[string][]search.FieldValue{}, filters: sets}
	return ix.walk(ctx, reader, bq, func(dm *bsearch.DocumentMatch) error {
		dv.reset(dm)
		if err := dvr.VisitDocValues(dm.IndexInternalID, dv.visit); err != nil {
			return fmt.Errorf("text index: reading doc values: %w", err)
		}
		sink(dv)
		return nil
	})
}

// walk calls fn for every document q matches, in index order.
func (ix *Index) walk(ctx context.Context, reader index.IndexReader, q query.Query, fn func(*bsearch.DocumentMatch) error) error {
	s, err := q.Searcher(ctx, reader, ix.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		return invalid("the query cannot run: %v", err)
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return fmt.Errorf("text index: searching: %w", err)
		}
		if dm == nil {
			return nil
		}
		if err := fn(dm); err != nil {
			return err
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

// docValues is the current document for the aggregations: its doc
// values (for each field, the distinct values in ascending order, as
// bleve keeps them; text fields have none).
type docValues struct {
	types     map[string]search.FieldType
	values    map[string][]search.FieldValue
	filters   []map[string]bool
	id        string
	partition int32
	offset    int64
	score     float64
}

func (d *docValues) reset(dm *bsearch.DocumentMatch) {
	for k, v := range d.values {
		d.values[k] = v[:0]
	}
	d.id = string(dm.IndexInternalID)
	d.score = dm.Score
}

func (d *docValues) visit(field string, term []byte) {
	switch field {
	case fieldOffset:
		d.offset, _ = parseOffsetTerm(string(term))
		return
	case fieldPartition:
		p, _ := strconv.ParseInt(string(term), 10, 32)
		d.partition = int32(p)
		return
	}
	t, ok := d.types[field]
	if !ok {
		return
	}
	fv := search.FieldValue{Path: field, Type: t}
	switch t {
	case search.Keyword:
		fv.Str = string(term)
	case search.Boolean:
		fv.Bool = string(term) == "true"
	default:
		v, ok := decodeNumeric(term)
		if !ok {
			return
		}
		if t == search.Double {
			fv.Float = v
		} else {
			fv.Int = int64(v)
		}
	}
	d.values[field] = append(d.values[field], fv)
}

// decodeNumeric reads a numeric field's full-precision term (shift 0).
func decodeNumeric(term []byte) (float64, bool) {
	valid, shift := numeric.ValidPrefixCodedTermBytes(term)
	if !valid || shift != 0 {
		return 0, false
	}
	i, err := numeric.PrefixCoded(term).Int64()
	if err != nil {
		return 0, false
	}
	return numeric.Int64ToFloat64(i), true
}

func (d *docValues) Partition() int32 { return d.partition }
func (d *docValues) Offset() int64    { return d.offset }
func (d *docValues) Score() float64   { return d.score }

func (d *docValues) Values(path string) []search.FieldValue {
	v := d.values[path]
	if len(v) == 0 {
		return nil
	}
	return v
}

func (d *docValues) MatchesFilter(i int) bool {
	return i >= 0 && i < len(d.filters) && d.filters[i][d.id]
}
