//go:build duckdb_arrow

package duckcolumnar

import (
	"testing"

	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/columnar/columnartest"
)

func TestConformance(t *testing.T) {
	columnartest.Run(t, func(t *testing.T) (columnar.Engine, string) {
		dir := t.TempDir()
		e, err := New(Config{Dirs: []string{dir}})
		if err != nil {
			t.Fatal(err)
		}
		return e, dir
	})
}
