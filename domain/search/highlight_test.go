package search

import (
	"reflect"
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
