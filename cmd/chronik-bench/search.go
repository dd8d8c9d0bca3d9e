package main

// `chronik-bench search`: full-text search over topics, measured from the
// outside (issue 11), with ~500-byte JSON log lines.
//
//  1. produce: log lines to topics without search, then to topics with
//     search.enabled=true; the throughput of each side (node.go's
//     compareProduce).
//  2. indexing: N log lines produced without search, then search.enabled
//     turned on with IncrementalAlterConfigs; time until /admin/status
//     shows the search sink's lag at 0 on every partition, then _count must
//     answer N.
//  3. queries: over those N documents, a match query on msg (top 10) and a
//     terms aggregation on service (size 10) through POST /{topic}/_search:
//     warm-up runs, then timed runs; p50/p99 of the wall time and of the
//     node's "took".
//  4. freshness: log lines at a fixed MB/s to a topic with search on; the
//     ack time of every --sample-every'th record is kept, a terms
//     aggregation on _partition with a max of id is polled, and each
//     sample's delay runs from its ack until an answer covers it.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SearchResults is everything one `chronik-bench search` measured.
type SearchResults struct {
	Started  time.Time      `json:"started"`
	LoadAvg  string         `json:"loadavg_at_start"`
	Settings SearchSettings `json:"settings"`

	Produce   *ProduceCompare `json:"produce,omitempty"`
	CatchUp   *CatchUp        `json:"catch_up,omitempty"`
	Queries   []SearchQuery   `json:"queries,omitempty"`
	Freshness *Freshness      `json:"freshness,omitempty"`
	Errors    []string        `json:"errors,omitempty"`
}

// SearchSettings records the load and the node's search settings.
type SearchSettings struct {
	LoadSettings
	Warmup    int `json:"warmup"`
	SealDocs  int `json:"seal_docs,omitempty"`
	SealAgeMs int `json:"seal_age_ms,omitempty"`
	// SealedDocs: of the queried topic's documents, those in sealed
	// indexes when the queries ran (the rest in the active ones).
	SealedDocs int64 `json:"sealed_docs"`
}

// SearchQuery is one query timed through POST /{topic}/_search.
type SearchQuery struct {
	Name  string      `json:"name"`
	Body  string      `json:"body"`
	Wall  Percentiles `json:"wall"` // at the client, JSON answer included
	Took  Percentiles `json:"took"` // the node's own "took"
	Total int64       `json:"hits_total"`
	// Check says what the answer was checked against, and whether it held.
	Check   string  `json:"check"`
	CheckOK bool    `json:"check_ok"`
	CPUMs   float64 `json:"broker_cpu_ms_per_query,omitempty"`
	Error   string  `json:"error,omitempty"`
}

type searchConfig struct {
	load
	freshTail time.Duration
	warmup    int
	sealDocs  int
	sealAgeMs int
}

// logLineBytes is the size of every log line.
const logLineBytes = 500

// The search section's sink, the config that turns it on, and the mapping
// its topics get (short strings as keywords, as a log pipeline maps them).
const (
	searchSink    = "search"
	searchOn      = "search.enabled"
	searchMapping = `{"id":{"type":"long"},"ts":{"type":"date"},"level":{"type":"keyword"},"service":{"type":"keyword"},` +
		`"host":{"type":"keyword"},"trace_id":{"type":"keyword"},"path":{"type":"keyword"},"user_id":{"type":"long"},` +
		`"latency_ms":{"type":"double"},"status":{"type":"long"},"msg":{"type":"text"}}`
)

