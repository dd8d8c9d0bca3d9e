package memindex_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/textindex/memindex"
	"github.com/chronik-stream/chronik/ports/textindex"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestConformance(t *testing.T) {
	textindextest.Run(t, func(t *testing.T) textindex.Store { return memindex.New() })
}
