package main

// `chronik-bench sql`: SQL over topics, measured from the outside (issue 10).
//
//  1. produce: 200-byte JSON records to a topic without columnar, then to one
//     with columnar.enabled=true; MB/s of each.
//  2. catch-up: N records produced without columnar, then columnar.enabled
//     turned on with IncrementalAlterConfigs; time until /admin/status shows
//     the topic's indexing lag at 0, then SELECT COUNT(*) must answer N.
//  3. queries: once every record of that topic is sealed into Parquet, the
//     node's local copies are merged into ONE Parquet file with DuckDB in
//     this process, and COUNT(*), a GROUP BY and a filtered scan are timed
//     through POST /_sql and on that file directly (median of --runs, warm).
//  4. freshness: records carrying an increasing id at a fixed MB/s; the ack
//     time of every --sample-every'th record is kept, SELECT _partition,
//     max(id) is polled, and each sample's delay is from its ack until an
//     answer (as received) covers it.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SQLResults is everything one `chronik-bench sql` measured.
type SQLResults struct {
	Started  time.Time   `json:"started"`
	LoadAvg  string      `json:"loadavg_at_start"`
	Settings SQLSettings `json:"settings"`

	Produce   *SQLProduce   `json:"produce,omitempty"`
	CatchUp   *SQLCatchUp   `json:"catch_up,omitempty"`
	Queries   []SQLQuery    `json:"queries,omitempty"`
	Freshness *SQLFreshness `json:"freshness,omitempty"`
	Errors    []string      `json:"errors,omitempty"`
}

// SQLSettings records the load.
type SQLSettings struct {
	RecordBytes      int     `json:"record_bytes"`
	Partitions       int     `json:"partitions"`
	ProduceMB        float64 `json:"produce_mb"`
	Rows             int64   `json:"rows"`
	FreshMBps        float64 `json:"freshness_mb_per_s"`
	FreshSeconds     float64 `json:"freshness_seconds"`
	SampleEvery      int64   `json:"sample_every"`
	Runs             int     `json:"runs"`
	DuckDBThreads    int     `json:"duckdb_threads"`
	DuckDBVersion    string  `json:"duckdb_version,omitempty"`
	ParquetFiles     int     `json:"parquet_files"`
	ParquetBytes     int64   `json:"parquet_bytes"`
	OneParquetBytes  int64   `json:"one_parquet_bytes"`
	BuildOneFileSecs float64 `json:"build_one_file_seconds"`
	SealWaitSeconds  float64 `json:"seal_wait_seconds"`
	// CompactWaitSeconds: after the seal wait, until the node's Parquet
	// files stayed the same for CompactSettleSeconds (its compaction done).
	CompactWaitSeconds   float64 `json:"compact_wait_seconds,omitempty"`
	CompactSettleSeconds float64 `json:"compact_settle_seconds,omitempty"`
	HotBufferMaxAgeMs    int     `json:"hot_buffer_max_age_ms,omitempty"`
}

// SQLProduce compares produce throughput with and without columnar.
type SQLProduce struct {
	Records          int64   `json:"records"`
	PlainMBps        float64 `json:"plain_mb_per_s"`
	ColumnarMBps     float64 `json:"columnar_mb_per_s"`
	PlainRecsPerSec  float64 `json:"plain_records_per_s"`
	ColumnarRecsPerS float64 `json:"columnar_records_per_s"`
}

// Ratio is columnar over plain throughput.
func (p *SQLProduce) Ratio() float64 {
	if p == nil || p.PlainMBps == 0 {
		return 0
	}
	return p.ColumnarMBps / p.PlainMBps
}

// SQLCatchUp is the pipeline catching up on a topic it did not index.
type SQLCatchUp struct {
	Records        int64   `json:"records"`
	ProduceSeconds float64 `json:"produce_seconds"`
	LagZeroSeconds float64 `json:"lag_zero_seconds"` // from the config change until lag 0
	CountSeconds   float64 `json:"count_seconds"`    // from the config change until COUNT(*) answered N
	RecordsPerSec  float64 `json:"records_per_s"`    // Records / LagZeroSeconds
	Count          int64   `json:"count"`
}

