package bleveindex_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/ports/textindex"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestConformance(t *testing.T) {
	textindextest.Run(t, func(t *testing.T) textindex.Store { return bleveindex.New() })
}
