package esdsl

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
)

// MaxAggregations bounds the aggregations of one request, at every
// level together.
const MaxAggregations = 256

// MaxInnerResultWindow bounds from+size of a top_hits aggregation
// (index.max_inner_result_window).
const MaxInnerResultWindow = 100

// unsupportedAggs are Elasticsearch's aggregation types Chronik does not
// compute: refused as not supported rather than as unknown.
var unsupportedAggs = map[string]bool{
	"adjacency_matrix": true, "auto_date_histogram": true, "categorize_text": true, "children": true,
	"composite": true, "diversified_sampler": true, "frequent_item_sets": true, "geo_distance": true,
	"geohash_grid": true, "geohex_grid": true, "geotile_grid": true, "global": true, "ip_prefix": true,
	"ip_range": true, "missing": true, "multi_terms": true, "nested": true, "parent": true,
	"random_sampler": true, "rare_terms": true, "reverse_nested": true, "sampler": true,
	"significant_terms": true, "significant_text": true, "time_series": true, "variable_width_histogram": true,
	"boxplot": true, "extended_stats": true, "geo_bounds": true, "geo_centroid": true, "geo_line": true,
	"cartesian_bounds": true, "cartesian_centroid": true, "matrix_stats": true, "median_absolute_deviation": true,
	"percentile_ranks": true, "rate": true, "scripted_metric": true, "string_stats": true, "t_test": true,
	"top_metrics": true, "weighted_avg": true, "avg_bucket": true, "bucket_script": true, "bucket_count_ks_test": true,
	"bucket_correlation": true, "bucket_selector": true, "bucket_sort": true, "change_point": true,
	"cumulative_cardinality": true, "cumulative_sum": true, "derivative": true, "extended_stats_bucket": true,
	"inference": true, "max_bucket": true, "min_bucket": true, "moving_fn": true, "moving_percentiles": true,
	"normalize": true, "percentiles_bucket": true, "serial_diff": true, "stats_bucket": true, "sum_bucket": true,
}

var aggKinds = map[string]search.AggKind{
	"terms": search.AggTerms, "histogram": search.AggHistogram, "date_histogram": search.AggDateHistogram,
	"range": search.AggRange, "date_range": search.AggDateRange, "filter": search.AggFilter,
	"filters": search.AggFilters, "avg": search.AggAvg, "min": search.AggMin, "max": search.AggMax,
	"sum": search.AggSum, "value_count": search.AggValueCount, "stats": search.AggStats,
	"cardinality": search.AggCardinality, "percentiles": search.AggPercentiles, "top_hits": search.AggTopHits,
}

// bucketKinds run sub-aggregations in each bucket.
var bucketKinds = map[search.AggKind]bool{
	search.AggTerms: true, search.AggHistogram: true, search.AggDateHistogram: true, search.AggRange: true,
	search.AggDateRange: true, search.AggFilter: true, search.AggFilters: true,
}

type aggParser struct {
	count int
	// anonymous lists the paths ("a>b") of filters aggregations given
	// as a list.
	anonymous map[string]bool
}

var badAggName = regexp.MustCompile(`[\[\]>]`)

