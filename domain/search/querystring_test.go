package search

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func m(field, text string) Match { return Match{Field: field, Text: text} }

func TestParseQueryString(t *testing.T) {
	title := QueryStringOptions{DefaultField: "title"}
	and := QueryStringOptions{DefaultField: "title", DefaultOperator: And}
	cases := []struct {
		name string
		q    string
		opt  QueryStringOptions
		want Query
	}{
		{"single_term", "quick", title, m("title", "quick")},
		{"default_field_is_every_field", "quick", QueryStringOptions{}, MultiMatch{Fields: []string{"*"}, Text: "quick"}},
		{"two_terms_or", "quick fox", title, Bool{Should: []Query{m("title", "quick"), m("title", "fox")}}},
		{"two_terms_default_and", "quick fox", and, Bool{Must: []Query{
			Match{Field: "title", Text: "quick", Operator: And}, Match{Field: "title", Text: "fox", Operator: And}}}},
		{"explicit_and", "quick AND fox", title, Bool{Must: []Query{m("title", "quick"), m("title", "fox")}}},
		{"ampersands", "quick && fox", title, Bool{Must: []Query{m("title", "quick"), m("title", "fox")}}},
		{"explicit_or_under_and", "quick OR fox", and, Bool{Should: []Query{
			Match{Field: "title", Text: "quick", Operator: And}, Match{Field: "title", Text: "fox", Operator: And}}}},
		{"pipes", "a || b", title, Bool{Should: []Query{m("title", "a"), m("title", "b")}}},
		{"and_or_mix", "a AND b OR c", title, Bool{Must: []Query{m("title", "a"), m("title", "b")}, Should: []Query{m("title", "c")}}},
		{"not", "a NOT b", title, Bool{Should: []Query{m("title", "a")}, MustNot: []Query{m("title", "b")}}},
		{"bang", "a !b", title, Bool{Should: []Query{m("title", "a")}, MustNot: []Query{m("title", "b")}}},
		{"plus_minus", "+a -b c", title, Bool{Must: []Query{m("title", "a")}, Should: []Query{m("title", "c")}, MustNot: []Query{m("title", "b")}}},
		{"only_negative_matches_the_rest", "-b", title, Bool{Must: []Query{MatchAll{}}, MustNot: []Query{m("title", "b")}}},
		{"not_first", "NOT b", title, Bool{Must: []Query{MatchAll{}}, MustNot: []Query{m("title", "b")}}},
		{"field", "status:active", title, m("status", "active")},
		{"field_space_after_colon", "status: active", title, m("status", "active")},
		{"dotted_field", "user.name:kimchy", title, m("user.name", "kimchy")},
		{"field_group", "status:(active OR pending)", title, Bool{Should: []Query{m("status", "active"), m("status", "pending")}}},
		{"nested_groups", "(a OR (b AND c)) d", title, Bool{Should: []Query{
			Bool{Should: []Query{m("title", "a"), Bool{Must: []Query{m("title", "b"), m("title", "c")}}}}, m("title", "d")}}},
		{"phrase", `"quick brown"`, title, MatchPhrase{Field: "title", Text: "quick brown"}},
		{"phrase_field_slop", `body:"quick fox"~2`, title, MatchPhrase{Field: "body", Text: "quick fox", Slop: 2}},
		{"phrase_default_slop", `"a b"`, QueryStringOptions{DefaultField: "t", PhraseSlop: 3}, MatchPhrase{Field: "t", Text: "a b", Slop: 3}},
		{"phrase_escaped_quote", `"say \"hi\""`, title, MatchPhrase{Field: "title", Text: `say "hi"`}},
		{"phrase_many_fields", `"a b"`, QueryStringOptions{Fields: []string{"title^2", "body"}}, MultiMatch{Fields: []string{"title^2", "body"}, Text: "a b", Type: Phrase}},
		{"prefix", "qui*", title, Prefix{Field: "title", Value: "qui"}},
		{"wildcard", "qu?ck*", title, Wildcard{Field: "title", Value: "qu?ck*"}},
		{"escaped_star_is_text", `a\*b`, title, m("title", "a*b")},
		{"escaped_star_in_wildcard", `a\*b?`, title, Wildcard{Field: "title", Value: `a\*b?`}},
		{"star_field_exists", "status:*", title, Exists{Field: "status"}},
		{"star_star", "*:*", title, MatchAll{}},
		{"bare_star_all_fields", "*", QueryStringOptions{}, MatchAll{}},
		{"exists", "_exists_:user", title, Exists{Field: "user"}},
		{"regexp", "name:/joh?n(ath[oa]n)/", title, Regexp{Field: "name", Value: "joh?n(ath[oa]n)"}},
		{"regexp_escaped_slash", `path:/a\/b/`, title, Regexp{Field: "path", Value: "a/b"}},
		{"fuzzy_default", "quikc~", title, Fuzzy{Field: "title", Value: "quikc", Fuzziness: Auto}},
		{"fuzzy_one", "quikc~1", title, Fuzzy{Field: "title", Value: "quikc", Fuzziness: 1}},
		{"fuzzy_clamped", "quikc~5", title, Fuzzy{Field: "title", Value: "quikc", Fuzziness: 2}},
		{"fuzzy_legacy_similarity", "quikc~0.8", title, Fuzzy{Field: "title", Value: "quikc", Fuzziness: Auto}},
		{"range_inclusive", "age:[10 TO 20]", title, Range{Field: "age", GTE: "10", LTE: "20"}},
		{"range_exclusive", "age:{10 TO 20}", title, Range{Field: "age", GT: "10", LT: "20"}},
		{"range_mixed", "age:[10 TO 20}", title, Range{Field: "age", GTE: "10", LT: "20"}},
		{"range_open", "date:[2020-01-01 TO *]", title, Range{Field: "date", GTE: "2020-01-01"}},
		{"range_quoted", `date:["2020-01-01 00:00" TO "now"]`, title, Range{Field: "date", GTE: "2020-01-01 00:00", LTE: "now"}},
		{"range_time_zone", "t:[a TO b]", QueryStringOptions{DefaultField: "x", TimeZone: "+01:00"}, Range{Field: "t", GTE: "a", LTE: "b", TimeZone: "+01:00"}},
		{"gte", "age:>=10", title, Range{Field: "age", GTE: "10"}},
		{"gt", "age:>10", title, Range{Field: "age", GT: "10"}},
		{"lt", "age:<10", title, Range{Field: "age", LT: "10"}},
		{"lte_date", "date:<=now-1d", title, Range{Field: "date", LTE: "now-1d"}},
		{"boost_term", "quick^2", title, Match{Field: "title", Text: "quick", Boost: 2}},
		{"boost_phrase", `"a b"^1.5`, title, MatchPhrase{Field: "title", Text: "a b", Boost: 1.5}},
		{"boost_group", "(a b)^3", title, Bool{Should: []Query{m("title", "a"), m("title", "b")}, Boost: 3}},
		{"boost_exists_wrapped", "_exists_:a^2", title, ConstantScore{Filter: Exists{Field: "a"}, Boost: 2}},
		{"boost_and_fuzzy", "abc~1^2", title, Fuzzy{Field: "title", Value: "abc", Fuzziness: 1, Boost: 2}},
		{"field_boosts_term", "a", QueryStringOptions{Fields: []string{"title^2", "body"}}, MultiMatch{Fields: []string{"title^2", "body"}, Text: "a"}},
		{"field_boosts_prefix", "a*", QueryStringOptions{Fields: []string{"title^2", "body"}}, Bool{Should: []Query{Prefix{Field: "title", Value: "a", Boost: 2}, Prefix{Field: "body", Value: "a"}}}},
		{"single_field_boost", "a", QueryStringOptions{Fields: []string{"title^2"}}, Match{Field: "title", Text: "a", Boost: 2}},
		{"field_pattern", "name.*:john", title, MultiMatch{Fields: []string{"name.*"}, Text: "john"}},
		{"escaped_colon", `a\:b`, title, m("title", "a:b")},
		{"escaped_field_char", `my\ field:x`, title, m("my field", "x")},
		{"hyphen_inside_term", "foo-bar", title, m("title", "foo-bar")},
		{"keyword_prefix_word", "ANDROID ORACLE NOTE", title, Bool{Should: []Query{m("title", "ANDROID"), m("title", "ORACLE"), m("title", "NOTE")}}},
		{"lowercase_and_is_a_term", "a and b", title, Bool{Should: []Query{m("title", "a"), m("title", "and"), m("title", "b")}}},
		{"analyzer_and_operator", "x", QueryStringOptions{DefaultField: "t", Analyzer: "english", DefaultOperator: And}, Match{Field: "t", Text: "x", Analyzer: "english", Operator: And}},
		{"minimum_should_match", "a b c", QueryStringOptions{DefaultField: "t", MinimumShouldMatch: "2"}, Bool{Should: []Query{m("t", "a"), m("t", "b"), m("t", "c")}, MinimumShouldMatch: "2"}},
		{"query_boost", "a", QueryStringOptions{DefaultField: "t", Boost: 2}, Match{Field: "t", Text: "a", Boost: 2}},
		{"empty", "   ", title, MatchNone{}},
		{"unicode", "größe:über", title, m("größe", "über")},
		{"fuzzy_options", "ab~", QueryStringOptions{DefaultField: "t", Fuzziness: 1, FuzzyPrefixLength: 2, FuzzyMaxExpansions: 10}, Fuzzy{Field: "t", Value: "ab", Fuzziness: 1, PrefixLength: 2, MaxExpansions: 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseQueryString(c.q, c.opt)
			if err != nil {
				t.Fatalf("ParseQueryString(%q): %v", c.q, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ParseQueryString(%q)\n got %#v\nwant %#v", c.q, got, c.want)
			}
		})
	}
}

func TestParseQueryStringErrors(t *testing.T) {
	cases := []struct {
		name, q string
		column  int
		msg     string
	}{
		{"unclosed_group", "heart(", 7, "expected a clause"},
		{"unclosed_group_term", "(a b", 5, `expected ")"`},
		{"stray_close", "a)", 2, `unexpected ")"`},
		{"unclosed_phrase", `"abc`, 5, "phrase is not closed"},
		{"unclosed_regexp", "a:/ab", 6, "regular expression is not closed"},
		{"range_without_to", "a:[1 2]", 6, "expected TO"},
		{"unclosed_range", "a:[1 TO 2", 10, `expected "]" or "}"`},
		{"leading_and", "AND a", 1, "cannot start with AND"},
		{"trailing_or", "a OR", 5, "expected a clause after OR"},
		{"field_without_value", "a:", 3, `expected a value after "a:"`},
		{"bad_boost", "a^x", 3, `expected a number after "^"`},
		{"trailing_escape", `a\`, 2, "ends with an escape"},
		{"double_modifier", "--a", 2, "unexpected"},
		{"slash_in_term", "a/b", 4, "regular expression is not closed"},
		{"leading_colon", ":a", 1, `unexpected ":"`},
		{"modifier_alone", "a -", 4, "expected a clause"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseQueryString(c.q, QueryStringOptions{DefaultField: "t"})
			var qe *QueryStringError
			if !errors.As(err, &qe) || !errors.Is(err, ErrQueryString) {
				t.Fatalf("ParseQueryString(%q) = %v, want a *QueryStringError", c.q, err)
			}
			if qe.Column != c.column || !strings.Contains(qe.Msg, c.msg) {
				t.Fatalf("ParseQueryString(%q) = %q at column %d, want %q at column %d", c.q, qe.Msg, qe.Column, c.msg, c.column)
			}
			if !strings.HasPrefix(err.Error(), "Cannot parse '"+c.q+"': ") {
				t.Fatalf("error text %q does not quote the query", err)
			}
		})
	}
}

func TestParseQueryStringBounds(t *testing.T) {
	deep := strings.Repeat("(", MaxQueryDepth) + "a" + strings.Repeat(")", MaxQueryDepth)
	if _, err := ParseQueryString(deep, QueryStringOptions{}); err != nil {
		t.Fatalf("depth %d: %v", MaxQueryDepth, err)
	}
	tooDeep := strings.Repeat("(", MaxQueryDepth+1) + "a" + strings.Repeat(")", MaxQueryDepth+1)
	if _, err := ParseQueryString(tooDeep, QueryStringOptions{}); err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("depth %d: %v, want a nesting error", MaxQueryDepth+1, err)
	}
	huge := strings.Repeat("(", 10_000) + "a"
	if _, err := ParseQueryString(huge, QueryStringOptions{}); err == nil {
		t.Fatal("10,000 open groups parsed")
	}
	many := strings.Repeat("a ", MaxQueryStringClauses+1)
	if _, err := ParseQueryString(many, QueryStringOptions{}); err == nil || !strings.Contains(err.Error(), "clauses") {
		t.Fatalf("%d clauses: %v", MaxQueryStringClauses+1, err)
	}
	if _, err := ParseQueryString(strings.Repeat("a", MaxQueryStringLength+1), QueryStringOptions{}); err == nil {
		t.Fatal("a query past the length bound parsed")
	} else if len(err.Error()) > 400 {
		t.Fatalf("the error quotes the whole query (%d bytes)", len(err.Error()))
	}
	if _, err := ParseQueryString("a*", QueryStringOptions{DisallowLeadingWildcard: true}); err != nil {
		t.Fatalf("trailing wildcard refused: %v", err)
	}
	if _, err := ParseQueryString("*a", QueryStringOptions{DisallowLeadingWildcard: true}); err == nil {
		t.Fatal("leading wildcard accepted with allow_leading_wildcard false")
	}
}

func TestParseSimpleQueryString(t *testing.T) {
	t1 := QueryStringOptions{DefaultField: "t"}
	and := QueryStringOptions{DefaultField: "t", DefaultOperator: And}
	notB := Bool{Must: []Query{MatchAll{}}, MustNot: []Query{m("t", "b")}}
	cases := []struct {
		name  string
		q     string
		flags SimpleFlags
		opt   QueryStringOptions
		want  Query
	}{
		{"term", "a", FlagAll, t1, m("t", "a")},
		{"default_or", "a b", FlagAll, t1, Bool{Should: []Query{m("t", "a"), m("t", "b")}}},
		{"default_and", "a b", FlagAll, and, Bool{Must: []Query{Match{Field: "t", Text: "a", Operator: And}, Match{Field: "t", Text: "b", Operator: And}}}},
		{"plus", "a + b", FlagAll, t1, Bool{Must: []Query{m("t", "a"), m("t", "b")}}},
		{"pipe", "a | b", FlagAll, and, Bool{Should: []Query{Match{Field: "t", Text: "a", Operator: And}, Match{Field: "t", Text: "b", Operator: And}}}},
		{"operator_change_nests", "a + b | c", FlagAll, t1, Bool{Should: []Query{Bool{Must: []Query{m("t", "a"), m("t", "b")}}, m("t", "c")}}},
		{"negation", "a -b", FlagAll, t1, Bool{Should: []Query{m("t", "a"), notB}}},
		{"negation_with_and", "a -b", FlagAll, QueryStringOptions{DefaultField: "t", DefaultOperator: And},
			Bool{Must: []Query{Match{Field: "t", Text: "a", Operator: And}, Bool{Must: []Query{MatchAll{}}, MustNot: []Query{Match{Field: "t", Text: "b", Operator: And}}}}}},
		{"double_negation", "--a", FlagAll, t1, m("t", "a")},
		{"phrase", `"a b"`, FlagAll, t1, MatchPhrase{Field: "t", Text: "a b"}},
		{"phrase_slop", `"a b"~2`, FlagAll, t1, MatchPhrase{Field: "t", Text: "a b", Slop: 2}},
		{"prefix", "ab*", FlagAll, t1, Prefix{Field: "t", Value: "ab"}},
		{"fuzzy", "ab~1", FlagAll, t1, Fuzzy{Field: "t", Value: "ab", Fuzziness: 1}},
		{"fuzzy_auto", "ab~", FlagAll, t1, Fuzzy{Field: "t", Value: "ab", Fuzziness: Auto}},
		{"groups", "(a | b) + c", FlagAll, t1, Bool{Must: []Query{Bool{Should: []Query{m("t", "a"), m("t", "b")}}, m("t", "c")}}},
		{"escape", `a\+b`, FlagAll, t1, m("t", "a+b")},
		{"hyphen_inside_word", "wi-fi", FlagAll, t1, m("t", "wi-fi")},
		{"unclosed_phrase_is_text", `"a b`, FlagAll, t1, m("t", "a b")},
		{"unbalanced_parens_ignored", "a)", FlagAll, t1, m("t", "a")},
		{"unclosed_paren", "(a", FlagAll, t1, m("t", "a")},
		{"flags_none_is_text", `a+"b"`, FlagNone, t1, m("t", `a+"b"`)},
		{"no_prefix_flag", "ab*", FlagAll &^ FlagPrefix, t1, m("t", "ab*")},
		{"no_whitespace_flag", "a b", FlagAll &^ FlagWhitespace, t1, m("t", "a b")},
		{"many_fields", "a", FlagAll, QueryStringOptions{Fields: []string{"x^2", "y"}}, MultiMatch{Fields: []string{"x^2", "y"}, Text: "a"}},
		{"many_fields_prefix", "a*", FlagAll, QueryStringOptions{Fields: []string{"x^2", "y"}}, Bool{Should: []Query{Prefix{Field: "x", Value: "a", Boost: 2}, Prefix{Field: "y", Value: "a"}}}},
		{"empty", "", FlagAll, t1, MatchNone{}},
		{"only_operators", "+ | -", FlagAll, t1, MatchNone{}},
		{"star_alone_all_fields", "*", FlagAll, QueryStringOptions{}, MatchAll{}},
		{"minimum_should_match", "a b", FlagAll, QueryStringOptions{DefaultField: "t", MinimumShouldMatch: "100%"}, Bool{Should: []Query{m("t", "a"), m("t", "b")}, MinimumShouldMatch: "100%"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSimpleQueryString(c.q, c.flags, c.opt)
			if err != nil {
				t.Fatalf("ParseSimpleQueryString(%q): %v", c.q, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ParseSimpleQueryString(%q)\n got %#v\nwant %#v", c.q, got, c.want)
			}
		})
	}
	deep := strings.Repeat("(", 10_000) + "a" + strings.Repeat(")", 10_000)
	if _, err := ParseSimpleQueryString(deep, FlagAll, t1); err != nil {
		t.Fatalf("deep parentheses: %v", err)
	}
	if _, err := ParseSimpleQueryString(strings.Repeat("a ", MaxQueryStringClauses+1), FlagAll, t1); err == nil {
		t.Fatal("too many clauses accepted")
	}
}

func TestParseSimpleFlags(t *testing.T) {
	f, err := ParseSimpleFlags("OR|and|Prefix")
	if err != nil || f != FlagOr|FlagAnd|FlagPrefix {
		t.Fatalf("got %b, %v", f, err)
	}
	if f, _ := ParseSimpleFlags("NONE"); f != FlagNone {
		t.Fatalf("NONE = %b", f)
	}
	if f, _ := ParseSimpleFlags("ALL"); f != FlagAll {
		t.Fatalf("ALL = %b", f)
	}
	if _, err := ParseSimpleFlags("OR|FOO"); err == nil || !strings.Contains(err.Error(), "[FOO]") {
		t.Fatalf("unknown flag: %v", err)
	}
}

// TestQueryStringReferenceExamples parses every example of the query
// string syntax in Elasticsearch's reference, and checks the ones whose
// reading is not obvious.
func TestQueryStringReferenceExamples(t *testing.T) {
	examples := []string{
		`status:active`, `title:(quick OR brown)`, `author:"John Smith"`, `first\ name:Alice`, `book.\*:(quick OR brown)`,
		`_exists_:title`, `qu?ck bro*`, `name:/joh?n(ath[oa]n)/`, `quikc~ brwn~ foks~`, `quikc~1`, `"fox quick"~5`,
		`date:[2012-01-01 TO 2012-12-31]`, `count:[1 TO 5]`, `tag:{alpha TO omega}`, `count:[10 TO *]`, `date:{* TO 2012-01-01}`,
		`count:[1 TO 5}`, `age:>10`, `age:>=10`, `age:<10`, `age:<=10`, `age:(>=10 AND <20)`, `age:(+>=10 +<20)`,
		`quick^2 fox`, `"john smith"^2   (foo bar)^4`, `quick brown +fox -news`,
		`((quick AND fox) OR (brown AND fox) OR fox) AND NOT news`, `\(1\+1\)\=2`, `(content:this OR name:this) AND (content:that OR name:that)`,
	}
	for _, q := range examples {
		if _, err := ParseQueryString(q, QueryStringOptions{DefaultField: "content"}); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	checks := []struct {
		q    string
		want Query
	}{
		{`book.\*:(quick OR brown)`, Bool{Should: []Query{MultiMatch{Fields: []string{"book.*"}, Text: "quick"}, MultiMatch{Fields: []string{"book.*"}, Text: "brown"}}}},
		{`age:(>=10 AND <20)`, Bool{Must: []Query{Range{Field: "age", GTE: "10"}, Range{Field: "age", LT: "20"}}}},
		{`age:(+>=10 +<20)`, Bool{Must: []Query{Range{Field: "age", GTE: "10"}, Range{Field: "age", LT: "20"}}}},
		{`\(1\+1\)\=2`, Match{Field: "content", Text: "(1+1)=2"}},
		{`quick brown +fox -news`, Bool{Must: []Query{m("content", "fox")}, Should: []Query{m("content", "quick"), m("content", "brown")}, MustNot: []Query{m("content", "news")}}},
		{`((quick AND fox) OR (brown AND fox) OR fox) AND NOT news`, Bool{
			Must: []Query{Bool{Should: []Query{
				Bool{Must: []Query{m("content", "quick"), m("content", "fox")}},
				Bool{Must: []Query{m("content", "brown"), m("content", "fox")}},
				m("content", "fox"),
			}}},
			MustNot: []Query{m("content", "news")},
		}},
	}
	for _, c := range checks {
		got, err := ParseQueryString(c.q, QueryStringOptions{DefaultField: "content"})
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got %#v (%v)\nwant %#v", c.q, got, err, c.want)
		}
	}
}
