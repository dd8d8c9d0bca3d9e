package avroformat

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// validExamples are valid schemas beyond the ones of the golden files.
var validExamples = []schemaformattest.Example{
	{Name: "null", Text: `"null"`},
	{Name: "every_primitive", Text: `{"type":"record","name":"P","fields":[
		{"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},
		{"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
		{"name":"y","type":"bytes"},{"name":"s","type":"string"}]}`},
	{Name: "every_default", Text: `{"type":"record","name":"D","fields":[
		{"name":"n","type":"null","default":null},{"name":"b","type":"boolean","default":true},
		{"name":"i","type":"int","default":-2147483648},{"name":"l","type":"long","default":9223372036854775807},
		{"name":"f","type":"float","default":1.5e10},{"name":"d","type":"double","default":-0.0},
		{"name":"y","type":"bytes","default":"\u0000\u00ff"},{"name":"s","type":"string","default":"é"},
		{"name":"a","type":{"type":"array","items":"int"},"default":[1,2]},
		{"name":"m","type":{"type":"map","values":"long"},"default":{"k":1}},
		{"name":"u","type":["null","int"],"default":null},
		{"name":"r","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int","default":7},{"name":"y","type":"string"}]},"default":{"y":"why"}}]}`},
	{Name: "nested_records", Text: `{"type":"record","name":"Order","namespace":"orders","fields":[
		{"name":"customer","type":{"type":"record","name":"Customer","fields":[
			{"name":"address","type":{"type":"record","name":"Address","namespace":"geo","fields":[{"name":"zip","type":"string"}]}}]}},
		{"name":"billing","type":"geo.Address"},{"name":"buyer","type":"Customer"}]}`},
	{Name: "enum_with_default", Text: `{"type":"enum","name":"Status","namespace":"orders","symbols":["NEW","PAID","UNKNOWN"],"default":"UNKNOWN","doc":"state"}`},
	{Name: "fixed_with_duration", Text: `{"type":"fixed","name":"Span","size":12,"logicalType":"duration"}`},
	{Name: "fixed_uuid", Text: `{"type":"fixed","name":"Id","size":16,"logicalType":"uuid"}`},
	{Name: "array_of_maps", Text: `{"type":"array","items":{"type":"map","values":["null","string"]}}`},
	{Name: "logical_types", Text: `{"type":"record","name":"L","fields":[
		{"name":"d","type":{"type":"int","logicalType":"date"}},
		{"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
		{"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
		{"name":"tn","type":{"type":"long","logicalType":"timestamp-nanos"}},
		{"name":"lt","type":{"type":"long","logicalType":"local-timestamp-millis"}},
		{"name":"u","type":{"type":"string","logicalType":"uuid"}},
		{"name":"bd","type":{"type":"bytes","logicalType":"big-decimal"}},
		{"name":"dec","type":{"type":"fixed","name":"Dec","size":4,"logicalType":"decimal","precision":9,"scale":2}}]}`},
	{Name: "union_of_named_types", Text: `["null",{"type":"record","name":"a.X","fields":[]},{"type":"record","name":"b.X","fields":[]},{"type":"enum","name":"E","symbols":["A"]},{"type":"fixed","name":"F","size":1},{"type":"array","items":"a.X"},{"type":"map","values":"b.X"}]`},
	{Name: "mutual_recursion", Text: `{"type":"record","name":"Tree","fields":[{"name":"children","type":{"type":"array","items":{"type":"record","name":"Child","fields":[{"name":"tree","type":["null","Tree"],"default":null}]}}}]}`},
	{Name: "record_named_like_a_type", Text: `{"type":"record","name":"record","namespace":"ns","fields":[{"name":"self","type":["null","ns.record"],"default":null},{"name":"other","type":{"type":"enum","name":"array","symbols":["A"]}}]}`},
	{Name: "order_upper_case", Text: `{"type":"record","name":"O","fields":[{"name":"a","type":"int","order":"IGNORE"}]}`},
	{Name: "empty_union", Text: `{"type":"record","name":"U","fields":[{"name":"never","type":[]}]}`},
	{Name: "reference_enum_and_fixed", Text: `{"type":"record","name":"Payment","namespace":"pay","fields":[{"name":"status","type":"pay.Status"},{"name":"hash","type":"pay.Hash"}]}`,
		Refs: []schemaformat.Ref{
			{Name: "pay.Status", Text: `{"type":"enum","name":"Status","namespace":"pay","symbols":["OK","KO"]}`},
			{Name: "pay.Hash", Text: `{"type":"fixed","name":"Hash","namespace":"pay","size":32}`},
		}},
	{Name: "reference_nested_type", Text: `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"status","type":"Status"}]}`,
		Refs: []schemaformat.Ref{{Name: "shop.Customer", Text: `{"type":"record","name":"Customer","namespace":"shop","fields":[{"name":"status","type":{"type":"enum","name":"Status","symbols":["ACTIVE"]}}]}`}}},
	{Name: "reference_unused", Text: `"string"`, Refs: []schemaformat.Ref{{Name: "x.Y", Text: `{"type":"record","name":"Y","namespace":"x","fields":[]}`}}},
	{Name: "null_namespace_inside_namespace", Text: `{"type":"record","name":"a.R","fields":[{"name":"x","type":{"type":"record","name":"Foo","namespace":"","fields":[]}},{"name":"y","type":"Foo"},{"name":"z","type":{"type":"record","name":"Foo","fields":[{"name":"q","type":"int"}]}},{"name":"w","type":"Foo"}]}`},
	{Name: "null_namespace_found_from_namespace", Text: `{"type":"record","name":"Top","fields":[{"name":"i","type":{"type":"record","name":"a.Inner","fields":[{"name":"t","type":["null","Top"],"default":null}]}}]}`},
	{Name: "record_named_int_in_namespace", Text: `{"type":"record","name":"int","namespace":"a","fields":[{"name":"me","type":["null","a.int"],"default":null}]}`},
	{Name: "repeated_json_key", Text: `{"type":"int","type":"long"}`},
	{Name: "record_default_uses_field_defaults", Text: `{"type":"record","name":"O","fields":[{"name":"r","type":{"type":"record","name":"I","fields":[{"name":"b","type":"bytes","default":"x"},{"name":"f","type":{"type":"fixed","name":"F","size":1},"default":"y"},{"name":"a","type":{"type":"array","items":"bytes"},"default":["z"]}]},"default":{}}]}`},
	{Name: "numbers_beyond_double", Text: `{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1e400},{"name":"f","type":"float","default":1e39},{"name":"g","type":"float","default":` + strings.Repeat("9", 400) + `}],"p":1e400,"q":` + strings.Repeat("9", 400) + `}`},
	{Name: "field_alias_not_a_name", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["old-a"]}]}`},
	{Name: "big_fixed_with_default", Text: `{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"Huge","size":2147483647},"default":""}]}`},
}

// invalidExamples are invalid schemas and a part of the error each must
// give (it says what is wrong).
var invalidExamples = []schemaformattest.Example{
	{Name: "empty", Text: "  ", Says: "empty"},
	{Name: "bad_json", Text: `{"type":"record",`, Says: "not valid JSON"},
	{Name: "bad_json_token", Text: `{"type":int}`, Says: "not valid JSON"},
	{Name: "trailing_text", Text: `"int" "long"`, Says: "after the schema"},
	{Name: "bare_word", Text: `int`, Says: "not valid JSON"},
	{Name: "json_null", Text: `null`, Says: "not null"},
	{Name: "json_number", Text: `42`, Says: "not a number"},
	{Name: "too_deep", Text: strings.Repeat("[", 2000) + strings.Repeat("]", 2000), Says: "levels deep"},
	{Name: "unknown_type", Text: `"integer"`, Says: `unknown type "integer"`},
	{Name: "unknown_type_in_field", Text: `{"type":"record","name":"R","namespace":"n","fields":[{"name":"f","type":"Missing"}]}`, Says: "field n.R.f: unknown type \"Missing\""},
	{Name: "no_type", Text: `{"name":"R"}`, Says: `no "type"`},
	{Name: "type_not_string", Text: `{"type":["null","int"]}`, Says: `"type" must be a string`},
	{Name: "record_without_name", Text: `{"type":"record","fields":[]}`, Says: `no "name"`},
	{Name: "record_without_fields", Text: `{"type":"record","name":"R"}`, Says: `no "fields"`},
	{Name: "duplicate_field", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}`, Says: `two fields named "a"`},
	{Name: "field_without_type", Text: `{"type":"record","name":"R","fields":[{"name":"a"}]}`, Says: `no "type"`},
	{Name: "field_not_object", Text: `{"type":"record","name":"R","fields":["int"]}`, Says: "not an object"},
	{Name: "bad_field_name", Text: `{"type":"record","name":"R","fields":[{"name":"1st","type":"int"}]}`, Says: "field R.1st"},
	{Name: "bad_record_name", Text: `{"type":"record","name":"my-record","fields":[]}`, Says: `"my-record"`},
	{Name: "bad_namespace", Text: `{"type":"record","name":"R","namespace":"com.my-co","fields":[]}`, Says: "namespace"},
	{Name: "named_after_primitive", Text: `{"type":"fixed","name":"int","size":4}`, Says: "primitive type"},
	{Name: "type_defined_twice", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"b","type":{"type":"enum","name":"E","symbols":["Y"]}}]}`, Says: "defined twice"},
	{Name: "redefines_reference", Text: `{"type":"record","name":"C","namespace":"shop","fields":[]}`,
		Refs: []schemaformat.Ref{{Name: "shop.C", Text: `{"type":"record","name":"C","namespace":"shop","fields":[]}`}}, Says: "a reference already defines it"},
	{Name: "default_wrong_type", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`, Says: `default "x" does not match`},
	{Name: "default_int_with_fraction", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1.5}]}`, Says: "whole number"},
	{Name: "default_int_too_big", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":2147483648}]}`, Says: "2147483647"},
	{Name: "default_long_too_big", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"long","default":9223372036854775808}]}`, Says: "64 bits"},
	{Name: "default_null_for_string", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":null}]}`, Says: "not a string"},
	{Name: "default_not_first_union_branch", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"x"}]}`, Says: "first type"},
	{Name: "default_enum_not_symbol", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]},"default":"Y"}]}`, Says: "symbols of enum E"},
	{Name: "default_record_missing_field", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]},"default":{}}]}`, Says: "no value for field x"},
	{Name: "default_array_item", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":[1,"two"]}]}`, Says: "item 1"},
	{Name: "default_bytes_code_point", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"bytes","default":"€"}]}`, Says: "0-255"},
	{Name: "default_double_text", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":"lots"}]}`, Says: "not a number"},
	{Name: "default_self_record", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":["R","null"],"default":{}}]}`, Says: "before its fields"},
	{Name: "default_empty_union", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":[],"default":null}]}`, Says: "empty union"},
	{Name: "missing_reference", Text: `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"customer","type":"shop.Customer"}]}`, Says: `unknown type "shop.Customer"`},
	{Name: "invalid_reference", Text: `"shop.C"`,
		Refs: []schemaformat.Ref{{Name: "shop.C", Text: `{"type":"record","name":"C"}`}}, Says: `reference "shop.C"`},
	{Name: "enum_duplicate_symbol", Text: `{"type":"enum","name":"E","symbols":["A","B","A"]}`, Says: `symbol "A" twice`},
	{Name: "enum_bad_symbol", Text: `{"type":"enum","name":"E","symbols":["A-1"]}`, Says: `"A-1"`},
	{Name: "enum_default_not_symbol", Text: `{"type":"enum","name":"E","symbols":["A"],"default":"B"}`, Says: "not one of its symbols"},
	{Name: "enum_without_symbols", Text: `{"type":"enum","name":"E"}`, Says: `no "symbols"`},
	{Name: "fixed_without_size", Text: `{"type":"fixed","name":"F"}`, Says: `"size"`},
	{Name: "fixed_negative_size", Text: `{"type":"fixed","name":"F","size":-1}`, Says: `"size"`},
	{Name: "fixed_fractional_size", Text: `{"type":"fixed","name":"F","size":1.5}`, Says: `"size"`},
	{Name: "array_without_items", Text: `{"type":"array"}`, Says: `no "items"`},
	{Name: "map_without_values", Text: `{"type":"map","items":"int"}`, Says: `no "values"`},
	{Name: "nested_union", Text: `["null",["int","long"]]`, Says: "union may not contain a union"},
	{Name: "duplicate_union_branch", Text: `["int","string","int"]`, Says: "branches 0 and 2 are both int"},
	{Name: "duplicate_union_logical", Text: `["int",{"type":"int","logicalType":"date"}]`, Says: "both int"},
	{Name: "duplicate_union_array", Text: `[{"type":"array","items":"int"},{"type":"array","items":"long"}]`, Says: "both array"},
	{Name: "bad_order", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}`, Says: `"order"`},
	{Name: "aliases_not_array", Text: `{"type":"record","name":"R","aliases":"S","fields":[]}`, Says: `"aliases" must be an array`},
	{Name: "bad_alias", Text: `{"type":"record","name":"R","aliases":["not ok"],"fields":[]}`, Says: `alias "not ok"`},
}

// goldenSchemas returns every schema of the golden files as valid
// examples, and the compatibility cases both ways.
func goldenSchemas(t *testing.T) ([]schemaformattest.Example, []schemaformattest.Case) {
	var valid []schemaformattest.Example
	var cases []schemaformattest.Case
	_, forms := readGolden(t, "forms.txt", map[string]bool{"canonical": true, "normalized": true})
	for _, c := range forms {
		valid = append(valid, schemaformattest.Example{Name: "forms_" + c.name, Text: c.values["in"], Refs: c.refs})
	}
	_, compat := readGolden(t, "compatibility.txt", map[string]bool{aReadsB: true, bReadsA: true})
	for _, c := range compat {
		a, b := c.values["a"], c.values["b"]
		valid = append(valid,
			schemaformattest.Example{Name: "compat_" + c.name + "_a", Text: a, Refs: c.refs},
			schemaformattest.Example{Name: "compat_" + c.name + "_b", Text: b, Refs: c.refs})
		cases = append(cases,
			schemaformattest.Case{Name: c.name + "/a_reads_b", Reader: a, Writer: b, Refs: c.refs, Compatible: isOK(c.sections[aReadsB])},
			schemaformattest.Case{Name: c.name + "/b_reads_a", Reader: b, Writer: a, Refs: c.refs, Compatible: isOK(c.sections[bReadsA])})
	}
	return valid, cases
}

func isOK(lines []string) bool { return len(lines) == 1 && lines[0] == "ok" }

func TestConformance(t *testing.T) {
	valid, cases := goldenSchemas(t)
	schemaformattest.Run(t, New(), schemaformattest.Examples{Valid: append(valid, validExamples...), Invalid: invalidExamples, Cases: cases})
}

// TestNormalizeEquates checks that normalize=true makes equivalent
// spellings one text: property and alias order, full or short names,
// explicit defaults of order and scale.
func TestNormalizeEquates(t *testing.T) {
	same := [][]string{{
		`{"type":"record","name":"R","namespace":"n","aliases":["B","A"],"fields":[{"name":"f","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"g","type":"E"}],"y":1,"x":2}`,
		`{"type":"record","name":"n.R","aliases":["n.A","n.B"],"x":2,"y":1,"fields":[{"name":"f","order":"ascending","type":{"type":"enum","name":"n.E","symbols":["X"]}},{"name":"g","type":"n.E"}]}`,
	}, {
		`{"type":"bytes","logicalType":"decimal","precision":4,"scale":0}`,
		`{"precision":4,"logicalType":"decimal","type":"bytes"}`,
	}, {
		`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1}]}`,
		`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1.0}]}`,
	}}
	for _, pair := range same {
		a, b := parseOrFail(t, pair[0], nil), parseOrFail(t, pair[1], nil)
		if a.Normalized() != b.Normalized() {
			t.Errorf("normalized forms differ:\n%s\n%s", a.Normalized(), b.Normalized())
		}
		if a.Canonical() == b.Canonical() {
			t.Errorf("canonical forms should differ (only normalization equates them): %s", a.Canonical())
		}
	}
}

func TestJavaNumbers(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {100, "100.0"}, {0.001, "0.001"}, {0.0001, "1.0E-4"}, {1e7, "1.0E7"},
		{9999999, "9999999.0"}, {1.5e-5, "1.5E-5"}, {-2.5e300, "-2.5E300"}, {0.1, "0.1"},
	} {
		if got := javaDouble(c.f); got != c.want {
			t.Errorf("javaDouble(%v) = %s, want %s", c.f, got, c.want)
		}
	}
	if got := javaFloat(0.1); got != "0.1" {
		t.Errorf("javaFloat(0.1) = %s", got)
	}
	if got := javaFloat(16777217); got != "1.6777216E7" {
		t.Errorf("javaFloat(16777217) = %s", got)
	}
}

// TestConcurrentUse parses and compares from many goroutines (run with
// -race).
func TestConcurrentUse(t *testing.T) {
	p := New()
	base := parseOrFail(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			next, err := p.Parse(`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"string","default":""}]}`, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if r := next.CanRead(base); len(r) != 0 {
				t.Errorf("goroutine %d: %v", i, r)
			}
			if r := base.CanRead(next); len(r) == 0 {
				t.Errorf("goroutine %d: int read long", i)
			}
		})
	}
	wg.Wait()
}

