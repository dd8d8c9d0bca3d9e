package search

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SimpleFlags are the operators simple_query_string recognises; a
// disabled operator's character is an ordinary character.
type SimpleFlags uint16

const (
	FlagAnd        SimpleFlags = 1 << iota // +
	FlagNot                                // -
	FlagOr                                 // |
	FlagPrefix                             // trailing *
	FlagPhrase                             // "..."
	FlagPrecedence                         // ( )
	FlagEscape                             // \
	FlagWhitespace                         // whitespace splits terms
	FlagFuzzy                              // term~N
	FlagSlop                               // "phrase"~N (also NEAR)

	FlagNone SimpleFlags = 0
	FlagAll  SimpleFlags = 1<<10 - 1
)

var simpleFlagNames = map[string]SimpleFlags{
	"ALL": FlagAll, "NONE": FlagNone, "AND": FlagAnd, "NOT": FlagNot, "OR": FlagOr,
	"PREFIX": FlagPrefix, "PHRASE": FlagPhrase, "PRECEDENCE": FlagPrecedence,
	"ESCAPE": FlagEscape, "WHITESPACE": FlagWhitespace, "FUZZY": FlagFuzzy,
	"NEAR": FlagSlop, "SLOP": FlagSlop,
}

// ParseSimpleFlags reads simple_query_string's flags: names joined by |
// ("OR|AND|PREFIX"), in any case. An unknown name is an error.
func ParseSimpleFlags(s string) (SimpleFlags, error) {
	var f SimpleFlags
	for _, name := range strings.Split(s, "|") {
		name = strings.ToUpper(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		v, ok := simpleFlagNames[name]
		if !ok {
			return 0, fmt.Errorf("unknown flag [%s] parsing [%s]", name, s)
		}
		f |= v
	}
	return f, nil
}

// ParseSimpleQueryString reads q as Elasticsearch's simple_query_string
// does: terms joined by the default operator, + (and), | (or), - (not),
// "phrases", term* (prefix), term~N (fuzzy), "phrase"~N (slop),
// ( ) and \ escapes, each only when its flag is set. Like
// Elasticsearch it never fails on syntax: what does not parse is read as
// text (parentheses deeper than MaxQueryDepth are ignored). Only a query
// past MaxQueryStringLength or MaxQueryStringClauses is an error (a
// *QueryStringError).
//
// Fields are as ParseQueryString's; an empty query matches nothing.
func ParseSimpleQueryString(q string, flags SimpleFlags, opt QueryStringOptions) (Query, error) {
	if len(q) > MaxQueryStringLength {
		return nil, &QueryStringError{Query: clip(q), Msg: fmt.Sprintf("query is longer than %d bytes", MaxQueryStringLength)}
	}
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, "\uFFFD")
	}
	fields := opt.Fields
	if len(fields) == 0 {
		f := opt.DefaultField
		if f == "" {
			f = "*"
		}
		fields = []string{f}
	}
	p := &sqsParser{src: []rune(q), flags: flags, opt: opt, fields: fields}
	out := p.parseGroup(0)
	if p.clauses > MaxQueryStringClauses {
		return nil, &QueryStringError{Query: clip(q), Msg: fmt.Sprintf("more than %d clauses", MaxQueryStringClauses)}
	}
	if out == nil {
		return MatchNone{}, nil
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

type sqsParser struct {
	src     []rune
	pos     int
	flags   SimpleFlags
	opt     QueryStringOptions
	fields  []string
	clauses int
}

func (p *sqsParser) on(f SimpleFlags) bool { return p.flags&f != 0 }

// sqsState is Lucene's SimpleQueryParser state: the tree so far, the
// operator of its top Bool, the operator waiting for the next term, and
// the negations in front of it.
type sqsState struct {
	top     Query
	topOp   Operator
	topBool bool // top is a Bool this state made (clauses may be added)
	pending Operator
	hasOp   bool
	not     int
}

// add joins a parsed branch to the state, left to right: a run of one
// operator is one Bool, a change of operator nests the tree so far.
func (p *sqsParser) add(st *sqsState, branch Query) {
	if branch == nil {
		st.not = 0
		st.hasOp = false
		return
	}
	if st.not%2 == 1 {
		branch = Bool{Must: []Query{MatchAll{}}, MustNot: []Query{branch}}
	}
	st.not = 0
	if st.top == nil {
		st.top = branch
		st.hasOp = false
		return
	}
	op := p.opt.DefaultOperator
	if st.hasOp {
		op = st.pending
	}
	st.hasOp = false
	if st.topBool && st.topOp == op {
		b := st.top.(Bool)
		if op == And {
			b.Must = append(b.Must, branch)
		} else {
			b.Should = append(b.Should, branch)
		}
		st.top = b
		return
	}
	var b Bool
	if op == And {
		b.Must = []Query{st.top, branch}
	} else {
		b.Should = []Query{st.top, branch}
	}
	st.top, st.topOp, st.topBool = b, op, true
}

func (p *sqsParser) parseGroup(depth int) Query {
	var st sqsState
	for p.pos < len(p.src) {
		r := p.src[p.pos]
		switch {
		case r == '(' && p.on(FlagPrecedence):
			p.pos++
			if depth+1 > MaxQueryDepth {
				continue // too deep: the parenthesis is ignored
			}
			p.add(&st, p.parseGroup(depth+1))
		case r == ')' && p.on(FlagPrecedence):
			p.pos++
			if depth > 0 {
				return st.top
			}
		case r == '+' && p.on(FlagAnd):
			p.pos++
			if st.top != nil {
				st.pending, st.hasOp = And, true
			}
		case r == '|' && p.on(FlagOr):
			p.pos++
			if st.top != nil {
				st.pending, st.hasOp = Or, true
			}
		case r == '-' && p.on(FlagNot):
			p.pos++
			st.not++
		case r == '"' && p.on(FlagPhrase):
			p.add(&st, p.phrase())
		case unicode.IsSpace(r) && p.on(FlagWhitespace):
			p.pos++
		default:
			p.add(&st, p.term())
		}
	}
	return st.top
}

// ends reports whether r ends a term.
func (p *sqsParser) ends(r rune) bool {
	switch {
	case unicode.IsSpace(r):
		return p.on(FlagWhitespace)
	case r == '(' || r == ')':
		return p.on(FlagPrecedence)
	case r == '+':
		return p.on(FlagAnd)
	case r == '|':
		return p.on(FlagOr)
	case r == '"':
		return p.on(FlagPhrase)
	case r == '~':
		return p.on(FlagFuzzy)
	}
	return false
}

func (p *sqsParser) phrase() Query {
	p.pos++ // "
	var sb strings.Builder
	closed := false
	for p.pos < len(p.src) {
		r := p.src[p.pos]
		if r == '\\' && p.on(FlagEscape) && p.pos+1 < len(p.src) {
			sb.WriteRune(p.src[p.pos+1])
			p.pos += 2
			continue
		}
		p.pos++
		if r == '"' {
			closed = true
			break
		}
		sb.WriteRune(r)
	}
	text := sb.String()
	if !closed {
		// Lucene reads an unclosed quote as a term of what follows it.
		return p.textQuery(text)
	}
	slop := p.opt.PhraseSlop
	if p.on(FlagSlop) && p.pos < len(p.src) && p.src[p.pos] == '~' {
		p.pos++
		if n, ok := p.digits(); ok {
			slop = n
		}
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	p.clauses++
	if len(p.fields) == 1 && !isPattern(p.fields[0]) {
		name, fb := splitBoost(p.fields[0])
		return MatchPhrase{Field: name, Text: text, Slop: slop, Analyzer: p.opt.Analyzer, Boost: fb}
	}
	return MultiMatch{Fields: p.fields, Text: text, Type: Phrase, Slop: slop, Analyzer: p.opt.Analyzer}
}

func (p *sqsParser) digits() (int, bool) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' && p.pos-start < 9 {
		p.pos++
	}
	if p.pos == start {
		return 0, false
	}
	n, err := strconv.Atoi(string(p.src[start:p.pos]))
	return n, err == nil
}

