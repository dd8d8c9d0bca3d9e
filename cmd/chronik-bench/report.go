package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// machine describes where the run happened; test/bench/run.sh fills it in
// from nproc, /proc/cpuinfo, free, git and date.
type machine struct {
	nproc, cpu, mem, disk, date, commit, server string
	walProfile                                  string
	walWindow                                   time.Duration
	rssLimitMB                                  float64
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	chronikPath := fs.String("chronik", "", "comma-separated results JSON of the Chronik rounds (required)")
	kfakePath := fs.String("kfake", "", "comma-separated results JSON of the kfake rounds (required)")
	sqlPath := fs.String("sql", "", "results JSON of `chronik-bench sql` (optional: adds the SQL section)")
	searchPath := fs.String("search", "", "results JSON of `chronik-bench search` (optional: adds the Search section)")
	out := fs.String("out", "", "write the Markdown report here (e.g. docs/BENCHMARKS.md)")
	var m machine
	fs.StringVar(&m.nproc, "nproc", "", "number of CPUs (nproc)")
	fs.StringVar(&m.cpu, "cpu", "", "CPU model name")
	fs.StringVar(&m.mem, "mem", "", "memory (free)")
	fs.StringVar(&m.disk, "disk", "", "file system the data directories were on")
	fs.StringVar(&m.date, "date", time.Now().UTC().Format(time.RFC3339), "date of the run")
	fs.StringVar(&m.commit, "commit", "unknown", "commit of the code measured")
	fs.StringVar(&m.server, "server-version", "", "chronik-server version output")
	fs.StringVar(&m.walProfile, "wal-profile", "medium", "CHRONIK_WAL_PROFILE the broker ran with")
	fs.DurationVar(&m.walWindow, "wal-window", 10*time.Millisecond, "the WAL profile's longest group-commit wait")
	fs.Float64Var(&m.rssLimitMB, "rss-limit-mb", 500, "RSS target with many partitions, in MB (10^6 bytes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *chronikPath == "" || *kfakePath == "" {
		return errors.New("report: --chronik and --kfake are required")
	}
	var cr, kr []*Results
	for _, x := range []struct {
		paths string
		into  *[]*Results
	}{{*chronikPath, &cr}, {*kfakePath, &kr}} {
		for path := range strings.SplitSeq(x.paths, ",") {
			r, err := readResults(path)
			if err != nil {
				return err
			}
			*x.into = append(*x.into, r)
		}
	}
	var sr *SQLResults
	if *sqlPath != "" {
		var err error
		if sr, err = readSQLResults(*sqlPath); err != nil {
			return err
		}
	}
	var xr *SearchResults
	if *searchPath != "" {
		var err error
		if xr, err = readSearchResults(*searchPath); err != nil {
			return err
		}
	}
	c, k := mergeRounds(cr), mergeRounds(kr)
	targets := evaluate(c, k, m)
	printText(os.Stdout, c, k, targets)
	if sr != nil {
		printSQLText(os.Stdout, sr)
	}
	if xr != nil {
		printSearchText(os.Stdout, xr)
	}
	if *out == "" {
		return nil
	}
	var b strings.Builder
	writeMarkdown(&b, c, k, cr, kr, m, targets, sr, xr)
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", *out)
	return nil
}

// readResults reads a run's JSON. A missing or empty file (the run never
// finished) gives empty results, so the report still shows the other broker.
func readResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(b) == 0) {
		return &Results{Errors: []string{fmt.Sprintf("no results (%s missing: the run did not finish)", path)}}, nil
	}
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &r, nil
}

func findThroughput(r *Results, scn string) *Throughput {
	for i := range r.Throughput {
		if r.Throughput[i].Scenario == scn && r.Throughput[i].Error == "" {
			return &r.Throughput[i]
		}
	}
	return nil
}

func findHalf(r *Results, scn string) *HalfPeak {
	for i := range r.HalfPeak {
		if r.HalfPeak[i].Scenario == scn && r.HalfPeak[i].Error == "" {
			return &r.HalfPeak[i]
		}
	}
	return nil
}

// scenarios lists scenario names in run order, from either result.
func scenarios(c, k *Results) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range []*Results{c, k} {
		for _, t := range r.Throughput {
			if !seen[t.Scenario] {
				seen[t.Scenario] = true
				out = append(out, t.Scenario)
			}
		}
	}
	return out
}

