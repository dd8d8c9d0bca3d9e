package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"

	dsearch "github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// DefaultMaxExpansions is the expansion bound of fuzzy and prefix-phrase
// terms when a query names none (Elasticsearch's default).
const DefaultMaxExpansions = 50

// translator turns the domain's query model into bleve queries over one
// index reader (expansions of fuzzy, prefix and pattern terms are
// enumerated from its dictionaries, so both adapters pick the same
// terms).
type translator struct {
	ix      *Index
	reader  index.IndexReader
	mapping dsearch.Mapping
	now     dsearch.Request
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{textindex.ErrInvalid}, a...)...)
}

func depth(q dsearch.Query) int {
	switch q := q.(type) {
	case dsearch.Bool:
		d := 0
		for _, c := range [][]dsearch.Query{q.Must, q.Should, q.MustNot, q.Filter} {
			for _, x := range c {
				d = max(d, depth(x))
				if d > dsearch.MaxQueryDepth {
					return d
				}
			}
		}
		return d + 1
	case dsearch.ConstantScore:
		return depth(q.Filter) + 1
	}
	return 1
}

func none() query.Query { return query.NewMatchNoneQuery() }

func boosted[T interface{ SetBoost(float64) }](q T, b float64) T {
	if b != 0 {
		q.SetBoost(b)
	}
	return q
}

// field resolves a queried field (unmapped: matches nothing).
func (t *translator) field(path string) (fieldSpec, bool, error) {
	fm, ok := t.mapping.Field(path)
	if !ok {
		return fieldSpec{}, false, nil
	}
	sp, err := t.ix.spec(path, fm)
	if err != nil {
		return sp, false, err
	}
	if !sp.index {
		return sp, false, invalid("cannot search on field [%s] since it is not indexed", path)
	}
	return sp, true, nil
}

type tok struct {
	term string
	pos  int
}

func (t *translator) analyze(sp fieldSpec, override, text string) ([]tok, error) {
	name := sp.analyzer
	if override != "" {
		b, ok := bleveAnalyzer[override]
		if !ok {
			return nil, invalid("unknown analyzer %q", override)
		}
		name = b
	}
	a, err := t.ix.analyzer(name)
	if err != nil {
		return nil, err
	}
	var out []tok
	for _, x := range a.Analyze([]byte(text)) {
		out = append(out, tok{term: string(x.Term), pos: x.Position})
	}
	return out, nil
}

