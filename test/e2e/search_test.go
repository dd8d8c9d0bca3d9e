package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	adm := kadm.NewClient(n.client())
	if _, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"search.enabled": kadm.StringPtr("true")}, "weblogs"); err != nil {
		t.Fatal(err)
	}
	const count = 2000
	cl := n.client(kgo.DefaultProduceTopic("weblogs"))
	var recs []*kgo.Record
	for i := range count {
		v, _ := json.Marshal(makeWebLog(i))
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: v})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
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

	// What the test expects, from what it produced.
	want := map[string]int{}
	var bytes404 int
	for i := range count {
		w := makeWebLog(i)
		if strings.Contains(w.Msg, "host3") && w.Level == "error" {
			want["host3 error"]++
		}
		if w.Status == 404 {
			want["404"]++
			bytes404 += w.Bytes
		}
		if w.Bytes >= 100 && w.Bytes < 250 && strings.Contains(w.Msg, "firefox") {
			want["firefox range"]++
		}
		want["level "+w.Level]++
	}
	check := func(label string) {
		t.Helper()
		cases := []struct {
			body string
			want int
		}{
			{`{"query":{"bool":{"must":[{"match":{"msg":"host3"}}],"filter":[{"term":{"level.keyword":"error"}}]}}}`, want["host3 error"]},
			{`{"query":{"term":{"status":404}}}`, want["404"]},
			{`{"query":{"bool":{"must":{"match":{"msg":"firefox"}},"filter":{"range":{"bytes":{"gte":100,"lt":250}}}}}}`, want["firefox range"]},
			{`{"query":{"query_string":{"query":"msg:host3 AND level:error"}}}`, want["host3 error"]},
			{`{"query":{"match_all":{}}}`, count},
		}
		for _, c := range cases {
			status, ans := esDo(t, es, "POST", "/weblogs/_search", c.body)
			if status != 200 || total(t, ans) != c.want {
				t.Fatalf("%s: %s: HTTP %d, total %v, want %d", label, c.body, status, ans["hits"], c.want)
			}
		}
		status, ans := esDo(t, es, "POST", "/weblogs/_search", `{"size":0,"aggs":{"levels":{"terms":{"field":"level.keyword"}},"b404":{"filter":{"term":{"status":404}},"aggs":{"sum":{"sum":{"field":"bytes"}}}}}}`)
		if status != 200 {
			t.Fatalf("%s: aggregations: HTTP %d %v", label, status, ans)
		}
		aggs := ans["aggregations"].(map[string]any)
		for _, b := range aggs["levels"].(map[string]any)["buckets"].([]any) {
			b := b.(map[string]any)
			if int(b["doc_count"].(float64)) != want["level "+b["key"].(string)] {
				t.Fatalf("%s: level bucket %v, want %d", label, b, want["level "+b["key"].(string)])
			}
		}
		f := aggs["b404"].(map[string]any)
		if int(f["doc_count"].(float64)) != want["404"] || int(f["sum"].(map[string]any)["value"].(float64)) != bytes404 {
			t.Fatalf("%s: filter aggregation %v, want %d docs, sum %d", label, f, want["404"], bytes404)
		}
		// search_after pages through every hit once.
		seen := map[string]bool{}
		after := ""
		for page := 0; page < 100; page++ {
			body := `{"size":170,"sort":[{"status":"desc"},{"_doc":"asc"}]` + after + `}`
			status, ans := esDo(t, es, "POST", "/weblogs/_search", body)
			if status != 200 {
				t.Fatalf("%s: page %d: HTTP %d %v", label, page, status, ans)
			}
			hits := ans["hits"].(map[string]any)["hits"].([]any)
			if len(hits) == 0 {
				break
			}
			for _, h := range hits {
				id := h.(map[string]any)["_id"].(string)
				if seen[id] {
					t.Fatalf("%s: %s on two pages", label, id)
				}
				seen[id] = true
			}
			last, _ := json.Marshal(hits[len(hits)-1].(map[string]any)["sort"])
			after = `,"search_after":` + string(last)
		}
		if len(seen) != count {
			t.Fatalf("%s: paged %d hits, want %d", label, len(seen), count)
		}
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
	cl = n.client(kgo.DefaultProduceTopic("weblogs"))
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(`{"msg":"still serving"}`)}).FirstErr(); err != nil {
		t.Fatalf("produce after bad searches: %v", err)
	}
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		_, ans := esDo(t, es, "POST", "/weblogs/_search", `{"query":{"match_phrase":{"msg":"still serving"}}}`)
		return ans != nil && total(t, ans) == 1, fmt.Sprint(ans["hits"])
	})
}
