package search

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of query strings (query_string and simple_query_string).
const (
	// MaxQueryStringLength bounds a query string, in bytes.
	MaxQueryStringLength = 32 << 10
	// MaxQueryStringClauses bounds the clauses (terms, phrases, groups)
	// of one query string, as Lucene's max_clause_count does.
	MaxQueryStringClauses = 1024
)

// ErrQueryString: a query_string that is not Lucene's query syntax, or
// one past a bound. The error is a *QueryStringError.
var ErrQueryString = errors.New("query string does not parse")

// QueryStringError says where a query string went wrong.
type QueryStringError struct {
	Query  string
	Column int // 1-based, in characters; 0 when the error is not at a place
	Msg    string
}

func (e *QueryStringError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("Cannot parse '%s': %s at column %d", e.Query, e.Msg, e.Column)
	}
	return fmt.Sprintf("Cannot parse '%s': %s", e.Query, e.Msg)
}

func (e *QueryStringError) Unwrap() error { return ErrQueryString }

// QueryStringOptions are the options of query_string (and of
// simple_query_string, which reads the ones that apply to it) that shape
// the query it becomes.
type QueryStringOptions struct {
	// DefaultField is searched by terms without a field ("*": every
	// field, the default); Fields, when set, replaces it. A field may
	// carry a boost ("title^2") and be a pattern ("name.*").
	DefaultField string
	Fields       []string
	// DefaultOperator joins clauses that have no explicit operator.
	DefaultOperator Operator
	Analyzer        string
	// DisallowLeadingWildcard refuses terms that start with * or ?
	// (allow_leading_wildcard: false).
	DisallowLeadingWildcard bool
	// Fuzziness of term~ without a distance (Auto when 0 and Fuzzy set).
	Fuzziness          Fuzziness
	FuzzyPrefixLength  int
	FuzzyMaxExpansions int
	// PhraseSlop is the slop of phrases without ~N.
	PhraseSlop int
	// MinimumShouldMatch applies to the top-level boolean query.
	MinimumShouldMatch string
	TimeZone           string
	Boost              float64
}

// ParseQueryString reads q in Lucene's query syntax as Elasticsearch's
// query_string does: terms, "phrases"~slop, field:value, field:(a OR b),
// AND/OR/NOT/&&/||/!, +required/-prohibited, (grouping), wildcards,
// /regexps/, fuzzy~N, ranges ([a TO b], {a TO b}, >=x), boosts ^N,
// _exists_:field and \ escapes.
//
// Terms without a field search opt's fields. A leaf query other than
// Match and MatchPhrase (which become MultiMatch) over several fields is
// a Bool of Should clauses, one per field; a field pattern ("*",
// "name.*") is left in the leaf's Field for the executor to expand
// against the mapping as it expands MultiMatch's. Syntax errors and
// queries past MaxQueryDepth, MaxQueryStringLength or
// MaxQueryStringClauses are a *QueryStringError.
func ParseQueryString(q string, opt QueryStringOptions) (Query, error) {
	if len(q) > MaxQueryStringLength {
		return nil, &QueryStringError{Query: clip(q), Msg: fmt.Sprintf("query is longer than %d bytes", MaxQueryStringLength)}
	}
	if !utf8.ValidString(q) {
		return nil, &QueryStringError{Query: clip(q), Msg: "query is not valid UTF-8"}
	}
	p := &qsParser{src: []rune(q), query: q, opt: opt}
	fields := opt.Fields
	if len(fields) == 0 {
		f := opt.DefaultField
		if f == "" {
			f = "*"
		}
		fields = []string{f}
	}
	p.skipSpace()
	if p.eof() {
		// Elasticsearch answers an empty query_string with no hits.
		return MatchNone{}, nil
	}
	out, err := p.parseQuery(fields, 0)
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.errorf("unexpected %q", string(p.src[p.pos]))
	}
	if b, ok := out.(Bool); ok && opt.MinimumShouldMatch != "" {
		b.MinimumShouldMatch = opt.MinimumShouldMatch
		out = b
	}
	if opt.Boost != 0 && opt.Boost != 1 {
		out = withBoost(out, opt.Boost)
	}
	return out, nil
}

