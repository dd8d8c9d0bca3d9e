package jsonformat

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// Subjects referring to each other: an order refers to a customer, which
// refers to an address.
var (
	addressRef  = schemaformat.Ref{Name: "address.json", Text: `{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}},"required":["city"]}`}
	customerRef = schemaformat.Ref{Name: "customer.json", Text: `{"type":"object","properties":{"name":{"type":"string"},"address":{"$ref":"address.json"}}}`}
)

var validExamples = []schemaformattest.Example{
	{Name: "empty", Text: `{}`},
	{Name: "true", Text: `true`},
	{Name: "false", Text: `false`},
	{Name: "string", Text: `{"type":"string"}`},
	{Name: "string_constraints", Text: `{"type":"string","minLength":1,"maxLength":64,"pattern":"^[A-Z][a-z]+$","format":"email"}`},
	{Name: "number_constraints", Text: `{"type":"number","minimum":0,"exclusiveMaximum":100.5,"multipleOf":0.25}`},
	{Name: "integer", Text: `{"type":"integer","minimum":-9007199254740991,"maximum":9007199254740991}`},
	{Name: "type_array", Text: `{"type":["string","null"],"maxLength":3}`},
	{Name: "object", Text: `{
		"type": "object",
		"title": "Order",
		"description": "An order as placed",
		"properties": {
			"id": {"type": "string"},
			"amount": {"type": "number", "minimum": 0},
			"note": {"type": "string", "default": ""}
		},
		"required": ["id", "amount"],
		"additionalProperties": false
	}`},
	{Name: "nested_objects", Text: `{"type":"object","properties":{"customer":{"type":"object","properties":{"name":{"type":"string"},"address":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}}`},
	{Name: "arrays", Text: `{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true,"minItems":1,"maxItems":10},"pair":{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}}}`},
	{Name: "enum_and_const", Text: `{"type":"object","properties":{"color":{"enum":["red","green",null,1,{"rgb":[1,2,3]}]},"version":{"const":2}}}`},
	{Name: "combinators", Text: `{"oneOf":[{"type":"string"},{"type":"integer"}],"anyOf":[{"minimum":1},{"maxLength":3}],"allOf":[{"title":"a"},{"not":{"type":"null"}}]}`},
	{Name: "if_then_else", Text: `{"type":"object","if":{"properties":{"kind":{"const":"card"}}},"then":{"required":["number"]},"else":{"required":["iban"]}}`},
	{Name: "definitions_local_ref", Text: `{"definitions":{"money":{"type":"object","properties":{"units":{"type":"integer"},"currency":{"type":"string","pattern":"^[A-Z]{3}$"}}}},"type":"object","properties":{"price":{"$ref":"#/definitions/money"},"tax":{"$ref":"#/definitions/money"}}}`},
	{Name: "defs_local_ref_2020_12", Text: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"id":{"type":"string","format":"uuid"}},"type":"object","properties":{"id":{"$ref":"#/$defs/id"},"parent":{"$ref":"#/$defs/id"}},"unevaluatedProperties":false}`},
	{Name: "recursive", Text: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}}`},
	{Name: "id_based_ref", Text: `{"$id":"https://example.com/root.json","definitions":{"a":{"$id":"a.json","type":"string"}},"properties":{"a":{"$ref":"a.json"}}}`},
	{Name: "draft_04", Text: `{"$schema":"http://json-schema.org/draft-04/schema#","id":"http://example.com/p","type":"object","properties":{"n":{"type":"number","maximum":5,"exclusiveMaximum":true}},"required":["n"]}`},
	{Name: "draft_06", Text: `{"$schema":"http://json-schema.org/draft-06/schema#","type":"object","propertyNames":{"maxLength":8},"properties":{"k":{"const":"v"}},"contains":{"type":"string"}}`},
	{Name: "draft_07_https", Text: `{"$schema":"https://json-schema.org/draft-07/schema","type":"string"}`},
	{Name: "draft_2019_09", Text: `{"$schema":"https://json-schema.org/draft/2019-09/schema","type":"object","dependentRequired":{"card":["billing"]},"dependentSchemas":{"iban":{"required":["bic"]}},"properties":{"list":{"type":"array","contains":{"type":"integer"},"minContains":2,"maxContains":4}}}`},
	{Name: "draft_2020_12_prefix_items", Text: `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"},{"type":"number"}],"items":false}`},
	{Name: "pattern_properties", Text: `{"type":"object","patternProperties":{"^x-":{"type":"string"},"^[0-9]+$":{"type":"integer"}},"additionalProperties":false}`},
	{Name: "dependencies", Text: `{"type":"object","dependencies":{"card":["billing"],"iban":{"required":["bic"]}}}`},
	{Name: "ecma_pattern", Text: `{"type":"string","pattern":"^(?=.*[0-9])\\u0041.+$"}`},
	{Name: "unicode_and_escapes", Text: "{\"title\":\"caf\u00e9 \\u00e9 \\\"q\\\" \\n tab\\t \\u0001 <&> \u2028\",\"type\":\"string\"}"},
	{Name: "annotations_and_unknown_keywords", Text: `{"type":"integer","connect.type":"int64","x-vendor":{"nested":[3,2,1]},"examples":[1,2],"deprecated":true}`},
	{Name: "reference_between_subjects", Text: `{"type":"object","properties":{"customer":{"$ref":"customer.json"},"shipTo":{"$ref":"address.json"}},"required":["customer"]}`,
		Refs: []schemaformat.Ref{addressRef, customerRef}},
	{Name: "reference_by_absolute_url", Text: `{"$id":"https://example.com/schemas/order.json","properties":{"customer":{"$ref":"customer.json"}}}`,
		Refs: []schemaformat.Ref{addressRef, customerRef}},
	{Name: "reference_to_definition", Text: `{"properties":{"money":{"$ref":"common.json#/definitions/money"}}}`,
		Refs: []schemaformat.Ref{{Name: "common.json", Text: `{"definitions":{"money":{"type":"number"}}}`}}},
	{Name: "duplicate_keys_last_wins", Text: `{"type":"string","type":"integer"}`},
	{Name: "schema_url_2020_12_fragment", Text: `{"$schema":"https://json-schema.org/draft/2020-12/schema#","type":"string"}`},
	{Name: "schema_url_2019_09_http", Text: `{"$schema":"http://json-schema.org/draft/2019-09/schema","type":"string"}`},
	{Name: "schema_url_draft_06_https", Text: `{"$schema":"https://json-schema.org/draft-06/schema#","type":"string"}`},
	{Name: "schema_url_draft_04_https", Text: `{"$schema":"https://json-schema.org/draft-04/schema","type":"string"}`},
	{Name: "custom_meta_schema_reference", Text: `{"$schema":"https://example.com/meta","type":"string"}`,
		Refs: []schemaformat.Ref{{Name: "https://example.com/meta", Text: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/meta","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,"https://json-schema.org/draft/2020-12/vocab/applicator":true,"https://json-schema.org/draft/2020-12/vocab/validation":true},"allOf":[{"$ref":"https://json-schema.org/draft/2020-12/meta/core"}]}`}}},
}

var invalidExamples = []schemaformattest.Example{
	{Name: "empty_text", Text: ``},
	{Name: "truncated", Text: `{"type":`, Says: "not JSON"},
	{Name: "not_json", Text: `type: string`},
	{Name: "trailing_data", Text: `{"type":"string"} {}`},
	{Name: "trailing_comma", Text: `{"type":"string",}`},
	{Name: "invalid_utf8", Text: "{\"title\":\"\xff\"}"},
	{Name: "array_root", Text: `[{"type":"string"}]`},
	{Name: "string_root", Text: `"string"`},
	{Name: "number_root", Text: `5`},
	{Name: "null_root", Text: `null`},
	{Name: "type_is_a_number", Text: `{"type": 5}`, Says: "/type"},
	{Name: "unknown_type", Text: `{"type": "date"}`},
	{Name: "negative_min_length", Text: `{"type":"string","minLength":-1}`},
	{Name: "required_not_array", Text: `{"required":"id"}`},
	{Name: "properties_not_object", Text: `{"properties":["id"]}`},
	{Name: "bad_regex", Text: `{"pattern":"[a-"}`},
	{Name: "bad_pattern_properties_regex", Text: `{"patternProperties":{"(":{}}}`},
	{Name: "draft_04_numeric_exclusive_maximum", Text: `{"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMaximum":3}`},
	{Name: "unresolvable_ref", Text: `{"properties":{"c":{"$ref":"customer.json"}}}`, Says: `$ref to "customer.json" cannot be resolved`},
	{Name: "unresolvable_local_ref", Text: `{"properties":{"c":{"$ref":"#/definitions/missing"}}}`},
	{Name: "remote_ref_is_not_fetched", Text: `{"$ref":"https://json-schema.example/never-fetched.json"}`},
	{Name: "file_ref_is_not_read", Text: `{"$ref":"file:///etc/passwd"}`},
	{Name: "unknown_meta_schema", Text: `{"$schema":"https://example.com/my-meta","type":"string"}`},
	{Name: "invalid_reference_text", Text: `{"$ref":"customer.json"}`,
		Refs: []schemaformat.Ref{{Name: "customer.json", Text: `{"type":`}}},
	{Name: "invalid_referenced_schema", Text: `{"$ref":"customer.json"}`,
		Refs: []schemaformat.Ref{{Name: "customer.json", Text: `{"type":"person"}`}}},
	{Name: "missing_transitive_reference", Text: `{"$ref":"customer.json"}`,
		Refs: []schemaformat.Ref{customerRef}, Says: `"address.json" cannot be resolved`},
	{Name: "array_of_numbers_root", Text: `[1]`, Says: "object or a boolean, not an array"},
	{Name: "root_ref_points_to_nothing", Text: `{"$ref":"#/definitions/missing"}`, Says: `"#/definitions/missing" points to nothing`},
	{Name: "unknown_meta_schema_only", Text: `{"$schema":"https://example.com/my-meta"}`, Says: `$schema "https://example.com/my-meta"`},
	{Name: "invalid_unused_reference", Text: `{}`, Refs: []schemaformat.Ref{{Name: "bad.json", Text: `{`}}, Says: `reference "bad.json"`},
}

func example(t *testing.T, name string) schemaformattest.Example {
	t.Helper()
	for _, e := range validExamples {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no valid example %q", name)
	return schemaformattest.Example{}
}

func TestConformance(t *testing.T) {
	schemaformattest.Run(t, New(), schemaformattest.Examples{
		Valid:   validExamples,
		Invalid: invalidExamples,
		Cases:   schemaformattest.CompatSuiteCases(t, compatFile),
	})
}

// TestParseErrorsAreOneLine: every invalid example's error is one line
// (what it says is checked by the conformance suite).
func TestParseErrorsAreOneLine(t *testing.T) {
	for _, e := range invalidExamples {
		if _, err := New().Parse(e.Text, e.Refs); err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the error spans lines: %q", e.Name, err)
		}
	}
}

// checkForm checks that the schema in parses and that its form (named
// name) is want.
func checkForm(t *testing.T, name string, form func(schemaformat.Parsed) string, in, want string) {
	t.Helper()
	p, err := New().Parse(in, nil)
	if err != nil {
		t.Errorf("Parse(%s): %v", in, err)
		return
	}
	if got := form(p); got != want {
		t.Errorf("%s(%s)\n got %s\nwant %s", name, in, got, want)
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{ \"type\" : \"object\",\n  \"properties\": { \"b\": {}, \"a\": {} } }", `{"type":"object","properties":{"b":{},"a":{}}}`},
		{`{"title":"<&>\u00e9\u2028","type":"string"}`, "{\"title\":\"<&>\u00e9\u2028\",\"type\":\"string\"}"},
		{`{"title":"\u0001\n\t\"\\\/"}`, `{"title":"\u0001\n\t\"\\/"}`},
		{`{"maximum":1.50,"minimum":1e2,"default":-0}`, `{"maximum":1.50,"minimum":1e2,"default":-0}`},
		{`{"type":"string","title":"x","type":"integer"}`, `{"type":"integer","title":"x"}`},
		{` true `, `true`},
	} {
		checkForm(t, "Canonical", schemaformat.Parsed.Canonical, tc.in, tc.want)
	}
}

func TestNormalized(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer","enum":[3,1,2]}},"required":["b","a"]}`,
			`{"properties":{"a":{"enum":[1,2,3],"type":"integer"},"b":{"type":"string"}},"required":["a","b"],"type":"object"}`},
		{`{"type":["string","null"],"enum":["b",null,"a",{"y":1,"x":[2,1]}]}`,
			`{"enum":["a","b",null,{"x":[2,1],"y":1}],"type":["null","string"]}`},
		{`{"dependencies":{"b":["z","y"],"a":{"required":["d","c"]}},"dependentRequired":{"q":["s","r"]}}`,
			`{"dependencies":{"a":{"required":["c","d"]},"b":["y","z"]},"dependentRequired":{"q":["r","s"]}}`},
		// Data keeps its array order; a property named "required" is not the keyword.
		{`{"default":{"required":["b","a"]},"examples":[["b","a"]],"properties":{"required":{"enum":["z","a"]}}}`,
			`{"default":{"required":["b","a"]},"examples":[["b","a"]],"properties":{"required":{"enum":["a","z"]}}}`},
		{`{"allOf":[{"required":["b","a"]}],"items":[{"type":["string","integer"]}],"$defs":{"x":{"required":["y","x"]}}}`,
			`{"$defs":{"x":{"required":["x","y"]}},"allOf":[{"required":["a","b"]}],"items":[{"type":["integer","string"]}]}`},
		// Java's String order: UTF-16 code units, so U+FF5E sorts after U+1F600.
		{"{\"properties\":{\"\uff5e\":{},\"\U0001F600\":{},\"a\":{}}}", "{\"properties\":{\"a\":{},\"\U0001F600\":{},\"\uff5e\":{}}}"},
	} {
		checkForm(t, "Normalized", schemaformat.Parsed.Normalized, tc.in, tc.want)
	}
	// Schemas that differ only in spelling normalize alike.
	a, _ := New().Parse(`{"required":["a","b"],"type":"object","properties":{"a":{},"b":{}}}`, nil)
	b, _ := New().Parse(`{"type":"object","properties":{"b":{},"a":{}},"required":["b","a"]}`, nil)
	if a.Normalized() != b.Normalized() || a.Canonical() == b.Canonical() {
		t.Errorf("normalized forms differ or canonical forms agree:\n%s\n%s", a.Normalized(), b.Normalized())
	}
}

func TestCanReadReasonsNameThePath(t *testing.T) {
	old, _ := New().Parse(`{"type":"object","properties":{"customer":{"type":"object","properties":{"age":{"type":"integer","maximum":150}}}}}`, nil)
	new, _ := New().Parse(`{"type":"object","properties":{"customer":{"type":"object","properties":{"age":{"type":"integer","maximum":120}}}}}`, nil)
	reasons := new.CanRead(old)
	want := "at #/properties/customer/properties/age/maximum: the reader's maximum 120 is below the writer's 150 (MAXIMUM_DECREASED)"
	if len(reasons) != 1 || reasons[0] != want {
		t.Errorf("reasons = %q, want [%q]", reasons, want)
	}
	if r := old.CanRead(new); len(r) != 0 {
		t.Errorf("the old schema cannot read new data: %q", r)
	}
	// A property name with "/" and "~" is escaped as in a JSON pointer.
	o, _ := New().Parse(`{"properties":{"a/b~c":{"type":"string"}}}`, nil)
	n, _ := New().Parse(`{"properties":{"a/b~c":{"type":"integer"}}}`, nil)
	if r := n.CanRead(o); len(r) != 1 || !strings.HasPrefix(r[0], "at #/properties/a~1b~0c: ") {
		t.Errorf("reasons = %q", r)
	}
}

// recursiveObject is an object with an id of idType and a ref to one of
// the given definitions, as a one-member oneOf.
func recursiveObject(idType, ref string) string {
	return fmt.Sprintf(`{"type":"object","additionalProperties":true,"properties":{"id":{"type":%q},"ref":{"oneOf":[{"$ref":"#/definitions/%s"}]}}}`, idType, ref)
}

// cycleSchema is oneOf[T0, T1] where T0 -> T2 -> T0 is a cycle and T1 -> T2.
func cycleSchema(t0, t1 string) string {
	return fmt.Sprintf(`{"type":"object","definitions":{"T0":%s,"T1":%s,"T2":%s},"properties":{"root":{"oneOf":[{"$ref":"#/definitions/T0"},{"$ref":"#/definitions/T1"}]}}}`,
		recursiveObject(t0, "T2"), recursiveObject(t1, "T2"), recursiveObject("integer", "T0"))
}

// TestRecursiveChangeIsNotMasked: a pass that takes the cycle T0 -> T2 ->
// T0 as compatible must not let that assumption hide the changes to T0 and
// T1 (Confluent's fixed-point iteration; a naive memo reports compatible).
func TestRecursiveChangeIsNotMasked(t *testing.T) {
	old, err := New().Parse(cycleSchema("integer", "boolean"), nil)
	if err != nil {
		t.Fatal(err)
	}
	new, err := New().Parse(cycleSchema("boolean", "number"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := new.CanRead(old); len(r) == 0 {
		t.Error("an incompatible change behind a recursive oneOf is reported compatible")
	}
}

// unionSchema defines n object types, each with two properties that are a
// oneOf of all n: every pair of types is compared, through cycles.
func unionSchema(n int, firstIDType string) string {
	var refs, defs []string
	for i := range n {
		refs = append(refs, fmt.Sprintf(`{"$ref":"#/definitions/T%d"}`, i))
	}
	union := `{"oneOf":[` + strings.Join(refs, ",") + `]}`
	for i := range n {
		id := "string"
		if i == 0 {
			id = firstIDType
		}
		defs = append(defs, fmt.Sprintf(`"T%d":{"type":"object","properties":{"id":{"type":%q},"left":%s,"right":%s}}`, i, id, union, union))
	}
	return `{"type":"object","definitions":{` + strings.Join(defs, ",") + `},"properties":{"product":` + union + `}}`
}

func TestRecursiveUnionsStayTractable(t *testing.T) {
	old, err := New().Parse(unionSchema(12, "string"), nil)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := New().Parse(unionSchema(12, "string"), nil)
	changed, _ := New().Parse(unionSchema(12, "number"), nil)
	if r := same.CanRead(old); len(r) != 0 {
		t.Errorf("identical recursive unions: %q", r)
	}
	if r := changed.CanRead(old); len(r) == 0 {
		t.Error("a type change inside a recursive union is reported compatible")
	}
}

// TestComparisonIsBounded: comparing two combined schemas compares every
// alternative with every other; past maxSteps pairs the check gives up
// with a reason instead of running on.
func TestComparisonIsBounded(t *testing.T) {
	union := func(n, offset int) string {
		alts := make([]string, n)
		for i := range alts {
			alts[i] = fmt.Sprintf(`{"type":"object","properties":{"k":{"const":%d}}}`, i+offset)
		}
		return `{"anyOf":[` + strings.Join(alts, ",") + `]}`
	}
	old, err := New().Parse(union(500, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	new, err := New().Parse(union(500, 1000), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := new.CanRead(old)
	if len(r) == 0 || !strings.Contains(r[len(r)-1], string(tooComplex)) {
		t.Errorf("reasons = %q, want the last to be %s", r, tooComplex)
	}
	t.Logf("gave up after %v", time.Since(start))
}

func TestConcurrentUse(t *testing.T) {
	p := New()
	old, err := p.Parse(example(t, "object").Text, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := p.Parse(fmt.Sprintf(`{"type":"object","properties":{"n%d":{"type":"integer"}}}`, i), nil)
			if err != nil {
				t.Error(err)
				return
			}
			_ = s.CanRead(old)
			_ = old.CanRead(s)
			_ = old.Normalized()
		}()
	}
	wg.Wait()
}
