package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// The targets of issue 10 for SQL over topics.
const (
	sqlProduceRatio  = 0.80    // produce with columnar ≥ 80 % of without
	sqlCatchUpRate   = 200_000 // records/s
	sqlFreshP99Ms    = 1000    // ack to visible, p99
	sqlQueryMaxRatio = 1.5     // /_sql within 1.5× of DuckDB on one file
)

// readSQLResults reads `chronik-bench sql`'s JSON. A missing or empty file
// (the run never finished) gives results that say so.
func readSQLResults(path string) (*SQLResults, error) {
	r, err := readSection[SQLResults](path)
	if r == nil && err == nil {
		r = &SQLResults{Errors: []string{notFinished(path)}}
	}
	return r, err
}

// readSection reads a section's JSON results; nil, nil when the file is
// missing or empty (the run never finished).
func readSection[T any](path string) (*T, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(b) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r T
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &r, nil
}

func notFinished(path string) string {
	return fmt.Sprintf("no results (%s missing: the run did not finish)", path)
}

// produceTarget judges produce throughput with a sink's config against
// without it.
func produceTarget(config string, minRatio, withMBps, plainMBps float64, measured bool) target {
	t := target{name: fmt.Sprintf("produce with %s ≥ %.0f %% of without", config, 100*minRatio), detail: "not measured"}
	if measured {
		r := 0.0
		if plainMBps > 0 {
			r = withMBps / plainMBps
		}
		t.met = plainMBps > 0 && r >= minRatio
		t.detail = fmt.Sprintf("%s vs %s MB/s (%.0f %%)", num(withMBps), num(plainMBps), 100*r)
	}
	return t
}

// freshnessTarget judges ack-to-visible delays. Samples never seen count as
// failures: p99 over the seen ones alone would hide them.
func freshnessTarget(where string, mbps float64, f *Freshness, p99Ms float64) target {
	t := target{name: fmt.Sprintf("ack to visible in %s: p99 < %s ms at %s MB/s", where, num(p99Ms), num(mbps)), detail: "not measured"}
	if f != nil {
		t.met = f.Samples > 0 && f.Unseen == 0 && f.Delay.P99 < p99Ms && f.AchievedMBps >= 0.95*f.TargetMBps
		t.detail = fmt.Sprintf("p50 %s, p99 %s, max %s ms over %d samples at %s MB/s", num(f.Delay.P50), num(f.Delay.P99), num(f.Delay.Max), f.Samples, num(f.AchievedMBps))
		if f.Unseen > 0 {
			t.detail += fmt.Sprintf("; %d samples never seen", f.Unseen)
		}
	}
	return t
}

// writeFreshness writes a freshness run's method and table; polled says
// what was polled, and how.
func writeFreshness(p func(string, ...any), f *Freshness, sampleEvery int64, topic, polled string) {
	p("**Freshness.** %d records paced at %s MB/s (achieved %s) to a topic with %s; the ack time\n", f.Records, num(f.TargetMBps), num(f.AchievedMBps), topic)
	p("of every %d-th id (%d samples) is kept while another goroutine polls %s\n", sampleEvery, f.Samples, polled)
	p("back to back (%d polls, each p50 %s / p99 %s ms). A sample's delay runs from its ack\n", f.Polls, num(f.PollMs.P50), num(f.PollMs.P99))
	p("until the first answer received after it whose max id of its partition is at least its id, so it includes up to\n")
	p("one poll's time.\n\n")
	p("| p50 ms | p99 ms | p999 ms | max ms | samples never seen |\n|---:|---:|---:|---:|---:|\n")
	p("| %s | %s | %s | %s | %d |\n\n", num(f.Delay.P50), num(f.Delay.P99), num(f.Delay.P999), num(f.Delay.Max), f.Unseen)
}

// writeErrors lists a section's errors.
func writeErrors(p func(string, ...any), errs []string) {
	if len(errs) == 0 {
		return
	}
	p("Errors:\n\n")
	for _, e := range errs {
		p("- %s\n", e)
	}
	p("\n")
}