// clip shortens a query quoted in an error.
func clip(q string) string {
	if len(q) <= 200 {
		return q
	}
	cut := 200
	for cut > 0 && !utf8.RuneStart(q[cut]) {
		cut--
	}
	return q[:cut] + "..."
}

type qsParser struct {
	src     []rune
	query   string
	pos     int
	opt     QueryStringOptions
	clauses int
}

func (p *qsParser) errorf(format string, args ...any) error {
	return &QueryStringError{Query: clip(p.query), Column: p.pos + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *qsParser) eof() bool { return p.pos >= len(p.src) }

func (p *qsParser) peek() rune {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *qsParser) skipSpace() {
	for !p.eof() && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
}

// Lucene's modifiers and conjunctions.
const (
	modNone = iota
	modReq
	modNot
)

const (
	conjNone = iota
	conjAnd
	conjOr
)

type qsClause struct {
	q        Query
	required bool
	excluded bool
}

// isSpecial reports whether r ends a term (unless escaped). * and ? are
// term characters (wildcards); + and - are term characters inside a
// term, modifiers before one.
func isSpecial(r rune) bool {
	switch r {
	case '(', ')', '[', ']', '{', '}', '"', '^', '~', ':', '\\', '/', '!':
		return true
	}
	return unicode.IsSpace(r)
}

// keyword reports whether the source at the current position is the
// bare word w (followed by a space, a special character or the end).
func (p *qsParser) keyword(w string) bool {
	n := len(w)
	if p.pos+n > len(p.src) || string(p.src[p.pos:p.pos+n]) != w {
		return false
	}
	if p.pos+n == len(p.src) {
		return true
	}
	r := p.src[p.pos+n]
	return isSpecial(r) && r != '\\'
}

func (p *qsParser) symbol(s string) bool {
	n := len(s)
	return p.pos+n <= len(p.src) && string(p.src[p.pos:p.pos+n]) == s
}

func (p *qsParser) parseQuery(fields []string, depth int) (Query, error) {
	var clauses []qsClause
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			break
		}
		conj := conjNone
		at := p.pos
		switch {
		case p.keyword("AND"):
			conj = conjAnd
			p.pos += 3
		case p.symbol("&&"):
			conj = conjAnd
			p.pos += 2
		case p.keyword("OR"):
			conj = conjOr
			p.pos += 2
		case p.symbol("||"):
			conj = conjOr
			p.pos += 2
		}
		if conj != conjNone {
			if len(clauses) == 0 {
				p.pos = at
				return nil, p.errorf("a query cannot start with %s", opName(conj))
			}
			p.skipSpace()
			if p.eof() || p.peek() == ')' {
				return nil, p.errorf("expected a clause after %s", opName(conj))
			}
		}
		mod := modNone
		switch {
		case p.peek() == '+':
			mod = modReq
			p.pos++
		case p.peek() == '-' || p.peek() == '!':
			mod = modNot
			p.pos++
		case p.keyword("NOT"):
			mod = modNot
			p.pos += 3
			p.skipSpace()
		}
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			return nil, p.errorf("expected a clause")
		}
		q, err := p.parseClause(fields, depth)
		if err != nil {
			return nil, err
		}
		clauses = addClause(clauses, conj, mod, q, p.opt.DefaultOperator)
	}
	return combineClauses(clauses), nil
}

func opName(conj int) string {
	if conj == conjAnd {
		return "AND"
	}
	return "OR"
}

// addClause applies Lucene's rules: AND makes the previous clause
// required; OR under the AND default makes it optional; the new clause
// is required or excluded by its modifier, its conjunction and the
// default operator.
func addClause(cs []qsClause, conj, mod int, q Query, def Operator) []qsClause {
	if n := len(cs); n > 0 {
		if conj == conjAnd && !cs[n-1].excluded {
			cs[n-1].required = true
		}
		if def == And && conj == conjOr && !cs[n-1].excluded {
			cs[n-1].required = false
		}
	}
	c := qsClause{q: q, excluded: mod == modNot}
	if def == Or {
		c.required = mod == modReq || (conj == conjAnd && !c.excluded)
	} else {
		c.required = !c.excluded && conj != conjOr
	}
	return append(cs, c)
}

