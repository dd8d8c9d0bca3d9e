package duckcolumnar

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// Defaults of Config and of a query's Limits left zero.
const (
	DefaultMemoryBytes = 512 << 20
	DefaultThreads     = 2
	DefaultTimeout     = 30 * time.Second
	DefaultMaxRows     = 10_000
	DefaultMaxSQLBytes = 1 << 20
	// DefaultMergeMemoryBytes: a one-thread merge of ~200-byte rows needs
	// 64 to 128 MiB, whatever their number (merge_test.go); twice that
	// leaves room for wider rows.
	DefaultMergeMemoryBytes = 256 << 20
)

// Config shapes an Engine.
type Config struct {
	// Dirs are the directories whose files (and only those) queries may
	// read: DuckDB's allowed_directories. A Table's Files must lie in one.
	Dirs []string
	// MemoryBytes and Threads are DuckDB's memory_limit and threads until
	// a query's Limits ask for others (DefaultMemoryBytes, DefaultThreads).
	MemoryBytes int64
	Threads     int
	// MaxSQLBytes bounds a statement's text (DefaultMaxSQLBytes).
	MaxSQLBytes int
	// MergeMemoryBytes is the memory_limit of the second database that
	// MergeParquet runs in, on one thread, so that merges neither take
	// the queries' memory nor both cores (DefaultMergeMemoryBytes).
	MergeMemoryBytes int64
}

// Engine is the DuckDB columnar.Engine: one in-memory DuckDB database
// whose settings only the engine changes. It is safe for concurrent use.
type Engine struct {
	cfg    Config
	dirs   []string // cleaned, with a trailing separator
	db     *sql.DB  // queries
	merges *sql.DB  // MergeParquet: its own memory, one thread

	mu      sync.Mutex // guards closed, memory, threads
	closed  bool
	memory  int64 // memory_limit in force
	threads int   // threads in force
	running sync.WaitGroup
	// stop is cancelled by Close: running queries are interrupted.
	stop       context.Context
	stopCancel context.CancelFunc
	seq        atomic.Uint64 // names the Arrow views of hot rows
	schemas    schemaCache   // the files' schemas, by path, size and time
	plans      planCache     // the parses of recent statement texts

	// The database catalog queries run in (catalog.go), made on first use.
	catalogOnce sync.Once
	catalogDB   *sql.DB
	catalogErr  error
}

var _ columnar.Engine = (*Engine)(nil)

// New opens an engine. Close releases it.
func New(cfg Config) (*Engine, error) {
	if !arrowBuilt {
		return nil, errNoArrow
	}
	if cfg.MemoryBytes <= 0 {
		cfg.MemoryBytes = DefaultMemoryBytes
	}
	if cfg.Threads <= 0 {
		cfg.Threads = DefaultThreads
	}
	if cfg.MaxSQLBytes <= 0 {
		cfg.MaxSQLBytes = DefaultMaxSQLBytes
	}
	if cfg.MergeMemoryBytes <= 0 {
		cfg.MergeMemoryBytes = DefaultMergeMemoryBytes
	}
	e := &Engine{cfg: cfg}
	e.stop, e.stopCancel = context.WithCancel(context.Background())
	for _, d := range cfg.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("duckcolumnar: directory %q: %w", d, err)
		}
		e.dirs = append(e.dirs, strings.TrimSuffix(filepath.Clean(abs), string(filepath.Separator))+string(filepath.Separator))
	}
	db, err := openDB(e.dirs, cfg.MemoryBytes, cfg.Threads)
	if err != nil {
		return nil, err
	}
	e.db = db
	if e.merges, err = openDB(e.dirs, cfg.MergeMemoryBytes, 1); err != nil {
		e.db.Close()
		return nil, err
	}
	e.memory, e.threads = cfg.MemoryBytes, cfg.Threads
	return e, nil
}