// target is one goal of the issue with its verdict.
type target struct {
	name   string
	met    bool
	detail string
}

func evaluate(c, k *Results, m machine) []target {
	scns := scenarios(c, k)
	cmp := func(name string, get func(*Throughput) float64, higherBetter bool, unit string) target {
		t := target{name: name, met: len(scns) > 0}
		var parts []string
		for _, s := range scns {
			ct, kt := findThroughput(c, s), findThroughput(k, s)
			if ct == nil || kt == nil {
				t.met = false
				parts = append(parts, fmt.Sprintf("%s: not measured", s))
				continue
			}
			cv, kv := get(ct), get(kt)
			ok := cv >= kv
			if !higherBetter {
				ok = cv <= kv
			}
			t.met = t.met && ok
			parts = append(parts, fmt.Sprintf("%s: %s vs %s %s (%s)", s, num(cv), num(kv), unit, okWord(ok)))
		}
		t.detail = strings.Join(parts, "; ")
		return t
	}
	ts := []target{
		cmp("durable produce ≥ kfake", func(t *Throughput) float64 { return t.Produce.MBps }, true, "MB/s"),
		cmp("consume ≥ kfake", func(t *Throughput) float64 { return t.Consume.MBps }, true, "MB/s"),
		cmp("broker CPU-s/GB ≤ kfake", func(t *Throughput) float64 { return t.BrokerCPUPerGB }, false, "CPU-s/GB"),
	}

	limit := float64(m.walWindow+5*time.Millisecond) / float64(time.Millisecond)
	half := target{name: fmt.Sprintf("p99 at half peak ≤ WAL window + 5 ms = %s ms (%s)", num(limit), m.walProfile), met: len(scns) > 0}
	var parts []string
	for _, s := range scns {
		h := findHalf(c, s)
		if h == nil {
			half.met = false
			parts = append(parts, fmt.Sprintf("%s: not measured", s))
			continue
		}
		ok := h.Latency.P99 <= limit
		half.met = half.met && ok
		ref := "kfake not measured"
		if kh := findHalf(k, s); kh != nil {
			ref = "kfake " + num(kh.Latency.P99)
		}
		parts = append(parts, fmt.Sprintf("%s: p99 %s ms, %s (%s)", s, num(h.Latency.P99), ref, okWord(ok)))
	}
	half.detail = strings.Join(parts, "; ")
	ts = append(ts, half)

	rss := target{name: fmt.Sprintf("RSS < %s MB with %d partitions", num(m.rssLimitMB), c.Settings.ManyPartitions)}
	switch {
	case c.Many == nil || c.Many.Error != "":
		rss.detail = "not measured"
		if c.Many != nil {
			rss.detail += ": " + c.Many.Error
		}
	default:
		peak := mb(c.Many.PeakRSSBytes)
		rss.met = peak < m.rssLimitMB
		rss.detail = fmt.Sprintf("peak %s MB (kfake %s MB)", num(peak), manyPeak(k))
	}
	return append(ts, rss)
}

func manyPeak(r *Results) string {
	if r.Many == nil || r.Many.Error != "" {
		return "not measured"
	}
	return num(mb(r.Many.PeakRSSBytes))
}

