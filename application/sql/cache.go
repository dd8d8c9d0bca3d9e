package sql

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// cache keeps Parquet files on local disk for queries: those sealed here
// and those fetched back from the bucket. At most max bytes, least
// recently used out, never a pinned file.
type cache struct {
	dir    string
	max    int64
	logger *slog.Logger

	mu    sync.Mutex
	files map[string]*cached // by path relative to dir
	total int64
	clock int64 // use counter for LRU
}

type cached struct {
	rel, path string
	size      int64
	pins      int
	gone      bool // removed while pinned: deleted at its last unpin
	lastUse   int64
	ready     chan struct{} // closed once fetched (or failed)
	err       error
}

func openCache(dir string, max int64, keep map[string]fileMeta, logger *slog.Logger) (*cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("columnar cache: %w", err)
	}
	c := &cache{dir: dir, max: max, logger: logger, files: map[string]*cached{}}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if _, ok := keep[rel]; !ok || strings.HasSuffix(rel, ".tmp") {
			return os.Remove(path)
		}
		c.insert(rel, info.Size())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columnar cache: %w", err)
	}
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return c, nil
}

// insert adds a file present on disk.
func (c *cache) insert(rel string, size int64) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.files[rel]; ok {
		c.total -= old.size
	}
	c.clock++
	e := &cached{rel: rel, path: filepath.Join(c.dir, rel), size: size, lastUse: c.clock, ready: make(chan struct{})}
	close(e.ready)
	c.files[rel] = e
	c.total += size
	return e
}

// tempPath returns where to write a file before it is added under rel.
func (c *cache) tempPath(rel string) (string, error) {
	path := filepath.Join(c.dir, rel+".tmp")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return path, nil
}

// add moves a finished temp file into place under rel.
func (c *cache) add(rel, tmp string, size int64) error {
	if err := os.Rename(tmp, filepath.Join(c.dir, rel)); err != nil {
		return err
	}
	c.insert(rel, size)
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return nil
}

// pin returns f's cached file, fetching it first when absent, and keeps
// it until unpin.
func (c *cache) pin(ctx context.Context, f fileMeta, fetch func(context.Context) ([]byte, error)) (*cached, error) {
	rel := f.localPath()
	c.mu.Lock()
	e, ok := c.files[rel]
	if !ok {
		e = &cached{rel: rel, path: filepath.Join(c.dir, rel), ready: make(chan struct{})}
		c.files[rel] = e
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
		c.unpin([]*cached{e})
		return nil, ctx.Err()
	}
	if e.err != nil {
		c.unpin([]*cached{e})
		return nil, e.err
	}
	c.mu.Lock()
	c.clock++
	e.lastUse = c.clock
	c.mu.Unlock()
	return e, nil
}

// fill fetches e's bytes into its file; others waiting on e.ready see the
// result.
func (c *cache) fill(ctx context.Context, e *cached, fetch func(context.Context) ([]byte, error)) {
	defer close(e.ready)
	b, err := fetch(ctx)
	if err == nil {
		var tmp string
		if tmp, err = c.tempPath(e.rel); err == nil {
			if err = os.WriteFile(tmp, b, 0o600); err == nil {
				err = os.Rename(tmp, e.path)
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		e.err = err
		if c.files[e.rel] == e {
			delete(c.files, e.rel)
		}
		return
	}
	e.size = int64(len(b))
	c.total += e.size
	c.evictLocked()
}

func (c *cache) unpin(es []*cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range es {
		if e.pins--; e.pins == 0 && e.gone {
			c.dropLocked(e)
		}
	}
	c.evictLocked()
}

// remove deletes a file (its data left the partition).
func (c *cache) remove(f fileMeta) {
	rel := f.localPath()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.files[rel]
	switch {
	case !ok:
		_ = os.Remove(filepath.Join(c.dir, rel))
	case e.pins > 0:
		e.gone = true // a query reads it: its last unpin deletes it
	default:
		c.dropLocked(e)
	}
}

func (c *cache) dropLocked(e *cached) {
	cur, ok := c.files[e.rel]
	if ok && cur != e {
		return // a newer file of the same name took its place
	}
	if ok {
		delete(c.files, e.rel)
		c.total -= e.size
	}
	if err := os.Remove(e.path); err != nil && !os.IsNotExist(err) {
		c.logger.Warn("sql: removing a cached columnar file failed", "err", err)
	}
}

// evictLocked removes least recently used unpinned files until the cache
// fits.
func (c *cache) evictLocked() {
	for c.total > c.max {
		var victim *cached
		for _, e := range c.files {
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

func isReady(e *cached) bool {
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
