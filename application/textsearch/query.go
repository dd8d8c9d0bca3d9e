package textsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

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
				return nil, fmt.Errorf("%w [%s]", ErrNoIndex, name)
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
