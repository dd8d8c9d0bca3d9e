package search

import (
	"errors"
	"time"
)

// ErrAggUnsupported: an aggregation the state cannot compute yet.
var ErrAggUnsupported = errors.New("aggregation not supported")

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

// Merge adds o's documents (a state of the same aggregations).
func (s *AggState) Merge(o *AggState) error { return nil }

// Results finishes the state into one result per aggregation, in order.
func (s *AggState) Results() []AggResult { return nil }
