// Package memcolumnar is a small in-memory columnar.Engine for tests of the
// layers above the port (the columnar sink, the query service, HTTP and
// Postgres front ends). It is not a SQL engine. Exactly what it supports:
//
//   - Files: WriteParquet writes the documents as a gob stream, not
//     Parquet (only this engine reads them back); FileInfo counts rows and
//     bytes as for a real file.
//
//   - Prepare recognises two statements, keywords in any case, white space
//     free, one trailing semicolon allowed:
//
//     SELECT * FROM <table> [WHERE _partition = <n>]
//     SELECT COUNT(*) FROM <table> [WHERE _partition = <n>]
//
//     where <table> is a bare name ([A-Za-z_][A-Za-z0-9_]*) or a
//     double-quoted one ("" for a quote). Plan.Kind is SELECT and
//     Plan.Tables the table. A statement starting with SELECT, WITH,
//     FROM, VALUES, EXPLAIN, DESCRIBE, SHOW or SUMMARIZE that is not one
//     of those is ErrInvalid ("not supported"); anything else is
//     ErrRefused, as is more than one statement.
//
//   - Query: SELECT * gives _partition (INTEGER), _offset (BIGINT),
//     _timestamp (TIMESTAMP, a time.Time in UTC), _key (BLOB, []byte),
//     _headers (a []any of map[string]any{"key", "value"}), then every
//     top-level field (a Raw document's value as field value: a string
//     when valid UTF-8, else []byte), in order of first appearance, rows
//     ordered by partition then offset. Values are the documents' own
//     (objects as map[string]any); a column's type is named after its
//     first non-null value (BOOLEAN, BIGINT, DOUBLE, VARCHAR, BLOB, LIST,
//     STRUCT) or VARCHAR; types are not widened. COUNT(*) gives one
//     column count_star() (BIGINT), as DuckDB names it. Params must be
//     empty (the statements have no placeholders).
//
//   - MergeParquet reads its sources' documents and writes them, in
//     order, as one such file; it does not check where the files lie.
//
//   - Limits: MaxRows truncates (Result.Truncated); Timeout is checked
//     between rows (ErrTimeout); MemoryBytes and Threads are ignored.
//
//   - QueryArrow writes the same rows as an Arrow IPC stream: _partition
//     int32, _offset int64, _timestamp timestamp[ms], every other column
//     a string holding the value's JSON text (null for null).
//
//   - Catalog answers one statement (keywords in any case, white space
//     free): SELECT table_name, column_name, data_type FROM
//     information_schema.columns, one row per column of the tables given,
//     in order, data_type the Postgres name (columnar.PostgresType);
//     anything else is ErrInvalid ("not supported").
//
// All methods are safe for concurrent use; after Close they return
// columnar.ErrClosed (WriteParquet and MergeParquet too).
package memcolumnar

import (
	"cmp"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

func init() {
	gob.Register(document.Object{})
	gob.Register([]any{})
}

// Engine is the in-memory columnar.Engine. The zero value is not usable;
// call New.
type Engine struct {
	mu     sync.RWMutex
	closed bool
}

var _ columnar.Engine = (*Engine)(nil)

// New returns an engine.
func New() *Engine { return &Engine{} }

// Close implements columnar.Engine. Idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	return nil
}

func (e *Engine) check() error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return columnar.ErrClosed
	}
	return nil
}

var statement = regexp.MustCompile(`(?is)^\s*select\s+(\*|count\s*\(\s*\*\s*\))\s+from\s+("(?:[^"]|"")+"|[a-z_][a-z0-9_]*)(?:\s+where\s+_partition\s*=\s*(\d{1,9}))?\s*;?\s*$`)

var selectLike = regexp.MustCompile(`(?is)^\s*(select|with|from|values|explain|describe|show|summarize)\b`)

type plan struct {
	table     string
	count     bool
	partition int32 // -1: all
}

func parse(sql string) (plan, error) {
	m := statement.FindStringSubmatch(sql)
	if m == nil {
		if selectLike.MatchString(sql) && !strings.Contains(strings.TrimRight(strings.TrimSpace(sql), ";"), ";") {
			return plan{}, fmt.Errorf("%w: memcolumnar runs only SELECT * FROM t and SELECT COUNT(*) FROM t [WHERE _partition = n]: not supported", columnar.ErrInvalid)
		}
		return plan{}, fmt.Errorf("%w: memcolumnar: not a read-only statement it knows", columnar.ErrRefused)
	}
	p := plan{table: m[2], count: m[1] != "*", partition: -1}
	if strings.HasPrefix(p.table, `"`) {
		p.table = strings.ReplaceAll(p.table[1:len(p.table)-1], `""`, `"`)
	}
	if m[3] != "" {
		n, _ := strconv.Atoi(m[3])
		p.partition = int32(n)
	}
	return p, nil
}

// Prepare implements columnar.Engine.
func (e *Engine) Prepare(ctx context.Context, sql string) (columnar.Plan, error) {
	if err := e.check(); err != nil {
		return columnar.Plan{}, err
	}
	p, err := parse(sql)
	if err != nil {
		return columnar.Plan{}, err
	}
	return columnar.Plan{Kind: columnar.KindSelect, Tables: []string{p.table}}, nil
}

