package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

func checkRequest(req search.Request) error {
	if req.From < 0 || req.Size < 0 {
		return invalid("from and size must not be negative")
	}
	if req.From+req.Size > search.DefaultMaxResultWindow {
		return fmt.Errorf("%w: result window is too large, from + size must be at most %d", textindex.ErrTooComplex, search.DefaultMaxResultWindow)
	}
	if len(req.SearchAfter) > 0 {
		if len(req.Sort) == 0 {
			return invalid("search_after needs a sort")
		}
		if len(req.SearchAfter) != len(req.Sort) {
			return invalid("search_after has %d values, the sort %d keys", len(req.SearchAfter), len(req.Sort))
		}
		if req.From != 0 {
			return invalid("from must be 0 with search_after")
		}
	}
	if depth(req.Query) > search.MaxQueryDepth {
		return fmt.Errorf("%w: query nested deeper than %d", textindex.ErrTooComplex, search.MaxQueryDepth)
	}
	return nil
}

// sortKey is one resolved sort key.
type sortKey struct {
	kind  string // "_score", "_doc", "_id" or "field"
	field string
	typ   search.FieldType
	desc  bool
	max   bool
	first bool
}

func (ix *Index) sortKeys(sorts []search.Sort, m search.Mapping) ([]sortKey, error) {
	var keys []sortKey
	for _, s := range sorts {
		k := sortKey{field: s.Field, desc: s.Order == search.Desc}
		switch s.Field {
		case search.SortScore:
			k.kind = "_score"
		case search.SortDoc:
			k.kind = "_doc"
		case search.FieldID:
			k.kind = "_id"
		default:
			k.kind = "field"
			fm, ok := m.Field(s.Field)
			if !ok {
				return nil, invalid("no mapping found for [%s] in order to sort on", s.Field)
			}
			if !fm.Index {
				return nil, invalid("cannot sort on field [%s] since it is not indexed", s.Field)
			}
			switch fm.Type {
			case search.Keyword, search.Long, search.Double, search.Date, search.Boolean:
			case search.Text:
				return nil, invalid("text field [%s] cannot be sorted on; sort on [%s%s]", s.Field, s.Field, search.KeywordSuffix)
			default:
				return nil, invalid("field [%s] has unknown type %q", s.Field, fm.Type)
			}
			k.typ = fm.Type
		}
		switch s.Mode {
		case "":
			k.max = k.desc
		case "min":
		case "max":
			k.max = true
		default:
			return nil, invalid("sort mode %q is not supported (min or max)", s.Mode)
		}
		switch s.Missing {
		case "", "_last":
		case "_first":
			k.first = true
		default:
			return nil, invalid("sort missing %q is not supported (_last or _first)", s.Missing)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (k sortKey) bleve() bsearch.SearchSort {
	switch k.kind {
	case "_score":
		return &bsearch.SortScore{Desc: k.desc}
	case "_id":
		return &bsearch.SortDocID{Desc: k.desc}
	}
	f := &bsearch.SortField{Field: k.field, Desc: k.desc, Mode: bsearch.SortFieldMin}
	if k.kind == "_doc" {
		f.Field, f.Type = fieldOffset, bsearch.SortFieldAsString
	}
	if k.max {
		f.Mode = bsearch.SortFieldMax
	}
	if k.first {
		f.Missing = bsearch.SortFieldMissingFirst
	}
	if k.typ == search.Keyword || k.typ == search.Boolean {
		f.Type = bsearch.SortFieldAsString
	}
	return f
}

// missingTerm is the sort value bleve gives a document without the
// field.
func (k sortKey) missingTerm() string {
	if k.first != k.desc {
		return bsearch.LowTerm
	}
	return bsearch.HighTerm
}

func isNumeric(t search.FieldType) bool {
	return t == search.Long || t == search.Double || t == search.Date
}

func prefixCoded(f float64) string {
	return string(numeric.MustNewPrefixCodedInt64(numeric.Float64ToInt64(f), 0))
}

// afterTerm encodes a search_after value as bleve's sort value.
func (k sortKey) afterTerm(v search.Scalar) (string, error) {
	if v == nil && k.kind == "field" {
		return k.missingTerm(), nil
	}
	bad := invalid("search_after value %v does not fit sort key [%s]", v, k.field)
	switch {
	case k.kind == "_score":
		f, ok := scalarFloat(v)
		if !ok {
			return "", bad
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case k.kind == "_id" || k.typ == search.Keyword:
		s, ok := v.(string)
		if !ok {
			return "", bad
		}
		return s, nil
	case k.kind == "_doc":
		f, ok := scalarFloat(v)
		switch {
		case ok && f == -1:
			return "", nil // before every offset (how textsearch says "all of a later partition")
		case !ok || f != math.Trunc(f) || f < 0 || f > 1<<62:
			return "", bad
		}
		return offsetTerm(int64(f)), nil
	case k.typ == search.Boolean:
		if b, ok := scalarBool(v); ok {
			return strconv.FormatBool(b), nil
		}
		if f, ok := scalarFloat(v); ok && (f == 0 || f == 1) {
			return strconv.FormatBool(f == 1), nil
		}
		return "", bad
	}
	f, ok := scalarFloat(v)
	if !ok || (k.typ != search.Double && (f != math.Trunc(f) || math.Abs(f) > 1<<62)) {
		return "", bad
	}
	return prefixCoded(f), nil
}

// hitValue decodes bleve's sort value of a hit.
func (k sortKey) hitValue(raw string, score float64) search.Scalar {
	switch k.kind {
	case "_score":
		return score
	case "_id":
		return raw
	}
	if raw == bsearch.HighTerm || raw == bsearch.LowTerm {
		return nil
	}
	if k.kind == "_doc" {
		if off, ok := parseOffsetTerm(raw); ok {
			return off
		}
		return nil
	}
	switch {
	case k.typ == search.Keyword:
		return raw
	case k.typ == search.Boolean:
		if raw == "true" {
			return int64(1)
		}
		return int64(0)
	}
	i, err := numeric.PrefixCoded(raw).Int64()
	if err != nil {
		return nil
	}
	f := numeric.Int64ToFloat64(i)
	if k.typ == search.Double {
		return f
	}
	return int64(f)
}

// Search runs req: bleve's top-N collector finds the page and the total;
// when req has aggregations a second pass walks every match and feeds
// its doc values to the aggregation state.
func (ix *Index) Search(ctx context.Context, req search.Request, m search.Mapping) (textindex.Answer, error) {
	if err := ix.begin(); err != nil {
		return textindex.Answer{}, err
	}
	defer ix.end()
	if err := checkRequest(req); err != nil {
		return textindex.Answer{}, err
	}
	keys, err := ix.sortKeys(req.Sort, m)
	if err != nil {
		return textindex.Answer{}, err
	}
	state, err := search.NewAggState(req.Aggs, req.Now)
	if err != nil {
		return textindex.Answer{}, err
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	adv, err := ix.idx.Advanced()
	if err != nil {
		return textindex.Answer{}, fmt.Errorf("text index: %w", unwrapPath(err))
	}
	reader, err := adv.Reader()
	if err != nil {
		return textindex.Answer{}, fmt.Errorf("text index: opening a reader: %w", unwrapPath(err))
	}
	defer reader.Close()
	tr := &translator{ix: ix, reader: reader, mapping: m, now: req}
	bq, err := tr.translate(req.Query)
	if err != nil {
		return textindex.Answer{}, err
	}
	timedOut := func(err error) bool {
		return req.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) && err != nil
	}
	timeoutAnswer := textindex.Answer{Result: search.Result{TimedOut: true, MaxScore: math.NaN(), Total: search.Total{Relation: search.LowerBound}}, Partial: state}

	scored := len(keys) == 0
	for _, k := range keys {
		scored = scored || k.kind == "_score"
	}
	effective := keys
	if len(effective) == 0 {
		effective = []sortKey{{kind: "_score", desc: true}}
	}
	order := make(bsearch.SortOrder, 0, len(effective)+1)
	for _, k := range effective {
		order = append(order, k.bleve())
	}
	order = append(order, &bsearch.SortField{Field: fieldOffset, Type: bsearch.SortFieldAsString})
	br := bleve.NewSearchRequestOptions(bq, req.Size, req.From, false)
	br.SortByCustom(order)
	if !scored {
		br.Score = "none"
	}
	if req.Size > 0 {
		br.Fields = []string{fieldStored}
	}
	if len(req.SearchAfter) > 0 {
		after := make([]string, 0, len(order))
		for i, k := range keys {
			a, err := k.afterTerm(req.SearchAfter[i])
			if err != nil {
				return textindex.Answer{}, err
			}
			after = append(after, a)
		}
		br.SearchAfter = append(after, bsearch.HighTerm)
	}
	var sr *bleve.SearchResult
	var found *matchSet
	if len(req.SearchAfter) == 0 && (len(keys) == 0 || (len(keys) == 1 && keys[0].kind == "_score" && keys[0].desc)) {
		// by score alone: top.go's walk, not bleve's collector
		_, all := bq.(*query.MatchAllQuery)
		// no hits wanted from a match_all (every score the same): the
		// count need not go past track_total_hits
		var stop uint64
		if all && req.From+req.Size == 0 && req.TrackTotalHits >= 0 {
			stop = uint64(req.TrackTotalHits) + 1
		}
		// terms aggregations to count: gather the matches on the way
		if _, countable := state.TermCountFields(); countable && !all {
			found = newMatchSet(reader)
		}
		kept, n, best, err := ix.topScored(ctx, reader, bq, req.From+req.Size, stop, found)
		if err != nil {
			if timedOut(err) {
				return timeoutAnswer, nil
			}
			return textindex.Answer{}, err
		}
		sr = &bleve.SearchResult{Total: n, MaxScore: best}
		for _, k := range kept[min(req.From, len(kept)):] {
			raw, err := storedDoc(reader, k.num)
			if err != nil {
				return textindex.Answer{}, err
			}
			sr.Hits = append(sr.Hits, &bsearch.DocumentMatch{Score: k.score, Sort: make([]string, len(keys)), Fields: map[string]any{fieldStored: string(raw)}})
		}
	} else if sr, err = ix.idx.SearchInContext(ctx, br); err != nil {
		if timedOut(err) {
			return timeoutAnswer, nil
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return textindex.Answer{}, err
		}
		return textindex.Answer{}, invalid("the query cannot run: %v", err)
	}
	res := search.Result{Total: total(int64(sr.Total), req.TrackTotalHits), MaxScore: math.NaN()}
	if scored && sr.Total > 0 {
		res.MaxScore = sr.MaxScore
	}
	for _, dm := range sr.Hits {
		raw, _ := dm.Fields[fieldStored].(string)
		doc, err := decodeDoc([]byte(raw))
		if err != nil {
			return textindex.Answer{}, fmt.Errorf("%w: %v", textindex.ErrCorrupt, err)
		}
		h := search.Hit{Partition: doc.Partition, Offset: doc.Offset, Score: dm.Score}
		if !scored {
			h.Score = math.NaN()
		}
		if len(keys) > 0 {
			h.Sort = make([]search.Scalar, len(keys))
			for i, k := range keys {
				h.Sort[i] = k.hitValue(dm.Sort[i], dm.Score)
			}
		}
		if h.Source, err = textindex.FilterSource(doc.Source, req.Source); err != nil {
			return textindex.Answer{}, err
		}
		if req.Highlight != nil {
			h.Highlight = ix.highlight(tr, doc, req.Query, *req.Highlight, m)
		}
		res.Hits = append(res.Hits, h)
	}
	if len(req.Aggs) > 0 {
		counted := false
		if fields, ok := state.TermCountFields(); ok {
			if counted, err = ix.countTerms(ctx, reader, bq, found, fields, m, state); err != nil {
				if timedOut(err) {
					return timeoutAnswer, nil
				}
				return textindex.Answer{}, err
			}
		}
		if !counted {
			if err := ix.collect(ctx, tr, reader, bq, search.AggFields(req.Aggs), search.AggFilterQueries(req.Aggs), m, state.Collect); err != nil {
				if timedOut(err) {
					return timeoutAnswer, nil
				}
				return textindex.Answer{}, err
			}
		}
	}
	return textindex.Answer{Result: res, Partial: state}, nil
}

// total applies track_total_hits to the number of matching documents.
func total(n int64, track int) search.Total {
	switch {
	case track < 0:
		return search.Total{Value: n, Relation: search.Exact}
	case track == 0:
		return search.Total{Value: 0, Relation: search.LowerBound}
	case n > int64(track):
		return search.Total{Value: int64(track), Relation: search.LowerBound}
	}
	return search.Total{Value: n, Relation: search.Exact}
}

// highlight builds the fragments of a hit's text and keyword fields
// named by h, from the terms its stored values analyze to.
func (ix *Index) highlight(tr *translator, doc search.Doc, q search.Query, h search.Highlight, m search.Mapping) map[string][]string {
	byPath := map[string][]string{}
	var paths []string
	for _, fv := range doc.Fields {
		if fv.Type != search.Text && fv.Type != search.Keyword {
			continue
		}
		if _, ok := byPath[fv.Path]; !ok {
			paths = append(paths, fv.Path)
		}
		byPath[fv.Path] = append(byPath[fv.Path], fv.Str)
	}
	sort.Strings(paths)
	n := h.NumberOfFragments
	if n <= 0 {
		n = 5
	}
	out := map[string][]string{}
	for _, path := range paths {
		wanted := false
		for _, p := range h.Fields {
			wanted = wanted || search.MatchFieldPattern(p, path)
		}
		if !wanted {
			continue
		}
		fm, ok := m.Field(path)
		if !ok || !fm.Index {
			continue
		}
		sp, err := ix.spec(path, fm)
		if err != nil {
			continue
		}
		analyze := func(text, analyzer string) []string {
			if sp.typ == search.Keyword {
				return []string{text}
			}
			toks, err := tr.analyze(sp, analyzer, text)
			if err != nil {
				return nil
			}
			terms := make([]string, len(toks))
			for i, t := range toks {
				terms[i] = t.term
			}
			return terms
		}
		match := search.HighlightMatcher(q, path, analyze)
		var frags []string
		for _, v := range byPath[path] {
			var spans []search.Span
			if sp.typ == search.Keyword {
				if match(v) {
					spans = append(spans, search.Span{Start: 0, End: len(v)})
				}
			} else if a, err := ix.analyzer(sp.analyzer); err == nil {
				for _, t := range a.Analyze([]byte(v)) {
					if match(string(t.Term)) {
						spans = append(spans, search.Span{Start: t.Start, End: t.End})
					}
				}
			}
			frags = append(frags, search.Fragments(v, spans, h)...)
		}
		if len(frags) > n {
			frags = frags[:n]
		}
		if len(frags) > 0 {
			out[path] = frags
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
