package segmentlog

import (
	"fmt"
	"os"
	"sync"
)

// minOpenSegments is the smallest handle budget: below it a few concurrent
// readers of different segments would already overshoot it.
const minOpenSegments = 16

// handleCache bounds the segment files open at once. Segments (sealed and
// active alike) open their file on demand; a file nobody uses stays open on
// a least-recently-used list and is closed when the budget is exceeded.
// Files in use are never closed, so the budget can be overshot by the
// operations in flight (each holds one file): a soft bound.
//
// A handle that was written through, or that recovery found holding data a
// crashed process left in the page cache, is marked written and fsynced
// before it is closed. So a segment whose file is not open holds no data
// that is not durable, and a checkpoint skips it; a write-back error can
// never happen while no descriptor of the file is open, where it could be
// lost. The mark stays until the file closes: clearing it after a
// checkpoint's fsync could race with a later write.
//
// All fields, and each segment's handle fields, are guarded by mu. mu is a
// leaf lock: nothing else is taken under it, and files are opened under it
// but closed and fsynced outside it.
type handleCache struct {
	mu    sync.Mutex
	limit int
	open  int      // files open: in use or idle
	idle  *segment // sentinel of the idle list: idle.lruNext is the most recently used
	opens int64    // files opened since New (statistics)

	openFile openFunc
	noSync   bool
	// failed is told about an fsync before an eviction that failed: the
	// data written through that file may not be durable (poisons the store).
	failed func(error)
}

// handle is a segment's share of the cache; guarded by handleCache.mu.
type handle struct {
	f                file
	refs             int
	written          bool
	lruPrev, lruNext *segment // on the idle list when refs == 0 and f != nil

	// closing is set while an evicted written file is being fsynced and
	// closed; it closes when that is done, with closeErr its outcome. A
	// checkpoint or a seal must wait for it: until that fsync returns,
	// the data written through the file is not known to be durable.
	closing  chan struct{}
	closeErr error
	pending  int // evictions of this segment's written files not done yet
}

func newHandleCache(limit int, open openFunc, noSync bool, failed func(error)) *handleCache {
	c := &handleCache{limit: max(limit, minOpenSegments), openFile: open, noSync: noSync, failed: failed}
	c.idle = &segment{}
	c.idle.h.lruPrev, c.idle.h.lruNext = c.idle, c.idle
	return c
}

// victim is a file taken out of the cache, to be closed outside mu.
type victim struct {
	sg      *segment
	f       file
	written bool
}

// acquire returns sg's open file, opening it if needed. The caller must
// call release when done and must not close the file. Safe for concurrent
// use; the caller guarantees sg is not closed (it holds sg.io for reading,
// or is the committer or applier, which own the segments they write).
func (c *handleCache) acquire(sg *segment) (file, error) {
	c.mu.Lock()
	if f := sg.h.f; f != nil {
		if sg.h.refs == 0 {
			c.unlinkLocked(sg)
		}
		sg.h.refs++
		c.mu.Unlock()
		return f, nil
	}
	f, err := c.openFile(sg.path, os.O_RDWR, 0)
	if err != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("opening segment %s: %w", sg.path, err)
	}
	c.opens++
	sg.h.f, sg.h.refs, sg.h.written = f, 1, false
	c.open++
	vs := c.evictLocked(nil)
	c.mu.Unlock()
	c.closeVictims(vs)
	return f, nil
}

// adopt gives the cache a file the store just created for sg, held by the
// caller as by acquire (release it when done).
func (c *handleCache) adopt(sg *segment, f file) {
	c.mu.Lock()
	sg.h.f, sg.h.refs, sg.h.written = f, 1, false
	c.open++
	vs := c.evictLocked(nil)
	c.mu.Unlock()
	c.closeVictims(vs)
}

// release gives back what acquire or adopt handed out. wrote says the
// caller wrote to the file (or found unsynced data in it).
func (c *handleCache) release(sg *segment, wrote bool) {
	c.mu.Lock()
	sg.h.refs--
	if wrote {
		sg.h.written = true
	}
	var vs []victim
	if sg.h.refs == 0 && sg.h.f != nil {
		c.pushFrontLocked(sg)
		vs = c.evictLocked(vs)
	}
	c.mu.Unlock()
	c.closeVictims(vs)
}

