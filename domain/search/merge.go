package search

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// DocSortValue is the sort value of the _doc sort key: the document's id,
// compared as (partition, offset).
func DocSortValue(partition int32, offset int64) Scalar { return DocID(partition, offset) }

// CompareSortValues compares two hits' sort values under sorts (a[i] and
// b[i] are the values of sorts[i]; a nil or absent value is missing):
// negative when a comes first. Missing values go last, or first with
// Missing "_first", or stand for Missing's value when it is another
// string (a number when it reads as one). Numbers
// (int64, float64; NaN after every number) sort before booleans, and
// booleans before strings. _doc values compare as (partition, offset).
// With no sorts, hits are ordered by _score, descending.
func CompareSortValues(sorts []Sort, a, b []Scalar) int {
	if len(sorts) == 0 {
		sorts = []Sort{{Field: SortScore, Order: Desc}}
	}
	for i, s := range sorts {
		var x, y Scalar
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := compareSortKey(s, x, y); c != 0 {
			return c
		}
	}
	return 0
}

func compareSortKey(s Sort, x, y Scalar) int {
	switch s.Missing {
	case "", "_last", "_first":
	default:
		if x == nil {
			x = missingAs(s.Missing)
		}
		if y == nil {
			y = missingAs(s.Missing)
		}
	}
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil || y == nil:
		c := 1 // the missing one last
		if s.Missing == "_first" {
			c = -1
		}
		if y == nil {
			c = -c
		}
		return c
	}
	var c int
	if s.Field == SortDoc {
		c = compareDocValues(x, y)
	} else {
		c = compareScalars(x, y)
	}
	if s.Order == Desc {
		c = -c
	}
	return c
}

// missingAs is a custom missing value: a number when it reads as one
// (whatever the other value, so that the order stays transitive), else
// the string.
func missingAs(m string) Scalar {
	if i, err := strconv.ParseInt(m, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(m, 64); err == nil {
		return f
	}
	return m
}

// compareDocValues orders _doc values: document ids by (partition,
// offset), before any other value (ordered as compareScalars does).
func compareDocValues(x, y Scalar) int {
	xp, xo, xok := docValue(x)
	yp, yo, yok := docValue(y)
	switch {
	case xok && yok:
		if c := cmp.Compare(xp, yp); c != 0 {
			return c
		}
		return cmp.Compare(xo, yo)
	case xok:
		return -1
	case yok:
		return 1
	}
	return compareScalars(x, y)
}

func docValue(v Scalar) (int32, int64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, 0, false
	}
	p, o, err := ParseDocID(s)
	return p, o, err == nil
}

func scalarRank(v Scalar) int {
	switch v.(type) {
	case int64, int, int32, float64:
		return 0
	case bool:
		return 1
	case string:
		return 2
	}
	return 3
}

// compareScalars orders numbers (NaN last among them), booleans, strings,
// then anything else (equal).
func compareScalars(x, y Scalar) int {
	rx, ry := scalarRank(x), scalarRank(y)
	if rx != ry {
		return cmp.Compare(rx, ry)
	}
	switch rx {
	case 0:
		xi, xInt := asInt(x)
		yi, yInt := asInt(y)
		if xInt && yInt {
			return cmp.Compare(xi, yi)
		}
		return compareFloatInt(x, y)
	case 1:
		xb, yb := x.(bool), y.(bool)
		switch {
		case xb == yb:
			return 0
		case !xb:
			return -1
		}
		return 1
	case 2:
		return cmp.Compare(x.(string), y.(string))
	}
	return 0
}

func asInt(v Scalar) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	}
	return 0, false
}

// compareFloatInt compares two numbers of which one at least is a float,
// exactly (an int64 beyond 2^53 is not rounded), NaN greatest.
func compareFloatInt(x, y Scalar) int {
	xf, xIsF := x.(float64)
	yf, yIsF := y.(float64)
	switch {
	case xIsF && yIsF:
		return cmpFloat(xf, yf)
	case xIsF:
		yi, _ := asInt(y)
		return cmpFloatWithInt(xf, yi)
	default:
		xi, _ := asInt(x)
		return -cmpFloatWithInt(yf, xi)
	}
}