func searchCmd(args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	parsed := loadFlags(fs, loadDefaults{sink: "search", produceMB: 100, rows: 1_000_000, freshMBps: 2, sampleEvery: 100, runs: 50, sealWait: 90 * time.Minute})
	freshTail := fs.Duration("fresh-tail", time.Minute, "after the freshness run, how long to wait for an answer covering every record")
	warmup := fs.Int("warmup", 5, "untimed runs of each query first")
	sealDocs := fs.Int("seal-docs", 0, "the node's CHRONIK_SEARCH_SEAL_DOCS, for the report")
	sealAge := fs.Int("seal-age-ms", 0, "the node's CHRONIK_SEARCH_SEAL_AGE_MS, for the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, out, err := parsed()
	if err != nil {
		return err
	}
	cfg := searchConfig{load: l, freshTail: *freshTail, warmup: *warmup, sealDocs: *sealDocs, sealAgeMs: *sealAge}
	switch {
	case cfg.warmup < 0 || cfg.freshTail < 0:
		return errors.New("--warmup and --fresh-tail must not be negative")
	case cfg.only["queries"] && !cfg.only["catchup"]:
		return errors.New("the queries need the catchup part (they query that topic)")
	}
	return runSection("search", &cfg.load, out, func() (any, []string) {
		r := runSearch(cfg)
		return r, r.Errors
	})
}

func runSearch(cfg searchConfig) *SearchResults {
	res := &SearchResults{
		Started: time.Now().UTC(), LoadAvg: loadAvg(),
		Settings: SearchSettings{
			LoadSettings: cfg.settings(logLineBytes), Warmup: cfg.warmup, SealDocs: cfg.sealDocs, SealAgeMs: cfg.sealAgeMs,
		},
	}
	fail := cfg.failer("search", &res.Errors)
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.seeds...))
	if err != nil {
		fail("client", err)
		return res
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	configs := map[string]string{searchOn: "true", "search.mapping": searchMapping}

	if cfg.only["produce"] {
		perSide := int64(cfg.produceMB * 1e6 / logLineBytes)
		p, err := cfg.compareProduce(adm, "searchbench", searchSink, configs, perSide, logLineBytes, logLine)
		if err != nil {
			fail("produce with and without search", err)
		} else {
			res.Produce = p
			logf("search: produce %.0f records/s without search, %.0f with (%.0f%%)", p.PlainRecsPerS, p.SinkRecsPerS, 100*p.Ratio())
		}
	}
	const rowsTopic = "searchbench_logs"
	caughtUp := false
	if cfg.only["catchup"] {
		c, err := cfg.catchUp(adm, searchSink, searchOn, rowsTopic, map[string]string{"search.mapping": searchMapping},
			cfg.rows, logLine, func(ctx context.Context) (int64, error) { return cfg.count(ctx, rowsTopic) })
		if err != nil {
			fail("indexing catch-up", err)
		} else {
			res.CatchUp, caughtUp = c, true
			logf("search: indexed %d records in %.1f s: %.0f records/s, %.3f ms broker CPU per record (_count = %d after %.1f s)",
				c.Records, c.LagZeroSeconds, c.RecordsPerSec, c.CPUMsPerRecord(), c.Count, c.CountSeconds)
		}
	}
	if cfg.only["queries"] && caughtUp {
		if es, err := cfg.indexing(searchSink, rowsTopic); err == nil {
			for _, e := range es {
				res.Settings.SealedDocs += e.Durable
			}
		}
		for _, sq := range searchQueries(cfg.rows) {
			q := cfg.timeQuery(rowsTopic, sq)
			res.Queries = append(res.Queries, q)
			if q.Error != "" {
				fail("query "+q.Name, errors.New(q.Error))
				continue
			}
			logf("search: %s: wall p50 %.1f p99 %.1f ms, took p50 %.0f p99 %.0f ms; %s (%v)",
				q.Name, q.Wall.P50, q.Wall.P99, q.Took.P50, q.Took.P99, q.Check, q.CheckOK)
		}
	}
	if cfg.only["freshness"] {
		f, err := cfg.searchFreshness(adm, "searchbench_fresh", configs)
		if err != nil {
			fail("freshness", err)
		} else {
			res.Freshness = f
			logf("search: freshness at %.1f MB/s (%d samples, %d unseen): p50 %.0f p99 %.0f max %.0f ms",
				f.AchievedMBps, f.Samples, f.Unseen, f.Delay.P50, f.Delay.P99, f.Delay.Max)
		}
	}
	return res
}

