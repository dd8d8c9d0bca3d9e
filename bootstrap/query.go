package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chronik-stream/chronik/adapters/columnar/duckcolumnar"
	"github.com/chronik-stream/chronik/adapters/pgwire"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// Query holds the settings of the indexing pipeline and of SQL over topics.
type Query struct {
	// HotBufferMaxRecords: a partition's records not yet in a Parquet file
	// are sealed into one at this many; HotBufferMaxAgeMs: ... or when the
	// oldest waited this long; HotBufferSize: all partitions' hot records
	// together, past which every flush seals.
	HotBufferMaxRecords int    `toml:"hot_buffer_max_records"`
	HotBufferMaxAgeMs   int    `toml:"hot_buffer_max_age_ms"`
	HotBufferSize       string `toml:"hot_buffer_size"`
	// HotBufferRefreshMs is how often the pipeline visits every partition
	// (it also wakes at once when a partition's high watermark moves).
	HotBufferRefreshMs int `toml:"hot_buffer_refresh_ms"`
	// ColumnarCacheSize bounds the local copies of Parquet files.
	ColumnarCacheSize string `toml:"columnar_cache_size"`
	// IndexingWorkers: partitions indexed at once.
	IndexingWorkers int `toml:"indexing_workers"`
	// Compaction of a partition's small Parquet files: merged files of up
	// to ColumnarCompactTargetSize ("0" turns compaction off), merged when
	// ColumnarCompactMinFiles files of similar size gathered (or half the
	// target), or two or more once the partition sealed nothing for
	// ColumnarCompactQuietMs; a pass every ColumnarCompactIntervalMs and
	// after every seal. Merged-away objects stay in the bucket
	// ColumnarCompactDeleteDelayMs (at least 3 metadata snapshot
	// intervals: a restore reads the last snapshot's manifests).
	ColumnarCompactTargetSize    string `toml:"columnar_compact_target_size"`
	ColumnarCompactMinFiles      int    `toml:"columnar_compact_min_files"`
	ColumnarCompactIntervalMs    int    `toml:"columnar_compact_interval_ms"`
	ColumnarCompactQuietMs       int    `toml:"columnar_compact_quiet_ms"`
	ColumnarCompactDeleteDelayMs int    `toml:"columnar_compact_delete_delay_ms"`
	// ColumnarCompactMemory is the memory of the DuckDB database merges
	// run in (one thread), apart from the queries' CHRONIK_SQL_MEMORY.
	ColumnarCompactMemory string `toml:"columnar_compact_memory"`
	// IndexingBusyProduceMBps and IndexingBusyShare: while producers
	// append at least IndexingBusyProduceMBps MB/s (0: never), each
	// indexing worker works at most IndexingBusyShare percent of its time
	// and catches up once the burst is over.
	IndexingBusyProduceMBps int `toml:"indexing_busy_produce_mbps"`
	IndexingBusyShare       int `toml:"indexing_busy_share"`

	// Per query: a timeout, a row limit, working memory and threads; and
	// how many queries run at once.
	SQLTimeoutMs     int    `toml:"sql_timeout_ms"`
	SQLMaxRows       int    `toml:"sql_max_rows"`
	SQLMemory        string `toml:"sql_memory"`
	SQLThreads       int    `toml:"sql_threads"`
	SQLMaxConcurrent int    `toml:"sql_max_concurrent"`

	// The Postgres listener: its port (0 turns it off), users
	// (user:password,...; none: loopback clients only), how they log in,
	// and its connection bounds.
	PGPort           int    `toml:"pg_port"`
	SQLUsers         string `toml:"sql_users"`
	PGAuth           string `toml:"pg_auth"`
	PGMaxConnections int    `toml:"pg_max_connections"`
	PGIdleTimeoutMs  int    `toml:"pg_idle_timeout_ms"`

	sqlUsers                                           map[string]string
	hotBufferBytes, columnarCacheBytes, sqlMemoryBytes int64
	compactTargetBytes, compactMemoryBytes             int64
}

