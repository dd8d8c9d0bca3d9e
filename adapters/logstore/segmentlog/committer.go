package segmentlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/wal"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// lingerBytes: a group this large is committed without lingering.
const lingerBytes = 4 << 20

// writebackBytes: after this many new bytes in a segment, the applier
// asks for their asynchronous writeback.
const writebackBytes = 1 << 20

// writebackQueue bounds the ranges waiting for the writeback goroutine.
const writebackQueue = 256

// applyQueue is how many fsynced groups may wait for the applier before the
// committer blocks: the pipeline depth beyond the group being applied.
const applyQueue = 2

// maxKeptWALHeaders: a larger record header buffer is dropped after its
// commit rather than kept for the next one.
const maxKeptWALHeaders = 1 << 20

// item is one appended batch waiting for its group commit.
type item struct {
	p     *partition
	batch []byte        // base offset already assigned
	h     record.Header // header of batch, with the assigned base offset
}

// group is the unit of a group commit: everything queued between two
// commits. It is also the Durable of each of its appends.
type group struct {
	items []item
	bytes int
	first time.Time // when the first item was queued
	done  chan struct{}
	err   error // written before done is closed

	// werr is set by the committer when the group's WAL write or fsync
	// failed (or the store was poisoned before it): the applier then fails
	// the group with it instead of applying it.
	werr error
}

var _ logstore.Durable = (*group)(nil)

func newGroup() *group { return &group{done: make(chan struct{})} }

// Wait blocks until the group is durable and readable, or failed (an error
// wrapping log.ErrPoisoned or log.ErrClosed), or ctx ends.
func (g *group) Wait(ctx context.Context) error {
	select {
	case <-g.done:
		return g.err
	default:
	}
	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *group) finish(err error) {
	g.err = err
	g.items = nil // release the batches; the group lives on as a Durable
	close(g.done)
}

// op is work that must run on the committer goroutine between two group
// commits (partition deletion, rolling a segment for retention).
type op struct {
	fn   func() error
	done chan error
}

// wake tells the committer there is something to do.
func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// enqueue adds it to the pending group. The caller holds it.p.appendMu.
func (s *Store) enqueue(it item) (*group, error) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.closing {
		return nil, log.ErrClosed
	}
	if s.poisonErr != nil {
		return nil, s.poisonErr
	}
	g := s.pend
	if len(g.items) == 0 {
		g.first = time.Now()
	}
	g.items = append(g.items, it)
	g.bytes += len(it.batch)
	return g, nil
}

// do runs fn on the committer goroutine and waits for its result.
func (s *Store) do(ctx context.Context, fn func() error) error {
	o := &op{fn: fn, done: make(chan error, 1)}
	s.qmu.Lock()
	if s.closing {
		s.qmu.Unlock()
		return log.ErrClosed
	}
	s.ops = append(s.ops, o)
	s.qmu.Unlock()
	s.wake()
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the op still runs
	}
}

// poison makes every later write fail with cause. The first cause wins.
func (s *Store) poison(cause error) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.poisonErr == nil {
		s.poisonErr = fmt.Errorf("%w: %w", log.ErrPoisoned, cause)
		s.logger.Error("log store poisoned: no write succeeds until it is reopened", "error", cause.Error())
	}
}

// poisoned returns the poison error, or nil.
func (s *Store) poisoned() error {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return s.poisonErr
}

// run is the committer goroutine: the only writer of the WAL. It hands each
// fsynced group to the applier and goes on with the next one. It stops after
// Close has set closing and everything queued before has been committed and
// applied.
//
// Whatever touches active segments or the set of dirty segments outside the
// applier (ops, WAL rotation, shutdown) first drains the applier, so that
// it runs while the applier is idle and every fsynced group is applied.
func (s *Store) run() {
	defer close(s.committerDone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		g, ops, closing := s.next(timer)
		if g != nil {
			s.commit(g)
		}
		if len(ops) > 0 {
			s.drainApplier()
			for _, o := range ops {
				o.done <- o.fn()
			}
		}
		s.pollCheckpoint()
		if closing {
			s.drainApplier()
			s.committerErr = s.shutdown()
			close(s.applyQ)
			<-s.applierDone
			close(s.wbQ) // the applier (its only sender) is gone
			return
		}
		s.maybeRotate()
	}
}