// openDB opens an in-memory DuckDB database that reads (and writes) only
// dirs, within memory and threads.
func openDB(dirs []string, memory int64, threads int) (*sql.DB, error) {
	// Extensions are neither installed nor loaded behind the engine's
	// back; nothing spills to a temporary directory.
	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false", nil)
	if err != nil {
		return nil, fmt.Errorf("duckcolumnar: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	// Every query gets a fresh connection, closed after it: the views it
	// made go with it.
	db.SetMaxIdleConns(0)
	setup := []string{
		"SET GLOBAL temp_directory = ''",
		// Sealed files never change: their footers are read once.
		"SET GLOBAL parquet_metadata_cache = true",
		"SET GLOBAL allowed_directories = " + listLiteral(dirs),
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL memory_limit = '" + strconv.FormatInt(memory, 10) + "B'",
		"SET GLOBAL threads = " + strconv.Itoa(threads),
	}
	for _, s := range setup {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("duckcolumnar: set up duckdb (%s): %w", s, err)
		}
	}
	return db, nil
}

// Close interrupts running queries (they return ErrClosed), waits for
// them and closes the database. Idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.stopCancel()
	e.running.Wait()
	if e.catalogDB != nil {
		// No call is running, and none starts: catalogOnce has run.
		_ = e.catalogDB.Close()
	}
	return errors.Join(e.db.Close(), e.merges.Close())
}

// enter registers a call; leave must follow.
func (e *Engine) enter() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return columnar.ErrClosed
	}
	e.running.Add(1)
	return nil
}

func (e *Engine) leave() { e.running.Done() }

// Prepare implements columnar.Engine.
func (e *Engine) Prepare(ctx context.Context, query string) (columnar.Plan, error) {
	if err := e.enter(); err != nil {
		return columnar.Plan{}, err
	}
	defer e.leave()
	var conn *sql.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	p, err := e.prepare(ctx, func() (*sql.Conn, error) {
		var err error
		if conn, err = e.db.Conn(ctx); err != nil {
			return nil, fmt.Errorf("duckcolumnar: connect: %w", err)
		}
		return conn, nil
	}, query)
	return p.plan, err
}

// WriteParquet implements columnar.Engine. It does not need the database,
// and runs after Close too.
func (e *Engine) WriteParquet(ctx context.Context, w io.Writer, docs []document.Document, opt columnar.FileOptions) (columnar.FileInfo, error) {
	return writeParquet(ctx, w, docs, opt)
}

// Query implements columnar.Engine.
func (e *Engine) Query(ctx context.Context, query string, params []any, tables []columnar.Table, lim columnar.Limits) (columnar.Result, error) {
	var res columnar.Result
	err := e.run(ctx, query, params, tables, lim, collect(params, &res))
	if err != nil {
		return columnar.Result{}, err
	}
	return res, nil
}

// collect is the runFunc that reads a query's rows into res, at most
// lim.MaxRows of them.
func collect(params []any, res *columnar.Result) runFunc {
	return func(ctx context.Context, _ driver.Conn, st *duckdb.Stmt, _ string, lim columnar.Limits, scrub *strings.Replacer) error {
		rows, err := st.QueryContext(ctx, namedArgs(params))
		if err != nil {
			return err
		}
		defer rows.Close()
		names := rows.Columns()
		typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
		for i, n := range names {
			c := columnar.Column{Name: n}
			if typed != nil {
				c.Type = typed.ColumnTypeDatabaseTypeName(i)
			}
			res.Columns = append(res.Columns, c)
		}
		dest := make([]driver.Value, len(names))
		for {
			err := rows.Next(dest)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if len(res.Rows) == lim.MaxRows {
				res.Truncated = true
				return nil
			}
			row := make([]any, len(dest))
			for i, v := range dest {
				row[i] = normalize(v)
				if s, ok := row[i].(string); ok && scrub != nil {
					row[i] = scrub.Replace(s)
				}
			}
			res.Rows = append(res.Rows, row)
		}
	}
}