// parseAggs reads {"<name>": {"<type>": {...}, "aggs": {...}}, ...}.
func (p *aggParser) parseAggs(n *node, depth int, path string) ([]search.Aggregation, *Error) {
	if n.kind != kObject {
		return nil, parsingErr(n.at, "Unexpected token %s in [aggs].", n.tokenName())
	}
	if depth+1 > search.MaxQueryDepth {
		return nil, illegalArg("aggregations are nested deeper than %d", search.MaxQueryDepth)
	}
	out := make([]search.Aggregation, 0, len(n.obj))
	for _, m := range n.obj {
		if badAggName.MatchString(m.key) {
			return nil, parsingErr(m.at, "Invalid aggregation name [%s]. Aggregation names can contain any character except '[', ']', and '>'", snippet(m.key))
		}
		p.count++
		if p.count > MaxAggregations {
			return nil, illegalArg("too many aggregations: more than %d in one request", MaxAggregations)
		}
		a, err := p.parseAgg(m, depth, path+">"+m.key)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (p *aggParser) parseAgg(m member, depth int, path string) (search.Aggregation, *Error) {
	a := search.Aggregation{Name: m.key}
	if m.val.kind != kObject {
		return a, parsingErr(m.val.at, "Aggregation definition for [%s starts with a [%s], expected a [START_OBJECT].", m.key, m.val.tokenName())
	}
	var typ string
	var body *node
	var subs *node
	for _, f := range m.val.obj {
		switch f.key {
		case "aggs", "aggregations":
			if subs != nil {
				return a, parsingErr(f.at, "Found two sub aggregation definitions under [%s]", m.key)
			}
			subs = f.val
		case "meta":
			// Elasticsearch echoes meta in the answer; Chronik's model
			// does not keep it, so it is refused rather than dropped.
			return a, parsingErr(f.at, "[meta] of aggregation [%s] is not supported", snippet(m.key))
		default:
			if typ != "" {
				return a, parsingErr(f.at, "Found two aggregation type definitions in [%s]: [%s] and [%s]", m.key, typ, snippet(f.key))
			}
			kind, ok := aggKinds[f.key]
			if !ok {
				if unsupportedAggs[f.key] {
					return a, parsingErr(f.at, "aggregation type [%s] is not supported", f.key)
				}
				msg := fmt.Sprintf("Unknown aggregation type [%s]", snippet(f.key))
				if s := suggestAgg(f.key); s != "" {
					msg += " did you mean [" + s + "]?"
				}
				return a, parsingErr(f.at, "%s", msg)
			}
			typ, body, a.Kind = f.key, f.val, kind
		}
	}
	if typ == "" {
		return a, parsingErr(m.at, "Missing definition for aggregation [%s]", m.key)
	}
	var err *Error
	switch a.Kind {
	case search.AggFilter:
		a.Filter, err = parseQuery(body, depth)
	case search.AggFilters:
		err = p.parseFilters(&a, body, depth, path)
	default:
		if body.kind != kObject {
			return a, parsingErr(body.at, "[%s] aggregation [%s] must be an object", typ, m.key)
		}
		err = parseAggBody(&a, typ, body)
	}
	if err != nil {
		return a, err
	}
	if subs != nil {
		if !bucketKinds[a.Kind] {
			return a, &Error{Status: 400, Type: "aggregation_initialization_exception", Reason: fmt.Sprintf("Aggregator [%s] of type [%s] cannot accept sub-aggregations", m.key, typ)}
		}
		if a.Subs, err = p.parseAggs(subs, depth+1, path); err != nil {
			return a, err
		}
	}
	return a, nil
}

// suggestAgg names a known type one edit away ("term" -> "terms").
func suggestAgg(s string) string {
	var names []string
	for k := range aggKinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == s+"s" || k+"s" == s || strings.ReplaceAll(k, "_", "") == strings.ReplaceAll(s, "_", "") {
			return k
		}
	}
	return ""
}

func (p *aggParser) parseFilters(a *search.Aggregation, n *node, depth int, path string) *Error {
	const owner = "filters"
	if n.kind != kObject {
		return parsingErr(n.at, "[%s] aggregation [%s] must be an object", owner, a.Name)
	}
	var err *Error
	keyedSet, keyed := false, false
	for _, m := range n.obj {
		switch m.key {
		case "filters":
			switch m.val.kind {
			case kObject:
				a.Keyed = true
				for _, f := range m.val.obj {
					q, err := parseQuery(f.val, depth)
					if err != nil {
						return err
					}
					a.Filters = append(a.Filters, search.NamedQuery{Name: f.key, Query: q})
				}
			case kArray:
				if p.anonymous == nil {
					p.anonymous = map[string]bool{}
				}
				p.anonymous[path] = true
				for i, f := range m.val.arr {
					q, err := parseQuery(f, depth)
					if err != nil {
						return err
					}
					a.Filters = append(a.Filters, search.NamedQuery{Name: strconv.Itoa(i), Query: q})
				}
			default:
				return xContentErr(m.at, "[%s] failed to parse field [filters]", owner)
			}
		case "keyed":
			if keyed, err = asBool(owner, m.key, m.val); err != nil {
				return err
			}
			keyedSet = true
		case "other_bucket":
			if err = requireBool(owner, m, false); err != nil {
				return err
			}
		default:
			return xContentErr(m.at, "[%s] unknown field [%s]", owner, snippet(m.key))
		}
	}
	switch {
	case p.anonymous[path]:
		a.Keyed = false
	case keyedSet:
		a.Keyed = keyed
	}
	if a.Filters == nil {
		return illegalArg("[filters] cannot be null")
	}
	return nil
}

// aggOptions lists what each kind reads besides "field" and "missing".
func parseAggBody(a *search.Aggregation, typ string, n *node) *Error {
	owner := typ
	var err *Error
	hasInterval := false
	if a.Kind == search.AggPercentiles {
		a.Keyed = true
	}
	for _, m := range n.obj {
		k := m.key
		switch {
		case k == "field" && a.Kind != search.AggTopHits:
			a.Field, err = asString(owner, k, m.val)
		case k == "missing" && a.Kind != search.AggTopHits && a.Kind != search.AggFilters:
			if m.val.kind == kObject || m.val.kind == kArray {
				return xContentErr(m.at, "[%s] failed to parse field [missing]", owner)
			}
			a.Missing, _ = scalar(m.val)
		case k == "script":
			return parsingErr(m.at, "[%s] aggregation with a [script] is not supported (Chronik runs no scripts)", owner)
		default:
			err = parseAggOption(a, owner, m, &hasInterval)
		}
		if err != nil {
			return err
		}
	}
	if a.Field == "" && a.Kind != search.AggTopHits {
		return illegalArg("Required one of fields [field, script], but none were specified.")
	}
	switch a.Kind {
	case search.AggHistogram:
		if !hasInterval {
			return illegalArg("[interval] must be >0 for histogram aggregation [%s]", a.Name)
		}
	case search.AggDateHistogram:
		if a.CalendarInterval == "" && a.FixedInterval == "" {
			return illegalArg("Required one of fields [fixed_interval, calendar_interval], but none were specified.")
		}
	case search.AggTopHits:
		size := a.Size
		if size == 0 {
			size = 3
		}
		if a.From+size > MaxInnerResultWindow {
			return shardFailure(illegalArg("Top hits result window is too large, the top hits aggregator [%s]'s from + size must be less than or equal to: [%d] but was [%d]. This limit can be set by changing the [index.max_inner_result_window] index level setting.", a.Name, MaxInnerResultWindow, a.From+size))
		}
	case search.AggRange, search.AggDateRange:
		if len(a.Ranges) == 0 {
			return illegalArg("No [ranges] specified for the [%s] aggregation", a.Name)
		}
	}
	return nil
}

var calendarIntervals = map[string]string{
	"minute": "minute", "1m": "minute", "hour": "hour", "1h": "hour", "day": "day", "1d": "day",
	"week": "week", "1w": "week", "month": "month", "1M": "month", "quarter": "quarter", "1q": "quarter",
	"year": "year", "1y": "year",
}

var fixedInterval = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d)$`)

func parseAggOption(a *search.Aggregation, owner string, m member, hasInterval *bool) *Error {
	var err *Error
	k := m.key
	unknown := func() *Error { return xContentErr(m.at, "[%s] unknown field [%s]", owner, snippet(k)) }
	switch a.Kind {
	case search.AggTerms:
		switch k {
		case "size":
			a.Size, err = positive(owner, m, 1)
		case "shard_size":
			a.ShardSize, err = positive(owner, m, 1)
		case "min_doc_count":
			var i int
			i, err = positive(owner, m, 0)
			a.MinDocCount = int64(i)
		case "order":
			a.Order, err = parseOrder(owner, m.val)
		case "show_term_doc_count_error", "execution_hint", "collect_mode", "format":
			if k == "format" {
				return parsingErr(m.at, "[terms] aggregation with a [format] is not supported")
			}
		default:
			return unknown()
		}
	case search.AggHistogram:
		switch k {
		case "interval":
			a.Interval, err = asFloat(owner, k, m.val)
			if err == nil && a.Interval <= 0 {
				return illegalArg("[interval] must be >0 for histogram aggregation [%s]", a.Name)
			}
			*hasInterval = true
		case "offset":
			var f float64
			f, err = asFloat(owner, k, m.val)
			a.Offset = strconv.FormatFloat(f, 'f', -1, 64)
		case "min_doc_count":
			var i int
			i, err = positive(owner, m, 0)
			a.MinDocCount = int64(i)
		case "extended_bounds":
			a.ExtendedBounds, err = parseBounds(owner, m)
		case "keyed":
			a.Keyed, err = asBool(owner, k, m.val)
		default:
			return unknown()
		}
	case search.AggDateHistogram:
		switch k {
		case "calendar_interval":
			var s string
			if s, err = asString(owner, k, m.val); err == nil {
				ci, ok := calendarIntervals[s]
				if !ok {
					return illegalArg("The supplied interval [%s] could not be parsed as a calendar interval.", snippet(s))
				}
				a.CalendarInterval = ci
			}
		case "fixed_interval":
			var s string
			if s, err = asString(owner, k, m.val); err == nil {
				if !fixedInterval.MatchString(s) || strings.Trim(s, "0msdh") == "" {
					return &Error{Status: 400, Type: TypeParse, Reason: fmt.Sprintf("failed to parse setting [date_histogram.fixedInterval] with value [%s] as a time value: unit is missing or unrecognized", snippet(s))}
				}
				a.FixedInterval = s
			}
		case "offset":
			a.Offset, err = asString(owner, k, m.val)
		case "time_zone":
			a.TimeZone, err = asString(owner, k, m.val)
		case "format":
			a.Format, err = asString(owner, k, m.val)
		case "min_doc_count":
			var i int
			i, err = positive(owner, m, 0)
			a.MinDocCount = int64(i)
		case "extended_bounds":
			a.ExtendedBounds, err = parseBounds(owner, m)
		case "keyed":
			a.Keyed, err = asBool(owner, k, m.val)
		default:
			return unknown()
		}
	case search.AggRange, search.AggDateRange:
		switch k {
		case "ranges":
			a.Ranges, err = parseRanges(owner, m)
		case "keyed":
			a.Keyed, err = asBool(owner, k, m.val)
		case "format":
			if a.Kind != search.AggDateRange {
				return parsingErr(m.at, "[range] aggregation with a [format] is not supported")
			}
			a.Format, err = asString(owner, k, m.val)
		case "time_zone":
			if a.Kind != search.AggDateRange {
				return unknown()
			}
			a.TimeZone, err = asString(owner, k, m.val)
		default:
			return unknown()
		}
	case search.AggCardinality:
		switch k {
		case "precision_threshold":
			a.PrecisionThreshold, err = positive(owner, m, 0)
		case "execution_hint":
		default:
			return unknown()
		}
	case search.AggPercentiles:
		switch k {
		case "percents":
			if m.val.kind != kArray {
				return wrongType(owner, k, m.val, "an array")
			}
			for _, e := range m.val.arr {
				f, err := asFloat(owner, k, e)
				if err != nil {
					return err
				}
				if f < 0 || f > 100 {
					return illegalArg("percent must be in [0,100], got [%v]: [%s]", f, a.Name)
				}
				a.Percents = append(a.Percents, f)
			}
			if len(a.Percents) == 0 {
				return illegalArg("[percents] must not be empty: [%s]", a.Name)
			}
		case "keyed":
			a.Keyed, err = asBool(owner, k, m.val)
		case "tdigest":
			if m.val.kind != kObject {
				return wrongType(owner, k, m.val, "an object")
			}
		case "hdr":
			return parsingErr(m.at, "[percentiles] aggregation with [hdr] is not supported")
		default:
			return unknown()
		}
	case search.AggTopHits:
		switch k {
		case "size":
			a.Size, err = positive(owner, m, 0)
		case "from":
			a.From, err = positive(owner, m, 0)
		case "sort":
			a.Sort, err = parseSort(m.val)
		case "_source":
			a.Source, err = parseSource(m.val)
		case "explain", "version", "seq_no_primary_term", "track_scores":
			err = requireBool(owner, m, false)
		default:
			return unknown()
		}
	default: // single-value metrics and stats
		switch k {
		case "format":
			return parsingErr(m.at, "[%s] aggregation with a [format] is not supported", owner)
		default:
			return unknown()
		}
	}
	return err
}

func positive(owner string, m member, min int) (int, *Error) {
	i, err := asInt(owner, m.key, m.val)
	if err != nil {
		return 0, err
	}
	if i < min {
		return 0, illegalArg("[%s] must be greater than or equal to %d. Found [%d] in [%s]", m.key, min, i, owner)
	}
	return i, nil
}

func parseBounds(owner string, m member) (*search.Bounds, *Error) {
	if m.val.kind != kObject {
		return nil, wrongType(owner, m.key, m.val, "an object")
	}
	b := &search.Bounds{}
	for _, f := range m.val.obj {
		v, _ := scalar(f.val)
		switch f.key {
		case "min":
			b.Min = v
		case "max":
			b.Max = v
		default:
			return nil, xContentErr(f.at, "[extended_bounds] unknown field [%s]", snippet(f.key))
		}
	}
	return b, nil
}

func parseRanges(owner string, m member) ([]search.RangeSpec, *Error) {
	if m.val.kind != kArray {
		return nil, wrongType(owner, m.key, m.val, "an array")
	}
	out := make([]search.RangeSpec, 0, len(m.val.arr))
	for _, e := range m.val.arr {
		if e.kind != kObject {
			return nil, wrongType(owner, m.key, e, "an object")
		}
		var r search.RangeSpec
		for _, f := range e.obj {
			switch f.key {
			case "from", "to":
				if f.val.kind == kObject || f.val.kind == kArray {
					return nil, xContentErr(f.at, "[range] failed to parse field [%s]", f.key)
				}
				v, _ := scalar(f.val)
				if owner == "range" {
					if s, ok := v.(string); ok {
						fv, err := strconv.ParseFloat(s, 64)
						if err != nil {
							return nil, xContentErr(f.at, "[range] failed to parse field [%s]", f.key)
						}
						v = fv
					}
				}
				if f.key == "from" {
					r.From = v
				} else {
					r.To = v
				}
			case "key":
				var err *Error
				if r.Key, err = asString("range", f.key, f.val); err != nil {
					return nil, err
				}
			default:
				return nil, xContentErr(f.at, "[range] unknown field [%s]", snippet(f.key))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// parseOrder reads a terms aggregation's order: {"_count": "desc"} or a
// list of such objects ("_term" is the old name of "_key").
func parseOrder(owner string, n *node) ([]search.BucketOrder, *Error) {
	var items []*node
	switch n.kind {
	case kObject:
		items = []*node{n}
	case kArray:
		items = n.arr
	default:
		return nil, wrongType(owner, "order", n, "an object or an array")
	}
	var out []search.BucketOrder
	for _, it := range items {
		if it.kind != kObject {
			return nil, wrongType(owner, "order", it, "an object")
		}
		for _, f := range it.obj {
			s, err := asString(owner, "order", f.val)
			if err != nil {
				return nil, err
			}
			o, ok := sortOrder(s)
			if !ok {
				return nil, parsingErr(f.at, "Unknown terms order direction [%s] in terms aggregation [%s]", snippet(s), owner)
			}
			by := f.key
			if by == "_term" {
				by = "_key"
			}
			out = append(out, search.BucketOrder{By: by, Order: o})
		}
	}
	return out, nil
}