// SQLQuery is one query through /_sql and on one Parquet file directly.
type SQLQuery struct {
	Name       string    `json:"name"`
	Chronik    string    `json:"chronik_sql"`
	Direct     string    `json:"direct_sql"`
	ChronikMs  []float64 `json:"chronik_ms"` // wall time of each POST /_sql
	TookMs     []float64 `json:"chronik_took_ms"`
	DirectMs   []float64 `json:"direct_ms"`
	ChronikMed float64   `json:"chronik_median_ms"`
	DirectMed  float64   `json:"direct_median_ms"`
	// The same query by DuckDB straight over the node's Parquet files (as
	// many as it sealed): how much of the gap is the number of files.
	Files    string    `json:"files_sql"`
	FilesMs  []float64 `json:"files_ms"`
	FilesMed float64   `json:"files_median_ms"`
	Same     bool      `json:"same_answer"`
	Error    string    `json:"error,omitempty"`
}

// Ratio is Chronik's median over DuckDB's.
func (q SQLQuery) Ratio() float64 {
	if q.DirectMed == 0 {
		return 0
	}
	return q.ChronikMed / q.DirectMed
}

// SQLFreshness is the delay from ack to visible in SQL.
type SQLFreshness struct {
	TargetMBps   float64     `json:"target_mb_per_s"`
	AchievedMBps float64     `json:"achieved_mb_per_s"`
	Records      int64       `json:"records"`
	Samples      int         `json:"samples"`
	Unseen       int         `json:"unseen"` // samples no answer covered before the end
	Polls        int         `json:"polls"`
	PollMs       Percentiles `json:"poll_ms"` // how long each poll took
	Delay        Percentiles `json:"delay"`
}

type sqlConfig struct {
	ctx         context.Context
	seeds       []string
	httpAddr    string
	dataDir     string
	broker      proc
	parts       int
	recordBytes int
	produceMB   float64
	rows        int64
	freshMBps   float64
	freshFor    time.Duration
	sampleEvery int64
	runs        int
	threads     int
	sealWait    time.Duration
	settle      time.Duration
	hotMaxAgeMs int
	work        string
	only        map[string]bool
	http        *http.Client
}

func sqlCmd(args []string) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated seed brokers")
	httpAddr := fs.String("http", "127.0.0.1:6092", "the node's unified HTTP API (host:port)")
	dataDir := fs.String("data-dir", "", "the node's data directory (its columnar/ Parquet copies are read; required for the query comparison)")
	pid := fs.Int("broker-pid", 0, "broker process id (0: not watched)")
	parts := fs.Int("partitions", 2, "partitions of every topic")
	produceMB := fs.Float64("produce-mb", 100, "MB of record values produced without columnar, and as many with (each in two topics)")
	rows := fs.Int64("rows", 10_000_000, "records produced before columnar is turned on, then queried")
	freshMBps := fs.Float64("fresh-mbps", 10, "produce rate of the freshness run, MB/s")
	freshFor := fs.Duration("fresh-for", 20*time.Second, "how long the freshness run produces")
	sampleEvery := fs.Int64("sample-every", 500, "keep the ack time of every n-th record of the freshness run")
	runs := fs.Int("runs", 5, "timed runs of each query on each side (the median is reported)")
	threads := fs.Int("duckdb-threads", 2, "threads of the DuckDB this client runs")
	sealWait := fs.Duration("seal-wait", 5*time.Minute, "how long to wait for the node to seal every record into Parquet")
	hotAge := fs.Int("hot-max-age-ms", 0, "the node's CHRONIK_HOT_BUFFER_MAX_AGE_MS, for the report")
	settle := fs.Duration("compact-settle", 0, "before the queries, wait until the node's Parquet files stayed the same this long (its compaction done; 0: do not wait)")
	only := fs.String("only", "produce,catchup,queries,freshness", "comma-separated parts to run")
	work := fs.String("work-dir", "", "directory for the merged Parquet file (default: a temporary one)")
	out := fs.String("out", "", "write results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := sqlConfig{
		seeds: strings.Split(*brokers, ","), httpAddr: *httpAddr, dataDir: *dataDir, broker: proc{*pid},
		parts: *parts, recordBytes: 200, produceMB: *produceMB, rows: *rows, freshMBps: *freshMBps,
		freshFor: *freshFor, sampleEvery: *sampleEvery, runs: *runs, threads: *threads, sealWait: *sealWait, settle: *settle,
		hotMaxAgeMs: *hotAge, work: *work, only: map[string]bool{},
		http: &http.Client{Timeout: 5 * time.Minute},
	}
	for p := range strings.SplitSeq(*only, ",") {
		switch p = strings.TrimSpace(p); p {
		case "produce", "catchup", "queries", "freshness":
			cfg.only[p] = true
		default:
			return fmt.Errorf("--only: %q is not one of produce, catchup, queries, freshness", p)
		}
	}
	switch {
	case cfg.parts < 1 || cfg.parts > 1000:
		return fmt.Errorf("--partitions %d: must be between 1 and 1000", cfg.parts)
	case cfg.rows < 1:
		return fmt.Errorf("--rows %d: must be positive", cfg.rows)
	case cfg.produceMB <= 0 || cfg.freshMBps <= 0:
		return errors.New("--produce-mb and --fresh-mbps must be positive")
	case cfg.sampleEvery < 1 || cfg.runs < 1 || cfg.threads < 1:
		return errors.New("--sample-every, --runs and --duckdb-threads must be positive")
	case cfg.only["queries"] && (cfg.dataDir == "" || !cfg.only["catchup"]):
		return errors.New("the query comparison needs --data-dir and the catchup part (it queries that topic)")
	}
	if cfg.work == "" {
		d, err := os.MkdirTemp("", "chronik-bench-sql.")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		cfg.work = d
	}
	ctx, cancel := watchBroker(cfg.broker)
	defer cancel()
	cfg.ctx = ctx
	res := runSQL(cfg)
	if *out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("sql: %d part(s) failed: %s", len(res.Errors), strings.Join(res.Errors, "; "))
	}
	return nil
}

