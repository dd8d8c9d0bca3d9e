package filestore_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/adapters/objstore/filestore"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
)

func open(t *testing.T, root string) *filestore.Store {
	t.Helper()
	s, err := filestore.New(root)
	if err != nil {
		t.Fatalf("New(%q): %v", root, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket { return open(t, t.TempDir()) })
}

// TestLayout pins the on-disk layout drawn in doc.go.
func TestLayout(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	ctx := t.Context()
	for _, k := range []string{"segments/orders/0/00000000.log", "a", "a/b", "a//b", "./x", "50%"} {
		if err := s.Put(ctx, k, []byte(k)); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	var got []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"%2E/x%o", "50%25%o", "a%o", "a/%e/b%o", "a/b%o", "segments/orders/0/00000000.log%o"}
	if !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
}

// TestTempFilesAndForeignFilesIgnored checks that a crash leftover and files
// put there by hand are never listed.
func TestTempFilesAndForeignFilesIgnored(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	ctx := t.Context()
	if err := s.Put(ctx, "d/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"d/%tmp-123", "d/README", "%tmp-9"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs, next, err := s.List(ctx, "", "", 0)
	if err != nil || next != "" || len(objs) != 1 || objs[0].Key != "d/k" {
		t.Fatalf("List = %v, %q, %v; want only d/k", objs, next, err)
	}
}

// TestDeleteRemovesEmptyDirectories checks that Delete prunes the emptied
// directories but not root, nor directories still in use.
func TestDeleteRemovesEmptyDirectories(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	ctx := t.Context()
	for _, k := range []string{"x/y/z/1", "x/2"} {
		if err := s.Put(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "x/y/z/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "x", "y")); !os.IsNotExist(err) {
		t.Errorf("x/y still exists after its last object was deleted: %v", err)
	}
	if err := s.Delete(ctx, "x/2"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("root is gone: %v", err)
	}
	if len(entries) != 0 {
		t.Errorf("root holds %v after deleting everything, want nothing", entries)
	}
}

// TestReopen checks that objects survive a new Store on the same folder.
func TestReopen(t *testing.T) {
	root := filepath.Join(t.TempDir(), "data", "objects")
	s := open(t, root)
	if err := s.Put(t.Context(), "a/b", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, root).Get(t.Context(), "a/b")
	if err != nil || string(got) != "v" {
		t.Fatalf("Get after reopen = %q, %v; want \"v\"", got, err)
	}
}

// TestKeyTooLongForFileSystem checks that a segment longer than a file name
// may be is ErrInvalidKey, not an I/O error, and lists nothing.
func TestKeyTooLongForFileSystem(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	long := strings.Repeat("x", 300)
	for _, key := range []string{long, long + "/k", "d/" + long} {
		if err := s.Put(ctx, key, []byte("v")); !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("Put(%d-byte segment): %v, want ErrInvalidKey", len(long), err)
		}
		if _, err := s.Get(ctx, key); !errors.Is(err, objstore.ErrInvalidKey) && !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("Get(%d-byte segment): %v, want ErrInvalidKey or ErrNotFound", len(long), err)
		}
		if err := s.Delete(ctx, key); err != nil && !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("Delete(%d-byte segment): %v, want nil or ErrInvalidKey", len(long), err)
		}
	}
	objs, _, err := s.List(ctx, long+"/", "", 0)
	if err != nil || len(objs) != 0 {
		t.Errorf("List(long prefix) = %v, %v; want nothing", objs, err)
	}
}
