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

	mu       sync.Mutex
	position int64 // the next offset the pipeline hands over
	hotFrom  int64 // the first offset the hot buffer covers (= the end of the last file)
	hot      []document.Document
	hotBytes int64
	hotSince time.Time // when the first hot document came
	lastSeal int       // documents the last seal wrote: the size a new hot buffer starts with
	files    []fileMeta
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
// go, and so does the hot buffer.
func (s *Service) Open(ctx context.Context, tp topic.Partition, id topic.ID, from int64) error {
	m, err := s.loadManifest(ctx, id, tp.Index)
	if err != nil {
		return err
	}
	keep := len(m.Files)
	for keep > 0 && m.Files[keep-1].From >= from {
		keep--
	}
	if keep > 0 && m.Files[keep-1].To > from {
		return fmt.Errorf("columnar: %s opened at %d inside file %d-%d", tp, from, m.Files[keep-1].From, m.Files[keep-1].To)
	}
	drop := m.Files[keep:]
	m.Files, m.Topic = m.Files[:keep:keep], tp.Topic
	if len(drop) > 0 {
		if err := s.saveManifest(ctx, id, tp.Index, m); err != nil {
			return err
		}
		s.deleteFiles(ctx, drop)
	}
	s.mu.Lock()
	p := s.parts[partKey{id, tp.Index}]
	if p == nil {
		p = &partition{topic: tp.Topic, id: id, n: tp.Index}
		s.parts[partKey{id, tp.Index}] = p
	}
	s.byName[tp] = p
	s.mu.Unlock()
	p.mu.Lock()
	s.hotBytes.Add(-p.hotBytes)
	p.position, p.hotFrom, p.hot, p.hotBytes, p.files = from, from, nil, 0, m.Files
	p.mu.Unlock()
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
	if p.hot == nil && p.lastSeal > len(docs) {
		// A new buffer is made as large as the last one sealed, so that
		// it is not copied over and over as it grows (copying documents,
		// which hold pointers, was a fifth of the pipeline's CPU).
		p.hot = make([]document.Document, 0, min(p.lastSeal, reserve))
	}
	for i := range docs {
		d := &docs[i]
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
	p.position = next
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
	if len(p.hot) > 0 {
		return p.hotFrom, nil
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
	files := p.files
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
	m := manifest{Topic: p.topic, Files: append(files[:len(files):len(files)], f)}
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
	p.lastSeal = k
	p.hotBytes -= freed
	p.hotFrom = end
	p.hotSince = s.clk.Now()
	p.files = m.Files
	p.mu.Unlock()
	s.hotBytes.Add(-freed)
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
	p.mu.Lock()
	files := p.files
	p.mu.Unlock()
	k := 0
	for k < len(files) && files[k].To <= logStart {
		k++
	}
	if k == 0 {
		return nil
	}
	keep := files[k:]
	if err := s.saveManifest(ctx, p.id, p.n, manifest{Topic: p.topic, Files: keep}); err != nil {
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
		p.mu.Lock()
		s.hotBytes.Add(-p.hotBytes)
		p.hot, p.hotBytes, p.files = nil, 0, nil
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
	// Objects a crash left out of the manifest.
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
	return snap{position: p.position, hot: p.hot[:len(p.hot):len(p.hot)], files: p.files}
}
