// Package porttest holds what the ports' conformance suites (logstoretest,
// metastoretest, objstoretest) share: running a table of subtests, each on a
// fresh adapter that is closed when the subtest ends, then the close test on
// an adapter the test closes itself.
package porttest

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"
)

// Case is one subtest of a conformance suite: fn runs on a fresh adapter.
type Case[S any] struct {
	Name string
	Fn   func(t *testing.T, s S)
}

// Run runs every case as a subtest on an adapter opened with open and closed
// when the subtest ends (see Open), then testClose as the subtest
// "close_idempotent_and_use_after_close" on an adapter it leaves to testClose
// to close. what names the adapter in failures ("store", "bucket").
func Run[S io.Closer](t *testing.T, what string, open func(t *testing.T) S, cases []Case[S], testClose func(t *testing.T, s S)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			tc.Fn(t, Open(t, what, open))
		})
	}
	t.Run("close_idempotent_and_use_after_close", func(t *testing.T) {
		testClose(t, open(t))
	})
}

// Open opens an adapter and closes it when the test ends (the ports' Close is
// idempotent, so open may register its own cleanup as well).
func Open[S io.Closer](t *testing.T, what string, open func(t *testing.T) S) S {
	t.Helper()
	s := open(t)
	if any(s) == nil {
		t.Fatalf("open returned a nil %s", what)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// CloseTwice closes c twice and fails the test unless both calls succeed
// (Close must be idempotent).
func CloseTwice(t *testing.T, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v (Close must be idempotent)", err)
	}
}

// Context is a context that ends with the test or after d.
func Context(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// ReadsRacingWrite runs write in one goroutine and each of reads in another,
// calling it again and again until write has returned or it returns false
// (having reported what it saw); it returns when all have returned. Suites
// use it to check that readers never see a write half done.
func ReadsRacingWrite(write func(), reads ...func() bool) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		write()
	})
	for _, read := range reads {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if !read() {
					return
				}
			}
		})
	}
	wg.Wait()
}

// Reopen closes s and opens the adapter kept in dir again, closing it when
// the test ends: the step of the durable suites' restart tests.
func Reopen[S io.Closer](t *testing.T, what string, s S, dir string, open func(t *testing.T, dir string) S) S {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return Open(t, what, func(t *testing.T) S { return open(t, dir) })
}
