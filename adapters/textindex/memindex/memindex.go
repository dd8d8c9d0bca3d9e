// Package memindex is the brute-force text index: every document is kept
// in memory and every query is answered by scanning them. It is the
// reference semantics of ports/textindex (the oracle the golden tests
// hold bleveindex to) and the fake of the use cases' tests.
//
// Its analyzers render bleve's for the scripts and vocabulary of the
// golden corpus (see analyze.go); its scores follow bleve's default
// tf-idf for single-term queries (sqrt(tf) · 1/sqrt(field length) · idf,
// idf = 1 + ln(docs/(docFreq+1))) and are only an ordering elsewhere.
//
// "Durable" means kept in its Store: Commit copies an index's documents
// into the Store under its directory name, Open starts from that copy,
// and Pack/Unpack carry it as JSON. Nothing touches the disk.
package memindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// packMagic starts every packed memindex: magic, the committed state as
// JSON, then "sha256:<hex of the JSON>\n".
const packMagic = "chronik-memindex-v1\n"

// MaxPackedBytes bounds what Unpack reads.
const MaxPackedBytes = 1 << 30

// Store keeps the committed documents of each directory. Safe for
// concurrent use.
type Store struct {
	mu   sync.Mutex
	dirs map[string]*packed
}

// New returns an empty Store.
func New() *Store { return &Store{dirs: map[string]*packed{}} }

// packed is an index's committed state, as Pack writes it.
type packed struct {
	Docs  []search.Doc    `json:"docs"`
	Specs map[string]spec `json:"specs"`
}

// spec is how a field was indexed.
type spec struct {
	Type     search.FieldType `json:"type"`
	Analyzer string           `json:"analyzer,omitempty"`
	Index    bool             `json:"index"`
}

var _ textindex.Store = (*Store)(nil)

// Open returns the index of dir, holding what was last committed there.
func (s *Store) Open(ctx context.Context, dir string, opt textindex.Options) (textindex.Index, error) {
	if opt.DefaultAnalyzer == "" {
		opt.DefaultAnalyzer = "standard"
	}
	if !knownAnalyzer(opt.DefaultAnalyzer) {
		return nil, fmt.Errorf("%w: unknown analyzer %q", textindex.ErrInvalid, opt.DefaultAnalyzer)
	}
	ix := &Index{store: s, dir: dir, opt: opt, byOffset: map[int64]int{}, specs: map[string]spec{}}
	s.mu.Lock()
	p := s.dirs[dir]
	s.mu.Unlock()
	if p != nil {
		for k, v := range p.Specs {
			ix.specs[k] = v
		}
		for _, d := range p.Docs {
			if err := ix.put(d); err != nil {
				return nil, fmt.Errorf("%w: a committed document does not fit its mapping", textindex.ErrCorrupt)
			}
		}
		ix.rebuild()
	}
	return ix, nil
}

