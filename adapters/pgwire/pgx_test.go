package pgwire

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chronik-stream/chronik/ports/columnar"
)

func connect(t *testing.T, s *Server, user, password string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, connString(s, user, password))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

type orderRow struct {
	partition int32
	offset    int64
	ts        time.Time
	key       []byte
	customer  string
	amount    float64
	paid      bool
	price     float64
	day       time.Time
	tags      []any
	addr      map[string]any
	note      *string
}

func scanOrders(t *testing.T, rows pgx.Rows) []orderRow {
	t.Helper()
	var out []orderRow
	for rows.Next() {
		var r orderRow
		if err := rows.Scan(&r.partition, &r.offset, &r.ts, &r.key, &r.customer, &r.amount, &r.paid, &r.price, &r.day, &r.tags, &r.addr, &r.note); err != nil {
			t.Fatalf("scan: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	return out
}

// TestPgxTypes reads every column type through pgx, in the binary format
// (extended protocol, pgx's default) and the text format (simple
// protocol), and checks the values and the OIDs clients see.
func TestPgxTypes(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	c := connect(t, s, "alice", "")
	for _, tc := range []struct {
		name string
		mode pgx.QueryExecMode
	}{
		{"extended_binary", pgx.QueryExecModeCacheStatement},
		{"extended_describe_exec", pgx.QueryExecModeDescribeExec},
		{"simple_text", pgx.QueryExecModeSimpleProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := c.Query(context.Background(), "SELECT * FROM orders", tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			fields := rows.FieldDescriptions()
			got := scanOrders(t, rows)
			wantOIDs := []uint32{oidInt4, oidInt8, oidTimestamp, oidBytea, oidText, oidFloat8, oidBool, oidNumeric, oidDate, oidJSON, oidJSON, oidText}
			for i, f := range fields {
				if f.DataTypeOID != wantOIDs[i] {
					t.Errorf("column %s: OID %d, want %d", f.Name, f.DataTypeOID, wantOIDs[i])
				}
			}
			if len(got) != 2 {
				t.Fatalf("%d rows, want 2", len(got))
			}
			a, b := got[0], got[1]
			if a.partition != 0 || a.offset != 41 || !a.ts.Equal(ts) || string(a.key) != "\xde\xad" || a.customer != "ada" ||
				a.amount != 12.5 || !a.paid || a.price != 1234.5 || a.day.Format("2006-01-02") != "2026-12-07" ||
				len(a.tags) != 2 || a.tags[1] != "b" || a.addr["city"] != "Paris" || a.addr["zip"] != float64(75001) || a.note != nil {
				t.Errorf("row 0 = %+v", a)
			}
			if b.partition != 2 || b.key != nil || b.amount != -0.25 || b.paid || b.price != -0.05 || b.day.Year() != 1999 ||
				b.addr != nil || b.note == nil || *b.note != "x" || !b.ts.Equal(ts.Add(time.Second)) {
				t.Errorf("row 1 = %+v", b)
			}
		})
	}
}

// TestPgxParameters binds parameters of several types, as text and as
// binary, and checks what reaches the Querier.
func TestPgxParameters(t *testing.T) {
	f := newFake()
	s := startServer(t, Config{}, f)
	c := connect(t, s, "alice", "")
	ctx := context.Background()

	// Untyped placeholders: pgx sends text; the Querier gets strings.
	var a, b string
	if err := c.QueryRow(ctx, "SELECT $1, $2", 42, "x'y").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "42" || b != "x'y" {
		t.Errorf("echo = %q %q", a, b)
	}
	if p := f.lastParams(); p[0] != "42" || p[1] != "x'y" {
		t.Errorf("querier got %#v", p)
	}

	// Describe of a prepared statement: its parameters are untyped (0)
	// and its columns come from a LIMIT 0 run with NULL parameters.
	sd, err := c.Prepare(ctx, "typed", "SELECT $1, $2")
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.ParamOIDs) != 2 || sd.ParamOIDs[0] != 0 || len(sd.Fields) != 2 || sd.Fields[0].DataTypeOID != oidText {
		t.Errorf("described %v params, fields %+v", sd.ParamOIDs, sd.Fields)
	}
	// (The fake answers the wrapper by running the inner query: the
	// wrapper is the next to last query it saw.)
	if q := f.query(-2); !strings.HasSuffix(q, "\n) AS chronik_describe LIMIT 0") || f.lastParams()[0] != nil {
		t.Errorf("describe ran %q with %v", q, f.lastParams())
	}
	// Typed placeholders (OIDs in Parse): binary int8, float8, bool,
	// timestamp, bytea are decoded to Go values.
	pc := c.PgConn()
	res := pc.ExecParams(ctx, "SELECT $1, $2, $3, $4, $5", [][]byte{
		{0, 0, 0, 0, 0, 0, 0, 7},
		{0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18},
		{1},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{1, 2},
	}, []uint32{oidInt8, oidFloat8, oidBool, oidTimestamp, oidBytea}, []int16{1}, []int16{1}).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	p := f.lastParams()
	if p[0] != int64(7) || p[1] != 3.141592653589793 || p[2] != true || !p[3].(time.Time).Equal(pgEpoch) || string(p[4].([]byte)) != "\x01\x02" {
		t.Errorf("binary params = %#v", p)
	}
	// Text with a declared type is parsed; a bad one is 22P02.
	res = pc.ExecParams(ctx, "SELECT $1", [][]byte{[]byte("12")}, []uint32{oidInt4}, nil, nil).Read()
	if res.Err != nil || f.lastParams()[0] != int64(12) {
		t.Errorf("text int4 param: %v %#v", res.Err, f.lastParams())
	}
	res = pc.ExecParams(ctx, "SELECT $1", [][]byte{[]byte("twelve")}, []uint32{oidInt4}, nil, nil).Read()
	if pgCode(res.Err) != "22P02" {
		t.Errorf("bad int4 param: %v", res.Err)
	}
	res = pc.ExecParams(ctx, "SELECT $1", [][]byte{{1, 2, 3}}, []uint32{oidInt8}, []int16{1}, nil).Read()
	if pgCode(res.Err) != "22P03" {
		t.Errorf("bad binary int8 param: %v", res.Err)
	}
	// Wrong parameter count: 08P01, and the session goes on.
	res = pc.ExecParams(ctx, "SELECT $1, $2", [][]byte{[]byte("1")}, nil, nil, nil).Read()
	if pgCode(res.Err) != "08P01" || !strings.Contains(res.Err.Error(), "requires 2") {
		t.Errorf("short bind: %v", res.Err)
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Errorf("after errors: %d %v", n, err)
	}
	// An empty statement: EmptyQueryResponse, in both protocols.
	res = pc.ExecParams(ctx, "  ;", nil, nil, nil, nil).Read()
	if res.Err != nil || res.CommandTag.String() != "" {
		t.Errorf("empty extended statement: %v %q", res.Err, res.CommandTag)
	}
	if _, err := pc.Exec(ctx, "-- nothing").ReadAll(); err != nil {
		t.Errorf("empty simple query: %v", err)
	}
	// A simple query has no parameters.
	_, err = c.Exec(ctx, "SELECT $1", pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		t.Error("simple query with a $1 but no arguments succeeded")
	}
}

// TestPgxErrors checks the SQLSTATE of each kind of failure, and that
// internal errors say nothing of the machine.
func TestPgxErrors(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	c := connect(t, s, "alice", "")
	for _, tc := range []struct {
		name, sql, code, says string
	}{
		{"syntax", "SELEC 1", "42601", "syntax error"},
		{"refused", "COPY orders TO '/tmp/x'", "42501", "do not run here"},
		{"refused_file_function", "SELECT * FROM read_csv('/etc/passwd')", "42501", "do not run here"},
		{"timeout", "SELECT timeout", "57014", "timed out"},
		{"memory", "SELECT oom", "53200", "memory limit"},
		{"internal_hides_paths", "SELECT boom", "XX000", "internal error"},
		{"engine_setting", "SET threads TO 64", "42501", "only session settings"},
		{"fixed_setting", "SET client_encoding TO 'LATIN1'", "22023", "only UTF8"},
		{"catalog", "SELECT fail FROM pg_catalog.pg_nope", "42601", "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
				_, err := c.Exec(context.Background(), tc.sql, mode)
				if pgCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("mode %v: %v, want %s saying %q", mode, err, tc.code, tc.says)
				}
				if err != nil && strings.Contains(err.Error(), "/var/lib") {
					t.Errorf("error shows a path: %v", err)
				}
			}
		})
	}
}

