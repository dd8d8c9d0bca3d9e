// Package producer holds the idempotent-producer rules of one partition: per
// producer id, the epoch and the last five batches' sequence ranges. It is a
// deterministic state machine: offsets and ids are inputs.
package producer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Remembered is how many recent batches per producer are kept for duplicate
// detection; Kafka clients keep at most five in flight.
const Remembered = 5

// Errors owned by this package.
var (
	ErrInvalidEpoch = errors.New("producer epoch is older than the current one")
	ErrOutOfOrder   = errors.New("out of order sequence number")
	ErrUnknown      = errors.New("unknown producer id")
	// ErrTransactionsUnsupported: a producer asked for a transactional id,
	// and this broker has no transactions yet.
	ErrTransactionsUnsupported = errors.New("transactions are not supported by this broker: produce without a transactional id (idempotent producers work)")
)

// Batch is what is remembered of one appended batch.
type Batch struct {
	FirstSeq, LastSeq int32
	BaseOffset        int64
	LastOffset        int64
}

// Entry is the state of one producer id on one partition.
type Entry struct {
	Epoch   int16
	Batches []Batch // oldest first, at most Remembered
}

// State is the producer state of one partition. Not safe for concurrent use.
type State struct {
	entries map[int64]*Entry
}

// NewState returns empty state.
func NewState() *State { return &State{entries: make(map[int64]*Entry)} }

// Verdict is the outcome of Check.
type Verdict int

// Verdicts.
const (
	Accept    Verdict = iota // append the batch, then call Record
	Duplicate                // already appended: answer with Batch
)

// Check decides what to do with an incoming batch of producer pid.
func (s *State) Check(pid int64, epoch int16, firstSeq, lastSeq int32) (Verdict, Batch, error) {
	e, ok := s.entries[pid]
	if !ok {
		if firstSeq != 0 {
			return 0, Batch{}, fmt.Errorf("%w: producer %d has no state here and sent sequence %d (expected 0)", ErrOutOfOrder, pid, firstSeq)
		}
		return Accept, Batch{}, nil
	}
	switch {
	case epoch < e.Epoch:
		return 0, Batch{}, fmt.Errorf("%w: producer %d sent epoch %d, current is %d", ErrInvalidEpoch, pid, epoch, e.Epoch)
	case epoch > e.Epoch:
		if firstSeq != 0 {
			return 0, Batch{}, fmt.Errorf("%w: producer %d bumped its epoch to %d with sequence %d (expected 0)", ErrOutOfOrder, pid, epoch, firstSeq)
		}
		return Accept, Batch{}, nil
	}
	for _, b := range e.Batches {
		if b.FirstSeq == firstSeq && b.LastSeq == lastSeq {
			return Duplicate, b, nil
		}
	}
	if len(e.Batches) == 0 {
		return Accept, Batch{}, nil
	}
	last := e.Batches[len(e.Batches)-1].LastSeq
	if want := nextSeq(last); firstSeq != want {
		return 0, Batch{}, fmt.Errorf("%w: producer %d epoch %d sent sequence %d, expected %d", ErrOutOfOrder, pid, epoch, firstSeq, want)
	}
	return Accept, Batch{}, nil
}

func nextSeq(s int32) int32 {
	if s == 1<<31-1 {
		return 0
	}
	return s + 1
}

// Record remembers an appended batch.
func (s *State) Record(pid int64, epoch int16, b Batch) {
	e, ok := s.entries[pid]
	if !ok || epoch > e.Epoch {
		e = &Entry{Epoch: epoch}
		s.entries[pid] = e
	}
	e.Batches = append(e.Batches, b)
	if n := len(e.Batches); n > Remembered {
		e.Batches = append(e.Batches[:0], e.Batches[n-Remembered:]...)
	}
}

// Fence forgets all but the epoch of pid, so that older epochs are refused.
func (s *State) Fence(pid int64, epoch int16) {
	e, ok := s.entries[pid]
	if ok && e.Epoch >= epoch {
		return
	}
	s.entries[pid] = &Entry{Epoch: epoch}
}

// Len is the number of producers tracked.
func (s *State) Len() int { return len(s.entries) }

// Lookup returns a copy of the entry for pid.
func (s *State) Lookup(pid int64) (Entry, bool) {
	e, ok := s.entries[pid]
	if !ok {
		return Entry{}, false
	}
	return Entry{Epoch: e.Epoch, Batches: append([]Batch(nil), e.Batches...)}, true
}

// snapshot format: u32 count, then per producer (sorted by id):
// i64 pid, i16 epoch, u8 n, n × (i32 first, i32 last, i64 base, i64 lastOffset).
const batchSize = 4 + 4 + 8 + 8

// MarshalBinary encodes the state deterministically.
func (s *State) MarshalBinary() ([]byte, error) {
	ids := slices.Sorted(maps.Keys(s.entries))
	b := binary.BigEndian.AppendUint32(nil, uint32(len(ids)))
	for _, id := range ids {
		e := s.entries[id]
		b = binary.BigEndian.AppendUint64(b, uint64(id))
		b = binary.BigEndian.AppendUint16(b, uint16(e.Epoch))
		b = append(b, byte(len(e.Batches)))
		for _, bt := range e.Batches {
			b = binary.BigEndian.AppendUint32(b, uint32(bt.FirstSeq))
			b = binary.BigEndian.AppendUint32(b, uint32(bt.LastSeq))
			b = binary.BigEndian.AppendUint64(b, uint64(bt.BaseOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(bt.LastOffset))
		}
	}
	return b, nil
}

// UnmarshalBinary replaces the state with a decoded snapshot.
func (s *State) UnmarshalBinary(b []byte) error {
	bad := func() error { return fmt.Errorf("producer state snapshot: truncated or malformed (%d bytes)", len(b)) }
	if len(b) < 4 {
		return bad()
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	entries := make(map[int64]*Entry)
	for i := uint32(0); i < n; i++ {
		if len(b) < 11 {
			return bad()
		}
		id := int64(binary.BigEndian.Uint64(b))
		e := &Entry{Epoch: int16(binary.BigEndian.Uint16(b[8:]))}
		nb := int(b[10])
		b = b[11:]
		if nb > Remembered || len(b) < nb*batchSize {
			return bad()
		}
		for j := 0; j < nb; j++ {
			e.Batches = append(e.Batches, Batch{
				FirstSeq:   int32(binary.BigEndian.Uint32(b)),
				LastSeq:    int32(binary.BigEndian.Uint32(b[4:])),
				BaseOffset: int64(binary.BigEndian.Uint64(b[8:])),
				LastOffset: int64(binary.BigEndian.Uint64(b[16:])),
			})
			b = b[batchSize:]
		}
		entries[id] = e
	}
	if len(b) != 0 {
		return bad()
	}
	s.entries = entries
	return nil
}
