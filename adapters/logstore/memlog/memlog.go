// Package memlog is an in-memory logstore.Store for unit tests of the
// application layer and for tools that need no durability.
//
// Each partition keeps its batches in a slice, in offset order. A batch is
// durable (and readable) as soon as Append returns, so the high watermark
// always equals the log end. Append validates a batch as a durable store
// would: one whole v2 batch whose header parses and whose CRC-32C matches.
// Segment and retention settings are recorded but not acted on: there are no
// segments, and data leaves only through DeleteRecords, DeletePartition and
// CreatePartition with a new topic id.
//
// Locking: Store.mu guards the partition map and the closed flag; each
// partition's mu guards its batches and watchers. Lock order is Store.mu, then
// a partition's mu. Watch callbacks run with no lock held.
package memlog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// Store is an in-memory set of partition logs implementing logstore.Store.
// The zero value is not usable; call New. All methods are safe for
// concurrent use.
type Store struct {
	mu     sync.Mutex
	closed bool
	parts  map[topic.Partition]*partition
}

var _ logstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{parts: make(map[topic.Partition]*partition)}
}

// stored is one batch and the header facts the store needs.
type stored struct {
	base, last int64
	maxTS      int64
	data       []byte // owned by the store, never modified after Append
}

// partition is one log. Fields other than name and id are guarded by mu.
type partition struct {
	name topic.Partition
	id   topic.ID

	mu       sync.Mutex
	cfg      logstore.PartitionConfig
	batches  []stored // ascending offsets, contiguous from the first batch on
	logStart int64
	next     int64 // log end: the next offset to assign
	size     int64
	watchers map[uint64]func()
	nextW    uint64
	gone     bool // deleted, replaced or closed: lock refuses it, cancels are no-ops
}

func newPartition(p topic.Partition, id topic.ID, cfg logstore.PartitionConfig) *partition {
	return &partition{name: p, id: id, cfg: cfg, watchers: make(map[uint64]func())}
}

// durable is the Durable of an in-memory append: it is durable already.
type durable struct{}

// Wait returns nil at once: the batch was durable when Append returned.
func (durable) Wait(context.Context) error { return nil }

// get returns p's log, or an error wrapping log.ErrClosed or
// log.ErrUnknownPartition.
func (s *Store) get(op string, p topic.Partition) (*partition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("memlog: %s %s: %w", op, p, log.ErrClosed)
	}
	part, ok := s.parts[p]
	if !ok {
		return nil, fmt.Errorf("memlog: %s %s: %w", op, p, log.ErrUnknownPartition)
	}
	return part, nil
}

// lock returns p's log with its mu held, or an error wrapping log.ErrClosed
// or log.ErrUnknownPartition (also when p was deleted or replaced after the
// lookup). The caller unlocks part.mu.
func (s *Store) lock(op string, p topic.Partition) (*partition, error) {
	part, err := s.get(op, p)
	if err != nil {
		return nil, err
	}
	part.mu.Lock()
	if part.gone {
		part.mu.Unlock()
		return nil, fmt.Errorf("memlog: %s %s: %w", op, p, log.ErrUnknownPartition)
	}
	return part, nil
}

// notify calls fns with no lock held.
func notify(fns []func()) {
	for _, fn := range fns {
		fn()
	}
}

// retire marks part as gone and returns its watchers, which the caller
// notifies (so long polls wake up and find the partition gone).
func (part *partition) retire() []func() {
	part.mu.Lock()
	defer part.mu.Unlock()
	part.gone = true
	fns := slices.Collect(maps.Values(part.watchers))
	part.watchers = nil
	part.batches = nil
	return fns
}

// CreatePartition creates an empty log for p owned by topic id, or does
// nothing if p's log already has that id. A log for p with another id is
// replaced by an empty one, whose offsets start at 0 again; watchers of the
// old log are called once and dropped. After Close it returns log.ErrClosed.
func (s *Store) CreatePartition(ctx context.Context, p topic.Partition, id topic.ID, cfg logstore.PartitionConfig) error {
	return s.CreatePartitionAt(ctx, p, id, cfg, 0)
}

// CreatePartitionAt is CreatePartition for a log whose offsets begin at start.
func (s *Store) CreatePartitionAt(ctx context.Context, p topic.Partition, id topic.ID, cfg logstore.PartitionConfig, start int64) error {
	if start < 0 {
		return fmt.Errorf("memlog: create partition %s: %w: negative start offset %d", p, log.ErrOffsetOutOfRange, start)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("memlog: create partition %s: %w", p, log.ErrClosed)
	}
	old, ok := s.parts[p]
	if ok && old.id == id {
		s.mu.Unlock()
		return nil
	}
	part := newPartition(p, id, cfg)
	part.logStart, part.next = start, start
	s.parts[p] = part
	s.mu.Unlock()
	if ok {
		notify(old.retire())
	}
	return nil
}

