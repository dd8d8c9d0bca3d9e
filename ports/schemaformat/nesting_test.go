package schemaformat

import (
	"errors"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/schema"
)

func TestCheckNesting(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		syn  Syntax
		ok   bool
	}{
		{"json_at_limit", strings.Repeat("[", 3) + strings.Repeat("]", 3), JSONSyntax, true},
		{"json_over_limit", strings.Repeat("[", 4), JSONSyntax, false},
		{"json_objects_count", `{"a":{"b":{"c":{}}}}`, JSONSyntax, false},
		{"json_siblings_do_not_add_up", `[[],[],[],[],[]]`, JSONSyntax, true},
		{"json_brackets_in_strings_do_not_count", `["[[[[", "\"[[[[", "{{{{"]`, JSONSyntax, true},
		{"json_quote_is_no_string", `['[[[']`, JSONSyntax, false},
		{"json_stray_closers_do_not_lower_the_floor", `]]]]]]]]]][[[[`, JSONSyntax, false},
		{"proto_at_limit", `message A { message B { optional int32 x = 1 [deprecated = true]; } }`, ProtoSyntax, true},
		{"proto_over_limit", `message A { message B { message C { message D {} } } }`, ProtoSyntax, false},
		{"proto_angle_literals_count", `option (x) = { a: < b: < c: < d: 1 > > > };`, ProtoSyntax, false},
		{"proto_line_comment", "// {{{{{{\nmessage A {}", ProtoSyntax, true},
		{"proto_block_comment", "/* {{{{ */ message A { /* {{{{{ */ }", ProtoSyntax, true},
		{"proto_strings", `option (a) = "{{{{"; option (b) = '{{{{\'{{';`, ProtoSyntax, true},
		{"proto_string_ends_at_line_end", "option (a) = \"{{\nmessage A { message B { message C { message D {} } } }", ProtoSyntax, false},
		{"proto_unterminated_comment", "message A { /* {{{{{{", ProtoSyntax, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckNesting("the schema", c.text, 3, c.syn)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("got %v, want an error wrapping ErrInvalidSchema", err)
			}
		})
	}
}

// A text of millions of brackets is refused at the first one past the
// limit, without recursion.
func TestCheckNestingHuge(t *testing.T) {
	err := CheckNesting("the schema", strings.Repeat("[", 8<<20), 1000, JSONSyntax)
	if !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), "nests more than 1000 levels deep (at byte 1000)") {
		t.Fatalf("got %v", err)
	}
}

// The schema is checked first, then each reference, named in the error.
func TestCheckSchemaNesting(t *testing.T) {
	deep := strings.Repeat("[", 4)
	refs := []Ref{{Name: "a.json", Text: "[]"}, {Name: "b.json", Text: deep}}
	for _, c := range []struct {
		name, text string
		refs       []Ref
		want       string
	}{
		{"all_within", "[]", refs[:1], ""},
		{"schema_first", deep, refs, "the schema"},
		{"reference_named", "[]", refs, `reference "b.json"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckSchemaNesting(c.text, c.refs, 3, JSONSyntax)
			if c.want == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.want != "" && (!errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("got %v, want an invalid-schema error naming %s", err, c.want)
			}
		})
	}
}
