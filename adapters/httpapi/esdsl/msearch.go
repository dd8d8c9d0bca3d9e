package esdsl

import (
	"bytes"
	"net/url"
)

// MaxMsearchSearches bounds the searches of one _msearch request.
const MaxMsearchSearches = 1000

// MsearchItem is one search of an _msearch request: the indexes its
// header names (none: the path's), its request, and Err when this
// search alone is refused (answered as an item error, the others run).
type MsearchItem struct {
	Indexes []string
	Request *SearchRequest
	Err     *Error
}

// MsearchRequest is a whole _msearch request.
type MsearchRequest struct {
	Items              []MsearchItem
	TypedKeys          bool
	RestTotalHitsAsInt bool
	Pretty             bool
}

// ParseMsearch reads an _msearch body: NDJSON lines in pairs, a header
// ({"index": ..., ...}, possibly {} or empty) then a search body. A line
// that is not JSON, a header with an unknown key or a body that does not
// parse refuses the whole request, as Elasticsearch does; a search past
// the result window is an item error.
func ParseMsearch(body []byte, params url.Values, opt Options) (*MsearchRequest, *Error) {
	top := newSearchRequest(opt)
	if err := top.readParams(params, opt.path("/_msearch"), msearchParams); err != nil {
		return nil, err
	}
	out := &MsearchRequest{TypedKeys: top.TypedKeys, RestTotalHitsAsInt: top.RestTotalHitsAsInt, Pretty: top.Pretty}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, illegalArg("The msearch request must be terminated by a newline [\\n]")
	}
	li := newLineIndex(body)
	off := 0
	next := func() ([]byte, int, bool) {
		for off < len(body) {
			end := bytes.IndexByte(body[off:], '\n')
			line, start := body[off:off+end], off
			off += end + 1
			return line, start, true
		}
		return nil, 0, false
	}
	for {
		hdr, hstart, ok := next()
		if !ok {
			break
		}
		if len(out.Items) >= MaxMsearchSearches {
			return nil, illegalArg("an _msearch request holds at most %d searches", MaxMsearchSearches)
		}
		item := MsearchItem{}
		req := newSearchRequest(opt)
		req.TypedKeys, req.RestTotalHitsAsInt = out.TypedKeys, out.RestTotalHitsAsInt
		req.IgnoreUnavailable, req.AllowNoIndices, req.ExpandWildcards = top.IgnoreUnavailable, top.AllowNoIndices, top.ExpandWildcards
		if len(bytes.TrimSpace(hdr)) > 0 {
			n, err := parseJSONAt(hdr, li, hstart)
			if err != nil {
				return nil, err
			}
			if err := readMsearchHeader(n, &item, req); err != nil {
				return nil, err
			}
		}
		b, bstart, ok := next()
		if !ok {
			return nil, illegalArg("The msearch request must be terminated by a newline [\\n]")
		}
		if len(bytes.TrimSpace(b)) > 0 {
			n, err := parseJSONAt(b, li, bstart)
			if err != nil {
				return nil, err
			}
			if err := req.readBody(n, false); err != nil {
				return nil, err
			}
		}
		if err := req.finish(); err != nil {
			return nil, err
		}
		item.Err = CheckWindow(req, opt.window())
		item.Request = req
		out.Items = append(out.Items, item)
	}
	if len(out.Items) == 0 {
		return nil, &Error{Status: 400, Type: TypeActionRequest, Reason: "Validation Failed: 1: no requests added;"}
	}
	return out, nil
}

func readMsearchHeader(n *node, item *MsearchItem, req *SearchRequest) *Error {
	if n.kind != kObject {
		return illegalArg("Expected [START_OBJECT] but found [%s]", n.tokenName())
	}
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "index", "indices":
			item.Indexes, err = asStrings("msearch", m.key, m.val)
			if err == nil {
				var split []string
				for _, s := range item.Indexes {
					split = append(split, splitList(s)...)
				}
				item.Indexes = split
			}
		case "search_type":
			var s string
			if s, err = asString("msearch", m.key, m.val); err == nil && s != "query_then_fetch" {
				return illegalArg("search_type [%s] is not supported: only query_then_fetch", snippet(s))
			}
		case "ignore_unavailable":
			req.IgnoreUnavailable, err = asBool("msearch", m.key, m.val)
		case "allow_no_indices":
			req.AllowNoIndices, err = asBool("msearch", m.key, m.val)
		case "expand_wildcards":
			var ws []string
			if ws, err = asStrings("msearch", m.key, m.val); err == nil {
				req.ExpandWildcards = joinComma(ws)
			}
		case "preference", "request_cache", "ccs_minimize_roundtrips", "allow_partial_search_results", "ignore_throttled":
		case "routing":
			return illegalArg("the [routing] parameter is not supported")
		default:
			return illegalArg("key [%s] is not supported in the metadata section", snippet(m.key))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func joinComma(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}