// Configure records p's segment and retention settings. memlog does not act
// on them. Errors wrap log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) Configure(p topic.Partition, cfg logstore.PartitionConfig) error {
	part, err := s.lock("configure", p)
	if err != nil {
		return err
	}
	part.cfg = cfg
	part.mu.Unlock()
	return nil
}

// DeletePartition removes p and its data; its watchers are called once and
// dropped. Errors wrap log.ErrUnknownPartition if p is absent, or
// log.ErrClosed.
func (s *Store) DeletePartition(ctx context.Context, p topic.Partition) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("memlog: delete partition %s: %w", p, log.ErrClosed)
	}
	part, ok := s.parts[p]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("memlog: delete partition %s: %w", p, log.ErrUnknownPartition)
	}
	delete(s.parts, p)
	s.mu.Unlock()
	notify(part.retire())
	return nil
}

// Partitions returns every partition and its topic id, in a new map the
// caller owns. After Close it returns an empty map.
func (s *Store) Partitions() map[topic.Partition]topic.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[topic.Partition]topic.ID, len(s.parts))
	for p, part := range s.parts {
		out[p] = part.id
	}
	return out
}

// Append checks that batch is exactly one v2 record batch with a valid
// header and CRC-32C, sets its base offset to p's log end, and appends it.
// The store keeps batch itself (no copy); the caller must not modify it
// afterwards. The returned Durable is already satisfied, p's watchers have
// been called by the time Append returns, and the batch is readable.
//
// An invalid batch is rejected, leaving the log unchanged, with an error
// wrapping the record package's reason (record.ErrChecksum,
// record.ErrMalformed or record.ErrMagic): the client's batch is damaged,
// not the log (it is not log.IsCorruption). Other errors wrap
// log.ErrUnknownPartition or log.ErrClosed, or are ctx's error when ctx has
// ended before the append.
func (s *Store) Append(ctx context.Context, p topic.Partition, batch []byte) (int64, logstore.Durable, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, fmt.Errorf("memlog: append to %s: %w", p, err)
	}
	if err := record.Verify(batch); err != nil {
		return 0, nil, fmt.Errorf("memlog: append to %s: rejected batch: %w", p, err)
	}
	h, err := record.ParseHeader(batch)
	if err != nil { // unreachable: Verify parsed it already
		return 0, nil, fmt.Errorf("memlog: append to %s: rejected batch: %w", p, err)
	}
	part, err := s.lock("append to", p)
	if err != nil {
		return 0, nil, err
	}
	base := part.next
	record.SetBaseOffset(batch, base)
	last := base + int64(h.LastOffsetDelta)
	part.batches = append(part.batches, stored{base: base, last: last, maxTS: h.MaxTimestamp, data: batch})
	part.next = last + 1
	part.size += int64(len(batch))
	fns := slices.Collect(maps.Values(part.watchers))
	part.mu.Unlock()
	notify(fns)
	return base, durable{}, nil
}

// find returns the index of the batch holding offset, which must lie in
// [logStart, next). Caller holds part.mu.
func (part *partition) find(offset int64) int {
	return sort.Search(len(part.batches), func(i int) bool { return part.batches[i].last >= offset })
}

// Read returns copies of whole batches, starting with the one holding
// offset, while their total fits in maxBytes; with minOne the first batch is
// returned even if it alone exceeds maxBytes. Reading at the high watermark
// returns nil. Errors wrap log.ErrOffsetOutOfRange (offset below the log start
// or above the high watermark), log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) Read(ctx context.Context, p topic.Partition, offset int64, maxBytes int, minOne bool) ([]byte, error) {
	part, err := s.lock("read", p)
	if err != nil {
		return nil, err
	}
	defer part.mu.Unlock()
	if offset < part.logStart || offset > part.next {
		return nil, fmt.Errorf("memlog: read %s at offset %d: %w (the log holds [%d, %d))",
			p, offset, log.ErrOffsetOutOfRange, part.logStart, part.next)
	}
	if offset == part.next {
		return nil, nil
	}
	var n int
	i := part.find(offset)
	end := i
	for ; end < len(part.batches); end++ {
		size := len(part.batches[end].data)
		if n+size > maxBytes && !(minOne && end == i) {
			break
		}
		n += size
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]byte, 0, n)
	for _, b := range part.batches[i:end] {
		out = append(out, b.data...)
	}
	return out, nil
}

