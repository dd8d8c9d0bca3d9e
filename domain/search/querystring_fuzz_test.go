package search

import (
	"errors"
	"testing"
	"time"
)

// queryDepth is the nesting of q's compound queries.
func queryDepth(q Query) int {
	deepest := func(qs []Query) int {
		d := 0
		for _, c := range qs {
			if n := queryDepth(c); n > d {
				d = n
			}
		}
		return d
	}
	switch v := q.(type) {
	case Bool:
		d := deepest(v.Must)
		for _, qs := range [][]Query{v.Should, v.MustNot, v.Filter} {
			if n := deepest(qs); n > d {
				d = n
			}
		}
		return d + 1
	case ConstantScore:
		return queryDepth(v.Filter) + 1
	}
	return 1
}

// FuzzParseQueryString: no panic, an answer in bounded time, errors of
// one type, and trees no deeper than the bound allows (each group adds
// at most a Bool and a boost wrapper, the clauses of a level one more).
func FuzzParseQueryString(f *testing.F) {
	for _, s := range []string{
		"quick brown", `title:"a b"~2^3`, "a AND (b OR -c) NOT d", "age:[1 TO 5}", "x:>=10",
		"/re.ex/", "fo?o*", "ab~1", `a\:b`, "_exists_:f", "*:*", "+a -b !c && d || e",
		"f:(a b (c))", `"unterminated`, "[", "((((", "a^", "NOT", "名前:値",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, q string, mode uint8) {
		opt := QueryStringOptions{DefaultOperator: Operator(mode & 1)}
		if mode&2 != 0 {
			opt.Fields = []string{"a^2", "b.*"}
		}
		start := time.Now()
		got, err := ParseQueryString(q, opt)
		if err != nil {
			var qe *QueryStringError
			if !errors.As(err, &qe) || !errors.Is(err, ErrQueryString) {
				t.Fatalf("ParseQueryString(%q): error of another type: %v", q, err)
			}
		} else if got == nil {
			t.Fatalf("ParseQueryString(%q): nil query without an error", q)
		} else if d := queryDepth(got); d > 3*MaxQueryDepth+4 {
			t.Fatalf("ParseQueryString(%q): tree depth %d", q, d)
		}
		s, err := ParseSimpleQueryString(q, SimpleFlags(mode)<<2|FlagWhitespace, opt)
		if err != nil {
			var qe *QueryStringError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseSimpleQueryString(%q): error of another type: %v", q, err)
			}
		} else if s == nil {
			t.Fatalf("ParseSimpleQueryString(%q): nil query", q)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("parsing %d bytes took %v", len(q), d)
		}
	})
}
