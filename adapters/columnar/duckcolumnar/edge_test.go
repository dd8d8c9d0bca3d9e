//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

func TestWriteParquetBadAndDeepValues(t *testing.T) {
	e, dir := newEngine(t)
	bad := []document.Document{jsonDoc(0, 0, obj("m", map[string]any{"a": 1}))}
	if _, err := e.WriteParquet(context.Background(), io_discard{}, bad, columnar.FileOptions{}); err == nil || !strings.Contains(err.Error(), "map[string]interface") {
		t.Fatalf("a value of an unknown type: %v", err)
	}
	bad = []document.Document{jsonDoc(0, 0, obj("l", []any{int64(1), struct{}{}}))}
	if _, err := e.WriteParquet(context.Background(), io_discard{}, bad, columnar.FileOptions{}); err == nil {
		t.Fatal("a list holding an unknown type was accepted")
	}
	// 100 levels of objects: the first 32 are STRUCTs, the rest JSON text.
	var deep any = "bottom"
	for i := 0; i < 100; i++ {
		deep = obj("d", deep)
	}
	path := writeFile(t, e, dir, "deep.parquet", []document.Document{jsonDoc(0, 0, obj("top", deep))}, "zstd")
	res := q(t, e, "SELECT "+"top"+strings.Repeat(".d", maxDepth-1)+" AS rest FROM deep", []columnar.Table{{Name: "deep", Files: []string{path}}})
	if res.Columns[0].Type != "VARCHAR" {
		t.Fatalf("type past the depth limit %s", res.Columns[0].Type)
	}
	want := strings.Repeat(`{"d":`, 100-maxDepth+1) + `"bottom"` + strings.Repeat("}", 100-maxDepth+1)
	if res.Rows[0][0] != want {
		t.Fatalf("got %v\nwant %v", res.Rows[0][0], want)
	}
}

func TestQueryParamsAndSettings(t *testing.T) {
	e, _ := newEngine(t)
	tables := []columnar.Table{{Name: "t", Hot: []document.Document{jsonDoc(0, 0, obj("a", "x"))}}}
	if _, err := e.Query(context.Background(), "SELECT * FROM t WHERE a = $1", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("missing param: %v", err)
	}
	if _, err := e.Query(context.Background(), "SELECT * FROM t WHERE a = $1", []any{struct{}{}}, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("a param of an unknown type: %v", err)
	}
	res, err := e.Query(context.Background(), "SELECT count(*) FROM t WHERE a = ?", []any{"x"}, tables, columnar.Limits{Threads: 1, MemoryBytes: 100 << 20})
	if err != nil || res.Rows[0][0] != int64(1) {
		t.Fatalf("%v %v", res.Rows, err)
	}
	var threads, mem string
	if err := e.db.QueryRow("SELECT current_setting('threads')::VARCHAR, current_setting('memory_limit')::VARCHAR").Scan(&threads, &mem); err != nil {
		t.Fatal(err)
	}
	if threads != "1" || mem != "100.0 MiB" {
		t.Fatalf("threads %s memory_limit %s", threads, mem)
	}
}

// FuzzPrepare: any text gives a plan of a known kind or an ErrInvalid or
// ErrRefused error, never a panic or another error.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"SELECT 1", "WITH a AS (SELECT 1) SELECT * FROM a", "EXPLAIN SELECT * FROM t",
		"DESCRIBE t", "SHOW TABLES", "COPY t TO 'x'", "SELECT * FROM read_csv('x')", "explain (", "/*", "SELECT 1; SELECT 2"} {
		f.Add(s)
	}
	e, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	f.Fuzz(func(t *testing.T, sql string) {
		p, err := e.Prepare(context.Background(), sql)
		if err != nil {
			if !errors.Is(err, columnar.ErrInvalid) && !errors.Is(err, columnar.ErrRefused) {
				t.Fatalf("%q: %v", sql, err)
			}
			return
		}
		switch p.Kind {
		case columnar.KindSelect, columnar.KindExplain, columnar.KindDescribe, columnar.KindShow:
		default:
			t.Fatalf("%q: kind %q", sql, p.Kind)
		}
	})
}
