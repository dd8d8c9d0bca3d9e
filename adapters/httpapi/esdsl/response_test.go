package esdsl

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

func fp(f float64) *float64 { return &f }

// sameJSON compares two JSON texts as values (100 and 100.0 are equal,
// member order does not count).
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// aggAnswer writes the aggregations section alone of an answer to req.
func aggAnswer(t *testing.T, body string, results ...search.AggResult) []byte {
	t.Helper()
	req, err := ParseSearch([]byte(body), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, werr := WriteSearch(&search.Result{MaxScore: math.NaN(), Aggs: results}, req, ResponseOptions{})
	if werr != nil {
		t.Fatal(werr)
	}
	var whole struct {
		Aggregations json.RawMessage `json:"aggregations"`
	}
	if err := json.Unmarshal(out, &whole); err != nil {
		t.Fatal(err)
	}
	return whole.Aggregations
}

// The expected bodies below are the responses of Elasticsearch's
// reference documentation for each aggregation (numbers as written
// there; JSON equality ignores 2 vs 2.0).
func TestAggregationShapesMatchESDocs(t *testing.T) {
	t.Run("terms", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"genres":{"terms":{"field":"genre"}}}}`, search.AggResult{Name: "genres", Kind: search.AggTerms,
			Buckets: []search.Bucket{{Key: "electronic", DocCount: 6}, {Key: "rock", DocCount: 3}, {Key: "jazz", DocCount: 2}}})
		sameJSON(t, got, `{"genres":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[
			{"key":"electronic","doc_count":6},{"key":"rock","doc_count":3},{"key":"jazz","doc_count":2}]}}`)
	})
	t.Run("range", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"price_ranges":{"range":{"field":"price","ranges":[{"to":100.0},{"from":100.0,"to":200.0},{"from":200.0}]}}}}`,
			search.AggResult{Name: "price_ranges", Kind: search.AggRange, Buckets: []search.Bucket{
				{To: fp(100), DocCount: 2}, {From: fp(100), To: fp(200), DocCount: 2}, {From: fp(200), DocCount: 3}}})
		sameJSON(t, got, `{"price_ranges":{"buckets":[
			{"key":"*-100.0","to":100.0,"doc_count":2},
			{"key":"100.0-200.0","from":100.0,"to":200.0,"doc_count":2},
			{"key":"200.0-*","from":200.0,"doc_count":3}]}}`)
	})
	t.Run("range_keyed", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"price_ranges":{"range":{"field":"price","keyed":true,"ranges":[{"to":100},{"from":100,"to":200},{"from":200}]}}}}`,
			search.AggResult{Name: "price_ranges", Kind: search.AggRange, Buckets: []search.Bucket{
				{To: fp(100), DocCount: 2}, {From: fp(100), To: fp(200), DocCount: 2}, {From: fp(200), DocCount: 3}}})
		sameJSON(t, got, `{"price_ranges":{"buckets":{
			"*-100.0":{"to":100.0,"doc_count":2},
			"100.0-200.0":{"from":100.0,"to":200.0,"doc_count":2},
			"200.0-*":{"from":200.0,"doc_count":3}}}}`)
	})
	t.Run("date_range", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"range":{"date_range":{"field":"date","format":"MM-yyyy","ranges":[{"to":"now-10M/M"},{"from":"now-10M/M"}]}}}}`,
			search.AggResult{Name: "range", Kind: search.AggDateRange, Buckets: []search.Bucket{
				{To: fp(1.4436576e12), DocCount: 7}, {From: fp(1.4436576e12), DocCount: 0}}})
		sameJSON(t, got, `{"range":{"buckets":[
			{"to":1.4436576E12,"to_as_string":"10-2015","doc_count":7,"key":"*-10-2015"},
			{"from":1.4436576E12,"from_as_string":"10-2015","doc_count":0,"key":"10-2015-*"}]}}`)
	})
	t.Run("date_histogram", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"sales_over_time":{"date_histogram":{"field":"date","calendar_interval":"month","format":"yyyy-MM-dd"}}}}`,
			search.AggResult{Name: "sales_over_time", Kind: search.AggDateHistogram, Buckets: []search.Bucket{
				{Key: int64(1420070400000), KeyAsString: "2015-01-01", DocCount: 3},
				{Key: int64(1422748800000), KeyAsString: "2015-02-01", DocCount: 2},
				{Key: int64(1425168000000), KeyAsString: "2015-03-01", DocCount: 2}}})
		sameJSON(t, got, `{"sales_over_time":{"buckets":[
			{"key_as_string":"2015-01-01","key":1420070400000,"doc_count":3},
			{"key_as_string":"2015-02-01","key":1422748800000,"doc_count":2},
			{"key_as_string":"2015-03-01","key":1425168000000,"doc_count":2}]}}`)
	})
	t.Run("date_histogram_keyed", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"sales_over_time":{"date_histogram":{"field":"date","calendar_interval":"1M","format":"yyyy-MM-dd","keyed":true}}}}`,
			search.AggResult{Name: "sales_over_time", Kind: search.AggDateHistogram, Buckets: []search.Bucket{
				{Key: int64(1420070400000), KeyAsString: "2015-01-01", DocCount: 3}}})
		sameJSON(t, got, `{"sales_over_time":{"buckets":{"2015-01-01":{"key_as_string":"2015-01-01","key":1420070400000,"doc_count":3}}}}`)
	})
	t.Run("histogram", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"prices":{"histogram":{"field":"price","interval":50}}}}`,
			search.AggResult{Name: "prices", Kind: search.AggHistogram, Buckets: []search.Bucket{
				{Key: 0.0, DocCount: 1}, {Key: 50.0, DocCount: 1}, {Key: 100.0, DocCount: 0}}})
		sameJSON(t, got, `{"prices":{"buckets":[{"key":0.0,"doc_count":1},{"key":50.0,"doc_count":1},{"key":100.0,"doc_count":0}]}}`)
	})
	t.Run("histogram_keyed", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"prices":{"histogram":{"field":"price","interval":50,"keyed":true}}}}`,
			search.AggResult{Name: "prices", Kind: search.AggHistogram, Buckets: []search.Bucket{{Key: 0.0, DocCount: 1}, {Key: 50.0, DocCount: 1}}})
		sameJSON(t, got, `{"prices":{"buckets":{"0.0":{"key":0.0,"doc_count":1},"50.0":{"key":50.0,"doc_count":1}}}}`)
	})
	t.Run("filter", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"t_shirts":{"filter":{"term":{"type":"t-shirt"}},"aggs":{"avg_price":{"avg":{"field":"price"}}}}}}`,
			search.AggResult{Name: "t_shirts", Kind: search.AggFilter, DocCount: 3,
				Subs: []search.AggResult{{Name: "avg_price", Kind: search.AggAvg, Value: fp(128.33333333333334)}}})
		sameJSON(t, got, `{"t_shirts":{"doc_count":3,"avg_price":{"value":128.33333333333334}}}`)
	})
	t.Run("filters_keyed", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"messages":{"filters":{"filters":{"errors":{"match":{"body":"error"}},"warnings":{"match":{"body":"warning"}}}}}}}`,
			search.AggResult{Name: "messages", Kind: search.AggFilters, Buckets: []search.Bucket{{Key: "errors", DocCount: 1}, {Key: "warnings", DocCount: 2}}})
		sameJSON(t, got, `{"messages":{"buckets":{"errors":{"doc_count":1},"warnings":{"doc_count":2}}}}`)
	})
	t.Run("filters_anonymous", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"messages":{"filters":{"filters":[{"match":{"body":"error"}},{"match":{"body":"warning"}}]}}}}`,
			search.AggResult{Name: "messages", Kind: search.AggFilters, Buckets: []search.Bucket{{Key: "0", DocCount: 1}, {Key: "1", DocCount: 2}}})
		sameJSON(t, got, `{"messages":{"buckets":[{"doc_count":1},{"doc_count":2}]}}`)
	})
	t.Run("filters_not_keyed", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"messages":{"filters":{"keyed":false,"filters":{"errors":{"match":{"body":"error"}}}}}}}`,
			search.AggResult{Name: "messages", Kind: search.AggFilters, Buckets: []search.Bucket{{Key: "errors", DocCount: 1}}})
		sameJSON(t, got, `{"messages":{"buckets":[{"key":"errors","doc_count":1}]}}`)
	})
	t.Run("metrics", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"avg_grade":{"avg":{"field":"grade"}},"max_price":{"max":{"field":"price"}},"min_price":{"min":{"field":"price"}},
			"hat_prices":{"sum":{"field":"price"}},"types_count":{"value_count":{"field":"type"}},"type_count":{"cardinality":{"field":"type"}},
			"empty_avg":{"avg":{"field":"none"}},"empty_sum":{"sum":{"field":"none"}},"first":{"min":{"field":"date"}}}}`,
			search.AggResult{Name: "avg_grade", Kind: search.AggAvg, Value: fp(75)},
			search.AggResult{Name: "max_price", Kind: search.AggMax, Value: fp(200)},
			search.AggResult{Name: "min_price", Kind: search.AggMin, Value: fp(10)},
			search.AggResult{Name: "hat_prices", Kind: search.AggSum, Value: fp(450)},
			search.AggResult{Name: "types_count", Kind: search.AggValueCount, Value: fp(7)},
			search.AggResult{Name: "type_count", Kind: search.AggCardinality, Value: fp(3)},
			search.AggResult{Name: "empty_avg", Kind: search.AggAvg},
			search.AggResult{Name: "empty_sum", Kind: search.AggSum},
			search.AggResult{Name: "first", Kind: search.AggMin, Value: fp(1420070400000), ValueAsString: "2015-01-01T00:00:00.000Z"},
		)
		sameJSON(t, got, `{"avg_grade":{"value":75.0},"max_price":{"value":200.0},"min_price":{"value":10.0},"hat_prices":{"value":450.0},
			"types_count":{"value":7},"type_count":{"value":3},"empty_avg":{"value":null},"empty_sum":{"value":0.0},
			"first":{"value":1420070400000,"value_as_string":"2015-01-01T00:00:00.000Z"}}`)
	})
	t.Run("stats", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"grades_stats":{"stats":{"field":"grade"}},"none":{"stats":{"field":"x"}}}}`,
			search.AggResult{Name: "grades_stats", Kind: search.AggStats, Stats: &search.Stats{Count: 2, Min: 50, Max: 100, Sum: 150}},
			search.AggResult{Name: "none", Kind: search.AggStats})
		sameJSON(t, got, `{"grades_stats":{"count":2,"min":50.0,"max":100.0,"avg":75.0,"sum":150.0},
			"none":{"count":0,"min":null,"max":null,"avg":null,"sum":0.0}}`)
	})
	t.Run("percentiles", func(t *testing.T) {
		ps := []search.Percentile{{Percent: 1, Value: fp(10)}, {Percent: 5, Value: fp(30)}, {Percent: 25, Value: fp(170)}, {Percent: 50, Value: fp(445)}, {Percent: 75, Value: fp(720)}, {Percent: 95, Value: fp(940)}, {Percent: 99, Value: fp(980)}}
		got := aggAnswer(t, `{"aggs":{"load_time_outlier":{"percentiles":{"field":"load_time"}}}}`,
			search.AggResult{Name: "load_time_outlier", Kind: search.AggPercentiles, Percentiles: ps})
		sameJSON(t, got, `{"load_time_outlier":{"values":{"1.0":10.0,"5.0":30.0,"25.0":170.0,"50.0":445.0,"75.0":720.0,"95.0":940.0,"99.0":980.0}}}`)
		got = aggAnswer(t, `{"aggs":{"load_time_outlier":{"percentiles":{"field":"load_time","keyed":false}}}}`,
			search.AggResult{Name: "load_time_outlier", Kind: search.AggPercentiles, Percentiles: ps[:2]})
		sameJSON(t, got, `{"load_time_outlier":{"values":[{"key":1.0,"value":10.0},{"key":5.0,"value":30.0}]}}`)
	})
	t.Run("top_hits_in_terms", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"top_tags":{"terms":{"field":"type","size":3},"aggs":{"top_sales_hits":{"top_hits":{"sort":[{"date":{"order":"desc"}}],"_source":{"includes":["date","price"]},"size":1}}}}}}`,
			search.AggResult{Name: "top_tags", Kind: search.AggTerms, Buckets: []search.Bucket{{Key: "hat", DocCount: 3, Subs: []search.AggResult{
				{Name: "top_sales_hits", Kind: search.AggTopHits, Total: search.Total{Value: 3, Relation: search.Exact},
					Hits: []search.Hit{{Index: "sales", Partition: 0, Offset: 7, Score: math.NaN(), Source: []byte(`{"date":"2015/03/01 00:00:00","price":200}`), Sort: []search.Scalar{int64(1425168000000)}}}},
			}}}})
		sameJSON(t, got, `{"top_tags":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"hat","doc_count":3,
			"top_sales_hits":{"hits":{"total":{"value":3,"relation":"eq"},"max_score":null,"hits":[
				{"_index":"sales","_id":"0-7","_score":null,"_source":{"date":"2015/03/01 00:00:00","price":200},"_partition":0,"_offset":7,"sort":[1425168000000]}]}}}]}}`)
	})
	t.Run("terms_bool_and_long_keys", func(t *testing.T) {
		got := aggAnswer(t, `{"aggs":{"ok":{"terms":{"field":"ok"}},"code":{"terms":{"field":"code"}}}}`,
			search.AggResult{Name: "ok", Kind: search.AggTerms, Buckets: []search.Bucket{{Key: true, DocCount: 2}}},
			search.AggResult{Name: "code", Kind: search.AggTerms, Buckets: []search.Bucket{{Key: int64(404), DocCount: 1}}})
		sameJSON(t, got, `{"ok":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":1,"key_as_string":"true","doc_count":2}]},
			"code":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":404,"doc_count":1}]}}`)
	})
}

