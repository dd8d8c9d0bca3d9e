//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// arrowBuilt: duckdb-go's Arrow interface is compiled in (the
// duckdb_arrow build tag).
const arrowBuilt = true

var errNoArrow error

// registerArrow makes rr a view named name on conn; release frees it once
// no query reads it.
func registerArrow(conn driver.Conn, rr array.RecordReader, name string) (func(), error) {
	a, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, err
	}
	return a.RegisterView(rr, name)
}

// arrowQuery runs text on conn and returns its rows as Arrow batches.
func arrowQuery(ctx context.Context, conn driver.Conn, text string, params []any) (array.RecordReader, error) {
	a, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, err
	}
	return a.QueryContext(ctx, text, params...)
}
