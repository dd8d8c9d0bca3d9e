package memcolumnar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

func TestPrepare(t *testing.T) {
	e := New()
	for _, c := range []struct {
		sql   string
		table string
	}{
		{"SELECT * FROM orders", "orders"},
		{"select count(*) from \"my.topic\"\"x\" ;", `my.topic"x`},
		{"SELECT * FROM t WHERE _partition = 3", "t"},
	} {
		p, err := e.Prepare(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if p.Kind != columnar.KindSelect || !reflect.DeepEqual(p.Tables, []string{c.table}) {
			t.Fatalf("%s: %+v", c.sql, p)
		}
	}
	for sql, want := range map[string]error{
		"SELECT a FROM t":          columnar.ErrInvalid,
		"EXPLAIN SELECT * FROM t":  columnar.ErrInvalid,
		"COPY t TO 'x'":            columnar.ErrRefused,
		"SET threads = 1":          columnar.ErrRefused,
		"SELECT * FROM t; DROP t":  columnar.ErrRefused,
		"INSERT INTO t VALUES (1)": columnar.ErrRefused,
	} {
		if _, err := e.Prepare(context.Background(), sql); !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", sql, err, want)
		}
	}
}

func TestFilesHotAndLimits(t *testing.T) {
	e := New()
	dir := t.TempDir()
	var buf bytes.Buffer
	docs := []document.Document{
		{Partition: 1, Offset: 0, Timestamp: 5, Kind: document.JSON, Fields: document.Object{{Name: "a", Value: int64(1)}, {Name: "o", Value: document.Object{{Name: "x", Value: "y"}}}}},
		{Partition: 0, Offset: 0, Timestamp: 6, Key: []byte("k"), Kind: document.Raw, Value: []byte{0xff}},
	}
	info, err := e.WriteParquet(context.Background(), &buf, docs, columnar.FileOptions{Compression: "zstd"})
	if err != nil || info.Rows != 2 || info.Bytes != int64(buf.Len()) {
		t.Fatalf("%+v %v", info, err)
	}
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	hot := []document.Document{{Partition: 0, Offset: 1, Timestamp: 7, Kind: document.JSON, Fields: document.Object{{Name: "a", Value: 2.5}}}}
	tables := []columnar.Table{{Name: "t", Files: []string{path}, Hot: hot}}
	res, err := e.Query(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var names, types []string
	for _, c := range res.Columns {
		names = append(names, c.Name)
		types = append(types, c.Type)
	}
	if !reflect.DeepEqual(names, []string{"_partition", "_offset", "_timestamp", "_key", "_headers", "value", "a", "o"}) ||
		!reflect.DeepEqual(types[5:], []string{"BLOB", "DOUBLE", "STRUCT"}) {
		t.Fatalf("columns %v", res.Columns)
	}
	want := [][]any{
		{int64(0), int64(0), time.UnixMilli(6).UTC(), []byte("k"), []any{}, []byte{0xff}, nil, nil},
		{int64(0), int64(1), time.UnixMilli(7).UTC(), []byte(nil), []any{}, nil, 2.5, nil},
		{int64(1), int64(0), time.UnixMilli(5).UTC(), []byte(nil), []any{}, nil, int64(1), map[string]any{"x": "y"}},
	}
	if !reflect.DeepEqual(res.Rows, want) {
		t.Fatalf("rows\n got %#v\nwant %#v", res.Rows, want)
	}
	res, err = e.Query(context.Background(), "SELECT COUNT(*) FROM t WHERE _partition = 0", nil, tables, columnar.Limits{})
	if err != nil || res.Rows[0][0] != int64(2) || res.Columns[0].Name != "count_star()" {
		t.Fatalf("%v %v", res, err)
	}
	res, err = e.Query(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{MaxRows: 2})
	if err != nil || len(res.Rows) != 2 || !res.Truncated {
		t.Fatalf("%v %v", res, err)
	}
	if _, err := e.Query(context.Background(), "SELECT * FROM nope", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatal(err)
	}
	var ab bytes.Buffer
	if err := e.QueryArrow(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{}, &ab); err != nil {
		t.Fatal(err)
	}
	rd, err := ipc.NewReader(&ab)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rd.Next() {
		n += int(rd.RecordBatch().NumRows())
	}
	rd.Release()
	if n != 3 {
		t.Fatalf("arrow rows %d", n)
	}
	e.Close()
	if _, err := e.Query(context.Background(), "SELECT * FROM t", nil, tables, columnar.Limits{}); !errors.Is(err, columnar.ErrClosed) {
		t.Fatal(err)
	}
}

func TestCatalog(t *testing.T) {
	e := New()
	tables := []columnar.TableSchema{{Name: "orders", Columns: []columnar.Column{{Name: "_offset", Type: "BIGINT"}, {Name: "at", Type: "TIMESTAMP"}}}}
	r, err := e.Catalog(context.Background(), "select table_name, column_name, data_type from information_schema.columns;", nil, tables, columnar.Session{}, columnar.Limits{})
	if err != nil || fmt.Sprint(r.Rows) != "[[orders _offset bigint] [orders at timestamp without time zone]]" {
		t.Fatalf("Catalog = %v, %v", r.Rows, err)
	}
	if _, err := e.Catalog(context.Background(), "SELECT * FROM pg_class", nil, tables, columnar.Session{}, columnar.Limits{}); !errors.Is(err, columnar.ErrInvalid) {
		t.Fatalf("another statement: %v", err)
	}
	e.Close()
	if _, err := e.Catalog(context.Background(), "SELECT table_name, column_name, data_type FROM information_schema.columns", nil, tables, columnar.Session{}, columnar.Limits{}); !errors.Is(err, columnar.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
