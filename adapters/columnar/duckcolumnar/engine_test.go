//go:build duckdb_arrow

package duckcolumnar

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

func newEngine(t *testing.T) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := New(Config{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

// writeFile writes docs as a Parquet file in dir.
func writeFile(t *testing.T, e *Engine, dir, name string, docs []document.Document, compression string) string {
	t.Helper()
	var buf bytes.Buffer
	info, err := e.WriteParquet(context.Background(), &buf, docs, columnar.FileOptions{Compression: compression})
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != int64(len(docs)) || info.Bytes != int64(buf.Len()) {
		t.Fatalf("info %+v, want %d rows, %d bytes", info, len(docs), buf.Len())
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func obj(kv ...any) document.Object {
	var o document.Object
	for i := 0; i < len(kv); i += 2 {
		o = append(o, document.Field{Name: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

func jsonDoc(p int32, off int64, fields document.Object) document.Document {
	return document.Document{Partition: p, Offset: off, Timestamp: 1_700_000_000_000 + off, Kind: document.JSON, Fields: fields, Key: []byte(fmt.Sprintf("k%d", off))}
}

// readDirect reads a Parquet file with DuckDB directly (not through the
// engine) and returns its column types and rows.
func readDirect(t *testing.T, path string) ([]string, [][]any) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM read_parquet(" + quoteString(path) + ") ORDER BY _partition, _offset")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, _ := rows.ColumnTypes()
	var types []string
	for _, c := range cts {
		types = append(types, c.Name()+" "+c.DatabaseTypeName())
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i := range vals {
			vals[i] = normalize(vals[i])
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return types, out
}

func ts(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Every column kind, written with every codec and read back by DuckDB's
// own read_parquet: types and every value.
func TestWriteParquetEveryKindReadBackByDuckDB(t *testing.T) {
	e, dir := newEngine(t)
	docs := []document.Document{
		{Partition: 0, Offset: 0, Timestamp: 1000, Key: []byte("a"), Kind: document.JSON,
			Headers: []document.Header{{Key: "h1", Value: []byte("v1")}, {Key: "h1", Value: nil}},
			Fields: obj("b", true, "i", int64(-7), "f", 1.5, "s", "héllo", "y", []byte{0, 0xff},
				"l", []any{int64(1), int64(2)}, "o", obj("x", int64(1), "deep", obj("z", "q")),
				"lo", []any{obj("n", int64(1)), obj("m", "t")}, "n", nil)},
		{Partition: 0, Offset: 1, Timestamp: 2000, Key: nil, Kind: document.JSON,
			Fields: obj("i", int64(math.MaxInt64), "f", int64(2), "l", []any{}, "extra", "e")},
		{Partition: 1, Offset: 0, Timestamp: 3000, Key: []byte("c"), Kind: document.Schema, SchemaID: 3,
			Fields: obj("s", "bad\xffutf8", "o", nil)},
	}
	wantTypes := []string{"_partition INTEGER", "_offset BIGINT", "_timestamp TIMESTAMP", "_key VARCHAR",
		"_headers STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]", "b BOOLEAN", "i BIGINT", "f DOUBLE", "s VARCHAR", "y BLOB",
		"l BIGINT[]", `o STRUCT("x" BIGINT, "deep" STRUCT("z" VARCHAR))`, `lo STRUCT("n" BIGINT, "m" VARCHAR)[]`, "n VARCHAR", "extra VARCHAR"}
	wantRows := [][]any{
		{int64(0), int64(0), ts(1000), "a", []any{map[string]any{"key": "h1", "value": []byte("v1")}, map[string]any{"key": "h1", "value": nil}},
			true, int64(-7), 1.5, "héllo", []byte{0, 0xff}, []any{int64(1), int64(2)},
			map[string]any{"x": int64(1), "deep": map[string]any{"z": "q"}},
			[]any{map[string]any{"n": int64(1), "m": nil}, map[string]any{"n": nil, "m": "t"}}, nil, nil},
		{int64(0), int64(1), ts(2000), nil, []any{}, nil, int64(math.MaxInt64), 2.0, nil, nil, []any{}, nil, nil, nil, "e"},
		{int64(1), int64(0), ts(3000), "c", []any{}, nil, nil, nil, "bad\uFFFDutf8", nil, nil, nil, nil, nil, nil},
	}
	for _, c := range []string{"zstd", "snappy", "lz4", "none"} {
		t.Run(c, func(t *testing.T) {
			path := writeFile(t, e, dir, c+".parquet", docs, c)
			types, rows := readDirect(t, path)
			if !reflect.DeepEqual(types, wantTypes) {
				t.Fatalf("types\n got %q\nwant %q", types, wantTypes)
			}
			if !reflect.DeepEqual(rows, wantRows) {
				t.Fatalf("rows\n got %#v\nwant %#v", rows, wantRows)
			}
		})
	}
	if _, err := e.WriteParquet(context.Background(), io_discard{}, docs, columnar.FileOptions{Compression: "brotli"}); err == nil {
		t.Fatal("compression brotli accepted")
	}
	if _, err := e.WriteParquet(context.Background(), io_discard{}, nil, columnar.FileOptions{}); err == nil {
		t.Fatal("no documents accepted")
	}
}

type io_discard struct{}

func (io_discard) Write(p []byte) (int, error) { return len(p), nil }

// Conflicts inside one file widen; names that collide are renamed.
func TestWriteParquetWidensAndRenames(t *testing.T) {
	e, dir := newEngine(t)
	docs := []document.Document{
		jsonDoc(0, 0, obj("num", int64(1), "mix", int64(1), "obj", obj("a", int64(1)), "bin", "text", "_offset", "mine", "Name", "A", "lst", []any{int64(1), "x"})),
		jsonDoc(0, 1, obj("num", 2.5, "mix", "two", "obj", int64(5), "bin", []byte{0xff}, "name", "b", "NAME", "c")),
		{Partition: 0, Offset: 2, Kind: document.Raw, Value: []byte{0xfe}},
	}
	docs[1].Fields = append(docs[1].Fields, document.Field{Name: "", Value: true})
	path := writeFile(t, e, dir, "w.parquet", docs, "zstd")
	types, rows := readDirect(t, path)
	wantTypes := []string{"_partition INTEGER", "_offset BIGINT", "_timestamp TIMESTAMP", "_key VARCHAR",
		"_headers STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]",
		"num DOUBLE", "mix VARCHAR", "obj VARCHAR", "bin BLOB", "_offset_2 VARCHAR", "Name VARCHAR", "lst VARCHAR[]",
		"name_2 VARCHAR", "NAME_3 VARCHAR", "_ BOOLEAN", "value BLOB"}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Fatalf("types\n got %q\nwant %q", types, wantTypes)
	}
	want := [][]any{
		{1.0, "1", `{"a":1}`, []byte("text"), "mine", "A", []any{"1", "x"}, nil, nil, nil, nil},
		{2.5, "two", "5", []byte{0xff}, nil, nil, nil, "b", "c", true, nil},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, []byte{0xfe}},
	}
	for i, r := range rows {
		if !reflect.DeepEqual(r[5:], want[i]) {
			t.Fatalf("row %d\n got %#v\nwant %#v", i, r[5:], want[i])
		}
	}
}

func TestPrepare(t *testing.T) {
	e, _ := newEngine(t)
	ok := []struct {
		name, sql, kind string
		tables          []string
	}{
		{"select", "SELECT * FROM orders", columnar.KindSelect, []string{"orders"}},
		{"from_first", "FROM orders", columnar.KindSelect, []string{"orders"}},
		{"quoted_dots", `SELECT count(*) FROM "my.topic-1_x" JOIN users USING (id)`, columnar.KindSelect, []string{"my.topic-1_x", "users"}},
		{"with_cte_not_table", "WITH t AS (SELECT * FROM orders) SELECT * FROM t, t AS u", columnar.KindSelect, []string{"orders"}},
		{"subquery", "SELECT (SELECT max(a) FROM b) FROM c WHERE x IN (SELECT y FROM d)", columnar.KindSelect, []string{"b", "c", "d"}},
		{"union_values", "SELECT 1 UNION ALL VALUES (2)", columnar.KindSelect, nil},
		{"params", "SELECT * FROM t WHERE a = $1 AND b = ?", columnar.KindSelect, []string{"t"}},
		{"trailing_semicolon", "SELECT 1;", columnar.KindSelect, nil},
		{"explain", "EXPLAIN SELECT * FROM orders", columnar.KindExplain, []string{"orders"}},
		{"explain_analyze", "explain /* c */ analyze SELECT 1 FROM o", columnar.KindExplain, []string{"o"}},
		{"describe", "DESCRIBE orders", columnar.KindDescribe, []string{"orders"}},
		{"describe_query", "DESCRIBE SELECT a FROM orders", columnar.KindDescribe, []string{"orders"}},
		{"show_table", "SHOW orders", columnar.KindShow, []string{"orders"}},
		{"show_tables", "SHOW TABLES", columnar.KindShow, nil},
		{"summarize", "SUMMARIZE orders", columnar.KindSelect, []string{"orders"}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			// The second time from the plan cache, which a caller
			// changing the first answer does not change.
			for range 2 {
				p, err := e.Prepare(context.Background(), c.sql)
				if err != nil {
					t.Fatal(err)
				}
				if p.Kind != c.kind || !reflect.DeepEqual(p.Tables, c.tables) {
					t.Fatalf("plan %+v, want %s %q", p, c.kind, c.tables)
				}
				if len(p.Tables) > 0 {
					p.Tables[0] = "changed"
				}
			}
		})
	}
	refused := map[string]string{
		"read_csv":        "SELECT * FROM read_csv('/etc/passwd')",
		"read_parquet":    "SELECT * FROM read_parquet('/tmp/x.parquet')",
		"glob":            "SELECT * FROM glob('/*')",
		"read_text":       "SELECT * FROM t, read_text('/etc/hostname')",
		"query_function":  "SELECT * FROM query('SELECT 1')",
		"nested_function": "SELECT * FROM t WHERE a IN (SELECT * FROM read_blob('/etc/passwd'))",
		"cte_function":    "WITH x AS (SELECT * FROM duckdb_settings()) SELECT * FROM x",
		"copy":            "COPY t TO '/tmp/out.csv'",
		"attach":          "ATTACH '/tmp/x.db'",
		"install":         "INSTALL httpfs",
		"load":            "LOAD httpfs",
		"set":             "SET threads = 64",
		"reset":           "RESET memory_limit",
		"pragma":          "PRAGMA version",
		"call":            "CALL pragma_version()",
		"export":          "EXPORT DATABASE '/tmp/x'",
		"create_table":    "CREATE TABLE x AS SELECT 1",
		"create_view":     "CREATE TEMP VIEW orders AS SELECT 1",
		"create_macro":    "CREATE MACRO m(a) AS a",
		"insert":          "INSERT INTO t VALUES (1)",
		"update":          "UPDATE t SET a = 1",
		"delete":          "DELETE FROM t",
		"drop":            "DROP TABLE t",
		"detach":          "DETACH x",
		"begin":           "BEGIN TRANSACTION",
		"multiple":        "SELECT 1; SELECT 2",
		"select_then_set": "SELECT 1; SET threads = 1",
		"explain_copy":    "EXPLAIN COPY t TO 'x'",
		"current_setting": "SELECT current_setting('allowed_directories')",
		"repeat":          "SELECT repeat('x', 1000000000)",
		"show_databases":  "SHOW DATABASES",
		"set_variable":    "SET VARIABLE x = 1",
		"checkpoint":      "CHECKPOINT",
		"use":             "USE memory",
	}
	for name, q := range refused {
		t.Run("refused_"+name, func(t *testing.T) {
			for range 2 { // a refusal is not cached as a plan
				_, err := e.Prepare(context.Background(), q)
				if !errors.Is(err, columnar.ErrRefused) {
					t.Fatalf("%s: %v, want ErrRefused", q, err)
				}
			}
		})
	}
	invalid := map[string]string{
		"syntax":    "SELEC 1",
		"empty":     "",
		"qualified": "SELECT * FROM information_schema.tables",
		"catalog":   "SELECT * FROM system.main.duckdb_settings",
		"too_long":  "SELECT " + strings.Repeat("1+", DefaultMaxSQLBytes) + "1",
	}
	for name, q := range invalid {
		t.Run("invalid_"+name, func(t *testing.T) {
			_, err := e.Prepare(context.Background(), q)
			if !errors.Is(err, columnar.ErrInvalid) {
				t.Fatalf("%.80s: %v, want ErrInvalid", q, err)
			}
		})
	}
}

// The plan cache holds at most maxCachedPlans texts, none longer than
// maxCachedText, and answers as the parser does.
func TestPlanCacheIsBounded(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	for i := range maxCachedPlans + 50 {
		p, err := e.Prepare(ctx, fmt.Sprintf("SELECT %d FROM t%d", i, i))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{fmt.Sprintf("t%d", i)}; !reflect.DeepEqual(p.Tables, want) {
			t.Fatalf("tables %q, want %q", p.Tables, want)
		}
	}
	long := "SELECT 1 FROM big WHERE " + strings.Repeat("1 = 1 AND ", maxCachedText/10) + "true"
	if _, err := e.Prepare(ctx, long); err != nil {
		t.Fatal(err)
	}
	e.plans.mu.Lock()
	n, kept := len(e.plans.m), e.plans.m[long].plan.Kind != ""
	e.plans.mu.Unlock()
	if n > maxCachedPlans || n < maxCachedPlans-1 || kept {
		t.Fatalf("%d plans cached (long text kept: %v), want at most %d and not the long one", n, kept, maxCachedPlans)
	}
}

func q(t *testing.T, e *Engine, sql string, tables []columnar.Table, params ...any) columnar.Result {
	t.Helper()
	res, err := e.Query(context.Background(), sql, params, tables, columnar.Limits{Timeout: 20 * time.Second, MaxRows: 1000})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

// Files written before and after a schema change and hot rows after
// another are one table: missing columns are NULL, types widen.
func TestQuerySchemaEvolutionAcrossFilesAndHot(t *testing.T) {
	e, dir := newEngine(t)
	f1 := writeFile(t, e, dir, "1.parquet", []document.Document{
		jsonDoc(0, 0, obj("id", int64(1), "amount", int64(10), "meta", obj("a", int64(1)))),
		jsonDoc(0, 1, obj("id", int64(2), "amount", int64(20), "meta", obj("a", int64(2)))),
	}, "zstd")
	f2 := writeFile(t, e, dir, "2.parquet", []document.Document{
		jsonDoc(0, 2, obj("id", int64(3), "amount", 30.5, "country", "fr", "meta", obj("a", int64(3), "b", "x"))),
		{Partition: 0, Offset: 3, Kind: document.Raw, Value: []byte{0xff, 0x00}, Key: []byte{0xff}},
	}, "snappy")
	hot := []document.Document{
		jsonDoc(1, 0, obj("id", "four", "country", "de")),
		{Partition: 1, Offset: 1, Kind: document.Raw, Value: []byte("plain text")},
	}
	tables := []columnar.Table{{Name: "my.orders-v1", Files: []string{f1, f2}, Hot: hot}}
	res := q(t, e, `SELECT _partition, _offset, _timestamp, id, amount, country, meta.a, meta.b, value, _key FROM "my.orders-v1" ORDER BY _partition, _offset`, tables)
	wantCols := []columnar.Column{{Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"}, {Name: "_timestamp", Type: "TIMESTAMP"}, {Name: "id", Type: "VARCHAR"}, {Name: "amount", Type: "DOUBLE"},
		{Name: "country", Type: "VARCHAR"}, {Name: "a", Type: "BIGINT"}, {Name: "b", Type: "VARCHAR"}, {Name: "value", Type: "BLOB"}, {Name: "_key", Type: "BLOB"}}
	if !reflect.DeepEqual(res.Columns, wantCols) {
		t.Fatalf("columns %v, want %v", res.Columns, wantCols)
	}
	t0 := int64(1_700_000_000_000)
	want := [][]any{
		{int64(0), int64(0), ts(t0), "1", 10.0, nil, int64(1), nil, nil, []byte("k0")},
		{int64(0), int64(1), ts(t0 + 1), "2", 20.0, nil, int64(2), nil, nil, []byte("k1")},
		{int64(0), int64(2), ts(t0 + 2), "3", 30.5, "fr", int64(3), "x", nil, []byte("k2")},
		{int64(0), int64(3), ts(0), nil, nil, nil, nil, nil, []byte{0xff, 0x00}, []byte{0xff}},
		{int64(1), int64(0), ts(t0), "four", nil, "de", nil, nil, nil, []byte("k0")},
		{int64(1), int64(1), ts(0), nil, nil, nil, nil, nil, []byte("plain text"), nil},
	}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("rows\n got %v\nwant %v", res.Rows, want)
	}
	// A table with neither files nor hot rows has the five columns.
	// Names resolve ignoring case, as DuckDB's do.
	res = q(t, e, `SELECT column_name, column_type FROM (DESCRIBE Empty)`, []columnar.Table{{Name: "empty"}})
	wantDesc := [][]any{{"_partition", "INTEGER"}, {"_offset", "BIGINT"}, {"_timestamp", "TIMESTAMP"}, {"_key", "VARCHAR"},
		{"_headers", `STRUCT("key" VARCHAR, "value" BLOB)[]`}}
	if !reflect.DeepEqual(res.Rows, wantDesc) {
		t.Fatalf("DESCRIBE empty: %v", res.Rows)
	}
}

// A join of two tables and aggregates, checked against values computed
// here; the same table read twice; params.
func TestQueryJoinAggregatesParams(t *testing.T) {
	e, dir := newEngine(t)
	var orders, users []document.Document
	sum := map[string]int64{}
	count := map[string]int64{}
	for i := int64(0); i < 3000; i++ {
		user := fmt.Sprintf("u%d", i%7)
		amount := i*13%101 + 1
		orders = append(orders, jsonDoc(int32(i%3), i/3, obj("user", user, "amount", amount)))
		country := []string{"fr", "de", "es"}[i%7%3]
		sum[country] += amount
		count[country]++
	}
	for i := int64(0); i < 7; i++ {
		users = append(users, jsonDoc(0, i, obj("user", fmt.Sprintf("u%d", i), "country", []string{"fr", "de", "es"}[i%3])))
	}
	fo := writeFile(t, e, dir, "orders-1.parquet", orders[:2000], "zstd")
	fu := writeFile(t, e, dir, "users-1.parquet", users, "lz4")
	tables := []columnar.Table{{Name: "orders", Files: []string{fo}, Hot: orders[2000:]}, {Name: "users", Files: []string{fu}}}
	res := q(t, e, `SELECT u.country, count(*), sum(o.amount) FROM orders o JOIN users u ON o."user" = u."user" GROUP BY 1 ORDER BY 1`, tables)
	if len(res.Rows) != 3 {
		t.Fatalf("rows %v", res.Rows)
	}
	for _, r := range res.Rows {
		c := r[0].(string)
		if r[1] != count[c] || fmt.Sprint(r[2]) != fmt.Sprint(sum[c]) {
			t.Fatalf("%s: count %v sum %v, want %d %d", c, r[1], r[2], count[c], sum[c])
		}
	}
	res = q(t, e, `SELECT count(*) FROM orders a JOIN orders b USING (_partition, _offset) WHERE a.amount > $1`, tables, int64(50))
	var over int64
	for _, d := range orders {
		if a, _ := d.Fields.Get("amount"); a.(int64) > 50 {
			over++
		}
	}
	if res.Rows[0][0] != over {
		t.Fatalf("self join count %v, want %d", res.Rows[0][0], over)
	}
	if _, err := e.Query(context.Background(), "SELECT * FROM nope", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("unknown table: %v", err)
	}
	if _, err := e.Query(context.Background(), "SELECT no_such_column FROM orders", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("unknown column: %v", err)
	}
	// EXPLAIN and SHOW TABLES run; EXPLAIN ANALYZE names no file.
	if res := q(t, e, "EXPLAIN SELECT count(*) FROM orders", tables); len(res.Rows) == 0 {
		t.Fatal("EXPLAIN gave no rows")
	}
	res = q(t, e, "EXPLAIN ANALYZE SELECT count(*) FROM orders", tables)
	if text := fmt.Sprint(res.Rows); len(res.Rows) == 0 || strings.Contains(text, dir) || !strings.Contains(text, "<file 0 of table orders>") {
		t.Fatalf("EXPLAIN ANALYZE: %s", text)
	}
	if res := q(t, e, "SHOW users", tables); len(res.Rows) != 7 {
		t.Fatalf("SHOW users: %v", res.Rows)
	}
	if res := q(t, e, "SUMMARIZE users", tables); len(res.Rows) != 7 {
		t.Fatalf("SUMMARIZE users: %v", res.Rows)
	}
	if res := q(t, e, "SHOW TABLES", tables); !reflect.DeepEqual(res.Rows, [][]any{{"orders"}, {"users"}}) {
		t.Fatalf("SHOW TABLES: %v", res.Rows)
	}
	// Arrow: the same count through an IPC stream.
	var buf bytes.Buffer
	if err := e.QueryArrow(context.Background(), "SELECT _offset FROM orders", nil, tables, columnar.Limits{MaxRows: 2500}, &buf); err != nil {
		t.Fatal(err)
	}
	rd, err := ipc.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rd.Next() {
		n += int(rd.RecordBatch().NumRows())
	}
	rd.Release()
	if n != 2500 {
		t.Fatalf("arrow rows %d, want 2500", n)
	}
}

func TestQueryLimits(t *testing.T) {
	e, dir := newEngine(t)
	docs := make([]document.Document, 100)
	for i := range docs {
		docs[i] = jsonDoc(0, int64(i), obj("n", int64(i)))
	}
	f := writeFile(t, e, dir, "t.parquet", docs, "none")
	tables := []columnar.Table{{Name: "t", Files: []string{f}}, {Name: "big"}}

	t.Run("max_rows", func(t *testing.T) {
		res, err := e.Query(context.Background(), "SELECT n FROM t ORDER BY n DESC -- comment", nil, tables, columnar.Limits{MaxRows: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 10 || !res.Truncated || res.Rows[0][0] != int64(99) || res.Rows[9][0] != int64(90) {
			t.Fatalf("truncated %v rows %v", res.Truncated, res.Rows)
		}
		res, err = e.Query(context.Background(), "SELECT n FROM t;", nil, tables, columnar.Limits{MaxRows: 100})
		if err != nil || len(res.Rows) != 100 || res.Truncated {
			t.Fatalf("exactly 100: %v truncated %v %v", len(res.Rows), res.Truncated, err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		_, err := e.Query(context.Background(), "SELECT count(*) FROM t a, t b, t c, t d, t e WHERE (a.n * b.n + c.n * d.n + e.n) % 1000003 = 7", nil, tables,
			columnar.Limits{Timeout: 300 * time.Millisecond})
		if !errors.Is(err, columnar.ErrTimeout) {
			t.Fatalf("err %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("timed out after %v", d)
		}
		// The engine still answers.
		if res := q(t, e, "SELECT count(*) FROM t", tables); res.Rows[0][0] != int64(100) {
			t.Fatal(res.Rows)
		}
	})
	t.Run("memory", func(t *testing.T) {
		_, err := e.Query(context.Background(), "SELECT a.n, list(b.n) FROM t a, t b, t c, t d GROUP BY a.n ORDER BY 1", nil, tables,
			columnar.Limits{Timeout: 30 * time.Second, MemoryBytes: 64 << 20})
		if !errors.Is(err, columnar.ErrResources) {
			t.Fatalf("err %v, want ErrResources", err)
		}
		if res := q(t, e, "SELECT sum(n) FROM t", tables); fmt.Sprint(res.Rows[0][0]) != "4950" {
			t.Fatal(res.Rows)
		}
	})
	t.Run("outside_dirs", func(t *testing.T) {
		other := t.TempDir()
		data, _ := os.ReadFile(f)
		p := filepath.Join(other, "x.parquet")
		os.WriteFile(p, data, 0o600)
		_, err := e.Query(context.Background(), "SELECT * FROM x", nil, []columnar.Table{{Name: "x", Files: []string{p}}}, columnar.Limits{})
		if err == nil || strings.Contains(err.Error(), other) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("glob_in_path", func(t *testing.T) {
		_, err := e.Query(context.Background(), "SELECT * FROM x", nil, []columnar.Table{{Name: "x", Files: []string{filepath.Join(dir, "*.parquet")}}}, columnar.Limits{})
		if err == nil || strings.Contains(err.Error(), dir) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("no_paths_in_errors", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.parquet")
		os.WriteFile(bad, []byte("not parquet at all"), 0o600)
		_, err := e.Query(context.Background(), "SELECT * FROM x", nil, []columnar.Table{{Name: "x", Files: []string{bad}}}, columnar.Limits{})
		if err == nil || strings.Contains(err.Error(), dir) {
			t.Fatalf("err %v", err)
		}
	})
}

// Several queries at once (run with -race).
func TestQueryConcurrent(t *testing.T) {
	e, dir := newEngine(t)
	docs := make([]document.Document, 1000)
	for i := range docs {
		docs[i] = jsonDoc(0, int64(i), obj("n", int64(i)))
	}
	f := writeFile(t, e, dir, "t.parquet", docs[:500], "zstd")
	tables := []columnar.Table{{Name: "t", Files: []string{f}, Hot: docs[500:]}}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				res, err := e.Query(context.Background(), "SELECT count(*), sum(n) FROM t WHERE n >= $1", []any{int64(g)}, tables, columnar.Limits{})
				if err != nil {
					errs <- err
					return
				}
				wantSum := int64(999*1000/2 - g*(g-1)/2)
				if res.Rows[0][0] != int64(1000-g) || fmt.Sprint(res.Rows[0][1]) != fmt.Sprint(wantSum) {
					errs <- fmt.Errorf("g %d i %d: %v", g, i, res.Rows)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(context.Background(), "SELECT 1", nil, nil, columnar.Limits{}); !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestCloseInterruptsQueries(t *testing.T) {
	e, dir := newEngine(t)
	docs := make([]document.Document, 1000)
	for i := range docs {
		docs[i] = jsonDoc(0, int64(i), obj("n", int64(i)))
	}
	f := writeFile(t, e, dir, "t.parquet", docs, "zstd")
	tables := []columnar.Table{{Name: "t", Files: []string{f}}}
	done := make(chan error, 1)
	go func() {
		_, err := e.Query(context.Background(), "SELECT count(*) FROM t a, t b, t c, t d WHERE (a.n * b.n + c.n * d.n) % 1000003 = 7", nil, tables,
			columnar.Limits{Timeout: time.Minute})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // let it start; the test holds either way
	start := time.Now()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("query: %v, want ErrClosed", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

// A column that is an object in one file and a scalar or a list in
// another (or in the hot rows) is read as VARCHAR: JSON text where it was
// not text. Columns that go together keep DuckDB's widening.
func TestQueryConflictingShapesAcrossFiles(t *testing.T) {
	e, dir := newEngine(t)
	f1 := writeFile(t, e, dir, "1.parquet", []document.Document{jsonDoc(0, 0, obj("o", obj("a", int64(1)), "l", []any{int64(1)}, "b", true, "s", obj("x", int64(1))))}, "zstd")
	f2 := writeFile(t, e, dir, "2.parquet", []document.Document{jsonDoc(0, 1, obj("o", "text", "l", int64(5), "b", int64(3), "s", obj("y", "z")))}, "zstd")
	f3 := writeFile(t, e, dir, "3.parquet", []document.Document{jsonDoc(0, 2, obj("s", obj("x", obj("deep", true))))}, "zstd")
	hot := []document.Document{jsonDoc(0, 3, obj("o", []any{"h"}, "l", []any{int64(2)}))}
	tables := []columnar.Table{{Name: "t", Files: []string{f1, f2, f3}, Hot: hot}}
	res := q(t, e, "SELECT o, l, b, s FROM t ORDER BY _offset", tables)
	wantCols := []columnar.Column{{Name: "o", Type: "VARCHAR"}, {Name: "l", Type: "VARCHAR"}, {Name: "b", Type: "BIGINT"}, {Name: "s", Type: "VARCHAR"}}
	if !reflect.DeepEqual(res.Columns, wantCols) {
		t.Fatalf("columns %v, want %v", res.Columns, wantCols)
	}
	want := [][]any{
		{`{"a":1}`, "[1]", int64(1), `{"x":1}`},
		{"text", "5", int64(3), `{"y":"z"}`},
		{nil, nil, nil, `{"x":{"deep":true}}`},
		{`["h"]`, "[2]", nil, nil},
	}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("rows\n got %#v\nwant %#v", res.Rows, want)
	}
	// Files that agree stay typed: f1 and f2 alone keep s a STRUCT.
	res = q(t, e, "SELECT s.x, s.y FROM t ORDER BY _offset", []columnar.Table{{Name: "t", Files: []string{f1}, Hot: []document.Document{jsonDoc(0, 1, obj("s", obj("y", "z")))}}})
	if !reflect.DeepEqual(res.Rows, [][]any{{int64(1), nil}, {nil, "z"}}) {
		t.Fatalf("rows %v", res.Rows)
	}
}

// More rows than one Arrow batch (and Parquet row group): every row is
// there, in a file read directly by DuckDB and as hot rows.
func TestManyRowsAcrossBatches(t *testing.T) {
	e, dir := newEngine(t)
	n := batchRows*2 + 123
	docs := make([]document.Document, n)
	var sum int64
	for i := range docs {
		docs[i] = jsonDoc(int32(i%3), int64(i), obj("n", int64(i)))
		sum += int64(i)
	}
	path := writeFile(t, e, dir, "many.parquet", docs, "snappy")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count, total, distinct int64
	if err := db.QueryRow("SELECT count(*), sum(n), count(DISTINCT _offset) FROM read_parquet("+quoteString(path)+")").Scan(&count, &total, &distinct); err != nil {
		t.Fatal(err)
	}
	if count != int64(n) || total != sum || distinct != int64(n) {
		t.Fatalf("file: count %d sum %d distinct %d, want %d %d %d", count, total, distinct, n, sum, n)
	}
	res := q(t, e, "SELECT count(*), sum(n), count(DISTINCT _offset) FROM t", []columnar.Table{{Name: "t", Hot: docs}})
	if res.Rows[0][0] != int64(n) || fmt.Sprint(res.Rows[0][1]) != fmt.Sprint(sum) || res.Rows[0][2] != int64(n) {
		t.Fatalf("hot: %v, want %d %d %d", res.Rows, n, sum, n)
	}
}

// Files are read by position only when their columns are the same, in
// the same order, of the same types.
func TestSameColumns(t *testing.T) {
	s := func(fs ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fs, nil) }
	a := arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}
	b := arrow.Field{Name: "b", Type: arrow.BinaryTypes.String}
	a32 := arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32}
	for _, c := range []struct {
		x, y *arrow.Schema
		want bool
	}{
		{s(a, b), s(a, b), true},
		{s(a, b), s(b, a), false},
		{s(a, b), s(a32, b), false},
		{s(a, b), s(a), false},
		{s(), s(), true},
	} {
		if got := sameColumns(c.x, c.y); got != c.want {
			t.Errorf("sameColumns(%v, %v) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}
