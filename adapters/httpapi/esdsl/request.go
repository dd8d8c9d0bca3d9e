package esdsl

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

// SearchRequest is a search as read from a request: the model's request
// and what shapes the answer.
type SearchRequest struct {
	search.Request
	// TypedKeys prefixes aggregation names with their type
	// ("sterms#name"), as the typed_keys parameter asks (the official
	// clients' typed APIs always do).
	TypedKeys bool
	// RestTotalHitsAsInt writes hits.total as a number (7.x clients).
	RestTotalHitsAsInt bool
	// Pretty asks for indented JSON.
	Pretty bool
	// IgnoreUnavailable, AllowNoIndices and ExpandWildcards say how the
	// index names of the path resolve (ES's defaults: false, true,
	// "open").
	IgnoreUnavailable bool
	AllowNoIndices    bool
	ExpandWildcards   string

	// anonymous holds the paths (">a>b") of filters aggregations given
	// as a list, whose buckets have no keys.
	anonymous map[string]bool
}

// Options bound and date what a reader reads.
type Options struct {
	// MaxResultWindow bounds from+size (index.max_result_window;
	// search.DefaultMaxResultWindow when 0).
	MaxResultWindow int
	// Now is the request's instant (search.Request.Now).
	Now time.Time
	// Path names the endpoint in errors about URL parameters
	// ("/_search" when empty).
	Path string
}

func (o Options) window() int {
	if o.MaxResultWindow <= 0 {
		return search.DefaultMaxResultWindow
	}
	return o.MaxResultWindow
}

// unsupportedBodyKeys are search-body keys Elasticsearch knows and
// Chronik does not: refused as not supported rather than unknown.
var unsupportedBodyKeys = map[string]string{
	"post_filter": "", "min_score": "", "stored_fields": "", "docvalue_fields": "", "fields": "",
	"script_fields": "Chronik runs no scripts", "collapse": "", "rescore": "", "suggest": "", "indices_boost": "",
	"pit": "", "runtime_mappings": "", "knn": "", "ext": "", "slice": "", "rank": "", "retriever": "",
	"partial_fields": "", "fielddata_fields": "", "sub_searches": "",
}

// ParseSearch reads a search request: the JSON body (may be empty) and
// the URL parameters. Every error is an *Error in Elasticsearch's shape.
func ParseSearch(body []byte, params url.Values, opt Options) (*SearchRequest, *Error) {
	req := newSearchRequest(opt)
	if len(strings.TrimSpace(string(body))) > 0 {
		n, err := parseJSON(body)
		if err != nil {
			return nil, err
		}
		if err := req.readBody(n, false); err != nil {
			return nil, err
		}
	}
	if err := req.readParams(params, opt.path("/_search"), searchParams); err != nil {
		return nil, err
	}
	if err := req.finish(); err != nil {
		return nil, err
	}
	if err := CheckWindow(req, opt.window()); err != nil {
		return nil, err
	}
	return req, nil
}

func (o Options) path(def string) string {
	if o.Path != "" {
		return o.Path
	}
	return def
}

func newSearchRequest(opt Options) *SearchRequest {
	req := &SearchRequest{AllowNoIndices: true, ExpandWildcards: "open"}
	req.From, req.Size = -1, -1
	req.TrackTotalHits = search.DefaultTrackTotalHits
	req.Now = opt.Now
	return req
}

// CheckWindow refuses from+size past maxWindow as Elasticsearch does (a
// failure of every shard whose root cause says so).
func CheckWindow(req *SearchRequest, maxWindow int) *Error {
	if int64(req.From)+int64(req.Size) > int64(maxWindow) {
		return shardFailure(illegalArg("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.", maxWindow, int64(req.From)+int64(req.Size)))
	}
	return nil
}

// finish sets the defaults of what neither body nor parameters set and
// checks what spans both.
func (req *SearchRequest) finish() *Error {
	if req.From < 0 {
		req.From = 0
	}
	if req.Size < 0 {
		req.Size = search.DefaultSize
	}
	if req.Query == nil {
		req.Query = search.MatchAll{}
	}
	if len(req.SearchAfter) > 0 {
		if req.From > 0 {
			return illegalArg("`from` parameter must be set to 0 when `search_after` is used.")
		}
		want := len(req.Sort)
		if want == 0 {
			want = 1 // by _score
		}
		if len(req.SearchAfter) != want {
			return illegalArg("search_after has %d value(s) but sort has %d.", len(req.SearchAfter), want)
		}
	}
	return nil
}