// Unpack reads what Pack wrote into the Store under dir.
func (s *Store) Unpack(ctx context.Context, r io.Reader, dir string) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxPackedBytes+1))
	if err != nil {
		return fmt.Errorf("%w: reading the packed index: %v", textindex.ErrCorrupt, err)
	}
	if len(data) > MaxPackedBytes {
		return fmt.Errorf("%w: packed index larger than %d bytes", textindex.ErrCorrupt, MaxPackedBytes)
	}
	body, ok := bytes.CutPrefix(data, []byte(packMagic))
	if !ok || len(body) < sumLen {
		return fmt.Errorf("%w: not a packed index", textindex.ErrCorrupt)
	}
	body, trailer := body[:len(body)-sumLen], body[len(body)-sumLen:]
	sum := sha256.Sum256(body)
	if string(trailer) != "sha256:"+hex.EncodeToString(sum[:])+"\n" {
		return fmt.Errorf("%w: packed index fails its checksum", textindex.ErrCorrupt)
	}
	var p packed
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("%w: packed index does not decode", textindex.ErrCorrupt)
	}
	for _, d := range p.Docs {
		for _, f := range d.Fields {
			if _, ok := p.Specs[f.Path]; !ok {
				return fmt.Errorf("%w: a packed document has an unmapped field", textindex.ErrCorrupt)
			}
		}
	}
	for path, sp := range p.Specs {
		if !knownType(sp.Type) || (sp.Type == search.Text && !knownAnalyzer(sp.Analyzer)) {
			return fmt.Errorf("%w: packed field %q has a bad mapping", textindex.ErrCorrupt, path)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dirs[dir]; ok {
		return fmt.Errorf("%w: the directory to unpack into is not empty", textindex.ErrInvalid)
	}
	s.dirs[dir] = &p
	return nil
}

// sumLen is the length of the checksum line ending a packed index.
const sumLen = len("sha256:") + 64 + 1

func knownType(t search.FieldType) bool {
	switch t {
	case search.Text, search.Keyword, search.Long, search.Double, search.Date, search.Boolean:
		return true
	}
	return false
}

// Index is one directory's documents. Safe for concurrent use: Add and
// Commit take the write lock, the rest the read lock.
type Index struct {
	store *Store
	dir   string
	opt   textindex.Options

	mu       sync.RWMutex
	closed   bool
	docs     []*mdoc // by offset once rebuilt
	byOffset map[int64]int
	specs    map[string]spec
	// dict: field -> term -> number of documents holding it
	dict map[string]map[string]int
}

// mdoc is one document with its fields analyzed.
type mdoc struct {
	doc    search.Doc
	fields map[string]*mfield
	exists map[string]bool
}

type mfield struct {
	spec   spec
	values []search.FieldValue
	tokens [][]token // text and keyword: per value
	length int       // tokens over every value (the norm's length)
}

func (ix *Index) put(d search.Doc) error {
	m := &mdoc{doc: d, fields: map[string]*mfield{}, exists: map[string]bool{}}
	for _, fv := range d.Fields {
		sp, ok := ix.specs[fv.Path]
		if !ok {
			return fmt.Errorf("%w: field %q is not in the mapping", textindex.ErrInvalid, fv.Path)
		}
		f := m.fields[fv.Path]
		if f == nil {
			f = &mfield{spec: sp}
			m.fields[fv.Path] = f
		}
		f.values = append(f.values, fv)
		if !sp.Index {
			continue
		}
		markExists(m.exists, fv.Path)
		switch sp.Type {
		case search.Text:
			ts := analyzers[sp.Analyzer](fv.Str)
			f.tokens = append(f.tokens, ts)
			f.length += len(ts)
		case search.Keyword:
			f.tokens = append(f.tokens, []token{{term: fv.Str, pos: 1, end: len(fv.Str)}})
			f.length++
		}
	}
	if i, ok := ix.byOffset[d.Offset]; ok {
		ix.docs[i] = m
	} else {
		ix.byOffset[d.Offset] = len(ix.docs)
		ix.docs = append(ix.docs, m)
	}
	return nil
}

// markExists records path and each of its parents as present.
func markExists(set map[string]bool, path string) {
	for {
		set[path] = true
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return
		}
		path = path[:i]
	}
}

// rebuild orders the documents by offset and recounts the dictionary.
func (ix *Index) rebuild() {
	sort.Slice(ix.docs, func(i, j int) bool { return ix.docs[i].doc.Offset < ix.docs[j].doc.Offset })
	ix.dict = map[string]map[string]int{}
	for i, d := range ix.docs {
		ix.byOffset[d.doc.Offset] = i
		for path, f := range d.fields {
			seen := map[string]bool{}
			for _, ts := range f.tokens {
				for _, t := range ts {
					seen[t.term] = true
				}
			}
			if len(seen) == 0 {
				continue
			}
			m := ix.dict[path]
			if m == nil {
				m = map[string]int{}
				ix.dict[path] = m
			}
			for t := range seen {
				m[t]++
			}
		}
	}
}

// specOf types a field from the mapping, refusing unknown types and
// analyzers.
func (ix *Index) specOf(path string, fm search.FieldMapping) (spec, error) {
	if !knownType(fm.Type) {
		return spec{}, fmt.Errorf("%w: field %q has unknown type %q", textindex.ErrInvalid, path, fm.Type)
	}
	sp := spec{Type: fm.Type, Index: fm.Index}
	if fm.Type == search.Text {
		sp.Analyzer = fm.Analyzer
		if sp.Analyzer == "" {
			sp.Analyzer = ix.opt.DefaultAnalyzer
		}
		if !knownAnalyzer(sp.Analyzer) {
			return spec{}, fmt.Errorf("%w: field %q names unknown analyzer %q", textindex.ErrInvalid, path, sp.Analyzer)
		}
	}
	return sp, nil
}

