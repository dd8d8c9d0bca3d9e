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
	logs logstore.Store
}

// New builds the service.
func New(logs logstore.Store) *Service { return &Service{logs: logs} }

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

// Fetch reads every partition; if fewer than MinBytes came back and no
// partition failed, it waits for new data until MaxWait has passed. Results
// are in request order.
func (s *Service) Fetch(ctx context.Context, req Request) []Result {
	if req.MaxWait <= 0 || req.MinBytes <= 0 || len(req.Parts) == 0 {
		res, _ := s.read(ctx, req)
		return res
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
		res, done := s.read(ctx, req)
		if done {
			return res
		}
		select {
		case <-wake:
		case <-timer.C:
			return res
		case <-ctx.Done():
			return res
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
func (s *Service) read(ctx context.Context, req Request) (res []Result, done bool) {
	res = make([]Result, len(req.Parts))
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
		if req.MaxBytes > 0 {
			limit = min(limit, req.MaxBytes-total)
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
	return res, failed || total >= req.MinBytes
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
		if t, ok := s.logs.(tiered); ok {
			local, err := t.LocalOffsets(p)
			return local.LogStart, -1, err
		}
		return o.LogStart, -1, nil
	case MaxTimestamp:
		return o.MaxTimestampOffset, o.MaxTimestamp, nil
	case LatestTiered:
		if t, ok := s.logs.(tiered); ok {
			if end := t.RemoteEnd(p); end > o.LogStart {
				return end - 1, -1, nil
			}
		}
		return -1, -1, nil
	}
	return s.logs.OffsetForTimestamp(ctx, p, ts)
}

// tiered is a log store with an object-store tier (application/tiering).
type tiered interface {
	LocalOffsets(p topic.Partition) (log.Offsets, error)
	RemoteEnd(p topic.Partition) int64
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