func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

func cmpFloatWithInt(f float64, i int64) int {
	switch {
	case math.IsNaN(f):
		return 1
	case f < -9.223372036854775808e18:
		return -1
	case f >= 9.223372036854775808e18:
		return 1
	}
	t := math.Trunc(f)
	ti := int64(t)
	if c := cmp.Compare(ti, i); c != 0 {
		return c
	}
	return cmp.Compare(f-t, 0)
}

// hitSortValue is the value of sorts[i] for h: its Sort value, or, when
// it carries none, its score (_score) or its id (_doc).
func hitSortValues(sorts []Sort, h Hit) []Scalar {
	if len(sorts) == 0 {
		return []Scalar{h.Score}
	}
	if len(h.Sort) >= len(sorts) {
		return h.Sort
	}
	out := make([]Scalar, len(sorts))
	copy(out, h.Sort)
	for i := len(h.Sort); i < len(sorts); i++ {
		switch sorts[i].Field {
		case SortScore:
			out[i] = h.Score
		case SortDoc:
			out[i] = DocSortValue(h.Partition, h.Offset)
		}
	}
	return out
}

// CompareHits orders two hits under sorts (by _score, descending, when
// empty), then by (partition, offset) so that every order is total.
func CompareHits(sorts []Sort, a, b Hit) int {
	if c := CompareSortValues(sorts, hitSortValues(sorts, a), hitSortValues(sorts, b)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Partition, b.Partition); c != 0 {
		return c
	}
	return cmp.Compare(a.Offset, b.Offset)
}

// IsAfter reports whether a hit with sort values v comes after the
// search_after values after (so belongs to the next page).
func IsAfter(sorts []Sort, v, after []Scalar) bool {
	return CompareSortValues(sorts, v, after) > 0
}

// MergeResults merges the answers of several indexes to req into one:
// hits ordered by req's sort (by score when it has none) then by
// (partition, offset), those not after req.SearchAfter dropped, req.From
// skipped and req.Size kept (each index answered its best From+Size);
// totals added, capped at req.TrackTotalHits when it is positive (then a
// lower bound); MaxScore the largest (NaN when none); TimedOut when any
// timed out; Watermarks united (the lower offset when two answers name
// one partition). Aggs is left empty: the use case merges the indexes'
// AggStates. Hits are moved, not copied.
func MergeResults(req Request, parts []Result) Result {
	out := Result{Total: Total{Relation: Exact}, MaxScore: math.NaN()}
	n := 0
	for _, p := range parts {
		n += len(p.Hits)
	}
	hits := make([]Hit, 0, n)
	for _, p := range parts {
		out.Total.Value += p.Total.Value
		if p.Total.Relation == LowerBound {
			out.Total.Relation = LowerBound
		}
		if !math.IsNaN(p.MaxScore) && (math.IsNaN(out.MaxScore) || p.MaxScore > out.MaxScore) {
			out.MaxScore = p.MaxScore
		}
		out.TimedOut = out.TimedOut || p.TimedOut
		for idx, ws := range p.Watermarks {
			if out.Watermarks == nil {
				out.Watermarks = map[string]map[int32]int64{}
			}
			m := out.Watermarks[idx]
			if m == nil {
				m = map[int32]int64{}
				out.Watermarks[idx] = m
			}
			for part, off := range ws {
				if cur, ok := m[part]; !ok || off < cur {
					m[part] = off
				}
			}
		}
		for _, h := range p.Hits {
			if len(req.SearchAfter) > 0 && !IsAfter(req.Sort, hitSortValues(req.Sort, h), req.SearchAfter) {
				continue
			}
			hits = append(hits, h)
		}
	}
	if t := int64(req.TrackTotalHits); t > 0 && out.Total.Value > t {
		out.Total = Total{Value: t, Relation: LowerBound}
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return CompareHits(req.Sort, a, b) })
	from, size := max(req.From, 0), max(req.Size, 0)
	if from >= len(hits) {
		hits = hits[:0]
	} else {
		end := len(hits)
		if size < end-from {
			end = from + size
		}
		hits = hits[from:end]
	}
	out.Hits = hits
	return out
}