// checkParams refuses params of a type the engine does not bind.
func checkParams(params []any) error {
	for i, p := range params {
		switch p.(type) {
		case nil, bool, int64, int, int32, float64, string, []byte, time.Time:
		default:
			return fmt.Errorf("%w: param %d is a %T; params are null, booleans, numbers, strings, bytes or times", columnar.ErrInvalid, i+1, p)
		}
	}
	return nil
}

func namedArgs(params []any) []driver.NamedValue {
	args := make([]driver.NamedValue, len(params))
	for i, p := range params {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: p}
	}
	return args
}

// QueryArrow implements columnar.Engine. It writes at most Limits.MaxRows
// rows; the stream does not say whether there were more.
func (e *Engine) QueryArrow(ctx context.Context, query string, params []any, tables []columnar.Table, lim columnar.Limits, w io.Writer) error {
	return e.run(ctx, query, params, tables, lim, func(ctx context.Context, dc driver.Conn, _ *duckdb.Stmt, text string, lim columnar.Limits, scrub *strings.Replacer) error {
		if scrub != nil {
			return fmt.Errorf("%w: EXPLAIN answers come as rows, not as an Arrow stream", columnar.ErrInvalid)
		}
		{
			rr, err := arrowQuery(ctx, dc, text, params)
			if err != nil {
				return err
			}
			defer rr.Release()
			iw := ipc.NewWriter(w, ipc.WithSchema(rr.Schema()), ipc.WithAllocator(memory.DefaultAllocator))
			left := int64(lim.MaxRows)
			for left > 0 && rr.Next() {
				rec := rr.RecordBatch()
				if rec.NumRows() > left {
					rec = rec.NewSlice(0, left)
					defer rec.Release()
				}
				if err := iw.Write(rec); err != nil {
					iw.Close()
					return fmt.Errorf("duckcolumnar: write arrow stream: %w", err)
				}
				left -= rec.NumRows()
			}
			if err := rr.Err(); err != nil {
				iw.Close()
				return err
			}
			return iw.Close()
		}
	})
}

// runFunc runs text, prepared as st, on conn, where the query's tables
// are views. scrub is set for EXPLAIN, whose rows name the files: every
// string of the answer goes through it.
type runFunc func(ctx context.Context, conn driver.Conn, st *duckdb.Stmt, text string, lim columnar.Limits, scrub *strings.Replacer) error

// run checks query again, sets the limits, makes the tables views on a
// fresh connection, runs fn and translates its error.
func (e *Engine) run(ctx context.Context, query string, params []any, tables []columnar.Table, lim columnar.Limits, fn runFunc) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	if err := checkParams(params); err != nil {
		return err
	}
	if lim.Timeout <= 0 {
		lim.Timeout = DefaultTimeout
	}
	if lim.MaxRows <= 0 {
		lim.MaxRows = DefaultMaxRows
	}
	qctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	defer context.AfterFunc(e.stop, cancel)()
	scrub := e.scrubber(tables)
	err := e.runConn(qctx, query, params, tables, lim, scrub, fn)
	if err == nil {
		return nil
	}
	switch {
	case e.stop.Err() != nil:
		return columnar.ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case qctx.Err() != nil:
		return fmt.Errorf("%w after %v", columnar.ErrTimeout, lim.Timeout)
	}
	return translate(err, scrub)
}

