package textsearch

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// partJob is one partition of a search and, once searched, what its
// indexes answered.
type partJob struct {
	t       topic.Topic
	n       int32
	mapping search.Mapping

	taken    bool // its view was taken: position is set
	position int64
	answers  []textindex.Answer // one per index searched without error, in the view's order
	err      error
	held     bool // holds a window token until merged
	done     bool
}

// fanOut searches the partitions of one search concurrently and merges
// their answers in the partitions' order, whatever order they finish in,
// so that the merged answer does not depend on timing.
//
// Ownership: run starts at most width partition workers and, for each
// partition's indexes, at most GOMAXPROCS index searches at once (idx);
// run returns after every goroutine it started has ended. A worker pins
// one partition's view at a time. Answers wait to be merged until the
// partitions before them are; window bounds the partitions searched but
// not merged yet (2*width), so a slow first partition cannot make the
// others pile up their aggregation states.
//
// The first error that is not the search's timeout cancels the rest and
// is the search's error. Past the deadline, partitions not started are
// skipped and the answer is marked timed out, as before.
type fanOut struct {
	s        *Service
	req      search.Request
	deadline time.Time
	aggs     *search.AggState
	jobs     []*partJob

	parts []search.Result // merged: the indexes' results in order

	mu       sync.Mutex
	next     int // the first job not merged yet
	timedOut bool
	err      error
	cancel   context.CancelFunc
	window   chan struct{}
}

// run searches every job; it reports whether the search timed out, or
// the search's error. ctx is the caller's, sctx the search's (with its
// timeout).
func (f *fanOut) run(ctx, sctx context.Context) (bool, error) {
	if len(f.jobs) == 0 {
		return false, nil
	}
	wctx, cancel := context.WithCancel(sctx)
	defer cancel()
	f.cancel = cancel
	procs := runtime.GOMAXPROCS(0)
	width := min(procs, len(f.jobs))
	f.window = make(chan struct{}, 2*width)
	idx := make(chan struct{}, procs)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range width {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(taken.Add(1) - 1)
				if i >= len(f.jobs) {
					return
				}
				j := f.jobs[i]
				select {
				case f.window <- struct{}{}:
					j.held = true
					f.search(ctx, sctx, wctx, j, idx)
				case <-wctx.Done():
					j.err = wctx.Err()
				}
				f.complete(ctx, sctx, i)
			}
		}()
	}
	wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timedOut, f.err
}

// isTimeout tells the search's own timeout from other errors.
func isTimeout(ctx, sctx context.Context) bool { return sctx.Err() != nil && ctx.Err() == nil }

// search takes j's view and searches its indexes.
func (f *fanOut) search(ctx, sctx, wctx context.Context, j *partJob, idx chan struct{}) {
	if f.s.clk.Now().After(f.deadline) {
		f.mu.Lock()
		f.timedOut = true
		f.mu.Unlock()
		return
	}
	v, err := f.s.take(wctx, j.t, j.n)
	if err != nil {
		j.err = err
		f.failed(ctx, sctx, err)
		return
	}
	defer f.s.cache.unpin(v.pins)
	j.taken, j.position = true, v.position
	answers := make([]textindex.Answer, len(v.indexes))
	errs := make([]error, len(v.indexes))
	var wg sync.WaitGroup
	for k, index := range v.indexes {
		select {
		case idx <- struct{}{}:
		case <-wctx.Done():
			errs[k] = wctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-idx }()
			answers[k], errs[k] = searchIndex(wctx, &v, index, f.req, j.mapping)
			if errs[k] != nil {
				f.failed(ctx, sctx, errs[k])
			}
		}()
	}
	wg.Wait()
	for k := range answers {
		if errs[k] != nil {
			if j.err == nil {
				j.err = errs[k]
			}
			continue
		}
		j.answers = append(j.answers, answers[k])
	}
}

// failed records err: a timeout marks the answer; any other error is the
// search's (the first one) and cancels the rest.
func (f *fanOut) failed(ctx, sctx context.Context, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if isTimeout(ctx, sctx) {
		f.timedOut = true
		return
	}
	if f.err == nil {
		f.err = err
		f.cancel()
	}
}

// complete marks job i searched and merges every searched job from the
// first unmerged one on.
func (f *fanOut) complete(ctx, sctx context.Context, i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[i].done = true
	for f.next < len(f.jobs) && f.jobs[f.next].done {
		j := f.jobs[f.next]
		f.next++
		if j.held {
			<-f.window
		}
		if j.err != nil {
			if isTimeout(ctx, sctx) {
				f.timedOut = true
			} else if f.err == nil {
				f.err = j.err
				f.cancel()
			}
		}
		if f.err != nil {
			j.answers = nil
			continue
		}
		for _, a := range j.answers {
			f.parts = append(f.parts, a.Result)
			if err := f.aggs.Merge(a.Partial); err != nil {
				f.err = err
				f.cancel()
				break
			}
		}
		j.answers = nil
	}
}
