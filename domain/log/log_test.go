package log

import (
	"errors"
	"fmt"
	"testing"
)

// The logstore conformance suite checks that a client's batch with a wrong
// checksum (record.ErrChecksum) is not of this class; domain tests import
// only the standard library.
func TestCorruptionClass(t *testing.T) {
	reason := NewCorruption("index is corrupt")
	other := NewCorruption("index is corrupt")
	wrapped := fmt.Errorf("object x: %w: bad header", reason)
	switch {
	case reason.Error() != "index is corrupt":
		t.Errorf("NewCorruption changed the text to %q", reason)
	case !IsCorruption(reason) || !IsCorruption(wrapped) || !errors.Is(wrapped, ErrCorrupt):
		t.Errorf("a corruption reason is not of the class")
	case !errors.Is(wrapped, reason) || errors.Is(wrapped, other):
		t.Errorf("errors.Is does not tell two corruption reasons apart")
	case IsCorruption(fmt.Errorf("partition x-0: %w", errors.New("checksum mismatch"))):
		t.Errorf("an error outside the class counts as corruption")
	}
}
