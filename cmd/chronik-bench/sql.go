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
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

	Produce   *SQLProduce `json:"produce,omitempty"`
	CatchUp   *CatchUp    `json:"catch_up,omitempty"`
	Queries   []SQLQuery  `json:"queries,omitempty"`
	Freshness *Freshness  `json:"freshness,omitempty"`
	Errors    []string    `json:"errors,omitempty"`
}

// SQLSettings records the load.
type SQLSettings struct {
	LoadSettings
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

type sqlConfig struct {
	load
	dataDir     string
	recordBytes int
	threads     int
	settle      time.Duration
	hotMaxAgeMs int
	work        string
}

func sqlCmd(args []string) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	parsed := loadFlags(fs, loadDefaults{sink: "columnar", produceMB: 100, rows: 10_000_000, freshMBps: 10, sampleEvery: 500, runs: 5, sealWait: 5 * time.Minute})
	dataDir := fs.String("data-dir", "", "the node's data directory (its columnar/ Parquet copies are read; required for the query comparison)")
	threads := fs.Int("duckdb-threads", 2, "threads of the DuckDB this client runs")
	hotAge := fs.Int("hot-max-age-ms", 0, "the node's CHRONIK_HOT_BUFFER_MAX_AGE_MS, for the report")
	settle := fs.Duration("compact-settle", 0, "before the queries, wait until the node's Parquet files stayed the same this long (its compaction done; 0: do not wait)")
	work := fs.String("work-dir", "", "directory for the merged Parquet file (default: a temporary one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, out, err := parsed()
	if err != nil {
		return err
	}
	cfg := sqlConfig{load: l, dataDir: *dataDir, recordBytes: 200, threads: *threads, settle: *settle, hotMaxAgeMs: *hotAge, work: *work}
	switch {
	case cfg.threads < 1:
		return errors.New("--duckdb-threads must be positive")
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
	return runSection("sql", &cfg.load, out, func() (any, []string) {
		r := runSQL(cfg)
		return r, r.Errors
	})
}

func runSQL(cfg sqlConfig) *SQLResults {
	res := &SQLResults{
		Started: time.Now().UTC(), LoadAvg: loadAvg(),
		Settings: SQLSettings{
			LoadSettings: cfg.settings(cfg.recordBytes), DuckDBThreads: cfg.threads, HotBufferMaxAgeMs: cfg.hotMaxAgeMs,
		},
	}
	fail := cfg.failer("sql", &res.Errors)
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

// sqlSink is the name of the columnar sink in /admin/status, and sqlOn
// the topic config that turns it on.
const (
	sqlSink = "columnar"
	sqlOn   = "columnar.enabled"
)

func (cfg sqlConfig) record(id int64) []byte { return jsonRecord(id, cfg.recordBytes) }

// sqlProduceCompare produces cfg.produceMB to topics without columnar and
// as many to topics with columnar.enabled=true (see compareProduce).
func sqlProduceCompare(cfg sqlConfig, adm *kadm.Client) (*SQLProduce, error) {
	perSide := int64(cfg.produceMB * 1e6 / float64(cfg.recordBytes))
	c, err := cfg.compareProduce(adm, "sqlbench", sqlSink, map[string]string{sqlOn: "true"}, perSide, cfg.recordBytes, cfg.record)
	if err != nil {
		return nil, err
	}
	return &SQLProduce{
		Records: c.Records, PlainRecsPerSec: c.PlainRecsPerS, ColumnarRecsPerS: c.SinkRecsPerS,
		PlainMBps:    c.PlainRecsPerS * float64(cfg.recordBytes) / 1e6,
		ColumnarMBps: c.SinkRecsPerS * float64(cfg.recordBytes) / 1e6,
	}, nil
}

// sqlAnswer is the JSON answer of POST /_sql.
type sqlAnswer struct {
	Columns    []struct{ Name, Type string } `json:"columns"`
	Rows       [][]any                       `json:"rows"`
	Watermarks map[string]map[string]int64   `json:"watermarks"`
	TookMs     float64                       `json:"took_ms"`
}

func (cfg sqlConfig) query(ctx context.Context, q string) (*sqlAnswer, error) {
	var a sqlAnswer
	if _, err := cfg.call(ctx, http.MethodPost, "/_sql", map[string]string{"query": q}, &a); err != nil {
		return nil, fmt.Errorf("%q: %w", q, err)
	}
	return &a, nil
}

func sqlCatchUp(cfg sqlConfig, adm *kadm.Client, topic string) (*CatchUp, error) {
	return cfg.catchUp(adm, sqlSink, sqlOn, topic, nil, cfg.rows, cfg.record, func(ctx context.Context) (int64, error) {
		a, err := cfg.query(ctx, "SELECT COUNT(*) FROM "+topic)
		if err != nil {
			return 0, err
		}
		return firstInt(a)
	})
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
	if err := cfg.waitIndexed(sqlSink, topic, cfg.rows, true); err != nil {
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

func sqlFreshness(cfg sqlConfig, adm *kadm.Client, topic string) (*Freshness, error) {
	if err := cfg.createTopic(adm, topic, map[string]string{sqlOn: "true"}); err != nil {
		return nil, err
	}
	// Until the first record is indexed, the table has no column id: the
	// poll's errors are expected then.
	q := "SELECT _partition, max(id) FROM " + topic + " GROUP BY _partition"
	return cfg.freshness(freshRun{
		topic: topic, mbps: cfg.freshMBps, recordBytes: cfg.recordBytes, duration: cfg.freshFor,
		sampleEvery: cfg.sampleEvery, tail: 30 * time.Second, value: cfg.record,
		poll: func(ctx context.Context) (map[int32]int64, error) {
			a, err := cfg.query(ctx, q)
			if err != nil {
				return nil, err
			}
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
			return m, nil
		},
	})
}
