package esdsl

import (
	"net/url"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
)

// CountRequest is a _count request: its query (MatchAll when none) and
// how the index names resolve.
type CountRequest struct {
	Query             search.Query
	Pretty            bool
	IgnoreUnavailable bool
	AllowNoIndices    bool
	ExpandWildcards   string
}

// ParseCount reads a _count request: a body with "query" alone (or
// none) and the URL parameters (q and its options among them).
func ParseCount(body []byte, params url.Values, opt Options) (*CountRequest, *Error) {
	req := newSearchRequest(opt)
	if len(strings.TrimSpace(string(body))) > 0 {
		n, err := parseJSON(body)
		if err != nil {
			return nil, err
		}
		if err := req.readBody(n, true); err != nil {
			return nil, err
		}
	}
	if err := req.readParams(params, opt.path("/_count"), countParams); err != nil {
		return nil, err
	}
	q := req.Query
	if q == nil {
		q = search.MatchAll{}
	}
	return &CountRequest{Query: q, Pretty: req.Pretty, IgnoreUnavailable: req.IgnoreUnavailable,
		AllowNoIndices: req.AllowNoIndices, ExpandWildcards: req.ExpandWildcards}, nil
}
