// Package textindex is the port of full-text indexes: one index holds
// the documents of one partition (or of one time range of it), answers
// searches over them, and can be packed into one object to keep in the
// bucket and unpacked elsewhere.
//
// The query model, the mapping and the shapes of answers are those of
// domain/search. An index answers for itself only: the use case fans a
// request out to the indexes of the partitions it names and merges their
// answers (hits by their sort values, aggregations by their partial
// states).
package textindex

import (
	"context"
	"errors"
	"io"

	"github.com/chronik-stream/chronik/domain/search"
)

// Errors of an Index. Each is wrapped with a message safe to show the
// user (no file paths).
var (
	// ErrInvalid: the request cannot run as asked (a field of the wrong
	// type for the query, a bad regular expression, date math that does
	// not parse): HTTP 400 in Elasticsearch's shape.
	ErrInvalid = errors.New("invalid search request")
	// ErrTooComplex: the request would exceed a bound (a regular
	// expression or wildcard with too many states, too many expanded
	// terms, too many buckets): HTTP 400.
	ErrTooComplex = errors.New("search request too complex")
	// ErrClosed: the index is closed.
	ErrClosed = errors.New("text index is closed")
	// ErrCorrupt: an index's files (or a packed index) are damaged.
	ErrCorrupt = errors.New("text index is corrupt")
)

// Store opens indexes in local directories.
type Store interface {
	// Open opens the index in dir, creating it when dir is empty.
	Open(ctx context.Context, dir string, opt Options) (Index, error)
	// Unpack writes the index that Index.Pack wrote to r into dir
	// (empty or absent), ready to Open.
	Unpack(ctx context.Context, r io.Reader, dir string) error
}

// Options shape an index.
type Options struct {
	// DefaultAnalyzer analyzes text fields whose mapping names none
	// (search.analyzer; "standard" when empty).
	DefaultAnalyzer string
}

// Index is one partition's (or one time range's) documents.
type Index interface {
	// Add indexes docs, each typed by mapping (which holds every field
	// of every doc). Added documents are visible to Search when Add
	// returns; they are durable after Commit.
	Add(ctx context.Context, docs []search.Doc, mapping search.Mapping) error
	// Commit makes everything added durable in the index's directory.
	Commit(ctx context.Context) error
	// Search runs req over this index alone: the best req.From+req.Size
	// hits (hits carry Sort values when req sorts, and Source filtered),
	// the total, and aggregations as partial states the use case merges
	// (see domain/search).
	Search(ctx context.Context, req search.Request, mapping search.Mapping) (Answer, error)
	// Get returns the document at offset, and whether the index has it.
	Get(ctx context.Context, partition int32, offset int64) (search.Doc, bool, error)
	// Count is the number of documents.
	Count() (int64, error)
	// Pack writes the committed index to w as one stream (for the
	// bucket).
	Pack(ctx context.Context, w io.Writer) error
	// Close releases the index. Idempotent.
	Close() error
}

// Answer is one index's answer to a search.
type Answer struct {
	Result search.Result
	// Partial holds the aggregations' mergeable states, for the use case
	// to merge with the other indexes' and finish into Result.Aggs.
	Partial *search.AggState
}