// readBody reads the members of a search body; count limits it to what
// _count takes.
func (req *SearchRequest) readBody(n *node, count bool) *Error {
	if n.kind != kObject {
		return parsingErr(n.at, "Expected [START_OBJECT] but found [%s]", n.tokenName())
	}
	ap := &aggParser{}
	var err *Error
	for _, m := range n.obj {
		if count && m.key != "query" {
			return parsingErr(m.at, "request does not support [%s]", snippet(m.key))
		}
		switch m.key {
		case "query":
			req.Query, err = parseQuery(m.val, 0)
		case "from":
			req.From, err = nonNegative("from", m)
		case "size":
			req.Size, err = nonNegative("size", m)
		case "sort":
			req.Sort, err = parseSort(m.val)
		case "search_after":
			req.SearchAfter, err = parseSearchAfter(m)
		case "_source":
			req.Source, err = parseSource(m.val)
		case "highlight":
			req.Highlight, err = parseHighlight(m.val)
		case "track_total_hits":
			req.TrackTotalHits, err = parseTrackTotalHits(m.val)
		case "timeout":
			var s string
			if s, err = asString("search", m.key, m.val); err == nil {
				req.Timeout, err = parseTimeValue("timeout", s)
			}
		case "aggs", "aggregations":
			if req.Aggs != nil {
				return parsingErr(m.at, "Found two aggregation definitions: [aggs] and [aggregations]")
			}
			req.Aggs, err = ap.parseAggs(m.val, 0, "")
			if req.Aggs == nil && err == nil {
				req.Aggs = []search.Aggregation{}
			}
		case "version", "stats", "track_scores":
			// version and stats change nothing in the hits Chronik
			// returns; track_scores: Chronik scores sorted hits anyway.
			if m.key == "stats" {
				if m.val.kind != kArray && m.val.kind != kString {
					return wrongType("search", m.key, m.val, "an array")
				}
			} else if _, err = asBool("search", m.key, m.val); err != nil {
				return err
			}
		case "explain", "seq_no_primary_term", "profile":
			err = requireFalse(m)
		case "terminate_after":
			var i int
			if i, err = asInt("search", m.key, m.val); err == nil && i != 0 {
				return parsingErr(m.at, "[terminate_after] is not supported")
			}
		default:
			if why, ok := unsupportedBodyKeys[m.key]; ok {
				msg := fmt.Sprintf("[%s] is not supported", m.key)
				if why != "" {
					msg += " (" + why + ")"
				}
				return parsingErr(m.at, "%s", msg)
			}
			return parsingErr(m.at, "Unknown key for a %s in [%s].", m.val.tokenName(), snippet(m.key))
		}
		if err != nil {
			return err
		}
	}
	req.anonymous = ap.anonymous
	return nil
}

func requireFalse(m member) *Error {
	b, err := asBool("search", m.key, m.val)
	if err != nil {
		return err
	}
	if b {
		return parsingErr(m.at, "[%s] is not supported", m.key)
	}
	return nil
}

func nonNegative(name string, m member) (int, *Error) {
	i, err := asInt("search", name, m.val)
	if err != nil {
		return 0, err
	}
	if i < 0 {
		return 0, illegalArg("[%s] parameter cannot be negative, found [%d]", name, i)
	}
	return i, nil
}

func parseTrackTotalHits(n *node) (int, *Error) {
	switch n.kind {
	case kBool:
		if n.b {
			return -1, nil
		}
		return 0, nil
	case kNumber, kString:
		if n.s == "true" {
			return -1, nil
		}
		if n.s == "false" {
			return 0, nil
		}
		i, err := strconv.ParseInt(n.s, 10, 64)
		if err != nil {
			return 0, xContentErr(n.at, "[search] failed to parse field [track_total_hits]")
		}
		if i < -1 {
			return 0, illegalArg("[track_total_hits] parameter must be positive or equals to -1, got %d", i)
		}
		if i > math.MaxInt32 {
			i = -1
		}
		return int(i), nil
	}
	return 0, wrongType("search", "track_total_hits", n, "a boolean or a number")
}

