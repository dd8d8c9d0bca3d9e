package kafkawire

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestByteBudget(t *testing.T) {
	b := newByteBudget(100)
	ctx := context.Background()
	if err := b.acquire(ctx, nil, 60); err != nil {
		t.Fatal(err)
	}
	if err := b.acquire(ctx, nil, 40); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, nil, 10) }()
	select {
	case err := <-got:
		t.Fatalf("acquired beyond the limit: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(40)
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	// A request larger than the whole budget is admitted alone.
	b.release(60)
	b.release(10)
	if err := b.acquire(ctx, nil, 500); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.acquire(cctx, nil, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting acquire not ended by its context: %v", err)
	}
}

// Frames that each hold part of a spent budget never wait on one another
// forever: when only open frames hold it, the oldest goes over the limit.
// Bytes of a request being answered will come back, so then everyone waits.
func TestByteBudgetOldestFrameGoesOver(t *testing.T) {
	b := newByteBudget(100)
	ctx := context.Background()
	var first, second ticket
	b.begin(&first)
	b.begin(&second)
	if err := b.acquire(ctx, &first, 60); err != nil {
		t.Fatal(err)
	}
	if err := b.acquire(ctx, &second, 40); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, &second, 10) }()
	select {
	case err := <-got:
		t.Fatalf("the younger frame went over the limit: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := b.acquire(ctx, &first, 10); err != nil { // the oldest may
		t.Fatal(err)
	}
	b.end(&first) // read: its 70 bytes are now a request's, being answered
	select {
	case err := <-got:
		t.Fatalf("a frame went over the limit while a request held budget: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(70) // answered
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	b.end(&second)
	if used := b.inUse(); used != 50 {
		t.Fatalf("%d bytes in use, want 50", used)
	}
}
