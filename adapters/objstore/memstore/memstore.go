// Package memstore is an in-memory objstore.Bucket for unit tests and for
// single-process tools that need no durability.
//
// Objects live in a map guarded by one RWMutex; every object is copied on the
// way in and on the way out, so callers never share memory with the store.
// List sorts the matching keys on every call: O(n log n) for n objects, which
// is fine for the small buckets of tests.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/chronik-stream/chronik/ports/objstore"
)

// Store is an in-memory objstore.Bucket. The zero value is not usable; call
// New. All methods are safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	objects map[string][]byte // owned by the store, never mutated in place
	closed  bool
}

var _ objstore.Bucket = (*Store)(nil)

// New returns an empty bucket.
func New() *Store { return &Store{objects: make(map[string][]byte)} }

// check returns the first reason op on key must not run: closed, an invalid
// key, or a done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	return objstore.CheckCall(ctx, "memstore", op, key, s.closed, nil)
}

// Put stores a copy of data under key.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "put", key); err != nil {
		return err
	}
	s.objects[key] = slices.Clone(data)
	return nil
}

// PutIfAbsent stores a copy of data under key unless key exists, in which
// case it returns an error wrapping objstore.ErrExists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "put-if-absent", key); err != nil {
		return err
	}
	if _, ok := s.objects[key]; ok {
		return fmt.Errorf("memstore: put-if-absent %q: %w", key, objstore.ErrExists)
	}
	s.objects[key] = slices.Clone(data)
	return nil
}

// Get returns a copy of the object under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	return s.GetRange(ctx, key, 0, -1)
}

// GetRange returns a copy of part of the object under key; see
// objstore.Bucket.GetRange.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	data, ok := s.objects[key]
	if !ok {
		return nil, fmt.Errorf("memstore: get %q: %w", key, objstore.ErrNotFound)
	}
	start, end, err := objstore.Range(int64(len(data)), offset, length)
	if err != nil {
		return nil, fmt.Errorf("memstore: get %q: %w", key, err)
	}
	return append([]byte{}, data[start:end]...), nil
}

// List returns one page of the objects whose keys start with prefix; the
// page token is the last key of the previous page.
func (s *Store) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	pageSize = objstore.PageSize(pageSize)
	s.mu.RLock()
	if err := objstore.CheckList(ctx, "memstore", prefix, s.closed); err != nil {
		s.mu.RUnlock()
		return nil, "", err
	}
	var all []objstore.ObjectInfo
	for k, v := range s.objects {
		if strings.HasPrefix(k, prefix) && k > pageToken {
			all = append(all, objstore.ObjectInfo{Key: k, Size: int64(len(v))})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b objstore.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	if len(all) <= pageSize {
		return all, "", nil
	}
	page := all[:pageSize:pageSize]
	return page, page[pageSize-1].Key, nil
}

// Delete removes the object under key, if any.
func (s *Store) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	delete(s.objects, key)
	return nil
}

// Close drops every object. Idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.objects = nil
	return nil
}
