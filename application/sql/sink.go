package sql

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// SinkName names the columnar sink in watermarks and metrics.
const SinkName = "columnar"

// partition is the sink's state of one partition.
type partition struct {
	topic string
	id    topic.ID
	n     int32

	// manifestMu serializes the partition's manifest writes (a seal's,
	// Trim's, Open's, Drop's, a compaction's and its garbage collection's):
	// each reads the files and writes the manifest under it, so none loses
	// another's update. Taken before mu.
	manifestMu sync.Mutex
	inflight   map[string]bool // keys of merged objects uploaded, not yet in the manifest
	dropped    bool            // Drop ran: a compaction under way must not commit

	mu        sync.Mutex
	position  int64 // the next offset the pipeline hands over
	hotFrom   int64 // the first offset the hot buffer covers (= the end of the last file)
	skipBelow int64 // documents below this are already in a file (Open inside a merged file)
	hot       []document.Document
	hotBytes  int64
	hotSince  time.Time // when the first hot document came
	files     []fileMeta
	garbage   []garbage // replaced by a merge, deleted from the bucket later
	logStart  int64     // the log start Trim was last told
	lastSeal  time.Time // when the last file was sealed (or the partition opened)

	compactRetryAt time.Time // after a failed merge; only the compaction loop touches it
	lastSealDocs   int       // documents the last seal wrote: the size a new hot buffer starts with
}

type partKey struct {
	id topic.ID
	n  int32
}

// Name implements the indexing sink.
func (s *Service) Name() string { return SinkName }

// Enabled reports whether t has columnar.enabled=true.
func (s *Service) Enabled(t topic.Topic) bool {
	v, _ := t.Value("columnar.enabled")
	return v == "true"
}

// part returns the partition of tp that Open started, or nil.
func (s *Service) part(tp topic.Partition) *partition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byName[tp]
}

// Open starts tp of the topic id at from: files that begin at or past from
// go, and so does the hot buffer. When from falls inside a file (a merged
// file: compaction merged files whose end the pipeline had not saved as
// its watermark yet, see compact.go) the file stays, and the documents
// below its end that the pipeline hands over again are skipped: each
// offset stays in the sink once. Objects under the partition's prefix
// that the manifest does not name (a crash between an upload and the
// manifest's save) are deleted.
func (s *Service) Open(ctx context.Context, tp topic.Partition, id topic.ID, from int64) error {
	s.mu.Lock()
	p := s.parts[partKey{id, tp.Index}]
	s.mu.Unlock()
	if p == nil {
		// Others see it once it is opened (until then a query reads the
		// manifest).
		p = &partition{topic: tp.Topic, id: id, n: tp.Index}
	}
	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	m, err := s.loadManifest(ctx, id, tp.Index)
	if err != nil {
		return err
	}
	keep := len(m.Files)
	for keep > 0 && m.Files[keep-1].From >= from {
		keep--
	}
	skip := from
	if keep > 0 && m.Files[keep-1].To > from {
		skip = m.Files[keep-1].To
	}
	drop := m.Files[keep:]
	m.Files, m.Topic = m.Files[:keep:keep], tp.Topic
	if len(drop) > 0 {
		if err := s.saveManifest(ctx, id, tp.Index, m); err != nil {
			return err
		}
		s.deleteFiles(ctx, drop)
	}
	if err := s.deleteOrphans(ctx, p, tp.Topic, m); err != nil {
		s.logger.Warn("sql: removing columnar objects no manifest names failed", "partition", tp, "err", err)
	}
	p.mu.Lock()
	s.hotBytes.Add(-p.hotBytes)
	p.position, p.hotFrom, p.skipBelow, p.hot, p.hotBytes, p.files, p.garbage = from, skip, skip, nil, 0, m.Files, m.Garbage
	p.lastSeal = s.clk.Now()
	p.mu.Unlock()
	s.mu.Lock()
	s.parts[partKey{id, tp.Index}] = p
	s.byName[tp] = p
	s.mu.Unlock()
	return nil
}