// WriteParquet implements columnar.Engine, writing a gob stream.
func (e *Engine) WriteParquet(ctx context.Context, w io.Writer, docs []document.Document, opt columnar.FileOptions) (columnar.FileInfo, error) {
	if err := e.check(); err != nil {
		return columnar.FileInfo{}, err
	}
	if len(docs) == 0 {
		return columnar.FileInfo{}, errors.New("memcolumnar: a file needs at least one document")
	}
	switch opt.Compression {
	case "zstd", "snappy", "lz4", "none", "":
	default:
		return columnar.FileInfo{}, fmt.Errorf("memcolumnar: compression %q is not one of zstd, snappy, lz4, none", opt.Compression)
	}
	cw := &countingWriter{w: w}
	if err := gob.NewEncoder(cw).Encode(docs); err != nil {
		return columnar.FileInfo{}, fmt.Errorf("memcolumnar: write: %w", err)
	}
	return columnar.FileInfo{Rows: int64(len(docs)), Bytes: cw.n}, nil
}

// MergeParquet implements columnar.Engine: the documents of srcs, file
// after file, as one gob stream at dst.
func (e *Engine) MergeParquet(ctx context.Context, dst string, srcs []string, opt columnar.FileOptions) (columnar.FileInfo, error) {
	if err := e.check(); err != nil {
		return columnar.FileInfo{}, err
	}
	if len(srcs) == 0 {
		return columnar.FileInfo{}, errors.New("memcolumnar: a merge needs at least one file")
	}
	var all []document.Document
	for j, path := range srcs {
		if err := ctx.Err(); err != nil {
			return columnar.FileInfo{}, err
		}
		d, err := readFile(path)
		if err != nil {
			return columnar.FileInfo{}, fmt.Errorf("memcolumnar: merge: file %d: %w", j, err)
		}
		all = append(all, d...)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return columnar.FileInfo{}, errors.New("memcolumnar: merge: the destination cannot be written")
	}
	info, err := e.WriteParquet(ctx, f, all, opt)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("memcolumnar: merge: %w", cerr)
	}
	return info, err
}

// readFile reads the documents of a file WriteParquet wrote.
func readFile(path string) ([]document.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New("cannot be opened")
	}
	defer f.Close()
	var d []document.Document
	if err := gob.NewDecoder(f).Decode(&d); err != nil {
		return nil, errors.New("not a memcolumnar file")
	}
	return d, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Query implements columnar.Engine.
