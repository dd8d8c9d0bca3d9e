package esdsl_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	essearch "github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/some"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/calendarinterval"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/operator"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/textquerytype"

	"github.com/chronik-stream/chronik/adapters/httpapi/esdsl"
	"github.com/chronik-stream/chronik/domain/search"
)

// These tests speak the official Go client's typed API
// (github.com/elastic/go-elasticsearch/v8/typedapi): requests it builds
// must be read, and answers written here must decode into its types.

// readTyped marshals a typed request as the client sends it and reads it.
func readTyped(t *testing.T, req *essearch.Request) *esdsl.SearchRequest {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	// The typed client always adds typed_keys=true to searches.
	got, perr := esdsl.ParseSearch(body, map[string][]string{"typed_keys": {"true"}}, esdsl.Options{})
	if perr != nil {
		t.Fatalf("reading %s: %v", body, perr)
	}
	if !got.TypedKeys {
		t.Fatal("typed_keys not read")
	}
	return got
}

func TestTypedClientQueries(t *testing.T) {
	and := operator.And
	cases := []struct {
		name string
		q    types.Query
		want search.Query
	}{
		{"match_all", types.Query{MatchAll: &types.MatchAllQuery{}}, search.MatchAll{}},
		{"match", types.Query{Match: map[string]types.MatchQuery{"msg": {Query: "disk full", Operator: &and, Fuzziness: "AUTO", Boost: some.Float32(2)}}},
			search.Match{Field: "msg", Text: "disk full", Operator: search.And, Fuzziness: search.Auto, Boost: 2}},
		{"match_phrase", types.Query{MatchPhrase: map[string]types.MatchPhraseQuery{"msg": {Query: "disk full", Slop: some.Int(1)}}},
			search.MatchPhrase{Field: "msg", Text: "disk full", Slop: 1}},
		{"match_phrase_prefix", types.Query{MatchPhrasePrefix: map[string]types.MatchPhrasePrefixQuery{"msg": {Query: "disk fu", MaxExpansions: some.Int(10)}}},
			search.MatchPhrasePrefix{Field: "msg", Text: "disk fu", MaxExpansions: 10}},
		{"multi_match", types.Query{MultiMatch: &types.MultiMatchQuery{Query: "x", Fields: []string{"a^2", "b"}, Type: &textquerytype.Crossfields}},
			search.MultiMatch{Fields: []string{"a^2", "b"}, Text: "x", Type: search.CrossFields}},
		{"term", types.Query{Term: map[string]types.TermQuery{"level": {Value: "error"}}}, search.Term{Field: "level", Value: "error"}},
		{"terms", types.Query{Terms: &types.TermsQuery{TermsQuery: map[string]types.TermsQueryField{"level": []types.FieldValue{"error", "warn"}}}},
			search.Terms{Field: "level", Values: []search.Scalar{"error", "warn"}}},
		{"number_range", types.Query{Range: map[string]types.RangeQuery{"ms": types.NumberRangeQuery{Gte: some.Float64(10), Lt: some.Float64(20)}}},
			search.Range{Field: "ms", GTE: int64(10), LT: int64(20)}},
		{"date_range", types.Query{Range: map[string]types.RangeQuery{"ts": types.DateRangeQuery{Gte: some.String("now-1h"), TimeZone: some.String("+01:00")}}},
			search.Range{Field: "ts", GTE: "now-1h", TimeZone: "+01:00"}},
		{"bool", types.Query{Bool: &types.BoolQuery{
			Must:               []types.Query{{Match: map[string]types.MatchQuery{"msg": {Query: "x"}}}},
			Filter:             []types.Query{{Term: map[string]types.TermQuery{"level": {Value: "error"}}}},
			MustNot:            []types.Query{{Exists: &types.ExistsQuery{Field: "deleted"}}},
			Should:             []types.Query{{Prefix: map[string]types.PrefixQuery{"host": {Value: "web"}}}},
			MinimumShouldMatch: 1,
		}}, search.Bool{
			Must:               []search.Query{search.Match{Field: "msg", Text: "x"}},
			Filter:             []search.Query{search.Term{Field: "level", Value: "error"}},
			MustNot:            []search.Query{search.Exists{Field: "deleted"}},
			Should:             []search.Query{search.Prefix{Field: "host", Value: "web"}},
			MinimumShouldMatch: "1",
		}},
		{"wildcard", types.Query{Wildcard: map[string]types.WildcardQuery{"host": {Value: some.String("web-*")}}}, search.Wildcard{Field: "host", Value: "web-*"}},
		{"regexp", types.Query{Regexp: map[string]types.RegexpQuery{"host": {Value: "web-[0-9]+"}}}, search.Regexp{Field: "host", Value: "web-[0-9]+"}},
		{"fuzzy", types.Query{Fuzzy: map[string]types.FuzzyQuery{"user": {Value: "kimchi", Fuzziness: "1"}}}, search.Fuzzy{Field: "user", Value: "kimchi", Fuzziness: 1}},
		{"ids", types.Query{Ids: &types.IdsQuery{Values: []string{"0-1", "3-7"}}}, search.IDs{Values: []string{"0-1", "3-7"}}},
		{"constant_score", types.Query{ConstantScore: &types.ConstantScoreQuery{Filter: types.Query{Term: map[string]types.TermQuery{"a": {Value: 1}}}, Boost: some.Float32(3)}},
			search.ConstantScore{Filter: search.Term{Field: "a", Value: int64(1)}, Boost: 3}},
		{"query_string", types.Query{QueryString: &types.QueryStringQuery{Query: "level:error AND msg:disk", DefaultOperator: &and}},
			search.Bool{Must: []search.Query{search.Match{Field: "level", Text: "error", Operator: search.And}, search.Match{Field: "msg", Text: "disk", Operator: search.And}}}},
		{"simple_query_string", types.Query{SimpleQueryString: &types.SimpleQueryStringQuery{Query: "disk -full", Fields: []string{"msg"}}},
			search.Bool{Should: []search.Query{search.Match{Field: "msg", Text: "disk"}, search.Bool{Must: []search.Query{search.MatchAll{}}, MustNot: []search.Query{search.Match{Field: "msg", Text: "full"}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			got := readTyped(t, &essearch.Request{Query: &q})
			if !reflect.DeepEqual(got.Query, c.want) {
				t.Fatalf("\n got %#v\nwant %#v", got.Query, c.want)
			}
		})
	}
}

func TestTypedClientRequest(t *testing.T) {
	desc := sortorder.Desc
	req := &essearch.Request{
		From: some.Int(0), Size: some.Int(25),
		Sort: []types.SortCombinations{
			types.SortOptions{SortOptions: map[string]types.FieldSort{"ts": {Order: &desc}}},
			types.SortOptions{Doc_: &types.ScoreSort{}},
		},
		SearchAfter:    []types.FieldValue{1700000000000, "0-12"},
		Source_:        types.SourceFilter{Includes: []string{"msg", "level"}},
		Highlight:      &types.Highlight{Fields: map[string]types.HighlightField{"msg": {}}, PreTags: []string{"<b>"}, PostTags: []string{"</b>"}},
		TrackTotalHits: true,
		Timeout:        some.String("2s"),
		Aggregations: map[string]types.Aggregations{
			"levels": {Terms: &types.TermsAggregation{Field: some.String("level"), Size: some.Int(5)},
				Aggregations: map[string]types.Aggregations{"avg_ms": {Avg: &types.AverageAggregation{Field: some.String("ms")}}}},
			"per_day": {DateHistogram: &types.DateHistogramAggregation{Field: some.String("ts"), CalendarInterval: &calendarinterval.Day}},
			"sizes":   {Histogram: &types.HistogramAggregation{Field: some.String("bytes"), Interval: some.Float64(100)}},
			"bands":   {Range: &types.RangeAggregation{Field: some.String("ms"), Ranges: []types.AggregationRange{{To: some.Float64(100)}, {From: some.Float64(100)}}}},
			"recent":  {DateRange: &types.DateRangeAggregation{Field: some.String("ts"), Ranges: []types.DateRangeExpression{{From: "now-1d"}}}},
			"errors":  {Filter: &types.Query{Term: map[string]types.TermQuery{"level": {Value: "error"}}}},
			"kinds":   {Filters: &types.FiltersAggregation{Filters: map[string]types.Query{"e": {MatchAll: &types.MatchAllQuery{}}}}},
			"p":       {Percentiles: &types.PercentilesAggregation{Field: some.String("ms"), Percents: []types.Float64{50, 99}}},
			"st":      {Stats: &types.StatsAggregation{Field: some.String("ms")}},
			"n":       {ValueCount: &types.ValueCountAggregation{Field: some.String("ms")}},
			"u":       {Cardinality: &types.CardinalityAggregation{Field: some.String("user")}},
			"mn":      {Min: &types.MinAggregation{Field: some.String("ms")}},
			"mx":      {Max: &types.MaxAggregation{Field: some.String("ms")}},
			"sm":      {Sum: &types.SumAggregation{Field: some.String("ms")}},
			"top":     {TopHits: &types.TopHitsAggregation{Size: some.Int(1)}},
		},
	}
	got := readTyped(t, req)
	if got.Size != 25 || got.Timeout != 2*time.Second || got.TrackTotalHits != -1 {
		t.Fatalf("size %d timeout %v track %d", got.Size, got.Timeout, got.TrackTotalHits)
	}
	if !reflect.DeepEqual(got.Sort, []search.Sort{{Field: "ts", Order: search.Desc}, {Field: "_doc"}}) {
		t.Fatalf("sort %#v", got.Sort)
	}
	if !reflect.DeepEqual(got.SearchAfter, []search.Scalar{int64(1700000000000), "0-12"}) {
		t.Fatalf("search_after %#v", got.SearchAfter)
	}
	if !reflect.DeepEqual(got.Source.Includes, []string{"msg", "level"}) || got.Highlight == nil || got.Highlight.Fields[0] != "msg" {
		t.Fatalf("source %#v highlight %#v", got.Source, got.Highlight)
	}
	kinds := map[string]search.AggKind{}
	for _, a := range got.Aggs {
		kinds[a.Name] = a.Kind
	}
	want := map[string]search.AggKind{"levels": search.AggTerms, "per_day": search.AggDateHistogram, "sizes": search.AggHistogram,
		"bands": search.AggRange, "recent": search.AggDateRange, "errors": search.AggFilter, "kinds": search.AggFilters,
		"p": search.AggPercentiles, "st": search.AggStats, "n": search.AggValueCount, "u": search.AggCardinality,
		"mn": search.AggMin, "mx": search.AggMax, "sm": search.AggSum, "top": search.AggTopHits}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("aggregations %v", kinds)
	}
}

func fp(f float64) *float64 { return &f }

// TestTypedClientReadsAnswers writes an answer with every aggregation
// kind and decodes it with the client's essearch.Response, as its
// Search().Do() does.
func TestTypedClientReadsAnswers(t *testing.T) {
	body := `{"query":{"match":{"msg":"disk"}},"aggs":{
		"levels":{"terms":{"field":"level"},"aggs":{"avg_ms":{"avg":{"field":"ms"}},"top":{"top_hits":{"size":1}}}},
		"codes":{"terms":{"field":"code"}},
		"per_day":{"date_histogram":{"field":"ts","calendar_interval":"day"}},
		"sizes":{"histogram":{"field":"bytes","interval":100}},
		"bands":{"range":{"field":"ms","ranges":[{"to":100},{"from":100}]}},
		"recent":{"date_range":{"field":"ts","ranges":[{"from":"now-1d"}]}},
		"errors":{"filter":{"term":{"level":"error"}}},
		"kinds":{"filters":{"filters":{"e":{"match_all":{}}}}},
		"p":{"percentiles":{"field":"ms"}},
		"st":{"stats":{"field":"ms"}},"n":{"value_count":{"field":"ms"}},"u":{"cardinality":{"field":"user"}},
		"mn":{"min":{"field":"ms"}},"mx":{"max":{"field":"ms"}},"sm":{"sum":{"field":"ms"}}}}`
	req, perr := esdsl.ParseSearch([]byte(body), map[string][]string{"typed_keys": {"true"}}, esdsl.Options{})
	if perr != nil {
		t.Fatal(perr)
	}
	hit := search.Hit{Index: "logs", Partition: 2, Offset: 41, Score: 1.5, Source: []byte(`{"msg":"disk full"}`), Highlight: map[string][]string{"msg": {"<em>disk</em> full"}}}
	res := &search.Result{
		Total: search.Total{Value: 7, Relation: search.Exact}, MaxScore: 1.5, Hits: []search.Hit{hit},
		Watermarks: map[string]map[int32]int64{"took": {0: 5}, "logs": {2: 42}}, // a topic named like a response key
		Aggs: []search.AggResult{
			{Name: "levels", Kind: search.AggTerms, SumOtherDocCount: 1, Buckets: []search.Bucket{{Key: "error", DocCount: 4, Subs: []search.AggResult{
				{Name: "avg_ms", Kind: search.AggAvg, Value: fp(12.5)},
				{Name: "top", Kind: search.AggTopHits, Total: search.Total{Value: 4, Relation: search.Exact}, Hits: []search.Hit{hit}},
			}}}},
			{Name: "codes", Kind: search.AggTerms, Buckets: []search.Bucket{{Key: int64(500), DocCount: 2}}},
			{Name: "per_day", Kind: search.AggDateHistogram, Buckets: []search.Bucket{{Key: int64(1700000000000), DocCount: 3}}},
			{Name: "sizes", Kind: search.AggHistogram, Buckets: []search.Bucket{{Key: 100.0, DocCount: 3}}},
			{Name: "bands", Kind: search.AggRange, Buckets: []search.Bucket{{To: fp(100), DocCount: 1}, {From: fp(100), DocCount: 6}}},
			{Name: "recent", Kind: search.AggDateRange, Buckets: []search.Bucket{{From: fp(1.7e12), DocCount: 7}}},
			{Name: "errors", Kind: search.AggFilter, DocCount: 4},
			{Name: "kinds", Kind: search.AggFilters, Buckets: []search.Bucket{{Key: "e", DocCount: 7}}},
			{Name: "p", Kind: search.AggPercentiles, Percentiles: []search.Percentile{{Percent: 50, Value: fp(10)}, {Percent: 99, Value: fp(90)}}},
			{Name: "st", Kind: search.AggStats, Stats: &search.Stats{Count: 7, Min: 1, Max: 90, Sum: 140}},
			{Name: "n", Kind: search.AggValueCount, Value: fp(7)},
			{Name: "u", Kind: search.AggCardinality, Value: fp(3)},
			{Name: "mn", Kind: search.AggMin, Value: fp(1)},
			{Name: "mx", Kind: search.AggMax, Value: fp(90)},
			{Name: "sm", Kind: search.AggSum, Value: fp(140)},
		},
	}
	out, err := esdsl.WriteSearch(res, req, esdsl.ResponseOptions{Took: 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := essearch.NewResponse()
	if err := json.Unmarshal(out, r); err != nil {
		t.Fatalf("the client cannot read %s: %v", out, err)
	}
	if r.Took != 3 || r.Hits.Total == nil || r.Hits.Total.Value != 7 || len(r.Hits.Hits) != 1 || r.Shards_.Total != 2 {
		t.Fatalf("read back: took %d total %+v hits %d shards %+v", r.Took, r.Hits.Total, len(r.Hits.Hits), r.Shards_)
	}
	h := r.Hits.Hits[0]
	if *h.Id_ != "2-41" || h.Index_ != "logs" || float64(*h.Score_) != 1.5 || string(h.Source_) != `{"msg":"disk full"}` || h.Highlight["msg"][0] != "<em>disk</em> full" {
		t.Fatalf("hit read back as %+v", h)
	}
	levels, ok := r.Aggregations["levels"].(*types.StringTermsAggregate)
	if !ok {
		t.Fatalf("levels read as %T", r.Aggregations["levels"])
	}
	b := levels.Buckets.([]types.StringTermsBucket)[0]
	if b.Key != "error" || b.DocCount != 4 || *levels.SumOtherDocCount != 1 {
		t.Fatalf("levels bucket %+v", b)
	}
	if avg, ok := b.Aggregations["avg_ms"].(*types.AvgAggregate); !ok || float64(*avg.Value) != 12.5 {
		t.Fatalf("avg_ms in the bucket read as %#v", b.Aggregations["avg_ms"])
	}
	if top, ok := b.Aggregations["top"].(*types.TopHitsAggregate); !ok || len(top.Hits.Hits) != 1 || *top.Hits.Hits[0].Id_ != "2-41" {
		t.Fatalf("top_hits in the bucket read as %#v", b.Aggregations["top"])
	}
	if codes, ok := r.Aggregations["codes"].(*types.LongTermsAggregate); !ok || codes.Buckets.([]types.LongTermsBucket)[0].Key != 500 {
		t.Fatalf("codes read as %#v", r.Aggregations["codes"])
	}
	if d, ok := r.Aggregations["per_day"].(*types.DateHistogramAggregate); !ok || d.Buckets.([]types.DateHistogramBucket)[0].Key != 1700000000000 {
		t.Fatalf("per_day read as %#v", r.Aggregations["per_day"])
	}
	if hs, ok := r.Aggregations["sizes"].(*types.HistogramAggregate); !ok || hs.Buckets.([]types.HistogramBucket)[0].Key != 100 {
		t.Fatalf("sizes read as %#v", r.Aggregations["sizes"])
	}
	if rg, ok := r.Aggregations["bands"].(*types.RangeAggregate); !ok || *rg.Buckets.([]types.RangeBucket)[0].Key != "*-100.0" {
		t.Fatalf("bands read as %#v", r.Aggregations["bands"])
	}
	if dr, ok := r.Aggregations["recent"].(*types.DateRangeAggregate); !ok || *dr.Buckets.([]types.RangeBucket)[0].FromAsString != "2023-11-14T22:13:20.000Z" {
		t.Fatalf("recent read as %#v", r.Aggregations["recent"])
	}
	if f, ok := r.Aggregations["errors"].(*types.FilterAggregate); !ok || f.DocCount != 4 {
		t.Fatalf("errors read as %#v", r.Aggregations["errors"])
	}
	if fs, ok := r.Aggregations["kinds"].(*types.FiltersAggregate); !ok || fs.Buckets.(map[string]types.FiltersBucket)["e"].DocCount != 7 {
		t.Fatalf("kinds read as %#v", r.Aggregations["kinds"])
	}
	if p, ok := r.Aggregations["p"].(*types.TDigestPercentilesAggregate); !ok {
		t.Fatalf("p read as %#v", r.Aggregations["p"])
	} else if vals, _ := json.Marshal(p.Values); !strings.Contains(string(vals), `"50.0":10`) || !strings.Contains(string(vals), `"99.0":90`) {
		t.Fatalf("percentiles read back as %s", vals)
	}
	if st, ok := r.Aggregations["st"].(*types.StatsAggregate); !ok || st.Count != 7 || float64(*st.Avg) != 20 {
		t.Fatalf("st read as %#v", r.Aggregations["st"])
	}
	if n, ok := r.Aggregations["n"].(*types.ValueCountAggregate); !ok || float64(*n.Value) != 7 {
		t.Fatalf("n read as %#v", r.Aggregations["n"])
	}
	if u, ok := r.Aggregations["u"].(*types.CardinalityAggregate); !ok || u.Value != 3 {
		t.Fatalf("u read as %#v", r.Aggregations["u"])
	}
	for name, want := range map[string]float64{"mn": 1, "mx": 90, "sm": 140} {
		var v *types.Float64
		switch a := r.Aggregations[name].(type) {
		case *types.MinAggregate:
			v = a.Value
		case *types.MaxAggregate:
			v = a.Value
		case *types.SumAggregate:
			v = a.Value
		default:
			t.Fatalf("%s read as %T", name, a)
		}
		if v == nil || float64(*v) != want {
			t.Fatalf("%s = %v, want %v", name, v, want)
		}
	}
	if len(r.Aggregations) != 15 {
		t.Fatalf("%d aggregations read back, want 15", len(r.Aggregations))
	}
}
