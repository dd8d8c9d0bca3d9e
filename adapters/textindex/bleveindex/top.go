package bleveindex

import (
	"context"
	"fmt"
	"math"
	"sort"

	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/chronik-stream/chronik/ports/textindex"
)

// Top hits by score. Bleve's collector breaks ties between equal scores
// by its internal document numbers, which follow segments, not offsets;
// sorting by score then by the offset (a doc-values field) makes it read
// the offset of every match, which is most of a match query's time. The
// walk below keeps the best n by (score descending, offset ascending)
// and reads the offset only of the matches whose score ties with a kept
// one: a match scoring below the worst kept costs a comparison.

// scored is one kept match; off is -1 until read.
type scored struct {
	score float64
	num   uint64 // bleve's internal (global) document number
	off   int64
}

// topScorer keeps the best n matches, the worst first (a heap).
type topScorer struct {
	n    int
	kept []scored
	dvr  index.DocValueReader
	id   index.IndexInternalID
	err  error
}

// offset reads s's offset once.
func (t *topScorer) offset(s *scored) int64 {
	if s.off >= 0 || t.err != nil {
		return s.off
	}
	t.id = index.NewIndexInternalID(t.id[:0], s.num)
	off := int64(-1)
	err := t.dvr.VisitDocValues(t.id, func(field string, term []byte) {
		if field == fieldOffset {
			if v, ok := parseOffsetTerm(string(term)); ok {
				off = v
			}
		}
	})
	switch {
	case err != nil:
		t.err = fmt.Errorf("text index: reading doc values: %w", err)
	case off < 0:
		t.err = fmt.Errorf("%w: document %d has no offset", textindex.ErrCorrupt, s.num)
	}
	s.off = off
	return off
}

// better orders matches: higher score first, then lower offset.
func (t *topScorer) better(a, b *scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return t.offset(a) < t.offset(b)
}

func (t *topScorer) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.better(&t.kept[p], &t.kept[i]) {
			return
		}
		t.kept[p], t.kept[i] = t.kept[i], t.kept[p]
		i = p
	}
}

func (t *topScorer) down(i int) {
	for {
		w := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(t.kept) && t.better(&t.kept[w], &t.kept[c]) {
				w = c
			}
		}
		if w == i {
			return
		}
		t.kept[w], t.kept[i] = t.kept[i], t.kept[w]
		i = w
	}
}

func (t *topScorer) add(s scored) {
	if len(t.kept) < t.n {
		t.kept = append(t.kept, s)
		t.up(len(t.kept) - 1)
		return
	}
	worst := &t.kept[0]
	if s.score < worst.score || (s.score == worst.score && !t.better(&s, worst)) {
		return
	}
	t.kept[0] = s
	t.down(0)
}

// topScored walks every match of bq, scored, and returns the best n (in
// order), the number of matches and the best score (NaN with none). With
// stop > 0 it stops at stop matches (the caller knows the rest cannot
// change the answer). found, when not nil, gathers every match.
func (ix *Index) topScored(ctx context.Context, reader index.IndexReader, bq query.Query, n int, stop uint64, found *matchSet) ([]scored, uint64, float64, error) {
	dvr, err := reader.DocValueReader([]string{fieldOffset})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("text index: reading doc values: %w", err)
	}
	s, err := bq.Searcher(ctx, reader, ix.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		return nil, 0, 0, invalid("the query cannot run: %v", err)
	}
	defer s.Close()
	t := &topScorer{n: n, dvr: dvr, kept: make([]scored, 0, min(n, 1024))}
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var total uint64
	best := math.Inf(-1)
	for ; ; total++ {
		if total%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, 0, err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("text index: searching: %w", err)
		}
		if dm == nil || (stop > 0 && total == stop) {
			break
		}
		best = math.Max(best, dm.Score)
		if found != nil {
			found.add(dm.IndexInternalID.Value())
		}
		if n > 0 {
			t.add(scored{score: dm.Score, num: dm.IndexInternalID.Value(), off: -1})
			if t.err != nil {
				return nil, 0, 0, t.err
			}
		}
		sctx.DocumentMatchPool.Put(dm)
	}
	sort.Slice(t.kept, func(i, j int) bool { return t.better(&t.kept[i], &t.kept[j]) })
	if t.err != nil {
		return nil, 0, 0, t.err
	}
	if total == 0 {
		best = math.NaN()
	}
	return t.kept, total, best, nil
}

// storedDoc reads the stored document of bleve's document number num.
func storedDoc(reader index.IndexReader, num uint64) ([]byte, error) {
	ext, err := reader.ExternalID(index.NewIndexInternalID(nil, num))
	if err != nil {
		return nil, fmt.Errorf("text index: reading a document: %w", err)
	}
	d, err := reader.Document(ext)
	if err != nil {
		return nil, fmt.Errorf("text index: reading a document: %w", err)
	}
	if d == nil {
		return nil, fmt.Errorf("%w: document %s is gone", textindex.ErrCorrupt, ext)
	}
	var raw []byte
	d.VisitFields(func(f index.Field) {
		if f.Name() == fieldStored {
			raw = f.Value()
		}
	})
	return raw, nil
}
