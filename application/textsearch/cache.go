package textsearch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/ports/textindex"
)

// cache keeps sealed indexes on local disk, open while searches use
// them: those sealed here and those fetched back from the bucket. At
// most max bytes, least recently used out, never a pinned index.
type cache struct {
	dir    string
	max    int64
	store  textindex.Store
	logger *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry // by directory relative to dir
	total   int64
	clock   int64
	seq     int64 // names active indexes' directories
	closed  bool
}

type entry struct {
	rel, path string
	size      int64
	pins      int
	gone      bool // removed while pinned: deleted at its last unpin
	lastUse   int64
	ready     chan struct{} // closed once on disk and open (or failed)
	err       error
	idx       textindex.Index
}

var errCacheClosed = errors.New("search: the index cache is closed")

// partialSuffix marks an index directory whose fetch has not ended.
const partialSuffix = ".partial"

// openCache prepares dir: sealed indexes that keep names stay (opened on
// first use); others, and the active indexes of an earlier run, go.
func openCache(dir string, max int64, keep map[string]bool, store textindex.Store, logger *slog.Logger) (*cache, error) {
	c := &cache{dir: dir, max: max, store: store, logger: logger, entries: map[string]*entry{}}
	if err := os.MkdirAll(filepath.Join(dir, "idx"), 0o700); err != nil {
		return nil, fmt.Errorf("search index directory: %w", err)
	}
	// idx/<topic id>/<partition>/<dir>
	found, _ := filepath.Glob(filepath.Join(dir, "idx", "*", "*", "*"))
	for _, p := range found {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			continue
		}
		if strings.HasSuffix(p, partialSuffix) {
			if _, err := os.Stat(strings.TrimSuffix(p, partialSuffix)); err != nil {
				_ = os.Remove(p) // its directory is gone already
			}
			continue
		}
		if _, err := os.Stat(p + partialSuffix); err == nil || !keep[rel] {
			_ = os.Remove(p + partialSuffix)
			if err := os.RemoveAll(p); err != nil {
				logger.Warn("search: removing an index no manifest lists failed", "err", err)
			}
			continue
		}
		e := &entry{rel: rel, path: p, size: dirSize(p), ready: make(chan struct{})}
		close(e.ready)
		c.entries[rel] = e
		c.total += e.size
	}
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return c, nil
}

// newActive creates the index that will hold f's documents from f.From,
// in a directory of its own (named in f.Dir), empty, open and pinned by
// its partition (its first pin).
func (c *cache) newActive(ctx context.Context, f *sealed, opt textindex.Options) (*entry, error) {
	c.mu.Lock()
	c.seq++
	f.Dir = fmt.Sprintf("%d-%d-%d", f.From, time.Now().UnixNano(), c.seq)
	c.mu.Unlock()
	rel := f.localDir()
	e := &entry{rel: rel, path: filepath.Join(c.dir, rel), pins: 1, ready: make(chan struct{})}
	close(e.ready)
	if err := os.MkdirAll(e.path, 0o700); err != nil {
		return nil, fmt.Errorf("search: creating an index: %w", err)
	}
	idx, err := c.store.Open(ctx, e.path, opt)
	if err != nil {
		_ = os.RemoveAll(e.path)
		return nil, err
	}
	e.idx = idx
	return e, nil
}

// adopt takes an active index, now sealed, into the cache; its
// partition's pin becomes the cache's to evict.
func (c *cache) adopt(e *entry, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.size = size
	c.clock++
	e.lastUse = c.clock
	c.entries[e.rel] = e
	c.total += e.size
	e.pins--
	c.evictLocked()
}

// pinEntry adds a search's pin to an entry it already holds (an active
// index).
func (c *cache) pinEntry(e *entry) {
	c.mu.Lock()
	e.pins++
	c.mu.Unlock()
}

// release drops the partition's pin of an active index it discards: the
// index is closed and removed now, or at its last search's unpin.
func (c *cache) release(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.gone = true
	if e.pins--; e.pins == 0 {
		c.dropLocked(e)
	}
}

// pin returns f's index, open, fetching it first when it is not on
// disk, and keeps it until unpin.
func (c *cache) pin(ctx context.Context, f sealed, fetch func(context.Context, string) error) (*entry, error) {
	rel := f.localDir()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errCacheClosed
	}
	e, ok := c.entries[rel]
	if !ok {
		e = &entry{rel: rel, path: filepath.Join(c.dir, rel), ready: make(chan struct{})}
		c.entries[rel] = e
		e.pins++
		c.mu.Unlock()
		c.fill(ctx, e, fetch)
	} else {
		e.pins++
		c.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		c.unpin([]*entry{e})
		return nil, ctx.Err()
	}
	if e.err != nil {
		c.unpin([]*entry{e})
		return nil, e.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	e.lastUse = c.clock
	if e.idx == nil {
		idx, err := c.store.Open(ctx, e.path, textindex.Options{})
		if err != nil {
			e.pins--
			c.dropLocked(e) // damaged on disk: fetched again next time
			return nil, err
		}
		e.idx = idx
	}
	return e, nil
}

// fill fetches e's index into its directory. A marker beside the
// directory says it is incomplete until the fetch ends: an index cut
// short by a crash is removed at the next start.
func (c *cache) fill(ctx context.Context, e *entry, fetch func(context.Context, string) error) {
	defer close(e.ready)
	marker := e.path + partialSuffix
	_ = os.RemoveAll(e.path)
	err := os.MkdirAll(filepath.Dir(e.path), 0o700)
	if err == nil {
		err = os.WriteFile(marker, nil, 0o600)
	}
	if err == nil {
		err = fetch(ctx, e.path)
	}
	if err == nil {
		err = os.Remove(marker)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		_ = os.RemoveAll(e.path)
		_ = os.Remove(marker)
		e.err = err
		if c.entries[e.rel] == e {
			delete(c.entries, e.rel)
		}
		return
	}
	e.size = dirSize(e.path)
	c.total += e.size
	c.evictLocked()
}

func (c *cache) unpin(es []*entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range es {
		if e.pins--; e.pins == 0 && e.gone {
			c.dropLocked(e)
		}
	}
	c.evictLocked()
}

// remove deletes f's index (its data left the partition).
func (c *cache) remove(f sealed) {
	rel := f.localDir()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[rel]
	switch {
	case !ok:
		_ = os.RemoveAll(filepath.Join(c.dir, rel))
	case e.pins > 0:
		e.gone = true
	default:
		c.dropLocked(e)
	}
}

func (c *cache) dropLocked(e *entry) {
	if cur, ok := c.entries[e.rel]; ok && cur == e {
		delete(c.entries, e.rel)
		c.total -= e.size
	}
	if e.idx != nil {
		_ = e.idx.Close()
		e.idx = nil
	}
	if err := os.RemoveAll(e.path); err != nil {
		c.logger.Warn("search: removing a cached index failed", "err", err)
	}
}

func (c *cache) evictLocked() {
	for c.total > c.max {
		var victim *entry
		for _, e := range c.entries {
			if e.pins == 0 && isReady(e) && (victim == nil || e.lastUse < victim.lastUse) {
				victim = e
			}
		}
		if victim == nil {
			return
		}
		c.dropLocked(victim)
	}
}

func isReady(e *entry) bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

// size is the bytes the cache holds.
func (c *cache) size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// close closes every open index; pins fail from now on.
func (c *cache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, e := range c.entries {
		if e.idx != nil {
			_ = e.idx.Close()
			e.idx = nil
		}
	}
	return nil
}

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
