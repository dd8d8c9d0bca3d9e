package esdsl

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

func mustSearch(t *testing.T, body, params string) *SearchRequest {
	t.Helper()
	p, err := url.ParseQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	req, e := ParseSearch([]byte(body), p, Options{})
	if e != nil {
		t.Fatalf("ParseSearch(%s, %s): %v", body, params, e)
	}
	return req
}

func TestSearchDefaults(t *testing.T) {
	req := mustSearch(t, "", "")
	if req.From != 0 || req.Size != search.DefaultSize || req.TrackTotalHits != search.DefaultTrackTotalHits {
		t.Fatalf("defaults: from %d size %d track %d", req.From, req.Size, req.TrackTotalHits)
	}
	if _, ok := req.Query.(search.MatchAll); !ok || req.Aggs != nil || req.Sort != nil || req.Highlight != nil {
		t.Fatalf("defaults: %+v", req.Request)
	}
	if !req.AllowNoIndices || req.ExpandWildcards != "open" || req.TypedKeys {
		t.Fatalf("defaults: %+v", req)
	}
	zero := mustSearch(t, `{"size":0}`, "")
	if zero.Size != 0 {
		t.Fatalf("size 0 read as %d", zero.Size)
	}
}

func TestSearchBody(t *testing.T) {
	req := mustSearch(t, `{
		"query": {"match": {"msg": "error"}},
		"from": 5, "size": "20",
		"sort": ["_score", {"ts": "desc"}, {"level": {"order": "asc", "missing": "_first", "mode": "max", "unmapped_type": "keyword"}}, "_doc"],
		"_source": {"includes": ["a.*", "b"], "excludes": "a.secret"},
		"highlight": {"pre_tags": ["<b>"], "post_tags": ["</b>"], "fields": {"msg": {"fragment_size": 50}}, "number_of_fragments": 2},
		"track_total_hits": 100,
		"timeout": "1500ms",
		"version": true
	}`, "")
	want := search.Request{
		Query: search.Match{Field: "msg", Text: "error"},
		From:  5, Size: 20,
		Sort: []search.Sort{
			{Field: "_score", Order: search.Desc}, {Field: "ts", Order: search.Desc},
			{Field: "level", Order: search.Asc, Missing: "_first", Mode: "max"}, {Field: "_doc", Order: search.Asc},
		},
		Source:         search.SourceFilter{Includes: []string{"a.*", "b"}, Excludes: []string{"a.secret"}},
		Highlight:      &search.Highlight{Fields: []string{"msg"}, PreTags: []string{"<b>"}, PostTags: []string{"</b>"}, FragmentSize: 50, NumberOfFragments: 2},
		TrackTotalHits: 100,
		Timeout:        1500 * time.Millisecond,
	}
	if !reflect.DeepEqual(req.Request, want) {
		t.Fatalf("\n got %#v\nwant %#v", req.Request, want)
	}
}

