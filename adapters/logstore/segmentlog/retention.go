package segmentlog

import (
	"context"
	"time"
)

// retentionLoop applies retention every RetentionInterval until Close.
func (s *Store) retentionLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(s.cfg.RetentionInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			s.enforceRetention()
		}
	}
}

// enforceRetention applies retention to every partition once.
func (s *Store) enforceRetention() {
	for _, p := range s.partitionList() {
		select {
		case <-s.quit:
			return
		default:
		}
		s.retain(p)
	}
}

// retain deletes p's oldest sealed segments, below the high watermark,
// while the oldest one is expired (its newest batch is older than
// retention.ms) or the log without it is still at least retention.bytes
// (Kafka's rule: retention never takes the log below retention.bytes). An
// expired active segment is rolled first so that it can go too. The log
// start advances to the first remaining segment.
func (s *Store) retain(p *partition) {
	if s.poisoned() != nil {
		return
	}
	doomed, rollActive := s.detachExpired(p)
	s.removeSegments(p, doomed, "retention")
	if !rollActive {
		return
	}
	if err := s.do(context.Background(), func() error { return s.rollExpired(p) }); err != nil {
		s.logger.Warn("rolling an expired segment for retention", "partition", p.tp.String(), "error", err.Error())
		return
	}
	doomed, _ = s.detachExpired(p)
	s.removeSegments(p, doomed, "retention")
}

// detachExpired removes the segments retention deletes from p's list and
// says whether the active segment has expired too.
func (s *Store) detachExpired(p *partition) (doomed []*segment, rollActive bool) {
	nowMs := s.now().UnixMilli()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.configured {
		return nil, false
	}
	cfg := p.cfg
	if cfg.RetentionMs < 0 && cfg.RetentionBytes < 0 {
		return nil, false
	}
	var total int64
	for _, sg := range p.segs {
		total += sg.size
	}
	expired := func(sg *segment) bool { return cfg.RetentionMs >= 0 && nowMs-sg.maxTs > cfg.RetentionMs }
	doomed = p.detachSegmentsBelow(func(sg *segment) bool {
		if expired(sg) || cfg.RetentionBytes >= 0 && total-sg.size >= cfg.RetentionBytes {
			total -= sg.size
			return true
		}
		return false
	})
	active := p.segs[len(p.segs)-1]
	rollActive = len(p.segs) == 1 && !active.empty() && active.next <= p.hw && expired(active)
	return doomed, rollActive
}