// combineClauses makes one query of the clauses: the clause itself when
// it is alone and not excluded; a Bool otherwise, with a MatchAll added
// to a purely negative one (as Elasticsearch does).
func combineClauses(cs []qsClause) Query {
	if len(cs) == 0 {
		return MatchNone{}
	}
	if len(cs) == 1 && !cs[0].excluded {
		return cs[0].q
	}
	var b Bool
	for _, c := range cs {
		switch {
		case c.excluded:
			b.MustNot = append(b.MustNot, c.q)
		case c.required:
			b.Must = append(b.Must, c.q)
		default:
			b.Should = append(b.Should, c.q)
		}
	}
	if len(b.Must) == 0 && len(b.Should) == 0 {
		b.Must = []Query{MatchAll{}}
	}
	return b
}

func (p *qsParser) countClause() error {
	p.clauses++
	if p.clauses > MaxQueryStringClauses {
		return p.errorf("more than %d clauses", MaxQueryStringClauses)
	}
	return nil
}

// parseClause reads [field:] followed by a group, a phrase, a range, a
// regexp or a term, each with its suffixes.
func (p *qsParser) parseClause(fields []string, depth int) (Query, error) {
	if err := p.countClause(); err != nil {
		return nil, err
	}
	start := p.pos
	if name, ok, err := p.fieldName(); err != nil {
		return nil, err
	} else if ok {
		fields = []string{name}
		p.skipSpace()
		if p.eof() {
			return nil, p.errorf("expected a value after %q", name+":")
		}
	} else {
		p.pos = start
	}
	switch r := p.peek(); r {
	case '(':
		if depth+1 > MaxQueryDepth {
			return nil, p.errorf("groups nested deeper than %d", MaxQueryDepth)
		}
		p.pos++
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			return nil, p.errorf("expected a clause")
		}
		q, err := p.parseQuery(fields, depth+1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("expected \")\"")
		}
		p.pos++
		return p.boostSuffix(q)
	case '"':
		return p.parsePhrase(fields)
	case '[', '{':
		return p.parseRange(fields)
	case '/':
		return p.parseRegexp(fields)
	case ')', ']', '}', '^', '~', ':':
		return nil, p.errorf("unexpected %q", string(r))
	}
	return p.parseTerm(fields)
}

// fieldName reads "name:" (the name a term, possibly with * patterns and
// escapes); ok false when the source there is not a field name.
func (p *qsParser) fieldName() (string, bool, error) {
	t, ok, err := p.termRun()
	if err != nil || !ok {
		return "", false, err
	}
	save := p.pos
	p.skipSpace()
	if p.peek() != ':' {
		p.pos = save
		return "", false, nil
	}
	p.pos++
	return t.text, true, nil
}

// qsTerm is a run of term characters: its text with escapes removed, the
// pattern for a wildcard query (escapes kept for * ? and \), and where
// its unescaped wildcards are.
type qsTerm struct {
	text, pattern string
	wild          int // unescaped * and ?
	trailingStar  bool
	leadingWild   bool
}

// termRun reads a term at the current position; ok false when there is
// none. A term starts with anything but a special character, + or -.
func (p *qsParser) termRun() (qsTerm, bool, error) {
	if p.eof() {
		return qsTerm{}, false, nil
	}
	r := p.peek()
	if (isSpecial(r) && r != '\\') || r == '+' || r == '-' {
		return qsTerm{}, false, nil
	}
	var text, pat strings.Builder
	var t qsTerm
	first := true
	for !p.eof() {
		r := p.src[p.pos]
		if r == '\\' {
			if p.pos+1 >= len(p.src) {
				return qsTerm{}, false, p.errorf("a term ends with an escape character")
			}
			e := p.src[p.pos+1]
			text.WriteRune(e)
			if e == '*' || e == '?' || e == '\\' {
				pat.WriteRune('\\')
			}
			pat.WriteRune(e)
			p.pos += 2
			t.trailingStar = false
			first = false
			continue
		}
		if isSpecial(r) {
			break
		}
		if r == '*' || r == '?' {
			t.wild++
			if first {
				t.leadingWild = true
			}
		}
		t.trailingStar = r == '*'
		text.WriteRune(r)
		pat.WriteRune(r)
		p.pos++
		first = false
	}
	t.text, t.pattern = text.String(), pat.String()
	return t, true, nil
}

