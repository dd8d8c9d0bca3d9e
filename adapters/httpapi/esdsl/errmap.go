package esdsl

import (
	"context"
	"errors"
	"net/http"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// errorMapping is one row of errorTable: the Elasticsearch error a
// domain or port error becomes.
type errorMapping struct {
	err  error
	make func(err error) *Error
}

// shardCause reports err as Elasticsearch reports a failure of every
// shard: its root cause of type typ with err's message (which the
// packages that return these errors keep free of paths and internals).
func shardCause(typ string) func(error) *Error {
	return func(err error) *Error {
		return shardFailure(&Error{Status: http.StatusBadRequest, Type: typ, Reason: err.Error()})
	}
}

func plain(status int, typ, reason string) func(error) *Error {
	return func(err error) *Error {
		r := reason
		if r == "" {
			r = err.Error()
		}
		return &Error{Status: status, Type: typ, Reason: r}
	}
}

// errorTable is the one table from the search surface's domain and port
// errors to Elasticsearch's errors; the first row errors.Is matches wins.
var errorTable = []errorMapping{
	{search.ErrQueryString, func(err error) *Error {
		var qe *search.QueryStringError
		q := ""
		if errors.As(err, &qe) {
			q = qe.Query
		}
		return queryStringErr(q, err)
	}},
	{search.ErrBadID, plain(http.StatusBadRequest, TypeIllegalArgument, "")},
	{search.ErrAggUnsupported, plain(http.StatusBadRequest, TypeIllegalArgument, "")},
	{search.ErrAggInvalid, plain(http.StatusBadRequest, TypeIllegalArgument, "")},
	{search.ErrTooManyBuckets, shardCause("too_many_buckets_exception")},
	{search.ErrBadPattern, shardCause(TypeQueryShard)},
	{search.ErrPatternTooComplex, shardCause(TypeIllegalArgument)},
	{search.ErrBadMinimumShouldMatch, shardCause(TypeQueryShard)},
	{search.ErrBadDate, shardCause("parse_exception")},
	{textindex.ErrInvalid, shardCause(TypeQueryShard)},
	{textindex.ErrTooComplex, shardCause(TypeIllegalArgument)},
	{textindex.ErrClosed, plain(http.StatusServiceUnavailable, "unavailable_shards_exception", "a partition's index is closed (the node is stopping); retry")},
	{textindex.ErrCorrupt, plain(http.StatusInternalServerError, "corrupt_index_exception", "a partition's index is corrupt")},
	{topic.ErrUnknown, plain(http.StatusNotFound, "index_not_found_exception", "no such index")},
	{context.DeadlineExceeded, plain(http.StatusGatewayTimeout, "timeout_exception", "the search did not finish in time")},
	{context.Canceled, plain(http.StatusBadRequest, "task_cancelled_exception", "the search was cancelled")},
}

// FromError turns an error of the search use case into Elasticsearch's
// error: an *Error as it is, a mapped error through errorTable, anything
// else as a 500 whose reason names no internals.
func FromError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, m := range errorTable {
		if errors.Is(err, m.err) {
			return m.make(err)
		}
	}
	return &Error{Status: http.StatusInternalServerError, Type: "exception", Reason: "internal error"}
}

// IndexNotFound is Elasticsearch's answer for an index (topic) that does
// not exist.
func IndexNotFound(name string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "index_not_found_exception", Reason: "no such index [" + snippet(name) + "]",
		Extra: map[string]any{"index": name, "resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_"}}
}
