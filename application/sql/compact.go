package sql

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// Compaction merges runs of consecutive small files of a partition into
// one larger file, so that a query reads a few large files rather than
// hundreds of small ones (the hot buffer seals a file every ~50k records of
// 200-byte JSON). See the package documentation for the rules and the
// commit protocol.

// planMerge returns the first run files[lo:hi] worth merging, by these
// rules:
//
//   - the newest file is not merged while the partition is busy (quiet
//     false): the pipeline may not have saved its end as the watermark
//     yet (it saves the watermark after Flush returns, so the file a seal
//     just added is past it until then; an hourly or daily seal inside
//     Index may add more than one, and a failed save keeps the old
//     watermark: Open handles a watermark inside a merged file, see Open);
//     a partition without a seal for Config.CompactQuiet has saved it;
//   - never a file that begins below logStart: retention already reaches
//     into it, and merging it into a larger file would keep more records
//     below the log start;
//   - never across a time bucket (columnar.partitioning: the object key's
//     dt=/hour= directory);
//   - only files smaller than target/2 (larger ones are done), at most
//     target bytes in all;
//   - while the partition is busy, only files of similar sizes (the
//     largest at most 4 times the smallest: size tiers, so that a large
//     file is not rewritten to add a small one, which would rewrite it
//     again and again), and a run is worth merging when it has minFiles
//     files or more, or reaches target/2 bytes;
//   - once it is quiet, its whole tail of small files, two or more, of
//     any sizes: no more files are coming soon, every file costs each
//     query, and a partition rewrites at most target/2 bytes per quiet
//     period this way.
func planMerge(files []fileMeta, logStart, target int64, minFiles int, quiet bool) (lo, hi int, ok bool) {
	n := len(files)
	if !quiet {
		n--
		minFiles = max(minFiles, 2)
	} else {
		minFiles = 2
	}
	large := target / 2
	for i := 0; i < n; {
		f := files[i]
		if f.From < logStart || f.Bytes >= large {
			i++
			continue
		}
		dir := path.Dir(f.Key)
		small, big, sum := f.Bytes, f.Bytes, f.Bytes
		j := i + 1
		for ; j < n; j++ {
			g := files[j]
			if path.Dir(g.Key) != dir || g.Bytes >= large || sum+g.Bytes > target {
				break
			}
			s, b := min(small, g.Bytes), max(big, g.Bytes)
			if !quiet && b > 4*max(s, 1) {
				break
			}
			small, big, sum = s, b, sum+g.Bytes
		}
		if j-i >= 2 && (j-i >= minFiles || sum >= large) {
			return i, j, true
		}
		i = j
	}
	return 0, 0, false
}

// wakeCompaction asks the compaction loop for a pass (a file was sealed).
func (s *Service) wakeCompaction() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunCompaction merges small files and deletes the objects merges
// replaced, on every Config.CompactInterval and after every seal, until
// ctx ends; a merge under way is interrupted then (what it uploaded stays
// an orphan that the partition's next Open deletes). One merge runs at a
// time.
func (s *Service) RunCompaction(ctx context.Context) {
	t := time.NewTicker(s.cfg.CompactInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
		s.Compact(ctx)
	}
}

// Compact runs one pass: for every open partition, it deletes the garbage
// whose time came and merges runs until none is worth merging. A
// partition whose merge failed is left alone for 6 CompactIntervals. One
// pass runs at a time.
func (s *Service) Compact(ctx context.Context) {
	s.passMu.Lock()
	defer s.passMu.Unlock()
	s.mu.Lock()
	parts := make([]*partition, 0, len(s.parts))
	for _, p := range s.parts {
		parts = append(parts, p)
	}
	s.mu.Unlock()
	for _, p := range parts {
		if ctx.Err() != nil {
			return
		}
		s.collectGarbage(ctx, p)
		if s.cfg.CompactTargetBytes <= 0 || s.clk.Now().Before(p.compactRetryAt) {
			continue
		}
		for ctx.Err() == nil {
			merged, err := s.compactOnce(ctx, p)
			if err != nil {
				if ctx.Err() == nil {
					backoff := 6 * s.cfg.CompactInterval
					s.logger.Warn("sql: merging columnar files failed; retrying later", "topic", p.topic, "partition", p.n, "retry_in", backoff, "err", err)
					s.compact.failures.Add(1)
					p.compactRetryAt = s.clk.Now().Add(backoff)
				}
				break
			}
			if !merged {
				break
			}
		}
	}
}

