package search

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Errors of aggregations. Each is wrapped with a message that names the
// aggregation and what was wrong.
var (
	// ErrAggUnsupported: an aggregation (or a parameter of one) that is
	// not supported.
	ErrAggUnsupported = errors.New("aggregation not supported")
	// ErrAggInvalid: an aggregation that cannot run as asked (no
	// interval, a negative size, a bad date format, states of different
	// aggregations merged).
	ErrAggInvalid = errors.New("invalid aggregation")
	// ErrTooManyBuckets: the answer would hold more than MaxBuckets
	// buckets, or one partition's collection more than MaxCollectBuckets.
	ErrTooManyBuckets = errors.New("too many buckets")
)

// Bounds of aggregations.
const (
	// MaxBuckets bounds the buckets of an answer, all bucket
	// aggregations together (Elasticsearch's search.max_buckets).
	MaxBuckets = 65_536
	// MaxCollectBuckets bounds the buckets one state holds while it
	// collects one partition's documents (every distinct term is kept
	// until the state is merged with another partition's).
	MaxCollectBuckets = 1 << 20
	// MaxCollectBytes bounds the memory one state takes while it
	// collects, as estimated from its buckets, sub-aggregation states,
	// cardinality sets and registers, percentile values and top hits.
	MaxCollectBytes = 256 << 20
	// MaxTopHitsWindow bounds From+Size of top_hits
	// (index.max_inner_result_window).
	MaxTopHitsWindow = 100
	// MaxPrecisionThreshold caps a cardinality's precision_threshold.
	MaxPrecisionThreshold = 40_000
	// ExactPercentileValues: percentiles are exact up to this many
	// values in a bucket, a t-digest beyond.
	ExactPercentileValues = 10_000
)

// DocValues is what an index tells the aggregations about one matching
// document.
type DocValues interface {
	Partition() int32
	Offset() int64
	Score() float64
	// Values returns the document's values of the field at path (nil
	// when it has none). The aggregations only ask for paths AggFields
	// listed.
	Values(path string) []FieldValue
	// MatchesFilter reports whether the document matches the i-th query
	// of AggFilterQueries.
	MatchesFilter(i int) bool
}

// AggState is the mergeable state of a request's aggregations over the
// documents collected so far: an index collects its matching documents
// into one, the use case merges the indexes' states and finishes them
// into results.
//
// Terms aggregations keep every distinct term of one partition (exact
// within it); when the states of two partitions are merged each keeps
// only its best shard_size buckets (size*1.5+10 by default), and the
// answer reports sum_other_doc_count and doc_count_error_upper_bound as
// Elasticsearch does across shards (the error bound adds, per partition
// that dropped terms, the count of the last term it kept; 0 when no
// partition dropped any or the order is by key; -1 when the order is by
// ascending count or a metric). One partition's state alone is exact.
//
// Other aggregations merge exactly, but cardinality (exact below
// precision_threshold, a HyperLogLog sketch of 2^14 registers above:
// about 0.8 % standard error, and merging sketches loses nothing) and
// percentiles (exact up to ExactPercentileValues values per bucket, a
// t-digest of compression 100 above: typically within 0.5 % of rank).
//
// Collect is bounded by MaxCollectBuckets buckets and MaxCollectBytes of
// estimated memory per state; the answer by MaxBuckets (Finish). An
// AggState is not safe for concurrent use.
type AggState struct {
	aggs  []Aggregation
	now   time.Time
	specs []*aggSpec
	roots []*node
	// parts counts the partitions collected or merged in; raw is set
	// while collected documents were not yet trimmed to shard_size.
	parts   int
	raw     bool
	buckets int   // buckets made by Collect
	bytes   int64 // the estimated memory Collect took
	err     error
}

