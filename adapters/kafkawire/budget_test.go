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
	if err := b.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if err := b.acquire(ctx, 40); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, 10) }()
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
	if err := b.acquire(ctx, 500); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.acquire(cctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting acquire not ended by its context: %v", err)
	}
}