func (e *Engine) runConn(ctx context.Context, query string, params []any, tables []columnar.Table, lim columnar.Limits, scrub *strings.Replacer, fn runFunc) error {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	p, err := e.prepare(ctx, func() (*sql.Conn, error) { return conn, nil }, query)
	if err != nil {
		return err
	}
	byName := make(map[string]*columnar.Table, len(tables))
	lower := make(map[string]string, len(tables))
	for i := range tables {
		t := &tables[i]
		if prev, ok := lower[strings.ToLower(t.Name)]; ok && prev != t.Name {
			return fmt.Errorf("%w: tables %q and %q differ only in case, which SQL does not tell apart", columnar.ErrInvalid, prev, t.Name)
		}
		lower[strings.ToLower(t.Name)] = t.Name
		byName[t.Name] = t
	}
	var use []*columnar.Table
	for _, name := range p.plan.Tables {
		t, ok := byName[name]
		if !ok {
			if real, ok := lower[strings.ToLower(name)]; ok {
				t = byName[real]
			} else {
				return fmt.Errorf("%w: table %q does not exist", columnar.ErrInvalid, name)
			}
		}
		use = append(use, t)
	}
	if p.plan.Kind == columnar.KindShow && len(p.plan.Tables) == 0 {
		// SHOW TABLES: the tables the caller passed, answered here (the
		// connection holds the engine's own objects too).
		names := make([]string, 0, len(tables))
		for _, t := range tables {
			names = append(names, quoteString(t.Name))
		}
		slices.Sort(names)
		text := "SELECT CAST(NULL AS VARCHAR) AS name WHERE false"
		if len(names) > 0 {
			text = "SELECT unnest([" + strings.Join(names, ", ") + "]) AS name"
		}
		return runChecked(ctx, conn, []string{text}, len(params), lim, nil, fn)
	}
	if err := e.setLimits(ctx, conn, lim); err != nil {
		return err
	}
	for _, t := range use {
		if err := e.makeView(ctx, conn, t, p.plan.Kind == columnar.KindDescribe); err != nil {
			return err
		}
	}
	if p.rewritten != "" {
		query = p.rewritten
	}
	texts := []string{query}
	if p.plan.Kind == columnar.KindSelect {
		// Stop DuckDB at MaxRows+1 rows rather than materialize them all;
		// when the wrapped text does not prepare (a trailing comment after
		// a semicolon), run the query as written.
		wrapped := "SELECT * FROM (\n" + strings.TrimRight(strings.TrimSpace(query), "; \t\r\n") + "\n) LIMIT " + strconv.Itoa(lim.MaxRows+1)
		texts = []string{wrapped, query}
	}
	if p.plan.Kind != columnar.KindExplain {
		scrub = nil
	}
	return runChecked(ctx, conn, texts, len(params), lim, scrub, fn)
}

// runChecked prepares the first of texts that prepares, checks that
// DuckDB's own parser and binder see a statement that only reads, and
// runs it with fn. The error is the last text's.
func runChecked(ctx context.Context, conn *sql.Conn, texts []string, nparams int, lim columnar.Limits, scrub *strings.Replacer, fn runFunc) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("duckcolumnar: not a driver connection")
		}
		var err error
		for _, text := range texts {
			var st *duckdb.Stmt
			st, err = prepareChecked(ctx, c, text)
			if err != nil {
				continue
			}
			defer st.Close()
			if n := st.NumInput(); n != nparams {
				return fmt.Errorf("%w: the statement has %d placeholders and %d params were given", columnar.ErrInvalid, n, nparams)
			}
			return fn(ctx, c, st, text, lim, scrub)
		}
		return err
	})
}

// prepareChecked prepares text and checks DuckDB's statement type.
func prepareChecked(ctx context.Context, c driver.Conn, text string) (*duckdb.Stmt, error) {
	pc, ok := c.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("duckcolumnar: driver cannot prepare")
	}
	st, err := pc.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	ds, ok := st.(*duckdb.Stmt)
	if !ok {
		st.Close()
		return nil, errors.New("duckcolumnar: not a duckdb statement")
	}
	typ, err := ds.StatementType()
	if err == nil && typ != duckdb.STATEMENT_TYPE_SELECT && typ != duckdb.STATEMENT_TYPE_EXPLAIN {
		err = fmt.Errorf("%w: only SELECT, WITH, EXPLAIN, DESCRIBE and SHOW statements run here", columnar.ErrRefused)
	}
	if err != nil {
		ds.Close()
		return nil, err
	}
	return ds, nil
}