// NewAggState returns the empty state of aggs, date math resolved
// against now. It refuses specs that cannot run (ErrAggInvalid,
// ErrAggUnsupported, ErrTooManyBuckets, wrapped with the aggregation's
// name).
func NewAggState(aggs []Aggregation, now time.Time) (*AggState, error) {
	c := compiler{now: now}
	specs, err := c.compileList(aggs, 1, "")
	if err != nil {
		return nil, err
	}
	s := &AggState{aggs: aggs, now: now, specs: specs}
	s.roots = newNodes(specs)
	return s, nil
}

// AggFields lists the field paths aggs read, each once.
func AggFields(aggs []Aggregation) []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	var walk func([]Aggregation, int)
	walk = func(as []Aggregation, depth int) {
		if depth > MaxQueryDepth {
			return
		}
		for _, a := range as {
			switch a.Kind {
			case AggFilter, AggFilters:
			case AggTopHits:
				for _, so := range a.Sort {
					if so.Field != SortScore && so.Field != SortDoc {
						add(so.Field)
					}
				}
			default:
				add(a.Field)
			}
			walk(a.Subs, depth+1)
		}
	}
	walk(aggs, 1)
	return out
}

// AggFilterQueries lists the queries of aggs' filter and filters
// aggregations, in the order DocValues.MatchesFilter numbers them: depth
// first, an aggregation's own queries (filters in their order) before
// those of its sub-aggregations.
func AggFilterQueries(aggs []Aggregation) []Query {
	var out []Query
	var walk func([]Aggregation, int)
	walk = func(as []Aggregation, depth int) {
		if depth > MaxQueryDepth {
			return
		}
		for _, a := range as {
			switch a.Kind {
			case AggFilter:
				out = append(out, a.Filter)
			case AggFilters:
				for _, f := range a.Filters {
					out = append(out, f.Query)
				}
			}
			walk(a.Subs, depth+1)
		}
	}
	walk(aggs, 1)
	return out
}

// Collect adds one matching document.
func (s *AggState) Collect(d DocValues) {
	if s.err != nil {
		return // the answer is the error
	}
	if s.parts == 0 {
		s.parts = 1
	}
	s.raw = true
	for _, n := range s.roots {
		n.collect(s, d)
	}
}

// Err returns the first error met while collecting: ErrTooManyBuckets
// when one partition's documents needed more than MaxCollectBuckets
// buckets or MaxCollectBytes of memory. Collect does nothing after it.
func (s *AggState) Err() error { return s.err }

// Merge adds o's documents (a state of the same aggregations) and
// returns the error of either state. o is consumed: it must not be used
// after.
func (s *AggState) Merge(o *AggState) error {
	if o == nil {
		return s.err
	}
	if o == s {
		return fmt.Errorf("%w: merging a state into itself", ErrAggInvalid)
	}
	if !sameSpecs(s.specs, o.specs) {
		return fmt.Errorf("%w: merging the states of different aggregations", ErrAggInvalid)
	}
	if s.err == nil {
		s.err = o.err
	}
	if o.parts == 0 {
		return s.err
	}
	if s.parts == 0 {
		s.roots, s.parts, s.raw, s.buckets = o.roots, o.parts, o.raw, o.buckets
		o.roots = newNodes(o.specs)
		o.parts, o.raw = 0, false
		return s.err
	}
	if s.raw {
		trimNodes(s.roots)
		s.raw = false
	}
	if o.raw {
		trimNodes(o.roots)
		o.raw = false
	}
	for i, n := range s.roots {
		n.merge(o.roots[i])
	}
	s.parts += o.parts
	o.roots = newNodes(o.specs)
	o.parts = 0
	return s.err
}

// Results finishes the state into one result per aggregation, in order.
// Past a bound (see Finish) the answer is cut short, never unbounded.
// The results are the caller's but read-only in one respect: the empty
// buckets of one aggregation share their sub-aggregations' results.
// Results may reorganise the state (it sorts and compresses) but does
// not change its answer.
func (s *AggState) Results() []AggResult {
	r, _ := s.Finish()
	return r
}

