//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// catalogTables are two topics' tables as the SQL service describes them.
var catalogTables = []columnar.TableSchema{
	{Name: "orders", Columns: []columnar.Column{{Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"},
		{Name: "_timestamp", Type: "TIMESTAMP"}, {Name: "customer", Type: "VARCHAR"}, {Name: "price", Type: "DECIMAL(10,2)"},
		{Name: "addr", Type: "STRUCT(city VARCHAR)"}}},
	{Name: "order-events", Columns: []columnar.Column{{Name: "_offset", Type: "BIGINT"}, {Name: "value", Type: "BLOB"}}},
}

var testSession = columnar.Session{User: "alice", Database: "chronik", ServerVersion: "15.0",
	Settings: map[string]string{"application_name": "test"}}

func catalogQuery(t *testing.T, e *Engine, sql string, params ...any) columnar.Result {
	t.Helper()
	r, err := e.Catalog(context.Background(), sql, params, catalogTables, testSession, columnar.Limits{})
	if err != nil {
		t.Fatalf("%s\n%v", sql, err)
	}
	return r
}

func rowsText(r columnar.Result) string {
	var b strings.Builder
	for _, row := range r.Rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('|')
			}
			if v != nil {
				fmt.Fprint(&b, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCatalogBasics(t *testing.T) {
	e, _ := newEngine(t)
	for _, tc := range []struct {
		name, sql string
		params    []any
		want      string
		cols      string
	}{
		{"namespaces", "SELECT nspname FROM pg_catalog.pg_namespace ORDER BY 1", nil, "information_schema\npg_catalog\npublic\n", "nspname"},
		{"tables", "SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1", nil,
			"order-events|r\norders|r\n", "relname,relkind"},
		{"columns_with_types", "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'orders'::regclass ORDER BY a.attnum", nil,
			"_partition|integer|int4\n_offset|bigint|int8\n_timestamp|timestamp without time zone|timestamp\ncustomer|text|text\nprice|numeric(10,2)|numeric\naddr|json|json\n", "attname,format_type,typname"},
		{"session_functions", "SELECT version(), current_database(), current_schema(), current_user, (current_schemas(true))[1], current_setting('application_name'), current_setting('server_version_num')::int/100 AS v", nil,
			"PostgreSQL 15.0 (Chronik: SQL over topics, DuckDB engine)|chronik|public|alice|pg_catalog|test|1500\n", "version,current_database,current_schema,current_user,current_schemas,current_setting,v"},
		{"information_schema", "SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", []any{"order-events"},
			"order-events|_offset|bigint|int8\norder-events|value|bytea|bytea\n", "table_name,column_name,data_type,udt_name"},
		{"privileges", "SELECT has_table_privilege('orders', 'select'), has_table_privilege(current_user, 'orders', 'insert')", nil, "true|false\n", "has_table_privilege,has_table_privilege"},
		{"quote_ident", "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", nil, "\"order-events\"\norders\n", "quote_ident"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := catalogQuery(t, e, tc.sql, tc.params...)
			if got := rowsText(r); got != tc.want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, tc.want)
			}
			var names []string
			for _, c := range r.Columns {
				names = append(names, c.Name)
			}
			if got := strings.Join(names, ","); got != tc.cols {
				t.Errorf("columns %s, want %s", got, tc.cols)
			}
		})
	}
}

func TestCatalogRefuses(t *testing.T) {
	e, _ := newEngine(t)
	for _, tc := range []struct {
		name, sql string
		want      error
	}{
		{"topic_data", "SELECT * FROM orders, pg_class", columnar.ErrInvalid},
		{"public_topic", "SELECT count(*) FROM public.orders", columnar.ErrInvalid},
		{"duckdb_internals", "SELECT * FROM duckdb_tables()", columnar.ErrRefused},
		{"duckdb_settings_fn", "SELECT * FROM pg_class WHERE relname = getvariable('x')", columnar.ErrRefused},
		{"files", "SELECT * FROM read_csv('/etc/passwd')", columnar.ErrRefused},
		{"write", "CREATE TABLE x AS SELECT * FROM pg_class", columnar.ErrRefused},
		{"two_statements", "SELECT 1 FROM pg_class; SELECT 2 FROM pg_class", columnar.ErrRefused},
		{"unknown_relation", "SELECT * FROM pg_catalog.pg_nope", columnar.ErrInvalid},
		{"other_schema", "SELECT * FROM main.duckdb_tables", columnar.ErrInvalid},
		{"bad_sql", "SELEC nspname FROM pg_namespace", columnar.ErrInvalid},
		{"allocating_fn", "SELECT repeat('x', 1000000000) FROM pg_class", columnar.ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Catalog(context.Background(), tc.sql, nil, catalogTables, testSession, columnar.Limits{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.sql, err, tc.want)
			}
		})
	}
}

