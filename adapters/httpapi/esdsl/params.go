package esdsl

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
)

// paramSet says which URL parameters an endpoint reads.
type paramSet map[string]bool

// noEffect are parameters every endpoint accepts that change nothing
// Chronik answers (how the cluster spreads the work, caching, client
// bookkeeping).
var noEffect = []string{
	"human", "error_trace", "preference", "request_cache", "batched_reduce_size", "max_concurrent_shard_requests",
	"pre_filter_shard_size", "ccs_minimize_roundtrips", "allow_partial_search_results", "ignore_throttled",
	"stats", "track_scores", "version",
}

var searchParams = makeParams("q", "df", "default_operator", "analyzer", "lenient", "analyze_wildcard", "size", "from",
	"sort", "_source", "_source_includes", "_source_excludes", "_source_include", "_source_exclude",
	"track_total_hits", "timeout", "typed_keys", "rest_total_hits_as_int", "pretty", "search_type",
	"ignore_unavailable", "allow_no_indices", "expand_wildcards", "explain", "seq_no_primary_term",
	"terminate_after", "scroll", "routing", "stored_fields", "docvalue_fields", "filter_path", "suggest_field")

var countParams = makeParams("q", "df", "default_operator", "analyzer", "lenient", "analyze_wildcard", "pretty",
	"ignore_unavailable", "allow_no_indices", "expand_wildcards", "terminate_after", "min_score", "routing",
	"filter_path")

var msearchParams = makeParams("typed_keys", "rest_total_hits_as_int", "pretty", "search_type", "max_concurrent_searches",
	"ignore_unavailable", "allow_no_indices", "expand_wildcards", "routing", "filter_path")

func makeParams(names ...string) paramSet {
	s := paramSet{}
	for _, n := range append(names, noEffect...) {
		s[n] = true
	}
	return s
}

