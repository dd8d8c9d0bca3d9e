package search

import (
	"errors"
	"testing"
)

func TestCompileRegexp(t *testing.T) {
	for _, c := range []struct {
		pattern string
		ci      bool
		yes, no []string
	}{
		{"err.r", false, []string{"error", "errxr"}, []string{"errors", "xerror"}},
		{"a^b", false, []string{"a^b"}, []string{"ab"}},
		{"[a-c]+x{1,2}", false, []string{"abx", "cxx"}, []string{"dx", "abxxx"}},
		{`"a.b"c`, false, []string{"a.bc"}, []string{"axbc"}},
		{`a\.b`, false, []string{"a.b"}, []string{"axb"}},
		{"(fo|ba)r", false, []string{"for", "bar"}, []string{"far"}},
		{"ERR.*", true, []string{"error"}, []string{"warn"}},
		{"a.b", false, []string{"a\nb"}, nil},
	} {
		p, err := CompileRegexp(c.pattern, c.ci)
		if err != nil {
			t.Fatalf("CompileRegexp(%q): %v", c.pattern, err)
		}
		for _, s := range c.yes {
			if !p.Match(s) {
				t.Errorf("%q does not match %q", c.pattern, s)
			}
		}
		for _, s := range c.no {
			if p.Match(s) {
				t.Errorf("%q matches %q", c.pattern, s)
			}
		}
	}
}

func TestCompileRegexpRefuses(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    error
	}{
		{"[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}", ErrPatternTooComplex},
		{"(a{100}){100}", ErrPatternTooComplex},
		{"[a-z", ErrBadPattern},
		{"(ab", ErrBadPattern},
		{"a~b", ErrBadPattern},
		{"a&b", ErrBadPattern},
		{"(?i)a", ErrBadPattern},
		{`ab\`, ErrBadPattern},
		{string(make([]byte, MaxPatternLength+1)), ErrPatternTooComplex},
	} {
		if _, err := CompileRegexp(c.pattern, false); !errors.Is(err, c.want) {
			t.Errorf("CompileRegexp(%.20q) err = %v, want %v", c.pattern, err, c.want)
		}
	}
}

func TestCompileWildcardAndPrefix(t *testing.T) {
	w, err := CompileWildcard(`e?r*.l\*g`, false)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"err.l*g": true, "eXrabc.l*g": true, "err.lxg": false, "er.l*g": false} {
		if w.Match(s) != want {
			t.Errorf("wildcard match %q = %v", s, !want)
		}
	}
	p, err := CompilePrefix("a.b", true)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match("A.Bc") || p.Match("axbc") {
		t.Error("prefix a.b matches wrongly")
	}
}
