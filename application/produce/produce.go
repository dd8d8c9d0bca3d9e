// Package produce is the use case for appending record batches: it checks
// sizes and timestamps, deduplicates idempotent producers' retries, and hands
// batches to the log store.
package produce

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/producer"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Metadata store keys.
const (
	keyNextProducerID = "producer/next-id" // int64: first id not yet handed out
	keyStatePrefix    = "producer/state/"  // + topic id hex + "/" + partition: snapshot
	idBlock           = 1000               // producer ids reserved per metadata write
	replayChunk       = 4 << 20            // bytes read at a time when rebuilding state
	snapshotInterval  = 30 * time.Second   // how often dirty producer state is saved
	snapshotWait      = 10 * time.Second   // longest wait for a snapshot's offsets to become durable
	maxEpoch          = int16(1<<15 - 1)   // producer epochs are int16
)

// Service appends batches. Safe for concurrent use.
type Service struct {
	logs   logstore.Store
	meta   metastore.Store
	clock  clock.Clock
	logger *slog.Logger

	mu    sync.Mutex // guards parts
	parts map[topic.Partition]*partition

	idMu   sync.Mutex // guards nextID, idLimit
	nextID int64
	limit  int64

	appended atomic.Int64 // bytes of batches appended
}

// partition is the producer state of one partition; mu serialises idempotent
// appends to it so that check, append and record are one step.
type partition struct {
	mu    sync.Mutex
	id    topic.ID
	state *producer.State // nil until loaded
	dirty bool
}

// New builds the service.
func New(logs logstore.Store, meta metastore.Store, clk clock.Clock, logger *slog.Logger) *Service {
	return &Service{logs: logs, meta: meta, clock: clk, logger: logger, parts: make(map[topic.Partition]*partition)}
}

// AppendedBytes returns the bytes of the batches Append has appended
// since the service was made (duplicates of idempotent retries included);
// it never decreases. Safe for concurrent use.
func (s *Service) AppendedBytes() int64 { return s.appended.Load() }

// Result is the outcome of appending one batch.
type Result struct {
	BaseOffset     int64
	LogAppendTime  int64 // -1 unless the topic uses LogAppendTime
	LogStartOffset int64
	// Durable resolves when the batch is durable. For a duplicate it resolves
	// when the original is.
	Durable logstore.Durable
}

// Append appends one v2 record batch to partition index of t. It takes
// ownership of batch.
func (s *Service) Append(ctx context.Context, t topic.Topic, index int32, batch []byte) (Result, error) {
	p, err := t.Partition(index)
	if err != nil {
		return Result{}, err
	}
	if limit := t.Int64(topic.MaxMessageBytes); int64(len(batch)) > limit {
		return Result{}, fmt.Errorf("%w: %d bytes, %s max.message.bytes is %d", log.ErrTooLarge, len(batch), t.Name, limit)
	}
	h, err := record.ParseHeader(batch)
	if err != nil {
		return Result{}, err
	}
	if h.Size() != len(batch) {
		return Result{}, fmt.Errorf("%w: batch declares %d bytes, request holds %d", record.ErrMalformed, h.Size(), len(batch))
	}
	res := Result{LogAppendTime: -1}
	if t.LogAppendTime() {
		// The CRC is recomputed below, so check the producer's first.
		if err := record.Verify(batch); err != nil {
			return Result{}, err
		}
		res.LogAppendTime = s.clock.Now().UnixMilli()
		record.SetLogAppendTime(batch, res.LogAppendTime)
	}
	if h.Idempotent() && !h.Control() {
		res.BaseOffset, res.Durable, err = s.appendIdempotent(ctx, t.ID, p, h, batch)
	} else {
		res.BaseOffset, res.Durable, err = s.logs.Append(ctx, p, batch)
	}
	if err != nil {
		return Result{}, err
	}
	s.appended.Add(int64(len(batch)))
	if o, err := s.logs.Offsets(p); err == nil {
		res.LogStartOffset = o.LogStart
	}
	return res, nil
}

func (s *Service) appendIdempotent(ctx context.Context, id topic.ID, p topic.Partition, h record.Header, batch []byte) (int64, logstore.Durable, error) {
	ps := s.partition(p, id)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if err := s.load(ctx, p, ps); err != nil {
		return 0, nil, err
	}
	verdict, dup, err := ps.state.Check(h.ProducerID, h.ProducerEpoch, h.BaseSequence, h.LastSequence())
	if err != nil {
		return 0, nil, err
	}
	if verdict == producer.Duplicate {
		return dup.BaseOffset, durableAt{logs: s.logs, p: p, next: dup.LastOffset + 1}, nil
	}
	base, d, err := s.logs.Append(ctx, p, batch)
	if err != nil {
		return 0, nil, err
	}
	ps.state.Record(h.ProducerID, h.ProducerEpoch, producer.Batch{
		FirstSeq: h.BaseSequence, LastSeq: h.LastSequence(),
		BaseOffset: base, LastOffset: base + int64(h.LastOffsetDelta),
	})
	ps.dirty = true
	return base, d, nil
}

func (s *Service) partition(p topic.Partition, id topic.ID) *partition {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps, ok := s.parts[p]
	if !ok || ps.id != id { // a recreated topic starts afresh
		ps = &partition{id: id}
		s.parts[p] = ps
	}
	return ps
}

func stateKey(id topic.ID, index int32) []byte {
	return []byte(fmt.Sprintf("%s%s/%d", keyStatePrefix, id, index))
}

