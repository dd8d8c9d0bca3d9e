package textsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// SinkName names the text sink in watermarks and metrics.
const SinkName = "search"

// partition is the sink's state of one partition.
type partition struct {
	topic string
	id    topic.ID
	n     int32

	mu          sync.Mutex
	position    int64  // the next offset the pipeline hands over
	activeFrom  int64  // the first offset the active index covers (= the end of the last sealed one)
	active      *entry // nil until the first document after a seal
	activeDir   string // its directory's name (sealed.Dir)
	activeDocs  int64
	activeSince time.Time // when the active index got its first document
	activeMinTS int64
	activeMaxTS int64
	sealed      []sealed
	malformed   int64 // values left out of a field their type did not fit
	sealing     sync.Mutex
}

// discardActive closes and removes p's active index (at once, or when
// the last search reading it ends); p.mu is held.
func (s *Service) discardActive(p *partition) {
	if p.active != nil {
		s.cache.release(p.active)
		p.active = nil
	}
	p.activeDocs = 0
}

// Name implements the indexing sink.
func (s *Service) Name() string { return SinkName }

// Enabled reports whether t has search.enabled=true.
func (s *Service) Enabled(t topic.Topic) bool {
	v, _ := t.Value("search.enabled")
	return v == "true"
}

func (s *Service) part(tp topic.Partition) *partition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byName[tp]
}