// Add indexes docs; a document at an offset already held replaces it.
func (ix *Index) Add(ctx context.Context, docs []search.Doc, mapping search.Mapping) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return textindex.ErrClosed
	}
	// check everything first: a refused batch adds nothing
	newSpecs := map[string]spec{}
	for _, d := range docs {
		for _, fv := range d.Fields {
			sp, ok := ix.specs[fv.Path]
			if !ok {
				sp, ok = newSpecs[fv.Path]
			}
			if ok {
				if sp.Type != fv.Type {
					return fmt.Errorf("%w: field %q holds a %s value but is mapped %s", textindex.ErrInvalid, fv.Path, fv.Type, sp.Type)
				}
				continue
			}
			fm, ok := mapping.Field(fv.Path)
			if !ok {
				return fmt.Errorf("%w: field %q is not in the mapping", textindex.ErrInvalid, fv.Path)
			}
			sp, err := ix.specOf(fv.Path, fm)
			if err != nil {
				return err
			}
			if sp.Type != fv.Type {
				return fmt.Errorf("%w: field %q holds a %s value but is mapped %s", textindex.ErrInvalid, fv.Path, fv.Type, sp.Type)
			}
			newSpecs[fv.Path] = sp
		}
	}
	for k, v := range newSpecs {
		ix.specs[k] = v
	}
	for _, d := range docs {
		d.Fields = append([]search.FieldValue(nil), d.Fields...)
		d.Source = append([]byte(nil), d.Source...)
		if err := ix.put(d); err != nil {
			return err
		}
	}
	ix.rebuild()
	return nil
}

// Commit keeps the documents in the Store under the index's directory.
func (ix *Index) Commit(ctx context.Context) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return textindex.ErrClosed
	}
	p := &packed{Specs: map[string]spec{}}
	for k, v := range ix.specs {
		p.Specs[k] = v
	}
	for _, d := range ix.docs {
		p.Docs = append(p.Docs, d.doc)
	}
	ix.store.mu.Lock()
	ix.store.dirs[ix.dir] = p
	ix.store.mu.Unlock()
	return nil
}

// Get returns the document at offset.
func (ix *Index) Get(ctx context.Context, partition int32, offset int64) (search.Doc, bool, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return search.Doc{}, false, textindex.ErrClosed
	}
	i, ok := ix.byOffset[offset]
	if !ok || ix.docs[i].doc.Partition != partition {
		return search.Doc{}, false, nil
	}
	d := ix.docs[i].doc
	d.Fields = append([]search.FieldValue(nil), d.Fields...)
	d.Source = append([]byte(nil), d.Source...)
	return d, true, nil
}

// Count is the number of documents.
func (ix *Index) Count() (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return 0, textindex.ErrClosed
	}
	return int64(len(ix.docs)), nil
}

// Pack writes the committed documents.
func (ix *Index) Pack(ctx context.Context, w io.Writer) error {
	ix.mu.RLock()
	closed := ix.closed
	ix.mu.RUnlock()
	if closed {
		return textindex.ErrClosed
	}
	ix.store.mu.Lock()
	p := ix.store.dirs[ix.dir]
	ix.store.mu.Unlock()
	if p == nil {
		p = &packed{Specs: map[string]spec{}}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	out := append([]byte(packMagic), body...)
	out = append(out, "sha256:"+hex.EncodeToString(sum[:])+"\n"...)
	_, err = w.Write(out)
	return err
}

// Close releases the index. Idempotent.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.closed = true
	return nil
}

// idf is bleve's tf-idf inverse document frequency of term in field.
func (ix *Index) idf(field, term string) float64 {
	df := ix.dict[field][term]
	return 1 + math.Log(float64(len(ix.docs))/float64(df+1))
}

// termScore is bleve's tf-idf score of a single term in one document.
func (ix *Index) termScore(d *mdoc, field, term string, boost float64) float64 {
	f := d.fields[field]
	if f == nil || f.length == 0 {
		return 0
	}
	freq := 0
	for _, ts := range f.tokens {
		for _, t := range ts {
			if t.term == term {
				freq++
			}
		}
	}
	norm := float64(float32(1 / math.Sqrt(float64(f.length))))
	return math.Sqrt(float64(freq)) * norm * ix.idf(field, term) * boostOr1(boost)
}

func boostOr1(b float64) float64 {
	if b == 0 {
		return 1
	}
	return b
}
