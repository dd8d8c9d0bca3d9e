package main

import (
	"fmt"
	"io"
	"strings"
)

// The targets of issue 11 for full-text search over topics.
const (
	searchIndexRate    = 20_000 // records/s of 500-byte JSON log lines
	searchFreshP99Ms   = 1000   // ack to visible in _search, p99
	searchQueryP99Ms   = 100    // match and terms aggregation, p99
	searchProduceRatio = 0.80   // produce with search.enabled ≥ 80 % of without
)

// readSearchResults reads `chronik-bench search`'s JSON. A missing or empty
// file (the run never finished) gives results that say so.
func readSearchResults(path string) (*SearchResults, error) {
	r, err := readSection[SearchResults](path)
	if r == nil && err == nil {
		r = &SearchResults{Errors: []string{notFinished(path)}}
	}
	return r, err
}

// searchTargets judges the search results against the targets. A
// part not measured is not met.
func searchTargets(r *SearchResults) []target {
	s := r.Settings
	ts := []target{catchUpTarget("indexing", searchIndexRate, s.RecordBytes, r.CatchUp, "_count")}
	ts = append(ts, freshnessTarget("_search", s.FreshMBps, r.Freshness, searchFreshP99Ms))

	t := target{name: fmt.Sprintf("match and terms aggregation over %d documents: p99 < %d ms", s.Rows, searchQueryP99Ms), detail: "not measured"}
	if len(r.Queries) > 0 {
		t.met = true
		var parts []string
		for _, q := range r.Queries {
			if q.Error != "" {
				t.met = false
				parts = append(parts, q.Name+": not measured")
				continue
			}
			ok := q.CheckOK && q.Wall.P99 < searchQueryP99Ms
			t.met = t.met && ok
			parts = append(parts, fmt.Sprintf("%s: p99 %s ms (%s)", q.Name, num(q.Wall.P99), okWord(ok)))
		}
		t.detail = strings.Join(parts, "; ")
	}
	ts = append(ts, t)

	var with, plain float64
	if p := r.Produce; p != nil {
		with, plain = p.SinkRecsPerS*float64(s.RecordBytes)/1e6, p.PlainRecsPerS*float64(s.RecordBytes)/1e6
	}
	return append(ts, produceTarget("search.enabled", searchProduceRatio, with, plain, r.Produce != nil))
}

func printSearchText(w io.Writer, r *SearchResults) {
	printSection(w, "Search over topics", "search", searchTargets(r), r.Errors)
}

// writeSearchMarkdown writes the "Search" section of BENCHMARKS.md.
func writeSearchMarkdown(w io.Writer, r *SearchResults) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	s := r.Settings
	p("## Search\n\n")
	p("`chronik-bench search` against a separate Chronik node (its own data directory; `CHRONIK_SEARCH_SEAL_DOCS=%s`,\n", orDash(intOrEmpty(s.SealDocs)))
	p("`CHRONIK_SEARCH_SEAL_AGE_MS=%s`), after the sections above; load average at its start: %s. Records are\n", orDash(intOrEmpty(s.SealAgeMs)), orDash(r.LoadAvg))
	p("%d-byte JSON log lines `{\"id\", \"ts\", \"level\", \"service\" (40 values), \"host\", \"trace_id\", \"path\", \"user_id\",\n", s.RecordBytes)
	p("\"latency_ms\", \"status\", \"msg\"}` (msg: words, a few far more frequent than others), ids increasing, on %d\n", s.Partitions)
	p("partitions per topic, each topic with `search.mapping` (short strings as `keyword`, msg `text`). The producer is\n")
	p("kgo with acks=all, idempotent, linger 5 ms, no compression. Broker CPU is its utime+stime from `/proc`.\n\n")
	writeTargets(p, searchTargets(r))

	if c := r.CatchUp; c != nil {
		p("**Indexing.** %d log lines produced to a topic without search (in %s s), then `search.enabled=true` set\n", c.Records, num(c.ProduceSeconds))
		p("with IncrementalAlterConfigs; the clock runs from its answer until `GET /admin/status` shows the search sink\n")
		p("at the high watermark on every partition (`lag_records` 0): **%s s, %s records/s**, the broker busy for\n", num(c.LagZeroSeconds), num(c.RecordsPerSec))
		p("%s CPU-s meanwhile (**%s ms of CPU per record**, %s cores on average). `_count` then answered %d, %s s after\n",
			num(c.BrokerCPUSeconds), num(c.CPUMsPerRecord()), num(c.BrokerCPUSeconds/max(c.LagZeroSeconds, 1e-9)), c.Count, num(c.CountSeconds))
		p("the change.\n\n")
	}
	if len(r.Queries) > 0 {
		p("**Queries.** Over those %d documents (%d of them in sealed indexes, the rest in the partitions' active ones),\n", s.Rows, s.SealedDocs)
		p("through `POST /<topic>/_search`, one query after the other: each query's answer was checked once, then it ran\n")
		p("%d times untimed and %d times timed. Wall time is at the client, JSON answer included; `took` is the node's own.\n\n", s.Warmup, s.Runs)
		p("| query | body | wall p50 ms | wall p99 ms | took p50 ms | took p99 ms | broker CPU ms/query | answer check |\n")
		p("|---|---|---:|---:|---:|---:|---:|---|\n")
		for _, q := range r.Queries {
			if q.Error != "" {
				p("| %s | `%s` | – | – | – | – | – | error: %s |\n", q.Name, q.Body, strings.ReplaceAll(q.Error, "|", "\\|"))
				continue
			}
			p("| %s | `%s` | %s | %s | %s | %s | %s | %s: %s |\n", q.Name, q.Body, num(q.Wall.P50), num(q.Wall.P99),
				num(q.Took.P50), num(q.Took.P99), num(q.CPUMs), okWord(q.CheckOK), q.Check)
		}
		p("\n")
	}
	if f := r.Freshness; f != nil {
		writeFreshness(p, f, s.SampleEvery, "`search.enabled=true`",
			"`{\"size\":0,\"aggs\":{\"p\":{\"terms\":{\"field\":\"_partition\"},\"aggs\":{\"m\":{\"max\":{\"field\":\"id\"}}}}}}` through `_search`")
	}
	if x := r.Produce; x != nil {
		p("**Produce with and without search.** %d records (%s MB) on each side, in four topics produced to one after\n", x.Records, num(s.ProduceMB))
		p("the other (after an untimed warm-up topic): without search, with `search.enabled=true`, with, without (half the records each). A side's rate\n")
		p("is its records over its total time from the first `Produce` to the last ack; the search sink indexes the\n")
		p("topics with search meanwhile, on the same cores (after each, the bench waited for it to catch up: %s s in all).\n\n", num(x.SinkWaitSecond))
		p("| topic | MB/s | records/s | broker CPU-s/GB while producing |\n|---|---:|---:|---:|\n")
		p("| without search | %s | %s | %s |\n", num(x.PlainRecsPerS*float64(s.RecordBytes)/1e6), num(x.PlainRecsPerS), num(x.PlainCPUPerGB))
		p("| search.enabled=true | %s | %s | %s |\n\n", num(x.SinkRecsPerS*float64(s.RecordBytes)/1e6), num(x.SinkRecsPerS), num(x.SinkCPUPerGB))
	}
	writeErrors(p, r.Errors)
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}