// Finish is Results with the error: Err, or ErrTooManyBuckets when the
// answer would hold more than MaxBuckets buckets (Elasticsearch's
// too_many_buckets_exception).
func (s *AggState) Finish() ([]AggResult, error) {
	f := finisher{exact: s.parts <= 1}
	out := make([]AggResult, len(s.roots))
	for i, n := range s.roots {
		out[i] = n.result(&f)
	}
	if s.err != nil {
		return out, s.err
	}
	if f.buckets > MaxBuckets {
		return out, fmt.Errorf("%w: trying to create too many buckets: must be less than or equal to %d but this answer has %d (search.max_buckets)", ErrTooManyBuckets, MaxBuckets, f.buckets)
	}
	return out, nil
}

// maxCollectBuckets and maxCollectBytes are MaxCollectBuckets and
// MaxCollectBytes; tests lower them.
var (
	maxCollectBuckets       = MaxCollectBuckets
	maxCollectBytes   int64 = MaxCollectBytes
)

// Estimated sizes of what Collect makes: a bucket (its map entry and
// struct) and one sub-aggregation state in it (measured: about 105 and
// 185 bytes).
const (
	bucketBytes = 112
	nodeBytes   = 192
)

// allowBucket counts a bucket Collect makes, with subs sub-aggregation
// states.
func (s *AggState) allowBucket(subs int) bool {
	if s.err != nil {
		return false
	}
	if s.buckets >= maxCollectBuckets {
		s.err = fmt.Errorf("%w: one partition's documents need more than %d buckets; narrow the query or the aggregation", ErrTooManyBuckets, maxCollectBuckets)
		return false
	}
	s.buckets++
	s.charge(int64(bucketBytes + nodeBytes*subs))
	return s.err == nil
}

// charge counts n more bytes of memory Collect took.
func (s *AggState) charge(n int64) {
	s.bytes += n
	if s.bytes > maxCollectBytes && s.err == nil {
		s.err = fmt.Errorf("%w: aggregating one partition's documents needs more than %d MiB; narrow the query or the aggregation", ErrTooManyBuckets, maxCollectBytes>>20)
	}
}

func sameSpecs(a, b []*aggSpec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].a.Name != b[i].a.Name || a[i].a.Kind != b[i].a.Kind || !sameSpecs(a[i].subs, b[i].subs) {
			return false
		}
	}
	return true
}

// aggSpec is one aggregation checked and resolved.
type aggSpec struct {
	a    Aggregation
	path string
	subs []*aggSpec

	filter  int   // filter: its query's number
	filters []int // filters: their numbers

	// terms
	size, shardSize int
	minDocCount     int64
	order           []orderKey
	missingKey      *termKey
	// metrics, histograms, ranges
	missingNum *float64
	// histogram
	interval, offset float64
	// date_histogram
	cal      calUnit
	fixedMs  int64
	offsetMs int64
	loc      *time.Location
	format   aggDateFormat
	// histogram bounds (keys rounded)
	extMin, extMax *float64
	// range, date_range
	ranges []rangeBucket
	// percentiles
	percents []float64
	// cardinality
	threshold int
	// top_hits
	window int
}

type orderKey struct {
	by    string // "_count", "_key", or a sub-aggregation
	desc  bool
	path  []int  // a sub-aggregation: its index, through filter aggregations
	stat  string // stats: "avg", "min", ...; percentiles: the percent
	isKey bool
	isCnt bool
}

type rangeBucket struct {
	key        string
	from, to   *float64
	fromS, toS string
}

type compiler struct {
	now    time.Time
	filter int
}

