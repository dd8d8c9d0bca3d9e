// Package metastore is the port for the node's metadata: topics, configs,
// producer ids and every other small piece of durable state, kept as ordered
// keys and values.
package metastore

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Get for an absent key.
var ErrNotFound = errors.New("metastore: key not found")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("metastore: closed")

// Op is one write of an atomic batch: a put, or a delete when Delete is set.
type Op struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// Put builds a put.
func Put(key, value []byte) Op { return Op{Key: key, Value: value} }

// Del builds a delete.
func Del(key []byte) Op { return Op{Key: key, Delete: true} }

// Store is an ordered, durable key-value store. Safe for concurrent use.
// Slices passed in may be reused by the caller after a call returns; slices
// returned are the caller's.
type Store interface {
	// Get returns the value of key, or ErrNotFound.
	Get(ctx context.Context, key []byte) ([]byte, error)
	// Scan calls fn for every key with the prefix, in ascending key order. The
	// slices passed to fn are valid only during the call. An error from fn
	// stops the scan and is returned.
	Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error
	// Apply performs ops atomically and durably: after it returns nil, all of
	// them survive a crash; after an error, none or all of them may.
	Apply(ctx context.Context, ops ...Op) error
	// Close releases the store. Idempotent.
	Close() error
}