func (t *translator) translate(q dsearch.Query) (query.Query, error) {
	switch q := q.(type) {
	case nil:
		return query.NewMatchAllQuery(), nil
	case dsearch.MatchAll:
		return boosted(query.NewMatchAllQuery(), q.Boost), nil
	case dsearch.MatchNone:
		return none(), nil
	case dsearch.Match:
		return t.match(q, false)
	case dsearch.MatchPhrase:
		return t.phrase(q.Field, q.Text, q.Slop, q.Analyzer, q.Boost, -1, false)
	case dsearch.MatchPhrasePrefix:
		n := q.MaxExpansions
		if n == 0 {
			n = DefaultMaxExpansions
		}
		return t.phrase(q.Field, q.Text, q.Slop, q.Analyzer, q.Boost, n, false)
	case dsearch.MultiMatch:
		return t.multiMatch(q)
	case dsearch.Term:
		return t.term(q.Field, q.Value, q.CaseInsensitive, q.Boost, false)
	case dsearch.Terms:
		var qs []query.Query
		for _, v := range q.Values {
			x, err := t.term(q.Field, v, false, q.Boost, false)
			if err != nil {
				return nil, err
			}
			qs = append(qs, x)
		}
		if len(qs) == 0 {
			return none(), nil
		}
		return query.NewDisjunctionQuery(qs), nil
	case dsearch.Range:
		return t.rangeQuery(q)
	case dsearch.Bool:
		return t.boolQuery(q)
	case dsearch.Prefix:
		p, err := dsearch.CompilePrefix(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return t.pattern(q.Field, "prefix", p, q.Value, q.CaseInsensitive, q.Boost)
	case dsearch.Wildcard:
		p, err := dsearch.CompileWildcard(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return t.pattern(q.Field, "wildcard", p, "", false, q.Boost)
	case dsearch.Regexp:
		p, err := dsearch.CompileRegexp(q.Value, q.CaseInsensitive)
		if err != nil {
			return nil, patternErr(err)
		}
		return t.pattern(q.Field, "regexp", p, "", false, q.Boost)
	case dsearch.Fuzzy:
		return t.fuzzy(q)
	case dsearch.Exists:
		if q.Field == dsearch.FieldID {
			return query.NewMatchAllQuery(), nil
		}
		tq := query.NewTermQuery(q.Field)
		tq.SetField(fieldExists)
		return tq, nil
	case dsearch.IDs:
		return query.NewDocIDQuery(append([]string(nil), q.Values...)), nil
	case dsearch.ConstantScore:
		f, err := t.translate(q.Filter)
		if err != nil {
			return nil, err
		}
		bq := query.NewBooleanQuery([]query.Query{boosted(query.NewMatchAllQuery(), q.Boost)}, nil, nil)
		bq.AddFilter(f)
		return bq, nil
	}
	return nil, invalid("query type %T is not supported", q)
}

func patternErr(err error) error {
	if errors.Is(err, dsearch.ErrPatternTooComplex) {
		return fmt.Errorf("%w: %v", textindex.ErrTooComplex, err)
	}
	return fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
}

// termsQuery matches documents holding any of terms in field: bleve's
// multi-term searcher, which its own fuzzy and regexp queries use.
type termsQuery struct {
	field string
	terms []string
	boost float64
}

func (q *termsQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	return searcher.NewMultiTermSearcher(ctx, i, q.terms, q.field, q.boost, options, false)
}

func termsOf(field string, terms []string, boost float64) query.Query {
	switch len(terms) {
	case 0:
		return none()
	case 1:
		tq := query.NewTermQuery(terms[0])
		tq.SetField(field)
		return boosted(tq, boost)
	}
	if boost == 0 {
		boost = 1
	}
	return &termsQuery{field: field, terms: terms, boost: boost}
}

func termQuery(field, term string, boost float64) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	return boosted(tq, boost)
}

// fuzzyTerms lists the field's terms within edits of term sharing its
// first prefixLen characters: the nearest max, ties by term.
func (t *translator) fuzzyTerms(field, term string, edits, prefixLen, max int) ([]string, error) {
	type cand struct {
		t string
		d int
	}
	var cs []cand
	if edits > 0 {
		prefix := term
		if r := []rune(term); prefixLen < len(r) {
			prefix = string(r[:prefixLen])
		}
		rf, ok := t.reader.(index.IndexReaderFuzzy)
		if !ok {
			return nil, errors.New("text index: the reader cannot enumerate fuzzy terms")
		}
		fd, err := rf.FieldDictFuzzy(field, term, edits, prefix)
		if err != nil {
			return nil, invalid("fuzzy term %q: %v", term, err)
		}
		defer fd.Close()
		for e, err := fd.Next(); ; e, err = fd.Next() {
			if err != nil {
				return nil, fmt.Errorf("text index: reading terms: %w", err)
			}
			if e == nil {
				break
			}
			if !dsearch.SharesPrefix(e.Term, term, prefixLen) {
				continue
			}
			if d := dsearch.EditDistance(e.Term, term, edits); d <= edits {
				cs = append(cs, cand{e.Term, d})
			}
			if len(cs) > dsearch.MaxTermExpansions {
				return nil, fmt.Errorf("%w: fuzzy term %q expands to more than %d terms", textindex.ErrTooComplex, term, dsearch.MaxTermExpansions)
			}
		}
	} else {
		cs = append(cs, cand{term, 0})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].t < cs[j].t
	})
	var out []string
	for i := 0; i < len(cs) && i < max; i++ {
		out = append(out, cs[i].t)
	}
	return out, nil
}

// prefixTerms lists the first max terms of field starting with prefix.
func (t *translator) prefixTerms(field, prefix string, max int) ([]string, error) {
	fd, err := t.reader.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return nil, fmt.Errorf("text index: reading terms: %w", err)
	}
	defer fd.Close()
	var out []string
	for e, err := fd.Next(); len(out) < max; e, err = fd.Next() {
		if err != nil {
			return nil, fmt.Errorf("text index: reading terms: %w", err)
		}
		if e == nil {
			break
		}
		out = append(out, e.Term)
	}
	return out, nil
}