func TestSearchForms(t *testing.T) {
	cases := []struct {
		name, body, params string
		check              func(*SearchRequest) bool
	}{
		{"sort_string", `{"sort":"ts"}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Sort, []search.Sort{{Field: "ts"}})
		}},
		{"sort_object", `{"sort":{"ts":{"order":"desc"}}}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Sort, []search.Sort{{Field: "ts", Order: search.Desc}})
		}},
		{"sort_score_asc", `{"sort":[{"_score":"asc"}]}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Sort, []search.Sort{{Field: "_score", Order: search.Asc}})
		}},
		{"sort_param", "", "sort=ts:desc,name,_score", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Sort, []search.Sort{{Field: "ts", Order: search.Desc}, {Field: "name"}, {Field: "_score", Order: search.Desc}})
		}},
		{"search_after", `{"sort":[{"ts":"asc"},{"_doc":"asc"}],"search_after":[1700000000000,"x"]}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.SearchAfter, []search.Scalar{int64(1700000000000), "x"})
		}},
		{"source_false", `{"_source":false}`, "", func(r *SearchRequest) bool { return r.Source.Disabled }},
		{"source_string", `{"_source":"a.*"}`, "", func(r *SearchRequest) bool { return reflect.DeepEqual(r.Source.Includes, []string{"a.*"}) }},
		{"source_list", `{"_source":["a","b"]}`, "", func(r *SearchRequest) bool { return reflect.DeepEqual(r.Source.Includes, []string{"a", "b"}) }},
		{"source_singular_keys", `{"_source":{"include":"a","exclude":["b"]}}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Source, search.SourceFilter{Includes: []string{"a"}, Excludes: []string{"b"}})
		}},
		{"source_params", "", "_source_includes=a,b&_source_excludes=c", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Source, search.SourceFilter{Includes: []string{"a", "b"}, Excludes: []string{"c"}})
		}},
		{"source_param_false", "", "_source=false", func(r *SearchRequest) bool { return r.Source.Disabled }},
		{"source_param_list", "", "_source=a,b", func(r *SearchRequest) bool { return reflect.DeepEqual(r.Source.Includes, []string{"a", "b"}) }},
		{"track_true", `{"track_total_hits":true}`, "", func(r *SearchRequest) bool { return r.TrackTotalHits == -1 }},
		{"track_false", `{"track_total_hits":false}`, "", func(r *SearchRequest) bool { return r.TrackTotalHits == 0 }},
		{"track_param", "", "track_total_hits=true", func(r *SearchRequest) bool { return r.TrackTotalHits == -1 }},
		{"track_param_number", "", "track_total_hits=50", func(r *SearchRequest) bool { return r.TrackTotalHits == 50 }},
		{"timeout_param", "", "timeout=5s", func(r *SearchRequest) bool { return r.Timeout == 5*time.Second }},
		{"timeout_minutes", `{"timeout":"1m"}`, "", func(r *SearchRequest) bool { return r.Timeout == time.Minute }},
		{"size_from_params_override", `{"size":5,"from":1}`, "size=7&from=2", func(r *SearchRequest) bool { return r.Size == 7 && r.From == 2 }},
		{"q_param", "", "q=status:active&df=msg", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Query, search.Match{Field: "status", Text: "active"})
		}},
		{"q_param_default_field", "", "q=error&df=msg&default_operator=AND", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Query, search.Match{Field: "msg", Text: "error", Operator: search.And})
		}},
		{"q_replaces_body_query", `{"query":{"match_all":{}}}`, "q=x&df=f", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Query, search.Match{Field: "f", Text: "x"})
		}},
		{"typed_keys", "", "typed_keys=true&rest_total_hits_as_int=true&pretty", func(r *SearchRequest) bool {
			return r.TypedKeys && r.RestTotalHitsAsInt && r.Pretty
		}},
		{"index_options", "", "ignore_unavailable=true&allow_no_indices=false&expand_wildcards=open,hidden", func(r *SearchRequest) bool {
			return r.IgnoreUnavailable && !r.AllowNoIndices && r.ExpandWildcards == "open,hidden"
		}},
		{"highlight_list_fields", `{"highlight":{"fields":[{"a":{}},{"b":{}}]}}`, "", func(r *SearchRequest) bool {
			return reflect.DeepEqual(r.Highlight.Fields, []string{"a", "b"})
		}},
		{"kibana_highlight", `{"highlight":{"pre_tags":["@kibana-highlighted-field@"],"post_tags":["@/kibana-highlighted-field@"],"fields":{"*":{}},"fragment_size":2147483647}}`, "", func(r *SearchRequest) bool {
			return r.Highlight.FragmentSize == 2147483647 && r.Highlight.Fields[0] == "*"
		}},
		{"window_edge", `{"from":9990,"size":10}`, "", func(r *SearchRequest) bool { return r.From+r.Size == 10_000 }},
		{"empty_aggs", `{"aggs":{}}`, "", func(r *SearchRequest) bool { return r.Aggs != nil && len(r.Aggs) == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mustSearch(t, c.body, c.params)
			if !c.check(r) {
				t.Fatalf("%s %s read as %#v", c.body, c.params, r.Request)
			}
		})
	}
}

func TestAggregations(t *testing.T) {
	req := mustSearch(t, `{"size":0,"aggs":{
		"by_level": {"terms": {"field": "level", "size": 5, "shard_size": 50, "min_doc_count": 2, "order": [{"_count": "asc"}, {"_term": "desc"}], "missing": "none"},
			"aggs": {"avg_ms": {"avg": {"field": "ms", "missing": 0}}, "latest": {"top_hits": {"size": 1, "sort": [{"ts": "desc"}], "_source": ["msg"]}}}},
		"per_hour": {"date_histogram": {"field": "ts", "calendar_interval": "1h", "time_zone": "Europe/Paris", "format": "yyyy-MM-dd", "min_doc_count": 0,
			"extended_bounds": {"min": "now-1d", "max": "now"}, "offset": "+30m"}},
		"per_90s": {"date_histogram": {"field": "ts", "fixed_interval": "90s", "keyed": true}},
		"sizes": {"histogram": {"field": "bytes", "interval": 100, "offset": 5, "min_doc_count": 1}},
		"bands": {"range": {"field": "bytes", "ranges": [{"to": 100}, {"from": 100, "to": 200, "key": "mid"}, {"from": 200}], "keyed": true}},
		"days": {"date_range": {"field": "ts", "format": "yyyy-MM-dd", "ranges": [{"from": "now-10d/d", "to": "now"}]}},
		"errors": {"filter": {"term": {"level": "error"}}, "aggs": {"n": {"value_count": {"field": "level"}}}},
		"kinds": {"filters": {"filters": {"err": {"match": {"level": "error"}}, "warn": {"match": {"level": "warn"}}}}},
		"anon": {"filters": {"filters": [{"match_all": {}}]}},
		"mn": {"min": {"field": "ms"}}, "mx": {"max": {"field": "ms"}}, "sm": {"sum": {"field": "ms"}},
		"st": {"stats": {"field": "ms"}}, "users": {"cardinality": {"field": "user", "precision_threshold": 100}},
		"pct": {"percentiles": {"field": "ms", "percents": [50, 99.9], "keyed": false}},
		"pct_default": {"percentiles": {"field": "ms"}}
	}}`, "")
	want := []search.Aggregation{
		{Name: "by_level", Kind: search.AggTerms, Field: "level", Size: 5, ShardSize: 50, MinDocCount: 2, Missing: "none",
			Order: []search.BucketOrder{{By: "_count", Order: search.Asc}, {By: "_key", Order: search.Desc}},
			Subs: []search.Aggregation{
				{Name: "avg_ms", Kind: search.AggAvg, Field: "ms", Missing: int64(0)},
				{Name: "latest", Kind: search.AggTopHits, Size: 1, Sort: []search.Sort{{Field: "ts", Order: search.Desc}}, Source: search.SourceFilter{Includes: []string{"msg"}}},
			}},
		{Name: "per_hour", Kind: search.AggDateHistogram, Field: "ts", CalendarInterval: "hour", TimeZone: "Europe/Paris", Format: "yyyy-MM-dd",
			ExtendedBounds: &search.Bounds{Min: "now-1d", Max: "now"}, Offset: "+30m"},
		{Name: "per_90s", Kind: search.AggDateHistogram, Field: "ts", FixedInterval: "90s", Keyed: true},
		{Name: "sizes", Kind: search.AggHistogram, Field: "bytes", Interval: 100, Offset: "5", MinDocCount: 1},
		{Name: "bands", Kind: search.AggRange, Field: "bytes", Keyed: true, Ranges: []search.RangeSpec{{To: int64(100)}, {From: int64(100), To: int64(200), Key: "mid"}, {From: int64(200)}}},
		{Name: "days", Kind: search.AggDateRange, Field: "ts", Format: "yyyy-MM-dd", Ranges: []search.RangeSpec{{From: "now-10d/d", To: "now"}}},
		{Name: "errors", Kind: search.AggFilter, Filter: search.Term{Field: "level", Value: "error"},
			Subs: []search.Aggregation{{Name: "n", Kind: search.AggValueCount, Field: "level"}}},
		{Name: "kinds", Kind: search.AggFilters, Keyed: true, Filters: []search.NamedQuery{
			{Name: "err", Query: search.Match{Field: "level", Text: "error"}}, {Name: "warn", Query: search.Match{Field: "level", Text: "warn"}}}},
		{Name: "anon", Kind: search.AggFilters, Filters: []search.NamedQuery{{Name: "0", Query: search.MatchAll{}}}},
		{Name: "mn", Kind: search.AggMin, Field: "ms"}, {Name: "mx", Kind: search.AggMax, Field: "ms"}, {Name: "sm", Kind: search.AggSum, Field: "ms"},
		{Name: "st", Kind: search.AggStats, Field: "ms"}, {Name: "users", Kind: search.AggCardinality, Field: "user", PrecisionThreshold: 100},
		{Name: "pct", Kind: search.AggPercentiles, Field: "ms", Percents: []float64{50, 99.9}},
		{Name: "pct_default", Kind: search.AggPercentiles, Field: "ms", Keyed: true},
	}
	if len(req.Aggs) != len(want) {
		t.Fatalf("%d aggregations, want %d", len(req.Aggs), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(req.Aggs[i], want[i]) {
			t.Errorf("%s\n got %#v\nwant %#v", want[i].Name, req.Aggs[i], want[i])
		}
	}
	if !req.anonymous[">anon"] || req.anonymous[">kinds"] {
		t.Errorf("anonymous filters: %v", req.anonymous)
	}
	if ranges := mustSearch(t, `{"aggs":{"r":{"range":{"field":"x","ranges":[{"from":"1.5"}]}}}}`, "").Aggs[0].Ranges; ranges[0].From != 1.5 {
		t.Errorf("a numeric string bound of a range aggregation read as %#v", ranges[0].From)
	}
}

func TestAggregationBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"aggs":{`)
	for i := 0; i <= MaxAggregations; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"a` + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + strconv.Itoa(i) + `":{"avg":{"field":"f"}}`)
	}
	b.WriteString(`}}`)
	if _, err := ParseSearch([]byte(b.String()), nil, Options{}); err == nil || !strings.Contains(err.Reason, "too many aggregations") {
		t.Fatalf("%d aggregations: %v", MaxAggregations+1, err)
	}
	deep := `{"aggs":` + strings.Repeat(`{"a":{"terms":{"field":"f"},"aggs":`, search.MaxQueryDepth+1) + `{}` + strings.Repeat(`}}`, search.MaxQueryDepth+1) + `}`
	if _, err := ParseSearch([]byte(deep), nil, Options{}); err == nil || !strings.Contains(err.Reason, "nested deeper") {
		t.Fatalf("deep aggregations: %v", err)
	}
}

func TestCount(t *testing.T) {
	c, err := ParseCount([]byte(`{"query":{"term":{"a":"b"}}}`), nil, Options{})
	if err != nil || !reflect.DeepEqual(c.Query, search.Term{Field: "a", Value: "b"}) {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = ParseCount(nil, url.Values{"q": {"x"}, "df": {"f"}}, Options{})
	if err != nil || !reflect.DeepEqual(c.Query, search.Match{Field: "f", Text: "x"}) {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = ParseCount(nil, nil, Options{})
	if err != nil || !reflect.DeepEqual(c.Query, search.MatchAll{}) {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := ParseCount([]byte(`{"query":{"match_all":{}},"size":1}`), nil, Options{}); err == nil || err.Type != TypeParsing || err.Reason != "request does not support [size]" {
		t.Fatalf("size in a count body: %v", err)
	}
	if _, err := ParseCount(nil, url.Values{"size": {"1"}}, Options{}); err == nil || !strings.Contains(err.Reason, "request [/_count] contains unrecognized parameter: [size]") {
		t.Fatalf("size parameter of a count: %v", err)
	}
}

func TestMsearch(t *testing.T) {
	body := `{"index":"logs"}
{"query":{"match":{"msg":"a"}},"size":1}
{}
{"query":{"match_all":{}}}

