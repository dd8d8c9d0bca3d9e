package bleveindex

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// numericStep is the bits between the precisions a number is indexed
// at: shifts 0, 8, ..., 56, eight terms a value where bleve's own
// numeric field writes sixteen (a step of 4). Range queries (rangeQuery)
// split a range at the same step, so every term they look for is one an
// index has; an index written with bleve's step of 4 has these terms too.
const numericStep = 8

// numField is a number indexed as prefix-coded terms every numericStep
// bits (shift 0 is the value, what doc values, sorting and aggregations
// read).
type numField struct {
	name    string
	pos     []uint64
	opts    index.FieldIndexingOptions
	value   numeric.PrefixCoded
	freqs   index.TokenFrequencies
	nTokens int
}

func newNumField(name string, pos []uint64, v float64, opts index.FieldIndexingOptions) *numField {
	return &numField{name: name, pos: pos, opts: opts, value: numeric.MustNewPrefixCodedInt64(numeric.Float64ToInt64(v), 0)}
}

func (f *numField) Name() string                                     { return f.name }
func (f *numField) Value() []byte                                    { return f.value }
func (f *numField) ArrayPositions() []uint64                         { return f.pos }
func (f *numField) EncodedFieldType() byte                           { return 'n' }
func (f *numField) Options() index.FieldIndexingOptions              { return f.opts }
func (f *numField) AnalyzedLength() int                              { return f.nTokens }
func (f *numField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }
func (f *numField) NumPlainTextBytes() uint64                        { return 8 }

func (f *numField) Analyze() {
	v, err := f.value.Int64()
	if err != nil {
		return
	}
	tokens := make(analysis.TokenStream, 0, 64/numericStep)
	for shift := uint(0); shift < 64; shift += numericStep {
		t := f.value
		if shift > 0 {
			t = numeric.MustNewPrefixCodedInt64(v, shift)
		}
		tokens = append(tokens, &analysis.Token{Start: 0, End: len(t), Term: t, Position: 1, Type: analysis.Numeric})
	}
	f.nTokens = len(tokens)
	f.freqs = analysis.TokenFrequency(tokens, f.pos, f.opts)
}

// Size is an estimate of the field's memory, for bleve's accounting.
func (f *numField) Size() int {
	n := 64 + len(f.name) + 8*len(f.pos) + len(f.value)
	if f.freqs != nil {
		n += f.freqs.Size()
	}
	return n
}

// rangeQuery matches the numbers of a field in [lo, hi] (nil: unbounded;
// loIn and hiIn: inclusive), exactly, by the terms numField writes: the
// range is split into runs of terms at shifts 0, 8, ... and each run is
// read from the field's dictionary, so only terms some document has are
// searched for.
type rangeQuery struct {
	field      string
	lo, hi     *float64
	loIn, hiIn bool
	boost      float64 // 0: 1
}

// SetBoost sets the query's boost.
func (q *rangeQuery) SetBoost(b float64) { q.boost = b }

func (q *rangeQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if q.lo != nil {
		lo = numeric.Float64ToInt64(*q.lo)
		if !q.loIn {
			if lo == math.MaxInt64 {
				return searcher.NewMatchNoneSearcher(r)
			}
			lo++
		}
	}
	if q.hi != nil {
		hi = numeric.Float64ToInt64(*q.hi)
		if !q.hiIn {
			if hi == math.MinInt64 {
				return searcher.NewMatchNoneSearcher(r)
			}
			hi--
		}
	}
	var terms [][]byte
	var err error
	splitRange(lo, hi, func(from, to int64, shift uint) bool {
		var d index.FieldDict
		d, err = r.FieldDictRange(q.field, numeric.MustNewPrefixCodedInt64(from, shift), numeric.MustNewPrefixCodedInt64(to, shift))
		if err != nil {
			return false
		}
		var e *index.DictEntry
		for e, err = d.Next(); err == nil && e != nil; e, err = d.Next() {
			terms = append(terms, []byte(e.Term))
		}
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	boost := q.boost
	if boost == 0 {
		boost = 1
	}
	return searcher.NewMultiTermSearcherBytes(ctx, r, terms, q.field, boost, opts, true)
}

// splitRange calls emit with runs [from, to] of values at a shift (both
// ends as values whose bits below the shift are cleared, resp. set) that
// together cover [lo, hi] once: at each precision the values of the ends
// that do not fill a whole term of the next precision, then the next
// precision for what lies between, and the remainder at the coarsest
// precision reached. emit returns false to stop.
func splitRange(lo, hi int64, emit func(from, to int64, shift uint) bool) {
	if lo > hi {
		return
	}
	for shift := uint(0); ; shift += numericStep {
		width := int64(1) << (shift + numericStep) // one term of the next precision
		mask := (int64(1)<<numericStep - 1) << shift
		below := int64(1)<<shift - 1
		nextLo, nextHi := lo&^mask, hi&^mask
		if lo&mask != 0 {
			nextLo = (lo + width) &^ mask
		}
		if hi&mask != mask {
			nextHi = (hi - width) &^ mask
		}
		if shift+numericStep >= 64 || nextLo > nextHi || nextLo < lo || nextHi > hi {
			emit(lo, hi|below, shift)
			return
		}
		if lo&mask != 0 && !emit(lo, lo|mask|below, shift) {
			return
		}
		if hi&mask != mask && !emit(hi&^mask, hi|below, shift) {
			return
		}
		lo, hi = nextLo, nextHi
	}
}
