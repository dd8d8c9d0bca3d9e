// Package columnar is the port for the SQL engine over topics: it writes a
// partition's documents as Parquet files and runs read-only SQL over
// tables made of such files and of documents still in memory (the hot
// buffer).
//
// # Tables
//
// Every table is one topic. Its rows are its records: the columns
// _partition (INTEGER), _offset (BIGINT), _timestamp (TIMESTAMP, ms),
// _key, _headers, then the fields of the values: a document of kind
// document.JSON or document.Schema gives one column per top-level field
// (nested objects as STRUCTs, lists as LISTs, types inferred from the
// values and widened as needed, e.g. BIGINT and DOUBLE to DOUBLE, anything
// and VARCHAR to VARCHAR); a document.Raw value gives a column named value
// (text when valid UTF-8). A file's schema is inferred from its own
// documents; a table reads its files and its hot documents by column
// name, so files written before and after a schema changed are queried
// together, a column missing from some rows being NULL there.
package columnar

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
)

// Errors of an Engine. Each is wrapped with the engine's own message,
// which is safe to show the user (it names no file of the machine).
var (
	// ErrInvalid: the SQL does not parse, names an unknown table or
	// column, or fails to bind (the user's mistake: HTTP 400).
	ErrInvalid = errors.New("invalid SQL")
	// ErrRefused: the statement is not read-only, or reads something
	// other than the topics' tables (files, URLs, settings): HTTP 403.
	ErrRefused = errors.New("statement refused: only read-only queries of topics run here")
	// ErrTimeout: the query ran past Limits.Timeout and was interrupted.
	ErrTimeout = errors.New("query timed out")
	// ErrResources: the query needed more memory than Limits.MemoryBytes.
	ErrResources = errors.New("query exceeded its memory limit")
	// ErrClosed: the engine is closed.
	ErrClosed = errors.New("columnar engine is closed")
)

// Statement kinds a Plan may have: the only ones that run.
const (
	KindSelect   = "SELECT" // SELECT, WITH ... SELECT, VALUES, set operations
	KindExplain  = "EXPLAIN"
	KindDescribe = "DESCRIBE"
	KindShow     = "SHOW"
)

// Plan is what Prepare learnt of a statement.
type Plan struct {
	Kind   string   // one of the Kind constants
	Tables []string // the tables it reads, each once, as named (unquoted)
}

// Table is what a query may read of one topic.
type Table struct {
	Name  string   // the topic
	Files []string // local paths of this table's Parquet files, read whole
	// Hot holds the documents not yet in a file, in any order; the
	// engine only reads them.
	Hot []document.Document
}

// Limits bound one query.
type Limits struct {
	Timeout     time.Duration // interrupted past this
	MaxRows     int           // rows returned at most; Result.Truncated when there were more
	MemoryBytes int64         // working memory
	Threads     int           // threads the engine may use
}

// Column names one result column and its SQL type as the engine spells it
// (BIGINT, VARCHAR, TIMESTAMP, STRUCT(a BIGINT), ...).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is the answer to a query. Values are nil, bool, int64, uint64,
// float64, string, []byte, time.Time, []any (LIST), map[string]any
// (STRUCT) or a decimal as string.
type Result struct {
	Columns   []Column
	Rows      [][]any
	Truncated bool // there were more than Limits.MaxRows rows
}

// FileOptions shape one Parquet file.
type FileOptions struct {
	Compression string // zstd, snappy, lz4 or none
}

// FileInfo describes a file written.
type FileInfo struct {
	Rows  int64
	Bytes int64
}

// Engine writes Parquet files and runs queries. It is safe for concurrent
// use.
type Engine interface {
	// Prepare parses one statement and returns its kind and the tables it
	// reads; ErrInvalid when it does not parse, ErrRefused when it is not
	// one of the read-only kinds or reads anything but tables (table
	// functions such as read_csv, files, URLs, settings, pragmas).
	Prepare(ctx context.Context, sql string) (Plan, error)
	// Query runs sql (which Prepare accepted) with params bound to its
	// placeholders, over tables (every table the plan names must be
	// among them), within lim.
	Query(ctx context.Context, sql string, params []any, tables []Table, lim Limits) (Result, error)
	// QueryArrow is Query writing its rows to w as an Arrow IPC stream.
	QueryArrow(ctx context.Context, sql string, params []any, tables []Table, lim Limits, w io.Writer) error
	// WriteParquet writes docs (rows of one table; at least one) as one
	// Parquet file to w, readable by any Parquet reader.
	WriteParquet(ctx context.Context, w io.Writer, docs []document.Document, opt FileOptions) (FileInfo, error)
	// MergeParquet writes the rows of srcs (files this engine wrote or
	// merged, at least one, local paths the engine may read), file after
	// file and each in its own order, as one file at dst (a local path the
	// engine may write; replaced when it exists), readable by any Parquet
	// reader. Columns are matched by name: a column missing from a source
	// is NULL in its rows, and a column's type is the one a query over all
	// of srcs would give it. It reads nothing but srcs, and bounds its
	// memory as a query does. On error dst may hold a partial file, which
	// the caller removes.
	MergeParquet(ctx context.Context, dst string, srcs []string, opt FileOptions) (FileInfo, error)
	// Catalog runs one read-only query of the Postgres catalogs
	// (pg_catalog, information_schema) and of the session functions
	// Postgres clients call (version(), current_setting, current_schemas,
	// format_type, has_*_privilege, ...), as a Postgres server of one
	// database (Session.Database) with one schema, public, holding tables
	// (every one listed, with its columns in order, as the engine's
	// column types). It reads no topic data: a statement that reads a
	// table of tables is ErrInvalid. ErrInvalid also when the statement
	// does not parse or names a catalog relation or function the engine
	// does not emulate; ErrRefused when it is not one read-only query or
	// reads anything else (files, settings, the engine's own objects).
	// lim bounds it as it bounds Query.
	Catalog(ctx context.Context, sql string, params []any, tables []TableSchema, sess Session, lim Limits) (Result, error)
	// Close releases the engine. Idempotent.
	Close() error
}

// TableSchema is a table as the catalogs show it.
type TableSchema struct {
	Name    string
	Columns []Column // in order; Type as the engine spells it
}

// Session is what the session functions of a catalog query answer.
type Session struct {
	User          string // current_user, session_user, the owner of every object
	Database      string // current_database(), the one catalog
	ServerVersion string // version(), server_version ("15.0")
	// Settings are what current_setting(name) and pg_settings answer,
	// by lower-case name; a name not here is NULL there.
	Settings map[string]string
}
