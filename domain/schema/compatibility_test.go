package schema

import (
	"fmt"
	"testing"
)

// In this test a schema is a set of field names; a reader can read a writer
// when the writer has every field the reader has (readers may only drop
// fields): adding a field is forward compatible, dropping one backward.
type fields map[string]bool

func canRead(reader, writer fields) []string {
	var out []string
	for f := range reader {
		if !writer[f] {
			out = append(out, fmt.Sprintf("field %s is missing", f))
		}
	}
	return out
}

func set(names ...string) fields {
	f := fields{}
	for _, n := range names {
		f[n] = true
	}
	return f
}

func TestCheckLevels(t *testing.T) {
	v1 := set("a", "b")
	v2 := set("a")       // dropped b: backward compatible with v1
	add := set("a", "c") // vs v2: adds c (forward only); vs v1: drops b, adds c
	for _, tc := range []struct {
		level Level
		cand  fields
		want  bool
	}{
		{None, add, true},
		{Backward, add, false},          // add cannot read v2's data (no c)
		{Forward, add, true},            // v2 reads add's data (needs only a)
		{ForwardTransitive, add, false}, // v1 needs b, add has none
		{Full, add, false},
		{Backward, set("a"), true},
		{BackwardTransitive, set(), true},
		{FullTransitive, set("a"), false}, // v1 cannot read data without b
		{Full, set("a"), true},            // only the latest (v2) counts
	} {
		got := Check(tc.level, tc.cand, []fields{v1, v2}, canRead)
		if ok := len(got) == 0; ok != tc.want {
			t.Errorf("%s: compatible=%v (%v), want %v", tc.level, ok, got, tc.want)
		}
	}
	if got := Check(FullTransitive, set("z"), nil, canRead); got != nil {
		t.Errorf("a first version is always compatible, got %v", got)
	}
}

func TestParse(t *testing.T) {
	for _, l := range Levels {
		if got, err := ParseLevel(string(l)); err != nil || got != l {
			t.Errorf("ParseLevel(%s) = %s, %v", l, got, err)
		}
	}
	if l, err := ParseLevel("full_transitive"); err != nil || l != FullTransitive {
		t.Errorf("lower case: %s, %v", l, err)
	}
	if _, err := ParseLevel("SIDEWAYS"); err == nil {
		t.Error("unknown level accepted")
	}
	if ty, err := ParseType(""); err != nil || ty != Avro {
		t.Errorf(`ParseType("") = %s, %v; want AVRO`, ty, err)
	}
	if _, err := ParseType("XML"); err == nil {
		t.Error("unknown type accepted")
	}
	if m, err := ParseMode("import"); err != nil || m != Import || !m.Writable() {
		t.Errorf("ParseMode(import) = %s, %v", m, err)
	}
	if ReadOnly.Writable() {
		t.Error("READONLY is writable")
	}
	if ValidSubject("") == nil || ValidSubject("a\nb") == nil || ValidSubject("orders-value") != nil {
		t.Error("subject validation")
	}
}