func parseSearchAfter(m member) ([]search.Scalar, *Error) {
	if m.val.kind != kArray {
		return nil, wrongType("search", m.key, m.val, "an array")
	}
	out := make([]search.Scalar, 0, len(m.val.arr))
	for _, e := range m.val.arr {
		if e.kind == kObject || e.kind == kArray {
			return nil, parsingErr(e.at, "Unknown token [%s] in [search_after]", e.tokenName())
		}
		s, _ := scalar(e)
		out = append(out, s)
	}
	return out, nil
}

func sortOrder(s string) (search.SortOrder, bool) {
	switch strings.ToLower(s) {
	case "asc":
		return search.Asc, true
	case "desc":
		return search.Desc, true
	}
	return 0, false
}

// parseSort reads every form of "sort": "f", {"f": "desc"},
// {"f": {"order": ..., "missing": ..., "mode": ...}}, and lists of them.
func parseSort(n *node) ([]search.Sort, *Error) {
	var items []*node
	switch n.kind {
	case kArray:
		items = n.arr
	case kString, kObject:
		items = []*node{n}
	default:
		return nil, parsingErr(n.at, "Malformed sort, expected a string, an object or an array but found [%s]", n.tokenName())
	}
	out := make([]search.Sort, 0, len(items))
	for _, it := range items {
		switch it.kind {
		case kString:
			out = append(out, defaultSort(it.s))
		case kObject:
			for _, m := range it.obj {
				s, err := parseSortField(m)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			}
		default:
			return nil, parsingErr(it.at, "Malformed sort, expected a string or an object but found [%s]", it.tokenName())
		}
	}
	return out, nil
}

func defaultSort(field string) search.Sort {
	s := search.Sort{Field: field, Order: search.Asc}
	if field == search.SortScore {
		s.Order = search.Desc
	}
	return s
}

