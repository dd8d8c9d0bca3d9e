package textsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Errors of searches, beside the port's.
var (
	// ErrNoIndex: a name (not a pattern) names no topic with
	// search.enabled=true (Elasticsearch's index_not_found_exception).
	ErrNoIndex = errors.New("no such index")
	// ErrBusy: every search slot stayed taken for the search's timeout.
	ErrBusy = errors.New("too many searches running")
	// ErrWindow: From+Size is past Config.MaxResultWindow.
	ErrWindow = errors.New("result window is too large")
)

// NoIndexError names the index that is not there; it is ErrNoIndex.
type NoIndexError struct{ Name string }

func (e *NoIndexError) Error() string { return fmt.Sprintf("%v [%s]", ErrNoIndex, e.Name) }
func (e *NoIndexError) Unwrap() error { return ErrNoIndex }

// IndexInfo describes one searchable topic.
type IndexInfo struct {
	Name       string
	Partitions int32
	Docs       int64 // documents indexed (sealed and active)
	Bytes      int64 // sealed indexes' packed size
}

// Resolve turns an index expression (names, comma lists, * patterns,
// _all) into the searchable topics it names, sorted. A name without a
// pattern that names no searchable topic is ErrNoIndex; a pattern may
// match none.
func (s *Service) Resolve(expr string) ([]topic.Topic, error) {
	all := s.topics.List()
	var out []topic.Topic
	add := func(t topic.Topic) {
		if !slices.ContainsFunc(out, func(o topic.Topic) bool { return o.Name == t.Name }) {
			out = append(out, t)
		}
	}
	if expr == "" {
		expr = "_all"
	}
	for _, name := range strings.Split(expr, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "_all" || name == "*":
			for _, t := range all {
				if s.Enabled(t) {
					add(t)
				}
			}
		case strings.ContainsAny(name, "*?["):
			for _, t := range all {
				if ok, _ := path.Match(name, t.Name); ok && s.Enabled(t) {
					add(t)
				}
			}
		default:
			t, ok := s.topics.Get(name)
			if !ok || !s.Enabled(t) {
				return nil, &NoIndexError{Name: name}
			}
			add(t)
		}
	}
	slices.SortFunc(out, func(a, b topic.Topic) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// view is what a search reads of one partition: its indexes, pinned,
// and the next offset they cover.
type view struct {
	topic    string
	n        int32
	position int64
	indexes  []textindex.Index
	pins     []*entry
}

// take pins partition n of t's indexes as they are now; a partition the
// pipeline has not opened yet is read from its manifest.
func (s *Service) take(ctx context.Context, t topic.Topic, n int32) (view, error) {
	v := view{topic: t.Name, n: n}
	s.mu.Lock()
	p := s.parts[partKey{t.ID, n}]
	s.mu.Unlock()
	var indexes []sealed
	if p == nil {
		m, err := s.loadManifest(ctx, t.ID, n)
		if err != nil {
			return v, err
		}
		indexes = m.Indexes
		if len(indexes) > 0 {
			v.position = indexes[len(indexes)-1].To
		}
	} else {
		p.mu.Lock()
		indexes, v.position = p.sealed, p.position
		if p.active != nil {
			s.cache.pinEntry(p.active)
			v.pins = append(v.pins, p.active)
			v.indexes = append(v.indexes, p.active.idx)
		}
		p.mu.Unlock()
	}
	for _, f := range indexes {
		e, err := s.cache.pin(ctx, f, s.fetcher(f))
		if err != nil {
			s.cache.unpin(v.pins)
			return view{}, fmt.Errorf("search: opening index %d-%d of %s-%d: %w", f.From, f.To, t.Name, n, err)
		}
		v.pins = append(v.pins, e)
		v.indexes = append(v.indexes, e.idx)
	}
	return v, nil
}

// fetcher unpacks f's object from the bucket into a directory.
func (s *Service) fetcher(f sealed) func(context.Context, string) error {
	return func(ctx context.Context, dir string) error {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		defer cancel()
		b, err := s.bucket.Get(cctx, f.Key)
		if err != nil {
			return err
		}
		return s.store.Unpack(ctx, bytes.NewReader(b), dir)
	}
}

// Search runs req over the topics expr names (see Resolve) and merges
// the partitions' answers. Past its timeout (req.Timeout, else
// Config.Timeout) it answers what the indexes searched so far found,
// with TimedOut set, as Elasticsearch does.
func (s *Service) Search(ctx context.Context, expr string, req search.Request) (out search.Result, err error) {
	start := s.clk.Now()
	defer func() { s.counters.count(s.clk.Now().Sub(start), out.TimedOut, err) }()
	topics, err := s.Resolve(expr)
	if err != nil {
		return search.Result{}, err
	}
	if req.From < 0 || req.Size < 0 || req.From+req.Size > s.cfg.MaxResultWindow {
		return search.Result{}, fmt.Errorf("%w: from + size must be less than or equal to %d but was %d", ErrWindow, s.cfg.MaxResultWindow, req.From+req.Size)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.cfg.Timeout
	}
	if req.Now.IsZero() {
		req.Now = s.clk.Now()
	}
	release, err := s.slot(ctx, timeout)
	if err != nil {
		return search.Result{}, err
	}
	defer release()
	deadline := s.clk.Now().Add(timeout)
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	aggs, err := search.NewAggState(req.Aggs, req.Now)
	if err != nil {
		return search.Result{}, err
	}
	var jobs []*partJob
	for _, t := range topics {
		ms, err := s.mappingOf(sctx, t.ID)
		if err != nil {
			return search.Result{}, err
		}
		mapping := ms.snapshot()
		for n := range t.Partitions {
			jobs = append(jobs, &partJob{t: t, n: n, mapping: mapping})
		}
	}
	sub := req
	sub.From, sub.Size = 0, req.From+req.Size
	f := &fanOut{s: s, req: sub, deadline: deadline, aggs: aggs, jobs: jobs}
	timedOut, err := f.run(ctx, sctx)
	if err != nil {
		return search.Result{}, err
	}
	marks := map[string]map[int32]int64{}
	for _, t := range topics {
		marks[t.Name] = map[int32]int64{}
	}
	for _, j := range jobs {
		if j.taken {
			marks[j.t.Name][j.n] = j.position
		}
	}
	out = search.MergeResults(req, f.parts)
	out.TimedOut = out.TimedOut || timedOut
	out.Watermarks = marks
	if out.Aggs, err = aggs.Finish(); err != nil {
		return search.Result{}, err
	}
	return out, nil
}

// searchIndex asks one index of v for its best hits and its
// aggregations' state.
//
// An index knows one partition: its _doc sort values are offsets. Across
// partitions _doc is (partition, offset), search.DocSortValue: a
// search_after value of _doc becomes the offset in its own partition, -1
// (every offset) in a later one and 2^62 (none) in an earlier one, in
// either order; the hits' values become DocSortValue again.
func searchIndex(ctx context.Context, v *view, idx textindex.Index, req search.Request, mapping search.Mapping) (textindex.Answer, error) {
	doc := slices.IndexFunc(req.Sort, func(k search.Sort) bool { return k.Field == search.SortDoc })
	if doc >= 0 && doc < len(req.SearchAfter) {
		if p, off, err := search.ParseDocID(fmt.Sprint(req.SearchAfter[doc])); err == nil {
			req.SearchAfter = slices.Clone(req.SearchAfter)
			switch {
			case v.n == p:
				req.SearchAfter[doc] = off
			case v.n > p:
				req.SearchAfter[doc] = int64(-1)
			default:
				req.SearchAfter[doc] = int64(1 << 62)
			}
		}
	}
	a, err := idx.Search(ctx, req, mapping)
	if err != nil {
		return a, err
	}
	for i := range a.Result.Hits {
		h := &a.Result.Hits[i]
		h.Index = v.topic
		if doc >= 0 && doc < len(h.Sort) {
			h.Sort[doc] = search.DocSortValue(h.Partition, h.Offset)
		}
	}
	return a, nil
}

// slot waits for one of Config.MaxConcurrent search slots.
func (s *Service) slot(ctx context.Context, wait time.Duration) (func(), error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Get returns the document id ("<partition>-<offset>") of the topic
// index, and whether it is indexed.
func (s *Service) Get(ctx context.Context, index, id string) (search.Doc, bool, error) {
	topics, err := s.Resolve(index)
	if err != nil {
		return search.Doc{}, false, err
	}
	if len(topics) != 1 || topics[0].Name != index {
		return search.Doc{}, false, &NoIndexError{Name: index}
	}
	t := topics[0]
	n, off, err := search.ParseDocID(id)
	if err != nil || n >= t.Partitions {
		return search.Doc{}, false, nil
	}
	v, err := s.take(ctx, t, n)
	if err != nil {
		return search.Doc{}, false, err
	}
	defer s.cache.unpin(v.pins)
	for _, idx := range v.indexes {
		d, ok, err := idx.Get(ctx, n, off)
		if err != nil || ok {
			return d, ok, err
		}
	}
	return search.Doc{}, false, nil
}

// Mapping returns the fields of the topic index.
func (s *Service) Mapping(ctx context.Context, t topic.Topic) (search.Mapping, error) {
	ms, err := s.mappingOf(ctx, t.ID)
	if err != nil {
		return search.Mapping{}, err
	}
	return ms.snapshot(), nil
}

// Indexes describes the searchable topics expr names.
func (s *Service) Indexes(ctx context.Context, expr string) ([]IndexInfo, error) {
	topics, err := s.Resolve(expr)
	if err != nil {
		return nil, err
	}
	out := make([]IndexInfo, 0, len(topics))
	for _, t := range topics {
		info := IndexInfo{Name: t.Name, Partitions: t.Partitions}
		for n := range t.Partitions {
			s.mu.Lock()
			p := s.parts[partKey{t.ID, n}]
			s.mu.Unlock()
			var indexes []sealed
			if p == nil {
				m, err := s.loadManifest(ctx, t.ID, n)
				if err != nil {
					return nil, err
				}
				indexes = m.Indexes
			} else {
				p.mu.Lock()
				indexes = p.sealed
				info.Docs += p.activeDocs
				p.mu.Unlock()
			}
			for _, f := range indexes {
				info.Docs += f.Docs
				info.Bytes += f.Bytes
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// MaxResultWindow is the bound of From+Size.
func (s *Service) MaxResultWindow() int { return s.cfg.MaxResultWindow }
