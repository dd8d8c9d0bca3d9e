//go:build !duckdb_arrow

package duckcolumnar

import (
	"errors"
	"testing"
)

// Without the duckdb_arrow tag the engine refuses to open, saying why.
// The other tests of this package need the tag: go test -tags duckdb_arrow.
func TestNewNeedsArrowTag(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, errNoArrow) {
		t.Fatalf("New without the duckdb_arrow tag: %v", err)
	}
}
