package sql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultHotMaxRecords = 100_000
	DefaultHotMaxBytes   = 32 << 20
	DefaultHotMaxAge     = 10 * time.Minute
	DefaultNodeHotBytes  = 256 << 20
	DefaultCacheBytes    = 1 << 30
	DefaultCallTimeout   = 30 * time.Second
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRows       = 10_000
	DefaultMemoryBytes   = 512 << 20
	DefaultThreads       = 2
	DefaultMaxConcurrent = 2

	DefaultCompactTargetBytes = 128 << 20
	DefaultCompactMinFiles    = 16
	DefaultCompactInterval    = 10 * time.Second
	DefaultCompactQuiet       = 30 * time.Second
	DefaultCompactDeleteDelay = 5 * time.Minute
	DefaultCatalogTTL         = 10 * time.Second
)

// Config tunes the service.
type Config struct {
	CacheDir      string        // local Parquet files
	CacheBytes    int64         // bound of the local files
	HotMaxRecords int           // a partition's hot buffer is sealed at this many records
	HotMaxBytes   int64         // ... or this many bytes
	HotMaxAge     time.Duration // ... or when its oldest document waited this long
	NodeHotBytes  int64         // all hot buffers together: past this, each Flush seals
	CallTimeout   time.Duration // one object-store call
	Limits        columnar.Limits
	// MaxConcurrent queries run at once (each within Limits); more wait,
	// up to Limits.Timeout, then get ErrBusy.
	MaxConcurrent int

	// Compaction (RunCompaction): runs of consecutive small files of a
	// partition are merged into files of up to CompactTargetBytes
	// (negative: compaction off) when CompactMinFiles of similar size
	// gathered, or half the target; a partition without a seal for
	// CompactQuiet merges runs of two or more. A pass runs every
	// CompactInterval and after each seal. The objects of merged-away
	// files stay in the bucket CompactDeleteDelay more: the metadata
	// snapshot in the bucket (what a restore reads) may still name them.
	CompactTargetBytes int64
	CompactMinFiles    int
	CompactInterval    time.Duration
	CompactQuiet       time.Duration
	CompactDeleteDelay time.Duration
	// CatalogTTL: a table's columns, as catalog queries list them, are
	// described again after this long.
	CatalogTTL time.Duration
}

func (c Config) withDefaults() Config {
	set := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&c.CacheBytes, DefaultCacheBytes)
	set(&c.HotMaxBytes, DefaultHotMaxBytes)
	set(&c.NodeHotBytes, DefaultNodeHotBytes)
	set(&c.Limits.MemoryBytes, DefaultMemoryBytes)
	if c.HotMaxRecords <= 0 {
		c.HotMaxRecords = DefaultHotMaxRecords
	}
	if c.HotMaxAge <= 0 {
		c.HotMaxAge = DefaultHotMaxAge
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.Limits.Timeout <= 0 {
		c.Limits.Timeout = DefaultTimeout
	}
	if c.Limits.MaxRows <= 0 {
		c.Limits.MaxRows = DefaultMaxRows
	}
	if c.Limits.Threads <= 0 {
		c.Limits.Threads = DefaultThreads
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.CompactTargetBytes == 0 {
		c.CompactTargetBytes = DefaultCompactTargetBytes
	}
	if c.CompactMinFiles < 2 {
		c.CompactMinFiles = DefaultCompactMinFiles
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&c.CompactInterval, DefaultCompactInterval}, {&c.CompactQuiet, DefaultCompactQuiet}, {&c.CompactDeleteDelay, DefaultCompactDeleteDelay}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if c.CatalogTTL <= 0 {
		c.CatalogTTL = DefaultCatalogTTL
	}
	return c
}

// Topics finds topics by name.
type Topics interface {
	Get(name string) (topic.Topic, bool)
	List() []topic.Topic
}

// Service is the columnar sink and the SQL queries over it.
type Service struct {
	cfg    Config
	engine columnar.Engine
	bucket objstore.Bucket
	meta   metastore.Store
	topics Topics
	clk    clock.Clock
	logger *slog.Logger
	cache  *cache
	slots  chan struct{} // one per query running

	hotBytes atomic.Int64  // every partition's hot buffer
	wake     chan struct{} // asks RunCompaction for a pass
	// pinMu is held (read) by a query from its snapshot until its files
	// are pinned; compaction takes it (write) before deleting objects.
	pinMu sync.RWMutex
	// passMu: one compaction pass at a time (two merges of one run would
	// upload one key, and the loser would delete the winner's object).
	passMu  sync.Mutex
	compact compactCounters
	queries queryCounters

	schemaMu sync.Mutex                // guards schemas
	schemas  map[topic.ID]cachedSchema // the tables' columns Catalog last described

	mu     sync.Mutex
	parts  map[partKey]*partition         // by topic id: a deleted topic's until Drop
	byName map[topic.Partition]*partition // the one Open started last for the name
}

// New returns the service. The cache directory is created, and files in
// it that no manifest lists are removed.
func New(ctx context.Context, cfg Config, engine columnar.Engine, bucket objstore.Bucket, meta metastore.Store, topics Topics, clk clock.Clock, logger *slog.Logger) (*Service, error) {
	cfg = cfg.withDefaults()
	s := &Service{cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.MaxConcurrent), engine: engine, bucket: bucket, meta: meta, topics: topics, clk: clk, logger: logger, parts: map[partKey]*partition{}, byName: map[topic.Partition]*partition{}}
	keep, err := s.manifestedFiles(ctx)
	if err != nil {
		return nil, err
	}
	if s.cache, err = openCache(cfg.CacheDir, cfg.CacheBytes, keep, logger); err != nil {
		return nil, err
	}
	return s, nil
}

