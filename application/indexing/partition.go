package indexing

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
)

// part is one partition the pipeline feeds to at least one sink.
type part struct {
	tp topic.Partition
	id topic.ID

	// Under Pipeline.mu.
	want        []Sink // the sinks its topic enables now
	gone        bool   // its topic was deleted or replaced
	queued      bool   // in Pipeline.ready
	running     bool   // a worker has it
	again       bool   // queued while running: queue it when done
	cancelWatch func()
	stats       []Stats // published by the worker after each step

	// Owned by the worker running the part.
	feeds       []*feed
	json        document.JSONParser // learns the partition's field names
	undecodable int64
	skipped     int64
}

// feed is one (sink, partition).
type feed struct {
	sink    Sink
	opened  bool      // Open succeeded at next
	next    int64     // the next offset to hand the sink
	saved   int64     // the watermark in the metastore; -1 when none
	retryAt time.Time // after a failure, no call before this
	trimmed int64     // the log start last passed to Trim
	lastTS  int64     // largest timestamp of what was handed to the sink
	skipped int64     // records deleted by retention before the sink had them
}

// partKey tells a partition from the same partition of a topic deleted
// and created again under the same name.
type partKey struct {
	tp topic.Partition
	id topic.ID
}

// discover lists the topics, creates parts for partitions that enable a
// sink, marks parts of deleted topics gone, and queues every part.
func (p *Pipeline) discover() {
	topics := p.topics.List()
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	seen := map[partKey]bool{}
	var watch []*part
	for _, t := range topics {
		var want []Sink
		for _, s := range p.sinks {
			if s.Enabled(t) {
				want = append(want, s)
			}
		}
		for n := range t.Partitions {
			key := partKey{topic.Partition{Topic: t.Name, Index: n}, t.ID}
			pt := p.parts[key]
			if pt == nil {
				if len(want) == 0 {
					continue
				}
				pt = &part{tp: key.tp, id: t.ID}
				p.parts[key] = pt
			}
			seen[key] = true
			pt.want = want
			if pt.cancelWatch == nil {
				watch = append(watch, pt)
			}
		}
	}
	for k, pt := range p.parts {
		if !seen[k] {
			pt.gone = true
		}
		p.queueLocked(pt)
	}
	p.mu.Unlock()
	for _, pt := range watch {
		cancel, err := p.log.Watch(pt.tp, func() { p.queue(pt) })
		if err != nil {
			continue // not in the log store yet; the next tick tries again
		}
		p.mu.Lock()
		if pt.cancelWatch == nil && !pt.gone && !p.stopped {
			pt.cancelWatch, cancel = cancel, nil
		}
		p.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
	p.wake()
}

func (p *Pipeline) queue(pt *part) {
	p.mu.Lock()
	p.queueLocked(pt)
	p.mu.Unlock()
	p.wake()
}

func (p *Pipeline) queueLocked(pt *part) {
	switch {
	case p.stopped, pt.queued:
	case pt.running:
		pt.again = true
	default:
		pt.queued = true
		p.ready = append(p.ready, pt)
	}
}

func (p *Pipeline) wake() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (pt *part) unwatch() {
	if pt.cancelWatch != nil {
		pt.cancelWatch()
		pt.cancelWatch = nil
	}
}

// work runs queued parts until ctx ends.
func (p *Pipeline) work(ctx context.Context) {
	for {
		pt := p.next(ctx)
		if pt == nil {
			return
		}
		start := p.clk.Now()
		p.step(ctx, pt)
		now := p.clk.Now()
		p.mu.Lock()
		pt.running = false
		if pt.again {
			pt.again = false
			p.queueLocked(pt)
		}
		more := len(p.ready) > 0
		p.mu.Unlock()
		if more {
			p.wake()
		}
		p.pace.giveWay(ctx, p.pace.pause(now, now.Sub(start)))
	}
}

func (p *Pipeline) next(ctx context.Context) *part {
	for {
		p.mu.Lock()
		if len(p.ready) > 0 {
			pt := p.ready[0]
			p.ready[0] = nil
			p.ready = p.ready[1:]
			pt.queued, pt.running = false, true
			p.mu.Unlock()
			return pt
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-p.signal:
		}
	}
}

// step brings pt's feeds in line with what its topic wants, reads and
// indexes one chunk, lets the sinks flush and saves their watermarks.
func (p *Pipeline) step(ctx context.Context, pt *part) {
	p.mu.Lock()
	want, gone := pt.want, pt.gone
	p.mu.Unlock()
	if gone {
		want = nil
	}
	p.reconcile(ctx, pt, want)
	if len(pt.feeds) == 0 {
		p.mu.Lock()
		pt.unwatch()
		delete(p.parts, partKey{pt.tp, pt.id})
		p.mu.Unlock()
		return
	}
	offs, err := p.log.Offsets(pt.tp)
	if err != nil {
		if !errors.Is(err, log.ErrUnknownPartition) {
			p.logger.Warn("indexing: reading watermarks failed", "partition", pt.tp, "err", err)
		}
		return
	}
	now := p.clk.Now()
	for _, f := range pt.feeds {
		if !f.opened && !now.Before(f.retryAt) {
			p.open(ctx, pt, f, offs)
		}
	}
	if end, more := p.read(ctx, pt, offs, now); more && end < offs.HighWatermark {
		p.mu.Lock()
		pt.again = true
		p.mu.Unlock()
	}
	for _, f := range pt.feeds {
		if f.opened {
			p.flush(ctx, pt, f, false)
		}
		if f.opened && offs.LogStart > f.trimmed {
			if err := f.sink.Trim(ctx, pt.tp, offs.LogStart); err != nil {
				p.logger.Warn("indexing: trimming a sink failed", "sink", f.sink.Name(), "partition", pt.tp, "err", err)
			} else {
				f.trimmed = offs.LogStart
			}
		}
	}
	p.publish(pt, offs, now)
}

// reconcile drops the feeds of sinks no longer wanted and adds feeds for
// newly wanted ones.
func (p *Pipeline) reconcile(ctx context.Context, pt *part, want []Sink) {
	pt.feeds = slices.DeleteFunc(pt.feeds, func(f *feed) bool {
		if slices.Contains(want, f.sink) {
			return false
		}
		if err := p.drop(ctx, pt, f.sink); err != nil {
			p.logger.Warn("indexing: dropping a sink's data failed; retrying", "sink", f.sink.Name(), "partition", pt.tp, "err", err)
			return false
		}
		return true
	})
	for _, s := range want {
		if !slices.ContainsFunc(pt.feeds, func(f *feed) bool { return f.sink == s }) {
			pt.feeds = append(pt.feeds, &feed{sink: s, saved: -1, lastTS: -1})
		}
	}
}

// open starts f at its watermark, or at the log start when it has none.
func (p *Pipeline) open(ctx context.Context, pt *part, f *feed, offs log.Offsets) {
	from, found, err := p.loadWatermark(ctx, f.sink.Name(), pt.id, pt.tp.Index)
	if err != nil {
		p.fail(pt, f, "loading a watermark", err)
		return
	}
	if !found {
		from = offs.LogStart
	}
	if err := f.sink.Open(ctx, pt.tp, pt.id, from); err != nil {
		p.fail(pt, f, "opening a sink", err)
		return
	}
	f.opened, f.next = true, from
	if found {
		f.saved = from
	}
}

// read reads one chunk from the lowest position of pt's open feeds and
// hands each its part of it. It returns where the chunk ended and whether
// anything was read.
func (p *Pipeline) read(ctx context.Context, pt *part, offs log.Offsets, now time.Time) (int64, bool) {
	var feeds []*feed
	from := offs.HighWatermark
	for _, f := range pt.feeds {
		if !f.opened || now.Before(f.retryAt) {
			continue
		}
		if f.next < offs.LogStart {
			// Retention removed records this sink never had.
			f.skipped += offs.LogStart - f.next
			f.next = offs.LogStart
		}
		if f.next < offs.HighWatermark {
			feeds = append(feeds, f)
			from = min(from, f.next)
		}
	}
	if len(feeds) == 0 {
		return from, false
	}
	data, err := p.log.Read(ctx, pt.tp, from, p.cfg.ReadBytes, true)
	if errors.Is(err, log.ErrOffsetOutOfRange) {
		return from, true // the log start moved: the next step skips ahead
	}
	if err != nil {
		for _, f := range feeds {
			p.fail(pt, f, "reading the log", err)
		}
		return from, false
	}
	c, err := p.decode(ctx, pt, data, from)
	if err != nil {
		for _, f := range feeds {
			p.fail(pt, f, "reading the log", err)
		}
		return from, false
	}
	if c.end <= from {
		return from, false
	}
	for _, f := range feeds {
		if f.next >= c.end {
			continue
		}
		k, _ := slices.BinarySearchFunc(c.docs, f.next, func(d document.Document, off int64) int {
			return cmp.Compare(d.Offset, off)
		})
		if err := f.sink.Index(ctx, pt.tp, c.docs[k:], c.end); err != nil {
			p.fail(pt, f, "indexing", err)
			continue
		}
		f.next = c.end
		f.lastTS = max(f.lastTS, c.maxTS)
	}
	return c.end, true
}

// flush lets f's sink seal and saves its watermark when it moved.
func (p *Pipeline) flush(ctx context.Context, pt *part, f *feed, force bool) {
	durable, err := f.sink.Flush(ctx, pt.tp, force)
	if err != nil {
		p.fail(pt, f, "flushing", err)
		return
	}
	if durable <= f.saved {
		return
	}
	if err := p.saveWatermark(ctx, f.sink.Name(), pt.id, pt.tp.Index, durable); err != nil {
		p.logger.Warn("indexing: saving a watermark failed; retrying", "sink", f.sink.Name(), "partition", pt.tp, "err", err)
		return
	}
	f.saved = durable
}

// fail rewinds f after a failure: it is opened again at its watermark
// (the sink discards what it has past it) after RetryDelay.
func (p *Pipeline) fail(pt *part, f *feed, doing string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	p.logger.Warn("indexing: "+doing+" failed; retrying", "sink", f.sink.Name(), "partition", pt.tp, "retry_in", p.cfg.RetryDelay, "err", err)
	f.opened = false
	f.retryAt = p.clk.Now().Add(p.cfg.RetryDelay)
}

// drop removes a sink's data and watermark of pt.
func (p *Pipeline) drop(ctx context.Context, pt *part, s Sink) error {
	if err := s.Drop(ctx, pt.id, pt.tp.Index); err != nil {
		return err
	}
	return p.deleteWatermark(ctx, s.Name(), pt.id, pt.tp.Index)
}

// warnOnce logs an undecodable value once per topic and cause. At most
// maxWarned causes are remembered; past that, nothing more is logged.
func (p *Pipeline) warnOnce(tp topic.Partition, offset int64, err error) {
	const maxWarned = 1024
	cause := tp.Topic + "\x00" + err.Error()
	p.mu.Lock()
	fresh := !p.warned[cause] && len(p.warned) < maxWarned
	if fresh {
		p.warned[cause] = true
	}
	p.mu.Unlock()
	if fresh {
		p.logger.Warn("indexing: a value cannot be decoded; it is indexed whole (logged once per topic and cause)",
			"partition", tp, "offset", offset, "err", strings.TrimSpace(err.Error()))
	}
}
