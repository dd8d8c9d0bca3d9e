package pebblemeta_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/adapters/metastore/pebblemeta"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/metastore/metastoretest"
)

// testLogger writes pebble's errors (debug lines are dropped) to the test
// log, so they show only on failure or with -v.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func openAt(t *testing.T, dir string) metastore.Store {
	t.Helper()
	s, err := pebblemeta.Open(dir, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	metastoretest.Run(t, func(t *testing.T) metastore.Store { return openAt(t, t.TempDir()) })
}

func TestDurable(t *testing.T) {
	metastoretest.RunDurable(t, openAt)
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		dir     func(t *testing.T) string
		wantErr bool
	}{
		{"creates_missing_directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a", "meta") }, false},
		{"empty_directory_name", func(t *testing.T) string { return "" }, true},
		{"directory_is_a_file", func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := pebblemeta.Open(tc.dir(t), nil)
			if tc.wantErr {
				if err == nil {
					_ = s.Close()
					t.Fatal("Open succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

func TestOpenLockedDirectory(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir)
	s, err := pebblemeta.Open(dir, nil)
	if err == nil {
		_ = s.Close()
		t.Fatal("second Open of a directory in use succeeded, want an error")
	}
}

func TestProvide(t *testing.T) {
	dir := t.TempDir()
	s, cleanup, err := pebblemeta.Provide(pebblemeta.Config{Dir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("Provide: %v", err)
	}
	if err := s.Apply(t.Context(), metastore.Put([]byte("k"), []byte("v"))); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	cleanup()
	if _, err := s.Get(t.Context(), []byte("k")); !errors.Is(err, metastore.ErrClosed) {
		t.Fatalf("Get after cleanup: %v, want ErrClosed", err)
	}
	if _, _, err := pebblemeta.Provide(pebblemeta.Config{}, nil); err == nil {
		t.Fatal("Provide with no directory succeeded, want an error")
	}
}