func (t *translator) matchClauses(field string, sp fieldSpec, text, analyzer string, fz dsearch.Fuzziness, prefixLen int, boost float64) ([]query.Query, []tok, error) {
	if fz < dsearch.Auto || fz > dsearch.MaxEdits {
		return nil, nil, invalid("fuzziness must be 0, 1, 2 or AUTO")
	}
	toks, err := t.analyze(sp, analyzer, text)
	if err != nil {
		return nil, nil, err
	}
	var cls []query.Query
	for _, x := range toks {
		edits := fz.Edits(x.term)
		if edits == 0 {
			cls = append(cls, termQuery(field, x.term, boost))
			continue
		}
		terms, err := t.fuzzyTerms(field, x.term, edits, prefixLen, DefaultMaxExpansions)
		if err != nil {
			return nil, nil, err
		}
		cls = append(cls, termsOf(field, terms, boost))
	}
	return cls, toks, nil
}

func combine(cls []query.Query, op dsearch.Operator, msm string) (query.Query, error) {
	if len(cls) == 0 {
		return none(), nil
	}
	if op == dsearch.And {
		if len(cls) == 1 {
			return cls[0], nil
		}
		return query.NewConjunctionQuery(cls), nil
	}
	need, err := dsearch.MinimumShouldMatch(msm, len(cls), 1)
	if err != nil {
		return nil, invalid("%v", err)
	}
	need = max(need, 1)
	if need > len(cls) {
		return none(), nil
	}
	if len(cls) == 1 {
		return cls[0], nil
	}
	dq := query.NewDisjunctionQuery(cls)
	dq.SetMin(float64(need))
	return dq, nil
}

func (t *translator) match(q dsearch.Match, lenient bool) (query.Query, error) {
	sp, ok, err := t.field(q.Field)
	if err != nil || !ok {
		return none(), err
	}
	if sp.typ != dsearch.Text {
		return t.term(q.Field, q.Text, false, q.Boost, lenient)
	}
	cls, _, err := t.matchClauses(q.Field, sp, q.Text, q.Analyzer, q.Fuzziness, q.PrefixLength, q.Boost)
	if err != nil {
		return nil, err
	}
	return combine(cls, q.Operator, q.MinimumShouldMatch)
}

// phrase matches the analyzed text in order (slop 0), its last term a
// prefix expanded to maxExp terms when maxExp >= 0. Bleve's phrase
// searcher has no slop, so a slop is refused.
func (t *translator) phrase(field, text string, slop int, analyzer string, boost float64, maxExp int, lenient bool) (query.Query, error) {
	if slop != 0 {
		return nil, invalid("phrase slop is not supported (only 0)")
	}
	sp, ok, err := t.field(field)
	if err != nil || !ok {
		return none(), err
	}
	if sp.typ != dsearch.Text {
		return t.term(field, text, false, boost, lenient)
	}
	toks, err := t.analyze(sp, analyzer, text)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return none(), nil
	}
	first, last := toks[0].pos, toks[0].pos
	for _, x := range toks {
		first, last = min(first, x.pos), max(last, x.pos)
	}
	terms := make([][]string, last-first+1)
	for _, x := range toks {
		terms[x.pos-first] = append(terms[x.pos-first], x.term)
	}
	if maxExp >= 0 {
		lt := toks[len(toks)-1]
		exp, err := t.prefixTerms(field, lt.term, maxExp)
		if err != nil {
			return nil, err
		}
		if len(exp) == 0 {
			return none(), nil
		}
		terms[lt.pos-first] = exp
	}
	if len(terms) == 1 {
		return termsOf(field, terms[0], boost), nil
	}
	mq := query.NewMultiPhraseQuery(terms, field)
	return boosted(mq, boost), nil
}

