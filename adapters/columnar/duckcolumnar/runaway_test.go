//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// rss is the process's resident memory in bytes.
func rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// Runaway queries over two tables of 10^5 rows end with an error or a
// truncated answer, the engine keeps answering, and memory comes back.
func TestQueryRunaway(t *testing.T) {
	e, dir := newEngine(t)
	docs := make([]document.Document, 100_000)
	for i := range docs {
		docs[i] = jsonDoc(int32(i%4), int64(i), obj("n", int64(i), "s", "some text "+strconv.Itoa(i)))
	}
	fa := writeFile(t, e, dir, "a.parquet", docs, "zstd")
	tables := []columnar.Table{{Name: "a", Files: []string{fa}}, {Name: "b", Hot: docs}}
	before := rss(t)
	lim := columnar.Limits{Timeout: 2 * time.Second, MaxRows: 1000, MemoryBytes: 256 << 20}
	cases := map[string]string{
		"cross_join_rows":    "SELECT * FROM a, b",
		"cross_join_count":   "SELECT count(*) FROM a, b WHERE a.n * b.n % 7 = 3",
		"cross_join_sorted":  "SELECT a.s, b.s FROM a, b ORDER BY a.s || b.s",
		"cross_join_agg":     "SELECT length(string_agg(a.s || b.s, ',')) FROM a, b",
		"cross_join_grouped": "SELECT a.n, b.n, count(*) FROM a, b GROUP BY ALL",
	}
	for name, sql := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := e.Query(context.Background(), sql, nil, tables, lim)
			took := time.Since(start)
			t.Logf("%s: %v rows=%d truncated=%v err=%v rss=%dMB", name, took, len(res.Rows), res.Truncated, err, rss(t)>>20)
			if name == "cross_join_rows" && (err != nil || len(res.Rows) != lim.MaxRows || !res.Truncated) {
				// DuckDB stops at MaxRows+1 rows instead of materializing 10^10.
				t.Fatalf("want %d rows, truncated: %d rows, %v", lim.MaxRows, len(res.Rows), err)
			}
			switch {
			case err == nil && !res.Truncated:
				t.Fatalf("a runaway query finished: %d rows", len(res.Rows))
			case err != nil && !errors.Is(err, columnar.ErrTimeout) && !errors.Is(err, columnar.ErrResources):
				t.Fatalf("err %v, want ErrTimeout or ErrResources", err)
			}
			if took > 10*time.Second {
				t.Fatalf("took %v", took)
			}
		})
	}
	res, err := e.Query(context.Background(), "SELECT count(*) FROM a JOIN b USING (n)", nil, tables, columnar.Limits{})
	if err != nil || res.Rows[0][0] != int64(100_000) {
		t.Fatalf("after the runaways: %v %v", res.Rows, err)
	}
	after := rss(t)
	t.Logf("rss before %d MiB, after %d MiB", before>>20, after>>20)
	if after > before+512<<20 {
		t.Fatalf("rss grew from %d MiB to %d MiB", before>>20, after>>20)
	}
}