func (p *sqsParser) term() Query {
	var sb strings.Builder
	lastEscaped := false
	for p.pos < len(p.src) {
		r := p.src[p.pos]
		if r == '\\' && p.on(FlagEscape) {
			if p.pos+1 < len(p.src) {
				sb.WriteRune(p.src[p.pos+1])
				p.pos += 2
				lastEscaped = true
				continue
			}
			p.pos++
			continue
		}
		if p.ends(r) {
			break
		}
		sb.WriteRune(r)
		lastEscaped = false
		p.pos++
	}
	text := sb.String()
	if p.on(FlagFuzzy) && p.pos < len(p.src) && p.src[p.pos] == '~' {
		p.pos++
		fuzz := Auto
		if n, ok := p.digits(); ok {
			fuzz = fuzzinessOf(float64(n))
		}
		if text == "" {
			return nil
		}
		p.clauses++
		return perField(p.fields, func(f string, b float64) Query {
			return Fuzzy{Field: f, Value: text, Fuzziness: fuzz, PrefixLength: p.opt.FuzzyPrefixLength, MaxExpansions: p.opt.FuzzyMaxExpansions, Boost: b}
		})
	}
	if p.on(FlagPrefix) && !lastEscaped && strings.HasSuffix(text, "*") {
		v := strings.TrimRight(text, "*")
		if v == "" {
			if len(p.fields) == 1 && (p.fields[0] == "*" || strings.HasPrefix(p.fields[0], "*^")) {
				p.clauses++
				return MatchAll{}
			}
			return nil
		}
		p.clauses++
		return perField(p.fields, func(f string, b float64) Query { return Prefix{Field: f, Value: v, Boost: b} })
	}
	return p.textQuery(text)
}

func (p *sqsParser) textQuery(text string) Query {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	p.clauses++
	if len(p.fields) == 1 && !isPattern(p.fields[0]) {
		name, fb := splitBoost(p.fields[0])
		return Match{Field: name, Text: text, Operator: p.opt.DefaultOperator, Analyzer: p.opt.Analyzer, Boost: fb}
	}
	return MultiMatch{Fields: p.fields, Text: text, Type: BestFields, Operator: p.opt.DefaultOperator, Analyzer: p.opt.Analyzer}
}