// ifOpen calls fn with sg's file if it is open, holding it meanwhile. A
// file that is not open holds no unsynced data (see handleCache), so an
// fsync or writeback has nothing to do. An eviction of a written file of sg
// whose fsync is still running is waited for first, and its error returned.
func (c *handleCache) ifOpen(sg *segment, fn func(file) error) error {
	c.mu.Lock()
	if closing := sg.h.closing; closing != nil {
		c.mu.Unlock()
		<-closing
		c.mu.Lock()
		if err := sg.h.closeErr; err != nil {
			c.mu.Unlock()
			return err
		}
	}
	f := sg.h.f
	if f == nil {
		c.mu.Unlock()
		return nil
	}
	if sg.h.refs == 0 {
		c.unlinkLocked(sg)
	}
	sg.h.refs++
	c.mu.Unlock()
	err := fn(f)
	c.release(sg, false)
	return err
}

// drop closes sg's file without fsync: the segment was deleted, or the
// store is closing after its final checkpoint. Nobody may hold the file.
func (c *handleCache) drop(sg *segment) error {
	c.mu.Lock()
	f := sg.h.f
	if f != nil {
		if sg.h.refs == 0 {
			c.unlinkLocked(sg)
		}
		sg.h.f, sg.h.refs, sg.h.written = nil, 0, false
		c.open--
	}
	c.mu.Unlock()
	if f == nil {
		return nil
	}
	return f.Close()
}

// stats returns the files open now and the files opened since New.
func (c *handleCache) stats() (open int, opens int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open, c.opens
}

// evictLocked takes least recently used idle files out of the cache until
// the budget holds or none is idle, appending them to vs.
func (c *handleCache) evictLocked(vs []victim) []victim {
	for c.open > c.limit {
		sg := c.idle.h.lruPrev
		if sg == c.idle {
			break // every open file is in use
		}
		c.unlinkLocked(sg)
		v := victim{sg: sg, f: sg.h.f, written: sg.h.written}
		if v.written {
			if sg.h.closing == nil {
				sg.h.closing, sg.h.closeErr = make(chan struct{}), nil
			}
			sg.h.pending++
		}
		vs = append(vs, v)
		sg.h.f, sg.h.written = nil, false
		c.open--
	}
	return vs
}

// closeVictims fsyncs (when written) and closes evicted files.
func (c *handleCache) closeVictims(vs []victim) {
	for _, v := range vs {
		var err error
		if v.written && !c.noSync {
			if err = v.f.Sync(); err != nil {
				err = fmt.Errorf("syncing segment %s before closing it: %w", v.sg.path, err)
			}
		}
		if cerr := v.f.Close(); cerr != nil && err == nil && v.written {
			err = fmt.Errorf("closing segment %s: %w", v.sg.path, cerr)
		}
		if err != nil {
			c.failed(err)
		}
		if v.written {
			c.mu.Lock()
			h := &v.sg.h
			if h.closeErr == nil {
				h.closeErr = err
			}
			h.pending--
			var done chan struct{}
			if h.pending == 0 {
				done, h.closing = h.closing, nil
			}
			c.mu.Unlock()
			if done != nil {
				close(done)
			}
		}
	}
}

func (c *handleCache) pushFrontLocked(sg *segment) {
	head := c.idle
	sg.h.lruPrev, sg.h.lruNext = head, head.h.lruNext
	head.h.lruNext.h.lruPrev = sg
	head.h.lruNext = sg
}

func (c *handleCache) unlinkLocked(sg *segment) {
	if sg.h.lruPrev == nil {
		return
	}
	sg.h.lruPrev.h.lruNext = sg.h.lruNext
	sg.h.lruNext.h.lruPrev = sg.h.lruPrev
	sg.h.lruPrev, sg.h.lruNext = nil, nil
}

// fallbackOpenSegments is the budget when the open-file limit is unknown.
const fallbackOpenSegments = 1024

// DefaultMaxOpenSegments is half of the process's open-file limit
// (RLIMIT_NOFILE, whose soft value Go raises to the hard one at start-up),
// at least minOpenSegments: the other half is left to connections, the
// metadata store, the WAL and files opened for a moment (index files,
// directories to fsync).
func DefaultMaxOpenSegments() int {
	n := openFileLimit()
	if n <= 0 {
		return fallbackOpenSegments
	}
	return max(n/2, minOpenSegments)
}
