package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLogLine(t *testing.T) {
	services := map[string]bool{}
	for _, id := range []int64{0, 1, 7, 99_999, 1_000_000, 1 << 40} {
		v := logLine(id)
		if len(v) != logLineBytes {
			t.Errorf("id %d: %d bytes, want %d", id, len(v), logLineBytes)
		}
		var rec struct {
			ID        int64   `json:"id"`
			TS        string  `json:"ts"`
			Level     string  `json:"level"`
			Service   string  `json:"service"`
			Host      string  `json:"host"`
			TraceID   string  `json:"trace_id"`
			Path      string  `json:"path"`
			UserID    int64   `json:"user_id"`
			LatencyMs float64 `json:"latency_ms"`
			Status    int     `json:"status"`
			Msg       string  `json:"msg"`
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("id %d: not the log line's JSON: %v: %s", id, err, v)
		}
		if rec.ID != id || rec.TS == "" || rec.Level == "" || len(rec.TraceID) != 32 || rec.Status < 200 || len(rec.Msg) < 100 {
			t.Errorf("id %d: decoded %+v", id, rec)
		}
		services[rec.Service] = true
		if got, ok := recordID(v); !ok || got != id {
			t.Errorf("recordID = %d, %v; want %d", got, ok, id)
		}
		if !bytes.Equal(v, logLine(id)) {
			t.Errorf("id %d: two different lines", id)
		}
	}
	if len(services) < 2 {
		t.Errorf("every line has the same service: %v", services)
	}
}