// Answer is a query's result with the offsets it covers.
type Answer struct {
	columnar.Result
	// Watermarks holds, per table and partition, the next offset the
	// answer covers: it saw every record below it and none at or past it.
	Watermarks map[string]map[int32]int64
	Took       time.Duration
}

// Query runs one read-only statement.
func (s *Service) Query(ctx context.Context, sql string, params []any) (Answer, error) {
	var a Answer
	err := s.run(ctx, sql, &a, func(tables []columnar.Table) error {
		var err error
		a.Result, err = s.engine.Query(ctx, sql, params, tables, s.cfg.Limits)
		return err
	})
	return a, err
}

// QueryArrow is Query writing the rows to w as an Arrow IPC stream; it
// returns the watermarks.
func (s *Service) QueryArrow(ctx context.Context, sql string, params []any, w io.Writer) (map[string]map[int32]int64, error) {
	var a Answer
	err := s.run(ctx, sql, &a, func(tables []columnar.Table) error {
		return s.engine.QueryArrow(ctx, sql, params, tables, s.cfg.Limits, w)
	})
	return a.Watermarks, err
}

// Explain returns the engine's plan of a read-only query.
func (s *Service) Explain(ctx context.Context, sql string) (Answer, error) {
	plan, err := s.engine.Prepare(ctx, sql)
	if err != nil {
		return Answer{}, err
	}
	if plan.Kind != columnar.KindSelect {
		return Answer{}, fmt.Errorf("%w: only a query can be explained", columnar.ErrInvalid)
	}
	return s.Query(ctx, "EXPLAIN "+sql, nil)
}

// Describe returns the columns of a topic's table.
func (s *Service) Describe(ctx context.Context, name string) (Answer, error) {
	return s.Query(ctx, "DESCRIBE "+QuoteIdent(name), nil)
}

// Catalog runs a query of the Postgres catalogs (pg_catalog,
// information_schema) and session functions as sess: every queryable
// table is listed there with its columns as Describe gives them
// (columnar.Engine.Catalog). A table's columns are described at most once
// per Config.CatalogTTL (BI tools send catalog queries in bursts, and a
// DESCRIBE fetches the table's files into the cache): a column added
// since shows within that time. It waits for a query slot like Query,
// after describing the tables (each Describe takes its own).
func (s *Service) Catalog(ctx context.Context, sql string, params []any, sess columnar.Session) (columnar.Result, error) {
	var schemas []columnar.TableSchema
	now := s.clk.Now()
	fresh := map[topic.ID]cachedSchema{}
	for _, info := range s.Tables() {
		t, ok := s.topics.Get(info.Name)
		if !ok {
			continue
		}
		s.schemaMu.Lock()
		c, ok := s.schemas[t.ID]
		s.schemaMu.Unlock()
		if !ok || now.Sub(c.at) >= s.cfg.CatalogTTL || c.schema.Name != t.Name {
			ts, err := s.describeSchema(ctx, t.Name)
			if errors.Is(err, columnar.ErrInvalid) {
				continue // disabled or deleted since listed
			}
			if err != nil {
				return columnar.Result{}, fmt.Errorf("describing table %q: %w", t.Name, err)
			}
			c = cachedSchema{at: now, schema: ts}
		}
		fresh[t.ID] = c
		schemas = append(schemas, c.schema)
	}
	s.schemaMu.Lock()
	s.schemas = fresh // what is no longer a table goes
	s.schemaMu.Unlock()
	wait := time.NewTimer(s.cfg.Limits.Timeout)
	defer wait.Stop()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-wait.C:
		return columnar.Result{}, fmt.Errorf("%w: %d queries are running; try again", ErrBusy, s.cfg.MaxConcurrent)
	case <-ctx.Done():
		return columnar.Result{}, ctx.Err()
	}
	return s.engine.Catalog(ctx, sql, params, schemas, sess, s.cfg.Limits)
}

// cachedSchema is a table's columns as described at a time.
type cachedSchema struct {
	at     time.Time
	schema columnar.TableSchema
}