// handOff passes g to the applier, with werr when it must fail. Committer
// only; it blocks while the applier's queue is full.
func (s *Store) handOff(g *group, werr error) {
	g.werr = werr
	s.applyWG.Add(1)
	s.applyQ <- g
}

// drainApplier waits until the applier has resolved every group handed to
// it. Committer only.
func (s *Store) drainApplier() { s.applyWG.Wait() }

// applier is the applier goroutine: the only writer of active segments
// (after recovery). It applies the fsynced groups in commit order: segment
// writes, then high watermarks and watchers, then the group's Durable.
func (s *Store) applier() {
	defer close(s.applierDone)
	for g := range s.applyQ {
		s.apply(g)
		s.applyWG.Done()
	}
}

// next waits for work and returns the group to commit (nil if none), the
// ops to run after it, and whether the store is closing.
//
// Group commit policy: a write is committed as soon as the committer is
// free; what queued while the previous write+fsync ran forms the next
// group, so the fsync itself is the batching window. The committer only
// lingers (to let a group grow) when the previous cycle showed more
// concurrent writers than are queued now, and then for at most
// min(MaxBatchDelay, duration of the last write+fsync) after the first
// queued item: never longer than the write would have waited behind an
// fsync in flight.
func (s *Store) next(timer *time.Timer) (*group, []*op, bool) {
	s.qmu.Lock()
	for len(s.pend.items) == 0 && len(s.ops) == 0 && !s.closing {
		s.qmu.Unlock()
		<-s.kick
		s.qmu.Lock()
	}
	if s.cfg.MaxBatchDelay > 0 && len(s.pend.items) > 0 && len(s.pend.items) < s.lastCount && s.poisonErr == nil {
		deadline := s.pend.first.Add(min(s.cfg.MaxBatchDelay, s.lastDur))
		for len(s.pend.items) < s.lastCount && s.pend.bytes < lingerBytes && len(s.ops) == 0 && !s.closing {
			wait := time.Until(deadline)
			if wait <= 0 {
				break
			}
			s.qmu.Unlock()
			timer.Reset(wait)
			select {
			case <-s.kick:
			case <-timer.C:
			}
			timer.Stop()
			s.qmu.Lock()
		}
	}
	var g *group
	if len(s.pend.items) > 0 {
		g, s.pend = s.pend, newGroup()
	}
	ops, closing := s.ops, s.closing
	s.ops = nil
	s.qmu.Unlock()
	return g, ops, closing
}

// commit writes g to the WAL with one gathered write and one fsync and
// hands it to the applier. A failure poisons the store; the group is still
// handed over, so that groups resolve in commit order.
func (s *Store) commit(g *group) {
	if err := s.poisoned(); err != nil {
		s.handOff(g, err)
		return
	}
	start := time.Now()
	written, err := s.writeWAL(g)
	if err == nil && !s.cfg.NoSync {
		if err = s.wal.Sync(); err != nil {
			err = fmt.Errorf("syncing WAL file %s: %w", walPath(s.walDir, s.walSeq), err)
		} else {
			s.fsyncs.Add(1)
		}
	}
	if err != nil {
		s.poison(err)
		s.handOff(g, s.poisoned())
		return
	}
	s.lastDur = time.Since(start)
	s.commits.Add(1)
	s.walBytes.Add(written)
	n := len(g.items)
	s.commitSeconds.observe(s.lastDur.Seconds())
	s.commitBatches.observe(float64(n))
	s.commitBytes.observe(float64(written))
	s.handOff(g, nil)

	s.qmu.Lock()
	s.lastCount = n + len(s.pend.items)
	s.qmu.Unlock()
}

// apply writes g's batches to their segments, advances the high
// watermarks, calls the watchers and resolves g. A group that follows a
// poisoning fails, even if its WAL write was fsynced (recovery replays it).
// Applier only.
func (s *Store) apply(g *group) {
	if g.werr != nil {
		g.finish(g.werr)
		return
	}
	if err := s.poisoned(); err != nil {
		g.finish(err)
		return
	}
	for _, it := range g.items {
		if err := s.appendToSegment(it.p, it.batch, it.h); err != nil {
			s.fail(g, err)
			return
		}
		s.touched[it.p] = it.h.NextOffset()
	}
	for p, hw := range s.touched {
		s.publish(p, hw)
	}
	clear(s.touched)
	g.finish(nil)
}

