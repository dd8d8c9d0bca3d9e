// Package log names the facts and failures of a partition log: offsets,
// watermarks and the errors every log store reports.
package log

import "errors"

// Errors owned by this package. Stores wrap them with details.
var (
	// ErrOffsetOutOfRange: the offset is below the log start or above the high watermark.
	ErrOffsetOutOfRange = errors.New("offset out of range")
	// ErrUnknownPartition: the store has no such partition.
	ErrUnknownPartition = errors.New("unknown partition")
	// ErrCorrupt marks stored data (segments, indexes, WAL files, partition
	// metadata, tiered objects) that fails its checksum or structure: the one
	// corruption class, tested with IsCorruption. A batch a client sends
	// with a wrong checksum is record.ErrChecksum instead.
	ErrCorrupt = errors.New("log data is corrupt")
	// ErrPoisoned: an earlier write or fsync failed; no write succeeds until reopened.
	ErrPoisoned = errors.New("log is poisoned by an earlier write failure")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("log store is closed")
	// ErrTooLarge: a batch exceeds the configured maximum.
	ErrTooLarge = errors.New("record batch too large")
	// ErrRemoteUnavailable: the records asked for are in the object store,
	// which did not answer in time or failed; a retry may succeed.
	ErrRemoteUnavailable = errors.New("tiered records are unavailable: the object store failed")
)

// Offsets are a partition's watermarks.
//
//	LogStart <= HighWatermark <= LogEnd
//
// Records in [LogStart, HighWatermark) are durable and readable. LogEnd is the
// next offset to assign; records in [HighWatermark, LogEnd) are written but
// not yet durable.
type Offsets struct {
	LogStart      int64
	HighWatermark int64
	LogEnd        int64
	// MaxTimestamp is the largest batch timestamp among readable records and
	// MaxTimestampOffset the last offset of the first batch that has it, as
	// Kafka's shallow index reports it (-1, -1 when empty).
	MaxTimestamp       int64
	MaxTimestampOffset int64
}

// IsCorruption reports whether err is a corruption error: stored data that
// fails its checksum or structure (it wraps ErrCorrupt). It is the one check
// for corruption; a client's damaged batch (record.ErrChecksum) is not one.
func IsCorruption(err error) bool { return errors.Is(err, ErrCorrupt) }

// NewCorruption returns a new sentinel error with text msg that belongs to
// the corruption class: IsCorruption reports true for it and for every error
// wrapping it, and errors.Is still tells it from other reasons. Packages with
// their own corruption reasons (a WAL record, a tiered object's index, a
// metadata snapshot) declare them with it, so IsCorruption stays the one
// check.
func NewCorruption(msg string) error { return &corruption{msg} }

type corruption struct{ msg string }

func (e *corruption) Error() string { return e.msg }
func (e *corruption) Unwrap() error { return ErrCorrupt }