// describeSchema is a table's columns, from DESCRIBE.
func (s *Service) describeSchema(ctx context.Context, name string) (columnar.TableSchema, error) {
	d, err := s.Describe(ctx, name)
	if err != nil {
		return columnar.TableSchema{}, err
	}
	ts := columnar.TableSchema{Name: name}
	for _, row := range d.Rows {
		if len(row) < 2 {
			continue
		}
		col, _ := row[0].(string)
		typ, _ := row[1].(string)
		ts.Columns = append(ts.Columns, columnar.Column{Name: col, Type: typ})
	}
	return ts, nil
}

// TableInfo names a queryable topic.
type TableInfo struct {
	Name       string `json:"name"`
	Partitions int32  `json:"partitions"`
}

// Tables lists the topics with columnar.enabled=true, by name.
func (s *Service) Tables() []TableInfo {
	var out []TableInfo
	for _, t := range s.topics.List() {
		if s.Enabled(t) {
			out = append(out, TableInfo{Name: t.Name, Partitions: t.Partitions})
		}
	}
	slices.SortFunc(out, func(a, b TableInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// QuoteIdent quotes a name for SQL: "a""b".
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// run prepares sql, snapshots the tables it reads with their files in the
// cache, and calls query with them; a fills with watermarks and time.
func (s *Service) run(ctx context.Context, sql string, a *Answer, query func([]columnar.Table) error) (err error) {
	start := s.clk.Now()
	defer func() { s.queries.count(s.clk.Now().Sub(start), err) }()
	plan, err := s.engine.Prepare(ctx, sql)
	if err != nil {
		return err
	}
	wait := time.NewTimer(s.cfg.Limits.Timeout)
	defer wait.Stop()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-wait.C:
		return fmt.Errorf("%w: %d queries are running; try again", ErrBusy, s.cfg.MaxConcurrent)
	case <-ctx.Done():
		return ctx.Err()
	}
	names := plan.Tables
	if plan.Kind == columnar.KindShow && len(names) == 0 {
		for _, t := range s.Tables() {
			names = append(names, t.Name)
		}
	}
	tables := make([]columnar.Table, 0, len(names))
	a.Watermarks = map[string]map[int32]int64{}
	var pinned []*cached
	defer func() { s.cache.unpin(pinned) }()
	if err := s.snapshotTables(ctx, names, a, &tables, &pinned); err != nil {
		return err
	}
	if err := query(tables); err != nil {
		return err
	}
	a.Took = s.clk.Now().Sub(start)
	return nil
}

// snapshotTables takes the snapshot of every table in names and pins its
// files. It holds pinMu (read) throughout, so that compaction deletes no
// object a snapshot named before its file is pinned.
func (s *Service) snapshotTables(ctx context.Context, names []string, a *Answer, tables *[]columnar.Table, pinned *[]*cached) error {
	s.pinMu.RLock()
	defer s.pinMu.RUnlock()
	for _, name := range names {
		t, ok := s.topics.Get(name)
		if !ok || !s.Enabled(t) {
			return fmt.Errorf("%w: table %q does not exist: tables are the topics with columnar.enabled=true (GET /_sql/tables lists them)", columnar.ErrInvalid, name)
		}
		table := columnar.Table{Name: t.Name}
		marks := map[int32]int64{}
		for n := range t.Partitions {
			snap := s.snapshot(t, n)
			marks[n] = snap.position
			table.Hot = append(table.Hot, snap.hot...)
			for _, f := range snap.files {
				c, err := s.cache.pin(ctx, f, s.fetcher(f))
				if err != nil {
					return fmt.Errorf("reading table %q: %w", name, err)
				}
				*pinned = append(*pinned, c)
				table.Files = append(table.Files, c.path)
			}
		}
		*tables = append(*tables, table)
		a.Watermarks[t.Name] = marks
	}
	return nil
}

// fetcher returns how to get f's bytes from the bucket.
func (s *Service) fetcher(f fileMeta) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		defer cancel()
		b, err := s.bucket.Get(ctx, f.Key)
		if errors.Is(err, objstore.ErrNotFound) {
			return nil, fmt.Errorf("%w: a columnar file of offsets %d-%d is missing from the object store", ErrUnavailable, f.From, f.To)
		}
		if err != nil {
			s.logger.Warn("sql: fetching a columnar file failed", "key", f.Key, "err", err)
			return nil, fmt.Errorf("%w: the object store failed", ErrUnavailable)
		}
		return b, nil
	}
}

// ErrBusy: the query waited its whole timeout for a slot.
var ErrBusy = errors.New("too many queries")

// ErrUnavailable: a file the query needs could not be read from the object
// store; a retry may succeed.
var ErrUnavailable = errors.New("columnar data is unavailable")

// Close releases nothing the service does not own; the engine, bucket and
// metastore belong to the caller.
func (s *Service) Close() error { return nil }
