package pgwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// fakeQuerier answers a few fixed statements the way the columnar service
// does, and records what it was asked.
type fakeQuerier struct {
	mu       sync.Mutex
	queries  []string
	params   [][]any
	started  chan struct{} // receives when a "SELECT sleep" query starts
	ctxErr   chan error    // receives the ctx error a sleeping query ended with
	bigRows  int
	tableErr error
	catalogs []string           // the statements Catalog was asked
	sessions []columnar.Session // and as whom
}

func newFake() *fakeQuerier {
	return &fakeQuerier{started: make(chan struct{}, 16), ctxErr: make(chan error, 16), bigRows: 10000}
}

var ts = time.Date(2026, 12, 7, 21, 30, 15, 123456000, time.UTC)

// ordersResult has one column of each type the engine returns.
func ordersResult() columnar.Result {
	return columnar.Result{
		Columns: []columnar.Column{
			{Name: "_partition", Type: "INTEGER"}, {Name: "_offset", Type: "BIGINT"},
			{Name: "_timestamp", Type: "TIMESTAMP"}, {Name: "_key", Type: "BLOB"},
			{Name: "customer", Type: "VARCHAR"}, {Name: "amount", Type: "DOUBLE"},
			{Name: "paid", Type: "BOOLEAN"}, {Name: "price", Type: "DECIMAL(10,2)"},
			{Name: "day", Type: "DATE"}, {Name: "tags", Type: "VARCHAR[]"},
			{Name: "addr", Type: "STRUCT(city VARCHAR, zip INTEGER)"}, {Name: "note", Type: "VARCHAR"},
		},
		Rows: [][]any{
			{int64(0), int64(41), ts, []byte{0xde, 0xad}, "ada", 12.5, true, "1234.50", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
				[]any{"a", "b"}, map[string]any{"city": "Paris", "zip": int64(75001)}, nil},
			{int64(2), int64(7), ts.Add(time.Second), nil, "bob", -0.25, false, "-0.05", time.Date(1999, 1, 2, 0, 0, 0, 0, time.UTC),
				[]any{}, nil, "x"},
		},
	}
}

const describePrefix = "SELECT * FROM (\n"

func (f *fakeQuerier) Query(ctx context.Context, sql string, params []any) (columnar.Result, error) {
	f.mu.Lock()
	f.queries = append(f.queries, sql)
	f.params = append(f.params, params)
	f.mu.Unlock()
	if inner, ok := strings.CutPrefix(sql, describePrefix); ok {
		inner = strings.TrimSuffix(inner, "\n) AS chronik_describe LIMIT 0")
		r, err := f.Query(ctx, inner, params)
		r.Rows = nil
		return r, err
	}
	s := strings.TrimSpace(sql)
	switch {
	case s == "SHOW TABLES":
		if f.tableErr != nil {
			return columnar.Result{}, f.tableErr
		}
		return columnar.Result{Columns: []columnar.Column{{Name: "name", Type: "VARCHAR"}},
			Rows: [][]any{{"orders"}, {"clicks"}, {"order-events"}}}, nil
	case s == `DESCRIBE "orders"` || s == `DESCRIBE "order-events"` || s == `DESCRIBE "clicks"`:
		r := columnar.Result{Columns: []columnar.Column{{Name: "column_name", Type: "VARCHAR"}, {Name: "column_type", Type: "VARCHAR"},
			{Name: "null", Type: "VARCHAR"}, {Name: "key", Type: "VARCHAR"}, {Name: "default", Type: "VARCHAR"}, {Name: "extra", Type: "VARCHAR"}}}
		for _, c := range ordersResult().Columns {
			r.Rows = append(r.Rows, []any{c.Name, c.Type, "YES", nil, nil, nil})
		}
		return r, nil
	case s == "SELECT more_types":
		return columnar.Result{
			Columns: []columnar.Column{{Name: "i2", Type: "SMALLINT"}, {Name: "f4", Type: "FLOAT"}, {Name: "tz", Type: "TIMESTAMP WITH TIME ZONE"},
				{Name: "t", Type: "TIME"}, {Name: "u8", Type: "UBIGINT"}, {Name: "h", Type: "HUGEINT"}, {Name: "ui", Type: "UINTEGER"},
				{Name: "iv", Type: "INTERVAL"}, {Name: "m", Type: "MAP(VARCHAR, BIGINT)"}, {Name: "nan", Type: "DOUBLE"}, {Name: "d", Type: "DECIMAL(38,10)"}},
			Rows: [][]any{{int64(-32768), 1.5, ts.In(time.FixedZone("x", 3600)), time.Date(1, 1, 1, 13, 14, 15, 500000000, time.UTC),
				uint64(18446744073709551615), "-170141183460469231731687303715884105728", int64(4294967295),
				"1 day 02:00:00", map[string]any{"k": int64(1)}, math.Inf(1), "0.0000000001"}},
		}, nil
	case s == "SELECT * FROM orders":
		return ordersResult(), nil
	case s == "SELECT 1":
		return columnar.Result{Columns: []columnar.Column{{Name: "1", Type: "INTEGER"}}, Rows: [][]any{{int64(1)}}}, nil
	case strings.HasPrefix(s, "SELECT $"):
		// Echoes its parameters, typed by their Go types.
		r := columnar.Result{Rows: [][]any{make([]any, len(params))}}
		for i, p := range params {
			typ := "VARCHAR"
			switch p.(type) {
			case int64:
				typ = "BIGINT"
			case float64:
				typ = "DOUBLE"
			case bool:
				typ = "BOOLEAN"
			case []byte:
				typ = "BLOB"
			case time.Time:
				typ = "TIMESTAMP"
			case nil:
				typ = `"NULL"`
			}
			r.Columns = append(r.Columns, columnar.Column{Name: fmt.Sprintf("p%d", i+1), Type: typ})
			r.Rows[0][i] = p
		}
		return r, nil
	case s == "SELECT big":
		r := columnar.Result{Columns: []columnar.Column{{Name: "n", Type: "BIGINT"}, {Name: "s", Type: "VARCHAR"}}}
		for i := range f.bigRows {
			r.Rows = append(r.Rows, []any{int64(i), strings.Repeat("x", 100)})
		}
		return r, nil
	case s == "SELECT truncated":
		return columnar.Result{Columns: []columnar.Column{{Name: "n", Type: "BIGINT"}}, Rows: [][]any{{int64(1)}, {int64(2)}}, Truncated: true}, nil
	case s == "SELECT sleep":
		f.started <- struct{}{}
		select {
		case <-ctx.Done():
			f.ctxErr <- ctx.Err()
			return columnar.Result{}, ctx.Err()
		case <-time.After(20 * time.Second):
			return columnar.Result{}, errors.New("sleep was never cancelled")
		}
	case s == "SELECT timeout":
		return columnar.Result{}, fmt.Errorf("%w: query ran past 5s", columnar.ErrTimeout)
	case s == "SELECT oom":
		return columnar.Result{}, fmt.Errorf("%w: Out of Memory Error: failed to allocate", columnar.ErrResources)
	case strings.HasPrefix(s, "COPY"), strings.Contains(s, "read_csv"):
		return columnar.Result{}, fmt.Errorf("%w: COPY and file functions do not run here", columnar.ErrRefused)
	case s == "SELECT boom":
		return columnar.Result{}, errors.New("open /var/lib/chronik/columnar/orders/0001.parquet: no such file")
	}
	return columnar.Result{}, fmt.Errorf("%w: Parser Error: syntax error at or near %q", columnar.ErrInvalid, strings.Fields(s + " x")[0])
}