// TestSearchResponseShape checks a whole answer against the response of
// Elasticsearch's search API documentation, plus Chronik's additions.
func TestSearchResponseShape(t *testing.T) {
	req := mustSearch(t, `{"query":{"match":{"user.id":"kimchy"}}}`, "")
	res := &search.Result{
		Total:    search.Total{Value: 20, Relation: search.Exact},
		MaxScore: 1.3862942,
		Hits: []search.Hit{{Index: "my-index-000001", Partition: 0, Offset: 0, Score: 1.3862942,
			Source:    []byte(`{"@timestamp":"2099-11-15T14:12:12","message":"GET /search HTTP/1.1 200 1070000","user":{"id":"kimchy"}}`),
			Highlight: map[string][]string{"message": {"GET /<em>search</em>"}}}},
		Watermarks: map[string]map[int32]int64{"my-index-000001": {0: 120, 1: 98}},
	}
	out, err := WriteSearch(res, req, ResponseOptions{Took: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"took":5,"timed_out":false,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0},
		"hits":{"total":{"value":20,"relation":"eq"},"max_score":1.3862942,"hits":[{"_index":"my-index-000001","_id":"0-0","_score":1.3862942,
			"_source":{"@timestamp":"2099-11-15T14:12:12","message":"GET /search HTTP/1.1 200 1070000","user":{"id":"kimchy"}},
			"_partition":0,"_offset":0,"highlight":{"message":["GET /<em>search</em>"]}}]},
		"_kafka":{"watermarks":{"my-index-000001/0":120,"my-index-000001/1":98}}}`)
	if !strings.HasPrefix(string(out), `{"took":5,"timed_out":false,"_shards":`) {
		t.Fatalf("members out of Elasticsearch's order: %s", out)
	}

	// No total when track_total_hits is false; a number for 7.x
	// clients; sort values; no hits: max_score null; pretty output.
	req = mustSearch(t, `{"track_total_hits":false,"sort":[{"ts":"desc"}]}`, "pretty")
	out, _ = WriteSearch(&search.Result{MaxScore: math.NaN(), Hits: []search.Hit{{Index: "t", Score: math.NaN(), Sort: []search.Scalar{int64(5)}}}}, req, ResponseOptions{})
	sameJSON(t, out, `{"took":0,"timed_out":false,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},
		"hits":{"max_score":null,"hits":[{"_index":"t","_id":"0-0","_score":null,"_partition":0,"_offset":0,"sort":[5]}]}}`)
	if !strings.Contains(string(out), "\n  \"took\": 0") {
		t.Fatalf("pretty asked, got %s", out)
	}
	req = mustSearch(t, ``, "rest_total_hits_as_int=true")
	out, _ = WriteSearch(&search.Result{Total: search.Total{Value: 3, Relation: search.LowerBound}, MaxScore: math.NaN()}, req, ResponseOptions{Shards: &ShardInfo{Total: 3, Successful: 2, Failed: 1}})
	sameJSON(t, out, `{"took":0,"timed_out":false,"_shards":{"total":3,"successful":2,"skipped":0,"failed":1},"hits":{"total":3,"max_score":null,"hits":[]}}`)
}

func TestCountAndMsearchResponses(t *testing.T) {
	out, err := WriteCount(42, ShardInfo{Total: 3, Successful: 3}, false)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"count":42,"_shards":{"total":3,"successful":3,"skipped":0,"failed":0}}`)

	m, perr := ParseMsearch([]byte("{\"index\":\"a\"}\n{\"size\":1}\n{}\n{\"from\":10000}\n"), nil, Options{})
	if perr != nil {
		t.Fatal(perr)
	}
	answers := []MsearchAnswer{
		{Result: &search.Result{Total: search.Total{Value: 1}, MaxScore: 1, Hits: []search.Hit{{Index: "a", Offset: 3, Score: 1, Source: []byte(`{}`)}}}, Options: ResponseOptions{Took: 2 * time.Millisecond}},
		{Err: m.Items[1].Err},
	}
	out, err = WriteMsearch(answers, m, 3*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"took":3,"responses":[
		{"took":2,"timed_out":false,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},
		 "hits":{"total":{"value":1,"relation":"eq"},"max_score":1,"hits":[{"_index":"a","_id":"0-3","_score":1,"_source":{},"_partition":0,"_offset":3}]},"status":200},
		{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"Result window is too large, from + size must be less than or equal to: [10000] but was [10010]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."}],
		  "type":"search_phase_execution_exception","reason":"all shards failed","phase":"query","grouped":true,
		  "caused_by":{"type":"illegal_argument_exception","reason":"Result window is too large, from + size must be less than or equal to: [10000] but was [10010]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."}},
		 "status":400}]}`)
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{100: "100.0", 0.5: "0.5", 99.9: "99.9", 1e7: "1.0E7", 1.4436576e12: "1.4436576E12", -2: "-2.0", 0: "0.0", 0.0001: "1.0E-4"} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", f, got, want)
		}
	}
	if got := formatDate(1443657600000, "yyyy-MM-dd'T'HH:mm:ss.SSS"); got != "2015-10-01T00:00:00.000" {
		t.Errorf("formatDate = %q", got)
	}
	if got := formatDate(1443657600000, "epoch_millis"); got != "1443657600000" {
		t.Errorf("formatDate epoch_millis = %q", got)
	}
}