func okWord(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// num formats a measurement with about three significant digits.
func num(v float64) string {
	switch a := max(v, -v); {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func ratio(c, k float64) string {
	if k == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", c/k)
}

// row is one metric of a throughput scenario.
type row struct {
	name string
	get  func(*Throughput) float64
	ms   bool // a latency triple, shown as p50 / p99 / p999
}

var rows = []row{
	{name: "produce MB/s", get: func(t *Throughput) float64 { return t.Produce.MBps }},
	{name: "produce records/s", get: func(t *Throughput) float64 { return t.Produce.RecordsPerSec }},
	{name: "produce latency p50 / p99 / p999 (ms)", ms: true},
	{name: "consume MB/s", get: func(t *Throughput) float64 { return t.Consume.MBps }},
	{name: "consume records/s", get: func(t *Throughput) float64 { return t.Consume.RecordsPerSec }},
	{name: "broker CPU-s/GB, produce", get: func(t *Throughput) float64 { return t.Produce.BrokerCPUPerGB }},
	{name: "broker CPU-s/GB, consume", get: func(t *Throughput) float64 { return t.Consume.BrokerCPUPerGB }},
	{name: "broker CPU-s/GB, total", get: func(t *Throughput) float64 { return t.BrokerCPUPerGB }},
	{name: "broker peak RSS (MB)", get: func(t *Throughput) float64 { return mb(t.PeakRSSBytes) }},
	{name: "client CPU-s, produce + consume", get: func(t *Throughput) float64 { return t.Produce.ClientCPUSeconds + t.Consume.ClientCPUSeconds }},
}

func cell(t *Throughput, r row) string {
	if t == nil {
		return "–"
	}
	if r.ms {
		return fmt.Sprintf("%s / %s / %s", num(t.Latency.P50), num(t.Latency.P99), num(t.Latency.P999))
	}
	return num(r.get(t))
}

func ratioCell(c, k *Throughput, r row) string {
	if c == nil || k == nil || r.ms {
		if c != nil && k != nil {
			return ratio(c.Latency.P99, k.Latency.P99) + " (p99)"
		}
		return "–"
	}
	return ratio(r.get(c), r.get(k))
}

func printText(w io.Writer, c, k *Results, targets []target) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmetric\tchronik\tkfake\tchronik/kfake\t")
	for _, s := range scenarios(c, k) {
		ct, kt := findThroughput(c, s), findThroughput(k, s)
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", s, r.name, cell(ct, r), cell(kt, r), ratioCell(ct, kt, r))
		}
		ch, kh := findHalf(c, s), findHalf(k, s)
		fmt.Fprintf(tw, "%s\thalf-peak p50 / p99 / p999 (ms)\t%s\t%s\t\t\n", s, halfCell(ch), halfCell(kh))
	}
	if c.Many != nil || k.Many != nil {
		fmt.Fprintf(tw, "%d partitions\tpeak RSS (MB)\t%s\t%s\t\t\n", c.Settings.ManyPartitions, manyPeak(c), manyPeak(k))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, t := range targets {
		fmt.Fprintf(w, "[%s] %s — %s\n", okWord(t.met), t.name, t.detail)
	}
	for _, r := range []*Results{c, k} {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "error (%s): %s\n", r.Broker, e)
		}
	}
}

func halfCell(h *HalfPeak) string {
	if h == nil {
		return "–"
	}
	return fmt.Sprintf("%s / %s / %s", num(h.Latency.P50), num(h.Latency.P99), num(h.Latency.P999))
}