func (t *translator) multiMatch(q dsearch.MultiMatch) (query.Query, error) {
	specs := q.Fields
	if len(specs) == 0 {
		specs = []string{"*"}
	}
	fields, boosts, ok := dsearch.ExpandFields(specs, t.mapping)
	if !ok {
		return nil, invalid("multi_match: a field boost is not a number")
	}
	lenient := map[string]bool{}
	for _, s := range specs {
		f, _, _ := dsearch.FieldBoost(s)
		if strings.Contains(f, "*") {
			for _, x := range fields {
				if dsearch.MatchFieldPattern(f, x) {
					lenient[x] = true
				}
			}
		}
	}
	if q.Type == dsearch.CrossFields {
		return nil, invalid("multi_match type cross_fields is not supported")
	}
	var qs []query.Query
	for k, f := range fields {
		if fm, ok := t.mapping.Field(f); lenient[f] && ok && !fm.Index {
			continue // a pattern skips fields that are not searchable
		}
		b := q.Boost
		if b == 0 {
			b = 1
		}
		b *= boosts[k]
		var x query.Query
		var err error
		switch q.Type {
		case dsearch.BestFields, dsearch.MostFields:
			x, err = t.match(dsearch.Match{Field: f, Text: q.Text, Operator: q.Operator, MinimumShouldMatch: q.MinimumShouldMatch,
				Fuzziness: q.Fuzziness, Analyzer: q.Analyzer, Boost: b}, lenient[f])
		case dsearch.Phrase:
			x, err = t.phrase(f, q.Text, q.Slop, q.Analyzer, b, -1, lenient[f])
		case dsearch.PhrasePrefix:
			x, err = t.phrase(f, q.Text, q.Slop, q.Analyzer, b, DefaultMaxExpansions, lenient[f])
		case dsearch.BoolPrefix:
			x, err = t.boolPrefix(f, q, b, lenient[f])
		default:
			return nil, invalid("unknown multi_match type")
		}
		if err != nil {
			return nil, err
		}
		qs = append(qs, x)
	}
	if len(qs) == 0 {
		return none(), nil
	}
	if len(qs) == 1 {
		return qs[0], nil
	}
	return query.NewDisjunctionQuery(qs), nil
}

func (t *translator) boolPrefix(field string, q dsearch.MultiMatch, boost float64, lenient bool) (query.Query, error) {
	sp, ok, err := t.field(field)
	if err != nil || !ok {
		return none(), err
	}
	if sp.typ != dsearch.Text {
		return t.term(field, q.Text, false, boost, lenient)
	}
	cls, toks, err := t.matchClauses(field, sp, q.Text, q.Analyzer, q.Fuzziness, 0, boost)
	if err != nil || len(cls) == 0 {
		return none(), err
	}
	exp, err := t.prefixTerms(field, toks[len(toks)-1].term, DefaultMaxExpansions)
	if err != nil {
		return nil, err
	}
	cls[len(cls)-1] = termsOf(field, exp, boost)
	return combine(cls, q.Operator, q.MinimumShouldMatch)
}

func scalarString(v dsearch.Scalar) string {
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

func scalarBool(v dsearch.Scalar) (bool, bool) {
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

func scalarFloat(v dsearch.Scalar) (float64, bool) {
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

func (t *translator) dateBound(v dsearch.Scalar, format, tz string, roundUp bool) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case float64:
		return math.Floor(x), nil
	case string:
		ms, err := dsearch.ResolveDate(x, format, tz, t.now.Now, roundUp)
		if err != nil {
			return 0, invalid("%v", err)
		}
		return float64(ms), nil
	}
	return 0, invalid("a date bound must be a string or a number")
}

func numericRange(field string, lo, hi *float64, loIn, hiIn bool, boost float64) query.Query {
	// numeric.go: the terms numField indexes
	return boosted(&rangeQuery{field: field, lo: lo, hi: hi, loIn: loIn, hiIn: hiIn}, boost)
}

func (t *translator) term(field string, v dsearch.Scalar, ci bool, boost float64, lenient bool) (query.Query, error) {
	if field == dsearch.FieldID {
		s, ok := v.(string)
		if !ok {
			return none(), nil
		}
		return query.NewDocIDQuery([]string{s}), nil
	}
	sp, ok, err := t.field(field)
	if err != nil || !ok {
		return none(), err
	}
	switch sp.typ {
	case dsearch.Text, dsearch.Keyword:
		s := scalarString(v)
		if ci {
			p, err := dsearch.CompileWildcard(strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s), true)
			if err != nil {
				return nil, patternErr(err)
			}
			return t.pattern(field, "term", p, "", false, boost)
		}
		return termQuery(field, s, boost), nil
	case dsearch.Boolean:
		b, ok := scalarBool(v)
		if !ok {
			if lenient {
				return none(), nil
			}
			return nil, invalid("field [%s] of type boolean cannot hold %v", field, v)
		}
		return termQuery(field, strconv.FormatBool(b), boost), nil
	case dsearch.Date:
		lo, err1 := t.dateBound(v, "", "", false)
		hi, err2 := t.dateBound(v, "", "", true)
		if err1 != nil || err2 != nil {
			if lenient {
				return none(), nil
			}
			return nil, errors.Join(err1, err2)
		}
		return numericRange(field, &lo, &hi, true, true, boost), nil
	default:
		n, ok := scalarFloat(v)
		if !ok {
			if lenient {
				return none(), nil
			}
			return nil, invalid("field [%s] of type %s cannot hold %v", field, sp.typ, v)
		}
		return numericRange(field, &n, &n, true, true, boost), nil
	}
}

