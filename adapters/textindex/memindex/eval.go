package memindex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// DefaultMaxExpansions is the expansion bound of fuzzy and prefix-phrase
// terms when a query names none (Elasticsearch's default).
const DefaultMaxExpansions = 50

// scores holds one score per document of the index, NaN for those that
// do not match.
type scores []float64

func (s scores) has(i int) bool { return !math.IsNaN(s[i]) }

// evaluator answers queries over one index's documents.
type evaluator struct {
	ix      *Index
	mapping search.Mapping
	req     *search.Request
	ctx     context.Context
}

func (e *evaluator) none() scores {
	s := make(scores, len(e.ix.docs))
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// field resolves a queried field: its spec, whether it is searchable
// (unmapped fields match nothing), or ErrInvalid for an unindexed one.
func (e *evaluator) field(path string) (spec, bool, error) {
	fm, ok := e.mapping.Field(path)
	if !ok {
		return spec{}, false, nil
	}
	sp, err := e.ix.specOf(path, fm)
	if err != nil {
		return spec{}, false, err
	}
	if !sp.Index {
		return spec{}, false, fmt.Errorf("%w: cannot search on field [%s] since it is not indexed", textindex.ErrInvalid, path)
	}
	return sp, true, nil
}

func (e *evaluator) analyzerFor(sp spec, override string) (func(string) []token, error) {
	name := sp.Analyzer
	if override != "" {
		name = override
	}
	a, ok := analyzers[name]
	if !ok {
		return nil, fmt.Errorf("%w: unknown analyzer %q", textindex.ErrInvalid, name)
	}
	return a, nil
}

func depth(q search.Query) int {
	switch q := q.(type) {
	case search.Bool:
		d := 0
		for _, c := range [][]search.Query{q.Must, q.Should, q.MustNot, q.Filter} {
			for _, x := range c {
				d = max(d, depth(x))
				if d > search.MaxQueryDepth {
					return d
				}
			}
		}
		return d + 1
	case search.ConstantScore:
		return depth(q.Filter) + 1
	}
	return 1
}

func (e *evaluator) eval(q search.Query) (scores, error) {
	if err := e.ctx.Err(); err != nil {
		return nil, err
	}
	switch q := q.(type) {
	case nil:
		return e.eval(search.MatchAll{})
	case search.MatchAll:
		s := e.none()
		for i := range s {
			s[i] = boostOr1(q.Boost)
		}
		return s, nil
	case search.MatchNone:
		return e.none(), nil
	case search.Match:
		return e.match(q, false)
	case search.MatchPhrase:
		return e.phrase(q.Field, q.Text, q.Slop, q.Analyzer, q.Boost, -1, false)
	case search.MatchPhrasePrefix:
		max := q.MaxExpansions
		if max == 0 {
			max = DefaultMaxExpansions
		}
		return e.phrase(q.Field, q.Text, q.Slop, q.Analyzer, q.Boost, max, false)
	case search.MultiMatch:
		return e.multiMatch(q)
	case search.Term:
		return e.term(q.Field, q.Value, q.CaseInsensitive, q.Boost, false)
	case search.Terms:
		out := e.none()
		for _, v := range q.Values {
			s, err := e.term(q.Field, v, false, q.Boost, false)
			if err != nil {
				return nil, err
			}
			for i := range out {
				if s.has(i) && (!out.has(i) || s[i] > out[i]) {
					out[i] = boostOr1(q.Boost)
				}
			}
		}
		return out, nil
	case search.Range:
		return e.rangeQuery(q)
	case search.Bool:
		return e.boolQuery(q)
	case search.Prefix:
		p, err := search.CompilePrefix(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return e.pattern(q.Field, "prefix", p.Match, q.Boost)
	case search.Wildcard:
		p, err := search.CompileWildcard(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return e.pattern(q.Field, "wildcard", p.Match, q.Boost)
	case search.Regexp:
		p, err := search.CompileRegexp(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return e.pattern(q.Field, "regexp", p.Match, q.Boost)
	case search.Fuzzy:
		return e.fuzzy(q)
	case search.Exists:
		s := e.none()
		for i, d := range e.ix.docs {
			if d.exists[q.Field] || q.Field == search.FieldID {
				s[i] = 1
			}
		}
		return s, nil
	case search.IDs:
		s := e.none()
		for _, id := range q.Values {
			p, o, err := search.ParseDocID(id)
			if err != nil {
				continue
			}
			if i, ok := e.ix.byOffset[o]; ok && e.ix.docs[i].doc.Partition == p {
				s[i] = 1
			}
		}
		return s, nil
	case search.ConstantScore:
		f, err := e.eval(q.Filter)
		if err != nil {
			return nil, err
		}
		for i := range f {
			if f.has(i) {
				f[i] = boostOr1(q.Boost)
			}
		}
		return f, nil
	}
	return nil, fmt.Errorf("%w: query type %T is not supported", textindex.ErrInvalid, q)
}

func patternErr(err error) error {
	if errors.Is(err, search.ErrPatternTooComplex) {
		return fmt.Errorf("%w: %v", textindex.ErrTooComplex, err)
	}
	return fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
}

// clause is one term position of a match query: the terms that satisfy
// it (one, or a fuzzy term's expansions).
type clause []string

// matchClauses analyzes text into the clauses of a match query on a
// text field.
func (e *evaluator) matchClauses(field string, sp spec, text, analyzer string, fz search.Fuzziness, prefixLen int) ([]clause, error) {
	a, err := e.analyzerFor(sp, analyzer)
	if err != nil {
		return nil, err
	}
	if fz < search.Auto || fz > search.MaxEdits {
		return nil, fmt.Errorf("%w: fuzziness must be 0, 1, 2 or AUTO", textindex.ErrInvalid)
	}
	var out []clause
	for _, t := range a(text) {
		edits := fz.Edits(t.term)
		if edits == 0 {
			out = append(out, clause{t.term})
			continue
		}
		out = append(out, e.fuzzyTerms(field, t.term, edits, prefixLen, DefaultMaxExpansions))
	}
	return out, nil
}

// fuzzyTerms lists the field's terms within edits of term sharing its
// first prefixLen characters: the nearest max of them, ties by term.
func (e *evaluator) fuzzyTerms(field, term string, edits, prefixLen, max int) clause {
	type cand struct {
		t string
		d int
	}
	var cs []cand
	for t := range e.ix.dict[field] {
		if !search.SharesPrefix(t, term, prefixLen) {
			continue
		}
		if d := search.EditDistance(t, term, edits); d <= edits {
			cs = append(cs, cand{t, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].t < cs[j].t
	})
	out := clause{}
	for i := 0; i < len(cs) && i < max; i++ {
		out = append(out, cs[i].t)
	}
	return out
}

func (e *evaluator) match(q search.Match, lenient bool) (scores, error) {
	sp, ok, err := e.field(q.Field)
	if err != nil || !ok {
		return e.none(), err
	}
	if sp.Type != search.Text {
		return e.term(q.Field, q.Text, false, q.Boost, lenient)
	}
	cls, err := e.matchClauses(q.Field, sp, q.Text, q.Analyzer, q.Fuzziness, q.PrefixLength)
	if err != nil {
		return nil, err
	}
	return e.combineClauses(q.Field, cls, q.Operator, q.MinimumShouldMatch, q.Boost, nil)
}

// combineClauses matches documents holding the clauses' terms: all of
// them (And) or at least minimum_should_match of them (Or, at least
// one). extra, when set, is one more clause given as a predicate on
// terms (bool_prefix's last term).
func (e *evaluator) combineClauses(field string, cls []clause, op search.Operator, msmSpec string, boost float64, extra func(string) bool) (scores, error) {
	n := len(cls)
	if extra != nil {
		n++
	}
	out := e.none()
	if n == 0 {
		return out, nil
	}
	need := n
	if op == search.Or {
		m, err := search.MinimumShouldMatch(msmSpec, n, 1)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
		}
		need = max(m, 1)
	}
	// With one term per clause this is bleve's scoring of a disjunction
	// (or conjunction) of term queries: each term's tf-idf score times
	// its idf and the query norm 1/sqrt(sum of idf²), a disjunction's sum
	// times matched/clauses.
	exact := extra == nil
	sumSq := 0.0
	for _, c := range cls {
		exact = exact && len(c) == 1
		if len(c) == 1 {
			idf := e.ix.idf(field, c[0])
			sumSq += idf * idf
		}
	}
	for i, d := range e.ix.docs {
		f := d.fields[field]
		if f == nil || len(f.tokens) == 0 {
			continue
		}
		matched, score := 0, 0.0
		for _, c := range cls {
			best, hit := 0.0, false
			for _, t := range c {
				if holds(f, t) {
					hit = true
					s := e.ix.termScore(d, field, t, 0)
					if exact {
						s *= e.ix.idf(field, t) / math.Sqrt(sumSq)
					}
					best = math.Max(best, s)
				}
			}
			if hit {
				matched++
				score += best
			}
		}
		if extra != nil {
			if t, ok := firstTerm(f, extra); ok {
				matched++
				score += e.ix.termScore(d, field, t, boost)
			}
		}
		if matched >= need {
			if op == search.Or {
				score *= float64(matched) / float64(n)
			}
			out[i] = score
		}
	}
	return out, nil
}

func holds(f *mfield, term string) bool {
	for _, ts := range f.tokens {
		for _, t := range ts {
			if t.term == term {
				return true
			}
		}
	}
	return false
}

func firstTerm(f *mfield, pred func(string) bool) (string, bool) {
	for _, ts := range f.tokens {
		for _, t := range ts {
			if pred(t.term) {
				return t.term, true
			}
		}
	}
	return "", false
}

// phrase matches the analyzed text in order (slop 0), the last term a
// prefix expanded to maxExp terms when maxExp >= 0.
func (e *evaluator) phrase(field, text string, slop int, analyzer string, boost float64, maxExp int, lenient bool) (scores, error) {
	if slop != 0 {
		return nil, fmt.Errorf("%w: phrase slop is not supported (only 0)", textindex.ErrInvalid)
	}
	sp, ok, err := e.field(field)
	if err != nil || !ok {
		return e.none(), err
	}
	if sp.Type != search.Text {
		return e.term(field, text, false, boost, lenient)
	}
	a, err := e.analyzerFor(sp, analyzer)
	if err != nil {
		return nil, err
	}
	ts := a(text)
	out := e.none()
	if len(ts) == 0 {
		return out, nil
	}
	sets := make([]map[string]bool, len(ts))
	for i, t := range ts {
		sets[i] = map[string]bool{t.term: true}
	}
	if maxExp >= 0 {
		last := ts[len(ts)-1].term
		var exp []string
		for t := range e.ix.dict[field] {
			if strings.HasPrefix(t, last) {
				exp = append(exp, t)
			}
		}
		sort.Strings(exp)
		if len(exp) > maxExp {
			exp = exp[:maxExp]
		}
		sets[len(ts)-1] = map[string]bool{}
		for _, t := range exp {
			sets[len(ts)-1][t] = true
		}
	}
	for i, d := range e.ix.docs {
		f := d.fields[field]
		if f == nil {
			continue
		}
		for _, vt := range f.tokens {
			if phraseIn(vt, ts, sets) {
				out[i] = 1 * boostOr1(boost)
				break
			}
		}
	}
	return out, nil
}

// phraseIn reports whether the value's tokens hold the phrase: each
// query term at its position relative to the first.
func phraseIn(vt []token, q []token, sets []map[string]bool) bool {
	at := map[int]string{}
	for _, t := range vt {
		at[t.pos] = t.term
	}
	for _, t := range vt {
		if !sets[0][t.term] {
			continue
		}
		ok := true
		for k := 1; k < len(q); k++ {
			term, has := at[t.pos+q[k].pos-q[0].pos]
			if !has || !sets[k][term] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (e *evaluator) multiMatch(q search.MultiMatch) (scores, error) {
	specs := q.Fields
	if len(specs) == 0 {
		specs = []string{"*"}
	}
	fields, boosts, ok := search.ExpandFields(specs, e.mapping)
	if !ok {
		return nil, fmt.Errorf("%w: multi_match: a field boost is not a number", textindex.ErrInvalid)
	}
	lenient := map[string]bool{}
	for _, s := range specs {
		f, _, _ := search.FieldBoost(s)
		if strings.Contains(f, "*") {
			for _, x := range fields {
				if search.MatchFieldPattern(f, x) {
					lenient[x] = true
				}
			}
		}
	}
	if q.Type == search.CrossFields {
		return nil, fmt.Errorf("%w: multi_match type cross_fields is not supported", textindex.ErrInvalid)
	}
	out := e.none()
	per := make([]scores, 0, len(fields))
	for k, f := range fields {
		if fm, ok := e.mapping.Field(f); lenient[f] && ok && !fm.Index {
			continue // a pattern skips fields that are not searchable
		}
		b := boostOr1(q.Boost) * boosts[k]
		var s scores
		var err error
		switch q.Type {
		case search.BestFields, search.MostFields:
			s, err = e.match(search.Match{Field: f, Text: q.Text, Operator: q.Operator, MinimumShouldMatch: q.MinimumShouldMatch,
				Fuzziness: q.Fuzziness, Analyzer: q.Analyzer, Boost: b}, lenient[f])
		case search.Phrase:
			s, err = e.phrase(f, q.Text, q.Slop, q.Analyzer, b, -1, lenient[f])
		case search.PhrasePrefix:
			s, err = e.phrase(f, q.Text, q.Slop, q.Analyzer, b, DefaultMaxExpansions, lenient[f])
		case search.BoolPrefix:
			s, err = e.boolPrefix(f, q, b, lenient[f])
		default:
			return nil, fmt.Errorf("%w: unknown multi_match type", textindex.ErrInvalid)
		}
		if err != nil {
			return nil, err
		}
		per = append(per, s)
	}
	for i := range out {
		best, sum, any := 0.0, 0.0, false
		for _, s := range per {
			if s.has(i) {
				any = true
				best = math.Max(best, s[i])
				sum += s[i]
			}
		}
		if !any {
			continue
		}
		if q.Type == search.MostFields {
			out[i] = sum
		} else {
			out[i] = best + q.TieBreaker*(sum-best)
		}
	}
	return out, nil
}

func (e *evaluator) boolPrefix(field string, q search.MultiMatch, boost float64, lenient bool) (scores, error) {
	sp, ok, err := e.field(field)
	if err != nil || !ok {
		return e.none(), err
	}
	if sp.Type != search.Text {
		return e.term(field, q.Text, false, boost, lenient)
	}
	cls, err := e.matchClauses(field, sp, q.Text, q.Analyzer, q.Fuzziness, 0)
	if err != nil {
		return nil, err
	}
	if len(cls) == 0 {
		return e.none(), nil
	}
	a, _ := e.analyzerFor(sp, q.Analyzer)
	ts := a(q.Text)
	last := ts[len(ts)-1].term
	exp := e.prefixTerms(field, last, DefaultMaxExpansions)
	return e.combineClauses(field, cls[:len(cls)-1], q.Operator, q.MinimumShouldMatch, boost, func(t string) bool { return exp[t] })
}

func (e *evaluator) prefixTerms(field, prefix string, max int) map[string]bool {
	var exp []string
	for t := range e.ix.dict[field] {
		if strings.HasPrefix(t, prefix) {
			exp = append(exp, t)
		}
	}
	sort.Strings(exp)
	out := map[string]bool{}
	for i := 0; i < len(exp) && i < max; i++ {
		out[exp[i]] = true
	}
	return out
}

// term matches documents whose field holds v exactly (for text, one of
// its terms). lenient: a value that does not fit the field's type
// matches nothing instead of being refused.
func (e *evaluator) term(field string, v search.Scalar, ci bool, boost float64, lenient bool) (scores, error) {
	out := e.none()
	if field == search.FieldID {
		s, ok := v.(string)
		if !ok {
			return out, nil
		}
		return e.eval(search.IDs{Values: []string{s}})
	}
	sp, ok, err := e.field(field)
	if err != nil || !ok {
		return out, err
	}
	switch sp.Type {
	case search.Text, search.Keyword:
		s := scalarString(v)
		for i, d := range e.ix.docs {
			f := d.fields[field]
			if f == nil {
				continue
			}
			if ci {
				if _, hit := firstTerm(f, func(t string) bool { return strings.EqualFold(t, s) }); hit {
					out[i] = boostOr1(boost)
				}
			} else if holds(f, s) {
				out[i] = e.ix.termScore(d, field, s, 0) // bleve's query norm cancels a single term's boost
			}
		}
		return out, nil
	case search.Boolean:
		b, ok := scalarBool(v)
		if !ok {
			if lenient {
				return out, nil
			}
			return nil, fmt.Errorf("%w: field [%s] of type boolean cannot hold %v", textindex.ErrInvalid, field, v)
		}
		for i, d := range e.ix.docs {
			if f := d.fields[field]; f != nil {
				for _, fv := range f.values {
					if fv.Bool == b {
						out[i] = boostOr1(boost)
					}
				}
			}
		}
		return out, nil
	case search.Date:
		lo, err1 := e.dateBound(v, "", "", false)
		hi, err2 := e.dateBound(v, "", "", true)
		if err1 != nil || err2 != nil {
			if lenient {
				return out, nil
			}
			return nil, errors.Join(err1, err2)
		}
		return e.numericRange(field, &lo, &hi, true, true, boost), nil
	default:
		n, ok := scalarFloat(v)
		if !ok {
			if lenient {
				return out, nil
			}
			return nil, fmt.Errorf("%w: field [%s] of type %s cannot hold %v", textindex.ErrInvalid, field, sp.Type, v)
		}
		return e.numericRange(field, &n, &n, true, true, boost), nil
	}
}

func scalarString(v search.Scalar) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func scalarBool(v search.Scalar) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func scalarFloat(v search.Scalar) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// dateBound is a date bound as epoch milliseconds.
func (e *evaluator) dateBound(v search.Scalar, format, tz string, roundUp bool) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case float64:
		return math.Floor(x), nil
	case string:
		ms, err := search.ResolveDate(x, format, tz, e.req.Now, roundUp)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
		}
		return float64(ms), nil
	}
	return 0, fmt.Errorf("%w: a date bound must be a string or a number", textindex.ErrInvalid)
}

func (e *evaluator) numericRange(field string, lo, hi *float64, loIn, hiIn bool, boost float64) scores {
	out := e.none()
	for i, d := range e.ix.docs {
		f := d.fields[field]
		if f == nil {
			continue
		}
		for _, fv := range f.values {
			x := numeric(fv)
			if lo != nil && (x < *lo || (!loIn && x == *lo)) {
				continue
			}
			if hi != nil && (x > *hi || (!hiIn && x == *hi)) {
				continue
			}
			out[i] = boostOr1(boost)
			break
		}
	}
	return out
}

// numeric is the value a numeric field is compared by: bleve keeps
// every number as a float64.
func numeric(fv search.FieldValue) float64 {
	switch fv.Type {
	case search.Long, search.Date:
		return float64(fv.Int)
	}
	return fv.Float
}

func (e *evaluator) rangeQuery(q search.Range) (scores, error) {
	sp, ok, err := e.field(q.Field)
	if err != nil || !ok {
		return e.none(), err
	}
	type bound struct {
		v       search.Scalar
		in, up  bool
		isLower bool
	}
	var lo, hi *bound
	if q.GT != nil {
		lo = &bound{v: q.GT, up: true, isLower: true}
	}
	if q.GTE != nil {
		lo = &bound{v: q.GTE, in: true, isLower: true}
	}
	if q.LT != nil {
		hi = &bound{v: q.LT}
	}
	if q.LTE != nil {
		hi = &bound{v: q.LTE, in: true, up: true}
	}
	switch sp.Type {
	case search.Long, search.Double, search.Date:
		var l, h *float64
		for _, b := range []*bound{lo, hi} {
			if b == nil {
				continue
			}
			var x float64
			if sp.Type == search.Date {
				x, err = e.dateBound(b.v, q.Format, q.TimeZone, b.up)
				if err != nil {
					return nil, err
				}
			} else {
				var ok bool
				if x, ok = scalarFloat(b.v); !ok {
					return nil, fmt.Errorf("%w: range bound %v of field [%s] is not a number", textindex.ErrInvalid, b.v, q.Field)
				}
			}
			if b.isLower {
				l = &x
			} else {
				h = &x
			}
		}
		return e.numericRange(q.Field, l, h, lo == nil || lo.in, hi == nil || hi.in, q.Boost), nil
	case search.Text, search.Keyword:
		out := e.none()
		for i, d := range e.ix.docs {
			f := d.fields[q.Field]
			if f == nil {
				continue
			}
			_, hit := firstTerm(f, func(t string) bool {
				if lo != nil {
					s := scalarString(lo.v)
					if t < s || (!lo.in && t == s) {
						return false
					}
				}
				if hi != nil {
					s := scalarString(hi.v)
					if t > s || (!hi.in && t == s) {
						return false
					}
				}
				return true
			})
			if hit {
				out[i] = boostOr1(q.Boost)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: range queries do not apply to field [%s] of type %s", textindex.ErrInvalid, q.Field, sp.Type)
}

func (e *evaluator) boolQuery(q search.Bool) (scores, error) {
	if len(q.Must)+len(q.Should)+len(q.MustNot)+len(q.Filter) == 0 {
		return e.eval(search.MatchAll{Boost: q.Boost})
	}
	out := e.none()
	for i := range out {
		out[i] = 0
	}
	for _, c := range q.Must {
		s, err := e.eval(c)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if out.has(i) && s.has(i) {
				out[i] += s[i]
			} else {
				out[i] = math.NaN()
			}
		}
	}
	for _, c := range q.Filter {
		s, err := e.eval(c)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if !s.has(i) {
				out[i] = math.NaN()
			}
		}
	}
	for _, c := range q.MustNot {
		s, err := e.eval(c)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if s.has(i) {
				out[i] = math.NaN()
			}
		}
	}
	def := 0
	if len(q.Must)+len(q.Filter) == 0 && len(q.Should) > 0 {
		def = 1
	}
	need, err := search.MinimumShouldMatch(q.MinimumShouldMatch, len(q.Should), def)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
	}
	if len(q.Should) > 0 {
		counts := make([]int, len(out))
		sums := make([]float64, len(out))
		for _, c := range q.Should {
			s, err := e.eval(c)
			if err != nil {
				return nil, err
			}
			for i := range out {
				if s.has(i) {
					counts[i]++
					sums[i] += s[i]
				}
			}
		}
		for i := range out {
			if counts[i] < need {
				out[i] = math.NaN()
			} else if out.has(i) {
				out[i] += sums[i] * float64(counts[i]) / float64(len(q.Should))
			}
		}
	} else if need > 0 {
		return e.none(), nil
	}
	if q.Boost != 0 {
		for i := range out {
			out[i] *= q.Boost
		}
	}
	return out, nil
}

// pattern matches documents holding a term of the text or keyword
// field that accepts.
func (e *evaluator) pattern(field, kind string, accept func(string) bool, boost float64) (scores, error) {
	sp, ok, err := e.field(field)
	if err != nil || !ok {
		return e.none(), err
	}
	if sp.Type != search.Text && sp.Type != search.Keyword {
		return nil, fmt.Errorf("%w: %s queries need a text or keyword field; [%s] is %s", textindex.ErrInvalid, kind, field, sp.Type)
	}
	terms := map[string]bool{}
	for t := range e.ix.dict[field] {
		if accept(t) {
			terms[t] = true
		}
	}
	if len(terms) > search.MaxTermExpansions {
		return nil, fmt.Errorf("%w: %s query on [%s] expands to more than %d terms", textindex.ErrTooComplex, kind, field, search.MaxTermExpansions)
	}
	out := e.none()
	for i, d := range e.ix.docs {
		if f := d.fields[field]; f != nil {
			if _, hit := firstTerm(f, func(t string) bool { return terms[t] }); hit {
				out[i] = boostOr1(boost)
			}
		}
	}
	return out, nil
}

func (e *evaluator) fuzzy(q search.Fuzzy) (scores, error) {
	if q.Fuzziness < search.Auto || q.Fuzziness > search.MaxEdits {
		return nil, fmt.Errorf("%w: fuzziness must be 0, 1, 2 or AUTO", textindex.ErrInvalid)
	}
	max := q.MaxExpansions
	if max == 0 {
		max = DefaultMaxExpansions
	}
	if max < 0 || max > search.MaxTermExpansions {
		return nil, fmt.Errorf("%w: max_expansions above %d", textindex.ErrTooComplex, search.MaxTermExpansions)
	}
	sp, ok, err := e.field(q.Field)
	if err != nil || !ok {
		return e.none(), err
	}
	if sp.Type != search.Text && sp.Type != search.Keyword {
		return nil, fmt.Errorf("%w: fuzzy queries need a text or keyword field; [%s] is %s", textindex.ErrInvalid, q.Field, sp.Type)
	}
	cands := e.fuzzyTerms(q.Field, q.Value, q.Fuzziness.Edits(q.Value), q.PrefixLength, max)
	set := map[string]bool{}
	for _, t := range cands {
		set[t] = true
	}
	return e.pattern(q.Field, "fuzzy", func(t string) bool { return set[t] }, q.Boost)
}
