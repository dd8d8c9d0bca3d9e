package group

import (
	"errors"
	"fmt"
)

// ErrOffsetMetadataTooLarge: a committed offset's metadata is longer than
// offset.metadata.max.bytes.
var ErrOffsetMetadataTooLarge = errors.New("offset metadata too large")

// DefaultMaxSize bounds the members of one group, classic or consumer
// (group.max.size, group.consumer.max.size). Kafka leaves group sizes
// unbounded; a group is rewritten whole on every membership change and
// assigned whole on every rebalance, so a bound keeps one client from making
// those (and the group's memory) grow without end. 1000 members is far above
// real groups, which rarely exceed their topics' partition counts.
const DefaultMaxSize = 1000

// DefaultOffsetMetadataMaxBytes is Kafka's offset.metadata.max.bytes.
const DefaultOffsetMetadataMaxBytes = 4096

// CheckOffsetMetadata applies offset.metadata.max.bytes to one committed
// offset's metadata. Kafka counts UTF-16 code units; this counts bytes, the
// same for ASCII and never more lenient.
func CheckOffsetMetadata(metadata string, maxBytes int) error {
	if len(metadata) > maxBytes {
		return fmt.Errorf("%w: %d bytes, at most %d (offset.metadata.max.bytes)", ErrOffsetMetadataTooLarge, len(metadata), maxBytes)
	}
	return nil
}

// ErrMemberTooLarge: a member's protocol metadata, or the assignment its
// leader gives it, is larger than group.member.metadata.max.bytes.
var ErrMemberTooLarge = errors.New("group member metadata too large")

// DefaultMaxMemberBytes bounds one member's protocol metadata (all its
// protocols together) and its assignment. Kafka stores a whole group as one
// record of its offsets topic, at most message.max.bytes (1 MiB) long; one
// member gets as much here.
const DefaultMaxMemberBytes = 1 << 20

func protocolBytes(ps []Protocol) int {
	n := 0
	for _, p := range ps {
		n += len(p.Name) + len(p.Metadata)
	}
	return n
}

// CheckAssignments applies the member bound to a leader's SyncGroup
// assignments; 0 is no bound.
func CheckAssignments(assignments map[string][]byte, maxBytes int) error {
	if maxBytes <= 0 {
		return nil
	}
	for id, a := range assignments {
		if len(a) > maxBytes {
			return fmt.Errorf("%w: the assignment of %q is %d bytes, at most %d", ErrMemberTooLarge, id, len(a), maxBytes)
		}
	}
	return nil
}
