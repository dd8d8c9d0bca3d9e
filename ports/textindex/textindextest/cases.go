package textindextest

import (
	"github.com/chronik-stream/chronik/domain/search"
)

// Case is one golden request.
type Case struct {
	Name string
	Req  search.Request
	// Scores: bleve's scores are defined the same as the oracle's for
	// this query (one term, tf-idf), so scores and score order are
	// compared too (within a tolerance).
	Scores bool
	// Empty: the case matches nothing in the golden corpus (else it
	// must match something, or it proves nothing).
	Empty bool
}

// all asks for every hit, so the hit sets can be compared whole.
func all(q search.Query) search.Request {
	return search.Request{Query: q, Size: 5000, TrackTotalHits: -1, Now: CorpusNow}
}

func sorted(q search.Query, size int, sorts ...search.Sort) search.Request {
	r := all(q)
	r.Size = size
	r.Sort = sorts
	return r
}

// GoldenCases lists the requests the golden test runs on both indexes:
// every query type of domain/search and every request option.
func GoldenCases() []Case {
	asc := func(f string) search.Sort { return search.Sort{Field: f} }
	desc := func(f string) search.Sort { return search.Sort{Field: f, Order: search.Desc} }
	cs := []Case{
		{Name: "match_all", Req: all(search.MatchAll{})},
		{Name: "match_all_nil_query", Req: all(nil)},
		{Name: "match_none", Req: all(search.MatchNone{}), Empty: true},
		{Name: "match_one_term", Req: all(search.Match{Field: "msg", Text: "timeout"}), Scores: true},
		{Name: "match_one_term_upper", Req: all(search.Match{Field: "msg", Text: "TIMEOUT"}), Scores: true},
		{Name: "match_numeric_token", Req: all(search.Match{Field: "msg", Text: "3.14"}), Scores: true},
		{Name: "match_version_token", Req: all(search.Match{Field: "msg", Text: "v1.2"}), Scores: true},
		{Name: "match_underscore_token", Req: all(search.Match{Field: "msg", Text: "user_17"}), Scores: true},
		{Name: "match_or", Req: all(search.Match{Field: "msg", Text: "connection refused"}), Scores: true},
		{Name: "match_and", Req: all(search.Match{Field: "msg", Text: "connection refused", Operator: search.And}), Scores: true},
		{Name: "match_msm_2", Req: all(search.Match{Field: "msg", Text: "disk full cache miss", MinimumShouldMatch: "2"}), Scores: true},
		{Name: "match_msm_75pct", Req: all(search.Match{Field: "msg", Text: "disk full cache miss", MinimumShouldMatch: "75%"}), Scores: true},
		{Name: "match_msm_neg1", Req: all(search.Match{Field: "msg", Text: "quick brown fox", MinimumShouldMatch: "-1"}), Scores: true},
		{Name: "match_msm_cond", Req: all(search.Match{Field: "msg", Text: "quick brown fox lazy dog", MinimumShouldMatch: "2<-25%"}), Scores: true},
		{Name: "match_msm_too_many", Req: all(search.Match{Field: "msg", Text: "quick brown", MinimumShouldMatch: "3"}), Empty: true},
		{Name: "match_fuzzy_1", Req: all(search.Match{Field: "msg", Text: "eror", Fuzziness: 1})},
		{Name: "match_fuzzy_auto", Req: all(search.Match{Field: "msg", Text: "conection timout", Fuzziness: search.Auto})},
		{Name: "match_fuzzy_prefix", Req: all(search.Match{Field: "msg", Text: "errr", Fuzziness: 2, PrefixLength: 2})},
		{Name: "match_duplicate_terms", Req: all(search.Match{Field: "msg", Text: "dog dog", MinimumShouldMatch: "2"}), Scores: true},
		{Name: "match_punctuation_only", Req: all(search.Match{Field: "msg", Text: "- / ,"}), Empty: true},
		{Name: "match_keyword_field", Req: all(search.Match{Field: "level", Text: "WARN"}), Scores: true},
		{Name: "match_long_field", Req: all(search.Match{Field: "status", Text: "404"})},
		{Name: "match_unmapped", Req: all(search.Match{Field: "nope", Text: "error"}), Empty: true},
		{Name: "match_analyzer_override", Req: all(search.Match{Field: "msg", Text: "ERROR", Analyzer: "keyword"}), Empty: true},
		{Name: "match_english_stem", Req: all(search.Match{Field: "title", Text: "connections"}), Scores: true},
		{Name: "match_english_stop", Req: all(search.Match{Field: "title", Text: "the requests", Operator: search.And}), Scores: true},
		{Name: "match_simple_letters", Req: all(search.Match{Field: "code", Text: "ABC"}), Scores: true},
		{Name: "match_whitespace_case", Req: all(search.Match{Field: "raw", Text: "Foo-Bar"}), Scores: true},
		{Name: "match_whitespace_case_miss", Req: all(search.Match{Field: "raw", Text: "FOO-BAR"}), Empty: true},
		{Name: "phrase", Req: all(search.MatchPhrase{Field: "msg", Text: "connection refused"})},
		{Name: "phrase_three", Req: all(search.MatchPhrase{Field: "msg", Text: "quick brown fox"})},
		{Name: "phrase_one_term", Req: all(search.MatchPhrase{Field: "msg", Text: "lazy"})},
		{Name: "phrase_stop_gap", Req: all(search.MatchPhrase{Field: "title", Text: "connect the request"})},
		{Name: "phrase_keyword", Req: all(search.MatchPhrase{Field: "host", Text: "host-07"})},
		{Name: "phrase_prefix", Req: all(search.MatchPhrasePrefix{Field: "msg", Text: "connection re"})},
		{Name: "phrase_prefix_one", Req: all(search.MatchPhrasePrefix{Field: "msg", Text: "err"})},
		{Name: "phrase_prefix_max_exp", Req: all(search.MatchPhrasePrefix{Field: "msg", Text: "the c", MaxExpansions: 2})},
		{Name: "multi_match_best", Req: all(search.MultiMatch{Fields: []string{"msg", "title^2"}, Text: "timeout request"})},
		{Name: "multi_match_most_and", Req: all(search.MultiMatch{Fields: []string{"msg", "title"}, Text: "timeout request", Type: search.MostFields, Operator: search.And})},
		{Name: "multi_match_pattern", Req: all(search.MultiMatch{Fields: []string{"ms*"}, Text: "lazy"})},
		{Name: "multi_match_all_fields", Req: all(search.MultiMatch{Text: "WARN"})},
		{Name: "multi_match_phrase", Req: all(search.MultiMatch{Fields: []string{"msg", "title"}, Text: "cache miss", Type: search.Phrase})},
		{Name: "multi_match_phrase_prefix", Req: all(search.MultiMatch{Fields: []string{"msg"}, Text: "cache mi", Type: search.PhrasePrefix})},
		{Name: "multi_match_bool_prefix", Req: all(search.MultiMatch{Fields: []string{"msg"}, Text: "quick bro", Type: search.BoolPrefix, Operator: search.And})},
		{Name: "multi_match_fuzzy", Req: all(search.MultiMatch{Fields: []string{"msg"}, Text: "paymnt", Fuzziness: search.Auto})},
		{Name: "term_keyword", Req: all(search.Term{Field: "level", Value: "ERROR"}), Scores: true},
		{Name: "term_keyword_case_insensitive", Req: all(search.Term{Field: "level", Value: "info", CaseInsensitive: true})},
		{Name: "term_text_term", Req: all(search.Term{Field: "msg", Value: "payment"}), Scores: true},
		{Name: "term_text_not_analyzed", Req: all(search.Term{Field: "msg", Value: "Payment"}), Empty: true},
		{Name: "term_long", Req: all(search.Term{Field: "status", Value: int64(500)})},
		{Name: "term_long_string", Req: all(search.Term{Field: "status", Value: "503"})},
		{Name: "term_double", Req: all(search.Term{Field: "latency", Value: 12.5})},
		{Name: "term_bool", Req: all(search.Term{Field: "ok", Value: true})},
		{Name: "term_bool_string", Req: all(search.Term{Field: "ok", Value: "false"})},
		{Name: "term_date_day", Req: all(search.Term{Field: "ts", Value: "2026-03-18"})},
		{Name: "term_multi_valued", Req: all(search.Term{Field: "tags", Value: "prod"}), Scores: true},
		{Name: "term_object_path", Req: all(search.Term{Field: "user.name", Value: "user7"})},
		{Name: "term_id", Req: all(search.Term{Field: search.FieldID, Value: "0-17"})},
		{Name: "term_metadata_key", Req: all(search.Term{Field: search.FieldKey, Value: "key-5"})},
		{Name: "term_partition", Req: all(search.Term{Field: search.FieldPartition, Value: int64(1)})},
		{Name: "terms_keyword", Req: all(search.Terms{Field: "host", Values: []search.Scalar{"host-01", "host-02", "host-19"}})},
		{Name: "terms_long", Req: all(search.Terms{Field: "counts", Values: []search.Scalar{int64(-3), int64(7), int64(30)}})},
		{Name: "range_long", Req: all(search.Range{Field: "status", GTE: int64(300), LT: int64(500)})},
		{Name: "range_long_gt_lte", Req: all(search.Range{Field: "status", GT: int64(204), LTE: int64(404)})},
		{Name: "range_double", Req: all(search.Range{Field: "latency", GT: 100.5, LT: 200.25})},
		{Name: "range_multi_valued", Req: all(search.Range{Field: "counts", GTE: int64(35)})},
		{Name: "range_date_abs", Req: all(search.Range{Field: "ts", GTE: "2026-03-17T12:00:00Z", LT: "2026-03-17T18:00:00Z"})},
		{Name: "range_date_math", Req: all(search.Range{Field: "ts", GTE: "now-3h", LTE: "now"})},
		{Name: "range_date_round", Req: all(search.Range{Field: "ts", GT: "now-1d/d", LT: "now/h"})},
		{Name: "range_date_partial_lte", Req: all(search.Range{Field: "ts", LTE: "2026-03-17"})},
		{Name: "range_date_epoch", Req: all(search.Range{Field: "ts", GTE: CorpusNow.Add(-2 * 3600e9).UnixMilli()})},
		{Name: "range_date_tz", Req: all(search.Range{Field: "ts", GTE: "2026-03-17T20:00:00", TimeZone: "+02:00"})},
		{Name: "range_date_format", Req: all(search.Range{Field: "ts", GTE: "1773720000", Format: "epoch_second"})},
		{Name: "range_timestamp", Req: all(search.Range{Field: search.FieldTimestamp, LT: "now-20h"})},
		{Name: "range_keyword", Req: all(search.Range{Field: "host", GTE: "host-05", LT: "host-09"})},
		{Name: "range_text_terms", Req: all(search.Range{Field: "msg", GT: "s", LTE: "t"})},
		{Name: "range_offset", Req: all(search.Range{Field: search.FieldOffset, GTE: int64(100), LT: int64(120)})},
		{Name: "bool_must_filter", Req: all(search.Bool{Must: []search.Query{search.Match{Field: "msg", Text: "error"}}, Filter: []search.Query{search.Term{Field: "level", Value: "ERROR"}}})},
		{Name: "bool_should_default_one", Req: all(search.Bool{Should: []search.Query{search.Term{Field: "level", Value: "WARN"}, search.Term{Field: "status", Value: int64(500)}}})},
		{Name: "bool_should_msm2", Req: all(search.Bool{Should: []search.Query{search.Term{Field: "level", Value: "WARN"}, search.Term{Field: "status", Value: int64(500)}, search.Term{Field: "ok", Value: true}}, MinimumShouldMatch: "2"})},
		{Name: "bool_must_optional_should", Req: all(search.Bool{Must: []search.Query{search.Term{Field: "host", Value: "host-03"}}, Should: []search.Query{search.Match{Field: "msg", Text: "dog"}}})},
		{Name: "bool_filter_optional_should", Req: all(search.Bool{Filter: []search.Query{search.Term{Field: "host", Value: "host-03"}}, Should: []search.Query{search.Match{Field: "msg", Text: "dog"}}})},
		{Name: "bool_filter_should_msm1", Req: all(search.Bool{Filter: []search.Query{search.Term{Field: "host", Value: "host-03"}}, Should: []search.Query{search.Match{Field: "msg", Text: "dog"}}, MinimumShouldMatch: "1"})},
		{Name: "bool_must_not_only", Req: all(search.Bool{MustNot: []search.Query{search.Exists{Field: "level"}}})},
		{Name: "bool_filter_only", Req: all(search.Bool{Filter: []search.Query{search.Range{Field: "status", GTE: int64(500)}}})},
		{Name: "bool_empty", Req: all(search.Bool{})},
		{Name: "bool_nested", Req: all(search.Bool{Must: []search.Query{
			search.Bool{Should: []search.Query{search.Match{Field: "msg", Text: "fox"}, search.Match{Field: "title", Text: "timeouts"}}},
			search.Bool{MustNot: []search.Query{search.Term{Field: "tags", Value: "canary"}}},
		}, Filter: []search.Query{search.Range{Field: "ts", GTE: "now-12h"}}})},
		{Name: "bool_msm_over", Req: all(search.Bool{Should: []search.Query{search.MatchAll{}}, MinimumShouldMatch: "2"}), Empty: true},
		{Name: "prefix_text", Req: all(search.Prefix{Field: "msg", Value: "con"})},
		{Name: "prefix_keyword", Req: all(search.Prefix{Field: "host", Value: "host-1"})},
		{Name: "prefix_case_insensitive", Req: all(search.Prefix{Field: "level", Value: "In", CaseInsensitive: true})},
		{Name: "wildcard", Req: all(search.Wildcard{Field: "msg", Value: "e*r?"})},
		{Name: "wildcard_keyword", Req: all(search.Wildcard{Field: "host", Value: "host-?5"})},
		{Name: "wildcard_ci", Req: all(search.Wildcard{Field: "tags", Value: "PR*", CaseInsensitive: true})},
		{Name: "regexp", Req: all(search.Regexp{Field: "msg", Value: "err(or|o)s?"})},
		{Name: "regexp_class", Req: all(search.Regexp{Field: "host", Value: "host-0[1-4]"})},
		{Name: "regexp_repeat", Req: all(search.Regexp{Field: "code", Value: "[a-f]{3}"})},
		{Name: "regexp_literal_caret", Req: all(search.Regexp{Field: "msg", Value: "^error"}), Empty: true},
		{Name: "regexp_ci", Req: all(search.Regexp{Field: "level", Value: "warn", CaseInsensitive: true})},
		{Name: "fuzzy", Req: all(search.Fuzzy{Field: "msg", Value: "erorr", Fuzziness: search.Auto})},
		{Name: "fuzzy_transposition", Req: all(search.Fuzzy{Field: "msg", Value: "rerty", Fuzziness: 1})},
		{Name: "fuzzy_keyword_prefix", Req: all(search.Fuzzy{Field: "host", Value: "host-1", Fuzziness: 1, PrefixLength: 5})},
		{Name: "fuzzy_max_expansions", Req: all(search.Fuzzy{Field: "host", Value: "host-10", Fuzziness: 2, MaxExpansions: 3})},
		{Name: "exists", Req: all(search.Exists{Field: "latency"})},
		{Name: "exists_object", Req: all(search.Exists{Field: "user"})},
		{Name: "exists_multi", Req: all(search.Exists{Field: "tags"})},
		{Name: "exists_id", Req: all(search.Exists{Field: search.FieldID})},
		{Name: "exists_unmapped", Req: all(search.Exists{Field: "nope"}), Empty: true},
		{Name: "ids", Req: all(search.IDs{Values: []string{"0-1", "0-2", "1-3", "0-99999", "junk"}})},
		{Name: "constant_score", Req: all(search.ConstantScore{Filter: search.Term{Field: "level", Value: "WARN"}, Boost: 2})},
		// sorting, paging and options
		{Name: "sort_keyword_asc", Req: sorted(search.MatchAll{}, 200, asc("host"), asc(search.SortDoc))},
		{Name: "sort_keyword_desc_missing", Req: sorted(search.MatchAll{}, 300, desc("level"), asc(search.SortDoc))},
		{Name: "sort_missing_first", Req: sorted(search.MatchAll{}, 300, search.Sort{Field: "latency", Missing: "_first"})},
		{Name: "sort_long_desc", Req: sorted(search.Match{Field: "msg", Text: "error"}, 100, desc("status"), desc(search.SortDoc))},
		{Name: "sort_double", Req: sorted(search.MatchAll{}, 100, asc("latency"))},
		{Name: "sort_date_desc", Req: sorted(search.MatchAll{}, 50, desc("ts"))},
		{Name: "sort_bool", Req: sorted(search.MatchAll{}, 100, asc("ok"), desc(search.SortDoc))},
		{Name: "sort_multi_valued_min", Req: sorted(search.Exists{Field: "counts"}, 100, asc("counts"))},
		{Name: "sort_multi_valued_max", Req: sorted(search.Exists{Field: "counts"}, 100, desc("counts"))},
		{Name: "sort_multi_valued_mode_max_asc", Req: sorted(search.Exists{Field: "counts"}, 100, search.Sort{Field: "counts", Mode: "max"})},
		{Name: "sort_doc", Req: sorted(search.Term{Field: "ok", Value: true}, 100, asc(search.SortDoc))},
		{Name: "sort_doc_desc", Req: sorted(search.MatchAll{}, 20, desc(search.SortDoc))},
		{Name: "sort_id", Req: sorted(search.MatchAll{}, 30, asc(search.FieldID))},
		{Name: "sort_score_then_doc", Req: sorted(search.Match{Field: "msg", Text: "lazy"}, 100, desc(search.SortScore), asc(search.SortDoc)), Scores: true},
		{Name: "from_size", Req: func() search.Request {
			r := sorted(search.MatchAll{}, 25, asc("host"), asc(search.SortDoc))
			r.From = 40
			return r
		}()},
		{Name: "size_zero", Req: func() search.Request { r := all(search.Match{Field: "msg", Text: "dog"}); r.Size = 0; return r }()},
		{Name: "track_total_hits_bound", Req: func() search.Request { r := all(search.MatchAll{}); r.TrackTotalHits = 100; return r }()},
		{Name: "track_total_hits_off", Req: func() search.Request { r := all(search.MatchAll{}); r.TrackTotalHits = 0; return r }()},
		{Name: "source_includes", Req: func() search.Request {
			r := sorted(search.MatchAll{}, 20, asc(search.SortDoc))
			r.Source = search.SourceFilter{Includes: []string{"msg", "user.*"}}
			return r
		}()},
		{Name: "source_excludes", Req: func() search.Request {
			r := sorted(search.MatchAll{}, 20, asc(search.SortDoc))
			r.Source = search.SourceFilter{Excludes: []string{"secret", "u*"}}
			return r
		}()},
		{Name: "source_disabled", Req: func() search.Request {
			r := sorted(search.MatchAll{}, 5, asc(search.SortDoc))
			r.Source = search.SourceFilter{Disabled: true}
			return r
		}()},
		{Name: "highlight", Req: func() search.Request {
			r := sorted(search.Bool{Must: []search.Query{search.Match{Field: "msg", Text: "connection timeout"}}, Should: []search.Query{search.Prefix{Field: "msg", Value: "ref"}}}, 50, asc(search.SortDoc))
			r.Highlight = &search.Highlight{Fields: []string{"msg", "title"}, FragmentSize: 30}
			return r
		}()},
		{Name: "aggregations", Req: func() search.Request {
			r := all(search.Match{Field: "msg", Text: "error timeout"})
			r.Size = 10
			r.Aggs = []search.Aggregation{
				{Name: "by_level", Kind: search.AggTerms, Field: "level", Subs: []search.Aggregation{{Name: "lat", Kind: search.AggAvg, Field: "latency"}}},
				{Name: "by_hour", Kind: search.AggDateHistogram, Field: "ts", CalendarInterval: "hour"},
				{Name: "status", Kind: search.AggStats, Field: "status"},
				{Name: "counts", Kind: search.AggSum, Field: "counts"},
				{Name: "ok", Kind: search.AggTerms, Field: "ok"},
				{Name: "warn", Kind: search.AggFilter, Filter: search.Term{Field: "level", Value: "WARN"}},
			}
			return r
		}()},
		// terms aggregations alone over keyword fields: bleveindex counts
		// them from its term dictionaries instead of document by document
		{Name: "terms_only_all_docs", Req: func() search.Request {
			r := all(search.MatchAll{})
			r.Size = 0
			r.Aggs = []search.Aggregation{
				{Name: "by_level", Kind: search.AggTerms, Field: "level"},
				{Name: "by_tag", Kind: search.AggTerms, Field: "tags", Size: 3},
				{Name: "by_msg", Kind: search.AggTerms, Field: "msg.keyword", Size: 5, Order: []search.BucketOrder{{By: "_key"}}},
				{Name: "by_user", Kind: search.AggTerms, Field: "user.name", MinDocCount: 3},
			}
			return r
		}()},
		{Name: "terms_only_match", Req: func() search.Request {
			r := all(search.Match{Field: "msg", Text: "error timeout"})
			r.Size = 10
			r.Aggs = []search.Aggregation{
				{Name: "by_level", Kind: search.AggTerms, Field: "level"},
				{Name: "by_tag", Kind: search.AggTerms, Field: "tags", Size: 2, ShardSize: 2},
				{Name: "by_host", Kind: search.AggTerms, Field: "host", Order: []search.BucketOrder{{By: "_count", Order: search.Asc}}},
				{Name: "by_level_again", Kind: search.AggTerms, Field: "level", Size: 1},
			}
			return r
		}()},
		{Name: "terms_only_filtered_bool", Req: func() search.Request {
			r := all(search.Bool{Filter: []search.Query{search.Term{Field: "level", Value: "ERROR"}}, MustNot: []search.Query{search.Match{Field: "msg", Text: "timeout"}}})
			r.Size = 0
			r.Aggs = []search.Aggregation{{Name: "by_tag", Kind: search.AggTerms, Field: "tags"}}
			return r
		}()},
		{Name: "highlight_tags_keyword", Req: func() search.Request {
			r := sorted(search.Bool{Should: []search.Query{search.Term{Field: "level", Value: "ERROR"}, search.Match{Field: "title", Text: "started"}}}, 50, asc(search.SortDoc))
			r.Highlight = &search.Highlight{Fields: []string{"*"}, PreTags: []string{"["}, PostTags: []string{"]"}, NumberOfFragments: 1}
			return r
		}()},
	}
	return cs
}