// writeWAL appends g's records to the WAL file: each record's 29-byte
// header (built in one reused buffer) followed by its batch where it lies,
// gathered with writev, so no batch is copied. It returns the bytes written.
func (s *Store) writeWAL(g *group) (int64, error) {
	hdrs := s.walHdrs[:0]
	for _, it := range g.items {
		hdrs = wal.Append{TopicID: it.p.id, Partition: it.p.tp.Index, Batch: it.batch}.AppendHeader(hdrs)
	}
	vec := s.walVec[:0]
	var size int64
	for i, it := range g.items {
		vec = append(vec, hdrs[i*wal.AppendHeaderSize:(i+1)*wal.AppendHeaderSize], it.batch)
		size += int64(wal.AppendHeaderSize + len(it.batch))
	}
	n, err := writeVec(s.wal, vec, &s.walIOV)
	clear(vec) // drop the references to the batches
	s.walVec = vec[:0]
	if cap(hdrs) <= maxKeptWALHeaders {
		s.walHdrs = hdrs[:0]
	} else {
		s.walHdrs = nil
	}
	if err == nil && n != size {
		err = io.ErrShortWrite
	}
	if err != nil {
		return n, fmt.Errorf("writing %d bytes to WAL file %s: %w", size, walPath(s.walDir, s.walSeq), err)
	}
	s.walSize += n
	return n, nil
}

// fail poisons the store and fails g. Applier only.
func (s *Store) fail(g *group, cause error) {
	clear(s.touched)
	s.poison(cause)
	g.finish(s.poisoned())
}

// publish advances p's high watermark and calls its watchers.
func (s *Store) publish(p *partition, hw int64) {
	p.mu.Lock()
	p.hw = hw
	fns := s.fns[:0]
	for _, fn := range p.watchers {
		fns = append(fns, fn)
	}
	p.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	clear(fns)
	s.fns = fns[:0]
}

// appendToSegment writes one batch at the end of p's active segment,
// rolling it first if it is full or old. Applier (or recovery, or the
// committer with the applier drained) only.
func (s *Store) appendToSegment(p *partition, batch []byte, h record.Header) error {
	sg := p.active
	p.mu.RLock()
	cfg := p.cfg
	p.mu.RUnlock()
	if s.shouldRoll(sg, cfg, len(batch), h) {
		if err := s.roll(p, h.BaseOffset); err != nil {
			return err
		}
		sg = p.active
	}
	pos := sg.size
	f, err := s.handles.acquire(sg)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(batch, pos)
	s.handles.release(sg, true)
	if err != nil {
		return fmt.Errorf("appending to segment %s at %d: %w", sg.path, pos, err)
	}
	p.mu.Lock()
	sg.track(pos, h, s.cfg.IndexIntervalBytes)
	p.mu.Unlock()
	s.dirty[sg] = struct{}{}
	if sg.size-sg.wbFrom >= writebackBytes {
		s.startWriteback(sg)
	}
	return nil
}

// startWriteback hands the bytes of sg written since the last hand-over to
// the writeback goroutine, unless its queue is full (then the next call
// hands over a longer range).
func (s *Store) startWriteback(sg *segment) {
	select {
	case s.wbQ <- wbRange{sg: sg, off: sg.wbFrom, n: sg.size - sg.wbFrom}:
		sg.wbFrom = sg.size
	default:
	}
}

// wbRange is a range of a segment file to start writing back.
type wbRange struct {
	sg     *segment
	off, n int64
}

// writeback is the writeback goroutine: it starts the kernel's writeback
// of segment data soon after it is written (sync_file_range on Linux), so
// that a checkpoint's fsyncs find little dirty data and do not stall the
// WAL fsyncs of the committer. Durability still rests on fsync alone.
func (s *Store) writeback() {
	defer close(s.wbDone)
	for r := range s.wbQ {
		r.sg.io.RLock()
		if !r.sg.closed && !s.cfg.NoSync {
			// A file that is not open was fsynced when it closed.
			err := s.handles.ifOpen(r.sg, func(f file) error { return startWriteback(f, r.off, r.n) })
			if err != nil {
				s.logger.Debug("starting writeback of a segment", "segment", r.sg.path, "error", err.Error())
			}
		}
		r.sg.io.RUnlock()
	}
}

