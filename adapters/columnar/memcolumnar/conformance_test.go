package memcolumnar

import (
	"testing"

	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/columnar/columnartest"
)

func TestConformance(t *testing.T) {
	columnartest.Run(t, func(t *testing.T) (columnar.Engine, string) { return New(), t.TempDir() })
}
