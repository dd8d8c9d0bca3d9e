// Package memmeta is an in-memory metastore.Store for unit tests and for
// single-process tools that need no durability.
//
// The store keeps its keys in one sorted slice that is never modified once
// published: Apply builds a new slice (copy on write) and swaps it in. Readers
// therefore never lock, a Scan iterates a consistent snapshot, and fn may call
// back into the store. Apply costs O(n + k log k) for n stored keys and k ops,
// which is fine for the small key counts of metadata; "durable" means only
// "visible to every later call" here, since nothing survives the process.
package memmeta

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/chronik-stream/chronik/ports/metastore"
)

// entry is one stored key and value. Entries are owned by the store and never
// mutated after they are published in a snapshot.
type entry struct {
	key   []byte
	value []byte
}

// Store is an in-memory, ordered key-value store implementing
// metastore.Store. The zero value is not usable; call New. All methods are
// safe for concurrent use.
type Store struct {
	mu     sync.Mutex              // serialises Apply and Close
	snap   atomic.Pointer[[]entry] // sorted by key, immutable once stored
	closed atomic.Bool
}

var _ metastore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	s := &Store{}
	s.snap.Store(&[]entry{})
	return s
}

// snapshot returns the current sorted entries, or ErrClosed.
func (s *Store) snapshot(op string) ([]entry, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("memmeta: %s: %w", op, metastore.ErrClosed)
	}
	return *s.snap.Load(), nil
}

func compareEntry(e entry, key []byte) int { return bytes.Compare(e.key, key) }

// Get returns a copy of key's value, or an error wrapping
// metastore.ErrNotFound when key is absent, or metastore.ErrClosed after
// Close. A key put with a nil or empty value reads back as an empty, non-nil
// slice.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memmeta: get %q: %w", key, err)
	}
	snap, err := s.snapshot("get")
	if err != nil {
		return nil, err
	}
	i, ok := slices.BinarySearchFunc(snap, key, compareEntry)
	if !ok {
		return nil, fmt.Errorf("memmeta: get %q: %w", key, metastore.ErrNotFound)
	}
	return append([]byte{}, snap[i].value...), nil
}

// Scan calls fn, in ascending key order, for every key that starts with
// prefix (every key when prefix is empty) in the snapshot current when Scan
// starts; writes made meanwhile, including by fn, are not seen. fn receives
// copies it may keep or modify. An error from fn, or the end of ctx, stops
// the scan and is returned. After Close it returns metastore.ErrClosed.
func (s *Store) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error {
	snap, err := s.snapshot("scan")
	if err != nil {
		return err
	}
	i, _ := slices.BinarySearchFunc(snap, prefix, compareEntry)
	for _, e := range snap[i:] {
		if !bytes.HasPrefix(e.key, prefix) {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memmeta: scan %q: %w", prefix, err)
		}
		if err := fn(slices.Clone(e.key), append([]byte{}, e.value...)); err != nil {
			return err
		}
	}
	return nil
}

// Apply performs ops atomically, in order (the last op on a key wins): a
// concurrent reader sees all of them or none. It copies keys and values, so
// the caller may reuse them once Apply returns. Deleting an absent key is not
// an error. After Close it returns metastore.ErrClosed and changes nothing.
func (s *Store) Apply(ctx context.Context, ops ...metastore.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memmeta: apply: %w", err)
	}
	if len(ops) == 0 {
		_, err := s.snapshot("apply")
		return err
	}
	// Copy the ops, sort them by key keeping their order among equal keys,
	// and keep only the last op of each key.
	pending := make([]metastore.Op, len(ops))
	for i, op := range ops {
		pending[i] = metastore.Op{Key: bytes.Clone(op.Key), Delete: op.Delete}
		if !op.Delete {
			pending[i].Value = append([]byte{}, op.Value...)
		}
		if pending[i].Key == nil {
			pending[i].Key = []byte{}
		}
	}
	slices.SortStableFunc(pending, func(a, b metastore.Op) int { return bytes.Compare(a.Key, b.Key) })
	last := pending[:0]
	for i, op := range pending {
		if i+1 < len(pending) && bytes.Equal(op.Key, pending[i+1].Key) {
			continue
		}
		last = append(last, op)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.snapshot("apply")
	if err != nil {
		return err
	}
	next := make([]entry, 0, len(old)+len(last))
	i := 0
	for _, op := range last {
		for i < len(old) && bytes.Compare(old[i].key, op.Key) < 0 {
			next = append(next, old[i])
			i++
		}
		if i < len(old) && bytes.Equal(old[i].key, op.Key) {
			i++ // replaced or deleted
		}
		if !op.Delete {
			next = append(next, entry{key: op.Key, value: op.Value})
		}
	}
	next = append(next, old[i:]...)
	s.snap.Store(&next)
	return nil
}

// Close drops the contents. Later calls return metastore.ErrClosed. Close is
// idempotent and always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	s.snap.Store(&[]entry{})
	return nil
}
