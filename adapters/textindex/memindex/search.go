package memindex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// sortKey is one resolved sort key.
type sortKey struct {
	kind  string // "_score", "_doc", "_id" or "field"
	field string
	typ   search.FieldType
	desc  bool
	max   bool // mode
	first bool // missing first
}

// CheckRequest applies the request bounds both adapters share.
func checkRequest(req search.Request) error {
	if req.From < 0 || req.Size < 0 {
		return fmt.Errorf("%w: from and size must not be negative", textindex.ErrInvalid)
	}
	if req.From+req.Size > search.DefaultMaxResultWindow {
		return fmt.Errorf("%w: result window is too large, from + size must be at most %d", textindex.ErrTooComplex, search.DefaultMaxResultWindow)
	}
	if len(req.SearchAfter) > 0 {
		if len(req.Sort) == 0 {
			return fmt.Errorf("%w: search_after needs a sort", textindex.ErrInvalid)
		}
		if len(req.SearchAfter) != len(req.Sort) {
			return fmt.Errorf("%w: search_after has %d values, the sort %d keys", textindex.ErrInvalid, len(req.SearchAfter), len(req.Sort))
		}
		if req.From != 0 {
			return fmt.Errorf("%w: from must be 0 with search_after", textindex.ErrInvalid)
		}
	}
	if depth(req.Query) > search.MaxQueryDepth {
		return fmt.Errorf("%w: query nested deeper than %d", textindex.ErrTooComplex, search.MaxQueryDepth)
	}
	return nil
}

func (e *evaluator) sortKeys(sorts []search.Sort) ([]sortKey, error) {
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
			fm, ok := e.mapping.Field(s.Field)
			if !ok {
				return nil, fmt.Errorf("%w: no mapping found for [%s] in order to sort on", textindex.ErrInvalid, s.Field)
			}
			if !fm.Index {
				return nil, fmt.Errorf("%w: cannot sort on field [%s] since it is not indexed", textindex.ErrInvalid, s.Field)
			}
			switch fm.Type {
			case search.Keyword, search.Long, search.Double, search.Date, search.Boolean:
			case search.Text:
				return nil, fmt.Errorf("%w: text field [%s] cannot be sorted on; sort on [%s%s]", textindex.ErrInvalid, s.Field, s.Field, search.KeywordSuffix)
			default:
				return nil, fmt.Errorf("%w: field [%s] has unknown type %q", textindex.ErrInvalid, s.Field, fm.Type)
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
			return nil, fmt.Errorf("%w: sort mode %q is not supported (min or max)", textindex.ErrInvalid, s.Mode)
		}
		switch s.Missing {
		case "", "_last":
		case "_first":
			k.first = true
		default:
			return nil, fmt.Errorf("%w: sort missing %q is not supported (_last or _first)", textindex.ErrInvalid, s.Missing)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// value is a document's sort value for k: float64, int64, string, or
// nil when it has none.
func (e *evaluator) value(k sortKey, d *mdoc, score float64) search.Scalar {
	switch k.kind {
	case "_score":
		return score
	case "_doc":
		return d.doc.Offset
	case "_id":
		return search.DocID(d.doc.Partition, d.doc.Offset)
	}
	f := d.fields[k.field]
	if f == nil || len(f.values) == 0 || !f.spec.Index {
		return nil
	}
	var best search.Scalar
	for _, fv := range f.values {
		var v search.Scalar
		switch k.typ {
		case search.Keyword:
			v = fv.Str
		case search.Long, search.Date:
			v = fv.Int
		case search.Double:
			v = fv.Float
		case search.Boolean:
			v = int64(0)
			if fv.Bool {
				v = int64(1)
			}
		}
		if best == nil || (k.max && compareScalar(v, best) > 0) || (!k.max && compareScalar(v, best) < 0) {
			best = v
		}
	}
	return best
}

// compareScalar orders two non-nil values of one sort key.
func compareScalar(a, b search.Scalar) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		y := b.(int64)
		return cmpF(float64(x), float64(y))
	case float64:
		return cmpF(x, b.(float64))
	}
	return 0
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareKey orders a and b (either nil) under k, missing values where
// k puts them.
func compareKey(k sortKey, a, b search.Scalar) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if k.first {
			return -1
		}
		return 1
	case b == nil:
		if k.first {
			return 1
		}
		return -1
	}
	c := compareScalar(a, b)
	if k.desc {
		c = -c
	}
	return c
}

// afterValue converts a search_after value to k's type.
func afterValue(k sortKey, v search.Scalar) (search.Scalar, error) {
	if v == nil {
		return nil, nil
	}
	bad := fmt.Errorf("%w: search_after value %v does not fit sort key [%s]", textindex.ErrInvalid, v, k.field)
	switch {
	case k.kind == "_score" || (k.kind == "field" && k.typ == search.Double):
		f, ok := scalarFloat(v)
		if !ok {
			return nil, bad
		}
		return f, nil
	case k.kind == "_id" || (k.kind == "field" && k.typ == search.Keyword):
		s, ok := v.(string)
		if !ok {
			return nil, bad
		}
		return s, nil
	case k.kind == "field" && k.typ == search.Boolean:
		if b, ok := scalarBool(v); ok {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
	}
	f, ok := scalarFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return nil, bad
	}
	return int64(f), nil
}