{"from":10000,"size":1}
{"index":["a","b,c"],"ignore_unavailable":true}
{}
`
	m, err := ParseMsearch([]byte(body), url.Values{"typed_keys": {"true"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != 4 || !m.TypedKeys {
		t.Fatalf("%d items, typed %v", len(m.Items), m.TypedKeys)
	}
	if !reflect.DeepEqual(m.Items[0].Indexes, []string{"logs"}) || m.Items[0].Request.Size != 1 || !m.Items[0].Request.TypedKeys {
		t.Fatalf("item 0: %+v", m.Items[0])
	}
	if m.Items[1].Indexes != nil || m.Items[1].Err != nil {
		t.Fatalf("item 1: %+v", m.Items[1])
	}
	if m.Items[2].Err == nil || m.Items[2].Err.Type != TypeSearchPhase {
		t.Fatalf("item 2 past the window: %+v", m.Items[2].Err)
	}
	if !reflect.DeepEqual(m.Items[3].Indexes, []string{"a", "b", "c"}) || !m.Items[3].Request.IgnoreUnavailable {
		t.Fatalf("item 3: %+v", m.Items[3])
	}
	refusals := []struct{ name, body, reason string }{
		{"no_final_newline", "{}\n{}", "must be terminated by a newline"},
		{"header_without_body", "{}\n", "must be terminated by a newline"},
		{"unknown_header_key", "{\"foo\":1}\n{}\n", "key [foo] is not supported in the metadata section"},
		{"bad_body", "{}\n{\"query\":{\"foo\":{}}}\n", "unknown query [foo]"},
		{"broken_json", "{}\n{\"query\":\n", "Unexpected end-of-input"},
		{"empty", "", "no requests added"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMsearch([]byte(c.body), nil, Options{})
			if err == nil || !strings.Contains(err.Reason, c.reason) {
				t.Fatalf("got %v, want %q", err, c.reason)
			}
		})
	}
	_, perr := ParseMsearch([]byte("{}\n{\"query\":{\"foo\":{}}}\n"), nil, Options{})
	if perr.Line != 2 {
		t.Fatalf("error on line %d of the NDJSON body, want 2", perr.Line)
	}
	many := strings.Repeat("{}\n{}\n", MaxMsearchSearches+1)
	if _, err := ParseMsearch([]byte(many), nil, Options{}); err == nil || !strings.Contains(err.Reason, "at most") {
		t.Fatalf("%d searches: %v", MaxMsearchSearches+1, err)
	}
}
