package search

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCompareSortValues(t *testing.T) {
	asc := []Sort{{Field: "f"}}
	desc := []Sort{{Field: "f", Order: Desc}}
	first := []Sort{{Field: "f", Missing: "_first"}}
	custom := []Sort{{Field: "f", Missing: "5"}}
	doc := []Sort{{Field: SortDoc}}
	cases := []struct {
		name  string
		sorts []Sort
		a, b  Scalar
		want  int
	}{
		{"ints", asc, int64(1), int64(2), -1},
		{"ints_desc", desc, int64(1), int64(2), 1},
		{"int_float", asc, int64(2), 1.5, 1},
		{"big_int_vs_float", asc, int64(1<<53 + 1), float64(1 << 53), 1},
		{"nan_after_numbers", asc, math.NaN(), 1e300, 1},
		{"strings", asc, "b", "a", 1},
		{"numbers_before_strings", asc, "a", int64(9), 1},
		{"bools", asc, false, true, -1},
		{"missing_last_asc", asc, nil, int64(1), 1},
		{"missing_last_desc", desc, nil, int64(1), 1},
		{"missing_first", first, nil, int64(1), -1},
		{"missing_custom", custom, nil, int64(4), 1},
		{"missing_custom_low", custom, nil, int64(6), -1},
		{"both_missing", asc, nil, nil, 0},
		{"doc_by_partition_then_offset", doc, DocSortValue(2, 1), DocSortValue(10, 0), -1},
		{"doc_offset", doc, DocSortValue(1, 10), DocSortValue(1, 9), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CompareSortValues(c.sorts, []Scalar{c.a}, []Scalar{c.b})
			if got != c.want {
				t.Errorf("got %d, want %d", got, c.want)
			}
			if back := CompareSortValues(c.sorts, []Scalar{c.b}, []Scalar{c.a}); back != -c.want {
				t.Errorf("reversed: got %d, want %d", back, -c.want)
			}
		})
	}
	if got := CompareSortValues(nil, []Scalar{2.0}, []Scalar{1.0}); got != -1 {
		t.Errorf("no sort: higher score first, got %d", got)
	}
	two := []Sort{{Field: "a"}, {Field: "b", Order: Desc}}
	if got := CompareSortValues(two, []Scalar{int64(1), "x"}, []Scalar{int64(1), "y"}); got != 1 {
		t.Errorf("second key: got %d", got)
	}
}

// hitsOf makes n hits of one partition with random scores and sort
// values (some missing), each index's answer sorted as an index would.
func genHits(r *rand.Rand, part int32, n int, sorts []Sort) []Hit {
	hits := make([]Hit, n)
	for i := range hits {
		h := Hit{Index: "t", Partition: part, Offset: int64(i), Score: float64(r.IntN(20)) / 4}
		if len(sorts) > 0 {
			var v Scalar = int64(r.IntN(30))
			if r.IntN(8) == 0 {
				v = nil
			}
			h.Sort = []Scalar{v, DocSortValue(part, int64(i))}
		}
		hits[i] = h
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return CompareHits(sorts, a, b) })
	return hits
}

func TestMergeResults(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sorts := range [][]Sort{nil, {{Field: "n", Order: Desc}, {Field: SortDoc}}} {
		var parts []Result
		var all []Hit
		for p := range int32(4) {
			hs := genHits(r, p, 50, sorts)
			all = append(all, hs...)
			res := Result{Total: Total{Value: 50, Relation: Exact}, MaxScore: math.NaN(),
				Watermarks: map[string]map[int32]int64{"t": {p: 100 + int64(p)}}}
			for _, h := range hs {
				if math.IsNaN(res.MaxScore) || h.Score > res.MaxScore {
					res.MaxScore = h.Score
				}
			}
			res.Hits = hs[:min(len(hs), 25)] // each index's best From+Size
			parts = append(parts, res)
		}
		req := Request{Sort: sorts, From: 5, Size: 20, TrackTotalHits: -1}
		got := MergeResults(req, parts)
		// The oracle: sort every hit with a comparison written here.
		want := slices.Clone(all)
		slices.SortStableFunc(want, func(a, b Hit) int {
			if len(sorts) == 0 {
				if c := cmp.Compare(b.Score, a.Score); c != 0 {
					return c
				}
			} else {
				av, bv := a.Sort[0], b.Sort[0]
				switch {
				case av == nil && bv != nil:
					return 1
				case av != nil && bv == nil:
					return -1
				case av != nil && av.(int64) != bv.(int64):
					return cmp.Compare(bv.(int64), av.(int64))
				}
			}
			if c := cmp.Compare(a.Partition, b.Partition); c != 0 {
				return c
			}
			return cmp.Compare(a.Offset, b.Offset)
		})
		want = want[5:25]
		if len(got.Hits) != len(want) {
			t.Fatalf("%d hits, want %d", len(got.Hits), len(want))
		}
		for i := range want {
			if got.Hits[i].ID() != want[i].ID() {
				t.Errorf("sort %v: hit %d = %s, want %s", sorts, i, got.Hits[i].ID(), want[i].ID())
			}
		}
		if got.Total != (Total{Value: 200, Relation: Exact}) {
			t.Errorf("total %+v", got.Total)
		}
		maxScore := math.Inf(-1)
		for _, h := range all {
			maxScore = math.Max(maxScore, h.Score)
		}
		if got.MaxScore != maxScore {
			t.Errorf("max score %v, want %v", got.MaxScore, maxScore)
		}
		if len(got.Watermarks["t"]) != 4 || got.Watermarks["t"][3] != 103 {
			t.Errorf("watermarks %v", got.Watermarks)
		}
	}
}

