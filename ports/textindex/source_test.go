package textindex

import (
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
)

func TestFilterSource(t *testing.T) {
	src := []byte(`{"msg":"hi","n":12345678901234567890,"user":{"name":"ann","id":7,"tags":["a"]},"list":[{"a":1,"b":2},{"a":3}],"secret":"x"}`)
	for _, c := range []struct {
		name string
		f    search.SourceFilter
		want string
	}{
		{"everything", search.SourceFilter{}, string(src)},
		{"disabled", search.SourceFilter{Disabled: true}, ""},
		{"includes_field_and_object", search.SourceFilter{Includes: []string{"msg", "user"}}, `{"msg":"hi","user":{"id":7,"name":"ann","tags":["a"]}}`},
		{"includes_pattern", search.SourceFilter{Includes: []string{"user.n*", "n"}}, `{"n":12345678901234567890,"user":{"name":"ann"}}`},
		{"includes_in_list_of_objects", search.SourceFilter{Includes: []string{"list.a"}}, `{"list":[{"a":1},{"a":3}]}`},
		{"excludes", search.SourceFilter{Excludes: []string{"secret", "user.id", "list"}}, `{"msg":"hi","n":12345678901234567890,"user":{"name":"ann","tags":["a"]}}`},
		{"includes_then_excludes", search.SourceFilter{Includes: []string{"user"}, Excludes: []string{"user.tags"}}, `{"user":{"id":7,"name":"ann"}}`},
		{"nothing_matches", search.SourceFilter{Includes: []string{"nope"}}, `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := FilterSource(src, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("FilterSource = %s, want %s", got, c.want)
			}
		})
	}
	if got, err := FilterSource([]byte(`"just text"`), search.SourceFilter{Excludes: []string{"a"}}); err != nil || string(got) != `"just text"` {
		t.Fatalf("a non-object value: %s %v", got, err)
	}
	if _, err := FilterSource([]byte(`{not json`), search.SourceFilter{Includes: []string{"a"}}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a _source that is not JSON: %v, want ErrCorrupt", err)
	}
}