// TestHambaCheck checks how a rejection by hamba/avro is reported: as an
// invalid schema, saying where, without the name hamba is given for the
// null namespace.
func TestHambaCheck(t *testing.T) {
	err := hambaCheck([]string{
		`{"name":"avroformat_null_namespace.R","type":"record","fields":[{"name":"a","type":"int","default":"x"}]}`,
	}, nil)
	if !errors.Is(err, schema.ErrInvalidSchema) || strings.Contains(err.Error(), nullSpace) || !strings.Contains(err.Error(), "the schema") {
		t.Fatalf("hambaCheck = %v", err)
	}
	if err := hambaCheck([]string{`"int"`, `{"type":"record","name":"x.Y","fields":[]}`}, []schemaformat.Ref{{Name: "r"}}); err != nil {
		t.Fatalf("hambaCheck(valid) = %v", err)
	}
}

// TestCheckDepth checks the bound on how deeply CanRead follows types.
func TestCheckDepth(t *testing.T) {
	r := parseOrFail(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`, nil).(*parsed)
	c := &checker{memo: map[pair]*verdict{}, depth: maxCheckDepth}
	if ok, rs := c.check(r.root, r.root); ok || len(rs) != 1 || !strings.Contains(rs[0].msg, "deep") {
		t.Fatalf("check at the depth bound = %v, %v", ok, rs)
	}
}
