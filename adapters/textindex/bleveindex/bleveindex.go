package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/simple"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/google/wire"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Set binds the Store to the port.
var Set = wire.NewSet(New, wire.Bind(new(textindex.Store), new(*Store)))

// Hidden fields every document has besides its own.
const (
	fieldStored    = "_chronik_doc"       // stored: the whole search.Doc (codec.go)
	fieldExists    = "_chronik_exists"    // keyword: each indexed path and its parents
	fieldOffset    = "_chronik_offset"    // keyword, doc values: the offset as 16 hex digits (the _doc order)
	fieldPartition = "_chronik_partition" // keyword, doc values: the partition in decimal
)

// bleveAnalyzer names the bleve analyzer of each analyzer a mapping may
// name. standard and whitespace are Elasticsearch's (no stop words; no
// lower-casing), not bleve's own of those names.
var bleveAnalyzer = map[string]string{
	"standard":   "es_standard",
	"simple":     "simple",
	"whitespace": "es_whitespace",
	"keyword":    "keyword",
	"english":    en.AnalyzerName,
}

// Store opens bleve (scorch) indexes in directories.
type Store struct{}

// New returns a Store.
func New() *Store { return &Store{} }

var _ textindex.Store = (*Store)(nil)

func indexMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	if err := im.AddCustomAnalyzer("es_standard", map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer("es_whitespace", map[string]any{
		"type": custom.Name, "tokenizer": whitespace.Name, "token_filters": []any{},
	}); err != nil {
		return nil, err
	}
	im.DefaultMapping.Dynamic = false
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = "es_standard"
	return im, nil
}

// Open opens the index in dir, creating it when dir is empty or absent.
func (s *Store) Open(ctx context.Context, dir string, opt textindex.Options) (textindex.Index, error) {
	if opt.DefaultAnalyzer == "" {
		opt.DefaultAnalyzer = "standard"
	}
	if _, ok := bleveAnalyzer[opt.DefaultAnalyzer]; !ok {
		return nil, fmt.Errorf("%w: unknown analyzer %q", textindex.ErrInvalid, opt.DefaultAnalyzer)
	}
	var idx bleve.Index
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err == nil {
		idx, err = bleve.OpenUsing(dir, scorchConfig())
		if err != nil {
			return nil, fmt.Errorf("%w: the index does not open", textindex.ErrCorrupt)
		}
	} else {
		ents, err := os.ReadDir(dir)
		switch {
		case err == nil && len(ents) > 0:
			return nil, fmt.Errorf("%w: the directory holds files but no index", textindex.ErrCorrupt)
		case err == nil:
			if err := os.Remove(dir); err != nil {
				return nil, fmt.Errorf("text index: preparing the directory: %w", unwrapPath(err))
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("text index: reading the directory: %w", unwrapPath(err))
		}
		im, err := indexMapping()
		if err != nil {
			return nil, err
		}
		idx, err = bleve.NewUsing(dir, im, scorch.Name, scorch.Name, scorchConfig())
		if err != nil {
			return nil, fmt.Errorf("text index: creating the index: %w", unwrapPath(err))
		}
	}
	ix := &Index{idx: idx, dir: dir, opt: opt, errCh: make(chan struct{}),
		unpersisted: make(chan struct{}, MaxUnpersisted), closing: make(chan struct{})}
	watch(filepath.Join(dir, "store"), ix)
	return ix, nil
}

// asyncErrors names the callback scorch calls with the errors of its
// background work (a persister or merger failure).
const asyncErrors = "chronik-bleveindex"

// scorchConfig is scorch's configuration of every index: batches are not
// persisted before Batch returns (Commit waits for it), and the
// persister's failures reach the index (watch).
func scorchConfig() map[string]any {
	return map[string]any{
		"unsafe_batch":           true,
		"asyncErrorCallbackName": asyncErrors,
	}
}

// open indexes by scorch's store directory, for the async error callback.
var open sync.Map // string -> *Index

func init() {
	scorch.RegistryAsyncErrorCallbacks[asyncErrors] = func(err error, path string) {
		if v, ok := open.Load(path); ok {
			v.(*Index).failed(err)
		}
	}
}

func watch(path string, ix *Index) {
	ix.storePath = path
	open.Store(path, ix)
}

// unwrapPath drops the file path of an *os.PathError.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return errors.New("i/o error")
}

