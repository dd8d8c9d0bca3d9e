package search

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// fakeDoc is a matching document as an index would describe it.
type fakeDoc struct {
	part   int32
	off    int64
	score  float64
	fields map[string][]FieldValue
	// filters answers MatchesFilter; set by bindFilters.
	filters []bool
}

func (d *fakeDoc) Partition() int32 { return d.part }
func (d *fakeDoc) Offset() int64    { return d.off }
func (d *fakeDoc) Score() float64   { return d.score }
func (d *fakeDoc) Values(path string) []FieldValue {
	return d.fields[path]
}
func (d *fakeDoc) MatchesFilter(i int) bool { return i >= 0 && i < len(d.filters) && d.filters[i] }

// matches evaluates the few queries the tests use as filters.
func matches(q Query, d *fakeDoc) bool {
	switch q := q.(type) {
	case MatchAll:
		return true
	case Term:
		for _, v := range d.fields[q.Field] {
			switch x := q.Value.(type) {
			case string:
				if v.Str == x {
					return true
				}
			case int64:
				if v.Int == x && (v.Type == Long || v.Type == Date) {
					return true
				}
			case bool:
				if v.Type == Boolean && v.Bool == x {
					return true
				}
			}
		}
		return false
	case Range:
		for _, v := range d.fields[q.Field] {
			f := float64(v.Int)
			if v.Type == Double {
				f = v.Float
			}
			if lo, ok := q.GTE.(float64); ok && f < lo {
				continue
			}
			if hi, ok := q.LT.(float64); ok && f >= hi {
				continue
			}
			return true
		}
		return false
	}
	panic("test filter query not supported")
}

// bindFilters answers each doc's MatchesFilter from aggs' queries.
func bindFilters(docs []*fakeDoc, aggs []Aggregation) {
	qs := AggFilterQueries(aggs)
	for _, d := range docs {
		d.filters = make([]bool, len(qs))
		for i, q := range qs {
			d.filters[i] = matches(q, d)
		}
	}
}

func kw(path string, vs ...string) []FieldValue {
	out := make([]FieldValue, len(vs))
	for i, v := range vs {
		out[i] = FieldValue{Path: path, Type: Keyword, Str: v}
	}
	return out
}

func long(path string, vs ...int64) []FieldValue {
	out := make([]FieldValue, len(vs))
	for i, v := range vs {
		out[i] = FieldValue{Path: path, Type: Long, Int: v}
	}
	return out
}

func dbl(path string, vs ...float64) []FieldValue {
	out := make([]FieldValue, len(vs))
	for i, v := range vs {
		out[i] = FieldValue{Path: path, Type: Double, Float: v}
	}
	return out
}

func date(path string, vs ...int64) []FieldValue {
	out := long(path, vs...)
	for i := range out {
		out[i].Type = Date
	}
	return out
}

var tags = []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
	"lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon"}

// baseTime is 2024-01-01T00:00:00Z.
var baseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// corpus generates n documents over parts partitions. Fields: tag
// (keyword, 0-3 values from a skewed set, repeats possible), n (long,
// sometimes missing), x (double, 1-2 values), ts (date over ~400 days),
// ok (boolean), user (keyword, high cardinality). Partition p's tags are
// skewed differently so that per-partition top terms differ.
func corpus(seed uint64, n, parts int) []*fakeDoc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	docs := make([]*fakeDoc, n)
	for i := range docs {
		p := int32(i % parts)
		d := &fakeDoc{part: p, off: int64(i / parts), score: math.Round(r.Float64()*100) / 10, fields: map[string][]FieldValue{}}
		nt := r.IntN(4)
		var ts []string
		for range nt {
			// skewed by partition: index ~ geometric, shifted by p
			k := (int(r.ExpFloat64()*3) + int(p)*2) % len(tags)
			ts = append(ts, tags[k])
		}
		if len(ts) > 0 {
			d.fields["tag"] = kw("tag", ts...)
		}
		if r.IntN(10) != 0 {
			d.fields["n"] = long("n", r.Int64N(2001)-1000)
		}
		xs := []float64{r.NormFloat64() * 50}
		if r.IntN(4) == 0 {
			xs = append(xs, r.NormFloat64()*50)
		}
		d.fields["x"] = dbl("x", xs...)
		d.fields["ts"] = date("ts", baseTime.UnixMilli()+r.Int64N(400*24*3600*1000))
		d.fields["ok"] = []FieldValue{{Path: "ok", Type: Boolean, Bool: r.IntN(3) == 0}}
		d.fields["user"] = kw("user", "u"+itoa(r.IntN(20000)))
		docs[i] = d
	}
	return docs
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{digits[i%10]}, b...)
		i /= 10
	}
	return string(b)
}

// stateOf collects docs into one state.
func stateOf(t testing.TB, aggs []Aggregation, docs []*fakeDoc) *AggState {
	t.Helper()
	s, err := NewAggState(aggs, baseTime)
	if err != nil {
		t.Fatalf("NewAggState: %v", err)
	}
	for _, d := range docs {
		s.Collect(d)
	}
	return s
}

// mergedOf collects each partition's docs into its own state and merges
// them into an empty one, as the use case does.
func mergedOf(t testing.TB, aggs []Aggregation, docs []*fakeDoc) *AggState {
	t.Helper()
	byPart := map[int32][]*fakeDoc{}
	var order []int32
	for _, d := range docs {
		if _, ok := byPart[d.part]; !ok {
			order = append(order, d.part)
		}
		byPart[d.part] = append(byPart[d.part], d)
	}
	acc, err := NewAggState(aggs, baseTime)
	if err != nil {
		t.Fatalf("NewAggState: %v", err)
	}
	for _, p := range order {
		if err := acc.Merge(stateOf(t, aggs, byPart[p])); err != nil {
			t.Fatalf("Merge: %v", err)
		}
	}
	return acc
}

func finish(t testing.TB, s *AggState) []AggResult {
	t.Helper()
	r, err := s.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return r
}