// ErrorCases are requests both adapters must refuse with the same
// port error.
func ErrorCases() []Case {
	deep := search.Query(search.MatchAll{})
	for i := 0; i < search.MaxQueryDepth+5; i++ {
		deep = search.Bool{Must: []search.Query{deep}}
	}
	return []Case{
		{Name: "regexp_blowup", Req: all(search.Regexp{Field: "msg", Value: "(a{100}){100}"})},
		{Name: "regexp_bad", Req: all(search.Regexp{Field: "msg", Value: "[a-"})},
		{Name: "regexp_unsupported_operator", Req: all(search.Regexp{Field: "msg", Value: "a~b"})},
		{Name: "regexp_numeric_field", Req: all(search.Regexp{Field: "status", Value: "5.*"})},
		{Name: "fuzziness_3", Req: all(search.Fuzzy{Field: "msg", Value: "error", Fuzziness: 3})},
		{Name: "match_fuzziness_3", Req: all(search.Match{Field: "msg", Text: "error", Fuzziness: 3})},
		{Name: "phrase_slop", Req: all(search.MatchPhrase{Field: "msg", Text: "quick fox", Slop: 1})},
		{Name: "deep_bool", Req: all(deep)},
		{Name: "window_too_large", Req: func() search.Request { r := all(search.MatchAll{}); r.From, r.Size = 9990, 20; return r }()},
		{Name: "negative_size", Req: func() search.Request { r := all(search.MatchAll{}); r.Size = -1; return r }()},
		{Name: "bad_date_math", Req: all(search.Range{Field: "ts", GTE: "now-1x"})},
		{Name: "bad_number", Req: all(search.Term{Field: "status", Value: "abc"})},
		{Name: "range_on_bool", Req: all(search.Range{Field: "ok", GTE: "a"})},
		{Name: "bad_msm", Req: all(search.Match{Field: "msg", Text: "a b", MinimumShouldMatch: "x"})},
		{Name: "sort_text", Req: sorted(search.MatchAll{}, 10, search.Sort{Field: "msg"})},
		{Name: "sort_unmapped", Req: sorted(search.MatchAll{}, 10, search.Sort{Field: "nope"})},
		{Name: "sort_mode_avg", Req: sorted(search.MatchAll{}, 10, search.Sort{Field: "counts", Mode: "avg"})},
		{Name: "search_after_without_sort", Req: func() search.Request {
			r := all(search.MatchAll{})
			r.SearchAfter = []search.Scalar{int64(1)}
			return r
		}()},
		{Name: "search_after_wrong_type", Req: func() search.Request {
			r := sorted(search.MatchAll{}, 10, search.Sort{Field: "status"})
			r.SearchAfter = []search.Scalar{"abc"}
			return r
		}()},
		{Name: "not_indexed_field", Req: all(search.Term{Field: "secret", Value: "s3cr3t"})},
		{Name: "unknown_analyzer", Req: all(search.Match{Field: "msg", Text: "a", Analyzer: "klingon"})},
		{Name: "cross_fields", Req: all(search.MultiMatch{Fields: []string{"msg"}, Text: "a", Type: search.CrossFields})},
	}
}