func runSQL(cfg sqlConfig) *SQLResults {
	res := &SQLResults{
		Started: time.Now().UTC(), LoadAvg: loadAvg(),
		Settings: SQLSettings{
			RecordBytes: cfg.recordBytes, Partitions: cfg.parts, ProduceMB: cfg.produceMB, Rows: cfg.rows,
			FreshMBps: cfg.freshMBps, FreshSeconds: cfg.freshFor.Seconds(), SampleEvery: cfg.sampleEvery,
			Runs: cfg.runs, DuckDBThreads: cfg.threads, HotBufferMaxAgeMs: cfg.hotMaxAgeMs,
		},
	}
	fail := func(what string, err error) {
		msg := fmt.Sprintf("%s: %v", what, err)
		if cause := context.Cause(cfg.ctx); cause != nil {
			msg += fmt.Sprintf(" (%v)", cause)
		}
		logf("sql: FAILED %s", msg)
		res.Errors = append(res.Errors, msg)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.seeds...))
	if err != nil {
		fail("client", err)
		return res
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	if cfg.only["produce"] {
		p, err := sqlProduceCompare(cfg, adm)
		if err != nil {
			fail("produce with and without columnar", err)
		} else {
			res.Produce = p
			logf("sql: produce %.1f MB/s without columnar, %.1f MB/s with (%.0f%%)", p.PlainMBps, p.ColumnarMBps, 100*p.Ratio())
		}
	}
	const rowsTopic = "sqlbench_rows"
	caughtUp := false
	if cfg.only["catchup"] {
		c, err := sqlCatchUp(cfg, adm, rowsTopic)
		if err != nil {
			fail("catch-up", err)
		} else {
			res.CatchUp, caughtUp = c, true
			logf("sql: catch-up of %d records in %.2f s: %.0f records/s (COUNT(*) = %d after %.2f s)",
				c.Records, c.LagZeroSeconds, c.RecordsPerSec, c.Count, c.CountSeconds)
		}
	}
	if cfg.only["queries"] && caughtUp {
		qs, err := sqlQueries(cfg, adm, rowsTopic, &res.Settings)
		res.Queries = qs
		if err != nil {
			fail("queries", err)
		}
		for _, q := range qs {
			if q.Error != "" {
				fail("query "+q.Name, errors.New(q.Error))
				continue
			}
			logf("sql: %s: /_sql %.1f ms, DuckDB on one file %.1f ms (%.2fx), DuckDB on the node's files %.1f ms, same answer %v",
				q.Name, q.ChronikMed, q.DirectMed, q.Ratio(), q.FilesMed, q.Same)
		}
	}
	if cfg.only["freshness"] {
		f, err := sqlFreshness(cfg, adm, "sqlbench_fresh")
		if err != nil {
			fail("freshness", err)
		} else {
			res.Freshness = f
			logf("sql: freshness at %.1f MB/s (%d samples, %d unseen): p50 %.0f p99 %.0f max %.0f ms",
				f.AchievedMBps, f.Samples, f.Unseen, f.Delay.P50, f.Delay.P99, f.Delay.Max)
		}
	}
	return res
}

