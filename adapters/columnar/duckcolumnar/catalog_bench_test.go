//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"fmt"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// BenchmarkCatalog is one catalog query (pgjdbc's getTables) over the two
// test tables: a scratch database set up, queried and closed.
func BenchmarkCatalog(b *testing.B) {
	e, err := New(Config{Dirs: []string{b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for b.Loop() {
		if _, err := e.Catalog(context.Background(), pgjdbcGetTables, []any{"public", "%"}, catalogTables, testSession, columnar.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeHot is DESCRIBE of a table of 200,000 hot documents,
// what a catalog query asks of every table.
func BenchmarkDescribeHot(b *testing.B) {
	e, err := New(Config{Dirs: []string{b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	hot := make([]document.Document, 200_000)
	for i := range hot {
		hot[i] = jsonDoc(0, int64(i), obj("customer", "c", "amount", float64(i), "paid", i%2 == 0))
	}
	tables := []columnar.Table{{Name: "t", Hot: hot}}
	for b.Loop() {
		if _, err := e.Query(context.Background(), `DESCRIBE "t"`, nil, tables, columnar.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCatalogManyTables is pgjdbc's getTables over 1,000 tables of
// 20 columns each.
func BenchmarkCatalogManyTables(b *testing.B) {
	e, err := New(Config{Dirs: []string{b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	tables := make([]columnar.TableSchema, 1000)
	for i := range tables {
		tables[i].Name = fmt.Sprintf("topic_%04d", i)
		for j := range 20 {
			tables[i].Columns = append(tables[i].Columns, columnar.Column{Name: fmt.Sprintf("c%d", j), Type: "BIGINT"})
		}
	}
	for b.Loop() {
		r, err := e.Catalog(context.Background(), pgjdbcGetTables, []any{"public", "%"}, tables, testSession, columnar.Limits{})
		if err != nil || len(r.Rows) != 1000 {
			b.Fatal(len(r.Rows), err)
		}
	}
}