func defaultQuery() Query {
	return Query{
		HotBufferMaxRecords: sql.DefaultHotMaxRecords,
		HotBufferMaxAgeMs:   ms(sql.DefaultHotMaxAge),
		HotBufferSize:       sizeString(sql.DefaultNodeHotBytes),
		HotBufferRefreshMs:  ms(indexing.DefaultTick),
		ColumnarCacheSize:   sizeString(sql.DefaultCacheBytes),
		IndexingWorkers:     indexing.DefaultWorkers,

		ColumnarCompactTargetSize:    sizeString(sql.DefaultCompactTargetBytes),
		ColumnarCompactMinFiles:      sql.DefaultCompactMinFiles,
		ColumnarCompactIntervalMs:    ms(sql.DefaultCompactInterval),
		ColumnarCompactQuietMs:       ms(sql.DefaultCompactQuiet),
		ColumnarCompactDeleteDelayMs: ms(sql.DefaultCompactDeleteDelay),
		ColumnarCompactMemory:        sizeString(duckcolumnar.DefaultMergeMemoryBytes),
		SQLTimeoutMs:                 ms(sql.DefaultTimeout),
		SQLMaxRows:                   sql.DefaultMaxRows,
		SQLMemory:                    sizeString(sql.DefaultMemoryBytes),
		SQLThreads:                   sql.DefaultThreads,
		SQLMaxConcurrent:             sql.DefaultMaxConcurrent,
		PGPort:                       pgwire.DefaultPort,
		PGAuth:                       pgwire.AuthSCRAM,
		PGMaxConnections:             pgwire.DefaultMaxConnections,
		PGIdleTimeoutMs:              ms(pgwire.DefaultIdleTimeout),
		IndexingBusyProduceMBps:      indexing.DefaultBusyBytesPerSec >> 20,
		IndexingBusyShare:            indexing.DefaultBusyShare,
	}
}

