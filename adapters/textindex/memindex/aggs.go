package memindex

import (
	"sort"

	"github.com/chronik-stream/chronik/domain/search"
)

// collect feeds every matching document to sink (the aggregation
// state's Collect); filters are the aggregations' filter queries.
func (e *evaluator) collect(filters []search.Query, matched []int, sc scores, sink func(search.DocValues)) error {
	sets := make([]scores, len(filters))
	for i, q := range filters {
		s, err := e.eval(q)
		if err != nil {
			return err
		}
		sets[i] = s
	}
	for _, i := range matched {
		sink(docValues{e: e, i: i, score: sc[i], filters: sets})
	}
	return nil
}

// docValues is one matching document as the aggregations see it. Its
// Values are what an index keeps as doc values, as bleve does: the
// distinct values of the field in ascending order; text fields have
// none.
type docValues struct {
	e       *evaluator
	i       int
	score   float64
	filters []scores
}

func (d docValues) doc() *mdoc       { return d.e.ix.docs[d.i] }
func (d docValues) Partition() int32 { return d.doc().doc.Partition }
func (d docValues) Offset() int64    { return d.doc().doc.Offset }
func (d docValues) Score() float64   { return d.score }
func (d docValues) MatchesFilter(i int) bool {
	return i >= 0 && i < len(d.filters) && d.filters[i].has(d.i)
}

func (d docValues) Values(path string) []search.FieldValue {
	return fieldValues(d.doc(), path)
}

func fieldValues(m *mdoc, path string) []search.FieldValue {
	f := m.fields[path]
	if f == nil || !f.spec.Index || f.spec.Type == search.Text {
		return nil
	}
	var out []search.FieldValue
	switch f.spec.Type {
	case search.Text, search.Keyword:
		seen := map[string]bool{}
		for _, ts := range f.tokens {
			for _, t := range ts {
				if !seen[t.term] {
					seen[t.term] = true
					out = append(out, search.FieldValue{Path: path, Type: f.spec.Type, Str: t.term})
				}
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Str < out[j].Str })
	default:
		seen := map[float64]bool{}
		for _, fv := range f.values {
			x := numeric(fv)
			if f.spec.Type == search.Boolean {
				x = 0
				if fv.Bool {
					x = 1
				}
			}
			if !seen[x] {
				seen[x] = true
				v := fv
				v.Path = path
				out = append(out, v)
			}
		}
		sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	}
	return out
}

func key(fv search.FieldValue) float64 {
	if fv.Type == search.Boolean {
		if fv.Bool {
			return 1
		}
		return 0
	}
	return numeric(fv)
}
