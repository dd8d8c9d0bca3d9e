package log_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
)

func TestCorruptionClass(t *testing.T) {
	reason := log.NewCorruption("index is corrupt")
	other := log.NewCorruption("index is corrupt")
	wrapped := fmt.Errorf("object x: %w: bad header", reason)
	switch {
	case reason.Error() != "index is corrupt":
		t.Errorf("NewCorruption changed the text to %q", reason)
	case !log.IsCorruption(reason) || !log.IsCorruption(wrapped) || !errors.Is(wrapped, log.ErrCorrupt):
		t.Errorf("a corruption reason is not of the class")
	case !errors.Is(wrapped, reason) || errors.Is(wrapped, other):
		t.Errorf("errors.Is does not tell two corruption reasons apart")
	case log.IsCorruption(fmt.Errorf("partition x-0: %w", record.ErrChecksum)):
		t.Errorf("a client's batch with a wrong checksum is not stored-data corruption")
	}
}