func writeMarkdown(w *strings.Builder, c, k *Results, cr, kr []*Results, m machine, targets []target, sr *SQLResults, xr *SearchResults) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	s := c.Settings
	if s.MBPerScenario == 0 {
		s = k.Settings
	}
	p("# Benchmarks\n\n")
	p("Generated by `make bench` (`test/bench/run.sh`, client `cmd/chronik-bench`). Rerun it to refresh this page;\n")
	p("`BENCH_MB` sets the volume per scenario and `BENCH_ROUNDS` the number of rounds. Chronik and franz-go's kfake\n")
	p("run one after the other on the same machine, each as its own process, under the same load from the same\n")
	p("client binary. ")
	if len(cr) > 1 {
		p("There were %d rounds, alternating Chronik and kfake; every number below is the median over the rounds\n", len(cr))
		p("(the spread is under [Rounds](#rounds)).\n\n")
	} else {
		p("There was one round.\n\n")
	}
	p("## Machine and run\n\n")
	p("| | |\n|---|---|\n")
	p("| date | %s |\n", m.date)
	p("| commit | %s |\n", m.commit)
	if m.server != "" {
		p("| chronik-server | %s |\n", m.server)
	}
	p("| CPUs (nproc) | %s |\n", m.nproc)
	p("| CPU model | %s |\n", m.cpu)
	p("| memory (free) | %s |\n", m.mem)
	if m.disk != "" {
		p("| data directories | %s |\n", m.disk)
	}
	p("| Go | %s |\n", runtime.Version())
	p("| load average (1, 5, 15 min) at the start of each chronik round | %s |\n", orDash(c.LoadAvg))
	p("| load average (1, 5, 15 min) at the start of each kfake round | %s |\n", orDash(k.LoadAvg))
	p("| volume per scenario | %s MB of record values produced, then the same consumed |\n", num(s.MBPerScenario))
	p("| producer | kgo, acks=all, idempotent, linger %s, no compression, MaxBufferedBytes %d MiB, MaxBufferedRecords %d, default (sticky uniform-bytes) partitioner, one goroutine calling Produce |\n",
		s.Linger, s.MaxBufferedBytes>>20, s.MaxBufferedRecords)
	p("| consumer | kgo, ConsumeTopics + ConsumeResetOffset(AtStart), default fetch sizes, fresh client per scenario |\n")
	p("| chronik | WAL profile `%s` (group-commit window %s), fsync before acks=all is answered |\n", m.walProfile, m.walWindow)
	p("| kfake | one broker, `kfake.DataDir` + `kfake.SyncWrites()` (fsync of every produced batch before the ack), run by `chronik-bench kfake` |\n")
	p("\n")

	p("## Targets\n\n")
	p("| target | result | details |\n|---|---|---|\n")
	for _, t := range targets {
		p("| %s | **%s** | %s |\n", t.name, okWord(t.met), t.detail)
	}
	p("\n")

	p("## Produce, then consume\n\n")
	p("Per record: latency from the `Produce` call to its promise. At full speed the producer keeps its buffer full,\n")
	p("so those latencies are mostly time queued in the client (buffer size ÷ throughput); see the half-peak table\n")
	p("for latency under a sustainable load. CPU-s/GB is the broker's utime+stime (`/proc/<pid>/stat`) over 10^9\n")
	p("bytes of record values moved; \"total\" is produce plus consume CPU over bytes produced plus consumed.\n\n")
	for _, sc := range scenarios(c, k) {
		ct, kt := findThroughput(c, sc), findThroughput(k, sc)
		p("### %s\n\n", describe(sc, c, k))
		p("| metric | chronik | kfake | chronik ÷ kfake |\n|---|---:|---:|---:|\n")
		for _, r := range rows {
			p("| %s | %s | %s | %s |\n", r.name, cell(ct, r), cell(kt, r), ratioCell(ct, kt, r))
		}
		p("\n")
	}

	p("## Latency at half the peak rate\n\n")
	p("The producer is paced (a 1 ms ticker releases the records due) at half of the records/s the same broker\n")
	p("reached in the scenario above, for %s s; same client settings. Each broker runs at half of its own peak.\n", num(s.HalfPeakSeconds))
	p("A broker that cannot sustain even that rate makes `Produce` block on the full buffer; it is marked \"fell behind\".\n")
	p("The slowest record of every 100 ms of these runs is in the JSON results (`max_latency_ms_per_100ms`).\n\n")
	p("| scenario | broker | target records/s | achieved records/s | MB/s | p50 ms | p99 ms | p999 ms | max ms |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, sc := range scenarios(c, k) {
		for _, r := range []*Results{c, k} {
			h := findHalf(r, sc)
			if h == nil {
				p("| %s | %s | – | – | – | – | – | – | – |\n", sc, r.Broker)
				continue
			}
			achieved := num(h.AchievedRate)
			if h.AchievedRate < 0.95*h.TargetRate {
				achieved += fmt.Sprintf(" (%.0f%%: fell behind)", 100*h.AchievedRate/h.TargetRate)
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", sc, r.Broker, num(h.TargetRate), achieved,
				num(h.MBps), num(h.Latency.P50), num(h.Latency.P99), num(h.Latency.P999), num(h.Latency.Max))
		}
	}
	p("\n")

	p("## Memory with %d partitions\n\n", s.ManyPartitions)
	p("After the scenarios above, one topic with %d partitions is created, %d records of %d bytes are produced to\n",
		s.ManyPartitions, s.ManyRecordsPerPart, s.ManyRecordBytes)
	p("each partition and read back. RSS is `VmRSS` from `/proc/<pid>/status`, sampled every 50 ms.\n\n")
	p("| | chronik | kfake |\n|---|---:|---:|\n")
	manyRow := func(name string, get func(*ManyPartitions) string) {
		p("| %s | %s | %s |\n", name, manyCell(c.Many, get), manyCell(k.Many, get))
	}
	manyRow("create topic (s)", func(x *ManyPartitions) string { return num(x.CreateSeconds) })
	manyRow("produce (s)", func(x *ManyPartitions) string { return num(x.ProduceSeconds) })
	manyRow("consume (s)", func(x *ManyPartitions) string { return num(x.ConsumeSeconds) })
	manyRow("RSS before (MB)", func(x *ManyPartitions) string { return num(mb(x.RSSBeforeBytes)) })
	manyRow("RSS peak (MB)", func(x *ManyPartitions) string { return num(mb(x.PeakRSSBytes)) })
	manyRow("RSS 2 s after (MB)", func(x *ManyPartitions) string { return num(mb(x.RSSAfterBytes)) })
	p("| whole run: peak RSS, VmHWM (MB) | %s | %s |\n", num(mb(c.BrokerTotals.HWMBytes)), num(mb(k.BrokerTotals.HWMBytes)))
	p("| whole run: broker CPU-s | %s | %s |\n", num(c.BrokerTotals.CPUSeconds), num(k.BrokerTotals.CPUSeconds))
	p("\n")

	if len(cr) > 1 {
		p("## Rounds\n\n")
		p("Produce and consume MB/s of each round, to show how much the shared machine moved the numbers.\n\n")
		p("| scenario | broker | produce MB/s per round | consume MB/s per round |\n|---|---|---|---|\n")
		for _, sc := range scenarios(c, k) {
			for _, b := range []struct {
				name string
				rs   []*Results
			}{{"chronik", cr}, {"kfake", kr}} {
				var prod, cons []string
				for _, r := range b.rs {
					t := findThroughput(r, sc)
					if t == nil {
						prod, cons = append(prod, "–"), append(cons, "–")
						continue
					}
					prod, cons = append(prod, num(t.Produce.MBps)), append(cons, num(t.Consume.MBps))
				}
				p("| %s | %s | %s | %s |\n", sc, b.name, strings.Join(prod, ", "), strings.Join(cons, ", "))
			}
		}
		p("\n")
	}

	var errs []string
	for _, r := range []*Results{c, k} {
		for _, e := range r.Errors {
			errs = append(errs, fmt.Sprintf("- %s: %s", orDash(r.Broker), e))
		}
	}
	if len(errs) > 0 {
		p("## Errors\n\n%s\n\n", strings.Join(errs, "\n"))
	}
	if sr != nil {
		writeSQLMarkdown(w, sr)
	}
	if xr != nil {
		writeSearchMarkdown(w, xr)
	}

	p("## Notes\n\n")
	p("- Client and broker share the machine's %s CPUs; the client's own CPU time is in the tables. Other work on\n", orDash(m.nproc))
	p("  the machine (see load average) adds noise: compare ratios more than absolute numbers.\n")
	p("- MB is 10^6 bytes and GB 10^9 bytes of record values (keys are empty; batch and protocol overhead not counted).\n")
	p("- CPU time comes from `/proc` in 10 ms ticks; the produce phase includes a %s s pause after the last ack so\n", num(s.SettleSeconds))
	p("  that work the broker finishes after acknowledging is still counted.\n")
	p("- Each scenario writes to a new topic; the broker keeps the earlier topics' data, as a real broker would.\n")
	p("  Chronik also tiers it: once a segment of an earlier topic is sealed (by default at 1 GiB, which the half-peak\n")
	p("  runs reach), the next tiering pass uploads it to the object store (by default a local folder), and that\n")
	p("  copying is counted in whichever scenario runs then. kfake has no such tier.\n")
	p("- The produce phase checks that the topic holds exactly the records produced (plus one warm-up record), and\n")
	p("  the consume phase reads every one of them back.\n")
}

func describe(sc string, c, k *Results) string {
	for _, r := range []*Results{c, k} {
		for _, t := range r.Throughput {
			if t.Scenario == sc {
				return fmt.Sprintf("%d-byte records, %d partition(s)", t.RecordBytes, t.Partitions)
			}
		}
	}
	return sc
}

func manyCell(x *ManyPartitions, get func(*ManyPartitions) string) string {
	if x == nil || x.Error != "" {
		return "–"
	}
	return get(x)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
