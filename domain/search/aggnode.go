package search

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// termKey is a bucket's key: a term of a terms aggregation, the index of
// a histogram bucket, or a date_histogram bucket's epoch milliseconds.
type termKey struct {
	kind keyKind
	s    string
	i    int64
	f    float64
}

type keyKind uint8

// Kinds in the order keys of different kinds sort.
const (
	kInt   keyKind = iota // long; histogram: i is the bucket's index
	kFloat                // double
	kDate                 // date: i in epoch ms
	kBool                 // boolean: i is 0 or 1
	kStr                  // keyword, text
)

func (k termKey) num() float64 {
	if k.kind == kFloat {
		return k.f
	}
	return float64(k.i)
}

func compareKeys(a, b termKey) int {
	an, bn := a.kind != kStr && a.kind != kBool, b.kind != kStr && b.kind != kBool
	switch {
	case an && bn:
		if a.kind != kFloat && b.kind != kFloat {
			return cmp.Compare(a.i, b.i)
		}
		return cmp.Compare(a.num(), b.num())
	case a.kind != b.kind && !(an && bn):
		return cmp.Compare(a.kind, b.kind)
	case a.kind == kBool:
		return cmp.Compare(a.i, b.i)
	}
	return cmp.Compare(a.s, b.s)
}

// valueKey is the terms key of one value; ok is false for a value that
// has none (NaN).
func valueKey(v FieldValue) (termKey, bool) {
	switch v.Type {
	case Long:
		return termKey{kind: kInt, i: v.Int}, true
	case Date:
		return termKey{kind: kDate, i: v.Int}, true
	case Double:
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return termKey{}, false
		}
		f := v.Float
		if f == 0 {
			f = 0 // -0 is 0
		}
		return termKey{kind: kFloat, f: f}, true
	case Boolean:
		if v.Bool {
			return termKey{kind: kBool, i: 1}, true
		}
		return termKey{kind: kBool}, true
	}
	return termKey{kind: kStr, s: v.Str}, true
}

// scalarKey is the terms key of a Scalar (a missing value).
func scalarKey(v Scalar) (termKey, bool) {
	switch x := v.(type) {
	case string:
		return termKey{kind: kStr, s: x}, true
	case int64:
		return termKey{kind: kInt, i: x}, true
	case int:
		return termKey{kind: kInt, i: int64(x)}, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return termKey{}, false
		}
		return termKey{kind: kFloat, f: x}, true
	case bool:
		if x {
			return termKey{kind: kBool, i: 1}, true
		}
		return termKey{kind: kBool}, true
	}
	return termKey{}, false
}

