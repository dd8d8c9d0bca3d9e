// Package columnartest is the conformance suite of columnar.Engine: every
// adapter runs Run in its own tests. It sticks to what every engine
// supports (memcolumnar's SQL: SELECT * FROM t and SELECT COUNT(*) FROM t),
// so the layers above can rely on those answering alike.
package columnartest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// NewEngine returns an engine and a directory whose files it may read;
// the suite closes the engine.
type NewEngine func(t *testing.T) (columnar.Engine, string)

// Run runs the suite.
func Run(t *testing.T, newEngine NewEngine) {
	t.Run("files_and_hot_rows", func(t *testing.T) { testFilesAndHot(t, newEngine) })
	t.Run("limits_and_errors", func(t *testing.T) { testLimitsAndErrors(t, newEngine) })
	t.Run("refused", func(t *testing.T) { testRefused(t, newEngine) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, newEngine) })
	t.Run("close", func(t *testing.T) { testClose(t, newEngine) })
	t.Run("merge", func(t *testing.T) { testMerge(t, newEngine) })
}

func docs(partition int32, from, n int64) []document.Document {
	out := make([]document.Document, n)
	for i := range out {
		off := from + int64(i)
		out[i] = document.Document{Partition: partition, Offset: off, Timestamp: 1_700_000_000_000 + off, Kind: document.JSON,
			Key:    []byte(fmt.Sprintf("k%d", off)),
			Fields: document.Object{{Name: "n", Value: off}, {Name: "s", Value: fmt.Sprintf("v%d", off)}}}
	}
	return out
}

func open(t *testing.T, newEngine NewEngine) (columnar.Engine, string) {
	t.Helper()
	e, dir := newEngine(t)
	t.Cleanup(func() { e.Close() })
	return e, dir
}