// setLimits applies lim's memory and threads. DuckDB has them per
// database, not per query: the engine sets them when a query asks for
// others than those in force.
func (e *Engine) setLimits(ctx context.Context, conn *sql.Conn, lim columnar.Limits) error {
	mem, threads := lim.MemoryBytes, lim.Threads
	if mem <= 0 {
		mem = e.cfg.MemoryBytes
	}
	if threads <= 0 {
		threads = e.cfg.Threads
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if mem != e.memory {
		if _, err := conn.ExecContext(ctx, "SET GLOBAL memory_limit = '"+strconv.FormatInt(mem, 10)+"B'"); err != nil {
			return fmt.Errorf("duckcolumnar: set memory_limit: %w", err)
		}
		e.memory = mem
	}
	if threads != e.threads {
		if _, err := conn.ExecContext(ctx, "SET GLOBAL threads = "+strconv.Itoa(threads)); err != nil {
			return fmt.Errorf("duckcolumnar: set threads: %w", err)
		}
		e.threads = threads
	}
	return nil
}

// makeView makes table t the temporary view named t.Name on conn: its
// files read by column name (union_by_name), and its hot documents copied
// into a temporary table (an Arrow view scans only once, and a query may
// read a table twice; Arrow's timestamp[ms] is TIMESTAMP_MS in DuckDB, cast
// to TIMESTAMP as Parquet files read), the two put together by name.
//
// For a DESCRIBE (schemaOnly), only the columns matter: the hot rows'
// schema is inferred from all of them, but one row is copied.
func (e *Engine) makeView(ctx context.Context, conn *sql.Conn, t *columnar.Table, schemaOnly bool) error {
	paths := make([]string, len(t.Files))
	schemas := make([]*arrow.Schema, 0, len(t.Files)+1)
	for j, f := range t.Files {
		p, err := e.allowed(f)
		if err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		paths[j] = p
		sch, err := e.schemas.schema(p)
		if err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		schemas = append(schemas, sch)
	}
	var hotSchema *tableSchema
	if len(t.Hot) > 0 || len(t.Files) == 0 {
		s, err := inferSchema(t.Hot)
		if err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		hotSchema = s
		schemas = append(schemas, s.arrow)
	}
	conflict := conflicts(schemas)
	// Files without a conflicting column are read together by name; the
	// others one by one, their conflicting columns as text.
	var parts, plain []string
	same := true // the plain files' columns are the same, in the same order
	var first *arrow.Schema
	for j, p := range paths {
		if r := replaceText(schemas[j], conflict); r != "" {
			parts = append(parts, "SELECT *"+r+" FROM read_parquet("+listLiteral([]string{p})+")")
			continue
		}
		plain = append(plain, p)
		if first == nil {
			first = schemas[j]
		} else if same {
			same = sameColumns(first, schemas[j])
		}
	}
	if len(plain) > 0 {
		// Reading by name costs DuckDB a pass over every file's schema
		// when it binds and a mapping of columns when it scans: files
		// alike (a topic whose records did not change shape) are read by
		// position.
		byName := ", union_by_name = true"
		if same {
			byName = ""
		}
		parts = append([]string{"SELECT * FROM read_parquet(" + listLiteral(plain) + byName + ")"}, parts...)
	}
	if hotSchema != nil {
		// duckdb-go registers an Arrow view in the database, not in the
		// connection: its name is unique, and it is dropped as soon as
		// its rows are copied.
		n := strconv.FormatUint(e.seq.Add(1), 10)
		hot, arrowName := "chronik hot "+n, "chronik arrow "+n
		s := hotSchema
		rows := t.Hot
		if schemaOnly && len(rows) > 1 {
			rows = rows[:1]
		}
		recs, err := s.records(memory.DefaultAllocator, rows)
		if err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		rr, err := array.NewRecordReader(s.arrow, recs)
		for _, r := range recs {
			r.Release()
		}
		if err != nil {
			return fmt.Errorf("table %q: %w", t.Name, err)
		}
		var release func()
		err = conn.Raw(func(dc any) error {
			release, err = registerArrow(dc.(driver.Conn), rr, arrowName)
			return err
		})
		if err != nil {
			rr.Release()
			return fmt.Errorf("table %q: hot rows: %w", t.Name, err)
		}
		_, err = conn.ExecContext(ctx, "CREATE TEMP TABLE "+quoteIdent(hot)+
			" AS SELECT * REPLACE (CAST(_timestamp AS TIMESTAMP) AS _timestamp) FROM "+quoteIdent(arrowName))
		if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+quoteIdent(arrowName)); derr != nil && err == nil {
			err = derr
		}
		release()
		rr.Release()
		if err != nil {
			return fmt.Errorf("table %q: hot rows: %w", t.Name, err)
		}
		parts = append(parts, "SELECT *"+replaceText(s.arrow, conflict)+" FROM "+quoteIdent(hot))
	}
	view := "CREATE TEMP VIEW " + quoteIdent(t.Name) + " AS " + strings.Join(parts, " UNION ALL BY NAME ")
	_, err := conn.ExecContext(ctx, view)
	return err
}

