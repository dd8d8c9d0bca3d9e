package search

import (
	"testing"
)

func TestInfer(t *testing.T) {
	cases := []struct {
		v    Scalar
		want FieldType
		ok   bool
	}{
		{"hello world", Text, true},
		{"2026-12-07", Date, true},
		{"2026-12-07T10:11:12Z", Date, true},
		{"2026-12-07T10:11:12.345+01:00", Date, true},
		{"2026-13-07", Text, true},
		{"12/07/2026", Text, true},
		{int64(3), Long, true},
		{3.5, Double, true},
		{true, Boolean, true},
		{nil, "", false},
		{[]byte("x"), "", false},
	}
	for _, c := range cases {
		got, ok := Infer(c.v)
		if got != c.want || ok != c.ok {
			t.Errorf("Infer(%#v) = %q, %v; want %q, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

func TestCoerce(t *testing.T) {
	cases := []struct {
		t    FieldType
		v    Scalar
		want FieldValue
		ok   bool
	}{
		{Long, int64(7), FieldValue{Int: 7}, true},
		{Long, 7.9, FieldValue{Int: 7}, true},
		{Long, " 12 ", FieldValue{Int: 12}, true},
		{Long, "twelve", FieldValue{}, false},
		{Long, true, FieldValue{}, false},
		{Long, 1e300, FieldValue{}, false},
		{Double, int64(2), FieldValue{Float: 2}, true},
		{Double, "2.5", FieldValue{Float: 2.5}, true},
		{Double, "NaN", FieldValue{}, false},
		{Keyword, int64(42), FieldValue{Str: "42"}, true},
		{Keyword, false, FieldValue{Str: "false"}, true},
		{Keyword, string(make([]byte, 257)), FieldValue{}, false},
		{Text, 1.5, FieldValue{Str: "1.5"}, true},
		{Date, "1970-01-01T00:00:01Z", FieldValue{Int: 1000}, true},
		{Date, int64(5), FieldValue{Int: 5}, true},
		{Date, "yesterday", FieldValue{}, false},
		{Boolean, "true", FieldValue{Bool: true}, true},
		{Boolean, "yes", FieldValue{}, false},
		{"geo_point", "1,2", FieldValue{}, false},
	}
	for _, c := range cases {
		got, ok := Coerce("f", c.t, c.v)
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
