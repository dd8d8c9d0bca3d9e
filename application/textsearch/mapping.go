package textsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// mappingState is one topic's mapping: the fields of search.mapping,
// then those learnt from its documents. It only grows; each change makes
// a new map, so a search holds a consistent one without locking.
type mappingState struct {
	mu      sync.Mutex
	current search.Mapping
	saved   bool // current is in the metastore
	loaded  bool
}

const mappingPrefix = "search/mapping/"

func mappingKey(id topic.ID) []byte { return fmt.Appendf(nil, "%s%s", mappingPrefix, id) }

// mappingOf returns the topic's mapping state, loading it once.
func (s *Service) mappingOf(ctx context.Context, id topic.ID) (*mappingState, error) {
	s.mu.Lock()
	m := s.mappings[id]
	if m == nil {
		m = &mappingState{}
		s.mappings[id] = m
	}
	s.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded {
		return m, nil
	}
	v, err := s.meta.Get(ctx, mappingKey(id))
	switch {
	case errors.Is(err, metastore.ErrNotFound):
		m.current = search.Mapping{Fields: map[string]search.FieldMapping{}}
	case err != nil:
		return nil, err
	default:
		var fields map[string]search.FieldMapping
		if err := json.Unmarshal(v, &fields); err != nil {
			return nil, fmt.Errorf("search mapping of %s: %w", id, err)
		}
		m.current = search.Mapping{Fields: fields}
	}
	m.loaded, m.saved = true, true
	return m, nil
}

// snapshot is the mapping as it is now.
func (m *mappingState) snapshot() search.Mapping {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Bounds of a topic's mapping, as Elasticsearch's
// index.mapping.total_fields.limit: fields past MaxFields (metadata
// fields aside) and paths longer than MaxPathBytes are not mapped, so
// documents with ever new field names cannot grow the mapping, the
// metastore and the indexes without bound.
const (
	MaxFields    = 1000
	MaxPathBytes = 512
)

// metadataField: mapped whatever the bounds.
var metadataField = map[string]bool{search.FieldPartition: true, search.FieldOffset: true, search.FieldTimestamp: true, search.FieldKey: true}

// seenField is a value first seen at a path, and the type the path has
// whatever the values (metadata fields, headers, a raw value).
type seenField struct {
	v     search.Scalar
	fixed search.FieldType
}

// learn maps the paths of seen not mapped yet and returns the mapping
// that holds them all.
func (m *mappingState) learn(explicit map[string]topic.SearchField, analyzer string, seen map[string]seenField) search.Mapping {
	m.mu.Lock()
	defer m.mu.Unlock()
	var next map[string]search.FieldMapping
	add := func(path string, f search.FieldMapping) {
		if next == nil {
			next = maps.Clone(m.current.Fields)
		}
		next[path] = f
	}
	full := func() bool { // next, once made, holds current too
		if next != nil {
			return len(next) >= MaxFields
		}
		return len(m.current.Fields) >= MaxFields
	}
	for path, f := range seen {
		if _, ok := m.current.Fields[path]; ok {
			continue
		}
		if len(path) > MaxPathBytes || (full() && !metadataField[path]) {
			continue // not mapped: its values are left out, as a malformed value's
		}
		if f.fixed != "" {
			add(path, search.FieldMapping{Type: f.fixed, Index: true, Analyzer: textAnalyzer(f.fixed, analyzer)})
			continue
		}
		if e, ok := explicit[path]; ok {
			add(path, explicitField(e, analyzer))
			continue
		}
		t, ok := search.Infer(f.v)
		if !ok {
			continue
		}
		add(path, search.FieldMapping{Type: t, Index: true, Analyzer: textAnalyzer(t, analyzer)})
		if t == search.Text {
			add(path+search.KeywordSuffix, search.FieldMapping{Type: search.Keyword, Index: true})
		}
	}
	if next != nil {
		m.current = search.Mapping{Fields: next}
		m.saved = false
	}
	return m.current
}

// save stores the mapping when it changed since it was last saved.
func (s *Service) saveMapping(ctx context.Context, id topic.ID, m *mappingState) error {
	m.mu.Lock()
	cur, saved := m.current, m.saved
	m.mu.Unlock()
	if saved {
		return nil
	}
	v, err := json.Marshal(cur.Fields)
	if err != nil {
		return err
	}
	if err := s.meta.Apply(ctx, metastore.Put(mappingKey(id), v)); err != nil {
		return err
	}
	m.mu.Lock()
	if len(m.current.Fields) == len(cur.Fields) {
		m.saved = true
	}
	m.mu.Unlock()
	return nil
}

func textAnalyzer(t search.FieldType, analyzer string) string {
	if t != search.Text {
		return ""
	}
	return analyzer
}

// explicitField is a search.mapping field as the index sees it.
func explicitField(e topic.SearchField, analyzer string) search.FieldMapping {
	t := search.FieldType(e.Type)
	switch e.Type {
	case "integer", "short", "byte":
		t = search.Long
	case "float", "half_float":
		t = search.Double
	}
	f := search.FieldMapping{Type: t, Index: e.Index == nil || *e.Index, Analyzer: e.Analyzer}
	if f.Analyzer == "" {
		f.Analyzer = textAnalyzer(t, analyzer)
	}
	return f
}