// logWords are the words of the log lines' messages: a few common ones,
// then made-up ones; logLine picks low indexes far more often.
var logWords = func() []string {
	w := []string{"error", "timeout", "connection", "refused", "request", "served", "cache", "miss", "retry",
		"user", "login", "failed", "payment", "order", "session", "expired", "upstream", "reset"}
	r := rand.New(rand.NewPCG(11, 13))
	for len(w) < 2000 {
		b := make([]byte, 3+r.IntN(8))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		w = append(w, string(b))
	}
	return w
}()

var logEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// logLine is the JSON log line with the given id, exactly logLineBytes
// long: the same id gives the same line. Its fields: id, ts (an RFC 3339
// time, 1 ms per id), level, service (40 values), host (300), trace_id,
// path, user_id, latency_ms, status, and msg, words of logWords up to the
// size.
func logLine(id int64) []byte {
	r := rand.New(rand.NewPCG(uint64(id), 0x5eed))
	level := [...]string{"INFO", "INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"}[r.IntN(7)]
	status := [...]int{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)]
	b := make([]byte, 0, logLineBytes+16)
	b = fmt.Appendf(b, `{"id":%d,"ts":"%s","level":"%s","service":"svc-%02d","host":"host-%03d","trace_id":"%016x%016x",`+
		`"path":"/api/v1/%s/%d","user_id":%d,"latency_ms":%d.%02d,"status":%d,"msg":"`,
		id, logEpoch.Add(time.Duration(id)*time.Millisecond).Format("2006-01-02T15:04:05.000Z"), level, r.IntN(40), r.IntN(300),
		r.Uint64(), r.Uint64(), logWords[r.IntN(50)], r.IntN(1000), r.IntN(100_000), r.IntN(5000), r.IntN(100), status)
	for first := true; len(b) < logLineBytes-2; first = false {
		if !first {
			b = append(b, ' ')
		}
		// Zipf-like: the product of three uniforms favours low indexes.
		b = append(b, logWords[int(float64(len(logWords))*r.Float64()*r.Float64()*r.Float64())]...)
	}
	b = b[:logLineBytes-2]
	return append(b, '"', '}')
}

// searchQuery is one query of the comparison and the check its answer
// must pass.
type searchQuery struct {
	name, body string
	check      func(a *esAnswer) (what string, ok bool)
}

// searchQueries are the two queries over rows log lines.
func searchQueries(rows int64) []searchQuery {
	return []searchQuery{
		{
			name: "match msg, top 10",
			body: `{"size":10,"query":{"match":{"msg":"payment timeout"}}}`,
			check: func(a *esAnswer) (string, bool) {
				return fmt.Sprintf("%d hits returned of %d (%s)", len(a.Hits.Hits), a.Hits.Total.Value, a.Hits.Total.Relation),
					a.Hits.Total.Value > 0 && len(a.Hits.Hits) == int(min(10, a.Hits.Total.Value))
			},
		},
		{
			name: "terms on service, size 10",
			body: `{"size":0,"aggs":{"services":{"terms":{"field":"service","size":10}}}}`,
			check: func(a *esAnswer) (string, bool) {
				var t esTerms
				if err := json.Unmarshal(a.Aggregations["services"], &t); err != nil {
					return "no terms aggregation in the answer: " + err.Error(), false
				}
				sum := t.Other
				for _, b := range t.Buckets {
					sum += b.DocCount
				}
				return fmt.Sprintf("%d buckets; their counts and sum_other_doc_count add up to %d of %d documents", len(t.Buckets), sum, rows),
					len(t.Buckets) == 10 && sum == rows
			},
		},
	}
}

// esAnswer is the part of a _search answer the bench reads.
type esAnswer struct {
	Took     int64 `json:"took"`
	TimedOut bool  `json:"timed_out"`
	Hits     struct {
		Total struct {
			Value    int64  `json:"value"`
			Relation string `json:"relation"`
		} `json:"total"`
		Hits []json.RawMessage `json:"hits"`
	} `json:"hits"`
	Aggregations map[string]json.RawMessage `json:"aggregations"`
}

