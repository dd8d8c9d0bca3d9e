package search

// AggKind is an aggregation's type, named as in the DSL.
type AggKind string

const (
	AggTerms         AggKind = "terms"
	AggHistogram     AggKind = "histogram"
	AggDateHistogram AggKind = "date_histogram"
	AggRange         AggKind = "range"
	AggDateRange     AggKind = "date_range"
	AggFilter        AggKind = "filter"
	AggFilters       AggKind = "filters"
	AggAvg           AggKind = "avg"
	AggMin           AggKind = "min"
	AggMax           AggKind = "max"
	AggSum           AggKind = "sum"
	AggValueCount    AggKind = "value_count"
	AggStats         AggKind = "stats"
	AggCardinality   AggKind = "cardinality"
	AggPercentiles   AggKind = "percentiles"
	AggTopHits       AggKind = "top_hits"
)

// Aggregation is one named aggregation of the matching documents; the
// fields that apply depend on Kind. Bucket kinds (terms, histograms,
// ranges, filter, filters) run Subs in each bucket.
type Aggregation struct {
	Name  string
	Kind  AggKind
	Field string
	// Missing is the value of documents without the field (nil: they
	// are left out).
	Missing Scalar

	// terms
	Size        int // buckets returned (10 when 0)
	ShardSize   int // buckets kept per partition before merging
	MinDocCount int64
	Order       []BucketOrder // by _count desc, then _key asc, when empty

	// histogram: Interval; date_histogram: CalendarInterval ("minute",
	// "1h", "day", "week", "month", "quarter", "year") or FixedInterval
	// ("90s", "3h"); both: Offset, and ExtendedBounds to add empty
	// buckets (with MinDocCount 0).
	Interval         float64
	CalendarInterval string
	FixedInterval    string
	Offset           string
	TimeZone         string
	Format           string // for key_as_string of dates
	ExtendedBounds   *Bounds

	// range, date_range: [From, To) each; Key names the bucket.
	Ranges []RangeSpec

	// filter: Filter; filters: Filters, in order (Keyed: named buckets).
	Filter  Query
	Filters []NamedQuery
	Keyed   bool

	// percentiles: Percents (1, 5, 25, 50, 75, 95, 99 when empty).
	Percents []float64
	// cardinality: counts exactly up to PrecisionThreshold (3000 when 0),
	// approximately above.
	PrecisionThreshold int

	// top_hits: the best Size hits (3 when 0) of the bucket, From, Sort,
	// Source.
	From   int
	Sort   []Sort
	Source SourceFilter

	Subs []Aggregation
}

// BucketOrder orders the buckets of a terms aggregation by "_count",
// "_key" or a single-value metric sub-aggregation's name.
type BucketOrder struct {
	By    string
	Order SortOrder
}

// Bounds bound a histogram (numbers, or dates as date math).
type Bounds struct{ Min, Max Scalar }

// RangeSpec is one bucket of a range aggregation.
type RangeSpec struct {
	Key      string
	From, To Scalar // nil: unbounded
}

// NamedQuery is one bucket of a filters aggregation.
type NamedQuery struct {
	Name  string
	Query Query
}

// AggResult is one aggregation's answer.
type AggResult struct {
	Name string
	Kind AggKind
	// Value of a single-value metric (avg, min, max, sum, value_count,
	// cardinality); nil when no document had the field.
	Value *float64
	// ValueAsString for dates (min and max of a date field).
	ValueAsString string
	Stats         *Stats
	Percentiles   []Percentile
	// Buckets of terms, histograms and ranges, in their order.
	Buckets []Bucket
	// DocCount and Subs of filter.
	DocCount int64
	Subs     []AggResult
	// terms: documents in buckets not returned, and the error bound of
	// the counts (0 when exact).
	SumOtherDocCount        int64
	DocCountErrorUpperBound int64
	// top_hits
	Hits  []Hit
	Total Total
}

// Stats is the answer of a stats aggregation.
type Stats struct {
	Count         int64
	Min, Max, Sum float64
}

// Percentile is one percentile's value.
type Percentile struct {
	Percent float64
	Value   *float64
}

// Bucket is one bucket: its key (a Scalar; a date's as epoch millis),
// its bounds for ranges, its count and sub-aggregations.
type Bucket struct {
	Key         Scalar
	KeyAsString string
	From, To    *float64
	// FromAsString and ToAsString: a date_range bucket's bounds in its
	// format.
	FromAsString, ToAsString string
	DocCount                 int64
	Subs                     []AggResult
}