// Offsets returns p's watermarks; HighWatermark always equals LogEnd.
// MaxTimestampOffset is the last offset of the first readable batch with the
// largest timestamp, as Kafka reports it for v2 batches. Errors wrap
// log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) Offsets(p topic.Partition) (log.Offsets, error) {
	part, err := s.lock("offsets of", p)
	if err != nil {
		return log.Offsets{}, err
	}
	defer part.mu.Unlock()
	o := log.Offsets{
		LogStart:           part.logStart,
		HighWatermark:      part.next,
		LogEnd:             part.next,
		MaxTimestamp:       -1,
		MaxTimestampOffset: -1,
	}
	for _, b := range part.batches {
		if b.maxTS > o.MaxTimestamp {
			o.MaxTimestamp, o.MaxTimestampOffset = b.maxTS, b.last
		}
	}
	return o, nil
}

// OffsetForTimestamp returns, for the first readable batch whose timestamp
// (its max timestamp) is at or after ts, the batch's first readable offset
// and that timestamp; (-1, -1) when there is none. Errors wrap
// log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) OffsetForTimestamp(ctx context.Context, p topic.Partition, ts int64) (int64, int64, error) {
	part, err := s.lock("offset for timestamp in", p)
	if err != nil {
		return 0, 0, err
	}
	defer part.mu.Unlock()
	for _, b := range part.batches {
		if b.maxTS >= ts {
			return max(b.base, part.logStart), b.maxTS, nil
		}
	}
	return -1, -1, nil
}

// DeleteRecords moves p's log start to before and drops the batches wholly
// below it; a before at or below the current log start changes nothing. It
// returns the log start offset. before above the high watermark is
// log.ErrOffsetOutOfRange, as in Kafka; other errors wrap
// log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) DeleteRecords(ctx context.Context, p topic.Partition, before int64) (int64, error) {
	part, err := s.lock("delete records of", p)
	if err != nil {
		return 0, err
	}
	defer part.mu.Unlock()
	if before > part.next {
		return 0, fmt.Errorf("memlog: delete records of %s before %d: %w (high watermark is %d)",
			p, before, log.ErrOffsetOutOfRange, part.next)
	}
	if before <= part.logStart {
		return part.logStart, nil
	}
	part.logStart = before
	i := part.find(before)
	for _, b := range part.batches[:i] {
		part.size -= int64(len(b.data))
	}
	part.batches = append([]stored(nil), part.batches[i:]...)
	return part.logStart, nil
}

// Segments reports p's whole log as one unsealed segment: memlog keeps no
// segments, so nothing of it is ever handed to another tier.
func (s *Store) Segments(p topic.Partition) ([]logstore.Segment, error) {
	part, err := s.lock("segments", p)
	if err != nil {
		return nil, err
	}
	defer part.mu.Unlock()
	seg := logstore.Segment{Base: part.logStart, End: part.next, Bytes: part.size, MaxTimestamp: -1}
	for _, b := range part.batches {
		seg.MaxTimestamp = max(seg.MaxTimestamp, b.maxTS)
	}
	return []logstore.Segment{seg}, nil
}

// Size returns the bytes of p's stored batches. Errors wrap
// log.ErrUnknownPartition or log.ErrClosed.
func (s *Store) Size(p topic.Partition) (int64, error) {
	part, err := s.lock("size of", p)
	if err != nil {
		return 0, err
	}
	defer part.mu.Unlock()
	return part.size, nil
}

// Watch registers fn to be called after each append to p, on the appending
// goroutine with no lock held, so fn must return quickly (a non-blocking
// channel send, say). fn is also called once when p is deleted or replaced
// and when the store closes. After cancel returns, fn is not called for later
// appends; cancel is idempotent. Errors wrap log.ErrUnknownPartition or
// log.ErrClosed.
func (s *Store) Watch(p topic.Partition, fn func()) (func(), error) {
	part, err := s.lock("watch", p)
	if err != nil {
		return nil, err
	}
	defer part.mu.Unlock()
	key := part.nextW
	part.nextW++
	part.watchers[key] = fn
	return func() {
		part.mu.Lock()
		defer part.mu.Unlock()
		delete(part.watchers, key) // no-op when gone (nil map) or already cancelled
	}, nil
}

// Close drops every partition and calls every watcher once. Later calls
// return errors wrapping log.ErrClosed. Close is idempotent and returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	parts := maps.Clone(s.parts)
	s.parts = map[topic.Partition]*partition{}
	s.mu.Unlock()
	for _, part := range parts {
		notify(part.retire())
	}
	return nil
}