// compactOnce merges p's first run worth merging; false when there is
// none.
func (s *Service) compactOnce(ctx context.Context, p *partition) (bool, error) {
	p.mu.Lock()
	files, logStart := p.files, p.logStart
	quiet := s.clk.Now().Sub(p.lastSeal) >= s.cfg.CompactQuiet
	p.mu.Unlock()
	lo, hi, ok := planMerge(files, logStart, s.cfg.CompactTargetBytes, s.cfg.CompactMinFiles, quiet)
	if !ok {
		return false, nil
	}
	return true, s.merge(ctx, p, slices.Clone(files[lo:hi]))
}

// merge replaces run, consecutive files of p, by one file:
//
//  1. the sources are pinned in the cache (fetched when absent) and the
//     engine merges them into a temporary file of the cache;
//  2. the merged file is uploaded under its own key (its offsets differ
//     from every source's), marked in flight so that Open's orphan sweep
//     leaves it;
//  3. under p.manifestMu, if run is still in p's files (a seal only
//     appends; Trim, Open or Drop may have removed some, then the merge is
//     dropped), the manifest replaces run by the merged file and lists
//     run's objects as garbage: this save is the commit point;
//  4. the merged file enters the cache, p's files are swapped under p.mu
//     (a query sees the sources or the merged file, never both), and the
//     sources leave the cache (a query that pinned one keeps it until it
//     unpins). Their objects go after Config.CompactDeleteDelay.
//
// A crash (or error) before 3 leaves the manifest as it was and at most
// an object it does not name; after 3, garbage the next pass deletes.
func (s *Service) merge(ctx context.Context, p *partition, run []fileMeta) error {
	start := time.Now()
	var pinned []*cached
	defer func() { s.cache.unpin(pinned) }()
	srcs := make([]string, len(run))
	out := fileMeta{From: run[0].From, To: run[len(run)-1].To, id: p.id, n: p.n, MinTS: run[0].MinTS, MaxTS: run[0].MaxTS}
	for i, f := range run {
		c, err := s.cache.pin(ctx, f, s.fetcher(f))
		if err != nil {
			return fmt.Errorf("reading file %d-%d: %w", f.From, f.To, err)
		}
		pinned = append(pinned, c)
		srcs[i] = c.path
		out.Rows += f.Rows
		out.MinTS, out.MaxTS = min(out.MinTS, f.MinTS), max(out.MaxTS, f.MaxTS)
	}
	out.Key = fmt.Sprintf("%s/%020d-%020d.parquet", path.Dir(run[0].Key), out.From, out.To)
	rel := out.localPath()
	tmp, err := s.cache.tempPath(rel + ".merge") // not a seal's temporary name
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // moved into the cache on success
	compression := "zstd"
	if t, ok := s.topics.Get(p.topic); ok {
		compression, _ = t.Value("columnar.compression")
	}
	info, err := s.engine.MergeParquet(ctx, tmp, srcs, columnar.FileOptions{Compression: compression})
	if err != nil {
		return err
	}
	if info.Rows != out.Rows {
		return fmt.Errorf("the merge of %d files wrote %d rows, their manifest says %d", len(run), info.Rows, out.Rows)
	}
	out.Bytes = info.Bytes

	p.manifestMu.Lock()
	if p.dropped {
		p.manifestMu.Unlock()
		return nil
	}
	if p.inflight == nil {
		p.inflight = map[string]bool{}
	}
	p.inflight[out.Key] = true
	p.manifestMu.Unlock()
	defer func() {
		p.manifestMu.Lock()
		delete(p.inflight, out.Key)
		p.manifestMu.Unlock()
	}()
	data, err := os.ReadFile(tmp)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		err = s.bucket.Put(cctx, out.Key, data)
		cancel()
	}
	if err != nil {
		p.manifestMu.Lock()
		s.abandonLocked(ctx, p, out.Key)
		p.manifestMu.Unlock()
		return fmt.Errorf("uploading merged file %s: %w", out.Key, err)
	}
	data = nil

	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	p.mu.Lock()
	files, trash := p.files, p.garbage
	p.mu.Unlock()
	at := indexOfRun(files, run)
	if p.dropped || at < 0 {
		s.abandonLocked(ctx, p, out.Key)
		return nil
	}
	newFiles := slices.Concat(files[:at], []fileMeta{out}, files[at+len(run):])
	after := s.clk.Now().Add(s.cfg.CompactDeleteDelay).UnixMilli()
	newGarbage := slices.Clone(trash)
	for _, f := range run {
		newGarbage = append(newGarbage, garbage{Key: f.Key, After: after})
	}
	if err := s.saveManifest(ctx, p.id, p.n, manifest{Topic: p.topic, Files: newFiles, Garbage: newGarbage}); err != nil {
		// Maybe saved after all: the object stays (an orphan the next
		// Open deletes when it was not).
		return fmt.Errorf("saving the manifest of a merge: %w", err)
	}
	if err := s.cache.add(rel, tmp, out.Bytes); err != nil {
		s.logger.Warn("sql: keeping a merged columnar file in the cache failed (queries fetch it)", "err", err)
	}
	p.mu.Lock()
	p.files, p.garbage = newFiles, newGarbage
	p.mu.Unlock()
	for _, f := range run {
		s.cache.remove(f)
	}
	s.compact.merges.Add(1)
	s.compact.files.Add(int64(len(run)))
	s.compact.rows.Add(out.Rows)
	s.compact.bytes.Add(out.Bytes)
	s.compact.nanos.Add(int64(time.Since(start)))
	s.logger.Info("sql: merged columnar files", "topic", p.topic, "partition", p.n, "files", len(run),
		"from", out.From, "to", out.To, "rows", out.Rows, "bytes", out.Bytes, "took", time.Since(start))
	return nil
}