func (e *Engine) Query(ctx context.Context, sql string, params []any, tables []columnar.Table, lim columnar.Limits) (columnar.Result, error) {
	if err := e.check(); err != nil {
		return columnar.Result{}, err
	}
	p, err := parse(sql)
	if err != nil {
		return columnar.Result{}, err
	}
	if len(params) > 0 {
		return columnar.Result{}, fmt.Errorf("%w: %d params for a statement without placeholders", columnar.ErrInvalid, len(params))
	}
	var deadline time.Time
	if lim.Timeout > 0 {
		deadline = time.Now().Add(lim.Timeout)
	}
	docs, err := read(p, tables)
	if err != nil {
		return columnar.Result{}, err
	}
	if p.count {
		return columnar.Result{
			Columns: []columnar.Column{{Name: "count_star()", Type: "BIGINT"}},
			Rows:    [][]any{{int64(len(docs))}},
		}, nil
	}
	res := columnar.Result{Columns: []columnar.Column{
		{Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"},
		{Name: "_timestamp", Type: "TIMESTAMP"}, {Name: "_key", Type: "BLOB"},
		{Name: "_headers", Type: "STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]"},
	}}
	index := map[string]int{}
	var rows []map[string]any
	for _, d := range docs {
		fields := d.Fields
		if d.Kind == document.Raw {
			fields = document.Object{{Name: "value", Value: rawValue(d.Value)}}
		}
		row := make(map[string]any, len(fields))
		for _, f := range fields {
			i, ok := index[f.Name]
			if !ok {
				i = len(res.Columns)
				index[f.Name] = i
				res.Columns = append(res.Columns, columnar.Column{Name: f.Name})
			}
			if f.Value != nil && res.Columns[i].Type == "" {
				res.Columns[i].Type = typeName(f.Value)
			}
			row[f.Name] = convert(f.Value)
		}
		rows = append(rows, row)
	}
	for i := range res.Columns {
		if res.Columns[i].Type == "" {
			res.Columns[i].Type = "VARCHAR"
		}
	}
	for i, d := range docs {
		if !deadline.IsZero() && time.Now().After(deadline) {
			return columnar.Result{}, fmt.Errorf("%w after %v", columnar.ErrTimeout, lim.Timeout)
		}
		if err := ctx.Err(); err != nil {
			return columnar.Result{}, err
		}
		if lim.MaxRows > 0 && len(res.Rows) == lim.MaxRows {
			res.Truncated = true
			break
		}
		headers := []any{}
		for _, h := range d.Headers {
			headers = append(headers, map[string]any{"key": h.Key, "value": h.Value})
		}
		row := []any{int64(d.Partition), d.Offset, time.UnixMilli(d.Timestamp).UTC(), d.Key, headers}
		for _, c := range res.Columns[5:] {
			row = append(row, rows[i][c.Name])
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// read returns the documents of p's table, in order.
func read(p plan, tables []columnar.Table) ([]document.Document, error) {
	var t *columnar.Table
	for i := range tables {
		if tables[i].Name == p.table {
			t = &tables[i]
		}
	}
	if t == nil {
		return nil, fmt.Errorf("%w: table %q does not exist", columnar.ErrInvalid, p.table)
	}
	var docs []document.Document
	for j, path := range t.Files {
		fd, err := readFile(path)
		if err != nil {
			return nil, fmt.Errorf("memcolumnar: file %d of table %q %w", j, t.Name, err)
		}
		docs = append(docs, fd...)
	}
	docs = append(docs, t.Hot...)
	if p.partition >= 0 {
		docs = slices.DeleteFunc(docs, func(d document.Document) bool { return d.Partition != p.partition })
	}
	slices.SortStableFunc(docs, func(a, b document.Document) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	return docs, nil
}

func rawValue(v []byte) any {
	if v == nil {
		return nil
	}
	if utf8.Valid(v) {
		return string(v)
	}
	return v
}

func typeName(v any) string {
	switch v.(type) {
	case bool:
		return "BOOLEAN"
	case int64:
		return "BIGINT"
	case float64:
		return "DOUBLE"
	case []byte:
		return "BLOB"
	case []any:
		return "LIST"
	case document.Object:
		return "STRUCT"
	}
	return "VARCHAR"
}

// convert turns objects into maps, recursively.
func convert(v any) any {
	switch x := v.(type) {
	case document.Object:
		m := make(map[string]any, len(x))
		for _, f := range x {
			m[f.Name] = convert(f.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e)
		}
		return out
	}
	return v
}

// QueryArrow implements columnar.Engine.
func (e *Engine) QueryArrow(ctx context.Context, sql string, params []any, tables []columnar.Table, lim columnar.Limits, w io.Writer) error {
	res, err := e.Query(ctx, sql, params, tables, lim)
	if err != nil {
		return err
	}
	fields := make([]arrow.Field, len(res.Columns))
	for i, c := range res.Columns {
		var t arrow.DataType = arrow.BinaryTypes.String
		switch {
		case c.Name == "_partition" && c.Type == "INTEGER":
			t = arrow.PrimitiveTypes.Int32
		case c.Type == "BIGINT" && (c.Name == "_offset" || c.Name == "count_star()"):
			t = arrow.PrimitiveTypes.Int64
		case c.Name == "_timestamp" && c.Type == "TIMESTAMP":
			t = &arrow.TimestampType{Unit: arrow.Millisecond}
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range res.Rows {
		for i, v := range row {
			switch fb := b.Field(i).(type) {
			case *array.Int32Builder:
				fb.Append(int32(v.(int64)))
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(time.Time).UnixMilli()))
			case *array.StringBuilder:
				if v == nil {
					fb.AppendNull()
					continue
				}
				text, err := json.Marshal(v)
				if err != nil {
					return fmt.Errorf("memcolumnar: column %s: %w", res.Columns[i].Name, err)
				}
				fb.Append(string(text))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	iw := ipc.NewWriter(w, ipc.WithSchema(schema))
	if err := iw.Write(rec); err != nil {
		iw.Close()
		return fmt.Errorf("memcolumnar: write arrow stream: %w", err)
	}
	return iw.Close()
}

var catalogColumns = regexp.MustCompile(`(?i)^\s*select\s+table_name\s*,\s*column_name\s*,\s*data_type\s+from\s+information_schema\.columns\s*;?\s*$`)

// Catalog implements columnar.Engine for the one statement the package
// doc names.
func (e *Engine) Catalog(ctx context.Context, sql string, params []any, tables []columnar.TableSchema, sess columnar.Session, lim columnar.Limits) (columnar.Result, error) {
	if err := e.check(); err != nil {
		return columnar.Result{}, err
	}
	if !catalogColumns.MatchString(sql) {
		return columnar.Result{}, fmt.Errorf("%w: memcolumnar answers only SELECT table_name, column_name, data_type FROM information_schema.columns (not supported)", columnar.ErrInvalid)
	}
	res := columnar.Result{Columns: []columnar.Column{{Name: "table_name", Type: "VARCHAR"}, {Name: "column_name", Type: "VARCHAR"}, {Name: "data_type", Type: "VARCHAR"}}}
	for _, t := range tables {
		for _, c := range t.Columns {
			if lim.MaxRows > 0 && len(res.Rows) == lim.MaxRows {
				res.Truncated = true
				return res, nil
			}
			res.Rows = append(res.Rows, []any{t.Name, c.Name, columnar.PostgresType(c.Type).Name})
		}
	}
	return res, nil
}
