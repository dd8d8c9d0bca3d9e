package kafkawire

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
)

// TestErrorMessagesHideInternals: messages sent to clients never carry the
// paths that storage errors name; client errors keep their explanation.
func TestErrorMessagesHideInternals(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("creating partition 3 of %q: creating /var/lib/chronik/logs/partitions/x-3.creating: %w", "x", errors.New("too many open files")),
		fmt.Errorf("partition x-0: %w: segment /var/lib/chronik/logs/partitions/x-0/00000000000000000000.log: bad batch", log.ErrCorrupt),
		fmt.Errorf("%w: syncing /var/lib/chronik/logs/wal/00000000000000000007.wal: input/output error", log.ErrPoisoned),
	} {
		m := errorMessage(err)
		if m == nil || strings.Contains(*m, "/var/lib") || *m == "" {
			t.Errorf("message for %q: %v", err, m)
		}
	}
	err := fmt.Errorf("%w: this request would create 10000 partitions, at most 1000 per request", topic.ErrInvalidPartitions)
	if m := errorMessage(err); m == nil || *m != err.Error() {
		t.Errorf("client error message %v, want %q", m, err.Error())
	}
}
