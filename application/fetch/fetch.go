// Package fetch is the use case for reading partitions: fetches that
// long-poll until enough bytes arrive, and offset look-ups.
package fetch

import (
	"context"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// Service reads partitions. Safe for concurrent use.
type Service struct {
	logs  logstore.Store
	tiers Tiers // nil when logs has no object-store tier
}

// Tiers is what fetch needs of a log store with an object-store tier
// (application/tiering.Store) to answer ListOffsets' EarliestLocal and
// LatestTiered. It is optional: without it EarliestLocal is the log start
// and LatestTiered is -1, as for a topic with nothing tiered.
//
// Implementations must be safe for concurrent use and describe the same
// partitions as the Store passed with them to New.
type Tiers interface {
	// LocalOffsets are p's watermarks on local disk alone; it returns an
	// error wrapping log.ErrUnknownPartition when p does not exist.
	LocalOffsets(p topic.Partition) (log.Offsets, error)
	// RemoteEnd is the offset up to which p's records are in the object
	// store (at most its log start when nothing is, 0 when p is unknown).
	RemoteEnd(p topic.Partition) int64
}

// New builds the service. tiers may be nil when logs is not tiered.
func New(logs logstore.Store, tiers Tiers) *Service { return &Service{logs: logs, tiers: tiers} }

// Partition asks for one partition's records.
type Partition struct {
	Partition topic.Partition
	Offset    int64
	MaxBytes  int
}

// Request is one fetch across partitions.
type Request struct {
	MaxWait  time.Duration // longest wait for MinBytes
	MinBytes int
	MaxBytes int // across all partitions; <= 0 means no limit
	Parts    []Partition
}

// Result is one partition's answer.
type Result struct {
	Records []byte
	Offsets log.Offsets
	Err     error
}

// Memory bounds the record bytes that fetches hold across the node. Fetches
// take from it without waiting: one that finds too little free answers at
// once, throttled, so that no fetch ever waits on another's memory. Safe for
// concurrent use.
type Memory interface {
	// TryTake takes as many bytes as are free, up to most, and returns how
	// many; 0 (taking nothing) when fewer than least are free.
	TryTake(least, most int64) int64
	// Release gives back n bytes taken by TryTake.
	Release(n int64)
}

// MinTake is the least a fetch reads with (or twice its min_bytes, if more;
// or its whole bound, if less): a fetch that cannot take this much from
// Memory is throttled.
const MinTake = 64 << 10

// Outcome is a fetch's answer.
type Outcome struct {
	Results []Result // in request order
	// Held is what the records of Results hold of Memory; the caller
	// releases it once it is done with them.
	Held int64
	// Throttled: Memory had too little free, and no records were read.
	Throttled bool
}

// Fetch reads every partition; if fewer than MinBytes came back and no
// partition failed, it waits for new data until MaxWait has passed. Results
// are in request order.
func (s *Service) Fetch(ctx context.Context, req Request) []Result {
	return s.FetchWithin(ctx, req, nil).Results
}

// FetchWithin is Fetch with its records' bytes taken from mem (nil: no
// bound). Each read takes up to the request's bound from mem before it
// reads, returns what it did not use, and reads no further than what it
// got; a fetch that waits for data holds nothing while it waits. The first
// batch is returned whole (KIP-74) only if mem has room for it.
func (s *Service) FetchWithin(ctx context.Context, req Request, mem Memory) Outcome {
	if req.MaxWait <= 0 || req.MinBytes <= 0 || len(req.Parts) == 0 {
		out, _ := s.read(ctx, req, mem)
		return out
	}
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	cancels := make([]func(), 0, len(req.Parts))
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for _, p := range req.Parts {
		if c, err := s.logs.Watch(p.Partition, notify); err == nil {
			cancels = append(cancels, c)
		}
	}
	timer := time.NewTimer(req.MaxWait)
	defer timer.Stop()
	for {
		out, done := s.read(ctx, req, mem)
		if done {
			return out
		}
		// Nothing is held while waiting: the last read is done again.
		if mem != nil {
			mem.Release(out.Held)
		}
		select {
		case <-wake:
		case <-timer.C:
			out, _ = s.read(ctx, req, mem)
			return out
		case <-ctx.Done():
			out, _ = s.read(ctx, req, mem)
			return out
		}
	}
}

// Enough reports whether results answer a fetch that wants minBytes: some
// partition failed, or they hold at least minBytes of records (Fetch with
// no wait returns such results when it would otherwise have waited).
func Enough(results []Result, minBytes int) bool {
	total := 0
	for _, r := range results {
		if r.Err != nil {
			return true
		}
		total += len(r.Records)
	}
	return total >= minBytes
}

// read reads all partitions once; done reports whether the fetch may answer.
func (s *Service) read(ctx context.Context, req Request, mem Memory) (out Outcome, done bool) {
	res := make([]Result, len(req.Parts))
	out.Results = res
	maxBytes := req.MaxBytes
	if mem != nil {
		bound := int64(maxBytes)
		if bound <= 0 {
			for _, p := range req.Parts {
				bound += int64(max(p.MaxBytes, 0))
			}
		}
		// Twice min_bytes, so that a long poll's read is not cut short of
		// min_bytes by the next batch not fitting what it took (it would
		// then wait its whole max wait).
		got := mem.TryTake(min(max(MinTake, 2*int64(max(req.MinBytes, 0))), bound), bound)
		if got == 0 {
			s.offsetsOnly(req, res)
			out.Throttled = true
			return out, true
		}
		out.Held = got
		maxBytes = int(got)
	}
	total := 0
	failed := false
	for i, p := range req.Parts {
		r := &res[i]
		r.Offsets, r.Err = s.logs.Offsets(p.Partition)
		if r.Err != nil {
			failed = true
			continue
		}
		limit := p.MaxBytes
		if maxBytes > 0 {
			limit = min(limit, maxBytes-total)
		}
		if limit <= 0 && total > 0 {
			continue
		}
		// The first bytes of a response are returned even when the batch
		// exceeds the limits, so that a large batch never blocks a consumer.
		r.Records, r.Err = s.logs.Read(ctx, p.Partition, p.Offset, max(limit, 0), total == 0)
		if r.Err != nil {
			failed = true
			continue
		}
		total += len(r.Records)
	}
	if mem != nil {
		switch used := int64(total); {
		case used > out.Held:
			// A first batch larger than what was taken: kept only if
			// memory has room for the rest of it, or for all of it once
			// what was taken is given back (memory that holds nothing
			// gives anything, so a batch larger than all of it is still
			// served, alone).
			if extra := used - out.Held; mem.TryTake(extra, extra) == 0 {
				mem.Release(out.Held)
				if mem.TryTake(used, used) == used {
					out.Held = used
					break
				}
				for i := range res {
					res[i].Records = nil
				}
				out.Held, out.Throttled = 0, true
				return out, true
			}
			out.Held = used
		default:
			mem.Release(out.Held - used)
			out.Held = used
		}
	}
	return out, failed || total >= req.MinBytes
}

// offsetsOnly fills each result's offsets (or error) without reading.
func (s *Service) offsetsOnly(req Request, res []Result) {
	for i, p := range req.Parts {
		res[i].Offsets, res[i].Err = s.logs.Offsets(p.Partition)
	}
}

// Special timestamps of ListOffsets.
const (
	Latest        = -1
	Earliest      = -2
	MaxTimestamp  = -3
	EarliestLocal = -4
	LatestTiered  = -5
)

// ListOffset answers Kafka's ListOffsets for one partition: the offset (and
// its timestamp) for a timestamp or one of the special values above.
func (s *Service) ListOffset(ctx context.Context, p topic.Partition, ts int64) (offset, timestamp int64, err error) {
	o, err := s.logs.Offsets(p)
	if err != nil {
		return -1, -1, err
	}
	switch ts {
	case Latest:
		return o.HighWatermark, -1, nil
	case Earliest:
		return o.LogStart, -1, nil
	case EarliestLocal:
		if s.tiers != nil {
			local, err := s.tiers.LocalOffsets(p)
			return local.LogStart, -1, err
		}
		return o.LogStart, -1, nil
	case MaxTimestamp:
		return o.MaxTimestampOffset, o.MaxTimestamp, nil
	case LatestTiered:
		if s.tiers != nil {
			if end := s.tiers.RemoteEnd(p); end > o.LogStart {
				return end - 1, -1, nil
			}
		}
		return -1, -1, nil
	}
	return s.logs.OffsetForTimestamp(ctx, p, ts)
}

// Batch returns the whole batch holding offset.
func (s *Service) Batch(ctx context.Context, p topic.Partition, offset int64) ([]byte, error) {
	return s.logs.Read(ctx, p, offset, 1, true)
}

// Offsets returns a partition's watermarks.
func (s *Service) Offsets(p topic.Partition) (log.Offsets, error) { return s.logs.Offsets(p) }

// DeleteRecords moves a partition's log start to before (-1: the high watermark).
func (s *Service) DeleteRecords(ctx context.Context, p topic.Partition, before int64) (int64, error) {
	if before == -1 {
		o, err := s.logs.Offsets(p)
		if err != nil {
			return -1, err
		}
		before = o.HighWatermark
	}
	if before < 0 {
		return -1, log.ErrOffsetOutOfRange
	}
	return s.logs.DeleteRecords(ctx, p, before)
}

// Size is the bytes a partition occupies on disk.
func (s *Service) Size(p topic.Partition) (int64, error) { return s.logs.Size(p) }