// TestCatalogQueriesAtOnce: queries running at once each see their own
// tables and session, never another's.
func TestCatalogQueriesAtOnce(t *testing.T) {
	e, _ := newEngine(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			name := fmt.Sprintf("topic_%d", i)
			tables := []columnar.TableSchema{{Name: name, Columns: []columnar.Column{{Name: "c", Type: "BIGINT"}}}}
			sess := columnar.Session{User: "user" + name}
			for range 5 {
				r, err := e.Catalog(context.Background(), "SELECT c.relname, current_user FROM pg_class c WHERE c.relnamespace = 2200", nil, tables, sess, columnar.Limits{})
				if err != nil {
					errs <- err
					return
				}
				if got := rowsText(r); got != name+"|user"+name+"\n" {
					errs <- fmt.Errorf("query %d saw %q", i, got)
					return
				}
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestQueryOfSchemaQualifiedTables: BI tools name a table with its schema
// (Metabase: "public"."orders"."amount"); public and chronik.public name
// the topics' tables, other schemas stay refused.
func TestQueryOfSchemaQualifiedTables(t *testing.T) {
	e, dir := newEngine(t)
	f := writeFile(t, e, dir, "1.parquet", []document.Document{
		jsonDoc(0, 0, obj("customer", "ada", "amount", int64(10))),
		jsonDoc(0, 1, obj("customer", "bob", "amount", int64(20))),
	}, "zstd")
	tables := []columnar.Table{{Name: "orders", Files: []string{f}, Hot: []document.Document{jsonDoc(1, 0, obj("customer", "cy", "amount", int64(5)))}}}
	for _, sql := range []string{
		// Metabase's query builder (metabase's sql.qp for postgres), as it renders a table's rows.
		`SELECT "public"."orders"."customer" AS "customer", "public"."orders"."amount" AS "amount" FROM "public"."orders" ORDER BY "public"."orders"."amount" ASC LIMIT 2000`,
		`SELECT "chronik"."public"."orders"."customer" AS "customer", "chronik"."public"."orders"."amount" AS "amount" FROM "chronik"."public"."orders" ORDER BY 2`,
		`SELECT customer, amount FROM public.orders WHERE amount > $1 ORDER BY amount`,
	} {
		var params []any
		if strings.Contains(sql, "$1") {
			params = []any{int64(0)}
		}
		r := q(t, e, sql, tables, params...)
		if got := rowsText(r); got != "cy|5\nada|10\nbob|20\n" {
			t.Errorf("%s:\n%s", sql, got)
		}
		if len(r.Columns) != 2 || r.Columns[0].Name != "customer" || r.Columns[1].Name != "amount" {
			t.Errorf("%s: columns %v", sql, r.Columns)
		}
	}
	plan, err := e.Prepare(context.Background(), `SELECT count(*) FROM "public"."orders"`)
	if err != nil || plan.Kind != columnar.KindSelect || len(plan.Tables) != 1 || plan.Tables[0] != "orders" {
		t.Errorf("Prepare: %+v, %v", plan, err)
	}
	for _, sql := range []string{"SELECT * FROM other.orders", "SELECT * FROM memory.public.orders", "EXPLAIN SELECT * FROM public.orders", "DESCRIBE public.orders"} {
		if _, err := e.Query(context.Background(), sql, nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", sql, err)
		}
	}
}

// TestCatalogLimits: a catalog query has the limits of any query.
func TestCatalogLimits(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	start := time.Now()
	_, err := e.Catalog(ctx, "SELECT count(*) FROM pg_class, generate_series(1, 1000000000000) g(i)", nil, catalogTables, testSession, columnar.Limits{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, columnar.ErrTimeout) || time.Since(start) > 10*time.Second {
		t.Errorf("a runaway catalog query: %v after %v", err, time.Since(start))
	}
	r, err := e.Catalog(ctx, "SELECT relname FROM pg_class", nil, catalogTables, testSession, columnar.Limits{MaxRows: 3})
	if err != nil || len(r.Rows) != 3 || !r.Truncated {
		t.Errorf("row limit: %d rows, truncated %v, %v", len(r.Rows), r.Truncated, err)
	}
	if _, err := e.Catalog(ctx, "SELECT relname FROM pg_class WHERE relname = $1", []any{struct{}{}}, catalogTables, testSession, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Errorf("a param of no SQL type: %v", err)
	}
	if _, err := e.Catalog(ctx, "SELECT relname FROM pg_class WHERE relname = $1", nil, catalogTables, testSession, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Errorf("a missing param: %v", err)
	}
	e.Close()
	if _, err := e.Catalog(ctx, "SELECT 1 FROM pg_class", nil, catalogTables, testSession, columnar.Limits{}); !errors.Is(err, columnar.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestDescribeTypesFromEveryHotRow: DESCRIBE copies one hot row, but its
// columns and types come from all of them (a field only in the last row,
// a type widened by it).
func TestDescribeTypesFromEveryHotRow(t *testing.T) {
	e, _ := newEngine(t)
	hot := []document.Document{jsonDoc(0, 0, obj("n", int64(1))), jsonDoc(0, 1, obj("n", int64(2))), jsonDoc(0, 2, obj("n", 2.5, "late", "x"))}
	r := q(t, e, `DESCRIBE "t"`, []columnar.Table{{Name: "t", Hot: hot}})
	var got []string
	for _, row := range r.Rows {
		got = append(got, fmt.Sprint(row[0], " ", row[1]))
	}
	if want := "_partition INTEGER,_offset BIGINT,_timestamp TIMESTAMP,_key VARCHAR,_headers STRUCT(\"key\" VARCHAR, \"value\" BLOB)[],n DOUBLE,late VARCHAR"; strings.Join(got, ",") != want {
		t.Errorf("DESCRIBE:\n %s\nwant\n %s", strings.Join(got, ","), want)
	}
}