// Index is one bleve index. Safe for concurrent use: bleve's index is;
// mu only orders Close after the calls under way.
type Index struct {
	idx bleve.Index
	dir string
	opt textindex.Options

	mu     sync.RWMutex
	closed bool

	storePath string // scorch's directory: the key of open

	// persistErr is the first error of scorch's persister: every later
	// Commit returns it (the index is not durable any more).
	errMu      sync.Mutex
	persistErr error
	errCh      chan struct{} // closed when persistErr is set

	unpersisted chan struct{} // one token per batch the persister has not written
	closing     chan struct{} // closed when Close begins: Adds waiting for the persister give up
	closeOnce   sync.Once
}

// failed records a background error of scorch. The persister's errors
// and panics of its goroutines are sticky: Commit cannot promise
// durability after one (the sink then fails its seal, and the pipeline
// reopens the partition at its watermark and indexes it again). A failed
// merge leaves the segments it merged in place and is not one of them.
func (ix *Index) failed(err error) {
	var se *scorch.ScorchError
	if !errors.As(err, &se) || se.Source != "persister" && !errors.Is(err, scorch.ErrAsyncPanic) {
		return
	}
	ix.errMu.Lock()
	defer ix.errMu.Unlock()
	if ix.persistErr == nil {
		ix.persistErr = err
		close(ix.errCh)
	}
}

func (ix *Index) begin() error {
	ix.mu.RLock()
	if ix.closed {
		ix.mu.RUnlock()
		return textindex.ErrClosed
	}
	return nil
}

func (ix *Index) end() { ix.mu.RUnlock() }

// fieldSpec is how a field is indexed, from the mapping.
type fieldSpec struct {
	typ      search.FieldType
	analyzer string // bleve's name, text only
	index    bool
}

func (ix *Index) spec(path string, fm search.FieldMapping) (fieldSpec, error) {
	sp := fieldSpec{typ: fm.Type, index: fm.Index}
	switch fm.Type {
	case search.Text:
		name := fm.Analyzer
		if name == "" {
			name = ix.opt.DefaultAnalyzer
		}
		b, ok := bleveAnalyzer[name]
		if !ok {
			return sp, fmt.Errorf("%w: field %q names unknown analyzer %q", textindex.ErrInvalid, path, name)
		}
		sp.analyzer = b
	case search.Keyword, search.Long, search.Double, search.Date, search.Boolean:
	default:
		return sp, fmt.Errorf("%w: field %q has unknown type %q", textindex.ErrInvalid, path, fm.Type)
	}
	return sp, nil
}

func (ix *Index) analyzer(name string) (analysis.Analyzer, error) {
	a := ix.idx.Mapping().AnalyzerNamed(name)
	if a == nil {
		return nil, fmt.Errorf("%w: analyzer %q is not available", textindex.ErrInvalid, name)
	}
	return a, nil
}