// esTerms is a terms aggregation's answer; a bucket's max sub-aggregation
// "m", when asked for, is in M.
type esTerms struct {
	Other   int64 `json:"sum_other_doc_count"`
	Buckets []struct {
		Key      json.RawMessage `json:"key"`
		DocCount int64           `json:"doc_count"`
		M        struct {
			Value *float64 `json:"value"`
		} `json:"m"`
	} `json:"buckets"`
}

func (cfg searchConfig) search(ctx context.Context, topic, body string) (*esAnswer, error) {
	var a esAnswer
	if _, err := cfg.call(ctx, http.MethodPost, "/"+topic+"/_search", json.RawMessage(body), &a); err != nil {
		return nil, err
	}
	if a.TimedOut {
		return nil, fmt.Errorf("%s: the node answered timed_out", body)
	}
	return &a, nil
}

func (cfg searchConfig) count(ctx context.Context, topic string) (int64, error) {
	var c struct {
		Count int64 `json:"count"`
	}
	if _, err := cfg.call(ctx, http.MethodPost, "/"+topic+"/_count", json.RawMessage(`{"query":{"match_all":{}}}`), &c); err != nil {
		return 0, err
	}
	return c.Count, nil
}

// timeQuery checks the first answer of sq, then runs it cfg.warmup more
// times untimed and cfg.runs times timed, one after the other.
func (cfg searchConfig) timeQuery(topic string, sq searchQuery) SearchQuery {
	q := SearchQuery{Name: sq.name, Body: sq.body}
	a, err := cfg.search(cfg.ctx, topic, sq.body)
	if err != nil {
		q.Error = err.Error()
		return q
	}
	q.Total = a.Hits.Total.Value
	q.Check, q.CheckOK = sq.check(a)
	for range cfg.warmup {
		if _, err := cfg.search(cfg.ctx, topic, sq.body); err != nil {
			q.Error = err.Error()
			return q
		}
	}
	wall, took := make([]int64, 0, cfg.runs), make([]int64, 0, cfg.runs)
	cpu0, _ := cfg.broker.cpuSeconds()
	for range cfg.runs {
		t0 := time.Now()
		a, err := cfg.search(cfg.ctx, topic, sq.body)
		if err != nil {
			q.Error = err.Error()
			return q
		}
		wall, took = append(wall, int64(time.Since(t0))), append(took, a.Took*int64(time.Millisecond))
	}
	cpu1, _ := cfg.broker.cpuSeconds()
	q.CPUMs = 1000 * (cpu1 - cpu0) / float64(cfg.runs)
	q.Wall, q.Took = percentiles(wall), percentiles(took)
	return q
}

// searchFreshness polls each partition's highest id visible in _search.
func (cfg searchConfig) searchFreshness(adm *kadm.Client, topic string, configs map[string]string) (*Freshness, error) {
	if err := cfg.createTopic(adm, topic, configs); err != nil {
		return nil, err
	}
	body := fmt.Sprintf(`{"size":0,"aggs":{"p":{"terms":{"field":"_partition","size":%d},"aggs":{"m":{"max":{"field":"id"}}}}}}`, cfg.parts)
	return cfg.freshness(freshRun{
		topic: topic, mbps: cfg.freshMBps, recordBytes: logLineBytes, duration: cfg.freshFor,
		sampleEvery: cfg.sampleEvery, tail: cfg.freshTail, value: logLine,
		poll: func(ctx context.Context) (map[int32]int64, error) {
			a, err := cfg.search(ctx, topic, body)
			if err != nil {
				return nil, err
			}
			return partitionMax(a)
		},
	})
}

// partitionMax reads each partition's max id from the answer of the
// freshness poll.
func partitionMax(a *esAnswer) (map[int32]int64, error) {
	var t esTerms
	if err := json.Unmarshal(a.Aggregations["p"], &t); err != nil {
		return nil, fmt.Errorf("the poll's answer has no terms aggregation p: %w", err)
	}
	m := map[int32]int64{}
	for _, b := range t.Buckets {
		p, err := strconv.ParseInt(string(b.Key), 10, 32)
		if err != nil || b.M.Value == nil {
			return nil, fmt.Errorf("the poll's answer has a bucket %q without a max id", b.Key)
		}
		m[int32(p)] = int64(*b.M.Value)
	}
	return m, nil
}
