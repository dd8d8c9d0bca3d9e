package sql

import (
	"errors"
	"sync/atomic"
	"time"
)

// Stats is what the service has done since it started, and what it holds
// now.
type Stats struct {
	Queries    int64         // statements answered (Query, QueryArrow, Explain, Describe)
	Failed     int64         // of them, the ones that ended in an error other than ErrBusy
	Busy       int64         // turned away with ErrBusy: no slot within the timeout
	QueryTime  time.Duration // spent answering them, waiting for a slot included
	CacheBytes int64         // local copies of Parquet files
	HotBytes   int64         // documents in hot buffers
	Compaction CompactionStats
}

type queryCounters struct {
	queries, failed, busy, nanos atomic.Int64
}

// count records one statement that took d and ended with err.
func (c *queryCounters) count(d time.Duration, err error) {
	switch {
	case errors.Is(err, ErrBusy):
		c.busy.Add(1)
		return
	case err != nil:
		c.failed.Add(1)
	}
	c.queries.Add(1)
	c.nanos.Add(int64(d))
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	q := &s.queries
	return Stats{Queries: q.queries.Load(), Failed: q.failed.Load(), Busy: q.busy.Load(), QueryTime: time.Duration(q.nanos.Load()),
		CacheBytes: s.cache.size(), HotBytes: s.hotBytes.Load(), Compaction: s.CompactionStats()}
}