// number reads a decimal number after ~ or ^; ok false when there is
// none.
func (p *qsParser) number() (float64, bool) {
	start := p.pos
	for !p.eof() && (p.peek() >= '0' && p.peek() <= '9' || p.peek() == '.') {
		p.pos++
	}
	if p.pos == start {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(p.src[start:p.pos]), 64)
	if err != nil {
		p.pos = start
		return 0, false
	}
	return f, true
}

func (p *qsParser) boostSuffix(q Query) (Query, error) {
	if p.peek() != '^' {
		return q, nil
	}
	p.pos++
	b, ok := p.number()
	if !ok {
		return nil, p.errorf("expected a number after \"^\"")
	}
	return withBoost(q, b), nil
}

func (p *qsParser) parsePhrase(fields []string) (Query, error) {
	p.pos++ // "
	var sb strings.Builder
	for {
		if p.eof() {
			return nil, p.errorf("a phrase is not closed with '\"'")
		}
		r := p.src[p.pos]
		if r == '\\' && p.pos+1 < len(p.src) {
			sb.WriteRune(p.src[p.pos+1])
			p.pos += 2
			continue
		}
		p.pos++
		if r == '"' {
			break
		}
		sb.WriteRune(r)
	}
	slop := p.opt.PhraseSlop
	var boost float64
	for i := 0; i < 2; i++ {
		switch p.peek() {
		case '~':
			p.pos++
			if n, ok := p.number(); ok {
				slop = int(n)
			}
		case '^':
			p.pos++
			b, ok := p.number()
			if !ok {
				return nil, p.errorf("expected a number after \"^\"")
			}
			boost = b
		}
	}
	text := sb.String()
	var q Query
	if len(fields) == 1 && !isPattern(fields[0]) {
		name, fb := splitBoost(fields[0])
		q = MatchPhrase{Field: name, Text: text, Slop: slop, Analyzer: p.opt.Analyzer, Boost: fb}
	} else {
		q = MultiMatch{Fields: fields, Text: text, Type: Phrase, Slop: slop, Analyzer: p.opt.Analyzer}
	}
	if boost != 0 {
		q = withBoost(q, boost)
	}
	return q, nil
}

func (p *qsParser) parseRegexp(fields []string) (Query, error) {
	p.pos++ // /
	var sb strings.Builder
	for {
		if p.eof() {
			return nil, p.errorf("a regular expression is not closed with '/'")
		}
		r := p.src[p.pos]
		if r == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '/' {
			sb.WriteRune('/')
			p.pos += 2
			continue
		}
		p.pos++
		if r == '/' {
			break
		}
		sb.WriteRune(r)
	}
	re := sb.String()
	q := perField(fields, func(f string, b float64) Query { return Regexp{Field: f, Value: re, Boost: b} })
	return p.boostSuffix(q)
}

// parseRange reads [a TO b], {a TO b} or a mix; * is an open end.
func (p *qsParser) parseRange(fields []string) (Query, error) {
	incLower := p.peek() == '['
	p.pos++
	lower, err := p.rangeValue()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.keyword("TO") {
		return nil, p.errorf("expected TO in a range")
	}
	p.pos += 2
	upper, err := p.rangeValue()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	var incUpper bool
	switch p.peek() {
	case ']':
		incUpper = true
	case '}':
	default:
		return nil, p.errorf("expected \"]\" or \"}\" to close a range")
	}
	p.pos++
	tz := p.opt.TimeZone
	q := perField(fields, func(f string, b float64) Query {
		r := Range{Field: f, TimeZone: tz, Boost: b}
		if lower != "*" {
			if incLower {
				r.GTE = lower
			} else {
				r.GT = lower
			}
		}
		if upper != "*" {
			if incUpper {
				r.LTE = upper
			} else {
				r.LT = upper
			}
		}
		return r
	})
	return p.boostSuffix(q)
}

