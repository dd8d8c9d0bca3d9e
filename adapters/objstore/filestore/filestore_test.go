package filestore_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// TestLongSegments: a key segment too long for one file name (a tiering
// folder of a 249-character topic, say) is stored as a chain of
// directories: it round-trips through Put, Get, List (also page by page and
// by a prefix that ends inside the chain) and Delete, which leaves no
// directory behind; every name on disk fits in 255 bytes, and segments that
// fit keep the one-name layout of earlier versions.
func TestLongSegments(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	ctx := t.Context()
	long := strings.Repeat("x", 300)
	topicDir := strings.Repeat("t", 249) + "-0123456789abcdef0123456789abcdef"
	keys := []string{
		long, long + "/k", "d/" + long, long + "/" + long,
		strings.Repeat("%", 400) + "/p", strings.Repeat("y", 600) + ".",
		"tier/" + topicDir + "/0/00000000000000000000-00000000000000000010.batches",
		"tier/" + topicDir + "/0/manifest.json",
		strings.Repeat("z", 253), // fits: one name, as before
	}
	for i, k := range keys {
		if err := s.Put(ctx, k, []byte(strconv.Itoa(i))); err != nil {
			t.Fatalf("Put(%d-byte key): %v", len(k), err)
		}
	}
	for i, k := range keys {
		got, err := s.Get(ctx, k)
		if err != nil || string(got) != strconv.Itoa(i) {
			t.Fatalf("Get(%d-byte key) = %q, %v", len(k), got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, strings.Repeat("z", 253)+"%o")); err != nil {
		t.Errorf("a 253-byte segment is not stored under its own name: %v", err)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && len(d.Name()) > 255 {
			t.Errorf("name of %d bytes on disk", len(d.Name()))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(keys))
	var listed []string
	for token := ""; ; {
		page, next, err := s.List(ctx, "", token, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			listed = append(listed, o.Key)
		}
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(listed, want) {
		t.Fatalf("List in pages:\n%q\nwant\n%q", listed, want)
	}
	for _, prefix := range []string{long[:250], "tier/" + topicDir[:240], "tier/" + topicDir + "/0/m"} {
		objs, _, err := s.List(ctx, prefix, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				n++
			}
		}
		if len(objs) != n {
			t.Errorf("List(%d-byte prefix) found %d objects, want %d", len(prefix), len(objs), n)
		}
	}
	for _, k := range keys {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Fatalf("after deleting every object the folder holds %d entries (%v)", len(entries), err)
	}
}