// sqlTargets judges the SQL results against the targets. A part
// not measured is not met.
func sqlTargets(r *SQLResults) []target {
	var ts []target

	var with, plain float64
	if p := r.Produce; p != nil {
		with, plain = p.ColumnarMBps, p.PlainMBps
	}
	ts = append(ts, produceTarget("columnar.enabled", sqlProduceRatio, with, plain, r.Produce != nil))

	ts = append(ts, catchUpTarget("pipeline catch-up", sqlCatchUpRate, r.Settings.RecordBytes, r.CatchUp, "COUNT(*)"))

	ts = append(ts, freshnessTarget("SQL", r.Settings.FreshMBps, r.Freshness, sqlFreshP99Ms))

	t := target{name: fmt.Sprintf("queries over %d rows within %.1f× of DuckDB on one Parquet file", r.Settings.Rows, sqlQueryMaxRatio), detail: "not measured"}
	if len(r.Queries) > 0 {
		t.met = true
		var parts []string
		for _, q := range r.Queries {
			if q.Error != "" || q.DirectMed == 0 {
				t.met = false
				parts = append(parts, q.Name+": not measured")
				continue
			}
			ok := q.Same && q.Ratio() <= sqlQueryMaxRatio
			t.met = t.met && ok
			parts = append(parts, fmt.Sprintf("%s: %s vs %s ms, %.2f× (%s)", q.Name, num(q.ChronikMed), num(q.DirectMed), q.Ratio(), okWord(ok)))
		}
		t.detail = strings.Join(parts, "; ")
	}
	return append(ts, t)
}

func printSQLText(w io.Writer, r *SQLResults) {
	printSection(w, "SQL over topics", "sql", sqlTargets(r), r.Errors)
}

// printSection prints a section's verdicts and errors for the terminal.
func printSection(w io.Writer, title, tag string, ts []target, errs []string) {
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, t := range ts {
		fmt.Fprintf(w, "[%s] %s — %s\n", okWord(t.met), t.name, t.detail)
	}
	for _, e := range errs {
		fmt.Fprintf(w, "error (%s): %s\n", tag, e)
	}
}

// writeTargets writes a section's table of targets.
func writeTargets(p func(string, ...any), ts []target) {
	p("| target | result | details |\n|---|---|---|\n")
	for _, t := range ts {
		p("| %s | **%s** | %s |\n", t.name, okWord(t.met), t.detail)
	}
	p("\n")
}

// catchUpTarget judges a sink's catch-up rate; countWhat names the count
// that must then answer every record.
func catchUpTarget(what string, minRate float64, recordBytes int, c *CatchUp, countWhat string) target {
	t := target{name: fmt.Sprintf("%s ≥ %s records/s (%d-byte JSON)", what, num(minRate), recordBytes), detail: "not measured"}
	if c != nil {
		t.met = c.RecordsPerSec >= minRate && c.Count == c.Records
		t.detail = fmt.Sprintf("%s records/s (%d records in %s s; %s = %d)", num(c.RecordsPerSec), c.Records, num(c.LagZeroSeconds), countWhat, c.Count)
	}
	return t
}

