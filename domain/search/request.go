package search

import "time"

// Limits of a request, refused beyond them with an error naming the
// limit (as Elasticsearch does).
const (
	// DefaultMaxResultWindow bounds From+Size (index.max_result_window).
	DefaultMaxResultWindow = 10_000
	// MaxQueryDepth bounds the nesting of compound queries and
	// aggregations.
	MaxQueryDepth = 32
	// DefaultTrackTotalHits counts hits exactly up to this many, then
	// answers a lower bound ("gte").
	DefaultTrackTotalHits = 10_000
	// DefaultSize is the number of hits when Size is unset.
	DefaultSize = 10
)

// Request is one search over one or more indexes.
type Request struct {
	Query       Query // MatchAll when nil
	From, Size  int
	Sort        []Sort   // by score when empty
	SearchAfter []Scalar // the sort values of the last hit of the previous page
	Source      SourceFilter
	Highlight   *Highlight
	// TrackTotalHits: count exactly up to this many (-1: all; 0: do not
	// count).
	TrackTotalHits int
	Timeout        time.Duration // 0: the node's default
	Aggs           []Aggregation
	// Now is the instant date math ("now-1h") is resolved against.
	Now time.Time
}

// SortOrder orders a sort key.
type SortOrder int8

const (
	Asc SortOrder = iota
	Desc
)

// Sort keys: a field, or the pseudo-fields "_score" (descending by
// default) and "_doc" (index order: partition, then offset).
const (
	SortScore = "_score"
	SortDoc   = "_doc"
)

// Sort is one sort key. Missing is "_last" (the default) or "_first".
// Mode picks one value of a multi-valued field: "min" (default for Asc),
// "max" (default for Desc), "sum", "avg", "median".
type Sort struct {
	Field   string
	Order   SortOrder
	Missing string
	Mode    string
}

// SourceFilter keeps fields of _source: Includes (all when empty), then
// minus Excludes, each a path or a pattern with *. Disabled returns no
// _source.
type SourceFilter struct {
	Disabled bool
	Includes []string
	Excludes []string
}

// Highlight asks for fragments of matching text fields.
type Highlight struct {
	Fields            []string // paths or patterns
	PreTags, PostTags []string // "<em>" and "</em>" when empty
	FragmentSize      int      // 100 when 0
	NumberOfFragments int      // 5 when 0
}