// sameColumns reports whether a and b have the same columns, of the same
// types, in the same order.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

// allowed returns path cleaned when it lies in one of the engine's
// directories and has no glob characters.
func (e *Engine) allowed(path string) (string, error) {
	if strings.ContainsAny(path, "*?[{") {
		// read_parquet would take it for a glob.
		return "", errors.New("duckcolumnar: a file's path has glob characters (* ? [ {)")
	}
	if filepath.IsAbs(path) {
		clean := filepath.Clean(path)
		for _, d := range e.dirs {
			if strings.HasPrefix(clean, d) {
				return clean, nil
			}
		}
	}
	return "", errors.New("duckcolumnar: a file lies outside the engine's directories")
}

// scrubber replaces the machine's paths in messages.
func (e *Engine) scrubber(tables []columnar.Table) *strings.Replacer {
	var pairs []string
	for _, t := range tables {
		for j, f := range t.Files {
			label := fmt.Sprintf("<file %d of table %s>", j, t.Name)
			pairs = append(pairs, f, label, filepath.Clean(f), label)
		}
	}
	for _, d := range e.dirs {
		pairs = append(pairs, d, "<dir>/", strings.TrimSuffix(d, string(filepath.Separator)), "<dir>")
	}
	return strings.NewReplacer(pairs...)
}

// translate maps DuckDB's errors to the port's sentinels, with DuckDB's
// message, scrubbed of the machine's paths.
func translate(err error, scrub *strings.Replacer) error {
	for _, s := range []error{columnar.ErrInvalid, columnar.ErrRefused, columnar.ErrTimeout, columnar.ErrResources, columnar.ErrClosed} {
		if errors.Is(err, s) {
			return err // ours: names no file
		}
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return fmt.Errorf("duckcolumnar: %s", scrub.Replace(err.Error()))
	}
	msg := scrub.Replace(de.Msg)
	switch de.Type {
	case duckdb.ErrorTypeOutOfMemory:
		return fmt.Errorf("%w: %s", columnar.ErrResources, msg)
	case duckdb.ErrorTypeInterrupt:
		return fmt.Errorf("%w: %s", columnar.ErrTimeout, msg)
	case duckdb.ErrorTypePermission, duckdb.ErrorTypeMissingExtension, duckdb.ErrorTypeAutoLoad:
		return fmt.Errorf("%w: %s", columnar.ErrRefused, msg)
	case duckdb.ErrorTypeIO, duckdb.ErrorTypeInternal, duckdb.ErrorTypeFatal, duckdb.ErrorTypeConnection:
		return fmt.Errorf("duckcolumnar: %s", msg)
	}
	return fmt.Errorf("%w: %s", columnar.ErrInvalid, msg)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func listLiteral(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quoteString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// normalize turns a scanned value into one of the port's kinds.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, uint64, float64, string, []byte, time.Time:
		return x
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case float32:
		return float64(x)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return x.String()
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case duckdb.OrderedMap:
		keys, vals := x.Keys(), x.Values()
		out := make([]any, len(keys))
		for i := range keys {
			out[i] = map[string]any{"key": normalize(keys[i]), "value": normalize(vals[i])}
		}
		return out
	case duckdb.Union:
		return normalize(x.Value)
	}
	return fmt.Sprint(v)
}
