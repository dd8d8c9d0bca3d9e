package bleveindex

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chronik-stream/chronik/ports/textindex"
)

// openIndex opens an empty index in a temporary directory, closed when
// the test ends (a second Close is harmless).
func openIndex(t *testing.T) *Index {
	t.Helper()
	i, err := New().Open(context.Background(), filepath.Join(t.TempDir(), "i"), textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i.Close() })
	return i.(*Index)
}
