//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// offsetsInFileOrder reads a file's _offset column with DuckDB directly,
// in the file's row order (one thread, insertion order kept).
func offsetsInFileOrder(t *testing.T, path string) []int64 {
	t.Helper()
	db, err := sql.Open("duckdb", "?threads=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT _offset FROM read_parquet(" + quoteString(path) + ")")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Many files of several row groups each, merged with two threads: the
// merged file holds every row once, in the sources' order, in row groups
// of mergeRowGroupRows.
func TestMergeKeepsOrderAcrossFilesAndRowGroups(t *testing.T) {
	e, dir := newEngine(t)
	var srcs []string
	off := int64(0)
	for f := range 12 {
		n := int64(batchRows + 1000*f) // two row groups each, of uneven sizes
		docs := make([]document.Document, n)
		for i := range docs {
			docs[i] = jsonDoc(0, off, obj("n", off, "s", fmt.Sprintf("v%d", off)))
			off++
		}
		srcs = append(srcs, writeFile(t, e, dir, fmt.Sprintf("%02d.parquet", f), docs, "zstd"))
	}
	dst := filepath.Join(dir, "merged.parquet")
	info, err := e.MergeParquet(context.Background(), dst, srcs, columnar.FileOptions{Compression: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != off {
		t.Fatalf("%d rows merged, want %d", info.Rows, off)
	}
	got := offsetsInFileOrder(t, dst)
	if int64(len(got)) != off {
		t.Fatalf("%d rows in the file, want %d", len(got), off)
	}
	for i, o := range got {
		if o != int64(i) {
			t.Fatalf("row %d has offset %d: order not kept", i, o)
		}
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var groups, maxRows int64
	if err := db.QueryRow("SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata("+quoteString(dst)+")").Scan(&groups, &maxRows); err != nil {
		t.Fatal(err)
	}
	// DuckDB cuts a row group at the first chunk past the size.
	if want := (off + mergeRowGroupRows - 1) / mergeRowGroupRows; maxRows < mergeRowGroupRows || maxRows > mergeRowGroupRows+batchRows || groups > want {
		t.Fatalf("%d row groups of at most %d rows, want at most %d of about %d", groups, maxRows, want, mergeRowGroupRows)
	}
}

// Sources that disagree on a column's shape (a STRUCT in one, a string in
// another) merge as a query reads them: that column as text, every row
// once and in order.
func TestMergeConflictingShapes(t *testing.T) {
	e, dir := newEngine(t)
	var srcs []string
	off := int64(0)
	for f := range 4 {
		docs := make([]document.Document, 70_000)
		for i := range docs {
			var o any = obj("a", off)
			if f%2 == 1 {
				o = fmt.Sprint("text", off)
			}
			docs[i] = jsonDoc(0, off, obj("o", o))
			off++
		}
		srcs = append(srcs, writeFile(t, e, dir, fmt.Sprintf("%d.parquet", f), docs, "snappy"))
	}
	dst := filepath.Join(dir, "merged.parquet")
	if _, err := e.MergeParquet(context.Background(), dst, srcs, columnar.FileOptions{Compression: "lz4"}); err != nil {
		t.Fatal(err)
	}
	got := offsetsInFileOrder(t, dst)
	if int64(len(got)) != off {
		t.Fatalf("%d rows, want %d", len(got), off)
	}
	for i, o := range got {
		if o != int64(i) {
			t.Fatalf("row %d has offset %d: order not kept", i, o)
		}
	}
	res := q(t, e, "SELECT o FROM t WHERE _offset IN (0, 70000)", []columnar.Table{{Name: "t", Files: []string{dst}}})
	if res.Columns[0].Type != "VARCHAR" || !reflect.DeepEqual(res.Rows, [][]any{{`{"a":0}`}, {"text70000"}}) {
		t.Fatalf("%v %v", res.Columns, res.Rows)
	}
}

// Files outside the engine's directories are neither read nor written,
// and errors name no path.
func TestMergeOnlyInsideItsDirectories(t *testing.T) {
	e, dir := newEngine(t)
	other := t.TempDir()
	src := writeFile(t, e, dir, "a.parquet", []document.Document{jsonDoc(0, 0, obj("n", int64(1)))}, "zstd")
	outside := writeFile(t, e, other, "b.parquet", []document.Document{jsonDoc(0, 1, obj("n", int64(2)))}, "zstd")
	for name, c := range map[string]struct {
		dst  string
		srcs []string
	}{
		"source_outside":      {filepath.Join(dir, "m1.parquet"), []string{src, outside}},
		"destination_outside": {filepath.Join(other, "m2.parquet"), []string{src}},
		"relative":            {"m3.parquet", []string{src}},
		"glob":                {filepath.Join(dir, "m4.parquet"), []string{filepath.Join(dir, "*.parquet")}},
		"not_parquet":         {filepath.Join(dir, "m5.parquet"), []string{src, writeText(t, dir, "x.parquet")}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.MergeParquet(context.Background(), c.dst, c.srcs, columnar.FileOptions{Compression: "zstd"})
			if err == nil {
				t.Fatal("merged")
			}
			if strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), other) {
				t.Fatalf("the error names a path: %v", err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(other, "m2.parquet")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was written outside the directories: %v", err)
	}
	e.Close()
	if _, err := e.MergeParquet(context.Background(), filepath.Join(dir, "m6.parquet"), []string{src}, columnar.FileOptions{}); !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func writeText(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("not parquet"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A merge of more data than its memory limit holds streams: 1.6M rows of
// ~190 bytes (~300 MB of text) merge within 128 MiB on the merge
// database's one thread (64 MiB is too little; on two threads 160 MiB was).
func TestMergeWithinTheMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	e, err := New(Config{Dirs: []string{dir}, MergeMemoryBytes: 128 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pad := strings.Repeat("x", 150)
	var srcs []string
	off := int64(0)
	for f := range 8 {
		docs := make([]document.Document, 200_000)
		for i := range docs {
			// A distinct string per row.
			docs[i] = jsonDoc(0, off, obj("n", off, "s", fmt.Sprint(pad, off)))
			off++
		}
		srcs = append(srcs, writeFile(t, e, dir, fmt.Sprintf("%d.parquet", f), docs, "zstd"))
	}
	dst := filepath.Join(dir, "merged.parquet")
	info, err := e.MergeParquet(context.Background(), dst, srcs, columnar.FileOptions{Compression: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != off {
		t.Fatalf("%d rows, want %d", info.Rows, off)
	}
	got := offsetsInFileOrder(t, dst)
	for i, o := range got {
		if o != int64(i) {
			t.Fatalf("row %d has offset %d", i, o)
		}
	}
}
