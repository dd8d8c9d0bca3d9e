package segmentlog_test

import (
	"log/slog"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

// open opens a segmentlog store on dir, closed at the end of the test.
func open(t *testing.T, dir string) logstore.Store {
	t.Helper()
	s, err := segmentlog.New(segmentlog.Config{Dir: dir, NoSync: true, RetentionInterval: -1},
		slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("segmentlog.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	logstoretest.Run(t, func(t *testing.T) logstore.Store { return open(t, t.TempDir()) })
}

func TestConformanceReopen(t *testing.T) {
	logstoretest.RunReopen(t, open)
}
