//go:build !duckdb_arrow

package duckcolumnar

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// arrowBuilt: without the duckdb_arrow build tag duckdb-go has no Arrow
// interface, which hot rows and QueryArrow need: New refuses to open.
const arrowBuilt = false

var errNoArrow = errors.New("duckcolumnar: built without the duckdb_arrow build tag (go build -tags duckdb_arrow), which the SQL engine needs")

func registerArrow(driver.Conn, array.RecordReader, string) (func(), error) { return nil, errNoArrow }

func arrowQuery(context.Context, driver.Conn, string, []any) (array.RecordReader, error) {
	return nil, errNoArrow
}