// writeSQLMarkdown writes the "SQL over topics" section of BENCHMARKS.md.
func writeSQLMarkdown(w io.Writer, r *SQLResults) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	s := r.Settings
	p("## SQL over topics\n\n")
	p("`chronik-bench sql` against a separate Chronik node (its own data directory, `CHRONIK_HOT_BUFFER_MAX_AGE_MS=%d`),\n", s.HotBufferMaxAgeMs)
	p("after the rounds above; load average at its start: %s. Records are %d-byte JSON objects\n", orDash(r.LoadAvg), s.RecordBytes)
	p("`{\"id\": n, \"k\": \"k00\"…\"k99\", \"v\": 0…999999, \"pad\": \"…\"}`, ids increasing, on %d partitions per topic; the producer\n", s.Partitions)
	p("is kgo with acks=all, idempotent, linger 5 ms, no compression.\n\n")
	writeTargets(p, sqlTargets(r))

	if x := r.Produce; x != nil {
		p("**Produce with and without columnar.** %d records (%s MB) on each side, in four topics produced to one after\n", x.Records, num(s.ProduceMB))
		p("the other (after an untimed warm-up topic): without `columnar.enabled`, with `columnar.enabled=true`, with, without\n")
		p("(half the records each).\n")
		p("A side's rate is its records over its total time from the first `Produce` to the last ack; the pipeline\n")
		p("indexes the columnar topics meanwhile, on the same cores.\n\n")
		p("| topic | MB/s | records/s |\n|---|---:|---:|\n")
		p("| without columnar | %s | %s |\n", num(x.PlainMBps), num(x.PlainRecsPerSec))
		p("| columnar.enabled=true | %s | %s |\n\n", num(x.ColumnarMBps), num(x.ColumnarRecsPerS))
	}
	if c := r.CatchUp; c != nil {
		p("**Catch-up.** %d records produced to a topic without columnar (in %s s), then `columnar.enabled=true` set\n", c.Records, num(c.ProduceSeconds))
		p("with IncrementalAlterConfigs; the clock runs from its answer until `GET /admin/status` shows every partition\n")
		p("of the topic indexed to its high watermark (`lag_records` 0): **%s s, %s records/s**. `SELECT COUNT(*)` then\n", num(c.LagZeroSeconds), num(c.RecordsPerSec))
		p("answered %d, %s s after the change.\n\n", c.Count, num(c.CountSeconds))
	}
	if len(r.Queries) > 0 {
		p("**Queries.** Over the catch-up topic's %d rows, once the node had sealed every one into Parquet (%s s of\n", s.Rows, num(s.SealWaitSeconds))
		if s.CompactSettleSeconds > 0 {
			p("waiting) and its compaction had left its files alone for %s s (%s s more): through", num(s.CompactSettleSeconds), num(s.CompactWaitSeconds))
		} else {
			p("waiting): through")
		}
		p(" `POST /_sql` (wall time at the client, JSON answer included) and with DuckDB %s in the bench\n", orDash(s.DuckDBVersion))
		p("client (%d threads, as the node's `CHRONIK_SQL_THREADS` default) on ONE Parquet file built from the node's %d local\n", s.DuckDBThreads, s.ParquetFiles)
		p("copies (%s MB; merged with `COPY (SELECT * FROM read_parquet([...], union_by_name=true)) TO ...` in %s s, %s MB).\n",
			num(mb(s.ParquetBytes)), num(s.BuildOneFileSecs), num(mb(s.OneParquetBytes)))
		p("Each query ran once on each side to warm up (and the two answers were compared), then %d times on each\n", s.Runs)
		p("side, alternating; medians below. `took_ms` is the node's own time for the query. For reference (no target),\n")
		p("the last column is the client's DuckDB on the node's %d files themselves (`read_parquet([...], union_by_name=true)`):\n", s.ParquetFiles)
		p("the part of the gap that the number of files makes.\n\n")
		p("| query | SQL | /_sql ms | took_ms | DuckDB, one file, ms | ratio | same answer | DuckDB, the node's files, ms |\n|---|---|---:|---:|---:|---:|---|---:|\n")
		for _, q := range r.Queries {
			if q.Error != "" {
				p("| %s | `%s` | – | – | – | – | error: %s | – |\n", q.Name, q.Chronik, strings.ReplaceAll(q.Error, "|", "\\|"))
				continue
			}
			p("| %s | `%s` | %s | %s | %s | %.2f× | %v | %s |\n", q.Name, q.Chronik, num(q.ChronikMed), num(median(q.TookMs)), num(q.DirectMed), q.Ratio(), q.Same, num(q.FilesMed))
		}
		p("\n")
	}
	if f := r.Freshness; f != nil {
		writeFreshness(p, f, s.SampleEvery, "`columnar.enabled=true`", "`SELECT _partition, max(id) FROM t GROUP BY _partition` through `/_sql`")
	}
	writeErrors(p, r.Errors)
}