// Search answers req by scanning every document.
func (ix *Index) Search(ctx context.Context, req search.Request, mapping search.Mapping) (textindex.Answer, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return textindex.Answer{}, textindex.ErrClosed
	}
	if err := checkRequest(req); err != nil {
		return textindex.Answer{}, err
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	e := &evaluator{ix: ix, mapping: mapping, req: &req, ctx: ctx}
	keys, err := e.sortKeys(req.Sort)
	if err != nil {
		return textindex.Answer{}, err
	}
	state, err := search.NewAggState(req.Aggs, req.Now)
	if err != nil {
		return textindex.Answer{}, err
	}
	sc, err := e.eval(req.Query)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && req.Timeout > 0 && ctx.Err() != nil {
			return textindex.Answer{Result: search.Result{TimedOut: true, MaxScore: math.NaN(), Total: search.Total{Relation: search.LowerBound}}, Partial: state}, nil
		}
		return textindex.Answer{}, err
	}
	var matched []int
	maxScore := math.NaN()
	for i := range sc {
		if sc.has(i) {
			matched = append(matched, i)
			if math.IsNaN(maxScore) || sc[i] > maxScore {
				maxScore = sc[i]
			}
		}
	}
	if len(req.Aggs) > 0 {
		if err := e.collect(search.AggFilterQueries(req.Aggs), matched, sc, state.Collect); err != nil {
			return textindex.Answer{}, err
		}
	}
	res := search.Result{Total: total(int64(len(matched)), req.TrackTotalHits)}
	scored := len(keys) == 0
	for _, k := range keys {
		scored = scored || k.kind == "_score"
	}
	if !scored {
		maxScore = math.NaN()
	}
	res.MaxScore = maxScore
	effective := keys
	if len(effective) == 0 {
		effective = []sortKey{{kind: "_score", desc: true}}
	}
	vals := make(map[int][]search.Scalar, len(matched))
	for _, i := range matched {
		v := make([]search.Scalar, len(effective))
		for k, key := range effective {
			v[k] = e.value(key, ix.docs[i], sc[i])
		}
		vals[i] = v
	}
	less := func(a, b int) bool {
		for k, key := range effective {
			if c := compareKey(key, vals[a][k], vals[b][k]); c != 0 {
				return c < 0
			}
		}
		return ix.docs[a].doc.Offset < ix.docs[b].doc.Offset
	}
	sort.Slice(matched, func(x, y int) bool { return less(matched[x], matched[y]) })
	if len(req.SearchAfter) > 0 {
		after := make([]search.Scalar, len(keys))
		for k, key := range keys {
			if after[k], err = afterValue(key, req.SearchAfter[k]); err != nil {
				return textindex.Answer{}, err
			}
		}
		kept := matched[:0]
		for _, i := range matched {
			c := 0
			for k, key := range keys {
				if c = compareKey(key, vals[i][k], after[k]); c != 0 {
					break
				}
			}
			if c > 0 {
				kept = append(kept, i)
			}
		}
		matched = kept
	}
	from := min(req.From, len(matched))
	to := min(req.From+req.Size, len(matched))
	for _, i := range matched[from:to] {
		d := ix.docs[i]
		h := search.Hit{Partition: d.doc.Partition, Offset: d.doc.Offset, Score: sc[i]}
		if !scored {
			h.Score = math.NaN()
		}
		if len(keys) > 0 {
			h.Sort = vals[i]
		}
		if h.Source, err = textindex.FilterSource(d.doc.Source, req.Source); err != nil {
			return textindex.Answer{}, err
		}
		if req.Highlight != nil {
			h.Highlight = e.highlight(d, req.Query, *req.Highlight)
		}
		res.Hits = append(res.Hits, h)
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

func (e *evaluator) highlight(d *mdoc, q search.Query, h search.Highlight) map[string][]string {
	out := map[string][]string{}
	paths := make([]string, 0, len(d.fields))
	for p := range d.fields {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	n := h.NumberOfFragments
	if n <= 0 {
		n = 5
	}
	for _, path := range paths {
		f := d.fields[path]
		if !f.spec.Index || (f.spec.Type != search.Text && f.spec.Type != search.Keyword) {
			continue
		}
		wanted := false
		for _, p := range h.Fields {
			wanted = wanted || search.MatchFieldPattern(p, path)
		}
		if !wanted {
			continue
		}
		sp := f.spec
		match := search.HighlightMatcher(q, path, func(text, analyzer string) []string {
			if sp.Type == search.Keyword {
				return []string{text}
			}
			a, err := e.analyzerFor(sp, analyzer)
			if err != nil {
				return nil
			}
			var terms []string
			for _, t := range a(text) {
				terms = append(terms, t.term)
			}
			return terms
		})
		var frags []string
		for k, ts := range f.tokens {
			var spans []search.Span
			for _, t := range ts {
				if match(t.term) {
					spans = append(spans, search.Span{Start: t.start, End: t.end})
				}
			}
			frags = append(frags, search.Fragments(f.values[k].Str, spans, h)...)
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
