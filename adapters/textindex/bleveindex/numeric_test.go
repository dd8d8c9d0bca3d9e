package bleveindex

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/chronik-stream/chronik/ports/textindex"
)

// TestSplitRangeCoversExactly: the runs splitRange emits hold every
// value of [lo, hi] exactly once and no value outside it.
func TestSplitRangeCoversExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pick := func() int64 {
		switch r.IntN(4) {
		case 0:
			return int64(r.Uint64())
		case 1:
			return r.Int64N(1<<20) - 1<<19
		case 2:
			return []int64{math.MinInt64, math.MaxInt64, 0, -1, 255, 256, 1 << 56}[r.IntN(7)] + r.Int64N(3) - 1
		}
		return 1_700_000_000_000 + r.Int64N(1<<30)
	}
	for range 2000 {
		lo, hi := pick(), pick()
		if lo > hi && r.IntN(4) > 0 {
			lo, hi = hi, lo
		}
		type run struct {
			from, to int64
			shift    uint
		}
		var runs []run
		splitRange(lo, hi, func(from, to int64, shift uint) bool {
			runs = append(runs, run{from, to, shift})
			return true
		})
		if len(runs) > 2*64/numericStep+1 {
			t.Fatalf("[%d, %d]: %d runs", lo, hi, len(runs))
		}
		probes := []int64{lo, hi, lo - 1, hi + 1, math.MinInt64, math.MaxInt64}
		for range 50 {
			probes = append(probes, pick())
			if span := uint64(hi-lo) + 1; lo <= hi && span != 0 {
				probes = append(probes, lo+int64(r.Uint64N(span)))
			}
		}
		for _, v := range probes {
			n := 0
			for _, ru := range runs {
				// v is in a run when its term at the run's shift lies between
				// the run's ends at that shift (what the dictionary holds)
				if k := v >> ru.shift; k >= ru.from>>ru.shift && k <= ru.to>>ru.shift {
					n++
				}
			}
			want := 0
			if lo <= v && v <= hi {
				want = 1
			}
			if n != want {
				t.Fatalf("[%d, %d]: %d is in %d runs, want %d (runs %v)", lo, hi, v, n, want, runs)
			}
		}
	}
}

// TestRangeOverBleveNumbers: an index whose numbers bleve's own numeric
// field wrote (a precision step of 4, before numField) answers
// rangeQuery the same, since it holds every term a step of 8 looks for.
func TestRangeOverBleveNumbers(t *testing.T) {
	ctx := context.Background()
	i, err := New().Open(ctx, filepath.Join(t.TempDir(), "i"), textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i.Close() })
	ix := i.(*Index)
	r := rand.New(rand.NewPCG(9, 10))
	vals := make([]float64, 500)
	b := ix.idx.NewBatch()
	for k := range vals {
		vals[k] = float64(r.Int64N(1<<40) - 1<<39)
		if k%3 == 0 {
			vals[k] = r.NormFloat64() * 1e6
		}
		d := document.NewDocument(strconv.Itoa(k))
		d.AddField(document.NewNumericFieldWithIndexingOptions("n", nil, vals[k], index.IndexField|index.DocValues))
		if err := b.IndexAdvanced(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		lo, hi := vals[r.IntN(len(vals))], vals[r.IntN(len(vals))]
		loIn, hiIn := r.IntN(2) == 0, r.IntN(2) == 0
		want := 0
		for _, v := range vals {
			if (v > lo || loIn && v == lo) && (v < hi || hiIn && v == hi) {
				want++
			}
		}
		res, err := ix.idx.Search(bleve.NewSearchRequestOptions(&rangeQuery{field: "n", lo: &lo, hi: &hi, loIn: loIn, hiIn: hiIn}, 0, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != want {
			t.Fatalf("(%v, %v) in %v %v: %d hits, want %d", lo, hi, loIn, hiIn, res.Total, want)
		}
	}
}
