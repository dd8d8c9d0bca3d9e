package textsearch

import (
	"errors"
	"sync/atomic"
	"time"
)

// Stats is what the service has done since it started, and what it holds
// now.
type Stats struct {
	Searches   int64         // searches answered (Search; _count and _msearch are searches)
	Failed     int64         // of them, the ones that ended in an error other than ErrBusy
	TimedOut   int64         // of them, answered with what was found by their timeout
	Busy       int64         // turned away with ErrBusy: no slot within the timeout
	SearchTime time.Duration // spent answering them, waiting for a slot included
	CacheBytes int64         // sealed indexes on local disk
}

type searchCounters struct {
	searches, failed, timedOut, busy, nanos atomic.Int64
}

// count records one search that took d and ended with err (timedOut: it
// answered what it found by its timeout).
func (c *searchCounters) count(d time.Duration, timedOut bool, err error) {
	switch {
	case errors.Is(err, ErrBusy):
		c.busy.Add(1)
		return
	case err != nil:
		c.failed.Add(1)
	case timedOut:
		c.timedOut.Add(1)
	}
	c.searches.Add(1)
	c.nanos.Add(int64(d))
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	c := &s.counters
	return Stats{Searches: c.searches.Load(), Failed: c.failed.Load(), TimedOut: c.timedOut.Load(), Busy: c.busy.Load(),
		SearchTime: time.Duration(c.nanos.Load()), CacheBytes: s.cache.size()}
}