// indexOfRun returns where run lies in files, by key, or -1.
func indexOfRun(files, run []fileMeta) int {
	for i := range files {
		if files[i].Key != run[0].Key {
			continue
		}
		if i+len(run) > len(files) {
			return -1
		}
		for j := range run {
			if files[i+j].Key != run[j].Key {
				return -1
			}
		}
		return i
	}
	return -1
}

// abandonLocked deletes a merged object no manifest will name, unless p
// has a file of that key (a seal after an Open that dropped the run may
// have written the same offsets under the same key: its object is the
// same records); a failure leaves an orphan for Open. The caller holds
// p.manifestMu.
func (s *Service) abandonLocked(ctx context.Context, p *partition, key string) {
	if !p.dropped && p.named(key) {
		return
	}
	if err := s.deleteObject(context.WithoutCancel(ctx), key); err != nil {
		s.logger.Warn("sql: deleting an abandoned merged columnar file failed", "key", key, "err", err)
	}
}

// collectGarbage deletes p's garbage objects whose time came and drops
// them from the manifest. It holds p.manifestMu throughout, so that no
// seal adds a file under a key it deletes: a garbage key that is a file's
// again (a seal after an Open that dropped the merged file wrote the same
// offsets) is dropped from the garbage without deleting its object.
func (s *Service) collectGarbage(ctx context.Context, p *partition) {
	now := s.clk.Now().UnixMilli()
	p.mu.Lock()
	due := slices.ContainsFunc(p.garbage, func(g garbage) bool { return g.After <= now })
	p.mu.Unlock()
	if !due {
		return
	}
	// Every query that took its snapshot before now has pinned its files
	// (a query's snapshot names the merged-away files only if it was taken
	// before the merge's commit).
	s.pinMu.Lock()
	s.pinMu.Unlock() //nolint:staticcheck // a barrier
	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	if p.dropped {
		return
	}
	p.mu.Lock()
	files, trash := p.files, p.garbage
	p.mu.Unlock()
	gone := map[string]bool{}
	for _, g := range trash {
		if g.After > now || gone[g.Key] {
			continue
		}
		if !p.named(g.Key) {
			if err := s.deleteObject(ctx, g.Key); err != nil {
				s.logger.Warn("sql: deleting a merged-away columnar file failed; retrying later", "key", g.Key, "err", err)
				continue
			}
		}
		gone[g.Key] = true
	}
	if len(gone) == 0 {
		return
	}
	keep := slices.DeleteFunc(slices.Clone(trash), func(g garbage) bool { return gone[g.Key] })
	if err := s.saveManifest(ctx, p.id, p.n, manifest{Topic: p.topic, Files: files, Garbage: keep}); err != nil {
		// The manifest still lists them; deleting them again is harmless.
		s.logger.Warn("sql: saving a manifest after deleting merged-away files failed", "err", err)
		return
	}
	p.mu.Lock()
	p.garbage = keep
	p.mu.Unlock()
}

// named reports whether one of p's files has key. The caller holds
// p.manifestMu.
func (p *partition) named(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.ContainsFunc(p.files, func(f fileMeta) bool { return f.Key == key })
}

// CompactionStats counts the merges since the service started.
type CompactionStats struct {
	Merges      int64         // merged files written
	FilesMerged int64         // source files they replaced
	Rows        int64         // rows written by merges
	Bytes       int64         // bytes of merged files
	Time        time.Duration // spent merging (fetch, merge, upload, commit)
	Failures    int64         // merges that failed
}

type compactCounters struct {
	merges, files, rows, bytes, nanos, failures atomic.Int64
}

// CompactionStats returns the merge counters.
func (s *Service) CompactionStats() CompactionStats {
	c := &s.compact
	return CompactionStats{Merges: c.merges.Load(), FilesMerged: c.files.Load(), Rows: c.rows.Load(), Bytes: c.bytes.Load(),
		Time: time.Duration(c.nanos.Load()), Failures: c.failures.Load()}
}