// Add indexes docs in one bleve batch; a document at an offset already
// held replaces it. Searches see them when Add returns; scorch's
// persister writes them to disk in the background (unsafe_batch), and
// Commit waits for it.
func (ix *Index) Add(ctx context.Context, docs []search.Doc, m search.Mapping) error {
	if err := ix.begin(); err != nil {
		return err
	}
	defer ix.end()
	specs := map[string]fieldSpec{}
	analyzers := map[string]analysis.Analyzer{}
	for _, d := range docs {
		for _, fv := range d.Fields {
			if sp, ok := specs[fv.Path]; ok {
				if sp.typ != fv.Type {
					return fmt.Errorf("%w: field %q holds a %s value but is mapped %s", textindex.ErrInvalid, fv.Path, fv.Type, sp.typ)
				}
				continue
			}
			fm, ok := m.Field(fv.Path)
			if !ok {
				return fmt.Errorf("%w: field %q is not in the mapping", textindex.ErrInvalid, fv.Path)
			}
			sp, err := ix.spec(fv.Path, fm)
			if err != nil {
				return err
			}
			if sp.typ != fv.Type {
				return fmt.Errorf("%w: field %q holds a %s value but is mapped %s", textindex.ErrInvalid, fv.Path, fv.Type, sp.typ)
			}
			specs[fv.Path] = sp
			if sp.typ == search.Text && analyzers[sp.analyzer] == nil {
				if analyzers[sp.analyzer], err = ix.analyzer(sp.analyzer); err != nil {
					return err
				}
			}
		}
	}
	kw, err := ix.analyzer("keyword")
	if err != nil {
		return err
	}
	b := ix.idx.NewBatch()
	var buf []byte
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		bd := document.NewDocument(search.DocID(d.Partition, d.Offset))
		buf = encodeDoc(buf[:0], d)
		bd.AddField(document.NewTextFieldWithIndexingOptions(fieldStored, nil, append([]byte(nil), buf...), index.StoreField))
		// keywords, not numeric fields: one term each instead of bleve's 16
		bd.AddField(document.NewTextFieldCustom(fieldOffset, nil, []byte(offsetTerm(d.Offset)), index.IndexField|index.DocValues, kw))
		bd.AddField(document.NewTextFieldCustom(fieldPartition, nil, []byte(strconv.FormatInt(int64(d.Partition), 10)), index.IndexField|index.DocValues, kw))
		exists := map[string]bool{}
		var paths []byte
		arrayPos := map[string]uint64{}
		for _, fv := range d.Fields {
			sp := specs[fv.Path]
			if !sp.index {
				continue
			}
			for p := fv.Path; !exists[p]; {
				exists[p] = true
				paths = append(append(paths, p...), 0)
				i := strings.LastIndexByte(p, '.')
				if i < 0 {
					break
				}
				p = p[:i]
			}
			ap := []uint64{arrayPos[fv.Path]}
			arrayPos[fv.Path]++
			switch sp.typ {
			case search.Text:
				bd.AddField(document.NewTextFieldCustom(fv.Path, ap, []byte(fv.Str), index.IndexField|index.IncludeTermVectors, analyzers[sp.analyzer]))
			case search.Keyword:
				bd.AddField(document.NewTextFieldCustom(fv.Path, ap, []byte(fv.Str), index.IndexField|index.DocValues, kw))
			case search.Boolean:
				bd.AddField(document.NewTextFieldCustom(fv.Path, ap, []byte(strconv.FormatBool(fv.Bool)), index.IndexField|index.DocValues, kw))
			case search.Long, search.Date:
				bd.AddField(newNumField(fv.Path, ap, float64(fv.Int), index.IndexField|index.DocValues))
			case search.Double:
				bd.AddField(newNumField(fv.Path, ap, fv.Float, index.IndexField|index.DocValues))
			}
		}
		if len(paths) > 0 {
			// one field for every path: far cheaper than a field per path
			bd.AddField(document.NewTextFieldCustom(fieldExists, nil, paths, index.IndexField, existsAnalyzer))
		}
		if err := b.IndexAdvanced(bd); err != nil {
			return fmt.Errorf("%w: %v", textindex.ErrInvalid, err)
		}
	}
	// At most MaxUnpersisted batches wait for the persister: their
	// in-memory segments are what unsafe batches cost in memory.
	select {
	case ix.unpersisted <- struct{}{}:
	case <-ix.errCh:
		return ix.stickyErr()
	case <-ix.closing:
		return textindex.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	release := func(error) {
		select {
		case <-ix.unpersisted:
		default:
		}
	}
	b.SetPersistedCallback(release)
	if err := ix.idx.Batch(b); err != nil {
		release(nil)
		return fmt.Errorf("text index: indexing: %w", unwrapPath(err))
	}
	return nil
}

