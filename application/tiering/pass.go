package tiering

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// readChunk is how much the uploader reads from the local log at a time.
const readChunk = 1 << 20

// Run tiers every partition each Interval until ctx ends.
func (s *Store) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		s.Pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass runs one tiering pass over every partition: upload sealed segments,
// apply retention to both tiers, delete what retention or topic deletion
// left in the bucket.
func (s *Store) Pass(ctx context.Context) {
	s.passMu.Lock()
	defer s.passMu.Unlock()
	var lag int64
	for tp, id := range s.inner.Partitions() {
		if ctx.Err() != nil {
			return
		}
		pt := s.ensure(tp, id)
		n, err := s.tier(ctx, pt)
		lag += n
		pt.mu.Lock()
		was := pt.failing
		pt.failing = err != nil
		pt.mu.Unlock()
		switch {
		case err != nil && ctx.Err() == nil:
			s.uploadErrors.Add(1)
			if !was {
				s.logger.Warn("tiering a partition failed; retrying every pass", "partition", tp.String(), "error", err.Error())
			}
		case err == nil && was:
			s.logger.Info("tiering a partition works again", "partition", tp.String())
		}
	}
	s.uploadLag.Store(lag)
	s.sweep(ctx)
}

// ensure returns tp's state, creating it for a partition that has none
// (one from before tiering, or a leftover id replaced meanwhile).
func (s *Store) ensure(tp topic.Partition, id topic.ID) *part {
	s.mu.Lock()
	pt := s.parts[tp]
	s.mu.Unlock()
	if pt != nil && pt.id == id {
		return pt
	}
	if pt != nil {
		if err := s.bury(context.Background(), pt); err != nil {
			s.logger.Warn("forgetting a stale tier manifest", "partition", tp.String(), "error", err.Error())
		}
	}
	start := int64(0)
	if o, err := s.inner.Offsets(tp); err == nil {
		start = o.LogStart
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.parts[tp]; cur != nil && cur.id == id {
		return cur
	}
	pt = &part{tp: tp, id: id, m: newManifest(tp, id, start)}
	s.parts[tp] = pt
	return pt
}

// tier runs the pass over one partition. It returns the sealed local bytes
// that are not uploaded yet.
func (s *Store) tier(ctx context.Context, pt *part) (lag int64, err error) {
	pt.work.Lock()
	defer pt.work.Unlock()
	segs, err := s.inner.Segments(pt.tp)
	if err != nil {
		return 0, err
	}
	local, err := s.inner.Offsets(pt.tp)
	if err != nil {
		return 0, err
	}
	m := pt.manifest()

	// Local records were deleted past the remote tier's end (retention or
	// DeleteRecords while uploads lagged): everything remote is older than
	// the log start now.
	if m.End < local.LogStart {
		nm := m.clone()
		nm.LogStart, nm.End = local.LogStart, local.LogStart
		if err := s.publish(ctx, pt, nm); err != nil {
			return 0, err
		}
		m = nm
	}

	// Upload sealed segments past the remote end.
	for _, sg := range segs {
		if !sg.Sealed || sg.End <= m.End {
			continue
		}
		for from := max(m.End, sg.Base); from < sg.End; {
			o, err := s.upload(ctx, pt, from, sg.End)
			if err != nil {
				for _, rest := range segs {
					if rest.Sealed && rest.End > from {
						lag += rest.Bytes
					}
				}
				return lag, err
			}
			nm := m.clone()
			if len(nm.Objects) == 0 && nm.End == nm.LogStart {
				nm.LogStart = max(from, local.LogStart)
			}
			nm.Objects = append(nm.Objects, o)
			nm.End = o.End
			if err := s.publish(ctx, pt, nm); err != nil {
				return 0, err
			}
			m, from = nm, o.End
		}
	}

	if nm := s.remoteRetention(pt, m, segs, local); nm != nil {
		if err := s.publish(ctx, pt, nm); err != nil {
			return 0, err
		}
		m = nm
	}
	if err := s.flush(ctx, pt, m); err != nil {
		return 0, err
	}
	if err := s.localRetention(ctx, pt, m, segs); err != nil {
		return 0, err
	}
	return 0, s.collect(ctx, pt, m)
}

// upload puts the batches of [from, end) (at most ObjectBytes of them, at
// least one batch) into one object with its index.
func (s *Store) upload(ctx context.Context, pt *part, from, end int64) (object, error) {
	var (
		ib    indexBuilder
		o     = object{Base: -1, MaxTimestamp: -1}
		off   = from
		full  = errors.New("object full")
		limit = int(s.cfg.ObjectBytes)
	)
	if cap(s.upbuf) < limit {
		s.upbuf = make([]byte, 0, limit)
	}
	buf := s.upbuf[:0]
	for off < end && len(buf) < limit {
		b, err := s.inner.Read(ctx, pt.tp, off, readChunk, true)
		if err != nil {
			return o, fmt.Errorf("reading %s at %d for upload: %w", pt.tp, off, err)
		}
		if len(b) == 0 {
			return o, fmt.Errorf("reading %s at %d for upload: no records below %d", pt.tp, off, end)
		}
		_, err = record.Split(b, func(h record.Header, batch []byte) error {
			if h.BaseOffset >= end || (len(buf) > 0 && len(buf)+len(batch) > limit) {
				return full
			}
			if o.Base < 0 {
				o.Base = h.BaseOffset
			}
			ib.add(int64(len(buf)), h.BaseOffset, h.MaxTimestamp)
			o.MaxTimestamp = max(o.MaxTimestamp, h.MaxTimestamp)
			buf = append(buf, batch...)
			off = h.NextOffset()
			return nil
		})
		if errors.Is(err, full) {
			break
		}
		if err != nil {
			return o, fmt.Errorf("%w: %s at %d: %v", log.ErrCorrupt, pt.tp, off, err)
		}
	}
	o.End, o.Bytes = off, int64(len(buf))
	o.Key = objectKey(pt.tp, pt.id, o.Base, o.End)
	if err := s.put(ctx, o.Key, buf); err != nil {
		return o, err
	}
	if err := s.put(ctx, indexKey(o.Key), encodeIndex(ib.spans)); err != nil {
		return o, err
	}
	s.uploadedObjects.Add(1)
	s.uploadedBytes.Add(o.Bytes)
	return o, nil
}

func (s *Store) put(ctx context.Context, key string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.bucket.Put(ctx, key, data); err != nil {
		return fmt.Errorf("uploading %s: %w", key, err)
	}
	return nil
}

func (s *Store) del(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.bucket.Delete(ctx, key); err != nil {
		return fmt.Errorf("deleting %s: %w", key, err)
	}
	s.remote.forget(key)
	return nil
}

// flush writes m to the bucket unless it is there already.
func (s *Store) flush(ctx context.Context, pt *part, m *manifest) error {
	if pt.flushedManifest() == m {
		return nil
	}
	if len(m.Objects) == 0 && pt.flushedManifest() == nil {
		return nil // nothing remote yet
	}
	if err := s.put(ctx, manifestKey(pt.tp, pt.id), encodeManifest(m)); err != nil {
		return err
	}
	pt.mu.Lock()
	pt.flushed = m
	pt.mu.Unlock()
	return nil
}

// effective resolves a local.retention.* value: -2 means the total one.
func effective(local, total int64) int64 {
	if local == -2 {
		return total
	}
	return local
}

// localRetention drops the oldest sealed local segments that the bucket's
// manifest covers while local.retention.ms or local.retention.bytes say so.
func (s *Store) localRetention(ctx context.Context, pt *part, m *manifest, segs []logstore.Segment) error {
	cfg, ok := s.config(pt.tp)
	if !ok || pt.flushedManifest() != m {
		return nil
	}
	ms := effective(cfg.LocalRetentionMs, cfg.RetentionMs)
	bytes := effective(cfg.LocalRetentionBytes, cfg.RetentionBytes)
	if ms < 0 && bytes < 0 {
		return nil
	}
	var size int64
	for _, sg := range segs {
		size += sg.Bytes
	}
	now := s.clock.Now().UnixMilli()
	drop := int64(-1)
	uploaded := m.objectsEnd()
	for _, sg := range segs {
		if !sg.Sealed || sg.End > uploaded {
			break
		}
		if !(ms >= 0 && now-sg.MaxTimestamp > ms) && !(bytes >= 0 && size-sg.Bytes >= bytes) {
			break
		}
		drop, size = sg.End, size-sg.Bytes
	}
	if drop < 0 {
		return nil
	}
	if _, err := s.inner.DeleteRecords(ctx, pt.tp, drop); err != nil {
		return fmt.Errorf("dropping local segments of %s below %d: %w", pt.tp, drop, err)
	}
	return nil
}

// remoteRetention applies retention.ms and retention.bytes to the records
// that are only remote, oldest first, and returns the manifest with the new
// log start, or nil when nothing expired.
func (s *Store) remoteRetention(pt *part, m *manifest, segs []logstore.Segment, local log.Offsets) *manifest {
	cfg, ok := s.config(pt.tp)
	if !ok || (cfg.RetentionMs < 0 && cfg.RetentionBytes < 0) || !covers(m, local) {
		return nil
	}
	total := int64(0)
	for _, sg := range segs {
		total += sg.Bytes
	}
	for _, o := range m.Objects {
		if o.End > m.LogStart && o.End <= local.LogStart {
			total += o.Bytes
		}
	}
	now := s.clock.Now().UnixMilli()
	start := m.LogStart
	for _, o := range m.Objects {
		if o.End <= m.LogStart {
			continue
		}
		if o.End > local.LogStart {
			break
		}
		expired := cfg.RetentionMs >= 0 && now-o.MaxTimestamp > cfg.RetentionMs
		big := cfg.RetentionBytes >= 0 && total-o.Bytes >= cfg.RetentionBytes
		if !expired && !big {
			break
		}
		start, total = o.End, total-o.Bytes
	}
	if start == m.LogStart {
		return nil
	}
	nm := m.clone()
	nm.LogStart = start
	return nm
}

// collect deletes the objects wholly below the log start of the manifest
// in the bucket, then drops them from the manifest.
func (s *Store) collect(ctx context.Context, pt *part, m *manifest) error {
	flushed := pt.flushedManifest()
	if flushed == nil {
		return nil
	}
	n := 0
	for n < len(m.Objects) && m.Objects[n].End <= flushed.LogStart {
		n++
	}
	if n == 0 {
		return nil
	}
	for _, o := range m.Objects[:n] {
		if err := s.deleteObject(ctx, o); err != nil {
			return err
		}
	}
	nm := m.clone()
	nm.Objects = nm.Objects[n:]
	if err := s.publish(ctx, pt, nm); err != nil {
		return err
	}
	return s.flush(ctx, pt, nm)
}

func (s *Store) deleteObject(ctx context.Context, o object) error {
	if err := s.del(ctx, indexKey(o.Key)); err != nil {
		return err
	}
	if err := s.del(ctx, o.Key); err != nil {
		return err
	}
	s.deletedObjects.Add(1)
	return nil
}
