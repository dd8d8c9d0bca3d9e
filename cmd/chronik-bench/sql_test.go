package main

import (
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestJSONRecord(t *testing.T) {
	for _, id := range []int64{0, 7, 123456789, 1<<62 + 5} {
		v := jsonRecord(id, 200)
		if len(v) != 200 {
			t.Errorf("id %d: %d bytes, want 200", id, len(v))
		}
		var rec struct {
			ID  int64  `json:"id"`
			K   string `json:"k"`
			V   int64  `json:"v"`
			Pad string `json:"pad"`
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			t.Fatalf("id %d: not JSON: %v: %s", id, err, v)
		}
		if rec.ID != id || rec.V < 0 || rec.V >= 1_000_000 || len(rec.K) != 3 {
			t.Errorf("id %d: decoded %+v", id, rec)
		}
		if got, ok := recordID(v); !ok || got != id {
			t.Errorf("recordID = %d, %v; want %d", got, ok, id)
		}
	}
	for _, bad := range []string{"", `{"id":}`, `{"x":1}`, `not json`} {
		if _, ok := recordID([]byte(bad)); ok {
			t.Errorf("recordID(%q): want not ok", bad)
		}
	}
}

func TestFreshnessDelays(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	samples := []ackSample{
		{part: 0, id: 10, at: at(0)},
		{part: 1, id: 11, at: at(5)},
		{part: 0, id: 20, at: at(100)},
		{part: 1, id: 99, at: at(200)}, // never covered
	}
	answers := []pollAnswer{
		// Received before the first ack: covers nothing that was acked later.
		{at: at(-1), max: map[int32]int64{0: 100, 1: 100}},
		// Partition 0 covers id 10; partition 1 is behind.
		{at: at(30), max: map[int32]int64{0: 12, 1: 3}},
		// Partition 1 reaches 11; partition 0's 25 also covers id 20.
		{at: at(130), max: map[int32]int64{0: 25, 1: 11}},
		{at: at(400), max: map[int32]int64{0: 25, 1: 50}},
	}
	delays, unseen := freshnessDelays(samples, answers)
	want := []time.Duration{30 * time.Millisecond, 125 * time.Millisecond, 30 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("delays = %v, want %v", delays, want)
	}
	for i := range want {
		if time.Duration(delays[i]) != want[i] {
			t.Errorf("delay %d = %v, want %v", i, time.Duration(delays[i]), want[i])
		}
	}
	if unseen != 1 {
		t.Errorf("unseen = %d, want 1", unseen)
	}
}

func TestCovers(t *testing.T) {
	var mu sync.Mutex
	last := map[int32]int64{0: 10, 1: 0}
	if covers(map[int32]int64{0: 10}, &mu, last) {
		t.Error("an answer without partition 1 must not cover it")
	}
	if !covers(map[int32]int64{0: 10, 1: 0}, &mu, last) {
		t.Error("an answer at every last id covers them")
	}
	if covers(map[int32]int64{0: 9, 1: 5}, &mu, last) {
		t.Error("partition 0 at 9 < 10 must not cover")
	}
}

func TestCaughtUp(t *testing.T) {
	e := func(indexed, durable, hw int64) indexEntry {
		return indexEntry{Indexed: indexed, Durable: durable, HighWatermark: hw, LagRecords: hw - indexed}
	}
	tests := []struct {
		name   string
		es     []indexEntry
		sealed bool
		want   bool
	}{
		{"all_indexed", []indexEntry{e(50, 0, 50), e(50, 0, 50)}, false, true},
		{"one_behind", []indexEntry{e(50, 0, 50), e(49, 0, 50)}, false, false},
		{"missing_partition", []indexEntry{e(100, 100, 100)}, false, false},
		{"fewer_records_than_produced", []indexEntry{e(40, 40, 40), e(50, 50, 50)}, false, false},
		{"indexed_not_sealed", []indexEntry{e(50, 10, 50), e(50, 50, 50)}, true, false},
		{"sealed", []indexEntry{e(50, 50, 50), e(50, 50, 50)}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := caughtUp(tt.es, 2, 100, tt.sealed); got != tt.want {
				t.Errorf("caughtUp = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSameRows(t *testing.T) {
	got := [][]any{{json.Number("3"), "k01", nil, json.Number("1.5")}}
	if !sameRows(got, [][]string{{"3", "k01", "NULL", "1.5"}}) {
		t.Error("equal rows compared different")
	}
	if sameRows(got, [][]string{{"4", "k01", "NULL", "1.5"}}) {
		t.Error("different values compared equal")
	}
	if sameRows(got, nil) || sameRows(got, [][]string{{"3"}}) {
		t.Error("different shapes compared equal")
	}
}

func goodSQLResults() *SQLResults {
	return &SQLResults{
		LoadAvg:  "1.00 1.00 1.00",
		Settings: SQLSettings{LoadSettings: LoadSettings{RecordBytes: 200, Partitions: 2, Rows: 1000, FreshMBps: 10, Runs: 5, SampleEvery: 100}},
		Produce:  &SQLProduce{Records: 10, PlainMBps: 100, ColumnarMBps: 85},
		CatchUp:  &CatchUp{Records: 1000, Count: 1000, LagZeroSeconds: 0.004, RecordsPerSec: 250_000},
		Queries: []SQLQuery{
			{Name: "COUNT(*)", Chronik: "SELECT 1", ChronikMed: 14, DirectMed: 10, Same: true, TookMs: []float64{12}, FilesMed: 13},
			{Name: "GROUP BY", Chronik: "SELECT 2", ChronikMed: 20, DirectMed: 20, Same: true, TookMs: []float64{18}},
		},
		Freshness: &Freshness{TargetMBps: 10, AchievedMBps: 10, Samples: 100, Delay: Percentiles{P50: 200, P99: 900, Max: 950}},
	}
}

func TestSQLTargets(t *testing.T) {
	verdicts := func(r *SQLResults) []bool {
		var out []bool
		for _, t := range sqlTargets(r) {
			out = append(out, t.met)
		}
		return out
	}
	if got := verdicts(goodSQLResults()); len(got) != 4 || !got[0] || !got[1] || !got[2] || !got[3] {
		t.Fatalf("good results: %v, want four met", got)
	}
	tests := []struct {
		name   string
		change func(*SQLResults)
		target int
	}{
		{"produce_below_80_percent", func(r *SQLResults) { r.Produce.ColumnarMBps = 79 }, 0},
		{"produce_not_measured", func(r *SQLResults) { r.Produce = nil }, 0},
		{"catch_up_slow", func(r *SQLResults) { r.CatchUp.RecordsPerSec = 199_999 }, 1},
		{"catch_up_count_wrong", func(r *SQLResults) { r.CatchUp.Count = 999 }, 1},
		{"freshness_p99_at_1s", func(r *SQLResults) { r.Freshness.Delay.P99 = 1000 }, 2},
		{"freshness_unseen_sample", func(r *SQLResults) { r.Freshness.Unseen = 1 }, 2},
		{"freshness_rate_not_reached", func(r *SQLResults) { r.Freshness.AchievedMBps = 5 }, 2},
		{"freshness_no_samples", func(r *SQLResults) { r.Freshness.Samples = 0 }, 2},
		{"query_over_1_5x", func(r *SQLResults) { r.Queries[0].ChronikMed = 15.1 }, 3},
		{"query_different_answer", func(r *SQLResults) { r.Queries[1].Same = false }, 3},
		{"query_failed", func(r *SQLResults) { r.Queries[1].Error = "boom" }, 3},
		{"queries_not_measured", func(r *SQLResults) { r.Queries = nil }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodSQLResults()
			tt.change(r)
			got := verdicts(r)
			for i, met := range got {
				if want := i != tt.target; met != want {
					t.Errorf("target %d met = %v, want %v (%v)", i, met, want, sqlTargets(r)[i].detail)
				}
			}
		})
	}
}

func TestReportSQLSection(t *testing.T) {
	r := goodSQLResults()
	r.Freshness.Unseen = 2
	pageHas(t, reportPage(t, "--sql", jsonFile(t, "sql.json", r)),
		"## SQL over topics",
		"| produce with columnar.enabled ≥ 80 % of without | **met** | 85.0 vs 100 MB/s (85 %) |",
		"| pipeline catch-up ≥ 200000 records/s (200-byte JSON) | **met** |",
		"| ack to visible in SQL: p99 < 1000 ms at 10.0 MB/s | **not met** |",
		"2 samples never seen",
		"| queries over 1000 rows within 1.5× of DuckDB on one Parquet file | **met** |",
		"| COUNT(*) | `SELECT 1` | 14.0 | 12.0 | 10.0 | 1.40× | true | 13.0 |",
	)
	// A missing SQL result is reported as such, not as a failure to report.
	pageHas(t, reportPage(t, "--sql", filepath.Join(t.TempDir(), "none.json")), "## SQL over topics", "the run did not finish")
}