// Catalog answers like the engine's emulation would for the statements
// the tests send: one row per table (relname, relkind, an oid) and the
// session's user; "fail" in the statement gives ErrInvalid, "SELECT sleep"
// waits to be cancelled.
func (f *fakeQuerier) Catalog(ctx context.Context, sql string, params []any, sess columnar.Session) (columnar.Result, error) {
	f.mu.Lock()
	f.catalogs = append(f.catalogs, sql)
	f.sessions = append(f.sessions, sess)
	f.params = append(f.params, params)
	f.mu.Unlock()
	switch {
	case strings.Contains(sql, "fail"):
		return columnar.Result{}, fmt.Errorf("%w: Catalog Error: Table with name pg_nope does not exist", columnar.ErrInvalid)
	case strings.Contains(sql, "pg_sleep"):
		select {
		case <-ctx.Done():
			return columnar.Result{}, ctx.Err()
		case <-time.After(20 * time.Second):
			return columnar.Result{}, errors.New("sleep was never cancelled")
		}
	}
	r := columnar.Result{Columns: []columnar.Column{{Name: "relname", Type: "VARCHAR"}, {Name: "relkind", Type: "VARCHAR"},
		{Name: "oid", Type: "BIGINT"}, {Name: "owner", Type: "VARCHAR"}}}
	for _, t := range []string{"clicks", "order-events", "orders"} {
		r.Rows = append(r.Rows, []any{t, "r", columnar.TableOID(t), sess.User})
	}
	return r, nil
}

func (f *fakeQuerier) lastCatalog() (string, columnar.Session) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.catalogs) == 0 {
		return "", columnar.Session{}
	}
	return f.catalogs[len(f.catalogs)-1], f.sessions[len(f.sessions)-1]
}

// query is the i-th query seen, counted from the end when negative.
func (f *fakeQuerier) query(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 {
		i += len(f.queries)
	}
	return f.queries[i]
}

func (f *fakeQuerier) lastParams() []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.params[len(f.params)-1]
}

// startServer runs a listener on a loopback port over q, closed with the
// test.
func startServer(t *testing.T, cfg Config, q Querier) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := New(cfg, q, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func port(s *Server) int { return s.Addr().(*net.TCPAddr).Port }

func connString(s *Server, user, password string) string {
	cs := fmt.Sprintf("postgres://%s@127.0.0.1:%d/chronik?sslmode=disable", user, port(s))
	if password != "" {
		cs = fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/chronik?sslmode=disable", user, password, port(s))
	}
	return cs
}
