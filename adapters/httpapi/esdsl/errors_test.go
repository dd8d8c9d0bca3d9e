package esdsl

import (
	"encoding/json"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

// esError is Elasticsearch's error body as clients read it.
type esError struct {
	Error struct {
		RootCause []struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"root_cause"`
		Type     string `json:"type"`
		Reason   string `json:"reason"`
		Line     int    `json:"line"`
		Col      int    `json:"col"`
		CausedBy *struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"caused_by"`
	} `json:"error"`
	Status int `json:"status"`
}

func decodeError(t *testing.T, e *Error) esError {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out esError
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return out
}

func TestRefusals(t *testing.T) {
	deepBool := `{"query":` + strings.Repeat(`{"bool":{"must":`, 40) + `{"match_all":{}}` + strings.Repeat(`}}`, 40) + `}`
	cases := []struct {
		name     string
		body     string
		params   string
		typ      string // top-level type
		rootType string
		reason   string // in the root cause's reason
	}{
		{"truncated_json", `{"query": {"match_all": {}}`, "", TypeXContentParse, TypeXContentParse, "Unexpected end-of-input"},
		{"trailing_comma", `{"query": {"match_all": {}},}`, "", TypeXContentParse, TypeXContentParse, "[1:29]"},
		{"not_json", `size=10`, "", TypeXContentParse, TypeXContentParse, "invalid character"},
		{"two_values", `{} {}`, "", TypeXContentParse, TypeXContentParse, "Unexpected content"},
		{"not_an_object", `[1]`, "", TypeParsing, TypeParsing, "Expected [START_OBJECT] but found [START_ARRAY]"},
		{"duplicate_key", `{"query":{"match_all":{}},"query":{"match_all":{}}}`, "", TypeXContentParse, TypeXContentParse, "Duplicate field 'query'"},
		{"unknown_query", `{"query":{"foo":{}}}`, "", TypeParsing, TypeParsing, "unknown query [foo]"},
		{"match_two_fields", `{"query":{"match":{"a":"x","b":"y"}}}`, "", TypeParsing, TypeParsing, "[match] query doesn't support multiple fields, found [a] and [b]"},
		{"match_unknown_option", `{"query":{"match":{"a":{"query":"x","foo":1}}}}`, "", TypeParsing, TypeParsing, "[match] query does not support [foo]"},
		{"match_without_query", `{"query":{"match":{"a":{"operator":"and"}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "[match] requires query value"},
		{"two_queries_in_one", `{"query":{"match":{"a":"x"},"term":{"b":"y"}}}`, "", TypeParsing, TypeParsing, "[match] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"},
		{"empty_query", `{"query":{}}`, "", TypeParsing, TypeParsing, "query malformed, empty clause found"},
		{"nested_query", `{"query":{"nested":{"path":"a","query":{"match_all":{}}}}}`, "", TypeParsing, TypeParsing, "[nested] query is not supported"},
		{"script_query", `{"query":{"script":{"script":"1"}}}`, "", TypeParsing, TypeParsing, "[script] query is not supported"},
		{"function_score", `{"query":{"function_score":{}}}`, "", TypeParsing, TypeParsing, "[function_score] query is not supported"},
		{"geo_query", `{"query":{"geo_distance":{}}}`, "", TypeParsing, TypeParsing, "[geo_distance] query is not supported"},
		{"term_array", `{"query":{"term":{"a":["x"]}}}`, "", TypeParsing, TypeParsing, "[term] query does not support array of values"},
		{"term_two_fields", `{"query":{"term":{"a":"x","b":"y"}}}`, "", TypeParsing, TypeParsing, "[term] query doesn't support multiple fields, found [a] and [b]"},
		{"terms_two_fields", `{"query":{"terms":{"a":["x"],"b":["y"]}}}`, "", TypeParsing, TypeParsing, "[terms] query does not support multiple fields"},
		{"terms_lookup", `{"query":{"terms":{"a":{"index":"i","id":"1","path":"p"}}}}`, "", TypeParsing, TypeParsing, "lookup"},
		{"range_short_form", `{"query":{"range":{"a":5}}}`, "", TypeParsing, TypeParsing, "[range] query does not support [a]"},
		{"range_unknown", `{"query":{"range":{"a":{"gte":1,"foo":2}}}}`, "", TypeParsing, TypeParsing, "[range] query does not support [foo]"},
		{"bool_unknown", `{"query":{"bool":{"must":[],"foo":1}}}`, "", TypeParsing, TypeParsing, "[bool] query does not support [foo]"},
		{"match_all_unknown", `{"query":{"match_all":{"foo":1}}}`, "", TypeXContentParse, TypeXContentParse, "[match_all] unknown field [foo]"},
		{"ids_unknown", `{"query":{"ids":{"type":"x"}}}`, "", TypeXContentParse, TypeXContentParse, "[ids] unknown field [type]"},
		{"exists_without_field", `{"query":{"exists":{}}}`, "", TypeParsing, TypeParsing, "[exists] must be provided with a [field]"},
		{"constant_score_without_filter", `{"query":{"constant_score":{"boost":1}}}`, "", TypeParsing, TypeParsing, "requires a 'filter' element"},
		{"multi_match_bad_type", `{"query":{"multi_match":{"query":"x","type":"foo"}}}`, "", TypeParse, TypeParse, "failed to parse [multi_match] query type [foo]. unknown type."},
		{"bad_fuzziness", `{"query":{"match":{"a":{"query":"x","fuzziness":3}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "Valid edit distances are [0, 1, 2] but was [3]"},
		{"bad_operator", `{"query":{"match":{"a":{"query":"x","operator":"xor"}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "operator"},
		{"wrong_type_boost", `{"query":{"match_all":{"boost":"high"}}}`, "", TypeXContentParse, TypeXContentParse, "[match_all] failed to parse field [boost]"},
		{"deep_bool", deepBool, "", TypeXContentParse, TypeIllegalArgument, "The nested depth of the query exceeds the maximum nested depth for bool queries"},
		{"query_string_syntax", `{"query":{"query_string":{"query":"a AND"}}}`, "", TypeSearchPhase, TypeQueryShard, "Failed to parse query [a AND]"},
		{"query_string_unknown", `{"query":{"query_string":{"query":"a","quote_field_suffix":".exact"}}}`, "", TypeParsing, TypeParsing, "[query_string] query does not support [quote_field_suffix]"},
		{"simple_query_string_bad_flag", `{"query":{"simple_query_string":{"query":"a","flags":"FOO"}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "[FOO]"},
		{"unknown_body_object", `{"foo":{}}`, "", TypeParsing, TypeParsing, "Unknown key for a START_OBJECT in [foo]."},
		{"unknown_body_string", `{"foo":"x"}`, "", TypeParsing, TypeParsing, "Unknown key for a VALUE_STRING in [foo]."},
		{"post_filter", `{"post_filter":{"match_all":{}}}`, "", TypeParsing, TypeParsing, "[post_filter] is not supported"},
		{"script_fields", `{"script_fields":{}}`, "", TypeParsing, TypeParsing, "[script_fields] is not supported"},
		{"explain_true", `{"explain":true}`, "", TypeParsing, TypeParsing, "[explain] is not supported"},
		{"negative_size", `{"size":-1}`, "", TypeIllegalArgument, TypeIllegalArgument, "[size] parameter cannot be negative, found [-1]"},
		{"size_not_a_number", `{"size":"ten"}`, "", TypeXContentParse, TypeXContentParse, "failed to parse field [size]"},
		{"result_window", `{"from":9990,"size":11}`, "", TypeSearchPhase, TypeIllegalArgument, "Result window is too large, from + size must be less than or equal to: [10000] but was [10001]"},
		{"result_window_params", ``, "size=10001", TypeSearchPhase, TypeIllegalArgument, "but was [10001]"},
		{"bad_timeout", `{"timeout":"5x"}`, "", TypeParse, TypeParse, "failed to parse setting [timeout] with value [5x]"},
		{"search_after_mismatch", `{"sort":["a","b"],"search_after":[1]}`, "", TypeIllegalArgument, TypeIllegalArgument, "search_after has 1 value(s) but sort has 2"},
		{"search_after_with_from", `{"from":5,"sort":["a"],"search_after":[1]}`, "", TypeIllegalArgument, TypeIllegalArgument, "`from` parameter must be set to 0"},
		{"geo_sort", `{"sort":[{"_geo_distance":{}}]}`, "", TypeParsing, TypeParsing, "[_geo_distance] sort is not supported"},
		{"bad_sort_order", `{"sort":[{"a":"up"}]}`, "", TypeIllegalArgument, TypeIllegalArgument, "Unknown SortOrder [up]"},
		{"sort_unknown_option", `{"sort":[{"a":{"order":"asc","foo":1}}]}`, "", TypeXContentParse, TypeXContentParse, "[field_sort] unknown field [foo]"},
		{"sort_custom_missing", `{"sort":[{"a":{"missing":0}}]}`, "", TypeParsing, TypeParsing, "[missing] values other than _last and _first"},
		{"highlight_unknown", `{"highlight":{"fields":{"a":{}},"foo":1}}`, "", TypeXContentParse, TypeXContentParse, "[highlight] unknown field [foo]"},
		{"unknown_agg", `{"aggs":{"x":{"term":{"field":"a"}}}}`, "", TypeParsing, TypeParsing, "Unknown aggregation type [term] did you mean [terms]?"},
		{"unsupported_agg", `{"aggs":{"x":{"composite":{}}}}`, "", TypeParsing, TypeParsing, "aggregation type [composite] is not supported"},
		{"agg_unknown_option", `{"aggs":{"x":{"terms":{"field":"a","foo":1}}}}`, "", TypeXContentParse, TypeXContentParse, "[terms] unknown field [foo]"},
		{"agg_two_types", `{"aggs":{"x":{"terms":{"field":"a"},"avg":{"field":"b"}}}}`, "", TypeParsing, TypeParsing, "Found two aggregation type definitions in [x]: [terms] and [avg]"},
		{"agg_meta", `{"aggs":{"x":{"avg":{"field":"b"},"meta":{"k":1}}}}`, "", TypeParsing, TypeParsing, "[meta] of aggregation [x] is not supported"},
		{"agg_no_type", `{"aggs":{"x":{}}}`, "", TypeParsing, TypeParsing, "Missing definition for aggregation [x]"},
		{"agg_bad_name", `{"aggs":{"a>b":{"avg":{"field":"b"}}}}`, "", TypeParsing, TypeParsing, "Invalid aggregation name [a>b]"},
		{"agg_subs_on_metric", `{"aggs":{"x":{"avg":{"field":"a"},"aggs":{"y":{"max":{"field":"b"}}}}}}`, "", "aggregation_initialization_exception", "aggregation_initialization_exception", "Aggregator [x] of type [avg] cannot accept sub-aggregations"},
		{"agg_without_field", `{"aggs":{"x":{"avg":{}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "Required one of fields [field, script]"},
		{"agg_script", `{"aggs":{"x":{"avg":{"script":"doc.a"}}}}`, "", TypeParsing, TypeParsing, "Chronik runs no scripts"},
		{"date_histogram_interval_removed", `{"aggs":{"x":{"date_histogram":{"field":"t","interval":"1d"}}}}`, "", TypeXContentParse, TypeXContentParse, "[date_histogram] unknown field [interval]"},
		{"date_histogram_no_interval", `{"aggs":{"x":{"date_histogram":{"field":"t"}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "Required one of fields [fixed_interval, calendar_interval]"},
		{"date_histogram_bad_calendar", `{"aggs":{"x":{"date_histogram":{"field":"t","calendar_interval":"2d"}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "The supplied interval [2d] could not be parsed as a calendar interval."},
		{"date_histogram_bad_fixed", `{"aggs":{"x":{"date_histogram":{"field":"t","fixed_interval":"1M"}}}}`, "", TypeParse, TypeParse, "unit is missing or unrecognized"},
		{"histogram_zero_interval", `{"aggs":{"x":{"histogram":{"field":"t","interval":0}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "[interval] must be >0 for histogram aggregation [x]"},
		{"range_agg_without_ranges", `{"aggs":{"x":{"range":{"field":"t"}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "No [ranges] specified for the [x] aggregation"},
		{"percentile_out_of_range", `{"aggs":{"x":{"percentiles":{"field":"t","percents":[101]}}}}`, "", TypeIllegalArgument, TypeIllegalArgument, "percent must be in [0,100]"},
		{"top_hits_window", `{"aggs":{"x":{"top_hits":{"size":101}}}}`, "", TypeSearchPhase, TypeIllegalArgument, "Top hits result window is too large"},
		{"both_aggs_keys", `{"aggs":{},"aggregations":{}}`, "", TypeParsing, TypeParsing, "Found two aggregation definitions"},
		{"unknown_param", ``, "foo=1", TypeIllegalArgument, TypeIllegalArgument, "request [/_search] contains unrecognized parameter: [foo]"},
		{"scroll_param", ``, "scroll=1m", TypeIllegalArgument, TypeIllegalArgument, "the [scroll] parameter is not supported"},
		{"bad_size_param", ``, "size=x", TypeIllegalArgument, TypeIllegalArgument, "Failed to parse int parameter [size] with value [x]"},
		{"q_syntax", ``, "q=title:(a", TypeSearchPhase, TypeQueryShard, "Failed to parse query [title:(a]"},
		{"dfs", ``, "search_type=dfs_query_then_fetch", TypeIllegalArgument, TypeIllegalArgument, "search_type [dfs_query_then_fetch] is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params, perr := url.ParseQuery(c.params)
			if perr != nil {
				t.Fatal(perr)
			}
			req, err := ParseSearch([]byte(c.body), params, Options{})
			if err == nil {
				t.Fatalf("accepted: %+v", req.Request)
			}
			if err.Status != 400 {
				t.Fatalf("status %d, want 400", err.Status)
			}
			got := decodeError(t, err)
			if got.Status != 400 || got.Error.Type != c.typ {
				t.Fatalf("type %q status %d, want %q 400 (%s)", got.Error.Type, got.Status, c.typ, got.Error.Reason)
			}
			if len(got.Error.RootCause) != 1 || got.Error.RootCause[0].Type != c.rootType || !strings.Contains(got.Error.RootCause[0].Reason, c.reason) {
				t.Fatalf("root cause %+v, want %s containing %q", got.Error.RootCause, c.rootType, c.reason)
			}
		})
	}
}

// TestErrorBody pins one whole body against Elasticsearch 8's answer to
// an unknown query.
func TestErrorBody(t *testing.T) {
	_, err := ParseSearch([]byte(`{"query":{"foo":{}}}`), nil, Options{})
	b, _ := json.Marshal(err)
	want := `{"error":{"caused_by":{"reason":"[1:11] unknown field [foo]","type":"named_object_not_found_exception"},"col":11,"line":1,"reason":"unknown query [foo]","root_cause":[{"col":11,"line":1,"reason":"unknown query [foo]","type":"parsing_exception"}],"type":"parsing_exception"},"status":400}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

// TestDeepNestingRefusedFast sends 10,000 levels of nesting of three
// kinds; each is refused in bounded time and memory.
func TestDeepNestingRefusedFast(t *testing.T) {
	const depth = 10_000
	bodies := map[string]string{
		"arrays":     strings.Repeat("[", depth) + strings.Repeat("]", depth),
		"bool":       `{"query":` + strings.Repeat(`{"bool":{"must":`, depth) + `{"match_all":{}}` + strings.Repeat(`}}`, depth) + `}`,
		"aggs":       `{"aggs":` + strings.Repeat(`{"a":{"terms":{"field":"f"},"aggs":`, depth) + `{}` + strings.Repeat(`}}`, depth) + `}`,
		"unbalanced": `{"query":` + strings.Repeat(`{"bool":{"must":[`, depth),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := ParseSearch([]byte(body), nil, Options{})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || err.Status != 400 {
				t.Fatalf("accepted or wrong status: %v", err)
			}
			if took > 500*time.Millisecond {
				t.Fatalf("took %v", took)
			}
			// The body is ~%d KiB; reading it must not cost much more.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Fatalf("allocated %d bytes for a %d-byte body", alloc, len(body))
			}
			t.Logf("%s: %d bytes refused in %v, %d bytes allocated: %s", name, len(body), took, after.TotalAlloc-before.TotalAlloc, err.Reason)
		})
	}
}

// TestErrorPositions: line and column count from 1 in a pretty-printed
// body, for each kind of error that has a place, and in the second
// line of an _msearch body.
func TestErrorPositions(t *testing.T) {
	body := "{\n  \"query\": {\n    \"foo\": {}\n  }\n}"
	_, err := ParseSearch([]byte(body), nil, Options{})
	if err.Line != 3 || err.Col != 5 {
		t.Fatalf("unknown query at %d:%d, want 3:5", err.Line, err.Col)
	}
	_, err = ParseSearch([]byte("{\n  \"size\": 1,\n  \"size\": 2\n}"), nil, Options{})
	if !strings.HasPrefix(err.Reason, "[3:3] Duplicate field 'size'") {
		t.Fatalf("duplicate: %q", err.Reason)
	}
	_, err = ParseSearch([]byte("{\n  \"query\": {\"match_all\": {}}\n  \"size\": 1\n}"), nil, Options{})
	if !strings.HasPrefix(err.Reason, "[3:3] invalid character '\"' after object key:value pair") {
		t.Fatalf("syntax: %q", err.Reason)
	}
	_, err = ParseMsearch([]byte("{}\n{\"query\":{\"match_all\":{}}}\n{}\n{\"query\": {\"bar\": {}}}\n"), nil, Options{})
	if err.Line != 4 || err.Col != 12 {
		t.Fatalf("msearch unknown query at %d:%d, want 4:12", err.Line, err.Col)
	}
}