func TestMergeResultsTotalsAndFlags(t *testing.T) {
	parts := []Result{
		{Total: Total{Value: 8000, Relation: Exact}, MaxScore: math.NaN(), Watermarks: map[string]map[int32]int64{"a": {0: 10}}},
		{Total: Total{Value: 7000, Relation: Exact}, MaxScore: 1.5, TimedOut: true, Watermarks: map[string]map[int32]int64{"a": {0: 7}, "b": {1: 3}}},
	}
	got := MergeResults(Request{TrackTotalHits: 10_000}, parts)
	if got.Total != (Total{Value: 10_000, Relation: LowerBound}) {
		t.Errorf("total %+v, want 10000 gte", got.Total)
	}
	if got.MaxScore != 1.5 || !got.TimedOut {
		t.Errorf("max score %v timed out %v", got.MaxScore, got.TimedOut)
	}
	if got.Watermarks["a"][0] != 7 || got.Watermarks["b"][1] != 3 {
		t.Errorf("watermarks %v", got.Watermarks)
	}
	parts[0].Total.Relation = LowerBound
	if got := MergeResults(Request{TrackTotalHits: -1}, parts); got.Total != (Total{Value: 15000, Relation: LowerBound}) {
		t.Errorf("total %+v, want 15000 gte", got.Total)
	}
	hits := Result{Hits: []Hit{{Offset: 1}, {Offset: 2}, {Offset: 3}}}
	for _, c := range []struct{ from, size, want int }{{1, math.MaxInt, 2}, {math.MaxInt, 1, 0}, {-5, 2, 2}, {0, -1, 0}, {2, 0, 0}} {
		if got := MergeResults(Request{From: c.from, Size: c.size}, []Result{hits}); len(got.Hits) != c.want {
			t.Errorf("from %d size %d: %d hits, want %d", c.from, c.size, len(got.Hits), c.want)
		}
	}
	if got := MergeResults(Request{}, nil); !math.IsNaN(got.MaxScore) || len(got.Hits) != 0 || got.Total.Value != 0 {
		t.Errorf("no answers: %+v", got)
	}
}

// Paging with search_after through the merged answers returns every hit
// exactly once.
func TestSearchAfterPagesThroughEveryHit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sorts := []Sort{{Field: "n"}, {Field: SortDoc}}
	var idx [][]Hit
	total := 0
	for p := range int32(3) {
		idx = append(idx, genHits(r, p, 40, sorts))
		total += 40
	}
	seen := map[string]bool{}
	var after []Scalar
	for page := 0; page < 100; page++ {
		var parts []Result
		for _, hs := range idx {
			var res Result
			for _, h := range hs { // what an index does: hits after the values, its best Size
				if after == nil || IsAfter(sorts, h.Sort, after) {
					res.Hits = append(res.Hits, h)
				}
				if len(res.Hits) == 7 {
					break
				}
			}
			parts = append(parts, res)
		}
		got := MergeResults(Request{Sort: sorts, Size: 7, SearchAfter: after}, parts)
		if len(got.Hits) == 0 {
			break
		}
		for _, h := range got.Hits {
			if seen[h.ID()] {
				t.Fatalf("hit %s twice", h.ID())
			}
			seen[h.ID()] = true
		}
		after = got.Hits[len(got.Hits)-1].Sort
	}
	if len(seen) != total {
		t.Errorf("paged through %d hits, want %d", len(seen), total)
	}
}

// FuzzCompareSortValues: the order of sort values is a total order
// (antisymmetric and transitive) whatever the mix of types, so that
// merging and search_after agree.
func FuzzCompareSortValues(f *testing.F) {
	f.Add(uint8(0), int64(1<<53+1), 9.007199254740992e15, "a", uint8(3))
	f.Add(uint8(7), int64(math.MaxInt64), 9.223372036854775807e18, "", uint8(255))
	f.Add(uint8(1), int64(-1), math.NaN(), "1-2", uint8(2))
	f.Add(uint8(2+2<<2), int64(5), 1.0, "9-0", uint8(8))
	f.Fuzz(func(t *testing.T, kinds uint8, i int64, fl float64, s string, opts uint8) {
		pick := func(k uint8) Scalar {
			switch k % 6 {
			case 0:
				return i
			case 1:
				return fl
			case 2:
				return s
			case 3:
				return k%2 == 0
			case 4:
				return nil
			}
			return float64(i)
		}
		vals := []Scalar{pick(kinds), pick(kinds >> 2), pick(kinds>>4 + opts), DocSortValue(int32(i&0xff), i>>8&0xff), DocSortValue(int32(opts), 3)}
		sorts := []Sort{{Field: "f", Order: SortOrder(opts & 1), Missing: []string{"", "_first", "_last", "7"}[opts>>1&3]}}
		if opts&8 != 0 {
			sorts[0].Field = SortDoc
		}
		c := func(a, b Scalar) int {
			return CompareSortValues(sorts, []Scalar{a}, []Scalar{b})
		}
		for _, a := range vals {
			if c(a, a) != 0 {
				t.Fatalf("%v != itself", a)
			}
			for _, b := range vals {
				if c(a, b) != -c(b, a) {
					t.Fatalf("cmp(%v, %v) = %d but cmp(%v, %v) = %d", a, b, c(a, b), b, a, c(b, a))
				}
				for _, d := range vals {
					if c(a, b) <= 0 && c(b, d) <= 0 && c(a, d) > 0 {
						t.Fatalf("%v <= %v <= %v but %v > %v", a, b, d, a, d)
					}
				}
			}
		}
	})
}