func (c *compiler) compileList(aggs []Aggregation, depth int, parent string) ([]*aggSpec, error) {
	if len(aggs) > 0 && depth > MaxQueryDepth {
		return nil, fmt.Errorf("%w: aggregations nested deeper than %d", ErrAggInvalid, MaxQueryDepth)
	}
	seen := map[string]bool{}
	out := make([]*aggSpec, 0, len(aggs))
	for _, a := range aggs {
		if a.Name == "" {
			return nil, fmt.Errorf("%w: an aggregation under %q has no name", ErrAggInvalid, parent)
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("%w: two sibling aggregations are named %q", ErrAggInvalid, a.Name)
		}
		seen[a.Name] = true
		sp, err := c.compile(a, depth, joinPath(parent, a.Name))
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

func joinPath(p, n string) string {
	if p == "" {
		return n
	}
	return p + ">" + n
}

func (c *compiler) compile(a Aggregation, depth int, path string) (*aggSpec, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: [%s] %s", ErrAggInvalid, path, fmt.Sprintf(format, args...))
	}
	sp := &aggSpec{a: a, path: path}
	needField := func() error {
		if a.Field == "" {
			return bad("%s aggregation needs a field", a.Kind)
		}
		return nil
	}
	switch a.Kind {
	case AggTerms, AggHistogram, AggDateHistogram, AggRange, AggDateRange,
		AggAvg, AggMin, AggMax, AggSum, AggValueCount, AggStats, AggCardinality, AggPercentiles:
		if err := needField(); err != nil {
			return nil, err
		}
	case AggFilter:
		if a.Filter == nil {
			return nil, bad("filter aggregation needs a query")
		}
		sp.filter = c.filter
		c.filter++
	case AggFilters:
		if len(a.Filters) == 0 {
			return nil, bad("filters aggregation needs at least one filter")
		}
		if len(a.Filters) > MaxBuckets {
			return nil, fmt.Errorf("%w: [%s] %d filters is more than %d buckets", ErrTooManyBuckets, path, len(a.Filters), MaxBuckets)
		}
		for _, f := range a.Filters {
			if f.Query == nil {
				return nil, bad("filter %q has no query", f.Name)
			}
			sp.filters = append(sp.filters, c.filter)
			c.filter++
		}
	case AggTopHits:
	default:
		return nil, fmt.Errorf("%w: [%s] unknown aggregation type %q", ErrAggUnsupported, path, a.Kind)
	}
	if len(a.Subs) > 0 {
		switch a.Kind {
		case AggTerms, AggHistogram, AggDateHistogram, AggRange, AggDateRange, AggFilter, AggFilters:
		default:
			return nil, bad("%s aggregation cannot have sub-aggregations", a.Kind)
		}
	}
	if a.Format != "" && a.Kind != AggDateHistogram && a.Kind != AggDateRange && a.Kind != AggMin && a.Kind != AggMax && a.Kind != AggAvg && a.Kind != AggTerms {
		return nil, fmt.Errorf("%w: [%s] format on a %s aggregation", ErrAggUnsupported, path, a.Kind)
	}
	var err error
	if sp.loc, err = aggParseTimeZone(a.TimeZone); err != nil {
		return nil, fmt.Errorf("[%s] %w", path, err)
	}
	if sp.format, err = aggParseDateFormat(a.Format); err != nil {
		return nil, fmt.Errorf("[%s] %w", path, err)
	}
	if a.Missing != nil {
		switch a.Kind {
		case AggTerms, AggCardinality, AggValueCount:
			k, ok := scalarKey(a.Missing)
			if !ok {
				return nil, bad("missing %v is not a string, number or boolean", a.Missing)
			}
			sp.missingKey = &k
		case AggFilter, AggFilters, AggTopHits:
			return nil, bad("%s aggregation takes no missing value", a.Kind)
		default:
			v, err := scalarNumber(a.Missing, c.now, sp.loc)
			if err != nil {
				return nil, bad("missing %v is not a number or a date", a.Missing)
			}
			sp.missingNum = &v
		}
	}
	switch a.Kind {
	case AggTerms:
		if err := c.compileTerms(sp, bad); err != nil {
			return nil, err
		}
	case AggHistogram:
		if err := c.compileHistogram(sp, bad); err != nil {
			return nil, err
		}
	case AggDateHistogram:
		if err := c.compileDateHistogram(sp, bad); err != nil {
			return nil, err
		}
	case AggRange, AggDateRange:
		if err := c.compileRanges(sp, bad); err != nil {
			return nil, err
		}
	case AggPercentiles:
		ps := a.Percents
		if len(ps) == 0 {
			ps = []float64{1, 5, 25, 50, 75, 95, 99}
		}
		if len(ps) > 1000 {
			return nil, bad("more than 1000 percents")
		}
		for _, p := range ps {
			if !(p >= 0 && p <= 100) {
				return nil, bad("percent %v is not in [0, 100]", p)
			}
		}
		sp.percents = ps
	case AggCardinality:
		if a.PrecisionThreshold < 0 {
			return nil, bad("precision_threshold must not be negative")
		}
		sp.threshold = a.PrecisionThreshold
		if sp.threshold == 0 {
			sp.threshold = 3000
		}
		sp.threshold = min(sp.threshold, MaxPrecisionThreshold)
	case AggTopHits:
		size := a.Size
		if size == 0 {
			size = 3
		}
		if size < 0 || a.From < 0 {
			return nil, bad("from and size must not be negative")
		}
		if a.From > MaxTopHitsWindow || size > MaxTopHitsWindow || a.From+size > MaxTopHitsWindow {
			return nil, bad("from + size must be at most %d (index.max_inner_result_window), was %d", MaxTopHitsWindow, a.From+size)
		}
		sp.window = a.From + size
		for _, so := range a.Sort {
			if so.Field == "" {
				return nil, bad("a sort key has no field")
			}
		}
	}
	if sp.subs, err = c.compileList(a.Subs, depth+1, path); err != nil {
		return nil, err
	}
	switch a.Kind {
	case AggTerms, AggHistogram, AggDateHistogram:
		if err := resolveOrder(sp, bad); err != nil {
			return nil, err
		}
	default:
		if len(a.Order) > 0 {
			return nil, fmt.Errorf("%w: [%s] order on a %s aggregation", ErrAggUnsupported, path, a.Kind)
		}
	}
	return sp, nil
}

func (c *compiler) compileTerms(sp *aggSpec, bad func(string, ...any) error) error {
	a := sp.a
	if a.Size < 0 || a.ShardSize < 0 || a.MinDocCount < 0 {
		return bad("size, shard_size and min_doc_count must not be negative")
	}
	sp.size = a.Size
	if sp.size == 0 {
		sp.size = 10
	}
	if sp.size > MaxBuckets {
		return fmt.Errorf("%w: [%s] size %d is more than %d buckets (search.max_buckets)", ErrTooManyBuckets, sp.path, sp.size, MaxBuckets)
	}
	sp.shardSize = a.ShardSize
	if sp.shardSize == 0 {
		sp.shardSize = sp.size + sp.size/2 + 10
	}
	sp.shardSize = max(sp.shardSize, sp.size)
	sp.minDocCount = max(a.MinDocCount, 1)
	return nil
}

func resolveOrder(sp *aggSpec, bad func(string, ...any) error) error {
	var out []orderKey
	hasKey := false
	for _, o := range sp.a.Order {
		k := orderKey{by: o.By, desc: o.Order == Desc}
		switch o.By {
		case "_count":
			k.isCnt = true
		case "_key", "_term":
			k.isKey, hasKey = true, true
		default:
			path, stat, err := orderPath(sp, o.By)
			if err != nil {
				return bad("%v", err)
			}
			k.path, k.stat = path, stat
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		if sp.a.Kind == AggTerms {
			out = []orderKey{{by: "_count", desc: true, isCnt: true}}
		} else {
			out = []orderKey{{by: "_key", isKey: true}}
			hasKey = true
		}
	}
	if !hasKey {
		out = append(out, orderKey{by: "_key", isKey: true})
	}
	sp.order = out
	return nil
}

// orderPath resolves a bucket order's path: "metric", "stats.avg",
// "percentiles[99]" (or "percentiles.99"), a filter aggregation's name
// (its doc count, also "filter._count"), and any of these under filter
// aggregations: "filter>metric".
func orderPath(sp *aggSpec, by string) ([]int, string, error) {
	segs := strings.Split(by, ">")
	var path []int
	subs := sp.subs
	for i, seg := range segs {
		name, stat := seg, ""
		if i == len(segs)-1 {
			if j := strings.IndexAny(name, ".["); j >= 0 {
				name, stat = seg[:j], strings.Trim(seg[j+1:], "[]")
			}
		}
		idx := -1
		for j, s := range subs {
			if s.a.Name == name {
				idx = j
			}
		}
		if idx < 0 {
			return nil, "", fmt.Errorf("order by %q: no sub-aggregation named %q", by, name)
		}
		path = append(path, idx)
		sub := subs[idx]
		if i < len(segs)-1 {
			if sub.a.Kind != AggFilter {
				return nil, "", fmt.Errorf("order by %q: %q is not a filter aggregation (a path goes through single-bucket aggregations)", by, name)
			}
			subs = sub.subs
			continue
		}
		switch sub.a.Kind {
		case AggFilter:
			if stat != "" && stat != "_count" && stat != "doc_count" {
				return nil, "", fmt.Errorf("order by %q: a filter aggregation orders by its doc count", by)
			}
		case AggAvg, AggMin, AggMax, AggSum, AggValueCount, AggCardinality:
			if stat != "" && stat != "value" {
				return nil, "", fmt.Errorf("order by %q: %s has a single value", by, sub.a.Kind)
			}
		case AggStats:
			switch stat {
			case "count", "min", "max", "avg", "sum":
			default:
				return nil, "", fmt.Errorf("order by %q: name a stat (count, min, max, avg, sum)", by)
			}
		case AggPercentiles:
			p, err := strconv.ParseFloat(stat, 64)
			if err != nil || !(p >= 0 && p <= 100) {
				return nil, "", fmt.Errorf("order by %q: name a percent, as %s[99]", by, name)
			}
		default:
			return nil, "", fmt.Errorf("order by %q: not a single-value metric or a filter aggregation", by)
		}
		return path, stat, nil
	}
	return nil, "", fmt.Errorf("order by %q: empty path", by)
}

func (c *compiler) compileHistogram(sp *aggSpec, bad func(string, ...any) error) error {
	a := sp.a
	if !(a.Interval > 0) || math.IsInf(a.Interval, 0) {
		return bad("histogram needs an interval greater than 0")
	}
	if a.MinDocCount < 0 {
		return bad("min_doc_count must not be negative")
	}
	sp.interval = a.Interval
	if a.Offset != "" {
		v, err := strconv.ParseFloat(a.Offset, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("offset %q is not a number", a.Offset)
		}
		sp.offset = v
	}
	sp.minDocCount = a.MinDocCount
	if a.ExtendedBounds != nil && a.MinDocCount > 0 {
		return bad("extended_bounds can only be used with min_doc_count 0")
	}
	if a.ExtendedBounds != nil {
		lo, err1 := scalarNumber(a.ExtendedBounds.Min, c.now, sp.loc)
		hi, err2 := scalarNumber(a.ExtendedBounds.Max, c.now, sp.loc)
		if a.ExtendedBounds.Min == nil || a.ExtendedBounds.Max == nil || err1 != nil || err2 != nil {
			return bad("extended_bounds needs numbers min and max")
		}
		if lo > hi {
			return bad("extended_bounds min %v is greater than max %v", lo, hi)
		}
		if (hi-lo)/sp.interval+1 > MaxBuckets {
			return fmt.Errorf("%w: [%s] extended_bounds would make more than %d buckets", ErrTooManyBuckets, sp.path, MaxBuckets)
		}
		sp.extMin, sp.extMax = &lo, &hi
	}
	return nil
}

func (sp *aggSpec) dateKey(ms int64) int64 {
	t := ms - sp.offsetMs
	var k int64
	if sp.cal != calNone {
		k = roundCalendar(t, sp.cal, sp.loc)
	} else {
		k = roundFixed(t, sp.fixedMs, sp.loc)
	}
	return k + sp.offsetMs
}

// maxBucketMs bounds the real length of one date_histogram bucket, clock
// changes included, so that a span longer than n of them holds more than
// n buckets.
func (sp *aggSpec) maxBucketMs() int64 {
	const hour = 3_600_000
	if sp.cal == calNone {
		if sp.loc == time.UTC || strings.HasPrefix(sp.a.TimeZone, "+") || strings.HasPrefix(sp.a.TimeZone, "-") {
			return sp.fixedMs
		}
		return sp.fixedMs + 3*hour
	}
	switch sp.cal {
	case calMinute:
		return 60_000 + hour
	case calHour:
		return 2 * hour
	case calDay:
		return 26 * hour
	case calWeek:
		return 7*24*hour + 2*hour
	case calMonth:
		return 32 * 24 * hour
	case calQuarter:
		return 93 * 24 * hour
	}
	return 367 * 24 * hour
}

func (sp *aggSpec) nextDateKey(k int64) int64 {
	var n int64
	if sp.cal != calNone {
		n = nextCalendar(k-sp.offsetMs, sp.cal, sp.loc) + sp.offsetMs
	} else {
		n = nextFixed(k-sp.offsetMs, sp.fixedMs, sp.loc) + sp.offsetMs
		if n <= k {
			n = k + sp.fixedMs
		}
	}
	return n
}

func (c *compiler) compileDateHistogram(sp *aggSpec, bad func(string, ...any) error) error {
	a := sp.a
	switch {
	case a.CalendarInterval != "" && a.FixedInterval != "":
		return bad("set calendar_interval or fixed_interval, not both")
	case a.CalendarInterval != "":
		u, ok := parseCalendarInterval(a.CalendarInterval)
		if !ok {
			return bad("calendar_interval %q is not one of minute (1m), hour (1h), day (1d), week (1w), month (1M), quarter (1q), year (1y)", a.CalendarInterval)
		}
		sp.cal = u
	case a.FixedInterval != "":
		ms, err := parseFixedMs(a.FixedInterval)
		if err != nil {
			return fmt.Errorf("[%s] %w", sp.path, err)
		}
		sp.fixedMs = ms
	case a.Interval > 0:
		return fmt.Errorf("%w: [%s] date_histogram's interval; use calendar_interval or fixed_interval", ErrAggUnsupported, sp.path)
	default:
		return bad("date_histogram needs calendar_interval or fixed_interval")
	}
	if a.MinDocCount < 0 {
		return bad("min_doc_count must not be negative")
	}
	sp.minDocCount = a.MinDocCount
	off, err := parseOffsetMs(a.Offset)
	if err != nil {
		return fmt.Errorf("[%s] %w", sp.path, err)
	}
	sp.offsetMs = off
	if a.ExtendedBounds != nil && a.MinDocCount > 0 {
		return bad("extended_bounds can only be used with min_doc_count 0")
	}
	if a.ExtendedBounds != nil {
		if a.ExtendedBounds.Min == nil || a.ExtendedBounds.Max == nil {
			return bad("extended_bounds needs min and max")
		}
		lo, err1 := aggResolveDate(a.ExtendedBounds.Min, c.now, sp.loc)
		hi, err2 := aggResolveDate(a.ExtendedBounds.Max, c.now, sp.loc)
		if err1 != nil || err2 != nil {
			return bad("extended_bounds min and max must be dates or date math")
		}
		if lo > hi {
			return bad("extended_bounds min is after max")
		}
		step := sp.fixedMs
		if sp.cal != calNone {
			step = sp.cal.minMs()
		}
		if float64(hi-lo)/float64(step)+1 > MaxBuckets {
			return fmt.Errorf("%w: [%s] extended_bounds would make more than %d buckets", ErrTooManyBuckets, sp.path, MaxBuckets)
		}
		klo, khi := float64(sp.dateKey(lo)), float64(sp.dateKey(hi))
		sp.extMin, sp.extMax = &klo, &khi
	}
	return nil
}

func (c *compiler) compileRanges(sp *aggSpec, bad func(string, ...any) error) error {
	a := sp.a
	if len(a.Ranges) == 0 {
		return bad("%s aggregation needs ranges", a.Kind)
	}
	if len(a.Ranges) > MaxBuckets {
		return fmt.Errorf("%w: [%s] %d ranges is more than %d buckets", ErrTooManyBuckets, sp.path, len(a.Ranges), MaxBuckets)
	}
	for _, r := range a.Ranges {
		var rb rangeBucket
		for i, v := range []Scalar{r.From, r.To} {
			if v == nil {
				continue
			}
			var f float64
			if a.Kind == AggDateRange {
				ms, err := aggResolveDate(v, c.now, sp.loc)
				if err != nil {
					return fmt.Errorf("[%s] %w", sp.path, err)
				}
				f = float64(ms)
			} else {
				var ok bool
				f, ok = scalarFloat(v)
				if !ok {
					return bad("range bound %v is not a number", v)
				}
			}
			if i == 0 {
				rb.from = &f
			} else {
				rb.to = &f
			}
		}
		if a.Kind == AggDateRange {
			if rb.from != nil {
				rb.fromS = sp.format.format(int64(*rb.from), sp.loc)
			}
			if rb.to != nil {
				rb.toS = sp.format.format(int64(*rb.to), sp.loc)
			}
		}
		rb.key = r.Key
		if rb.key == "" {
			rb.key = rangeKey(rb, a.Kind == AggDateRange)
		}
		sp.ranges = append(sp.ranges, rb)
	}
	// Elasticsearch answers ranges sorted by from, then to.
	aggSortStable(sp.ranges, func(x, y rangeBucket) bool {
		fx, fy := boundOr(x.from, math.Inf(-1)), boundOr(y.from, math.Inf(-1))
		if fx != fy {
			return fx < fy
		}
		return boundOr(x.to, math.Inf(1)) < boundOr(y.to, math.Inf(1))
	})
	return nil
}

func boundOr(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

func rangeKey(rb rangeBucket, date bool) string {
	f := func(p *float64, s string) string {
		switch {
		case p == nil:
			return "*"
		case date:
			return s
		}
		return javaDouble(*p)
	}
	return f(rb.from, rb.fromS) + "-" + f(rb.to, rb.toS)
}

// javaDouble formats f as Java's Double.toString does ("10.0", "1.5",
// "1.0E7"), which Elasticsearch uses in range keys.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func aggSortStable[T any](s []T, less func(a, b T) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// scalarFloat reads a number (int64, int, float64) as float64.
func scalarFloat(v Scalar) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

// scalarNumber reads a number, a boolean (0/1), or a string holding a
// number or a date.
func scalarNumber(v Scalar, now time.Time, loc *time.Location) (float64, error) {
	if f, ok := scalarFloat(v); ok {
		return f, nil
	}
	switch x := v.(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, nil
		}
		ms, err := aggResolveDate(x, now, loc)
		if err != nil {
			return 0, err
		}
		return float64(ms), nil
	}
	return 0, fmt.Errorf("%w: %v is not a number", ErrAggInvalid, v)
}
