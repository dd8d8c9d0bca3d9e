package kafkawire

import (
	"context"
	"sync"
)

// DefaultInFlightBytes bounds the request bytes held in memory across all
// connections: frames being read, and frames read but not yet answered,
// counted at their decoded size (see amplification).
const DefaultInFlightBytes = 256 << 20

// byteBudget is a counting semaphore over bytes, taken by frames as their
// bytes arrive. Each frame being read holds a ticket. When the budget is
// spent and every byte of it is held by frames still being read (which
// could otherwise wait on one another forever), the oldest open frame may
// go over the limit; while any byte is held by a request being answered,
// which will release it, everyone waits. So one frame larger than the
// whole budget is still read, and the budget goes over its limit by at
// most one request.
type byteBudget struct {
	mu      sync.Mutex
	cond    *sync.Cond
	limit   int64
	used    int64
	reading int64 // the part of used held by open frames
	// Frames being read, oldest first: a list threaded through their
	// tickets, so that opening and closing a frame allocates nothing.
	oldest, newest *ticket

	peak    int64 // most bytes held by TryTake callers at once (for tests)
	refused int64 // TryTake calls that got nothing
}

// ticket is one frame's place in the budget's queue. A connection reads
// one frame at a time and reuses its ticket.
type ticket struct {
	prev, next *ticket
	held       int64 // taken under this ticket since begin
}

func newByteBudget(limit int64) *byteBudget {
	b := &byteBudget{limit: limit}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// begin opens a frame under t: its acquires rank after every frame opened
// before.
func (b *byteBudget) begin(t *ticket) {
	b.mu.Lock()
	t.prev, t.next, t.held = b.newest, nil, 0
	if b.newest != nil {
		b.newest.next = t
	} else {
		b.oldest = t
	}
	b.newest = t
	b.mu.Unlock()
}

// end closes t's frame (its bytes stay held until released): the next
// oldest frame may now go over the limit.
func (b *byteBudget) end(t *ticket) {
	b.mu.Lock()
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		b.oldest = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		b.newest = t.prev
	}
	t.prev, t.next = nil, nil
	b.reading -= t.held
	t.held = 0
	b.mu.Unlock()
	b.cond.Broadcast() // the next frame may be the oldest now
}

// acquire waits until n bytes fit, or t's frame is the oldest open one, or
// ctx ends. A nil t never goes over the limit, except into an empty budget.
func (b *byteBudget) acquire(ctx context.Context, t *ticket, n int64) error {
	b.mu.Lock()
	if b.fits(t, n) {
		b.take(t, n)
		b.mu.Unlock()
		return nil
	}
	b.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.fits(t, n) {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.cond.Wait()
	}
	b.take(t, n)
	return nil
}

func (b *byteBudget) take(t *ticket, n int64) {
	b.used += n
	if t != nil {
		t.held += n
		b.reading += n
	}
}

func (b *byteBudget) fits(t *ticket, n int64) bool {
	return b.used == 0 || b.used+n <= b.limit || t != nil && b.oldest == t && b.reading == b.used
}

func (b *byteBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// inUse is the bytes held now.
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// DefaultFetchResponseBytes bounds the record bytes of fetch responses held
// in memory across all connections, from the read of their records until
// they are written to the client.
const DefaultFetchResponseBytes = 256 << 20

// fetchShares: one take gets at most 1/fetchShares of the limit (or least,
// if more), so that at least that many fetches read at once before one is
// throttled. A fetch takes its bound before it reads, not knowing how much
// it will find, and gives back the rest after: without shares, a few
// fetches woken together by one append, each reading a few bytes, would
// take it all for a moment and throttle one another.
const fetchShares = 16

// TryTake takes as many bytes as are free, up to most (and up to a share of
// the limit), without waiting, and returns how many; 0 when fewer than least
// are free. An empty budget gives least even when it is larger than the
// limit, so that one batch larger than the whole budget is still served,
// alone. It never waits, so nothing that holds budget can wait on it:
// fetches take response bytes with it (fetch.Memory).
func (b *byteBudget) TryTake(least, most int64) int64 {
	most = max(least, min(most, b.limit/fetchShares))
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	switch free := b.limit - b.used; {
	case free >= most:
		n = most
	case free >= least:
		n = free
	case b.used == 0:
		n = least
	default:
		b.refused++
		return 0
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return n
}

// Release gives back n bytes taken by TryTake.
func (b *byteBudget) Release(n int64) { b.release(n) }