func parseSortField(m member) (search.Sort, *Error) {
	s := defaultSort(m.key)
	switch m.key {
	case "_geo_distance", "_script":
		return s, parsingErr(m.at, "[%s] sort is not supported", m.key)
	}
	owner := "field_sort"
	if m.key == search.SortScore || m.key == search.SortDoc {
		owner = "score_sort"
	}
	if m.val.kind == kString {
		o, ok := sortOrder(m.val.s)
		if !ok {
			return s, illegalArg("Unknown SortOrder [%s]", snippet(m.val.s))
		}
		s.Order = o
		return s, nil
	}
	if m.val.kind != kObject {
		return s, parsingErr(m.at, "[%s] expected a string or an object for [%s] but found [%s]", owner, snippet(m.key), m.val.tokenName())
	}
	for _, f := range m.val.obj {
		var err *Error
		switch f.key {
		case "order":
			var v string
			if v, err = asString(owner, f.key, f.val); err == nil {
				o, ok := sortOrder(v)
				if !ok {
					return s, illegalArg("Unknown SortOrder [%s]", snippet(v))
				}
				s.Order = o
			}
		case "missing":
			if owner != "field_sort" {
				return s, xContentErr(f.at, "[%s] unknown field [%s]", owner, f.key)
			}
			var v string
			if v, err = asString(owner, f.key, f.val); err == nil {
				if v != "_last" && v != "_first" {
					return s, parsingErr(f.at, "[field_sort] [missing] values other than _last and _first are not supported, found [%s]", snippet(v))
				}
				s.Missing = v
			}
		case "mode":
			if owner != "field_sort" {
				return s, xContentErr(f.at, "[%s] unknown field [%s]", owner, f.key)
			}
			var v string
			if v, err = asString(owner, f.key, f.val); err == nil {
				switch v {
				case "min", "max", "sum", "avg", "median":
					s.Mode = v
				default:
					return s, illegalArg("Unknown SortMode [%s]", snippet(v))
				}
			}
		case "unmapped_type", "numeric_type", "format":
			if owner != "field_sort" {
				return s, xContentErr(f.at, "[%s] unknown field [%s]", owner, f.key)
			}
			_, err = asString(owner, f.key, f.val)
		default:
			if f.key == "nested" || f.key == "nested_path" || f.key == "nested_filter" {
				return s, parsingErr(f.at, "[%s] [%s] is not supported (Chronik has no nested documents)", owner, f.key)
			}
			return s, xContentErr(f.at, "[%s] unknown field [%s]", owner, snippet(f.key))
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// parseSource reads "_source": a bool, a pattern, a list of patterns, or
// {"includes"/"include": ..., "excludes"/"exclude": ...}.
func parseSource(n *node) (search.SourceFilter, *Error) {
	var f search.SourceFilter
	var err *Error
	switch n.kind {
	case kBool:
		f.Disabled = !n.b
	case kString:
		f.Includes = []string{n.s}
	case kArray:
		f.Includes, err = asStrings("_source", "_source", n)
	case kObject:
		for _, m := range n.obj {
			switch m.key {
			case "includes", "include":
				f.Includes, err = asStrings("_source", m.key, m.val)
			case "excludes", "exclude":
				f.Excludes, err = asStrings("_source", m.key, m.val)
			default:
				return f, parsingErr(m.at, "Unknown key for a %s in [%s].", m.val.tokenName(), snippet(m.key))
			}
			if err != nil {
				return f, err
			}
		}
	default:
		return f, parsingErr(n.at, "Unknown key for a %s in [_source].", n.tokenName())
	}
	return f, err
}

// parseHighlight reads "highlight": fields (an object or a list of
// one-field objects), pre_tags, post_tags, fragment_size,
// number_of_fragments; options that would change the fragments in ways
// Chronik does not implement are refused.
func parseHighlight(n *node) (*search.Highlight, *Error) {
	const owner = "highlight"
	if n.kind != kObject {
		return nil, wrongType(owner, owner, n, "an object")
	}
	h := &search.Highlight{}
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "fields":
			h.Fields, err = highlightFields(m.val, h)
		case "pre_tags":
			h.PreTags, err = asStrings(owner, m.key, m.val)
		case "post_tags":
			h.PostTags, err = asStrings(owner, m.key, m.val)
		case "fragment_size":
			h.FragmentSize, err = asInt(owner, m.key, m.val)
		case "number_of_fragments":
			h.NumberOfFragments, err = asInt(owner, m.key, m.val)
		case "require_field_match", "type", "order", "fragmenter", "boundary_scanner", "boundary_chars", "boundary_max_scan", "phrase_limit", "max_analyzed_offset":
			// How fragments are cut and ranked; Chronik's highlighter
			// has one way.
		case "encoder":
			err = requireString(owner, m, "default")
		case "no_match_size":
			err = requireInt(owner, m, 0)
		default:
			return nil, xContentErr(m.at, "[%s] unknown field [%s]", owner, snippet(m.key))
		}
		if err != nil {
			return nil, err
		}
	}
	if len(h.Fields) == 0 {
		return nil, illegalArg("Highlight fields must be specified")
	}
	return h, nil
}

func highlightFields(n *node, h *search.Highlight) ([]string, *Error) {
	var objs []member
	switch n.kind {
	case kObject:
		objs = n.obj
	case kArray:
		for _, e := range n.arr {
			if e.kind != kObject || len(e.obj) != 1 {
				return nil, parsingErr(e.at, "If highlighter fields is an array it must contain objects containing a single field")
			}
			objs = append(objs, e.obj[0])
		}
	default:
		return nil, wrongType("highlight", "fields", n, "an object or an array")
	}
	out := make([]string, 0, len(objs))
	for _, m := range objs {
		if m.val.kind != kObject {
			return nil, wrongType("highlight_field", m.key, m.val, "an object")
		}
		for _, f := range m.val.obj {
			var err *Error
			switch f.key {
			case "fragment_size":
				var i int
				if i, err = asInt("highlight_field", f.key, f.val); err == nil && h.FragmentSize == 0 {
					h.FragmentSize = i
				}
			case "number_of_fragments":
				var i int
				if i, err = asInt("highlight_field", f.key, f.val); err == nil && h.NumberOfFragments == 0 {
					h.NumberOfFragments = i
				}
			case "require_field_match", "type", "order", "fragmenter", "boundary_scanner", "boundary_chars", "boundary_max_scan", "phrase_limit":
			case "no_match_size":
				err = requireInt("highlight_field", f, 0)
			default:
				return nil, parsingErr(f.at, "[highlight_field] [%s] is not supported", snippet(f.key))
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, m.key)
	}
	return out, nil
}