func (p *qsParser) rangeValue() (string, error) {
	p.skipSpace()
	if p.eof() {
		return "", p.errorf("a range is not closed")
	}
	if p.peek() == '"' {
		p.pos++
		var sb strings.Builder
		for {
			if p.eof() {
				return "", p.errorf("a quoted range bound is not closed")
			}
			r := p.src[p.pos]
			if r == '\\' && p.pos+1 < len(p.src) {
				sb.WriteRune(p.src[p.pos+1])
				p.pos += 2
				continue
			}
			p.pos++
			if r == '"' {
				return sb.String(), nil
			}
			sb.WriteRune(r)
		}
	}
	start := p.pos
	var sb strings.Builder
	for !p.eof() {
		r := p.src[p.pos]
		if unicode.IsSpace(r) || r == ']' || r == '}' {
			break
		}
		if r == '\\' && p.pos+1 < len(p.src) {
			sb.WriteRune(p.src[p.pos+1])
			p.pos += 2
			continue
		}
		sb.WriteRune(r)
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf("expected a range bound")
	}
	return sb.String(), nil
}

// parseTerm reads a term and its ~ and ^ suffixes.
func (p *qsParser) parseTerm(fields []string) (Query, error) {
	t, ok, err := p.termRun()
	if err != nil {
		return nil, err
	}
	if !ok || t.text == "" {
		return nil, p.errorf("unexpected %q", string(p.peek()))
	}
	fuzzy := false
	fuzz := p.opt.Fuzziness
	var boost float64
	for i := 0; i < 2; i++ {
		switch p.peek() {
		case '~':
			p.pos++
			fuzzy = true
			if n, ok := p.number(); ok {
				fuzz = fuzzinessOf(n)
			} else if fuzz == NoFuzziness {
				fuzz = Auto
			}
		case '^':
			p.pos++
			b, ok := p.number()
			if !ok {
				return nil, p.errorf("expected a number after \"^\"")
			}
			boost = b
		}
	}
	q, err := p.termQuery(fields, t, fuzzy, fuzz)
	if err != nil {
		return nil, err
	}
	if boost != 0 {
		q = withBoost(q, boost)
	}
	return q, nil
}

// fuzzinessOf reads Lucene's term~N: an edit distance (at most 2), or a
// similarity below 1 (legacy syntax) read as AUTO.
func fuzzinessOf(n float64) Fuzziness {
	switch {
	case n >= 2:
		return 2
	case n >= 1:
		return 1
	case n > 0:
		return Auto
	}
	return NoFuzziness
}

func (p *qsParser) termQuery(fields []string, t qsTerm, fuzzy bool, fuzz Fuzziness) (Query, error) {
	if len(fields) == 1 && fields[0] == "_exists_" {
		return Exists{Field: t.text}, nil
	}
	if t.wild > 0 && t.leadingWild && p.opt.DisallowLeadingWildcard && t.pattern != "*" {
		return nil, p.errorf("leading wildcard is not allowed: %s", t.pattern)
	}
	switch {
	case t.pattern == "*":
		if len(fields) == 1 && (fields[0] == "*" || strings.HasPrefix(fields[0], "*^")) {
			return MatchAll{}, nil
		}
		return perField(fields, func(f string, _ float64) Query { return Exists{Field: f} }), nil
	case t.wild == 1 && t.trailingStar:
		v := strings.TrimSuffix(t.text, "*")
		return perField(fields, func(f string, b float64) Query { return Prefix{Field: f, Value: v, Boost: b} }), nil
	case t.wild > 0:
		return perField(fields, func(f string, b float64) Query { return Wildcard{Field: f, Value: t.pattern, Boost: b} }), nil
	case fuzzy:
		return perField(fields, func(f string, b float64) Query {
			return Fuzzy{Field: f, Value: t.text, Fuzziness: fuzz, PrefixLength: p.opt.FuzzyPrefixLength, MaxExpansions: p.opt.FuzzyMaxExpansions, Boost: b}
		}), nil
	}
	if r, ok := p.comparison(fields, t.text); ok {
		return r, nil
	}
	if len(fields) == 1 && !isPattern(fields[0]) {
		name, fb := splitBoost(fields[0])
		return Match{Field: name, Text: t.text, Operator: p.opt.DefaultOperator, Analyzer: p.opt.Analyzer, Boost: fb}, nil
	}
	return MultiMatch{Fields: fields, Text: t.text, Type: BestFields, Operator: p.opt.DefaultOperator, Analyzer: p.opt.Analyzer}, nil
}

