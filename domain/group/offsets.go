package group

import (
	"errors"
	"fmt"
)

// ErrOffsetMetadataTooLarge: a committed offset's metadata is longer than
// offset.metadata.max.bytes.
var ErrOffsetMetadataTooLarge = errors.New("offset metadata too large")

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