func write(t *testing.T, e columnar.Engine, dir, name string, d []document.Document) string {
	t.Helper()
	var buf bytes.Buffer
	info, err := e.WriteParquet(context.Background(), &buf, d, columnar.FileOptions{Compression: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != int64(len(d)) || info.Bytes != int64(buf.Len()) {
		t.Fatalf("FileInfo %+v for %d documents, %d bytes", info, len(d), buf.Len())
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func column(t *testing.T, res columnar.Result, name string) int {
	t.Helper()
	for i, c := range res.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %s in %v", name, res.Columns)
	return -1
}

func testFilesAndHot(t *testing.T, newEngine NewEngine) {
	e, dir := open(t, newEngine)
	f1 := write(t, e, dir, "a", docs(0, 0, 10))
	f2 := write(t, e, dir, "b", docs(1, 0, 5))
	tables := []columnar.Table{{Name: "my.topic-1", Files: []string{f1, f2}, Hot: append(docs(0, 10, 3), docs(1, 5, 2)...)}}
	p, err := e.Prepare(context.Background(), `SELECT * FROM "my.topic-1"`)
	if err != nil || p.Kind != columnar.KindSelect || !reflect.DeepEqual(p.Tables, []string{"my.topic-1"}) {
		t.Fatalf("Prepare: %+v %v", p, err)
	}
	res, err := e.Query(context.Background(), `SELECT * FROM "my.topic-1"`, nil, tables, columnar.Limits{MaxRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Columns[:5] {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"_partition", "_offset", "_timestamp", "_key", "_headers"}) {
		t.Fatalf("first columns %v", names)
	}
	if res.Truncated || len(res.Rows) != 20 {
		t.Fatalf("%d rows, truncated %v; want 20", len(res.Rows), res.Truncated)
	}
	ip, io, in := column(t, res, "_partition"), column(t, res, "_offset"), column(t, res, "n")
	type po struct{ p, o, n int64 }
	var got []po
	for _, r := range res.Rows {
		got = append(got, po{r[ip].(int64), r[io].(int64), r[in].(int64)})
	}
	slices.SortFunc(got, func(a, b po) int { return cmp.Or(cmp.Compare(a.p, b.p), cmp.Compare(a.o, b.o)) })
	var want []po
	for o := int64(0); o < 13; o++ {
		want = append(want, po{0, o, o})
	}
	for o := int64(0); o < 7; o++ {
		want = append(want, po{1, o, o})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	res, err = e.Query(context.Background(), `SELECT COUNT(*) FROM "my.topic-1"`, nil, tables, columnar.Limits{})
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != int64(20) {
		t.Fatalf("COUNT(*): %v %v", res.Rows, err)
	}
}

func testLimitsAndErrors(t *testing.T, newEngine NewEngine) {
	e, dir := open(t, newEngine)
	tables := []columnar.Table{{Name: "t", Files: []string{write(t, e, dir, "a", docs(0, 0, 50))}}}
	res, err := e.Query(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{MaxRows: 7})
	if err != nil || len(res.Rows) != 7 || !res.Truncated {
		t.Fatalf("MaxRows 7: %d rows, truncated %v, %v", len(res.Rows), res.Truncated, err)
	}
	res, err = e.Query(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{MaxRows: 50})
	if err != nil || len(res.Rows) != 50 || res.Truncated {
		t.Fatalf("MaxRows 50: %d rows, truncated %v, %v", len(res.Rows), res.Truncated, err)
	}
	if _, err := e.Query(context.Background(), "SELECT * FROM nope", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("unknown table: %v, want ErrInvalid", err)
	}
	if _, err := e.WriteParquet(context.Background(), &bytes.Buffer{}, nil, columnar.FileOptions{}); err == nil {
		t.Fatal("a file of no documents was written")
	}
	if _, err := e.WriteParquet(context.Background(), &bytes.Buffer{}, docs(0, 0, 1), columnar.FileOptions{Compression: "gzip9"}); err == nil {
		t.Fatal("an unknown compression was accepted")
	}
}

func testRefused(t *testing.T, newEngine NewEngine) {
	e, _ := open(t, newEngine)
	for _, sql := range []string{
		"COPY t TO '/tmp/x.csv'", "SET threads = 8", "INSERT INTO t VALUES (1)", "ATTACH '/tmp/x.db'",
		"INSTALL httpfs", "LOAD httpfs", "PRAGMA version", "CREATE TABLE x (a INT)", "DROP TABLE t",
		"SELECT * FROM t; DROP TABLE t",
	} {
		if _, err := e.Prepare(context.Background(), sql); !errors.Is(err, columnar.ErrRefused) {
			t.Errorf("%s: %v, want ErrRefused", sql, err)
		}
	}
}

func testConcurrent(t *testing.T, newEngine NewEngine) {
	e, dir := open(t, newEngine)
	tables := []columnar.Table{{Name: "t", Files: []string{write(t, e, dir, "a", docs(0, 0, 100))}, Hot: docs(0, 100, 20)}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				res, err := e.Query(context.Background(), "SELECT COUNT(*) FROM t", nil, tables, columnar.Limits{})
				if err == nil && res.Rows[0][0] != int64(120) {
					err = fmt.Errorf("count %v, want 120", res.Rows[0][0])
				}
				if err != nil {
					errs <- err
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
}

func testClose(t *testing.T, newEngine NewEngine) {
	e, _ := newEngine(t)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := e.Prepare(context.Background(), "SELECT * FROM t"); !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("Prepare after Close: %v", err)
	}
	if _, err := e.Query(context.Background(), "SELECT * FROM t", nil, []columnar.Table{{Name: "t"}}, columnar.Limits{}); !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("Query after Close: %v", err)
	}
}

// testMerge merges files whose columns differ and reads the result back:
// every row once, a column missing from a source NULL in its rows.
func testMerge(t *testing.T, newEngine NewEngine) {
	e, dir := open(t, newEngine)
	ctx := context.Background()
	a := docs(0, 0, 10)
	b := docs(0, 10, 5)
	for i := range b { // b has n and x, not s
		b[i].Fields = document.Object{{Name: "n", Value: b[i].Offset}, {Name: "x", Value: "x" + fmt.Sprint(b[i].Offset)}}
	}
	fa, fb := write(t, e, dir, "a", a), write(t, e, dir, "b", b)
	dst := filepath.Join(dir, "ab")
	info, err := e.MergeParquet(ctx, dst, []string{fa, fb}, columnar.FileOptions{Compression: "snappy"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dst)
	if err != nil || info.Rows != 15 || info.Bytes != st.Size() {
		t.Fatalf("FileInfo %+v, file %v %v; want 15 rows and the file's size", info, st, err)
	}
	// A merged file merges again, with another file after it.
	fc := write(t, e, dir, "c", docs(0, 15, 3))
	dst2 := filepath.Join(dir, "abc")
	if info, err := e.MergeParquet(ctx, dst2, []string{dst, fc}, columnar.FileOptions{Compression: "zstd"}); err != nil || info.Rows != 18 {
		t.Fatalf("merging a merged file: %+v %v", info, err)
	}
	res, err := e.Query(ctx, "SELECT * FROM t", nil, []columnar.Table{{Name: "t", Files: []string{dst2}}}, columnar.Limits{MaxRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 18 {
		t.Fatalf("%d rows, want 18", len(res.Rows))
	}
	io, in, is, ix := column(t, res, "_offset"), column(t, res, "n"), column(t, res, "s"), column(t, res, "x")
	seen := map[int64]bool{}
	for _, r := range res.Rows {
		o := r[io].(int64)
		if seen[o] {
			t.Fatalf("offset %d twice", o)
		}
		seen[o] = true
		if r[in] != o {
			t.Errorf("offset %d: n = %v", o, r[in])
		}
		inB := o >= 10 && o < 15
		switch {
		case inB && (r[is] != nil || r[ix] != fmt.Sprintf("x%d", o)):
			t.Errorf("offset %d (from b): s = %v, x = %v; want NULL and x%d", o, r[is], r[ix], o)
		case !inB && (r[ix] != nil || r[is] != fmt.Sprintf("v%d", o)):
			t.Errorf("offset %d: s = %v, x = %v; want v%d and NULL", o, r[is], r[ix], o)
		}
	}
	if _, err := e.MergeParquet(ctx, filepath.Join(dir, "none"), nil, columnar.FileOptions{}); err == nil {
		t.Fatal("a merge of no files succeeded")
	}
	if _, err := e.MergeParquet(ctx, filepath.Join(dir, "bad"), []string{fa}, columnar.FileOptions{Compression: "gzip9"}); err == nil {
		t.Fatal("a merge with an unknown compression succeeded")
	}
	if _, err := e.MergeParquet(ctx, filepath.Join(dir, "missing"), []string{fa, filepath.Join(dir, "no-such-file")}, columnar.FileOptions{}); err == nil {
		t.Fatal("a merge of a missing file succeeded")
	} else if strings.Contains(err.Error(), dir) {
		t.Fatalf("the error names a path: %v", err)
	}
}