// TestSessionStatements covers what drivers send that is not a query.
func TestSessionStatements(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	c := connect(t, s, "alice", "")
	ctx := context.Background()
	pc := c.PgConn()
	if got := pc.ParameterStatus("server_version"); got != DefaultServerVersion {
		t.Errorf("server_version = %q", got)
	}
	for _, name := range []string{"client_encoding", "DateStyle", "integer_datetimes", "standard_conforming_strings", "TimeZone"} {
		if pc.ParameterStatus(name) == "" {
			t.Errorf("ParameterStatus %s not sent", name)
		}
	}
	for _, sql := range []string{"SET extra_float_digits = 3", "SET application_name = 'PostgreSQL JDBC Driver'",
		"SET SESSION statement_timeout TO '5s'", "SET TIME ZONE 'UTC'", "SET search_path TO public, \"$user\"", "RESET lock_timeout"} {
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
	if got := pc.ParameterStatus("application_name"); got != "PostgreSQL JDBC Driver" {
		t.Errorf("application_name after SET = %q", got)
	}
	for sql, want := range map[string]string{
		"SHOW statement_timeout":             "5000ms",
		"show TRANSACTION ISOLATION LEVEL":   "read committed",
		"SHOW extra_float_digits":            "3",
		"SELECT current_setting('timezone')": "UTC",
		"SELECT current_user":                "alice",
		"SELECT version()":                   "PostgreSQL 15.0 (Chronik: SQL over topics, DuckDB engine)",
		"select current_schema();":           "public",
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
			var got string
			if err := c.QueryRow(ctx, sql, mode).Scan(&got); err != nil || got != want {
				t.Errorf("%s (mode %v) = %q, %v; want %q", sql, mode, got, err, want)
			}
		}
	}
	// A read-only transaction; a failed one refuses statements until its end.
	tx, err := c.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	if pc.TxStatus() != 'T' {
		t.Errorf("tx status in transaction = %c", pc.TxStatus())
	}
	if _, err := tx.Exec(ctx, "SELEC"); err == nil {
		t.Error("bad SQL in transaction succeeded")
	}
	if pc.TxStatus() != 'E' {
		t.Errorf("tx status after error = %c", pc.TxStatus())
	}
	if _, err := tx.Exec(ctx, "SELECT 1"); pgCode(err) != "25P02" {
		t.Errorf("statement in failed transaction: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if pc.TxStatus() != 'I' {
		t.Errorf("tx status after rollback = %c", pc.TxStatus())
	}
	// A result cut at the row limit counts the rows sent (psql_test sees
	// the warning).
	rows, _ := c.Query(ctx, "SELECT truncated")
	rows.Close()
	if rows.CommandTag().String() != "SELECT 2" {
		t.Errorf("tag = %q", rows.CommandTag())
	}
	// Big results stream (flushed every 64 KiB).
	var count int
	rows, _ = c.Query(ctx, "SELECT big")
	for rows.Next() {
		count++
	}
	if rows.Err() != nil || count != 10000 {
		t.Errorf("big: %d rows, %v", count, rows.Err())
	}
}

// TestCatalogQueries: statements that read the catalogs or the session
// functions go to Querier.Catalog, as the session's user and with its
// settings, in the simple and the extended protocol (Describe included),
// and their answers come back typed; psql's \d shapes stay answered here
// (TestPsql).
func TestCatalogQueries(t *testing.T) {
	f := newFake()
	s := startServer(t, Config{}, f)
	c := connect(t, s, "alice", "")
	ctx := context.Background()
	if _, err := c.Exec(ctx, "SET application_name = 'grafana'"); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		// Grafana's version probe (grafana-postgresql-datasource/postgresMetaQuery.ts).
		"SELECT current_setting('server_version_num')::int/100 as version",
		"SELECT quote_ident(table_name) AS \"table\" FROM information_schema.tables WHERE quote_ident(table_schema) = 'public' ORDER BY 1",
		"SELECT count(*) FROM information_schema.tables t JOIN information_schema.columns c USING (table_name)",
		"SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname LIKE $1",
		"SELECT 'pg_class'::regclass",
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
			args := []any{mode}
			if strings.Contains(sql, "$1") {
				args = append(args, "ord%")
			}
			rows, err := c.Query(ctx, sql, args...)
			if err != nil {
				t.Fatalf("%s (mode %v): %v", sql, mode, err)
			}
			type rel struct {
				Name  string `db:"relname"`
				Kind  string `db:"relkind"`
				OID   int64  `db:"oid"`
				Owner string `db:"owner"`
			}
			got, err := pgx.CollectRows(rows, pgx.RowToStructByName[rel])
			if err != nil || len(got) != 3 || got[2] != (rel{"orders", "r", columnar.TableOID("orders"), "alice"}) {
				t.Errorf("%s (mode %v): %+v, %v", sql, mode, got, err)
			}
			asked, sess := f.lastCatalog()
			want := sql
			if mode == pgx.QueryExecModeSimpleProtocol {
				want = strings.ReplaceAll(sql, "$1", " 'ord%'") // pgx interpolates
			}
			if asked != want || sess.User != "alice" || sess.Database != "chronik" || sess.Settings["application_name"] != "grafana" ||
				sess.Settings["search_path"] != `"$user", public` || sess.ServerVersion != "15.0" {
				t.Errorf("%s (mode %v): the engine was asked %q as %+v", sql, mode, asked, sess)
			}
		}
	}
	// Session statements and the topics' queries do not reach Catalog.
	n := len(f.catalogs)
	for _, sql := range []string{"SELECT version()", "SHOW search_path", "SELECT * FROM orders", "SELECT 1"} {
		rows, err := c.Query(ctx, sql)
		if err == nil {
			rows.Close()
		}
	}
	if len(f.catalogs) != n {
		t.Errorf("Catalog was asked %q", f.catalogs[n:])
	}
	// statement_timeout ends a catalog query too.
	if _, err := c.Exec(ctx, "SET statement_timeout = 100"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := c.Exec(ctx, "SELECT pg_sleep(10) FROM pg_catalog.pg_class", pgx.QueryExecModeSimpleProtocol)
	if pgCode(err) != "57014" || time.Since(start) > 5*time.Second {
		t.Errorf("a catalog query past statement_timeout: %v after %v", err, time.Since(start))
	}
}
