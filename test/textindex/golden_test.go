// Package textindex_test holds the text-index adapters to the oracle:
// bleveindex's answers to the golden cases must equal memindex's.
package textindex_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/adapters/textindex/memindex"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestBleveMatchesOracle(t *testing.T) {
	textindextest.Golden(t, memindex.New(), bleveindex.New())
}
