package objstoretest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/chronik-stream/chronik/ports/objstore"
)

// ErrInjected is the error a Faulty bucket returns while failing.
var ErrInjected = errors.New("objstoretest: injected object-store failure")

// Fault is what a Faulty bucket does to calls.
type Fault int

const (
	Pass Fault = iota // forward every call
	Fail              // return ErrInjected at once
	Hang              // block until the call's context ends or the fault changes
)

// Faulty wraps a Bucket and injects failures or hangs into every call but
// Close, for tests of the layers above the port. Safe for concurrent use.
type Faulty struct {
	objstore.Bucket

	mu      sync.Mutex
	fault   Fault
	changed chan struct{} // closed when the fault changes

	calls, faulted atomic.Int64
}

// NewFaulty wraps b, passing calls through until Set says otherwise.
func NewFaulty(b objstore.Bucket) *Faulty {
	return &Faulty{Bucket: b, changed: make(chan struct{})}
}

// Set changes the fault for calls from now on and releases hanging calls
// (which then follow the new fault).
func (f *Faulty) Set(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fault
	close(f.changed)
	f.changed = make(chan struct{})
}

// Calls is the number of calls made; Faulted those that failed or hung.
func (f *Faulty) Calls() int64   { return f.calls.Load() }
func (f *Faulty) Faulted() int64 { return f.faulted.Load() }

// gate applies the fault to one call.
func (f *Faulty) gate(ctx context.Context) error {
	f.calls.Add(1)
	for {
		f.mu.Lock()
		fault, changed := f.fault, f.changed
		f.mu.Unlock()
		switch fault {
		case Pass:
			return nil
		case Fail:
			f.faulted.Add(1)
			return ErrInjected
		}
		f.faulted.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (f *Faulty) Put(ctx context.Context, key string, data []byte) error {
	if err := f.gate(ctx); err != nil {
		return err
	}
	return f.Bucket.Put(ctx, key, data)
}

func (f *Faulty) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := f.gate(ctx); err != nil {
		return err
	}
	return f.Bucket.PutIfAbsent(ctx, key, data)
}

func (f *Faulty) Get(ctx context.Context, key string) ([]byte, error) {
	if err := f.gate(ctx); err != nil {
		return nil, err
	}
	return f.Bucket.Get(ctx, key)
}

func (f *Faulty) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := f.gate(ctx); err != nil {
		return nil, err
	}
	return f.Bucket.GetRange(ctx, key, offset, length)
}

func (f *Faulty) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	if err := f.gate(ctx); err != nil {
		return nil, "", err
	}
	return f.Bucket.List(ctx, prefix, pageToken, pageSize)
}

func (f *Faulty) Delete(ctx context.Context, key string) error {
	if err := f.gate(ctx); err != nil {
		return err
	}
	return f.Bucket.Delete(ctx, key)
}
