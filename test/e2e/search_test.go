package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// webLog is a record of the search tests' topics.
type webLog struct {
	Msg    string `json:"msg"`
	Status int    `json:"status"`
	Bytes  int    `json:"bytes"`
	Level  string `json:"level"`
	At     string `json:"at"`
}

func makeWebLog(i int) webLog {
	levels := []string{"info", "warn", "error"}
	return webLog{
		Msg:    fmt.Sprintf("GET /page/%d from host%d agent %s", i%50, i%7, []string{"curl", "firefox", "chrome"}[i%3]),
		Status: []int{200, 200, 404, 500}[i%4],
		Bytes:  i,
		Level:  levels[i%3],
		At:     time.Date(2026, 12, 1+i%5, 10, 0, 0, 0, time.UTC).Format(time.RFC3339),
	}
}

// esSearch posts body to path on the node's unified API with the
// official client and decodes the answer.
func esDo(t *testing.T, es *elasticsearch.Client, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := es.Perform(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, out
}

func total(t *testing.T, ans map[string]any) int {
	t.Helper()
	hits, _ := ans["hits"].(map[string]any)
	tot, _ := hits["total"].(map[string]any)
	v, ok := tot["value"].(float64)
	if !ok {
		t.Fatalf("no hits.total.value in %v", ans)
	}
	return int(v)
}

// webLogWants is what the search tests expect of the first count
// records makeWebLog makes, worked out from them.
type webLogWants struct {
	// queries are search bodies and their numbers of hits.
	queries []webLogQuery
	// levels counts the records of each level; docs404 and bytes404 the
	// records with status 404 and the sum of their bytes.
	levels            map[string]int
	docs404, bytes404 int
}

type webLogQuery struct {
	body string
	hits int
}

func wantWebLogs(count int) webLogWants {
	w := webLogWants{levels: map[string]int{}}
	var host3Error, firefoxRange int
	for i := range count {
		l := makeWebLog(i)
		if strings.Contains(l.Msg, "host3") && l.Level == "error" {
			host3Error++
		}
		if l.Status == 404 {
			w.docs404++
			w.bytes404 += l.Bytes
		}
		if l.Bytes >= 100 && l.Bytes < 250 && strings.Contains(l.Msg, "firefox") {
			firefoxRange++
		}
		w.levels[l.Level]++
	}
	w.queries = []webLogQuery{
		{`{"query":{"bool":{"must":[{"match":{"msg":"host3"}}],"filter":[{"term":{"level.keyword":"error"}}]}}}`, host3Error},
		{`{"query":{"term":{"status":404}}}`, w.docs404},
		{`{"query":{"bool":{"must":{"match":{"msg":"firefox"}},"filter":{"range":{"bytes":{"gte":100,"lt":250}}}}}}`, firefoxRange},
		{`{"query":{"query_string":{"query":"msg:host3 AND level:error"}}}`, host3Error},
		{`{"query":{"match_all":{}}}`, count},
	}
	return w
}

// webLogAggs asks for the aggregations checkAggs checks: a terms
// aggregation of the levels and a filter aggregation with a sum below it.
const webLogAggs = `{"size":0,"aggs":{"levels":{"terms":{"field":"level.keyword"}},"b404":{"filter":{"term":{"status":404}},"aggs":{"sum":{"sum":{"field":"bytes"}}}}}}`

// checkAggs checks the "aggregations" of an answer to webLogAggs.
func (w webLogWants) checkAggs(t *testing.T, label string, raw []byte) {
	t.Helper()
	var aggs struct {
		Levels struct {
			Buckets []struct {
				Key      string `json:"key"`
				DocCount int    `json:"doc_count"`
			} `json:"buckets"`
		} `json:"levels"`
		B404 struct {
			DocCount int `json:"doc_count"`
			Sum      struct {
				Value float64 `json:"value"`
			} `json:"sum"`
		} `json:"b404"`
	}
	if err := json.Unmarshal(raw, &aggs); err != nil {
		t.Fatalf("%s: aggregations: %v: %s", label, err, raw)
	}
	if len(aggs.Levels.Buckets) != len(w.levels) {
		t.Fatalf("%s: level buckets %s, want %v", label, raw, w.levels)
	}
	for _, b := range aggs.Levels.Buckets {
		if b.DocCount != w.levels[b.Key] {
			t.Fatalf("%s: level bucket %+v, want %d", label, b, w.levels[b.Key])
		}
	}
	if aggs.B404.DocCount != w.docs404 || int(aggs.B404.Sum.Value) != w.bytes404 {
		t.Fatalf("%s: filter aggregation %+v, want %d docs, sum %d", label, aggs.B404, w.docs404, w.bytes404)
	}
}

// pagedHit is what pageAll needs of a hit.
type pagedHit struct {
	id   string
	sort []any
}

// pageAll pages through every hit with search_after (status descending,
// then index order), searching with page, and checks that it meets
// count hits, each once.
func pageAll(t *testing.T, label string, count int, page func(body string) []pagedHit) {
	t.Helper()
	seen := map[string]bool{}
	after := ""
	for range count/170 + 10 {
		hits := page(`{"size":170,"sort":[{"status":"desc"},{"_doc":"asc"}]` + after + `}`)
		if len(hits) == 0 {
			break
		}
		for _, h := range hits {
			if seen[h.id] {
				t.Fatalf("%s: %s on two pages", label, h.id)
			}
			seen[h.id] = true
		}
		last, _ := json.Marshal(hits[len(hits)-1].sort)
		after = `,"search_after":` + string(last)
	}
	if len(seen) != count {
		t.Fatalf("%s: paged %d hits, want %d", label, len(seen), count)
	}
}

// produceWebLogs creates topic with search.enabled and partitions, and
// produces count records made by makeWebLog to it (key i).
func produceWebLogs(t *testing.T, n *node, topic string, partitions int32, count int) {
	t.Helper()
	createTopic(t, n, topic, partitions, map[string]*string{"search.enabled": kadm.StringPtr("true")})
	var recs []*kgo.Record
	for i := range count {
		v, _ := json.Marshal(makeWebLog(i))
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: v})
	}
	if err := n.client(kgo.DefaultProduceTopic(topic)).ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestSearchWithElasticsearchClient produces JSON records with kgo and
