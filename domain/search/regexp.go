package search

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Errors of term patterns (regexp, wildcard, prefix).
var (
	// ErrBadPattern: a regular expression or wildcard that does not
	// parse, or uses an operator this engine does not support.
	ErrBadPattern = errors.New("bad pattern")
	// ErrPatternTooComplex: a pattern whose automaton would exceed
	// MaxPatternStates, or a query expanding to more than
	// MaxTermExpansions terms.
	ErrPatternTooComplex = errors.New("pattern too complex")
)

// Bounds of term patterns.
const (
	// MaxPatternLength bounds a regexp or wildcard, in bytes.
	MaxPatternLength = 1000
	// MaxPatternStates bounds the instructions of a compiled pattern
	// (repetitions counted expanded), as Lucene's
	// max_determinized_states bounds its automata.
	MaxPatternStates = 10_000
	// MaxTermExpansions bounds the distinct terms a prefix, wildcard,
	// regexp or fuzzy query may expand to in one index.
	MaxTermExpansions = 10_000
)

// TermPattern is a regexp, wildcard or prefix query compiled for
// matching whole terms.
type TermPattern struct {
	// RE2 is the pattern in Go's (RE2) syntax, unanchored text that must
	// match a whole term: what bleve's regexp query and Go's regexp take.
	RE2 string
	re  *regexp.Regexp
}

// Match reports whether term matches the whole pattern.
func (p *TermPattern) Match(term string) bool { return p.re.MatchString(term) }

// CompileRegexp translates a Lucene regular expression (the syntax of
// Elasticsearch's regexp query: . ? + * {n,m} | ( ) [ ] [^ ] "literal"
// and \ escapes, anchored at both ends, with ^ and $ literal) into a
// TermPattern. Lucene's optional operators (~ & @ # <n-m>) are refused
// with ErrBadPattern.
func CompileRegexp(pattern string, caseInsensitive bool) (*TermPattern, error) {
	if len(pattern) > MaxPatternLength {
		return nil, fmt.Errorf("%w: regexp longer than %d bytes", ErrPatternTooComplex, MaxPatternLength)
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\':
			if i+1 == len(pattern) {
				return nil, fmt.Errorf("%w: regexp %q ends with \\", ErrBadPattern, pattern)
			}
			i++
			n := pattern[i]
			if strings.IndexByte("dDsSwW", n) >= 0 {
				b.WriteByte('\\')
				b.WriteByte(n)
			} else {
				b.WriteString(regexp.QuoteMeta(string(n)))
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '[' {
				b.WriteString(`\[`)
				continue
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '"':
			j := strings.IndexByte(pattern[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("%w: regexp %q has an unclosed \"", ErrBadPattern, pattern)
			}
			b.WriteString("(?:" + regexp.QuoteMeta(pattern[i+1:i+1+j]) + ")")
			i += j + 1
		case c == '^' || c == '$':
			b.WriteString(`\` + string(c))
		case c == '(' && i+1 < len(pattern) && pattern[i+1] == '?':
			return nil, fmt.Errorf("%w: regexp %q: (? is not Lucene syntax", ErrBadPattern, pattern)
		case strings.IndexByte("~&@#<>", c) >= 0:
			return nil, fmt.Errorf("%w: regexp %q: operator %q is not supported (escape it with \\)", ErrBadPattern, pattern, string(c))
		default:
			b.WriteByte(c)
		}
	}
	if inClass {
		return nil, fmt.Errorf("%w: regexp %q has an unclosed [", ErrBadPattern, pattern)
	}
	return compileRE2(b.String(), caseInsensitive, pattern)
}

// CompileWildcard translates a wildcard pattern (? one character, * any
// run, \ escapes) into a TermPattern.
func CompileWildcard(pattern string, caseInsensitive bool) (*TermPattern, error) {
	if len(pattern) > MaxPatternLength {
		return nil, fmt.Errorf("%w: wildcard longer than %d bytes", ErrPatternTooComplex, MaxPatternLength)
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 < len(pattern) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return compileRE2(b.String(), caseInsensitive, pattern)
}

// CompilePrefix is the TermPattern of terms starting with prefix.
func CompilePrefix(prefix string, caseInsensitive bool) (*TermPattern, error) {
	if len(prefix) > MaxPatternLength {
		return nil, fmt.Errorf("%w: prefix longer than %d bytes", ErrPatternTooComplex, MaxPatternLength)
	}
	return compileRE2(regexp.QuoteMeta(prefix)+".*", caseInsensitive, prefix)
}

func compileRE2(re2 string, caseInsensitive bool, orig string) (*TermPattern, error) {
	flags := "(?s)"
	if caseInsensitive {
		flags = "(?is)"
	}
	re2 = flags + re2
	parsed, err := syntax.Parse(re2, syntax.Perl)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) && (se.Code == syntax.ErrLarge || se.Code == syntax.ErrInvalidRepeatSize) {
			return nil, fmt.Errorf("%w: %q", ErrPatternTooComplex, orig)
		}
		return nil, fmt.Errorf("%w: %q: %s", ErrBadPattern, orig, syntaxReason(err))
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil || len(prog.Inst) > MaxPatternStates {
		return nil, fmt.Errorf("%w: %q compiles to more than %d states", ErrPatternTooComplex, orig, MaxPatternStates)
	}
	re, err := regexp.Compile("^(?:" + re2 + ")$")
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %s", ErrBadPattern, orig, syntaxReason(err))
	}
	return &TermPattern{RE2: re2, re: re}, nil
}

func syntaxReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return "does not parse"
}
