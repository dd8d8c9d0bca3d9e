// Package logstore is the port through which the application appends to and
// reads from partition logs.
package logstore

import (
	"context"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
)

// PartitionConfig is what a store needs of a topic's configs.
type PartitionConfig struct {
	SegmentBytes   int64 // roll the active segment past this size
	SegmentMs      int64 // roll the active segment once it is this old
	RetentionMs    int64 // delete sealed segments whose newest record is older; -1 keeps forever
	RetentionBytes int64 // delete oldest sealed segments while the log is larger; -1 unbounded
	// LocalRetentionMs and LocalRetentionBytes bound the part of the log
	// kept on local disk once it is also in the object store (KIP-405's
	// local.retention.*); -2 means the same as RetentionMs/RetentionBytes.
	// Stores ignore them; tiering acts on them.
	LocalRetentionMs    int64
	LocalRetentionBytes int64
}

// Segment describes one segment of a partition log: a stretch of offsets
// a store keeps (and drops) as a unit.
type Segment struct {
	Base         int64 // first offset
	End          int64 // offset after the last readable batch (at most the high watermark)
	Bytes        int64 // stored bytes
	MaxTimestamp int64 // largest batch timestamp; -1 when empty
	// Sealed segments never change again (until they are deleted); the
	// last segment, being appended to, is not sealed.
	Sealed bool
}

// Durable is returned by Append: Wait blocks until the appended batch is
// durable (or the write failed, or ctx ended). Safe for concurrent use.
type Durable interface {
	Wait(ctx context.Context) error
}

// Store is a set of partition logs.
//
// All methods are safe for concurrent use. Appends to one partition are
// ordered by the order in which Append calls return. Errors wrap the sentinels
// of domain/log (ErrUnknownPartition, ErrOffsetOutOfRange, ErrPoisoned,
// ErrCorrupt, ErrClosed).
type Store interface {
	// CreatePartition creates an empty log for p owned by topic id, or does
	// nothing if a log for p with the same id exists. A log for p with another
	// id (a deleted topic's leftover) is replaced.
	CreatePartition(ctx context.Context, p topic.Partition, id topic.ID, cfg PartitionConfig) error
	// CreatePartitionAt is CreatePartition for a log whose offsets begin at
	// start: its log start, high watermark and log end are start (the records
	// below live elsewhere, say in an object store a node is restored from).
	// A log for p with the same id is left as it is.
	CreatePartitionAt(ctx context.Context, p topic.Partition, id topic.ID, cfg PartitionConfig, start int64) error
	// Configure changes the segment and retention settings of p.
	Configure(p topic.Partition, cfg PartitionConfig) error
	// DeletePartition removes p and its data. ErrUnknownPartition if absent.
	DeletePartition(ctx context.Context, p topic.Partition) error
	// Partitions lists every partition and its topic id, as recovered at open.
	Partitions() map[topic.Partition]topic.ID

	// Append assigns offsets to one v2 record batch by rewriting its base
	// offset in place and appends it. The store owns batch from then on. The
	// batch is readable once durable; Durable reports when.
	Append(ctx context.Context, p topic.Partition, batch []byte) (baseOffset int64, d Durable, err error)
	// Read returns whole stored batches starting with the one that holds
	// offset, up to maxBytes in total, never past the high watermark. With
	// minOne, a first batch larger than maxBytes is returned whole. Reading at
	// the high watermark returns no bytes; below the log start or above the
	// high watermark is ErrOffsetOutOfRange. The returned slice is the
	// caller's.
	Read(ctx context.Context, p topic.Partition, offset int64, maxBytes int, minOne bool) ([]byte, error)
	// Offsets returns p's watermarks.
	Offsets(p topic.Partition) (log.Offsets, error)
	// OffsetForTimestamp returns the first offset whose batch has a timestamp
	// at or after ts, with that timestamp; (-1, -1) when there is none.
	OffsetForTimestamp(ctx context.Context, p topic.Partition, ts int64) (offset, timestamp int64, err error)
	// DeleteRecords advances the log start offset to before (at most the high
	// watermark) and returns the new log start offset.
	DeleteRecords(ctx context.Context, p topic.Partition, before int64) (int64, error)
	// Segments lists p's segments, oldest first; the last one is the
	// active (unsealed) one. A store without segments reports its whole log
	// as one unsealed segment.
	Segments(p topic.Partition) ([]Segment, error)
	// Size is the number of bytes p occupies.
	Size(p topic.Partition) (int64, error)
	// Watch calls fn (from any goroutine, without blocking it) each time p's
	// high watermark advances, until cancel is called.
	Watch(p topic.Partition, fn func()) (cancel func(), err error)
	// Close flushes and releases everything. Idempotent.
	Close() error
}
