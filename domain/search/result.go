package search

// TotalRelation says whether Total.Value is exact.
type TotalRelation string

const (
	Exact      TotalRelation = "eq"
	LowerBound TotalRelation = "gte"
)

// Total is how many documents matched.
type Total struct {
	Value    int64
	Relation TotalRelation
}

// Hit is one matching document.
type Hit struct {
	Index     string // the topic
	Partition int32
	Offset    int64
	Score     float64 // NaN when the request sorted by fields only
	// Sort holds the hit's sort values (for search_after) when the
	// request sorted.
	Sort      []Scalar
	Source    []byte              // the filtered _source, JSON; nil when disabled
	Highlight map[string][]string // field -> fragments
}

// ID is the hit's document id.
func (h Hit) ID() string { return DocID(h.Partition, h.Offset) }

// Result is the answer of one index (or the merge of several).
type Result struct {
	Total    Total
	MaxScore float64 // NaN when there are no hits or no scores
	Hits     []Hit
	Aggs     []AggResult
	TimedOut bool
	// Watermarks: per index and partition, the next offset the answer
	// covers (every offset below it was searchable).
	Watermarks map[string]map[int32]int64
}
