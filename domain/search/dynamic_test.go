package search_test

import (
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
)

func TestInfer(t *testing.T) {
	cases := []struct {
		v    search.Scalar
		want search.FieldType
		ok   bool
	}{
		{"hello world", search.Text, true},
		{"2026-12-07", search.Date, true},
		{"2026-12-07T10:11:12Z", search.Date, true},
		{"2026-12-07T10:11:12.345+01:00", search.Date, true},
		{"2026-13-07", search.Text, true},
		{"12/07/2026", search.Text, true},
		{int64(3), search.Long, true},
		{3.5, search.Double, true},
		{true, search.Boolean, true},
		{nil, "", false},
		{[]byte("x"), "", false},
	}
	for _, c := range cases {
		got, ok := search.Infer(c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("Infer(%#v) = %q, %v; want %q, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

func TestCoerce(t *testing.T) {
	cases := []struct {
		t    search.FieldType
		v    search.Scalar
		want search.FieldValue
		ok   bool
	}{
		{search.Long, int64(7), search.FieldValue{Int: 7}, true},
		{search.Long, 7.9, search.FieldValue{Int: 7}, true},
		{search.Long, " 12 ", search.FieldValue{Int: 12}, true},
		{search.Long, "twelve", search.FieldValue{}, false},
		{search.Long, true, search.FieldValue{}, false},
		{search.Long, 1e300, search.FieldValue{}, false},
		{search.Double, int64(2), search.FieldValue{Float: 2}, true},
		{search.Double, "2.5", search.FieldValue{Float: 2.5}, true},
		{search.Double, "NaN", search.FieldValue{}, false},
		{search.Keyword, int64(42), search.FieldValue{Str: "42"}, true},
		{search.Keyword, false, search.FieldValue{Str: "false"}, true},
		{search.Keyword, string(make([]byte, 257)), search.FieldValue{}, false},
		{search.Text, 1.5, search.FieldValue{Str: "1.5"}, true},
		{search.Date, "1970-01-01T00:00:01Z", search.FieldValue{Int: 1000}, true},
		{search.Date, int64(5), search.FieldValue{Int: 5}, true},
		{search.Date, "yesterday", search.FieldValue{}, false},
		{search.Boolean, "true", search.FieldValue{Bool: true}, true},
		{search.Boolean, "yes", search.FieldValue{}, false},
		{"geo_point", "1,2", search.FieldValue{}, false},
	}
	for _, c := range cases {
		got, ok := search.Coerce("f", c.t, c.v)
		if ok != c.ok {
			t.Errorf("Coerce(%s, %#v) ok = %v", c.t, c.v, ok)
			continue
		}
		if !ok {
			continue
		}
		c.want.Path, c.want.Type = "f", c.t
		if got != c.want {
			t.Errorf("Coerce(%s, %#v) = %+v; want %+v", c.t, c.v, got, c.want)
		}
	}
}
