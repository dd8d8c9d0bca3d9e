package bleveindex

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// TestAddWaitsForThePersister: with MaxUnpersisted batches not yet
// written, Add waits; Close ends the wait (ErrClosed) instead of
// waiting for it.
func TestAddWaitsForThePersister(t *testing.T) {
	ctx := context.Background()
	i, err := New().Open(ctx, filepath.Join(t.TempDir(), "i"), textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix := i.(*Index)
	for range MaxUnpersisted {
		ix.unpersisted <- struct{}{} // as if the persister were stuck
	}
	m := search.Mapping{Fields: map[string]search.FieldMapping{"n": {Type: search.Long, Index: true}}}
	done := make(chan error, 1)
	go func() {
		done <- ix.Add(ctx, []search.Doc{{Offset: 1, Source: []byte(`{}`), Fields: []search.FieldValue{{Path: "n", Type: search.Long, Int: 1}}}}, m)
	}()
	select {
	case err := <-done:
		t.Fatalf("Add returned %v while the persister was behind", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, textindex.ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
}