// shouldRoll reports whether the batch h of n bytes must go to a new segment.
func (s *Store) shouldRoll(sg *segment, cfg logstore.PartitionConfig, n int, h record.Header) bool {
	if sg.empty() {
		return false
	}
	switch {
	case sg.size+int64(n) > min(cfg.SegmentBytes, maxSegmentPosition):
		return true
	case h.LastOffset()-sg.base > math.MaxUint32:
		return true
	case s.now().Sub(sg.created).Milliseconds() >= cfg.SegmentMs:
		return true
	}
	return false
}

// roll seals p's active segment (fsync, index files) and starts a new one
// at base. The seal is durable before the new file exists, so recovery only
// ever needs to validate the last segment. Same callers as appendToSegment.
func (s *Store) roll(p *partition, base int64) error {
	old := p.active
	if err := s.handles.ifOpen(old, s.syncFile); err != nil {
		return fmt.Errorf("syncing segment %s to seal it: %w", old.path, err)
	}
	if err := s.writeIndexFiles(old); err != nil {
		return fmt.Errorf("sealing segment %s: %w", old.path, err)
	}
	path := segmentPath(p.dir, base)
	f, err := s.open(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, s.cfg.FileMode)
	if err != nil {
		return fmt.Errorf("creating segment %s: %w", path, err)
	}
	if err := s.syncDir(p.dir); err != nil {
		_ = f.Close()
		return err
	}
	sg := newSegment(s.handles, p.dir, base, s.now())
	s.handles.adopt(sg, f)
	s.handles.release(sg, false)
	p.mu.Lock()
	old.sealed = true
	p.segs = append(p.segs, sg)
	p.mu.Unlock()
	p.active = sg
	delete(s.dirty, old)
	s.rolls.Add(1)
	s.logger.Debug("rolled segment", "partition", p.tp.String(), "sealed_base", old.base, "sealed_bytes", old.size, "base", base)
	return nil
}

// rollExpired rolls p's active segment for retention if it holds batches
// and p still exists. Runs as an op on the committer (applier drained).
func (s *Store) rollExpired(p *partition) error {
	if err := s.poisoned(); err != nil {
		return err
	}
	p.appendMu.Lock()
	gone := p.deleted
	p.appendMu.Unlock()
	if gone || p.active.empty() {
		return nil
	}
	if err := s.roll(p, p.active.next); err != nil {
		s.poison(err)
		return s.poisoned()
	}
	return nil
}

// deletePartitionFiles closes and deletes p's files, then checkpoints so no
// WAL record of p survives. Runs as an op on the committer (applier
// drained), after every append to p that was accepted has been applied.
func (s *Store) deletePartitionFiles(p *partition) error {
	p.mu.RLock()
	segs := append([]*segment(nil), p.segs...)
	p.mu.RUnlock()
	for _, sg := range segs {
		delete(s.dirty, sg)
	}
	if err := p.closeFiles(); err != nil {
		s.logger.Warn("closing the files of a deleted partition", "partition", p.tp.String(), "error", err.Error())
	}
	if err := s.removePartitionDir(p.dir); err != nil {
		return err
	}
	if err := s.poisoned(); err != nil {
		return err
	}
	if err := s.checkpointNow(); err != nil {
		s.poison(err)
		return s.poisoned()
	}
	return nil
}

// shutdown is the committer's last act, with the applier drained: a final checkpoint (unless
// poisoned: then the WAL is left for recovery), then the WAL file closes.
func (s *Store) shutdown() error {
	var errs []error
	if s.poisoned() == nil {
		if err := s.checkpointNow(); err != nil {
			errs = append(errs, fmt.Errorf("final checkpoint: %w", err))
		}
	} else if s.ckptBusy {
		<-s.ckptDone
		s.ckptBusy = false
	}
	close(s.ckptJobs)
	if s.wal != nil {
		if err := s.wal.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing WAL file: %w", err))
		}
	}
	return errors.Join(errs...)
}