// readParams reads the URL parameters of a search or count; the query of
// q (and its options) replaces the body's, size and from override it,
// sort adds to it, as in Elasticsearch.
func (req *SearchRequest) readParams(params url.Values, path string, allowed paramSet) *Error {
	var unknown []string
	for k := range params {
		if !allowed[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return illegalArg("request [%s] contains unrecognized parameter%s: [%s]", path, plural(len(unknown)), strings.Join(unknown, "], ["))
	}
	get := func(k string) (string, bool) {
		v, ok := params[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	boolParam := func(k string, def bool) (bool, *Error) {
		v, ok := get(k)
		if !ok {
			return def, nil
		}
		switch v {
		case "", "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, illegalArg("Failed to parse value [%s] as only [true] or [false] are allowed.", snippet(v))
	}
	intParam := func(k string) (int, bool, *Error) {
		v, ok := get(k)
		if !ok {
			return 0, false, nil
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return 0, false, illegalArg("Failed to parse int parameter [%s] with value [%s]", k, snippet(v))
		}
		return i, true, nil
	}
	var err *Error
	for _, k := range []string{"explain", "seq_no_primary_term"} {
		var b bool
		if b, err = boolParam(k, false); err != nil {
			return err
		}
		if b {
			return illegalArg("[%s] is not supported", k)
		}
	}
	for _, k := range []string{"scroll", "routing", "stored_fields", "docvalue_fields", "filter_path", "suggest_field", "min_score"} {
		if _, ok := get(k); ok {
			return illegalArg("the [%s] parameter is not supported", k)
		}
	}
	if v, ok := get("search_type"); ok && v != "query_then_fetch" {
		return illegalArg("search_type [%s] is not supported: only query_then_fetch", snippet(v))
	}
	if i, ok, err := intParam("terminate_after"); err != nil {
		return err
	} else if ok && i != 0 {
		return illegalArg("the [terminate_after] parameter is not supported")
	}
	if q, ok := get("q"); ok {
		opt := search.QueryStringOptions{Fuzziness: search.Auto}
		opt.DefaultField, _ = get("df")
		opt.Analyzer, _ = get("analyzer")
		if v, ok := get("default_operator"); ok {
			switch strings.ToUpper(v) {
			case "AND":
				opt.DefaultOperator = search.And
			case "OR":
			default:
				return illegalArg("Unsupported defaultOperator [%s], can either be [OR] or [AND]", snippet(v))
			}
		}
		query, perr := search.ParseQueryString(q, opt)
		if perr != nil {
			return queryStringErr(q, perr)
		}
		req.Query = query
	} else {
		for _, k := range []string{"df", "default_operator", "analyzer"} {
			if _, ok := get(k); ok {
				return illegalArg("request [%s] contains unrecognized parameter: [%s] -> did you mean [q]? (it only applies with q)", path, k)
			}
		}
	}
	if _, err = boolParam("lenient", false); err != nil {
		return err
	}
	if _, err = boolParam("analyze_wildcard", false); err != nil {
		return err
	}
	if i, ok, err := intParam("size"); err != nil {
		return err
	} else if ok {
		if i < 0 {
			return illegalArg("[size] parameter cannot be negative, found [%d]", i)
		}
		req.Size = i
	}
	if i, ok, err := intParam("from"); err != nil {
		return err
	} else if ok {
		if i < 0 {
			return illegalArg("[from] parameter cannot be negative, found [%d]", i)
		}
		req.From = i
	}
	if v, ok := get("sort"); ok {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			field, dir, hasDir := strings.Cut(part, ":")
			s := defaultSort(field)
			if hasDir {
				o, ok := sortOrder(dir)
				if !ok {
					return illegalArg("Unknown SortOrder [%s]", snippet(dir))
				}
				s.Order = o
			}
			req.Sort = append(req.Sort, s)
		}
	}
	if v, ok := get("_source"); ok {
		switch v {
		case "true", "":
			req.Source.Disabled = false
		case "false":
			req.Source.Disabled = true
		default:
			req.Source.Includes = splitList(v)
		}
	}
	for _, k := range []string{"_source_includes", "_source_include"} {
		if v, ok := get(k); ok {
			req.Source.Includes = splitList(v)
			req.Source.Disabled = false
		}
	}
	for _, k := range []string{"_source_excludes", "_source_exclude"} {
		if v, ok := get(k); ok {
			req.Source.Excludes = splitList(v)
			req.Source.Disabled = false
		}
	}
	if v, ok := get("track_total_hits"); ok {
		switch v {
		case "true", "":
			req.TrackTotalHits = -1
		case "false":
			req.TrackTotalHits = 0
		default:
			i, err := strconv.Atoi(v)
			if err != nil || i < -1 {
				return illegalArg("Failed to parse int parameter [track_total_hits] with value [%s]", snippet(v))
			}
			req.TrackTotalHits = i
		}
	}
	if v, ok := get("timeout"); ok {
		if req.Timeout, err = parseTimeValue("timeout", v); err != nil {
			return err
		}
	}
	if req.TypedKeys, err = boolParam("typed_keys", false); err != nil {
		return err
	}
	if req.RestTotalHitsAsInt, err = boolParam("rest_total_hits_as_int", false); err != nil {
		return err
	}
	if req.Pretty, err = boolParam("pretty", false); err != nil {
		return err
	}
	if req.IgnoreUnavailable, err = boolParam("ignore_unavailable", false); err != nil {
		return err
	}
	if req.AllowNoIndices, err = boolParam("allow_no_indices", true); err != nil {
		return err
	}
	if v, ok := get("expand_wildcards"); ok {
		for _, w := range splitList(v) {
			switch w {
			case "open", "closed", "hidden", "none", "all":
			default:
				return illegalArg("No enum constant for expand_wildcards [%s]", snippet(w))
			}
		}
		req.ExpandWildcards = v
	}
	if v, ok := get("max_concurrent_searches"); ok {
		if i, err := strconv.Atoi(v); err != nil || i < 1 {
			return illegalArg("[max_concurrent_searches] must be positive, found [%s]", snippet(v))
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