func decodeAnswer(t *testing.T, s string) *esAnswer {
	t.Helper()
	var a esAnswer
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

func TestPartitionMax(t *testing.T) {
	a := decodeAnswer(t, `{"took":3,"aggregations":{"p":{"sum_other_doc_count":0,"buckets":[
		{"key":0,"doc_count":5,"m":{"value":19994.0}},{"key":1,"doc_count":4,"m":{"value":19999}}]}}}`)
	m, err := partitionMax(a)
	if err != nil || len(m) != 2 || m[0] != 19994 || m[1] != 19999 {
		t.Fatalf("partitionMax = %v, %v", m, err)
	}
	for name, bad := range map[string]string{
		"no_aggregation": `{"took":1}`,
		"no_max":         `{"aggregations":{"p":{"buckets":[{"key":0,"doc_count":1,"m":{"value":null}}]}}}`,
		"string_key":     `{"aggregations":{"p":{"buckets":[{"key":"x","doc_count":1,"m":{"value":1}}]}}}`,
	} {
		if m, err := partitionMax(decodeAnswer(t, bad)); err == nil {
			t.Errorf("%s: partitionMax = %v, want an error", name, m)
		}
	}
}

func TestSearchQueryChecks(t *testing.T) {
	qs := searchQueries(100)
	match, terms := qs[0].check, qs[1].check
	if _, ok := match(decodeAnswer(t, `{"hits":{"total":{"value":3,"relation":"eq"},"hits":[{},{},{}]}}`)); !ok {
		t.Error("3 hits of 3 must pass")
	}
	if _, ok := match(decodeAnswer(t, `{"hits":{"total":{"value":30,"relation":"eq"},"hits":[{},{},{}]}}`)); ok {
		t.Error("3 hits of 30 must fail (size 10)")
	}
	if _, ok := match(decodeAnswer(t, `{"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}}`)); ok {
		t.Error("no hit must fail")
	}
	buckets := func(other int) string {
		var b strings.Builder
		for i := range 10 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"key":"svc","doc_count":5}`)
		}
		return `{"aggregations":{"services":{"sum_other_doc_count":` + strconv.Itoa(other) + `,"buckets":[` + b.String() + `]}}}`
	}
	if what, ok := terms(decodeAnswer(t, buckets(50))); !ok {
		t.Errorf("10 buckets of 5 and 50 others cover 100: %s", what)
	}
	if _, ok := terms(decodeAnswer(t, buckets(49))); ok {
		t.Error("99 of 100 documents must fail")
	}
	if _, ok := terms(decodeAnswer(t, `{"took":1}`)); ok {
		t.Error("no aggregation must fail")
	}
}

func goodSearchResults() *SearchResults {
	return &SearchResults{
		LoadAvg:  "1.00 1.00 1.00",
		Settings: SearchSettings{LoadSettings: LoadSettings{RecordBytes: 500, Partitions: 2, Rows: 1000, FreshMBps: 2, Runs: 50, SampleEvery: 100}},
		Produce:  &ProduceCompare{Records: 10, PlainRecsPerS: 1000, SinkRecsPerS: 850},
		CatchUp:  &CatchUp{Records: 1000, Count: 1000, LagZeroSeconds: 0.04, RecordsPerSec: 25_000, BrokerCPUSeconds: 0.05},
		Queries: []SearchQuery{
			{Name: "match", Body: "{}", Wall: Percentiles{P50: 10, P99: 90}, CheckOK: true, Check: "10 hits"},
			{Name: "terms", Body: "{}", Wall: Percentiles{P50: 20, P99: 99}, CheckOK: true, Check: "all"},
		},
		Freshness: &Freshness{TargetMBps: 2, AchievedMBps: 2, Samples: 100, Delay: Percentiles{P50: 200, P99: 900, Max: 950}},
	}
}

func TestSearchTargets(t *testing.T) {
	verdicts := func(r *SearchResults) []bool {
		var out []bool
		for _, t := range searchTargets(r) {
			out = append(out, t.met)
		}
		return out
	}
	if got := verdicts(goodSearchResults()); len(got) != 4 || !got[0] || !got[1] || !got[2] || !got[3] {
		t.Fatalf("good results: %v, want four met", got)
	}
	tests := []struct {
		name   string
		change func(*SearchResults)
		target int
	}{
		{"indexing_slow", func(r *SearchResults) { r.CatchUp.RecordsPerSec = 19_999 }, 0},
		{"indexing_count_wrong", func(r *SearchResults) { r.CatchUp.Count = 999 }, 0},
		{"indexing_not_measured", func(r *SearchResults) { r.CatchUp = nil }, 0},
		{"freshness_p99_at_1s", func(r *SearchResults) { r.Freshness.Delay.P99 = 1000 }, 1},
		{"freshness_unseen_sample", func(r *SearchResults) { r.Freshness.Unseen = 1 }, 1},
		{"freshness_rate_not_reached", func(r *SearchResults) { r.Freshness.AchievedMBps = 1 }, 1},
		{"query_p99_at_100ms", func(r *SearchResults) { r.Queries[1].Wall.P99 = 100 }, 2},
		{"query_check_failed", func(r *SearchResults) { r.Queries[0].CheckOK = false }, 2},
		{"query_failed", func(r *SearchResults) { r.Queries[0].Error = "boom" }, 2},
		{"queries_not_measured", func(r *SearchResults) { r.Queries = nil }, 2},
		{"produce_below_80_percent", func(r *SearchResults) { r.Produce.SinkRecsPerS = 799 }, 3},
		{"produce_not_measured", func(r *SearchResults) { r.Produce = nil }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodSearchResults()
			tt.change(r)
			for i, met := range verdicts(r) {
				if want := i != tt.target; met != want {
					t.Errorf("target %d met = %v, want %v (%v)", i, met, want, searchTargets(r)[i].detail)
				}
			}
		})
	}
}

func TestReportSearchSection(t *testing.T) {
	r := goodSearchResults()
	r.Queries[1].Wall.P99 = 353
	pageHas(t, reportPage(t, "--search", jsonFile(t, "search.json", r)),
		"## Search",
		"| indexing ≥ 20000 records/s (500-byte JSON) | **met** | 25000 records/s (1000 records in 0.040 s; _count = 1000) |",
		"| ack to visible in _search: p99 < 1000 ms at 2.00 MB/s | **met** |",
		"| match and terms aggregation over 1000 documents: p99 < 100 ms | **not met** | match: p99 90.0 ms (met); terms: p99 353 ms (not met) |",
		"| produce with search.enabled ≥ 80 % of without | **met** | 0.425 vs 0.500 MB/s (85 %) |",
		"**0.050 ms of CPU per record**",
	)
	pageHas(t, reportPage(t, "--search", filepath.Join(t.TempDir(), "none.json")), "## Search", "the run did not finish")
}