var queryVars = []envVar{
	{"CHRONIK_HOT_BUFFER_MAX_RECORDS", intVar(func(c *Config) *int { return &c.HotBufferMaxRecords })},
	{"CHRONIK_HOT_BUFFER_MAX_AGE_MS", intVar(func(c *Config) *int { return &c.HotBufferMaxAgeMs })},
	{"CHRONIK_HOT_BUFFER_SIZE", str(func(c *Config) *string { return &c.HotBufferSize })},
	{"CHRONIK_HOT_BUFFER_REFRESH_MS", intVar(func(c *Config) *int { return &c.HotBufferRefreshMs })},
	{"CHRONIK_COLUMNAR_CACHE_SIZE", str(func(c *Config) *string { return &c.ColumnarCacheSize })},
	{"CHRONIK_INDEXING_WORKERS", intVar(func(c *Config) *int { return &c.IndexingWorkers })},
	{"CHRONIK_COLUMNAR_COMPACT_TARGET_SIZE", str(func(c *Config) *string { return &c.ColumnarCompactTargetSize })},
	{"CHRONIK_COLUMNAR_COMPACT_MIN_FILES", intVar(func(c *Config) *int { return &c.ColumnarCompactMinFiles })},
	{"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS", intVar(func(c *Config) *int { return &c.ColumnarCompactIntervalMs })},
	{"CHRONIK_COLUMNAR_COMPACT_QUIET_MS", intVar(func(c *Config) *int { return &c.ColumnarCompactQuietMs })},
	{"CHRONIK_COLUMNAR_COMPACT_DELETE_DELAY_MS", intVar(func(c *Config) *int { return &c.ColumnarCompactDeleteDelayMs })},
	{"CHRONIK_COLUMNAR_COMPACT_MEMORY", str(func(c *Config) *string { return &c.ColumnarCompactMemory })},
	{"CHRONIK_INDEXING_BUSY_PRODUCE_MBPS", intVar(func(c *Config) *int { return &c.IndexingBusyProduceMBps })},
	{"CHRONIK_INDEXING_BUSY_SHARE", intVar(func(c *Config) *int { return &c.IndexingBusyShare })},
	{"CHRONIK_SQL_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.SQLTimeoutMs })},
	{"CHRONIK_SQL_MAX_ROWS", intVar(func(c *Config) *int { return &c.SQLMaxRows })},
	{"CHRONIK_SQL_MEMORY", str(func(c *Config) *string { return &c.SQLMemory })},
	{"CHRONIK_SQL_THREADS", intVar(func(c *Config) *int { return &c.SQLThreads })},
	{"CHRONIK_SQL_MAX_CONCURRENT", intVar(func(c *Config) *int { return &c.SQLMaxConcurrent })},
	{"CHRONIK_PG_PORT", intVar(func(c *Config) *int { return &c.PGPort })},
	{"CHRONIK_SQL_USERS", str(func(c *Config) *string { return &c.SQLUsers })},
	{"CHRONIK_PG_AUTH", str(func(c *Config) *string { return &c.PGAuth })},
	{"CHRONIK_PG_MAX_CONNECTIONS", intVar(func(c *Config) *int { return &c.PGMaxConnections })},
	{"CHRONIK_PG_IDLE_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.PGIdleTimeoutMs })},
}

func (q *Query) validate() []string {
	var problems []string
	for _, b := range []struct {
		name      string
		v, lo, hi int
	}{
		{"CHRONIK_HOT_BUFFER_MAX_RECORDS", q.HotBufferMaxRecords, 1, 10_000_000},
		{"CHRONIK_HOT_BUFFER_MAX_AGE_MS", q.HotBufferMaxAgeMs, 100, 7 * 24 * 3600 * 1000},
		{"CHRONIK_HOT_BUFFER_REFRESH_MS", q.HotBufferRefreshMs, 10, 3600 * 1000},
		{"CHRONIK_INDEXING_WORKERS", q.IndexingWorkers, 1, 64},
		{"CHRONIK_COLUMNAR_COMPACT_MIN_FILES", q.ColumnarCompactMinFiles, 2, 10_000},
		{"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS", q.ColumnarCompactIntervalMs, 10, 24 * 3600 * 1000},
		{"CHRONIK_COLUMNAR_COMPACT_QUIET_MS", q.ColumnarCompactQuietMs, 10, 7 * 24 * 3600 * 1000},
		{"CHRONIK_COLUMNAR_COMPACT_DELETE_DELAY_MS", q.ColumnarCompactDeleteDelayMs, 1000, 30 * 24 * 3600 * 1000},
		{"CHRONIK_INDEXING_BUSY_PRODUCE_MBPS", q.IndexingBusyProduceMBps, 0, 1 << 20},
		{"CHRONIK_INDEXING_BUSY_SHARE", q.IndexingBusyShare, 1, 100},
		{"CHRONIK_SQL_TIMEOUT_MS", q.SQLTimeoutMs, 10, 24 * 3600 * 1000},
		{"CHRONIK_SQL_MAX_ROWS", q.SQLMaxRows, 1, 10_000_000},
		{"CHRONIK_SQL_THREADS", q.SQLThreads, 1, 256},
		{"CHRONIK_SQL_MAX_CONCURRENT", q.SQLMaxConcurrent, 1, 256},
		{"CHRONIK_PG_PORT", q.PGPort, 0, 65535},
		{"CHRONIK_PG_MAX_CONNECTIONS", q.PGMaxConnections, 1, 100_000},
		{"CHRONIK_PG_IDLE_TIMEOUT_MS", q.PGIdleTimeoutMs, 1000, 7 * 24 * 3600 * 1000},
	} {
		if b.v < b.lo || b.v > b.hi {
			problems = append(problems, fmt.Sprintf("%s %d must be between %d and %d", b.name, b.v, b.lo, b.hi))
		}
	}
	for _, s := range []struct {
		name string
		text string
		min  int64
		dst  *int64
	}{
		{"CHRONIK_HOT_BUFFER_SIZE", q.HotBufferSize, 1 << 20, &q.hotBufferBytes},
		{"CHRONIK_COLUMNAR_CACHE_SIZE", q.ColumnarCacheSize, 1 << 20, &q.columnarCacheBytes},
		{"CHRONIK_SQL_MEMORY", q.SQLMemory, 16 << 20, &q.sqlMemoryBytes},
		{"CHRONIK_COLUMNAR_COMPACT_MEMORY", q.ColumnarCompactMemory, 16 << 20, &q.compactMemoryBytes},
	} {
		n, err := ParseSize(s.text)
		if err != nil || n < s.min {
			problems = append(problems, fmt.Sprintf("%s %q must be a size of at least %s", s.name, s.text, sizeString(s.min)))
			continue
		}
		*s.dst = n
	}
	if n, err := ParseSize(q.ColumnarCompactTargetSize); err != nil || (n != 0 && n < 1<<20) {
		problems = append(problems, fmt.Sprintf("CHRONIK_COLUMNAR_COMPACT_TARGET_SIZE %q must be 0 (compaction off) or a size of at least 1MB", q.ColumnarCompactTargetSize))
	} else {
		q.compactTargetBytes = n
	}
	switch q.PGAuth {
	case pgwire.AuthSCRAM, pgwire.AuthMD5, pgwire.AuthPassword:
	default:
		problems = append(problems, fmt.Sprintf("CHRONIK_PG_AUTH %q is not one of %s, %s, %s", q.PGAuth, pgwire.AuthSCRAM, pgwire.AuthMD5, pgwire.AuthPassword))
	}
	var err error
	if q.sqlUsers, err = parseUsers(q.SQLUsers); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_SQL_USERS: %v", err))
	}
	return problems
}

func sqlConfig(c Config) sql.Config {
	return sql.Config{
		CacheDir:      filepath.Join(c.DataDir, "columnar"),
		CacheBytes:    c.columnarCacheBytes,
		HotMaxRecords: c.HotBufferMaxRecords,
		HotMaxAge:     time.Duration(c.HotBufferMaxAgeMs) * time.Millisecond,
		NodeHotBytes:  c.hotBufferBytes,
		CallTimeout:   time.Duration(c.ObjectStoreTimeoutMs) * time.Millisecond,
		MaxConcurrent: c.SQLMaxConcurrent,

		CompactTargetBytes: compactTarget(c.compactTargetBytes),
		CompactMinFiles:    c.ColumnarCompactMinFiles,
		CompactInterval:    time.Duration(c.ColumnarCompactIntervalMs) * time.Millisecond,
		CompactQuiet:       time.Duration(c.ColumnarCompactQuietMs) * time.Millisecond,
		CompactDeleteDelay: max(time.Duration(c.ColumnarCompactDeleteDelayMs), 3*time.Duration(c.MetadataSnapshotIntervalMs)) * time.Millisecond,
		Limits: columnar.Limits{
			Timeout:     time.Duration(c.SQLTimeoutMs) * time.Millisecond,
			MaxRows:     c.SQLMaxRows,
			MemoryBytes: c.sqlMemoryBytes,
			Threads:     c.SQLThreads,
		},
	}
}

// compactTarget is sql.Config's CompactTargetBytes: negative turns
// compaction off where the setting says 0.
func compactTarget(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

func provideSQL(ctx context.Context, cfg sql.Config, engine columnar.Engine, bucket objstore.Bucket, meta metastoreStore, t *topics.Service, clk clock.Clock, logger *slog.Logger) (*sql.Service, error) {
	return sql.New(ctx, cfg, engine, bucket, meta, t, clk, logger)
}

func indexingConfig(c Config) indexing.Config {
	busy := int64(c.IndexingBusyProduceMBps) << 20
	if busy == 0 {
		busy = -1 // never give way
	}
	return indexing.Config{
		Workers:         c.IndexingWorkers,
		MaxBatchBytes:   int(c.maxUncompressed),
		Tick:            time.Duration(c.HotBufferRefreshMs) * time.Millisecond,
		BusyBytesPerSec: busy,
		BusyShare:       c.IndexingBusyShare,
	}
}

// provideIndexing is the pipeline with every sink the node has; it gives
// way to what the produce use case appends.
func provideIndexing(cfg indexing.Config, logs logStore, t *topics.Service, meta metastore.Store, inflate indexing.Inflater, schemas indexing.Schemas,
	appends *produce.Service, columns *sql.Service, text *textsearch.Service, clk clock.Clock, logger *slog.Logger) *indexing.Pipeline {
	return indexing.New(cfg, logs, t, meta, inflate, schemas, appends, []indexing.Sink{columns, text}, clk, logger)
}

// provideEngine is DuckDB, reading only the columnar cache.
func provideEngine(cfg Config, c sql.Config) (*duckcolumnar.Engine, func(), error) {
	e, err := duckcolumnar.New(duckcolumnar.Config{Dirs: []string{c.CacheDir}, MemoryBytes: c.Limits.MemoryBytes, Threads: c.Limits.Threads,
		MergeMemoryBytes: cfg.compactMemoryBytes})
	if err != nil {
		return nil, nil, fmt.Errorf("SQL engine: %w", err)
	}
	return e, func() { _ = e.Close() }, nil
}

// sqlQuerier is the SQL service as the Postgres listener asks for it.
type sqlQuerier struct{ svc *sql.Service }

func (q sqlQuerier) Query(ctx context.Context, text string, params []any) (columnar.Result, error) {
	a, err := q.svc.Query(ctx, text, params)
	return a.Result, err
}

func (q sqlQuerier) Catalog(ctx context.Context, text string, params []any, sess columnar.Session) (columnar.Result, error) {
	return q.svc.Catalog(ctx, text, params, sess)
}

// providePG is the Postgres listener, or nil when CHRONIK_PG_PORT is 0.
func providePG(c Config, svc *sql.Service, reg *prometheus.Registry, logger *slog.Logger) (*pgwire.Server, error) {
	if c.PGPort == 0 {
		return nil, nil
	}
	return pgwire.New(pgwire.Config{
		Addr:           net.JoinHostPort(c.BindAddr, strconv.Itoa(c.PGPort)),
		Users:          c.sqlUsers,
		Auth:           c.PGAuth,
		MaxConnections: c.PGMaxConnections,
		IdleTimeout:    time.Duration(c.PGIdleTimeoutMs) * time.Millisecond,
		ServerVersion:  pgwire.DefaultServerVersion,
		Metrics:        reg,
	}, sqlQuerier{svc}, logger.With("component", "pg"))
}