// load rebuilds a partition's producer state from its last snapshot and the
// batches after it. Caller holds ps.mu.
func (s *Service) load(ctx context.Context, p topic.Partition, ps *partition) error {
	if ps.state != nil {
		return nil
	}
	offsets, err := s.logs.Offsets(p)
	if err != nil {
		return err
	}
	st := producer.NewState()
	from := offsets.LogStart
	snap, err := s.meta.Get(ctx, stateKey(ps.id, p.Index))
	switch {
	case err == nil && len(snap) >= 8:
		upTo := int64(binary.BigEndian.Uint64(snap))
		// A snapshot past the high watermark describes batches the log lost
		// in a crash; trusting it would turn their retries into false
		// duplicates. Rebuild from the log instead.
		if upTo <= offsets.HighWatermark && st.UnmarshalBinary(snap[8:]) == nil {
			from = max(upTo, offsets.LogStart)
		} else {
			st = producer.NewState()
		}
	case err != nil && !errors.Is(err, metastore.ErrNotFound):
		return fmt.Errorf("loading producer state of %s: %w", p, err)
	}
	for from < offsets.HighWatermark {
		b, err := s.logs.Read(ctx, p, from, replayChunk, true)
		if err != nil {
			return fmt.Errorf("replaying producer state of %s at %d: %w", p, from, err)
		}
		if len(b) == 0 {
			break
		}
		_, err = record.Split(b, func(h record.Header, _ []byte) error {
			if h.Idempotent() && !h.Control() {
				st.Record(h.ProducerID, h.ProducerEpoch, producer.Batch{
					FirstSeq: h.BaseSequence, LastSeq: h.LastSequence(),
					BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(),
				})
			}
			from = max(from, h.NextOffset())
			return nil
		})
		if err != nil {
			return fmt.Errorf("replaying producer state of %s: %w", p, err)
		}
	}
	ps.state = st
	return nil
}

// Run saves dirty producer state periodically until ctx ends, then once more.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(snapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Snapshot(context.Background())
			return
		case <-t.C:
			s.Snapshot(ctx)
		}
	}
}

// Snapshot saves the producer state of every partition changed since its
// last snapshot. A snapshot is written only once the offsets it covers are
// durable, so it never remembers a batch the log could lose.
func (s *Service) Snapshot(ctx context.Context) {
	s.mu.Lock()
	parts := make(map[topic.Partition]*partition, len(s.parts))
	for p, ps := range s.parts {
		parts[p] = ps
	}
	s.mu.Unlock()
	for p, ps := range parts {
		ps.mu.Lock()
		if !ps.dirty || ps.state == nil {
			ps.mu.Unlock()
			continue
		}
		o, err := s.logs.Offsets(p)
		if err != nil {
			ps.mu.Unlock()
			continue // deleted meanwhile
		}
		data, _ := ps.state.MarshalBinary()
		ps.dirty = false
		ps.mu.Unlock()

		wctx, cancel := context.WithTimeout(ctx, snapshotWait)
		err = (durableAt{logs: s.logs, p: p, next: o.LogEnd}).Wait(wctx)
		cancel()
		if err == nil {
			val := binary.BigEndian.AppendUint64(nil, uint64(o.LogEnd))
			err = s.meta.Apply(ctx, metastore.Put(stateKey(ps.id, p.Index), append(val, data...)))
		}
		if err != nil {
			s.logger.Warn("saving producer state failed; will retry", "partition", p.String(), "err", err)
			ps.mu.Lock()
			ps.dirty = true
			ps.mu.Unlock()
		}
	}
}

// InitProducerID hands out a producer id and epoch. With a known id and epoch
// (KIP-360) it bumps the epoch, fencing the older one; otherwise it allocates
// a new id.
func (s *Service) InitProducerID(ctx context.Context, id int64, epoch int16) (int64, int16, error) {
	if id >= 0 && epoch >= 0 && epoch < maxEpoch {
		return id, epoch + 1, nil
	}
	s.idMu.Lock()
	defer s.idMu.Unlock()
	if s.nextID == s.limit {
		next := int64(0)
		v, err := s.meta.Get(ctx, []byte(keyNextProducerID))
		switch {
		case err == nil && len(v) == 8:
			next = int64(binary.BigEndian.Uint64(v))
		case err != nil && !errors.Is(err, metastore.ErrNotFound):
			return 0, 0, fmt.Errorf("reading producer ids: %w", err)
		}
		if s.limit > next {
			next = s.limit
		}
		limit := next + idBlock
		if err := s.meta.Apply(ctx, metastore.Put([]byte(keyNextProducerID), binary.BigEndian.AppendUint64(nil, uint64(limit)))); err != nil {
			return 0, 0, fmt.Errorf("reserving producer ids: %w", err)
		}
		s.nextID, s.limit = next, limit
	}
	id = s.nextID
	s.nextID++
	return id, 0, nil
}

// durableAt waits until a partition's high watermark reaches next.
type durableAt struct {
	logs logstore.Store
	p    topic.Partition
	next int64
}

func (d durableAt) Wait(ctx context.Context) error {
	return WaitHighWatermark(ctx, d.logs, d.p, d.next)
}

// WaitHighWatermark blocks until p's high watermark is at least next.
func WaitHighWatermark(ctx context.Context, logs logstore.Store, p topic.Partition, next int64) error {
	wake := make(chan struct{}, 1)
	cancel, err := logs.Watch(p, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer cancel()
	for {
		o, err := logs.Offsets(p)
		if err != nil {
			return err
		}
		if o.HighWatermark >= next {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
