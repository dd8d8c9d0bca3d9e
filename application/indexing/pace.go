package indexing

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Appends counts what producers append to the node's logs, so that the
// pipeline can give way to a burst of produce (Config.BusyBytesPerSec).
type Appends interface {
	// AppendedBytes returns the bytes of record batches appended since
	// the node started; it never decreases. Safe for concurrent use.
	AppendedBytes() int64
}

const (
	// rateWindow is the shortest span over which the produce rate is
	// measured: it is updated at most this often.
	rateWindow = 100 * time.Millisecond
	// maxPause bounds one pause, so that a long step (a seal) is not
	// followed by seconds without indexing.
	maxPause = time.Second
)

// pacer tells whether producers append faster than Config.BusyBytesPerSec
// and holds a worker back after each step while they do. Safe for
// concurrent use.
type pacer struct {
	appends Appends // nil: never busy
	limit   float64 // bytes/s at and above which produce is busy; <= 0: never
	share   int     // percent of a worker's time it may work while busy

	paused atomic.Int64 // nanoseconds workers have paused

	mu        sync.Mutex
	lastBytes int64
	lastAt    time.Time
	busy      bool
}

// producing reports whether the produce rate, measured over the last
// rateWindow or more, is at or above the limit.
func (pc *pacer) producing(now time.Time) bool {
	if pc.appends == nil || pc.limit <= 0 || pc.share >= 100 {
		return false
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.lastAt.IsZero() {
		pc.lastBytes, pc.lastAt = pc.appends.AppendedBytes(), now
		return pc.busy
	}
	if el := now.Sub(pc.lastAt); el >= rateWindow {
		n := pc.appends.AppendedBytes()
		pc.busy = float64(n-pc.lastBytes)/el.Seconds() >= pc.limit
		pc.lastBytes, pc.lastAt = n, now
	}
	return pc.busy
}

// pause is how long a worker that just worked for took waits while
// produce is busy, so that it works share percent of its time: 0 when
// produce is not busy.
func (pc *pacer) pause(now time.Time, took time.Duration) time.Duration {
	if took <= 0 || !pc.producing(now) {
		return 0
	}
	return min(took*time.Duration(100-pc.share)/time.Duration(pc.share), maxPause)
}

// giveWay waits for d or until ctx ends, and counts the wait.
func (pc *pacer) giveWay(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	pc.paused.Add(int64(time.Since(start)))
}

// Paused returns how long the workers have paused, together, to give way
// to produce since the pipeline was made.
func (p *Pipeline) Paused() time.Duration { return time.Duration(p.pace.paused.Load()) }