// numValue is a value as a number (dates in epoch ms, booleans 0/1);
// ok is false for strings and for NaN and infinities.
func numValue(v FieldValue) (float64, bool) {
	switch v.Type {
	case Long, Date:
		return float64(v.Int), true
	case Double:
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return 0, false
		}
		return v.Float, true
	case Boolean:
		if v.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// bucket is one bucket's count and sub-aggregation states.
type bucket struct {
	count int64
	subs  []*node
}

// node is the state of one aggregation in one bucket (or at the top).
type node struct {
	sp *aggSpec

	// metrics
	count    int64
	sum      float64
	min, max float64
	date     bool
	card     *cardSketch
	pct      *pctSketch
	top      *topHits

	// filter
	docCount int64
	subs     []*node

	// terms, histogram, date_histogram
	keyed map[termKey]*bucket
	// range, date_range, filters (nil until used)
	list []*bucket
	// date_histogram: the last bucket found, [lastKey, lastEnd)
	lastKey, lastEnd int64
	// terms: the kinds of the values seen (a bit per keyKind), to give a
	// missing value the field's type
	kinds uint8
	// terms across partitions
	other    int64
	errBound int64 // -1: unknown
}

func newNodes(specs []*aggSpec) []*node {
	out := make([]*node, len(specs))
	for i, sp := range specs {
		n := &node{sp: sp, min: math.Inf(1), max: math.Inf(-1)}
		switch sp.a.Kind {
		case AggTerms, AggHistogram, AggDateHistogram:
			n.keyed = map[termKey]*bucket{}
		case AggRange, AggDateRange:
			n.list = make([]*bucket, len(sp.ranges))
		case AggFilters:
			n.list = make([]*bucket, len(sp.filters))
		case AggFilter:
			n.subs = newNodes(sp.subs)
		}
		out[i] = n
	}
	return out
}

func collectAll(st *AggState, ns []*node, d DocValues) {
	for _, n := range ns {
		n.collect(st, d)
	}
}

func (n *node) keyedBucket(st *AggState, k termKey) *bucket {
	b := n.keyed[k]
	if b == nil {
		if !st.allowBucket(len(n.sp.subs)) {
			return nil
		}
		b = &bucket{subs: newNodes(n.sp.subs)}
		n.keyed[k] = b
	}
	return b
}

func (n *node) listBucket(st *AggState, i int) *bucket {
	b := n.list[i]
	if b == nil {
		if !st.allowBucket(len(n.sp.subs)) {
			return nil
		}
		b = &bucket{subs: newNodes(n.sp.subs)}
		n.list[i] = b
	}
	return b
}

// numbers appends d's numeric values of the field (or the missing value).
func (n *node) numbers(d DocValues, buf []float64) ([]float64, bool) {
	date := false
	for _, v := range d.Values(n.sp.a.Field) {
		if f, ok := numValue(v); ok {
			buf = append(buf, f)
			date = date || v.Type == Date
		}
	}
	if len(buf) == 0 && n.sp.missingNum != nil {
		buf = append(buf, *n.sp.missingNum)
	}
	return buf, date
}

// dateKey is sp.dateKey(ms), remembering the last bucket's bounds: time
// zone rules are slow to consult and documents come in time order.
func (n *node) dateKey(ms int64) int64 {
	if ms >= n.lastKey && ms < n.lastEnd {
		return n.lastKey
	}
	k := n.sp.dateKey(ms)
	end := n.sp.nextDateKey(k)
	if k <= ms && ms < end && n.sp.dateKey(end-1) == k {
		n.lastKey, n.lastEnd = k, end
	}
	return k
}

func appendDistinct(keys []termKey, k termKey) []termKey {
	for _, x := range keys {
		if x == k {
			return keys
		}
	}
	return append(keys, k)
}

func (n *node) collect(st *AggState, d DocValues) {
	sp := n.sp
	switch sp.a.Kind {
	case AggTerms, AggHistogram, AggDateHistogram:
		var kbuf [4]termKey
		var nbuf [4]float64
		keys := kbuf[:0]
		switch sp.a.Kind {
		case AggTerms:
			for _, v := range d.Values(sp.a.Field) {
				if k, ok := valueKey(v); ok {
					keys = appendDistinct(keys, k)
					n.kinds |= 1 << k.kind
				}
			}
			if len(keys) == 0 && sp.missingKey != nil {
				keys = append(keys, *sp.missingKey)
			}
		case AggHistogram:
			nums, _ := n.numbers(d, nbuf[:0])
			for _, f := range nums {
				m := math.Floor((f - sp.offset) / sp.interval)
				if math.Abs(m) < 1<<62 {
					keys = appendDistinct(keys, termKey{kind: kInt, i: int64(m)})
				}
			}
		default:
			nums, _ := n.numbers(d, nbuf[:0])
			for _, f := range nums {
				if math.Abs(f) < 9e15 {
					keys = appendDistinct(keys, termKey{kind: kDate, i: n.dateKey(int64(f))})
				}
			}
		}
		for _, k := range keys {
			if b := n.keyedBucket(st, k); b != nil {
				b.count++
				collectAll(st, b.subs, d)
			}
		}
	case AggRange, AggDateRange:
		var nbuf [4]float64
		nums, _ := n.numbers(d, nbuf[:0])
		for i, r := range sp.ranges {
			for _, f := range nums {
				if (r.from == nil || f >= *r.from) && (r.to == nil || f < *r.to) {
					if b := n.listBucket(st, i); b != nil {
						b.count++
						collectAll(st, b.subs, d)
					}
					break
				}
			}
		}
	case AggFilter:
		if d.MatchesFilter(sp.filter) {
			n.docCount++
			collectAll(st, n.subs, d)
		}
	case AggFilters:
		for i, q := range sp.filters {
			if d.MatchesFilter(q) {
				if b := n.listBucket(st, i); b != nil {
					b.count++
					collectAll(st, b.subs, d)
				}
			}
		}
	case AggAvg, AggMin, AggMax, AggSum, AggStats:
		var nbuf [4]float64
		nums, date := n.numbers(d, nbuf[:0])
		n.date = n.date || date
		for _, f := range nums {
			n.count++
			n.sum += f
			n.min = math.Min(n.min, f)
			n.max = math.Max(n.max, f)
		}
	case AggValueCount:
		c := int64(len(d.Values(sp.a.Field)))
		if c == 0 && sp.missingKey != nil {
			c = 1
		}
		n.count += c
	case AggCardinality:
		if n.card == nil {
			n.card = &cardSketch{threshold: sp.threshold}
		}
		before := n.card.mem()
		seen := false
		for _, v := range d.Values(sp.a.Field) {
			if k, ok := valueKey(v); ok {
				n.card.add(hashKey(k))
				seen = true
			}
		}
		if !seen && sp.missingKey != nil {
			n.card.add(hashKey(*sp.missingKey))
		}
		st.charge(n.card.mem() - before)
	case AggPercentiles:
		if n.pct == nil {
			n.pct = newPctSketch()
		}
		var nbuf [4]float64
		nums, _ := n.numbers(d, nbuf[:0])
		before := n.pct.mem()
		for _, f := range nums {
			n.pct.add(f)
		}
		st.charge(n.pct.mem() - before)
	case AggTopHits:
		if n.top == nil {
			n.top = &topHits{sp: sp}
		}
		before := n.top.mem()
		n.top.add(d)
		st.charge(n.top.mem() - before)
	}
}

func mergeAll(a, b []*node) {
	for i, n := range a {
		n.merge(b[i])
	}
}

func (n *node) merge(o *node) {
	switch n.sp.a.Kind {
	case AggTerms, AggHistogram, AggDateHistogram:
		for k, ob := range o.keyed {
			if b := n.keyed[k]; b != nil {
				b.count += ob.count
				mergeAll(b.subs, ob.subs)
			} else {
				n.keyed[k] = ob
			}
		}
		n.other += o.other
		n.kinds |= o.kinds
		if n.errBound < 0 || o.errBound < 0 {
			n.errBound = -1
		} else {
			n.errBound += o.errBound
		}
	case AggRange, AggDateRange, AggFilters:
		for i, ob := range o.list {
			switch b := n.list[i]; {
			case ob == nil:
			case b == nil:
				n.list[i] = ob
			default:
				b.count += ob.count
				mergeAll(b.subs, ob.subs)
			}
		}
	case AggFilter:
		n.docCount += o.docCount
		mergeAll(n.subs, o.subs)
	case AggCardinality:
		switch {
		case o.card == nil:
		case n.card == nil:
			n.card = o.card
		default:
			n.card.merge(o.card)
		}
	case AggPercentiles:
		switch {
		case o.pct == nil:
		case n.pct == nil:
			n.pct = o.pct
		default:
			n.pct.merge(o.pct)
		}
	case AggTopHits:
		switch {
		case o.top == nil:
		case n.top == nil:
			n.top = o.top
		default:
			n.top.merge(o.top)
		}
	default:
		n.count += o.count
		n.sum += o.sum
		n.min = math.Min(n.min, o.min)
		n.max = math.Max(n.max, o.max)
		n.date = n.date || o.date
	}
}

type keyedEntry struct {
	key termKey
	b   *bucket
}

// normalizeKeys gives keys made from a missing value the type of the
// field's values: a number is a date on a date field, a whole double a
// long on a long field.
func (n *node) normalizeKeys() {
	if n.sp.a.Kind != AggTerms || n.sp.missingKey == nil {
		return
	}
	mk := *n.sp.missingKey
	to := mk
	switch {
	case mk.kind == kInt && n.kinds&(1<<kDate) != 0:
		to.kind = kDate
	case mk.kind == kFloat && n.kinds&(1<<kInt) != 0 && mk.f == math.Trunc(mk.f) && math.Abs(mk.f) < 1<<62:
		to = termKey{kind: kInt, i: int64(mk.f)}
	case mk.kind == kFloat && n.kinds&(1<<kDate) != 0 && mk.f == math.Trunc(mk.f) && math.Abs(mk.f) < 1<<62:
		to = termKey{kind: kDate, i: int64(mk.f)}
	case mk.kind == kInt && n.kinds&(1<<kFloat) != 0:
		to = termKey{kind: kFloat, f: float64(mk.i)}
	}
	b := n.keyed[mk]
	if to == mk || b == nil {
		return
	}
	delete(n.keyed, mk)
	if ob := n.keyed[to]; ob != nil {
		ob.count += b.count
		mergeAll(ob.subs, b.subs)
	} else {
		n.keyed[to] = b
	}
}

func (n *node) sortedEntries() []keyedEntry {
	n.normalizeKeys()
	es := make([]keyedEntry, 0, len(n.keyed))
	for k, b := range n.keyed {
		es = append(es, keyedEntry{k, b})
	}
	order := n.sp.order
	slices.SortFunc(es, func(x, y keyedEntry) int { return compareEntries(order, x, y) })
	return es
}

// bestEntries returns the best k buckets holding at least minDoc
// documents, in order, and the documents of the others that hold at
// least minDoc: a heap of k, not a sort of every bucket.
func (n *node) bestEntries(k int, minDoc int64) ([]keyedEntry, int64) {
	n.normalizeKeys()
	order := n.sp.order
	worse := func(x, y keyedEntry) bool { return compareEntries(order, x, y) > 0 }
	h := make([]keyedEntry, 0, min(k, len(n.keyed)))
	var rest int64
	down := func(i int) {
		for {
			l, w := 2*i+1, i
			if l < len(h) && worse(h[l], h[w]) {
				w = l
			}
			if r := l + 1; r < len(h) && worse(h[r], h[w]) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for key, b := range n.keyed {
		if b.count < minDoc {
			continue
		}
		e := keyedEntry{key, b}
		switch {
		case len(h) < k:
			h = append(h, e)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !worse(h[i], h[p]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case k > 0 && worse(h[0], e):
			rest += h[0].b.count
			h[0] = e
			down(0)
		default:
			rest += b.count
		}
	}
	slices.SortFunc(h, func(x, y keyedEntry) int { return compareEntries(order, x, y) })
	return h, rest
}

func compareEntries(order []orderKey, x, y keyedEntry) int {
	for _, o := range order {
		var c int
		switch {
		case o.isCnt:
			c = cmp.Compare(x.b.count, y.b.count)
		case o.isKey:
			c = compareKeys(x.key, y.key)
		default:
			vx, okx := orderValue(x.b.subs, o)
			vy, oky := orderValue(y.b.subs, o)
			switch {
			case !okx && !oky:
				continue
			case !okx:
				return 1 // buckets without the value last
			case !oky:
				return -1
			}
			c = cmp.Compare(vx, vy)
		}
		if o.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// orderValue is the value a bucket is ordered by: a metric's, or a
// filter aggregation's doc count, reached through filter aggregations.
func orderValue(subs []*node, o orderKey) (float64, bool) {
	n := subs[o.path[0]]
	for _, i := range o.path[1:] {
		n = n.subs[i]
	}
	if n.sp.a.Kind == AggFilter {
		return float64(n.docCount), true
	}
	return metricValue(n, o.stat)
}

// metricValue is a single-value metric's value (a stat of stats, a
// percent of percentiles); ok is false when it has none.
func metricValue(n *node, stat string) (float64, bool) {
	switch n.sp.a.Kind {
	case AggAvg:
		if n.count == 0 {
			return 0, false
		}
		return n.sum / float64(n.count), true
	case AggMin:
		return n.min, n.count > 0
	case AggMax:
		return n.max, n.count > 0
	case AggSum:
		return n.sum, true
	case AggValueCount:
		return float64(n.count), true
	case AggCardinality:
		if n.card == nil {
			return 0, true
		}
		return float64(n.card.estimate()), true
	case AggStats:
		switch stat {
		case "count":
			return float64(n.count), true
		case "sum":
			return n.sum, true
		case "min":
			return n.min, n.count > 0
		case "max":
			return n.max, n.count > 0
		case "avg":
			if n.count == 0 {
				return 0, false
			}
			return n.sum / float64(n.count), true
		}
	case AggPercentiles:
		p, _ := strconv.ParseFloat(stat, 64)
		if n.pct == nil || n.pct.n == 0 {
			return 0, false
		}
		return n.pct.quantile(p / 100), true
	}
	return 0, false
}

func trimNodes(ns []*node) {
	for _, n := range ns {
		n.trim()
	}
}

// trim keeps a terms aggregation's best shard_size buckets of one
// partition, as an Elasticsearch shard returns them, recording what it
// dropped in other and the error bound.
func (n *node) trim() {
	sp := n.sp
	if sp.a.Kind == AggTerms && len(n.keyed) > sp.shardSize {
		es, _ := n.bestEntries(sp.shardSize, 0)
		kept := make(map[termKey]*bucket, len(es))
		for _, e := range es {
			kept[e.key] = e.b
		}
		for k, b := range n.keyed {
			if kept[k] == nil {
				n.other += b.count
			}
		}
		n.keyed = kept
		if n.errBound >= 0 {
			switch first := sp.order[0]; {
			case first.isCnt && first.desc:
				n.errBound += es[len(es)-1].b.count
			case first.isKey:
			default:
				n.errBound = -1
			}
		}
	}
	for _, b := range n.keyed {
		trimNodes(b.subs)
	}
	for _, b := range n.list {
		if b != nil {
			trimNodes(b.subs)
		}
	}
	trimNodes(n.subs)
}

// finisher gathers what Finish checks while results are built.
type finisher struct {
	exact   bool
	buckets int
}

func resultsOf(f *finisher, ns []*node) []AggResult {
	if len(ns) == 0 {
		return nil
	}
	out := make([]AggResult, len(ns))
	for i, n := range ns {
		out[i] = n.result(f)
	}
	return out
}

func aggPtr(f float64) *float64 { return &f }

// result finishes n. Empty buckets of one aggregation share the results
// of their sub-aggregations: results are read-only.
func (n *node) result(f *finisher) AggResult {
	sp := n.sp
	r := AggResult{Name: sp.a.Name, Kind: sp.a.Kind}
	switch sp.a.Kind {
	case AggTerms:
		es, rest := n.bestEntries(sp.size, sp.minDocCount)
		for _, e := range es {
			r.Buckets = append(r.Buckets, n.termsBucket(f, e))
		}
		r.SumOtherDocCount = n.other + rest
		r.DocCountErrorUpperBound = n.errBound
		f.buckets += len(r.Buckets)
	case AggHistogram, AggDateHistogram:
		r.Buckets = n.histogramBuckets(f)
		f.buckets += len(r.Buckets)
	case AggRange, AggDateRange, AggFilters:
		var empty []AggResult
		for i, b := range n.list {
			var out Bucket
			if sp.a.Kind == AggFilters {
				out.Key = sp.a.Filters[i].Name
			} else {
				rb := sp.ranges[i]
				out.Key, out.From, out.To = rb.key, rb.from, rb.to
				out.FromAsString, out.ToAsString = rb.fromS, rb.toS
			}
			if b != nil {
				out.DocCount = b.count
				out.Subs = resultsOf(f, b.subs)
			} else {
				if empty == nil && len(sp.subs) > 0 {
					empty = resultsOf(&finisher{}, newNodes(sp.subs))
				}
				out.Subs = empty
			}
			r.Buckets = append(r.Buckets, out)
		}
		f.buckets += len(r.Buckets)
	case AggFilter:
		r.DocCount = n.docCount
		r.Subs = resultsOf(f, n.subs)
	case AggAvg, AggMin, AggMax:
		if v, ok := metricValue(n, ""); ok {
			r.Value = aggPtr(v)
			if n.date || sp.a.Format != "" {
				r.ValueAsString = sp.format.format(int64(math.Round(v)), sp.loc)
			}
		}
	case AggSum, AggValueCount, AggCardinality:
		v, _ := metricValue(n, "")
		r.Value = aggPtr(v)
	case AggStats:
		r.Stats = &Stats{Count: n.count, Sum: n.sum}
		if n.count > 0 {
			r.Stats.Min, r.Stats.Max = n.min, n.max
		}
	case AggPercentiles:
		for _, p := range sp.percents {
			pc := Percentile{Percent: p}
			if n.pct != nil && n.pct.n > 0 {
				pc.Value = aggPtr(n.pct.quantile(p / 100))
			}
			r.Percentiles = append(r.Percentiles, pc)
		}
	case AggTopHits:
		r.Total = Total{Relation: Exact}
		if n.top != nil {
			r.Hits = n.top.result()
			r.Total.Value = n.top.total
		}
	}
	return r
}

func (n *node) termsBucket(f *finisher, e keyedEntry) Bucket {
	out := Bucket{DocCount: e.b.count, Subs: resultsOf(f, e.b.subs)}
	switch k := e.key; k.kind {
	case kStr:
		out.Key = k.s
	case kInt:
		out.Key = k.i
	case kFloat:
		out.Key = k.f
	case kDate:
		out.Key = k.i
		out.KeyAsString = n.sp.format.format(k.i, n.sp.loc)
	case kBool:
		out.Key = k.i
		out.KeyAsString = "false"
		if k.i == 1 {
			out.KeyAsString = "true"
		}
	}
	return out
}

// histogramBuckets lists a histogram's buckets in key order, filling
// the empty ones between the first and the last (and the extended
// bounds) when min_doc_count is 0, at most MaxBuckets+1 of them.
func (n *node) histogramBuckets(f *finisher) []Bucket {
	sp := n.sp
	date := sp.a.Kind == AggDateHistogram
	var empty []AggResult // the sub-aggregations of an empty bucket, shared
	mk := func(k termKey, b *bucket) Bucket {
		out := Bucket{}
		if date {
			out.Key = k.i
			out.KeyAsString = sp.format.format(k.i, sp.loc)
		} else {
			out.Key = float64(k.i)*sp.interval + sp.offset
		}
		if b != nil {
			out.DocCount = b.count
			out.Subs = resultsOf(f, b.subs)
		} else if len(sp.subs) > 0 {
			if empty == nil {
				empty = resultsOf(&finisher{}, newNodes(sp.subs))
			}
			out.Subs = empty
		}
		return out
	}
	// Buckets in key order, filled when min_doc_count is 0, then in the
	// requested order.
	es := n.entriesByKey()
	var list []keyedEntry // b nil: an empty bucket
	if sp.minDocCount > 0 {
		for _, e := range es {
			if e.b.count >= sp.minDocCount {
				list = append(list, e)
			}
		}
	} else {
		list = n.filled(f, es)
	}
	if len(list) > MaxBuckets+1 {
		f.buckets += len(list)
		list = list[:MaxBuckets+1]
	}
	if first := sp.order[0]; !first.isKey || first.desc {
		zero := &bucket{subs: newNodes(sp.subs)}
		orNil := func(e keyedEntry) keyedEntry {
			if e.b == nil {
				e.b = zero
			}
			return e
		}
		slices.SortStableFunc(list, func(x, y keyedEntry) int { return compareEntries(sp.order, orNil(x), orNil(y)) })
	}
	out := make([]Bucket, 0, len(list))
	for _, e := range list {
		out = append(out, mk(e.key, e.b))
	}
	return out
}

// entriesByKey lists the buckets in ascending key order.
func (n *node) entriesByKey() []keyedEntry {
	es := make([]keyedEntry, 0, len(n.keyed))
	for k, b := range n.keyed {
		es = append(es, keyedEntry{k, b})
	}
	slices.SortFunc(es, func(x, y keyedEntry) int { return compareKeys(x.key, y.key) })
	return es
}

// filled adds the empty buckets between the first key (or the lower
// extended bound) and the last (or the upper one) to es, in key order.
// Past MaxBuckets it answers the buckets that hold documents, counted in
// f for Finish to report.
func (n *node) filled(f *finisher, es []keyedEntry) []keyedEntry {
	sp := n.sp
	date := sp.a.Kind == AggDateHistogram
	var lo, hi termKey
	have := len(es) > 0
	if have {
		lo, hi = es[0].key, es[len(es)-1].key
	}
	if sp.extMin != nil {
		var emin, emax termKey
		if date {
			emin, emax = termKey{kind: kDate, i: int64(*sp.extMin)}, termKey{kind: kDate, i: int64(*sp.extMax)}
		} else {
			emin = termKey{kind: kInt, i: histIndex(*sp.extMin, sp)}
			emax = termKey{kind: kInt, i: histIndex(*sp.extMax, sp)}
		}
		if !have || compareKeys(emin, lo) < 0 {
			lo = emin
		}
		if !have || compareKeys(emax, hi) > 0 {
			hi = emax
		}
		have = true
	}
	if !have {
		return nil
	}
	next := func(k termKey) termKey {
		if date {
			k.i = sp.nextDateKey(k.i)
		} else {
			k.i++
		}
		return k
	}
	// Count the keys first, without stepping through a span that is
	// certainly too wide.
	keys := 0
	span := float64(hi.i) - float64(lo.i)
	if date && span > float64(MaxBuckets+1)*float64(sp.maxBucketMs()) || !date && span >= MaxBuckets {
		keys = MaxBuckets + 1
	}
	for k := lo; keys <= MaxBuckets && compareKeys(k, hi) <= 0; k = next(k) {
		keys++
	}
	if keys > MaxBuckets {
		f.buckets += keys
		return es
	}
	out := make([]keyedEntry, 0, keys)
	i := 0
	for k := lo; compareKeys(k, hi) <= 0 && len(out) <= MaxBuckets; k = next(k) {
		for i < len(es) && compareKeys(es[i].key, k) < 0 {
			out = append(out, es[i]) // a key off the steps (a clock change)
			i++
		}
		if i < len(es) && es[i].key == k {
			out = append(out, es[i])
			i++
		} else {
			out = append(out, keyedEntry{key: k})
		}
	}
	return append(out, es[i:]...)
}

func histIndex(v float64, sp *aggSpec) int64 {
	m := math.Floor((v - sp.offset) / sp.interval)
	return int64(max(min(m, 1<<62), -(1 << 62)))
}