func (t *translator) rangeQuery(q dsearch.Range) (query.Query, error) {
	sp, ok, err := t.field(q.Field)
	if err != nil || !ok {
		return none(), err
	}
	type bound struct {
		v           dsearch.Scalar
		in, up, low bool
	}
	var lo, hi *bound
	if q.GT != nil {
		lo = &bound{v: q.GT, up: true, low: true}
	}
	if q.GTE != nil {
		lo = &bound{v: q.GTE, in: true, low: true}
	}
	if q.LT != nil {
		hi = &bound{v: q.LT}
	}
	if q.LTE != nil {
		hi = &bound{v: q.LTE, in: true, up: true}
	}
	switch sp.typ {
	case dsearch.Long, dsearch.Double, dsearch.Date:
		var l, h *float64
		for _, b := range []*bound{lo, hi} {
			if b == nil {
				continue
			}
			var x float64
			if sp.typ == dsearch.Date {
				if x, err = t.dateBound(b.v, q.Format, q.TimeZone, b.up); err != nil {
					return nil, err
				}
			} else {
				var ok bool
				if x, ok = scalarFloat(b.v); !ok {
					return nil, invalid("range bound %v of field [%s] is not a number", b.v, q.Field)
				}
			}
			if b.low {
				l = &x
			} else {
				h = &x
			}
		}
		if l == nil && h == nil {
			return t.translate(dsearch.Exists{Field: q.Field})
		}
		return numericRange(q.Field, l, h, lo == nil || lo.in, hi == nil || hi.in, q.Boost), nil
	case dsearch.Text, dsearch.Keyword:
		var l, h string
		li, hiIn := true, true
		if lo != nil {
			l, li = scalarString(lo.v), lo.in
		}
		if hi != nil {
			h, hiIn = scalarString(hi.v), hi.in
		}
		if l == "" && h == "" {
			return t.translate(dsearch.Exists{Field: q.Field})
		}
		rq := query.NewTermRangeInclusiveQuery(l, h, &li, &hiIn)
		rq.SetField(q.Field)
		return boosted(rq, q.Boost), nil
	}
	return nil, invalid("range queries do not apply to field [%s] of type %s", q.Field, sp.typ)
}

