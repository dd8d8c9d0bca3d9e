package esdsl

import (
	"reflect"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
)

func parseQueryJSON(t *testing.T, body string) (search.Query, *Error) {
	t.Helper()
	n, err := parseJSON([]byte(body))
	if err != nil {
		return nil, err
	}
	return parseQuery(n, 0)
}

func TestQueries(t *testing.T) {
	cases := []struct {
		name string
		json string
		want search.Query
	}{
		{"match_all", `{"match_all":{}}`, search.MatchAll{}},
		{"match_all_boost", `{"match_all":{"boost":1.2}}`, search.MatchAll{Boost: 1.2}},
		{"match_none", `{"match_none":{}}`, search.MatchNone{}},
		{"match_short", `{"match":{"message":"this is a test"}}`, search.Match{Field: "message", Text: "this is a test"}},
		{"match_short_number", `{"match":{"code":404}}`, search.Match{Field: "code", Text: "404"}},
		{"match_long", `{"match":{"message":{"query":"to be or not","operator":"AND","minimum_should_match":"75%","fuzziness":"AUTO","prefix_length":1,"analyzer":"english","boost":2,"_name":"q1","lenient":true,"zero_terms_query":"none"}}}`,
			search.Match{Field: "message", Text: "to be or not", Operator: search.And, MinimumShouldMatch: "75%", Fuzziness: search.Auto, PrefixLength: 1, Analyzer: "english", Boost: 2}},
		{"match_msm_int", `{"match":{"m":{"query":"a b c","minimum_should_match":2}}}`, search.Match{Field: "m", Text: "a b c", MinimumShouldMatch: "2"}},
		{"match_fuzziness_number", `{"match":{"m":{"query":"x","fuzziness":2}}}`, search.Match{Field: "m", Text: "x", Fuzziness: 2}},
		{"match_phrase_short", `{"match_phrase":{"message":"this is a test"}}`, search.MatchPhrase{Field: "message", Text: "this is a test"}},
		{"match_phrase_long", `{"match_phrase":{"message":{"query":"a b","slop":2,"analyzer":"simple","boost":3}}}`, search.MatchPhrase{Field: "message", Text: "a b", Slop: 2, Analyzer: "simple", Boost: 3}},
		{"match_phrase_prefix", `{"match_phrase_prefix":{"message":{"query":"quick brown f","max_expansions":10,"slop":1}}}`, search.MatchPhrasePrefix{Field: "message", Text: "quick brown f", MaxExpansions: 10, Slop: 1}},
		{"multi_match", `{"multi_match":{"query":"this is a test","fields":["subject^3","message"]}}`, search.MultiMatch{Fields: []string{"subject^3", "message"}, Text: "this is a test"}},
		{"multi_match_one_field_string", `{"multi_match":{"query":"x","fields":"title"}}`, search.MultiMatch{Fields: []string{"title"}, Text: "x"}},
		{"multi_match_no_fields", `{"multi_match":{"query":"x"}}`, search.MultiMatch{Fields: []string{"*"}, Text: "x"}},
		{"multi_match_types", `{"multi_match":{"query":"x","type":"phrase","slop":2,"fields":["a","b"],"tie_breaker":0.3}}`, search.MultiMatch{Fields: []string{"a", "b"}, Text: "x", Type: search.Phrase, Slop: 2, TieBreaker: 0.3}},
		{"multi_match_cross", `{"multi_match":{"query":"x","type":"cross_fields","operator":"and","fields":["a"]}}`, search.MultiMatch{Fields: []string{"a"}, Text: "x", Type: search.CrossFields, Operator: search.And}},
		{"multi_match_most", `{"multi_match":{"query":"x","type":"most_fields","fields":["a"]}}`, search.MultiMatch{Fields: []string{"a"}, Text: "x", Type: search.MostFields}},
		{"multi_match_bool_prefix", `{"multi_match":{"query":"x","type":"bool_prefix","fields":["a"]}}`, search.MultiMatch{Fields: []string{"a"}, Text: "x", Type: search.BoolPrefix}},
		{"multi_match_phrase_prefix", `{"multi_match":{"query":"x","type":"phrase_prefix","fields":["a"]}}`, search.MultiMatch{Fields: []string{"a"}, Text: "x", Type: search.PhrasePrefix}},
		{"term_short", `{"term":{"user.id":"kimchy"}}`, search.Term{Field: "user.id", Value: "kimchy"}},
		{"term_number", `{"term":{"n":42}}`, search.Term{Field: "n", Value: int64(42)}},
		{"term_float", `{"term":{"n":4.5}}`, search.Term{Field: "n", Value: 4.5}},
		{"term_bool", `{"term":{"ok":true}}`, search.Term{Field: "ok", Value: true}},
		{"term_long", `{"term":{"user.id":{"value":"kimchy","boost":1.0,"case_insensitive":true}}}`, search.Term{Field: "user.id", Value: "kimchy", Boost: 1, CaseInsensitive: true}},
		{"terms", `{"terms":{"user.id":["kimchy","elkbee"],"boost":1.0}}`, search.Terms{Field: "user.id", Values: []search.Scalar{"kimchy", "elkbee"}, Boost: 1}},
		{"terms_numbers", `{"terms":{"n":[1,2.5]}}`, search.Terms{Field: "n", Values: []search.Scalar{int64(1), 2.5}}},
		{"range", `{"range":{"age":{"gte":10,"lte":20,"boost":2.0}}}`, search.Range{Field: "age", GTE: int64(10), LTE: int64(20), Boost: 2}},
		{"range_dates", `{"range":{"timestamp":{"gte":"now-1d/d","lt":"now/d","time_zone":"+01:00","format":"strict_date_optional_time"}}}`,
			search.Range{Field: "timestamp", GTE: "now-1d/d", LT: "now/d", TimeZone: "+01:00", Format: "strict_date_optional_time"}},
		{"range_from_to", `{"range":{"age":{"from":10,"to":20}}}`, search.Range{Field: "age", GTE: int64(10), LTE: int64(20)}},
		{"range_from_to_exclusive", `{"range":{"age":{"from":10,"to":20,"include_lower":false,"include_upper":false}}}`, search.Range{Field: "age", GT: int64(10), LT: int64(20)}},
		{"range_null_bound", `{"range":{"age":{"from":null,"to":20}}}`, search.Range{Field: "age", LTE: int64(20)}},
		{"bool", `{"bool":{"must":{"term":{"user.id":"kimchy"}},"filter":{"term":{"tags":"production"}},"must_not":{"range":{"age":{"gte":10,"lte":20}}},"should":[{"term":{"tags":"env1"}},{"term":{"tags":"deployed"}}],"minimum_should_match":1,"boost":1.0}}`,
			search.Bool{
				Must:               []search.Query{search.Term{Field: "user.id", Value: "kimchy"}},
				Filter:             []search.Query{search.Term{Field: "tags", Value: "production"}},
				MustNot:            []search.Query{search.Range{Field: "age", GTE: int64(10), LTE: int64(20)}},
				Should:             []search.Query{search.Term{Field: "tags", Value: "env1"}, search.Term{Field: "tags", Value: "deployed"}},
				MinimumShouldMatch: "1", Boost: 1,
			}},
		{"bool_empty", `{"bool":{}}`, search.Bool{}},
		{"prefix_short", `{"prefix":{"user.id":"ki"}}`, search.Prefix{Field: "user.id", Value: "ki"}},
		{"prefix_long", `{"prefix":{"user.id":{"value":"ki","case_insensitive":true,"boost":2}}}`, search.Prefix{Field: "user.id", Value: "ki", CaseInsensitive: true, Boost: 2}},
		{"wildcard", `{"wildcard":{"user.id":{"value":"ki*y","boost":1.0,"rewrite":"constant_score"}}}`, search.Wildcard{Field: "user.id", Value: "ki*y", Boost: 1}},
		{"wildcard_key", `{"wildcard":{"user.id":{"wildcard":"ki*y"}}}`, search.Wildcard{Field: "user.id", Value: "ki*y"}},
		{"regexp", `{"regexp":{"user.id":{"value":"k.*y","flags":"ALL","case_insensitive":true,"max_determinized_states":10000}}}`, search.Regexp{Field: "user.id", Value: "k.*y", CaseInsensitive: true}},
		{"fuzzy_short", `{"fuzzy":{"user.id":"ki"}}`, search.Fuzzy{Field: "user.id", Value: "ki", Fuzziness: search.Auto}},
		{"fuzzy_long", `{"fuzzy":{"user.id":{"value":"ki","fuzziness":"1","max_expansions":50,"prefix_length":0,"transpositions":true}}}`, search.Fuzzy{Field: "user.id", Value: "ki", Fuzziness: 1, MaxExpansions: 50}},
		{"exists", `{"exists":{"field":"user"}}`, search.Exists{Field: "user"}},
		{"exists_boost", `{"exists":{"field":"user","boost":2}}`, search.ConstantScore{Filter: search.Exists{Field: "user"}, Boost: 2}},
		{"ids", `{"ids":{"values":["0-1","2-100"]}}`, search.IDs{Values: []string{"0-1", "2-100"}}},
		{"constant_score", `{"constant_score":{"filter":{"term":{"user.id":"kimchy"}},"boost":1.2}}`, search.ConstantScore{Filter: search.Term{Field: "user.id", Value: "kimchy"}, Boost: 1.2}},
		{"query_string", `{"query_string":{"query":"(new york city) OR (big apple)","default_field":"content"}}`,
			search.Bool{Should: []search.Query{
				search.Bool{Should: []search.Query{search.Match{Field: "content", Text: "new"}, search.Match{Field: "content", Text: "york"}, search.Match{Field: "content", Text: "city"}}},
				search.Bool{Should: []search.Query{search.Match{Field: "content", Text: "big"}, search.Match{Field: "content", Text: "apple"}}},
			}}},
		{"query_string_fields", `{"query_string":{"query":"status:active AND x","fields":["a","b^2"],"default_operator":"AND","analyze_wildcard":true}}`,
			search.Bool{Must: []search.Query{search.Match{Field: "status", Text: "active", Operator: search.And}, search.MultiMatch{Fields: []string{"a", "b^2"}, Text: "x", Operator: search.And}}}},
		{"query_string_fuzzy_default_auto", `{"query_string":{"query":"ab~","default_field":"t"}}`, search.Fuzzy{Field: "t", Value: "ab", Fuzziness: search.Auto}},
		{"simple_query_string", `{"simple_query_string":{"query":"\"fried eggs\" +(eggplant | potato) -frittata","fields":["title^5","body"],"default_operator":"and"}}`,
			search.Bool{Must: []search.Query{
				search.MultiMatch{Fields: []string{"title^5", "body"}, Text: "fried eggs", Type: search.Phrase},
				search.Bool{Should: []search.Query{search.MultiMatch{Fields: []string{"title^5", "body"}, Text: "eggplant", Operator: search.And}, search.MultiMatch{Fields: []string{"title^5", "body"}, Text: "potato", Operator: search.And}}},
				search.Bool{Must: []search.Query{search.MatchAll{}}, MustNot: []search.Query{search.MultiMatch{Fields: []string{"title^5", "body"}, Text: "frittata", Operator: search.And}}},
			}}},
		{"simple_query_string_flags", `{"simple_query_string":{"query":"a+b","fields":["t"],"flags":"OR|NOT"}}`, search.Match{Field: "t", Text: "a+b"}},
		{"simple_query_string_int_flags", `{"simple_query_string":{"query":"a+b","fields":["t"],"flags":0}}`, search.Match{Field: "t", Text: "a+b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseQueryJSON(t, c.json)
			if err != nil {
				t.Fatalf("%s: %v", c.json, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("%s\n got %#v\nwant %#v", c.json, got, c.want)
			}
		})
	}
}
