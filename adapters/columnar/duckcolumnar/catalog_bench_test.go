package duckcolumnar

import (
	"context"
	"testing"

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