// searches them with Elasticsearch's Go client: queries, counts and
// aggregations checked against what the test produced, search_after
// paging every hit once, the same answers after a restart, and bad
// requests refused in Elasticsearch's shape while Kafka keeps serving.
func TestSearchWithElasticsearchClient(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_SEARCH_SEAL_DOCS":      "300",
		"CHRONIK_HOT_BUFFER_REFRESH_MS": "100",
	})
	ctx := context.Background()
	const count = 2000
	produceWebLogs(t, n, "weblogs", 3, count)
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{n.unifiedURL()}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := es.Info()
	if err != nil || info.IsError() {
		t.Fatalf("info: %v %v", info, err)
	}
	info.Body.Close()
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		status, ans := esDo(t, es, "GET", "/weblogs/_count", "")
		return status == 200 && ans["count"] == float64(count), fmt.Sprint(status, ans)
	})

	want := wantWebLogs(count)
	check := func(label string) {
		t.Helper()
		for _, q := range want.queries {
			status, ans := esDo(t, es, "POST", "/weblogs/_search", q.body)
			if status != 200 || total(t, ans) != q.hits {
				t.Fatalf("%s: %s: HTTP %d, total %v, want %d", label, q.body, status, ans["hits"], q.hits)
			}
		}
		status, ans := esDo(t, es, "POST", "/weblogs/_search", webLogAggs)
		if status != 200 {
			t.Fatalf("%s: aggregations: HTTP %d %v", label, status, ans)
		}
		raw, _ := json.Marshal(ans["aggregations"])
		want.checkAggs(t, label, raw)
		pageAll(t, label, count, func(body string) []pagedHit {
			status, ans := esDo(t, es, "POST", "/weblogs/_search", body)
			if status != 200 {
				t.Fatalf("%s: %s: HTTP %d %v", label, body, status, ans)
			}
			var hits []pagedHit
			for _, h := range ans["hits"].(map[string]any)["hits"].([]any) {
				h := h.(map[string]any)
				hits = append(hits, pagedHit{id: h["_id"].(string), sort: h["sort"].([]any)})
			}
			return hits
		})
		// Watermarks say what the answer covers: the log's end.
		_, ans = esDo(t, es, "POST", "/weblogs/_search", `{"size":0}`)
		marks := ans["_kafka"].(map[string]any)["watermarks"].(map[string]any)
		ends, err := n.admin().ListEndOffsets(ctx, "weblogs")
		if err != nil {
			t.Fatal(err)
		}
		ends.Each(func(o kadm.ListedOffset) {
			if marks[fmt.Sprintf("weblogs/%d", o.Partition)] != float64(o.Offset) {
				t.Fatalf("%s: watermarks %v, log ends %v", label, marks, ends)
			}
		})
	}
	check("running")
	n.restart()
	es, err = elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{n.unifiedURL()}})
	if err != nil {
		t.Fatal(err)
	}
	check("restarted")

	// A document by id, and the index list.
	status, doc := esDo(t, es, "GET", "/weblogs/_doc/1-0", "")
	if status != 200 || doc["found"] != true || doc["_source"] == nil {
		t.Fatalf("GET _doc: %d %v", status, doc)
	}
	if status, doc = esDo(t, es, "GET", "/weblogs/_doc/1-999999", ""); status != 404 || doc["found"] != false {
		t.Fatalf("GET missing _doc: %d %v", status, doc)
	}
	resp, err := http.Get(n.unifiedURL() + "/_cat/indices?format=json")
	if err != nil {
		t.Fatal(err)
	}
	var cat []map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&cat)
	resp.Body.Close()
	if len(cat) != 1 || cat[0]["index"] != "weblogs" || cat[0]["docs.count"] != fmt.Sprint(count) {
		t.Fatalf("_cat/indices: %v", cat)
	}

	// Bad requests: Elasticsearch's errors, fast, and Kafka serves on.
	deep := strings.Repeat(`{"bool":{"must":[`, 10_000) + `{"match_all":{}}` + strings.Repeat(`]}}`, 10_000)
	bad := []struct {
		body, typ string
		status    int
	}{
		{`{"query":{"nope":{}}}`, "parsing_exception", 400},
		{`{"query":{"match":`, "x_content_parse_exception", 400},
		{`{"query":` + deep + `}`, "", 400},
		{`{"size":100000}`, "search_phase_execution_exception", 400},
		{`{"query":{"regexp":{"msg":"(a+)+(b{1000}){1000}"}}}`, "", 400},
		{`{"query":{"match_all":{}},"script_fields":{}}`, "", 400},
	}
	for _, b := range bad {
		start := time.Now()
		status, ans := esDo(t, es, "POST", "/weblogs/_search", b.body)
		e, _ := ans["error"].(map[string]any)
		if status != b.status || e == nil || (b.typ != "" && e["type"] != b.typ) {
			t.Fatalf("%.60s: HTTP %d %v", b.body, status, ans)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%.60s: refused after %v", b.body, d)
		}
	}
	if status, ans := esDo(t, es, "GET", "/nosuch/_search", ""); status != 404 || ans["error"].(map[string]any)["type"] != "index_not_found_exception" {
		t.Fatalf("unknown index: %d %v", status, ans)
	}
	if status, ans := esDo(t, es, "POST", "/weblogs/_doc", `{"msg":"x"}`); status != 400 || !strings.Contains(fmt.Sprint(ans), "produce") {
		t.Fatalf("indexing through the API: %d %v", status, ans)
	}
	cl := n.client(kgo.DefaultProduceTopic("weblogs"))
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(`{"msg":"still serving"}`)}).FirstErr(); err != nil {
		t.Fatalf("produce after bad searches: %v", err)
	}
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		_, ans := esDo(t, es, "POST", "/weblogs/_search", `{"query":{"match_phrase":{"msg":"still serving"}}}`)
		return ans != nil && total(t, ans) == 1, fmt.Sprint(ans["hits"])
	})
	// The searches since the restart show on /metrics, the refused window
	// among the errors.
	_, body := httpGet(t, n.unifiedURL()+"/metrics")
	for _, series := range []string{`chronik_search_queries_total\{result="ok"\} [1-9]`, `chronik_search_queries_total\{result="error"\} [1-9]`,
		`chronik_search_query_seconds_total [0-9]`, `chronik_search_cache_bytes [0-9]`} {
		if !regexp.MustCompile(`(?m)^` + series).Match(body) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}