// Open starts tp of the topic id at from: sealed indexes that begin at or
// past from go, and so does the active index.
func (s *Service) Open(ctx context.Context, tp topic.Partition, id topic.ID, from int64) error {
	m, err := s.loadManifest(ctx, id, tp.Index)
	if err != nil {
		return err
	}
	keep := len(m.Indexes)
	for keep > 0 && m.Indexes[keep-1].From >= from {
		keep--
	}
	if keep > 0 && m.Indexes[keep-1].To > from {
		return fmt.Errorf("search: %s opened at %d inside index %d-%d", tp, from, m.Indexes[keep-1].From, m.Indexes[keep-1].To)
	}
	drop := m.Indexes[keep:]
	m.Indexes, m.Topic = m.Indexes[:keep:keep], tp.Topic
	if len(drop) > 0 {
		if err := s.saveManifest(ctx, id, tp.Index, m); err != nil {
			return err
		}
		s.deleteIndexes(ctx, drop)
	}
	if _, err := s.mappingOf(ctx, id); err != nil {
		return err
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
	s.discardActive(p)
	p.position, p.activeFrom, p.sealed = from, from, m.Indexes
	p.mu.Unlock()
	return nil
}

// Index flattens docs by their topic's mapping and adds them to the
// active index.
func (s *Service) Index(ctx context.Context, tp topic.Partition, docs []document.Document, next int64) error {
	p := s.part(tp)
	if p == nil {
		return fmt.Errorf("search: %s indexed before it was opened", tp)
	}
	if len(docs) == 0 {
		p.mu.Lock()
		p.position = next
		p.mu.Unlock()
		return nil
	}
	t, _ := s.topics.Get(tp.Topic)
	explicit, _ := t.SearchMapping() // validated when set
	fields := t.SearchFields()
	analyzer, _ := t.Value("search.analyzer")
	ms, err := s.mappingOf(ctx, p.id)
	if err != nil {
		return err
	}
	pend := make([]pending, len(docs))
	seen := map[string]seenField{}
	for i := range docs {
		collect(&pend[i], &docs[i], fields)
		for j, path := range pend[i].paths {
			if _, ok := seen[path]; !ok {
				seen[path] = seenField{v: pend[i].values[j], fixed: pend[i].fixed[j]}
			}
		}
	}
	mapping := ms.learn(explicit, analyzer, seen)
	batch := make([]search.Doc, len(docs))
	var malformed int
	for i := range docs {
		d := &docs[i]
		var bad int
		batch[i] = search.Doc{Partition: d.Partition, Offset: d.Offset, Source: source(d)}
		batch[i].Fields, bad = typed(&pend[i], mapping, nil)
		malformed += bad
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == nil {
		f := sealed{id: p.id, n: p.n, From: p.activeFrom}
		e, err := s.cache.newActive(ctx, &f, textindex.Options{DefaultAnalyzer: analyzer})
		if err != nil {
			return err
		}
		p.active, p.activeDir, p.activeDocs = e, f.Dir, 0
		p.activeSince = s.clk.Now()
		p.activeMinTS, p.activeMaxTS = docs[0].Timestamp, docs[0].Timestamp
	}
	if err := p.active.idx.Add(ctx, batch, mapping); err != nil {
		return err
	}
	for i := range docs {
		p.activeMinTS, p.activeMaxTS = min(p.activeMinTS, docs[i].Timestamp), max(p.activeMaxTS, docs[i].Timestamp)
	}
	p.activeDocs += int64(len(docs))
	p.malformed += int64(malformed)
	p.position = next
	return nil
}

// Flush seals the active index when it is due and returns the offset
// below which everything is in sealed indexes.
func (s *Service) Flush(ctx context.Context, tp topic.Partition, force bool) (int64, error) {
	p := s.part(tp)
	if p == nil {
		return 0, fmt.Errorf("search: %s flushed before it was opened", tp)
	}
	p.mu.Lock()
	due := p.active != nil && (force || p.activeDocs >= s.cfg.SealDocs || s.clk.Now().Sub(p.activeSince) >= s.cfg.SealAge)
	p.mu.Unlock()
	if due {
		if err := s.seal(ctx, p); err != nil {
			return 0, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active != nil {
		return p.activeFrom, nil
	}
	p.activeFrom = p.position
	return p.position, nil
}

// seal commits the active index, uploads it packed, adds it to the
// manifest and hands it to the cache. Searches keep seeing its documents
// throughout: in the active index until the swap, in the sealed one
// after.
func (s *Service) seal(ctx context.Context, p *partition) error {
	p.sealing.Lock()
	defer p.sealing.Unlock()
	p.mu.Lock()
	e := p.active
	f := sealed{From: p.activeFrom, To: p.position, Docs: p.activeDocs, MinTS: p.activeMinTS, MaxTS: p.activeMaxTS, Dir: p.activeDir, id: p.id, n: p.n}
	indexes := p.sealed
	p.mu.Unlock()
	if e == nil {
		return nil
	}
	idx := e.idx
	// Index does not run meanwhile: the pipeline calls Index and Flush of
	// a partition one at a time.
	if ms, err := s.mappingOf(ctx, p.id); err != nil {
		return err
	} else if err := s.saveMapping(ctx, p.id, ms); err != nil {
		return err
	}
	if err := idx.Commit(ctx); err != nil {
		return err
	}
	var packed bytes.Buffer
	// about the index's files and tar's headers: the buffer does not grow
	// (and copy) its way there
	packed.Grow(int(dirSize(e.path)) + 64<<10)
	if err := idx.Pack(ctx, &packed); err != nil {
		return err
	}
	f.Bytes = int64(packed.Len())
	f.Key = fmt.Sprintf("%s%s-%s/%d/%020d-%020d.index", objectPrefix, p.topic, p.id, p.n, f.From, f.To)
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	err := s.bucket.Put(cctx, f.Key, packed.Bytes())
	cancel()
	if err != nil {
		return fmt.Errorf("search: uploading index %s: %w", f.Key, err)
	}
	m := manifest{Topic: p.topic, Indexes: append(indexes[:len(indexes):len(indexes)], f)}
	if err := s.saveManifest(ctx, p.id, p.n, m); err != nil {
		return err
	}
	// The index stays open and where it is: the cache takes it over in
	// the same step that lists it as sealed (lock order: the partition,
	// then the cache), so no search sees it in neither place and no
	// eviction closes it while it is still the active one.
	size := dirSize(e.path)
	p.mu.Lock()
	s.cache.adopt(e, size)
	p.active, p.activeDocs = nil, 0
	p.activeFrom = f.To
	p.sealed = m.Indexes
	p.mu.Unlock()
	return nil
}

// objectPrefix starts every search object key.
const objectPrefix = "search/"

// Trim drops sealed indexes wholly below the log start.
func (s *Service) Trim(ctx context.Context, tp topic.Partition, logStart int64) error {
	p := s.part(tp)
	if p == nil {
		return nil
	}
	p.sealing.Lock()
	defer p.sealing.Unlock()
	p.mu.Lock()
	indexes := p.sealed
	p.mu.Unlock()
	k := 0
	for k < len(indexes) && indexes[k].To <= logStart {
		k++
	}
	if k == 0 {
		return nil
	}
	keep := indexes[k:]
	if err := s.saveManifest(ctx, p.id, p.n, manifest{Topic: p.topic, Indexes: keep}); err != nil {
		return err
	}
	p.mu.Lock()
	p.sealed = keep
	p.mu.Unlock()
	s.deleteIndexes(ctx, indexes[:k])
	return nil
}

// Drop removes partition n of the topic id: its manifest, its objects
// and its local indexes.
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
		s.discardActive(p)
		p.sealed = nil
		if m.Topic == "" {
			m.Topic = p.topic
		}
		p.mu.Unlock()
	}
	if err := s.saveManifest(ctx, id, n, manifest{}); err != nil {
		return err
	}
	s.deleteIndexes(ctx, m.Indexes)
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

// deleteIndexes removes sealed indexes from the bucket and the cache; a
// failure is logged (no manifest lists them any more; Drop's listing
// finds them).
func (s *Service) deleteIndexes(ctx context.Context, indexes []sealed) {
	for _, f := range indexes {
		s.cache.remove(f)
		if err := s.deleteObject(ctx, f.Key); err != nil {
			s.logger.Warn("search: deleting an index from the object store failed", "key", f.Key, "err", err)
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
