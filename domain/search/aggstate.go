package search

import (
	"errors"
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
type AggState struct {
	aggs []Aggregation
	now  time.Time
}

// NewAggState returns the empty state of aggs, date math resolved
// against now.
func NewAggState(aggs []Aggregation, now time.Time) (*AggState, error) {
	if len(aggs) > 0 {
		return nil, ErrAggUnsupported
	}
	return &AggState{aggs: aggs, now: now}, nil
}

// AggFields lists the field paths aggs read, each once.
func AggFields(aggs []Aggregation) []string { return nil }

// AggFilterQueries lists the queries of aggs' filter and filters
// aggregations, in the order DocValues.MatchesFilter numbers them.
func AggFilterQueries(aggs []Aggregation) []Query { return nil }

// Collect adds one matching document.
func (s *AggState) Collect(d DocValues) {}

// Err returns the first error met while collecting (ErrTooManyBuckets
// when one partition's documents needed more than MaxCollectBuckets
// buckets; the buckets past it were not counted).
func (s *AggState) Err() error { return nil }

// Merge adds o's documents (a state of the same aggregations) and
// returns the error of either state. o is consumed: it must not be used
// after.
func (s *AggState) Merge(o *AggState) error { return nil }

// Results finishes the state into one result per aggregation, in order.
// Past a bound (see Finish) the answer is cut short, never unbounded.
func (s *AggState) Results() []AggResult { return nil }

// Finish is Results with the error: Err, or ErrTooManyBuckets when the
// answer would hold more than MaxBuckets buckets (Elasticsearch's
// too_many_buckets_exception).
func (s *AggState) Finish() ([]AggResult, error) { return nil, nil }
