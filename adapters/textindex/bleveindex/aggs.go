package bleveindex

import (
	"context"
	"fmt"
	"strconv"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
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

// Terms aggregations over keyword fields are counted per term, not per
// document: for each segment, each term of the field's dictionary, how
// many of its postings (deleted documents left out) match. With every
// document matching that is the postings' count; otherwise the matching
// documents are found once (a walk of the query without scoring) into a
// bitmap per segment and each term's postings are intersected with it.
// A term costs about what a document costs to collect (measured: a
// fraction of it), so when every document matches counting always wins;
// when few match and the fields have many terms (in the segments holding
// matches) it does not: past maxCountedTerms and twice the matches,
// countTerms declines.

// maxCountedTerms is the term count below which counting per term is
// always taken.
const maxCountedTerms = 1024

// bitmapPostings is what zap's postings iterators offer: the postings
// as a bitmap (nil for a list of one document).
type bitmapPostings interface{ ActualBitmap() *roaring.Bitmap }

// countTerms feeds state, whose aggregations are all terms aggregations
// over fields (search.AggState.TermCountFields), from the term
// dictionaries. It reports false, having fed nothing, when it cannot or
// should not (a field that is not a keyword, too many terms, an index
// that is not scorch's).
//
// found, when not nil, holds every match of bq already (the walk for the
// hits gathered them).
func (ix *Index) countTerms(ctx context.Context, reader index.IndexReader, bq query.Query, found *matchSet, fields []string, m search.Mapping, state *search.AggState) (bool, error) {
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return false, nil
	}
	for _, f := range fields {
		if fm, ok := m.Field(f); !ok || !fm.Index || fm.Type != search.Keyword {
			return false, nil
		}
	}
	segs := snap.Segments()
	type segDicts struct {
		dicts map[string]segment.TermDictionary
	}
	per := make([]segDicts, len(segs))
	terms, docs := 0, uint64(0)
	for i, ss := range segs {
		docs += ss.Count()
		per[i].dicts = map[string]segment.TermDictionary{}
		for _, f := range fields {
			if _, ok := per[i].dicts[f]; ok {
				continue
			}
			d, err := ss.Segment().Dictionary(f)
			if err != nil {
				return false, fmt.Errorf("text index: reading a term dictionary: %w", err)
			}
			per[i].dicts[f] = d
			if d != nil {
				terms += d.Cardinality()
			}
		}
	}
	var matches []*roaring.Bitmap // per segment; nil: every live document
	matched := int64(docs)
	if _, all := bq.(*query.MatchAllQuery); !all {
		var err error
		if found != nil {
			matches, matched, err = found.done()
		} else {
			matches, matched, err = ix.matchBitmaps(ctx, reader, bq)
		}
		if err != nil {
			return false, err
		}
		if len(matches) != len(segs) {
			return false, fmt.Errorf("text index: matches of %d segments, not %d", len(matches), len(segs))
		}
		terms = 0
		for i := range segs {
			if matches[i].IsEmpty() {
				continue
			}
			for _, d := range per[i].dicts {
				if d != nil {
					terms += d.Cardinality()
				}
			}
		}
		if terms > maxCountedTerms && int64(terms) > 2*matched {
			return false, nil
		}
	}
	var pl segment.PostingsList
	var it segment.PostingsIterator
	for i, ss := range segs {
		if matches != nil && matches[i].IsEmpty() {
			continue
		}
		deleted := ss.Deleted()
		for agg, f := range fields {
			d := per[i].dicts[f]
			if d == nil {
				continue
			}
			di := d.AutomatonIterator(nil, nil, nil)
			for n := 0; ; n++ {
				if n%256 == 0 {
					if err := ctx.Err(); err != nil {
						return false, err
					}
				}
				e, err := di.Next()
				if err != nil {
					return false, fmt.Errorf("text index: reading a term dictionary: %w", err)
				}
				if e == nil {
					break
				}
				if pl, err = d.PostingsList([]byte(e.Term), deleted, pl); err != nil {
					return false, fmt.Errorf("text index: reading postings: %w", err)
				}
				var c uint64
				if matches == nil {
					c = pl.Count()
				} else {
					it = pl.Iterator(false, false, false, it)
					if c, err = countIn(it, matches[i]); err != nil {
						return false, err
					}
				}
				state.AddTermCount(agg, e.Term, int64(c))
			}
		}
	}
	state.CountedDocs(matched)
	return true, nil
}

// countIn counts the postings of it that are in match.
func countIn(it segment.PostingsIterator, match *roaring.Bitmap) (uint64, error) {
	if b, ok := it.(bitmapPostings); ok && b.ActualBitmap() != nil {
		return b.ActualBitmap().AndCardinality(match), nil
	}
	var c uint64
	for {
		p, err := it.Next()
		if err != nil {
			return 0, fmt.Errorf("text index: reading postings: %w", err)
		}
		if p == nil {
			return c, nil
		}
		if match.Contains(uint32(p.Number())) {
			c++
		}
	}
}

// matchSet gathers the document numbers of matches, in ascending order,
// into a bitmap of local numbers per segment of an index snapshot.
type matchSet struct {
	bms   []*roaring.Bitmap
	ends  []uint64 // segment i's global numbers end before ends[i]
	seg   int
	start uint64 // the first global number of segment seg
	buf   []uint32
	n     int64
	err   error
}

// newMatchSet returns an empty set over reader's segments, nil when
// reader is not scorch's.
func newMatchSet(reader index.IndexReader) *matchSet {
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	segs := snap.Segments()
	m := &matchSet{bms: make([]*roaring.Bitmap, len(segs)), ends: make([]uint64, len(segs)), buf: make([]uint32, 0, 1024)}
	var running uint64
	for i, ss := range segs {
		m.bms[i] = roaring.New()
		running += ss.Segment().Count()
		m.ends[i] = running
	}
	return m
}

func (m *matchSet) flush() {
	if len(m.buf) > 0 {
		m.bms[m.seg].AddMany(m.buf)
		m.buf = m.buf[:0]
	}
}

// add adds global document number g, not below the last added.
func (m *matchSet) add(g uint64) {
	for m.seg < len(m.ends)-1 && g >= m.ends[m.seg] {
		m.flush()
		m.start = m.ends[m.seg]
		m.seg++
	}
	if len(m.ends) == 0 || g < m.start || g >= m.ends[m.seg] {
		if m.err == nil {
			m.err = fmt.Errorf("%w: document number %d is in no segment", textindex.ErrCorrupt, g)
		}
		return
	}
	m.n++
	m.buf = append(m.buf, uint32(g-m.start))
	if len(m.buf) == cap(m.buf) {
		m.flush()
	}
}

// done ends the adding and returns the bitmaps and their count.
func (m *matchSet) done() ([]*roaring.Bitmap, int64, error) {
	m.flush()
	return m.bms, m.n, m.err
}

// matchBitmaps walks the documents q matches, unscored, into a bitmap
// of local document numbers per segment, and counts them.
func (ix *Index) matchBitmaps(ctx context.Context, reader index.IndexReader, q query.Query) ([]*roaring.Bitmap, int64, error) {
	set := newMatchSet(reader)
	if set == nil {
		return nil, 0, fmt.Errorf("text index: not a scorch index")
	}
	s, err := q.Searcher(ctx, reader, ix.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, 0, invalid("the query cannot run: %v", err)
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, 0, fmt.Errorf("text index: searching: %w", err)
		}
		if dm == nil {
			return set.done()
		}
		set.add(dm.IndexInternalID.Value())
		sctx.DocumentMatchPool.Put(dm)
	}
}