// deleteOrphans deletes the objects under p's prefix that m names neither
// as a file nor as garbage, and that no compaction is uploading. The
// caller holds p.manifestMu.
func (s *Service) deleteOrphans(ctx context.Context, p *partition, name string, m manifest) error {
	named := map[string]bool{}
	for _, f := range m.Files {
		named[f.Key] = true
	}
	for _, g := range m.Garbage {
		named[g.Key] = true
	}
	prefix := fmt.Sprintf("%s%s-%s/%d/", objectPrefix, name, p.id, p.n)
	var orphans []string
	for token := ""; ; {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		objs, next, err := s.bucket.List(cctx, prefix, token, 0)
		cancel()
		if err != nil {
			return err
		}
		for _, o := range objs {
			if !named[o.Key] && !p.inflight[o.Key] {
				orphans = append(orphans, o.Key)
			}
		}
		if token = next; token == "" {
			break
		}
	}
	for _, k := range orphans {
		if err := s.deleteObject(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Index adds docs to the hot buffer; a document in a later hour or day
// than the buffer's first (columnar.partitioning) seals the buffer first.
func (s *Service) Index(ctx context.Context, tp topic.Partition, docs []document.Document, next int64) error {
	p := s.part(tp)
	if p == nil {
		return fmt.Errorf("columnar: %s indexed before it was opened", tp)
	}
	bucket := s.timeBucket(tp.Topic)
	reserve := s.reserve()
	p.mu.Lock()
	if p.hot == nil && p.lastSealDocs > len(docs) {
		// A new buffer is made as large as the last one sealed, so that
		// it is not copied over and over as it grows (copying documents,
		// which hold pointers, was a fifth of the pipeline's CPU).
		p.hot = make([]document.Document, 0, min(p.lastSealDocs, reserve))
	}
	for i := range docs {
		d := &docs[i]
		if d.Offset < p.skipBelow {
			continue // in a file already (Open inside a merged file)
		}
		if bucket != nil && len(p.hot) > 0 && bucket(d.Timestamp) > bucket(p.hot[0].Timestamp) {
			p.mu.Unlock()
			if err := s.seal(ctx, p, d.Offset); err != nil {
				return err
			}
			p.mu.Lock()
		}
		if len(p.hot) == 0 {
			p.hotSince = s.clk.Now()
		}
		p.hot = append(p.hot, *d)
		size := docBytes(d)
		p.hotBytes += size
		s.hotBytes.Add(size)
		p.position = d.Offset + 1
	}
	p.position = max(p.position, next)
	p.mu.Unlock()
	return nil
}

// reserve is how many documents a new hot buffer may make room for at
// once: at most HotMaxRecords, and together no more than NodeHotBytes
// over all partitions (room made is not counted as hot bytes, so this
// bounds it apart).
func (s *Service) reserve() int {
	s.mu.Lock()
	n := max(len(s.parts), 1)
	s.mu.Unlock()
	return min(s.cfg.HotMaxRecords, int(s.cfg.NodeHotBytes/int64(n)/int64(unsafe.Sizeof(document.Document{}))))
}

// docBytes estimates what a document holds in memory.
func docBytes(d *document.Document) int64 {
	n := int64(len(d.Key)+len(d.Value)) + 96
	for _, h := range d.Headers {
		n += int64(len(h.Key)+len(h.Value)) + 32
	}
	if d.Kind != document.Raw {
		n += int64(len(d.Value)) * 2 // the decoded fields, roughly
	}
	return n
}

// timeBucket returns how columnar.partitioning groups timestamps, or nil
// for none.
func (s *Service) timeBucket(name string) func(ms int64) int64 {
	t, ok := s.topics.Get(name)
	if !ok {
		return nil
	}
	switch v, _ := t.Value("columnar.partitioning"); v {
	case "hourly":
		return func(ms int64) int64 { return ms / int64(time.Hour/time.Millisecond) }
	case "daily":
		return func(ms int64) int64 { return ms / int64(24*time.Hour/time.Millisecond) }
	}
	return nil
}

// Flush seals the hot buffer when it is due and returns the offset below
// which everything is in files.
func (s *Service) Flush(ctx context.Context, tp topic.Partition, force bool) (int64, error) {
	p := s.part(tp)
	if p == nil {
		return 0, fmt.Errorf("columnar: %s flushed before it was opened", tp)
	}
	p.mu.Lock()
	due := len(p.hot) > 0 && (force ||
		len(p.hot) >= s.cfg.HotMaxRecords ||
		p.hotBytes >= s.cfg.HotMaxBytes ||
		s.clk.Now().Sub(p.hotSince) >= s.cfg.HotMaxAge ||
		s.hotBytes.Load() > s.cfg.NodeHotBytes)
	end := p.position
	p.mu.Unlock()
	if due {
		if err := s.seal(ctx, p, end); err != nil {
			return 0, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.hot) > 0 || p.position < p.hotFrom {
		// Below hotFrom while skipping what a merged file holds: the
		// position is durable, and less than the file's end.
		return min(p.hotFrom, p.position), nil
	}
	return p.position, nil
}

// seal writes the hot documents below end as one file, uploads it, adds
// it to the manifest and then swaps it for them.
func (s *Service) seal(ctx context.Context, p *partition, end int64) error {
	p.mu.Lock()
	k := len(p.hot)
	for k > 0 && p.hot[k-1].Offset >= end {
		k--
	}
	docs, from := p.hot[:k:k], p.hotFrom
	p.mu.Unlock()
	if k == 0 {
		// Nothing to write: the buffer's offsets below end had no
		// documents (control batches). Move its start.
		p.mu.Lock()
		p.hotFrom = max(p.hotFrom, min(end, p.position))
		p.mu.Unlock()
		return nil
	}
	f := fileMeta{From: from, To: end, id: p.id, n: p.n, Rows: int64(len(docs)), MinTS: docs[0].Timestamp, MaxTS: docs[0].Timestamp}
	for _, d := range docs {
		f.MinTS, f.MaxTS = min(f.MinTS, d.Timestamp), max(f.MaxTS, d.Timestamp)
	}
	f.Key = s.objectKey(p, f, docs[0].Timestamp)
	compression := "zstd"
	if t, ok := s.topics.Get(p.topic); ok {
		compression, _ = t.Value("columnar.compression")
	}
	if err := s.write(ctx, &f, docs, compression); err != nil {
		return err
	}
	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	p.mu.Lock()
	files, garbage := p.files, p.garbage
	p.mu.Unlock()
	m := manifest{Topic: p.topic, Files: append(files[:len(files):len(files)], f), Garbage: garbage}
	if err := s.saveManifest(ctx, p.id, p.n, m); err != nil {
		return err
	}
	var freed int64
	p.mu.Lock()
	for _, d := range p.hot[:k] {
		freed += docBytes(&d)
	}
	p.hot = p.hot[k:]
	if len(p.hot) == 0 {
		p.hot = nil
	}
	p.lastSealDocs = k
	p.hotBytes -= freed
	p.hotFrom = end
	p.hotSince = s.clk.Now()
	p.lastSeal = p.hotSince
	p.files = m.Files
	p.mu.Unlock()
	s.hotBytes.Add(-freed)
	s.wakeCompaction()
	return nil
}

// write writes f's Parquet file into the cache and uploads it.
func (s *Service) write(ctx context.Context, f *fileMeta, docs []document.Document, compression string) error {
	rel := f.localPath()
	tmp, err := s.cache.tempPath(rel)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	info, err := s.engine.WriteParquet(ctx, out, docs, columnar.FileOptions{Compression: compression})
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(tmp)
	}
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		err = s.bucket.Put(cctx, f.Key, data)
		cancel()
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sealing columnar file %s: %w", f.Key, err)
	}
	f.Bytes = info.Bytes
	return s.cache.add(rel, tmp, int64(len(data)))
}

// objectKey is columnar/<topic>-<id>/<n>/[dt=<day>/[hour=<h>/]]<from>-<to>.parquet,
// the day and hour those of the file's first record (ts): the time bucket
// the file was cut for.
func (s *Service) objectKey(p *partition, f fileMeta, ts int64) string {
	dir := fmt.Sprintf("%s%s-%s/%d/", objectPrefix, p.topic, p.id, p.n)
	if t, ok := s.topics.Get(p.topic); ok {
		at := time.UnixMilli(ts).UTC()
		switch v, _ := t.Value("columnar.partitioning"); v {
		case "daily":
			dir += at.Format("dt=2006-01-02/")
		case "hourly":
			dir += at.Format("dt=2006-01-02/hour=15/")
		}
	}
	return fmt.Sprintf("%s%020d-%020d.parquet", dir, f.From, f.To)
}

// objectPrefix starts every columnar object key.
const objectPrefix = "columnar/"

// Trim drops files wholly below the log start.
func (s *Service) Trim(ctx context.Context, tp topic.Partition, logStart int64) error {
	p := s.part(tp)
	if p == nil {
		return nil
	}
	p.manifestMu.Lock()
	defer p.manifestMu.Unlock()
	p.mu.Lock()
	files, garbage := p.files, p.garbage
	p.logStart = max(p.logStart, logStart)
	p.mu.Unlock()
	k := 0
	for k < len(files) && files[k].To <= logStart {
		k++
	}
	if k == 0 {
		return nil
	}
	keep := files[k:]
	if err := s.saveManifest(ctx, p.id, p.n, manifest{Topic: p.topic, Files: keep, Garbage: garbage}); err != nil {
		return err
	}
	p.mu.Lock()
	p.files = keep
	p.mu.Unlock()
	s.deleteFiles(ctx, files[:k])
	return nil
}

// Drop removes partition n of the topic id: its manifest, its objects and
// its cached files.
func (s *Service) Drop(ctx context.Context, id topic.ID, n int32) error {
	m, err := s.loadManifest(ctx, id, n)
	if err != nil {
		return err
	}
	s.mu.Lock()
	p := s.parts[partKey{id, n}]
	delete(s.parts, partKey{id, n})
	if p != nil {
		tp := topic.Partition{Topic: p.topic, Index: n}
		if s.byName[tp] == p {
			delete(s.byName, tp)
		}
	}
	s.mu.Unlock()
	if p != nil {
		// Held to the end: a compaction under way sees dropped and
		// deletes what it uploaded itself.
		p.manifestMu.Lock()
		defer p.manifestMu.Unlock()
		p.dropped = true
		p.mu.Lock()
		s.hotBytes.Add(-p.hotBytes)
		p.hot, p.hotBytes, p.files, p.garbage = nil, 0, nil, nil
		if m.Topic == "" {
			m.Topic = p.topic
		}
		p.mu.Unlock()
	}
	if err := s.saveManifest(ctx, id, n, manifest{}); err != nil {
		return err
	}
	s.deleteFiles(ctx, m.Files)
	if m.Topic == "" {
		return nil
	}
	// Objects a crash left out of the manifest, and garbage.
	prefix := fmt.Sprintf("%s%s-%s/%d/", objectPrefix, m.Topic, id, n)
	for token := ""; ; {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		objs, next, err := s.bucket.List(cctx, prefix, token, 0)
		cancel()
		if err != nil {
			return err
		}
		for _, o := range objs {
			if err := s.deleteObject(ctx, o.Key); err != nil {
				return err
			}
		}
		if token = next; token == "" {
			return nil
		}
	}
}

// deleteFiles removes files from the bucket and the cache; a failure is
// logged (the manifest no longer lists them; Drop's listing finds them).
func (s *Service) deleteFiles(ctx context.Context, files []fileMeta) {
	for _, f := range files {
		s.cache.remove(f)
		if err := s.deleteObject(ctx, f.Key); err != nil {
			s.logger.Warn("sql: deleting a columnar file from the object store failed", "key", f.Key, "err", err)
		}
	}
}

func (s *Service) deleteObject(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.bucket.Delete(ctx, key); err != nil && !errors.Is(err, objstore.ErrNotFound) {
		return err
	}
	return nil
}

// snap is what a query sees of one partition.
type snap struct {
	position int64
	hot      []document.Document
	files    []fileMeta
}

// snapshot takes partition n of t as it is now; a partition the pipeline
// has not opened yet is read from its manifest.
func (s *Service) snapshot(t topic.Topic, n int32) snap {
	s.mu.Lock()
	p := s.parts[partKey{t.ID, n}]
	s.mu.Unlock()
	if p == nil {
		m, err := s.loadManifest(context.Background(), t.ID, n)
		if err != nil || len(m.Files) == 0 {
			return snap{}
		}
		return snap{position: m.Files[len(m.Files)-1].To, files: m.Files}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Past the position while skipping what a merged file holds.
	return snap{position: max(p.position, p.hotFrom), hot: p.hot[:len(p.hot):len(p.hot)], files: p.files}
}