// jsonRecord is a JSON object of exactly size bytes (size >= 64) with an
// increasing id, a group key of 100 values, a number in [0, 1e6) and
// padding.
func jsonRecord(id int64, size int) []byte {
	v := (id % 1_000_000 * 7919) % 1_000_000
	b := fmt.Appendf(make([]byte, 0, size), `{"id":%d,"k":"k%02d","v":%d,"pad":"`, id, id%100, v)
	for len(b) < size-2 {
		b = append(b, 'a'+byte((id+int64(len(b)))%26))
	}
	return append(b, '"', '}')
}

func sqlCreateTopic(ctx context.Context, adm *kadm.Client, topic string, parts int, columnar bool) error {
	var configs map[string]*string
	if columnar {
		t := "true"
		configs = map[string]*string{"columnar.enabled": &t}
	}
	resp, err := adm.CreateTopic(ctx, int32(parts), 1, configs, topic)
	if err == nil && resp.Err != nil {
		err = fmt.Errorf("%w %s", resp.Err, resp.ErrMessage)
	}
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	return nil
}

// produceN produces n JSON records with ids from first on, as fast as the
// producer goes, or paced at rate records/s (0: unpaced). onAck, if set, is
// called from the promise of every record that succeeded.
func produceN(cfg sqlConfig, topic string, first, n int64, rate float64, onAck func(*kgo.Record)) (time.Duration, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.seeds...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedBytes(32<<20), kgo.MaxBufferedRecords(1_000_000),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx := cfg.ctx
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: jsonRecord(first, cfg.recordBytes)}).FirstErr(); err != nil {
		return 0, fmt.Errorf("warm-up record: %w", err)
	}
	var errs atomic.Int64
	var firstErr atomic.Value
	promise := func(r *kgo.Record, err error) {
		if err != nil {
			if errs.Add(1) == 1 {
				firstErr.Store(err)
			}
			return
		}
		if onAck != nil {
			onAck(r)
		}
	}
	start := time.Now()
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Millisecond)
		defer tick.Stop()
	}
	for i := int64(1); i < n && ctx.Err() == nil; {
		due := n
		if tick != nil {
			select {
			case <-ctx.Done():
				continue
			case now := <-tick.C:
				due = min(n, int64(now.Sub(start).Seconds()*rate)+1)
			}
		}
		for ; i < due; i++ {
			r := &kgo.Record{Value: jsonRecord(first+i, cfg.recordBytes)}
			r.Timestamp = time.Now()
			cl.Produce(ctx, r, promise)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	d := time.Since(start)
	if errs.Load() > 0 {
		return d, fmt.Errorf("%d records failed, first: %v", errs.Load(), firstErr.Load())
	}
	return d, ctx.Err()
}

// sqlProduceCompare produces to topics without and with columnar in the
// order plain, columnar, columnar, plain, so that neither side gets all of
// the first topic's warm-up or of the machine's drift; each side's rate is
// its records over its total time.
func sqlProduceCompare(cfg sqlConfig, adm *kadm.Client) (*SQLProduce, error) {
	n := int64(cfg.produceMB * 1e6 / float64(cfg.recordBytes) / 2)
	p := &SQLProduce{Records: 2 * n}
	var took [2]time.Duration
	for i, columnar := range []bool{false, true, true, false} {
		side := 0
		if columnar {
			side = 1
		}
		topic := fmt.Sprintf("sqlbench_plain_%d", i)
		if columnar {
			topic = fmt.Sprintf("sqlbench_columnar_%d", i)
		}
		if err := sqlCreateTopic(cfg.ctx, adm, topic, cfg.parts, columnar); err != nil {
			return nil, err
		}
		d, err := produceN(cfg, topic, 0, n, 0, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", topic, err)
		}
		took[side] += d
		logf("sql: %s: %.1f MB/s", topic, rate(float64((n-1)*int64(cfg.recordBytes))/1e6, d))
		if columnar {
			// The pipeline's work on this topic is not left to the next one.
			if err := cfg.waitIndexed(topic, n, false); err != nil {
				return nil, err
			}
		}
	}
	// The warm-up record of each topic is not timed.
	p.PlainRecsPerSec = rate(float64(2*(n-1)), took[0])
	p.ColumnarRecsPerS = rate(float64(2*(n-1)), took[1])
	p.PlainMBps = p.PlainRecsPerSec * float64(cfg.recordBytes) / 1e6
	p.ColumnarMBps = p.ColumnarRecsPerS * float64(cfg.recordBytes) / 1e6
	return p, nil
}

// sqlSink is the name of the columnar sink in /admin/status.
const sqlSink = "columnar"

// indexEntry is one (sink, partition) of /admin/status's "indexing".
type indexEntry struct {
	Sink          string `json:"sink"`
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	Indexed       int64  `json:"indexed_offset"`
	Durable       int64  `json:"durable_offset"`
	HighWatermark int64  `json:"high_watermark"`
	LagRecords    int64  `json:"lag_records"`
}

func (cfg sqlConfig) indexing(ctx context.Context, topic string) ([]indexEntry, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+cfg.httpAddr+"/admin/status", nil)
	if err != nil {
		return nil, err
	}
	resp, err := cfg.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /admin/status: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	var st struct {
		Indexing []indexEntry `json:"indexing"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("GET /admin/status: %w", err)
	}
	var out []indexEntry
	for _, e := range st.Indexing {
		if e.Topic == topic && e.Sink == sqlSink {
			out = append(out, e)
		}
	}
	return out, nil
}

// caughtUp reports whether every one of parts partitions is indexed up to
// the end of want records in all, and, with sealed, saved up to it too.
func caughtUp(es []indexEntry, parts int, want int64, sealed bool) bool {
	if len(es) != parts {
		return false
	}
	var hw int64
	for _, e := range es {
		if e.LagRecords != 0 || e.Indexed < e.HighWatermark || (sealed && e.Durable < e.HighWatermark) {
			return false
		}
		hw += e.HighWatermark
	}
	return hw >= want
}

// waitIndexed polls /admin/status every 20 ms until the topic's records
// (want in all) are indexed, or with sealed saved in Parquet too, for at
// most cfg.sealWait.
func (cfg sqlConfig) waitIndexed(topic string, want int64, sealed bool) error {
	deadline := time.Now().Add(cfg.sealWait)
	for {
		es, err := cfg.indexing(cfg.ctx, topic)
		if err != nil {
			return err
		}
		if caughtUp(es, cfg.parts, want, sealed) {
			return nil
		}
		if time.Now().After(deadline) {
			what := "indexed"
			if sealed {
				what = "sealed into Parquet (is CHRONIK_HOT_BUFFER_MAX_AGE_MS small?)"
			}
			return fmt.Errorf("%s: not every record %s after %s: %+v", topic, what, cfg.sealWait, es)
		}
		if err := sleep(cfg.ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// sqlAnswer is the JSON answer of POST /_sql.
type sqlAnswer struct {
	Columns    []struct{ Name, Type string } `json:"columns"`
	Rows       [][]any                       `json:"rows"`
	Watermarks map[string]map[string]int64   `json:"watermarks"`
	TookMs     float64                       `json:"took_ms"`
}

func (cfg sqlConfig) query(ctx context.Context, q string) (*sqlAnswer, error) {
	body, _ := json.Marshal(map[string]string{"query": q})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+cfg.httpAddr+"/_sql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cfg.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /_sql %q: %s: %s", q, resp.Status, bytes.TrimSpace(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var a sqlAnswer
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("POST /_sql %q: %w", q, err)
	}
	return &a, nil
}

func sqlCatchUp(cfg sqlConfig, adm *kadm.Client, topic string) (*SQLCatchUp, error) {
	ctx := cfg.ctx
	if err := sqlCreateTopic(ctx, adm, topic, cfg.parts, false); err != nil {
		return nil, err
	}
	d, err := produceN(cfg, topic, 0, cfg.rows, 0, nil)
	if err != nil {
		return nil, err
	}
	c := &SQLCatchUp{Records: cfg.rows, ProduceSeconds: d.Seconds()}
	logf("sql: produced %d records to %s in %.1f s; turning columnar.enabled on", cfg.rows, topic, d.Seconds())
	resp, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "columnar.enabled", Value: kadm.StringPtr("true")}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("turning columnar.enabled on: %w", err)
	}
	start := time.Now()
	if err := cfg.waitIndexed(topic, cfg.rows, false); err != nil {
		return nil, err
	}
	c.LagZeroSeconds = time.Since(start).Seconds()
	c.RecordsPerSec = rate(float64(c.Records), time.Duration(c.LagZeroSeconds*float64(time.Second)))
	a, err := cfg.query(ctx, "SELECT COUNT(*) FROM "+topic)
	if err != nil {
		return nil, err
	}
	c.CountSeconds = time.Since(start).Seconds()
	if c.Count, err = firstInt(a); err != nil {
		return nil, err
	}
	if c.Count != c.Records {
		return c, fmt.Errorf("SELECT COUNT(*) answered %d, want %d", c.Count, c.Records)
	}
	return c, nil
}

func firstInt(a *sqlAnswer) (int64, error) {
	if len(a.Rows) != 1 || len(a.Rows[0]) < 1 {
		return 0, fmt.Errorf("want one row, got %d", len(a.Rows))
	}
	return anyInt(a.Rows[0][0])
}

func anyInt(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		return x.Int64()
	case string:
		return strconv.ParseInt(x, 10, 64)
	case nil:
		return -1, nil
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// benchQueries are the three queries of the comparison; %s is the table.
var benchQueries = []struct{ name, sql string }{
	{"COUNT(*)", "SELECT count(*) FROM %s"},
	{"GROUP BY", "SELECT k, count(*) AS n, sum(v) AS s FROM %s GROUP BY k ORDER BY k"},
	{"filtered scan", "SELECT id, k, v FROM %s WHERE v BETWEEN 1000 AND 1099 ORDER BY id"},
}

var parquetName = regexp.MustCompile(`^[0-9]{20}-[0-9]{20}\.parquet$`)

// parquetFiles lists the sealed Parquet files under dir.
func parquetFiles(dir string) (files []string, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && parquetName.MatchString(d.Name()) {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, p)
			bytes += info.Size()
		}
		return nil
	})
	slices.Sort(files)
	return files, bytes, err
}

// waitSettled polls the Parquet files under dir until the same files (and
// no file being written, *.tmp) stayed there for cfg.settle, for at most
// cfg.sealWait.
func (cfg sqlConfig) waitSettled(dir string) error {
	deadline := time.Now().Add(cfg.sealWait)
	var last []string
	since := time.Now()
	for {
		files, _, err := parquetFiles(dir)
		if err != nil {
			return err
		}
		busy := false
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(d.Name(), ".tmp") {
				busy = true
			}
			return nil
		})
		if busy || !slices.Equal(files, last) {
			last, since = files, time.Now()
		} else if time.Since(since) >= cfg.settle {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the node's Parquet files did not settle within %s", cfg.sealWait)
		}
		if err := sleep(cfg.ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

func sqlQueries(cfg sqlConfig, adm *kadm.Client, topic string, set *SQLSettings) ([]SQLQuery, error) {
	ctx := cfg.ctx
	// 1. Every record sealed into Parquet on the node.
	start := time.Now()
	if err := cfg.waitIndexed(topic, cfg.rows, true); err != nil {
		return nil, err
	}
	set.SealWaitSeconds = time.Since(start).Seconds()
	// 2. The topic's local Parquet copies, merged into one file.
	td, err := adm.ListTopics(ctx, topic)
	if err == nil {
		err = td.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("describing %s: %w", topic, err)
	}
	id := td[topic].ID
	dir := filepath.Join(cfg.dataDir, "columnar", hex.EncodeToString(id[:]))
	if cfg.settle > 0 {
		start := time.Now()
		if err := cfg.waitSettled(dir); err != nil {
			return nil, err
		}
		set.CompactWaitSeconds, set.CompactSettleSeconds = time.Since(start).Seconds(), cfg.settle.Seconds()
		logf("sql: the node's Parquet files settled after %.1f s", set.CompactWaitSeconds)
	}
	files, size, err := parquetFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("listing the node's Parquet files: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Parquet file of %s under %s", topic, filepath.Join(cfg.dataDir, "columnar"))
	}
	set.ParquetFiles, set.ParquetBytes = len(files), size
	db, err := sql.Open("duckdb", fmt.Sprintf("?threads=%d&autoinstall_known_extensions=false&autoload_known_extensions=false", cfg.threads))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_ = db.QueryRowContext(ctx, "SELECT version()").Scan(&set.DuckDBVersion)
	one := filepath.Join(cfg.work, "one.parquet")
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	t0 := time.Now()
	if _, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s], union_by_name=true)) TO '%s' (FORMAT parquet)",
		strings.Join(quoted, ","), strings.ReplaceAll(one, "'", "''"))); err != nil {
		return nil, fmt.Errorf("merging %d Parquet files into one: %w", len(files), err)
	}
	set.BuildOneFileSecs = time.Since(t0).Seconds()
	if info, err := os.Stat(one); err == nil {
		set.OneParquetBytes = info.Size()
	}
	logf("sql: merged %d Parquet files (%d bytes) into one (%d bytes) in %.1f s",
		len(files), size, set.OneParquetBytes, set.BuildOneFileSecs)
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet('%s')", topic, strings.ReplaceAll(one, "'", "''"))); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s_files AS SELECT * FROM read_parquet([%s], union_by_name=true)", topic, strings.Join(quoted, ","))); err != nil {
		return nil, err
	}
	// 3. Each query: one warm-up on each side, then runs alternating.
	var out []SQLQuery
	for _, bq := range benchQueries {
		q := SQLQuery{Name: bq.name, Chronik: fmt.Sprintf(bq.sql, topic), Direct: fmt.Sprintf(bq.sql, topic), Files: fmt.Sprintf(bq.sql, topic+"_files")}
		if err := timeQuery(cfg, db, &q); err != nil {
			q.Error = err.Error()
		}
		out = append(out, q)
	}
	return out, nil
}

// timeQuery runs q once on each side to warm up (and compare answers), then
// cfg.runs times each, alternating.
func timeQuery(cfg sqlConfig, db *sql.DB, q *SQLQuery) error {
	ctx := cfg.ctx
	for i := 0; i <= cfg.runs; i++ {
		t0 := time.Now()
		a, err := cfg.query(ctx, q.Chronik)
		if err != nil {
			return err
		}
		cms := msSince(t0)
		t0 = time.Now()
		rows, err := directRows(ctx, db, q.Direct)
		if err != nil {
			return fmt.Errorf("DuckDB on one file: %w", err)
		}
		dms := msSince(t0)
		t0 = time.Now()
		frows, err := directRows(ctx, db, q.Files)
		if err != nil {
			return fmt.Errorf("DuckDB on the node's files: %w", err)
		}
		fms := msSince(t0)
		if i == 0 {
			q.Same = sameRows(a.Rows, rows) && sameRows(stringsToAny(frows), rows)
			continue
		}
		q.ChronikMs, q.TookMs, q.DirectMs = append(q.ChronikMs, cms), append(q.TookMs, a.TookMs), append(q.DirectMs, dms)
		q.FilesMs = append(q.FilesMs, fms)
	}
	q.ChronikMed, q.DirectMed, q.FilesMed = median(q.ChronikMs), median(q.DirectMs), median(q.FilesMs)
	if !q.Same {
		return errors.New("/_sql, DuckDB on one file and DuckDB on the node's files answered differently")
	}
	return nil
}

func stringsToAny(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(r))
		for j, v := range r {
			out[i][j] = v
		}
	}
	return out
}

func msSince(t time.Time) float64 { return float64(time.Since(t)) / float64(time.Millisecond) }

// directRows runs q and returns every value as text, as /_sql's JSON would
// compare.
func directRows(ctx context.Context, db *sql.DB, q string) ([][]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = textOf(v)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// textOf renders a value for comparing the two sides' answers.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// sameRows compares /_sql's rows with DuckDB's, value by value as text.
func sameRows(got [][]any, want [][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for j := range got[i] {
			if textOf(got[i][j]) != want[i][j] {
				return false
			}
		}
	}
	return true
}

// ackSample is an acknowledged record of the freshness run.
type ackSample struct {
	part int32
	id   int64
	at   time.Time
}

// pollAnswer is what one poll saw: each partition's max id, when received.
type pollAnswer struct {
	at  time.Time
	max map[int32]int64
}

// freshnessDelays returns, for each sample, the time from its ack until the
// first answer received after it whose max id of the sample's partition
// covers it, and how many samples no answer covered. Both slices are in
// time order.
func freshnessDelays(samples []ackSample, answers []pollAnswer) (delays []int64, unseen int) {
	for _, s := range samples {
		i, _ := slices.BinarySearchFunc(answers, s.at, func(a pollAnswer, t time.Time) int { return a.at.Compare(t) })
		found := false
		for ; i < len(answers); i++ {
			if m, ok := answers[i].max[s.part]; ok && m >= s.id {
				delays = append(delays, int64(answers[i].at.Sub(s.at)))
				found = true
				break
			}
		}
		if !found {
			unseen++
		}
	}
	return delays, unseen
}

func sqlFreshness(cfg sqlConfig, adm *kadm.Client, topic string) (*SQLFreshness, error) {
	ctx := cfg.ctx
	if err := sqlCreateTopic(ctx, adm, topic, cfg.parts, true); err != nil {
		return nil, err
	}
	recsPerSec := cfg.freshMBps * 1e6 / float64(cfg.recordBytes)
	n := int64(recsPerSec * cfg.freshFor.Seconds())
	f := &SQLFreshness{TargetMBps: cfg.freshMBps}

	var mu sync.Mutex
	var samples []ackSample
	lastAcked := map[int32]int64{} // per partition, the highest id acknowledged
	onAck := func(r *kgo.Record) {
		at := time.Now()
		id, ok := recordID(r.Value)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lastAcked[r.Partition] = max(lastAcked[r.Partition], id)
		if id%cfg.sampleEvery == 0 {
			samples = append(samples, ackSample{part: r.Partition, id: id, at: at})
		}
	}

	// The poller runs until the producer is done and an answer covers every
	// partition's last acknowledged id (or 30 s after the producer finished).
	// Until its first answer, errors are expected (the table has no column
	// id before its first record is indexed).
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	var answers []pollAnswer
	var pollMs []int64
	var pollErr error
	done := make(chan struct{})
	var produced atomic.Bool
	go func() {
		defer close(done)
		q := "SELECT _partition, max(id) FROM " + topic + " GROUP BY _partition"
		for pollCtx.Err() == nil {
			t0 := time.Now()
			a, err := cfg.query(pollCtx, q)
			if err != nil {
				if pollCtx.Err() == nil && len(answers) > 0 {
					pollErr = err
					return
				}
				_ = sleep(pollCtx, 10*time.Millisecond)
				continue
			}
			at := time.Now()
			pollMs = append(pollMs, int64(at.Sub(t0)))
			m := map[int32]int64{}
			for _, row := range a.Rows {
				if len(row) != 2 {
					continue
				}
				p, err1 := anyInt(row[0])
				id, err2 := anyInt(row[1])
				if err1 == nil && err2 == nil {
					m[int32(p)] = id
				}
			}
			answers = append(answers, pollAnswer{at: at, max: m})
			if produced.Load() && covers(m, &mu, lastAcked) {
				return
			}
			_ = sleep(pollCtx, 5*time.Millisecond)
		}
	}()

	d, err := produceN(cfg, topic, 0, n, recsPerSec, onAck)
	if err != nil {
		stopPoll()
		<-done
		return nil, err
	}
	produced.Store(true)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		stopPoll()
		<-done
	case <-ctx.Done():
		stopPoll()
		<-done
		return nil, context.Cause(ctx)
	}
	if pollErr != nil {
		return nil, pollErr
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(samples, func(a, b ackSample) int { return a.at.Compare(b.at) })
	delays, unseen := freshnessDelays(samples, answers)
	f.Records, f.Samples, f.Unseen, f.Polls = n, len(samples), unseen, len(answers)
	f.AchievedMBps = rate(float64(n-1)*float64(cfg.recordBytes)/1e6, d)
	f.PollMs = percentiles(pollMs)
	f.Delay = percentiles(delays)
	if len(samples) == 0 {
		return f, errors.New("no sample was acknowledged")
	}
	return f, nil
}

// recordID reads N from a value that starts with {"id":N.
func recordID(v []byte) (int64, bool) {
	const prefix = `{"id":`
	if !bytes.HasPrefix(v, []byte(prefix)) {
		return 0, false
	}
	digits := v[len(prefix):]
	n := 0
	for n < len(digits) && n < 20 && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	id, err := strconv.ParseInt(string(digits[:n]), 10, 64)
	return id, err == nil
}

// covers reports whether an answer's max ids reach every partition's last
// acknowledged id.
func covers(m map[int32]int64, mu *sync.Mutex, last map[int32]int64) bool {
	mu.Lock()
	defer mu.Unlock()
	for p, id := range last {
		if got, ok := m[p]; !ok || got < id {
			return false
		}
	}
	return true
}