// comparison reads Elasticsearch's >x, >=x, <x and <=x terms.
func (p *qsParser) comparison(fields []string, text string) (Query, bool) {
	var op string
	for _, o := range []string{">=", "<=", ">", "<"} {
		if strings.HasPrefix(text, o) && len(text) > len(o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, false
	}
	v := text[len(op):]
	tz := p.opt.TimeZone
	return perField(fields, func(f string, b float64) Query {
		r := Range{Field: f, TimeZone: tz, Boost: b}
		switch op {
		case ">=":
			r.GTE = v
		case "<=":
			r.LTE = v
		case ">":
			r.GT = v
		case "<":
			r.LT = v
		}
		return r
	}), true
}

// isPattern reports whether a field name is a pattern to expand.
func isPattern(f string) bool {
	name, _ := splitBoost(f)
	return strings.Contains(name, "*")
}

// splitBoost splits "title^2" into "title" and 2 (0 without a boost).
func splitBoost(f string) (string, float64) {
	i := strings.LastIndexByte(f, '^')
	if i < 0 {
		return f, 0
	}
	b, err := strconv.ParseFloat(f[i+1:], 64)
	if err != nil {
		return f, 0
	}
	return f[:i], b
}

// perField makes one leaf per field (each with its field's boost), in a
// Bool of Should clauses when there are several.
func perField(fields []string, mk func(field string, boost float64) Query) Query {
	if len(fields) == 1 {
		name, b := splitBoost(fields[0])
		return mk(name, b)
	}
	b := Bool{Should: make([]Query, 0, len(fields))}
	for _, f := range fields {
		name, fb := splitBoost(f)
		b.Should = append(b.Should, mk(name, fb))
	}
	return b
}

// withBoost multiplies q's boost by b; a query without a boost of its
// own is wrapped in a ConstantScore.
func withBoost(q Query, b float64) Query {
	mul := func(old float64) float64 {
		if old == 0 {
			return b
		}
		return old * b
	}
	switch v := q.(type) {
	case MatchAll:
		v.Boost = mul(v.Boost)
		return v
	case Match:
		v.Boost = mul(v.Boost)
		return v
	case MatchPhrase:
		v.Boost = mul(v.Boost)
		return v
	case MatchPhrasePrefix:
		v.Boost = mul(v.Boost)
		return v
	case MultiMatch:
		v.Boost = mul(v.Boost)
		return v
	case Term:
		v.Boost = mul(v.Boost)
		return v
	case Terms:
		v.Boost = mul(v.Boost)
		return v
	case Range:
		v.Boost = mul(v.Boost)
		return v
	case Bool:
		v.Boost = mul(v.Boost)
		return v
	case Prefix:
		v.Boost = mul(v.Boost)
		return v
	case Wildcard:
		v.Boost = mul(v.Boost)
		return v
	case Regexp:
		v.Boost = mul(v.Boost)
		return v
	case Fuzzy:
		v.Boost = mul(v.Boost)
		return v
	case ConstantScore:
		v.Boost = mul(v.Boost)
		return v
	case MatchNone:
		return v
	}
	return ConstantScore{Filter: q, Boost: b}
}
