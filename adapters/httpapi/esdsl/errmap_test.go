package esdsl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
	"github.com/chronik-stream/chronik/test/errmaptest"
)

// known names every exported error of the packages whose errors reach
// the search surface (read from their source, so a new error fails this
// test until it is given an Elasticsearch error).
var known = map[string]error{
	"search.ErrBadID":                 search.ErrBadID,
	"search.ErrAggUnsupported":        search.ErrAggUnsupported,
	"search.ErrAggInvalid":            search.ErrAggInvalid,
	"search.ErrTooManyBuckets":        search.ErrTooManyBuckets,
	"search.ErrBadPattern":            search.ErrBadPattern,
	"search.ErrPatternTooComplex":     search.ErrPatternTooComplex,
	"search.ErrBadMinimumShouldMatch": search.ErrBadMinimumShouldMatch,
	"search.ErrBadDate":               search.ErrBadDate,
	"search.ErrQueryString":           search.ErrQueryString,
	"textindex.ErrInvalid":            textindex.ErrInvalid,
	"textindex.ErrTooComplex":         textindex.ErrTooComplex,
	"textindex.ErrClosed":             textindex.ErrClosed,
	"textindex.ErrCorrupt":            textindex.ErrCorrupt,
}

func TestEveryErrorIsMapped(t *testing.T) {
	names := append(errmaptest.Exported(t, "../../../domain", "search"), errmaptest.Exported(t, "../../../ports", "textindex")...)
	if len(names) < len(known) {
		t.Fatalf("found only %v in the sources", names)
	}
	for _, n := range names {
		e, ok := known[n]
		if !ok {
			t.Errorf("%s is not in this test's table: add it there and to errorTable", n)
			continue
		}
		got := FromError(fmt.Errorf("wrapped: %w", e))
		if got.Type == "exception" {
			t.Errorf("%s is not in errorTable", n)
		}
	}
}

func TestFromError(t *testing.T) {
	_, qerr := search.ParseQueryString("a AND", search.QueryStringOptions{})
	e := FromError(qerr)
	if e.Status != 400 || e.Type != TypeSearchPhase || e.RootCause.Type != TypeQueryShard || e.RootCause.Reason != "Failed to parse query [a AND]" {
		t.Fatalf("query string error: %+v root %+v", e, e.RootCause)
	}
	e = FromError(fmt.Errorf("%w: regexp [a{1000}] needs more than 10000 states", textindex.ErrTooComplex))
	if e.Status != 400 || e.RootCause.Type != TypeIllegalArgument || !strings.Contains(e.RootCause.Reason, "10000 states") {
		t.Fatalf("too complex: %+v", e.RootCause)
	}
	e = FromError(fmt.Errorf("%w: /var/lib/chronik/index/3 checksum", textindex.ErrCorrupt))
	if e.Status != 500 || strings.Contains(e.Reason, "/var") {
		t.Fatalf("corrupt: %+v", e)
	}
	e = FromError(errors.New("open /data/x: permission denied"))
	if e.Status != 500 || e.Type != "exception" || strings.Contains(e.Reason, "/data") {
		t.Fatalf("unmapped: %+v", e)
	}
	own := illegalArg("x")
	if FromError(fmt.Errorf("w: %w", own)) != own {
		t.Fatal("an *Error is not passed through")
	}
	nf := decodeError(t, IndexNotFound("logs"))
	if nf.Status != 404 || nf.Error.Type != "index_not_found_exception" || nf.Error.Reason != "no such index [logs]" {
		t.Fatalf("index not found: %+v", nf)
	}
}