func (t *translator) all(qs []dsearch.Query) ([]query.Query, error) {
	out := make([]query.Query, 0, len(qs))
	for _, q := range qs {
		x, err := t.translate(q)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (t *translator) boolQuery(q dsearch.Bool) (query.Query, error) {
	if len(q.Must)+len(q.Should)+len(q.MustNot)+len(q.Filter) == 0 {
		return boosted(query.NewMatchAllQuery(), q.Boost), nil
	}
	must, err := t.all(q.Must)
	if err != nil {
		return nil, err
	}
	should, err := t.all(q.Should)
	if err != nil {
		return nil, err
	}
	mustNot, err := t.all(q.MustNot)
	if err != nil {
		return nil, err
	}
	filter, err := t.all(q.Filter)
	if err != nil {
		return nil, err
	}
	def := 0
	if len(must)+len(filter) == 0 && len(should) > 0 {
		def = 1
	}
	need, err := dsearch.MinimumShouldMatch(q.MinimumShouldMatch, len(should), def)
	if err != nil {
		return nil, invalid("%v", err)
	}
	if need > len(should) {
		return none(), nil
	}
	bq := query.NewBooleanQuery(nil, nil, nil)
	if len(must) > 0 {
		bq.AddMust(must...)
	}
	if need > 0 {
		dq := query.NewDisjunctionQuery(should)
		dq.SetMin(float64(need))
		bq.AddMust(dq)
	} else {
		if len(must) == 0 {
			// bleve's bool requires a should clause when it has no must
			bq.AddMust(query.NewMatchAllQuery())
		}
		if len(should) > 0 {
			bq.AddShould(should...)
		}
	}
	if len(mustNot) > 0 {
		bq.AddMustNot(mustNot...)
	}
	if len(filter) > 0 {
		if len(filter) == 1 {
			bq.AddFilter(filter[0])
		} else {
			bq.AddFilter(query.NewConjunctionQuery(filter))
		}
	}
	return boosted(bq, q.Boost), nil
}

// pattern matches the terms of a text or keyword field that p accepts,
// enumerated from the dictionary (a prefix's range of it, or bleve's
// regexp automaton) and bounded by MaxTermExpansions.
func (t *translator) pattern(field, kind string, p *dsearch.TermPattern, prefix string, ci bool, boost float64) (query.Query, error) {
	sp, ok, err := t.field(field)
	if err != nil || !ok {
		return none(), err
	}
	if sp.typ != dsearch.Text && sp.typ != dsearch.Keyword {
		return nil, invalid("%s queries need a text or keyword field; [%s] is %s", kind, field, sp.typ)
	}
	var fd index.FieldDict
	if prefix != "" && !ci {
		fd, err = t.reader.FieldDictPrefix(field, []byte(prefix))
	} else {
		rr, ok := t.reader.(index.IndexReaderRegexp)
		if !ok {
			return nil, errors.New("text index: the reader cannot enumerate pattern terms")
		}
		fd, err = rr.FieldDictRegexp(field, p.RE2)
	}
	if err != nil {
		if strings.Contains(err.Error(), "too many") || strings.Contains(err.Error(), "too big") {
			return nil, fmt.Errorf("%w: %s query on [%s] is too complex", textindex.ErrTooComplex, kind, field)
		}
		return nil, invalid("%s query on [%s]: the pattern is not usable", kind, field)
	}
	defer fd.Close()
	var terms []string
	for e, err := fd.Next(); ; e, err = fd.Next() {
		if err != nil {
			return nil, fmt.Errorf("text index: reading terms: %w", err)
		}
		if e == nil {
			break
		}
		if !p.Match(e.Term) {
			continue
		}
		terms = append(terms, e.Term)
		if len(terms) > dsearch.MaxTermExpansions {
			return nil, fmt.Errorf("%w: %s query on [%s] expands to more than %d terms", textindex.ErrTooComplex, kind, field, dsearch.MaxTermExpansions)
		}
	}
	return termsOf(field, terms, boost), nil
}

func (t *translator) fuzzy(q dsearch.Fuzzy) (query.Query, error) {
	if q.Fuzziness < dsearch.Auto || q.Fuzziness > dsearch.MaxEdits {
		return nil, invalid("fuzziness must be 0, 1, 2 or AUTO")
	}
	n := q.MaxExpansions
	if n == 0 {
		n = DefaultMaxExpansions
	}
	if n < 0 || n > dsearch.MaxTermExpansions {
		return nil, fmt.Errorf("%w: max_expansions above %d", textindex.ErrTooComplex, dsearch.MaxTermExpansions)
	}
	sp, ok, err := t.field(q.Field)
	if err != nil || !ok {
		return none(), err
	}
	if sp.typ != dsearch.Text && sp.typ != dsearch.Keyword {
		return nil, invalid("fuzzy queries need a text or keyword field; [%s] is %s", q.Field, sp.typ)
	}
	terms, err := t.fuzzyTerms(q.Field, q.Value, q.Fuzziness.Edits(q.Value), q.PrefixLength, n)
	if err != nil {
		return nil, err
	}
	if q.Fuzziness.Edits(q.Value) == 0 {
		// an exact fuzzy term matches only when the term exists
		return termQuery(q.Field, q.Value, q.Boost), nil
	}
	return termsOf(q.Field, terms, q.Boost), nil
}
