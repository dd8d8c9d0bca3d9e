package search

import (
	"reflect"
	"strings"
	"testing"
)

func TestFragments(t *testing.T) {
	text := "the quick brown fox jumps over the lazy dog and the quick cat sleeps"
	spans := []Span{{10, 15}, {52, 57}}
	got := Fragments(text, spans, Highlight{FragmentSize: 20})
	want := []string{"quick <em>brown</em> fox", "the <em>quick</em> cat sleeps"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fragments = %q, want %q", got, want)
	}
	got = Fragments(text, spans, Highlight{PreTags: []string{"["}, PostTags: []string{"]"}, NumberOfFragments: 1})
	want = []string{"the quick [brown] fox jumps over the lazy dog and the [quick] cat sleeps"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fragments = %q, want %q", got, want)
	}
	if got := Fragments(text, nil, Highlight{}); got != nil {
		t.Fatalf("Fragments without spans = %q", got)
	}
}

func TestMatchFieldPattern(t *testing.T) {
	for _, c := range []struct {
		p, f string
		want bool
	}{
		{"msg", "msg", true}, {"msg", "msg2", false}, {"*", "a.b", true}, {"user.*", "user.name", true},
		{"user.*", "users", false}, {"*.keyword", "name.keyword", true}, {"a*c*e", "abcde", true}, {"a*c*e", "ace", true}, {"a*c*e", "abd", false},
	} {
		if got := MatchFieldPattern(c.p, c.f); got != c.want {
			t.Errorf("MatchFieldPattern(%q, %q) = %v", c.p, c.f, got)
		}
	}
}

func TestHighlightMatcher(t *testing.T) {
	analyze := func(text, analyzer string) []string { return strings.Fields(strings.ToLower(text)) }
	q := Bool{
		Must:    []Query{Match{Field: "msg", Text: "Quick FOX"}, Match{Field: "msg", Text: "eror", Fuzziness: 1}},
		Should:  []Query{Prefix{Field: "msg", Value: "laz"}, Term{Field: "title", Value: "dog"}, Regexp{Field: "msg", Value: "ju.ps"}},
		MustNot: []Query{Match{Field: "msg", Text: "brown"}},
		Filter:  []Query{ConstantScore{Filter: MatchPhrase{Field: "msg", Text: "over the"}}},
	}
	m := HighlightMatcher(q, "msg", analyze)
	for term, want := range map[string]bool{
		"quick": true, "fox": true, "error": true, "lazy": true, "jumps": true, "over": true, "the": true,
		"brown": false, "dog": false, "errors!": false, "jxmps": false,
	} {
		if m(term) != want {
			t.Errorf("msg term %q: %v, want %v", term, !want, want)
		}
	}
	if mt := HighlightMatcher(q, "title", analyze); !mt("dog") || mt("quick") {
		t.Error("title matcher matches the wrong terms")
	}
}