// MaxUnpersisted bounds the batches an index holds in memory only: Add
// waits while this many wait for scorch's persister.
const MaxUnpersisted = 8

// offsetTerm encodes an offset so that terms sort as offsets do.
func offsetTerm(off int64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[off&15]
		off >>= 4
	}
	return string(b[:])
}

// parseOffsetTerm reads what offsetTerm wrote.
func parseOffsetTerm(s string) (int64, bool) {
	v, err := strconv.ParseUint(s, 16, 63)
	return int64(v), err == nil && len(s) == 16
}

// existsAnalyzer splits the NUL-separated paths of fieldExists.
var existsAnalyzer = &analysis.DefaultAnalyzer{Tokenizer: nulTokenizer{}}

type nulTokenizer struct{}

func (nulTokenizer) Tokenize(b []byte) analysis.TokenStream {
	var out analysis.TokenStream
	start := 0
	for i, c := range b {
		if c != 0 {
			continue
		}
		if i > start {
			out = append(out, &analysis.Token{Term: b[start:i], Start: start, End: i, Position: len(out) + 1, Type: analysis.AlphaNumeric})
		}
		start = i + 1
	}
	if start < len(b) {
		out = append(out, &analysis.Token{Term: b[start:], Start: start, End: len(b), Position: len(out) + 1, Type: analysis.AlphaNumeric})
	}
	return out
}

// Commit makes every document added before it durable: it introduces an
// empty batch, whose snapshot holds every batch introduced before it, and
// waits until scorch's persister has written that snapshot (its
// persisted callback). A persister failure is returned, by this Commit
// and every later one.
func (ix *Index) Commit(ctx context.Context) error {
	if err := ix.begin(); err != nil {
		return err
	}
	defer ix.end()
	if err := ix.stickyErr(); err != nil {
		return err
	}
	done := make(chan error, 1)
	b := ix.idx.NewBatch()
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("text index: committing: %w", unwrapPath(err))
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("text index: committing: %w", unwrapPath(err))
		}
		return nil
	case <-ix.errCh:
		return ix.stickyErr()
	case <-ix.closing:
		return textindex.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (ix *Index) stickyErr() error {
	ix.errMu.Lock()
	defer ix.errMu.Unlock()
	if ix.persistErr != nil {
		return errors.New("text index: writing the index to disk failed; it is not durable")
	}
	return nil
}

// Get returns the document at offset.
func (ix *Index) Get(ctx context.Context, partition int32, offset int64) (search.Doc, bool, error) {
	if err := ix.begin(); err != nil {
		return search.Doc{}, false, err
	}
	defer ix.end()
	d, err := ix.idx.Document(search.DocID(partition, offset))
	if err != nil {
		return search.Doc{}, false, fmt.Errorf("text index: reading a document: %w", unwrapPath(err))
	}
	if d == nil {
		return search.Doc{}, false, nil
	}
	var raw []byte
	d.VisitFields(func(f index.Field) {
		if f.Name() == fieldStored {
			raw = f.Value()
		}
	})
	doc, err := decodeDoc(raw)
	if err != nil {
		return search.Doc{}, false, fmt.Errorf("%w: %v", textindex.ErrCorrupt, err)
	}
	return doc, true, nil
}

// Count is the number of documents.
func (ix *Index) Count() (int64, error) {
	if err := ix.begin(); err != nil {
		return 0, err
	}
	defer ix.end()
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("text index: counting: %w", unwrapPath(err))
	}
	return int64(n), nil
}

// Close closes the bleve index. Idempotent.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() { close(ix.closing) })
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	open.CompareAndDelete(ix.storePath, ix)
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("text index: closing: %w", unwrapPath(err))
	}
	return nil
}