// topHits keeps a bucket's best From+Size hits.
type topHits struct {
	sp    *aggSpec
	total int64
	hits  []Hit
}

// mem estimates the hits' memory in bytes.
func (t *topHits) mem() int64 {
	return int64(len(t.hits)) * (160 + 16*int64(len(t.sp.a.Sort)))
}

func (t *topHits) add(d DocValues) {
	t.total++
	sorts := t.sp.a.Sort
	h := Hit{Partition: d.Partition(), Offset: d.Offset(), Score: d.Score()}
	if len(sorts) > 0 {
		h.Sort = make([]Scalar, len(sorts))
		scored := false
		for i, s := range sorts {
			switch s.Field {
			case SortScore:
				h.Sort[i] = d.Score()
				scored = true
			case SortDoc:
				h.Sort[i] = DocSortValue(h.Partition, h.Offset)
			default:
				h.Sort[i] = pickSortValue(s, d.Values(s.Field))
			}
		}
		if !scored {
			h.Score = math.NaN()
		}
	}
	t.insert(h)
}

func (t *topHits) insert(h Hit) {
	sorts := t.sp.a.Sort
	i, _ := slices.BinarySearchFunc(t.hits, h, func(a, b Hit) int {
		if c := CompareHits(sorts, a, b); c != 0 {
			return c
		}
		return -1 // after equal ones
	})
	if i >= t.sp.window {
		return
	}
	t.hits = slices.Insert(t.hits, i, h)
	if len(t.hits) > t.sp.window {
		t.hits = t.hits[:t.sp.window]
	}
}

func (t *topHits) merge(o *topHits) {
	t.total += o.total
	for _, h := range o.hits {
		t.insert(h)
	}
}

func (t *topHits) result() []Hit {
	if t.sp.a.From >= len(t.hits) {
		return nil
	}
	return slices.Clone(t.hits[t.sp.a.From:])
}

// pickSortValue is the sort value of a field's values under s.Mode (min
// for ascending, max for descending by default; sum, avg and median for
// numbers); nil when the field has none.
func pickSortValue(s Sort, vs []FieldValue) Scalar {
	var nums []float64
	var ints []int64
	allInt := true
	var strs []string
	for _, v := range vs {
		switch v.Type {
		case Long, Date:
			nums = append(nums, float64(v.Int))
			ints = append(ints, v.Int)
		case Double:
			if !math.IsNaN(v.Float) {
				nums = append(nums, v.Float)
				allInt = false
			}
		case Boolean:
			b := int64(0)
			if v.Bool {
				b = 1
			}
			nums = append(nums, float64(b))
			ints = append(ints, b)
		default:
			strs = append(strs, v.Str)
		}
	}
	mode := s.Mode
	if mode == "" {
		mode = "min"
		if s.Order == Desc {
			mode = "max"
		}
	}
	if len(nums) > 0 {
		switch mode {
		case "sum", "avg", "median":
			var v float64
			switch mode {
			case "sum":
				for _, f := range nums {
					v += f
				}
			case "avg":
				for _, f := range nums {
					v += f
				}
				v /= float64(len(nums))
			default:
				slices.Sort(nums)
				m := len(nums) / 2
				v = nums[m]
				if len(nums)%2 == 0 {
					v = (nums[m-1] + nums[m]) / 2
				}
			}
			if allInt && v == math.Trunc(v) && math.Abs(v) < 1<<62 {
				return int64(v)
			}
			return v
		}
		if allInt {
			if mode == "max" {
				return slices.Max(ints)
			}
			return slices.Min(ints)
		}
		if mode == "max" {
			return slices.Max(nums)
		}
		return slices.Min(nums)
	}
	if len(strs) > 0 {
		if mode == "max" {
			return slices.Max(strs)
		}
		return slices.Min(strs)
	}
	return nil
}
