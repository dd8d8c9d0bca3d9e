package esdsl

import (
	"fmt"

	"github.com/chronik-stream/chronik/domain/search"
)

// MaxTermsCount bounds the values of a terms query
// (index.max_terms_count).
const MaxTermsCount = 65_536

// unsupportedQueries are query types Elasticsearch has and Chronik does
// not: refused as not supported rather than as unknown.
var unsupportedQueries = map[string]string{
	"nested": "Chronik has no nested documents", "has_child": "Chronik has no joins", "has_parent": "Chronik has no joins",
	"parent_id": "Chronik has no joins", "geo_bounding_box": "Chronik has no geo fields", "geo_distance": "Chronik has no geo fields",
	"geo_polygon": "Chronik has no geo fields", "geo_shape": "Chronik has no geo fields", "geo_grid": "Chronik has no geo fields",
	"shape": "Chronik has no shape fields", "function_score": "", "script": "Chronik runs no scripts", "script_score": "Chronik runs no scripts",
	"percolate": "", "more_like_this": "", "dis_max": "", "boosting": "", "intervals": "", "distance_feature": "",
	"rank_feature": "", "wrapper": "", "pinned": "", "span_term": "", "span_first": "", "span_near": "", "span_or": "",
	"span_not": "", "span_containing": "", "span_within": "", "span_multi": "", "span_field_masking": "", "field_masking_span": "",
	"combined_fields": "", "knn": "", "term_set": "", "terms_set": "", "match_bool_prefix": "", "semantic": "", "sparse_vector": "",
	"text_expansion": "", "weighted_tokens": "", "rule": "", "type": "", "common": "",
}

// parseQuery reads one query object: {"<type>": {...}}. depth counts
// the compound queries around it.
func parseQuery(n *node, depth int) (search.Query, *Error) {
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[_na] query malformed, must start with start_object")
	}
	if len(n.obj) == 0 {
		return nil, parsingErr(n.at, "query malformed, empty clause found at [%d:%d]", n.at.line, n.at.col)
	}
	if len(n.obj) > 1 {
		return nil, parsingErr(n.obj[1].at, "[%s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]", n.obj[0].key)
	}
	name, body, at := n.obj[0].key, n.obj[0].val, n.obj[0].at
	switch name {
	case "match_all":
		return parseMatchAll(body)
	case "match_none":
		if err := onlyKeys("match_none", body, "_name"); err != nil {
			return nil, err
		}
		return search.MatchNone{}, nil
	case "match":
		return parseMatch(body)
	case "match_phrase":
		return parseMatchPhrase(body, false)
	case "match_phrase_prefix":
		return parseMatchPhrase(body, true)
	case "multi_match":
		return parseMultiMatch(body)
	case "term":
		return parseTerm(body)
	case "terms":
		return parseTerms(body)
	case "range":
		return parseRange(body)
	case "bool":
		return parseBool(body, at, depth)
	case "prefix", "wildcard", "regexp":
		return parseMultiTerm(name, body)
	case "fuzzy":
		return parseFuzzy(body)
	case "exists":
		return parseExists(body)
	case "ids":
		return parseIDs(body)
	case "constant_score":
		return parseConstantScore(body, at, depth)
	case "query_string":
		return parseQueryString(body)
	case "simple_query_string":
		return parseSimpleQueryString(body)
	}
	if why, ok := unsupportedQueries[name]; ok || len(name) > 4 && name[:4] == "geo_" || len(name) > 5 && name[:5] == "span_" {
		reason := fmt.Sprintf("[%s] query is not supported", name)
		if why != "" {
			reason += " (" + why + ")"
		}
		return nil, parsingErr(at, "%s", reason)
	}
	e := parsingErr(at, "unknown query [%s]", snippet(name))
	e.CausedBy = &Error{Status: 400, Type: "named_object_not_found_exception", Reason: fmt.Sprintf("[%d:%d] unknown field [%s]", at.line, at.col, snippet(name))}
	e.RootCause = &Error{Status: 400, Type: TypeParsing, Reason: e.Reason, Line: e.Line, Col: e.Col}
	return nil, e
}

// onlyKeys refuses an object with members other than keys, as
// Elasticsearch's ObjectParser does ("[owner] unknown field [x]").
func onlyKeys(owner string, n *node, keys ...string) *Error {
	if n.kind != kObject {
		return parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
next:
	for _, m := range n.obj {
		for _, k := range keys {
			if m.key == k {
				continue next
			}
		}
		return xContentErr(m.at, "[%s] unknown field [%s]", owner, snippet(m.key))
	}
	return nil
}

func notSupported(owner string, m member) *Error {
	return parsingErr(m.at, "[%s] query does not support [%s]", owner, snippet(m.key))
}

func parseMatchAll(n *node) (search.Query, *Error) {
	if err := onlyKeys("match_all", n, "boost", "_name"); err != nil {
		return nil, err
	}
	q := search.MatchAll{}
	if b := n.get("boost"); b != nil {
		f, err := asFloat("match_all", "boost", b)
		if err != nil {
			return nil, err
		}
		q.Boost = f
	}
	return q, nil
}

// fieldQuery reads the shape shared by the queries on one field:
// {"<field>": <short value>} or {"<field>": {<options>}}, plus the
// query-level boost and _name some allow beside the field.
func fieldQuery(owner string, n *node) (field string, val *node, at pos, err *Error) {
	if n.kind != kObject {
		return "", nil, n.at, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	for _, m := range n.obj {
		if field != "" {
			return "", nil, m.at, parsingErr(m.at, "[%s] query doesn't support multiple fields, found [%s] and [%s]", owner, field, snippet(m.key))
		}
		field, val, at = m.key, m.val, m.at
	}
	if field == "" {
		return "", nil, n.at, illegalArg("[%s] query requires a field name", owner)
	}
	return field, val, at, nil
}

func boostOf(owner string, m member) (float64, *Error) {
	return asFloat(owner, m.key, m.val)
}

func parseMatch(n *node) (search.Query, *Error) {
	const owner = "match"
	field, v, _, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	q := search.Match{Field: field}
	if v.kind != kObject {
		if q.Text, err = matchText(owner, v); err != nil {
			return nil, err
		}
		return q, nil
	}
	hasQuery := false
	for _, m := range v.obj {
		switch m.key {
		case "query":
			q.Text, err = matchText(owner, m.val)
			hasQuery = true
		case "operator":
			q.Operator, err = asOperator(owner, m.key, m.val)
		case "minimum_should_match":
			q.MinimumShouldMatch, err = asMinimumShouldMatch(owner, m.key, m.val)
		case "fuzziness":
			q.Fuzziness, err = asFuzziness(owner, m.key, m.val)
		case "prefix_length":
			q.PrefixLength, err = asInt(owner, m.key, m.val)
		case "analyzer":
			q.Analyzer, err = asString(owner, m.key, m.val)
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name", "lenient", "auto_generate_synonyms_phrase_query":
			// No effect on which documents match or their order.
		case "fuzzy_transpositions":
			err = requireBool(owner, m, true)
		case "zero_terms_query":
			err = requireString(owner, m, "none")
		case "max_expansions":
			err = requireInt(owner, m, 50)
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasQuery {
		return nil, illegalArg("[%s] requires query value", owner)
	}
	return q, nil
}

// matchText reads a match query's text: a string, number or boolean.
func matchText(owner string, n *node) (string, *Error) {
	if s, ok := n.text(); ok {
		return s, nil
	}
	if n.kind == kNull {
		return "", illegalArg("[%s] requires query value", owner)
	}
	return "", parsingErr(n.at, "[%s] unknown token [%s] after [query]", owner, n.tokenName())
}

// requireBool accepts an option only at the value Chronik implements.
func requireBool(owner string, m member, want bool) *Error {
	b, err := asBool(owner, m.key, m.val)
	if err != nil {
		return err
	}
	if b != want {
		return parsingErr(m.at, "[%s] query does not support [%s] set to [%t]", owner, m.key, b)
	}
	return nil
}

func requireString(owner string, m member, want string) *Error {
	s, err := asString(owner, m.key, m.val)
	if err != nil {
		return err
	}
	if s != want && s != upper(want) {
		return parsingErr(m.at, "[%s] query does not support [%s] set to [%s]", owner, m.key, snippet(s))
	}
	return nil
}

func requireInt(owner string, m member, want int) *Error {
	i, err := asInt(owner, m.key, m.val)
	if err != nil {
		return err
	}
	if i != want {
		return parsingErr(m.at, "[%s] query does not support [%s] set to [%d]", owner, m.key, i)
	}
	return nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func parseMatchPhrase(n *node, prefix bool) (search.Query, *Error) {
	owner := "match_phrase"
	if prefix {
		owner = "match_phrase_prefix"
	}
	field, v, _, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	var text, analyzer string
	var slop, maxExp int
	var boost float64
	if v.kind != kObject {
		if text, err = matchText(owner, v); err != nil {
			return nil, err
		}
	} else {
		hasQuery := false
		for _, m := range v.obj {
			switch m.key {
			case "query":
				text, err = matchText(owner, m.val)
				hasQuery = true
			case "slop":
				slop, err = asInt(owner, m.key, m.val)
			case "analyzer":
				analyzer, err = asString(owner, m.key, m.val)
			case "boost":
				boost, err = boostOf(owner, m)
			case "max_expansions":
				if !prefix {
					return nil, notSupported(owner, m)
				}
				maxExp, err = asInt(owner, m.key, m.val)
			case "_name":
			case "zero_terms_query":
				err = requireString(owner, m, "none")
			default:
				return nil, notSupported(owner, m)
			}
			if err != nil {
				return nil, err
			}
		}
		if !hasQuery {
			return nil, illegalArg("[%s] requires query value", owner)
		}
	}
	if slop < 0 {
		return nil, illegalArg("No negative slop allowed.")
	}
	if prefix {
		return search.MatchPhrasePrefix{Field: field, Text: text, Slop: slop, MaxExpansions: maxExp, Analyzer: analyzer, Boost: boost}, nil
	}
	return search.MatchPhrase{Field: field, Text: text, Slop: slop, Analyzer: analyzer, Boost: boost}, nil
}

var multiMatchTypes = map[string]search.MultiMatchType{
	"best_fields": search.BestFields, "most_fields": search.MostFields, "cross_fields": search.CrossFields,
	"phrase": search.Phrase, "phrase_prefix": search.PhrasePrefix, "bool_prefix": search.BoolPrefix,
}

func parseMultiMatch(n *node) (search.Query, *Error) {
	const owner = "multi_match"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	q := search.MultiMatch{}
	hasQuery := false
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "query":
			q.Text, err = matchText(owner, m.val)
			hasQuery = true
		case "fields":
			q.Fields, err = asStrings(owner, m.key, m.val)
		case "type":
			var s string
			if s, err = asString(owner, m.key, m.val); err == nil {
				t, ok := multiMatchTypes[s]
				if !ok {
					return nil, &Error{Status: 400, Type: TypeParse, Reason: fmt.Sprintf("failed to parse [%s] query type [%s]. unknown type.", owner, snippet(s))}
				}
				q.Type = t
			}
		case "operator":
			q.Operator, err = asOperator(owner, m.key, m.val)
		case "minimum_should_match":
			q.MinimumShouldMatch, err = asMinimumShouldMatch(owner, m.key, m.val)
		case "fuzziness":
			q.Fuzziness, err = asFuzziness(owner, m.key, m.val)
		case "slop":
			q.Slop, err = asInt(owner, m.key, m.val)
		case "tie_breaker":
			q.TieBreaker, err = asFloat(owner, m.key, m.val)
		case "analyzer":
			q.Analyzer, err = asString(owner, m.key, m.val)
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name", "lenient", "auto_generate_synonyms_phrase_query":
		case "fuzzy_transpositions":
			err = requireBool(owner, m, true)
		case "zero_terms_query":
			err = requireString(owner, m, "none")
		case "max_expansions":
			err = requireInt(owner, m, 50)
		case "prefix_length":
			err = requireInt(owner, m, 0)
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasQuery {
		return nil, illegalArg("[%s] requires query value", owner)
	}
	if len(q.Fields) == 0 {
		q.Fields = []string{"*"} // index.query.default_field
	}
	if q.Slop != 0 && q.Type != search.Phrase && q.Type != search.PhrasePrefix {
		return nil, illegalArg("slop not allowed for type [%s]", typeName(q.Type))
	}
	return q, nil
}

func typeName(t search.MultiMatchType) string {
	for k, v := range multiMatchTypes {
		if v == t {
			return k
		}
	}
	return "best_fields"
}

func parseTerm(n *node) (search.Query, *Error) {
	const owner = "term"
	field, v, _, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	q := search.Term{Field: field}
	if v.kind != kObject {
		return termValue(q, v)
	}
	has := false
	for _, m := range v.obj {
		switch m.key {
		case "value":
			if q, err = termValue(q, m.val); err != nil {
				return nil, err
			}
			has = true
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "case_insensitive":
			q.CaseInsensitive, err = asBool(owner, m.key, m.val)
		case "_name":
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !has {
		return nil, illegalArg("value cannot be null")
	}
	return q, nil
}

func termValue(q search.Term, v *node) (search.Term, *Error) {
	switch v.kind {
	case kArray:
		return q, parsingErr(v.at, "[term] query does not support array of values")
	case kObject:
		return q, parsingErr(v.at, "[term] query does not support [value] as an object")
	case kNull:
		return q, illegalArg("value cannot be null")
	}
	q.Value, _ = scalar(v)
	return q, nil
}

func parseTerms(n *node) (search.Query, *Error) {
	const owner = "terms"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	q := search.Terms{}
	found := false
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "boost":
			q.Boost, err = boostOf(owner, m)
			if err != nil {
				return nil, err
			}
			continue
		case "_name":
			continue
		}
		switch m.val.kind {
		case kArray:
			if found {
				return nil, parsingErr(m.at, "[%s] query does not support multiple fields", owner)
			}
			found = true
			q.Field = m.key
			if len(m.val.arr) > MaxTermsCount {
				return nil, shardFailure(illegalArg("The number of terms [%d] used in the Terms Query request has exceeded the allowed maximum of [%d]. This maximum can be set by changing the [index.max_terms_count] index level setting.", len(m.val.arr), MaxTermsCount))
			}
			q.Values = make([]search.Scalar, 0, len(m.val.arr))
			for _, e := range m.val.arr {
				if e.kind == kObject || e.kind == kArray || e.kind == kNull {
					return nil, illegalArg("No value specified for terms query")
				}
				s, _ := scalar(e)
				q.Values = append(q.Values, s)
			}
		case kObject:
			return nil, parsingErr(m.at, "[%s] query lookup (values from another document) is not supported", owner)
		default:
			return nil, notSupported(owner, m)
		}
	}
	if !found {
		return nil, parsingErr(n.at, "[%s] query requires a field with a list of values", owner)
	}
	return q, nil
}

func parseRange(n *node) (search.Query, *Error) {
	const owner = "range"
	field, v, at, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	if v.kind != kObject {
		return nil, parsingErr(at, "[%s] query does not support [%s]", owner, snippet(field))
	}
	q := search.Range{Field: field}
	var from, to search.Scalar
	hasFrom, hasTo := false, false
	incLower, incUpper := true, true
	bound := func(m member) (search.Scalar, *Error) {
		if m.val.kind == kObject || m.val.kind == kArray {
			return nil, parsingErr(m.at, "[%s] query does not support [%s] as an object or array", owner, m.key)
		}
		s, _ := scalar(m.val)
		return s, nil
	}
	for _, m := range v.obj {
		switch m.key {
		case "gt":
			q.GT, err = bound(m)
		case "gte":
			q.GTE, err = bound(m)
		case "lt":
			q.LT, err = bound(m)
		case "lte":
			q.LTE, err = bound(m)
		case "from":
			from, err = bound(m)
			hasFrom = true
		case "to":
			to, err = bound(m)
			hasTo = true
		case "include_lower":
			incLower, err = asBool(owner, m.key, m.val)
		case "include_upper":
			incUpper, err = asBool(owner, m.key, m.val)
		case "format":
			q.Format, err = asString(owner, m.key, m.val)
		case "time_zone":
			q.TimeZone, err = asString(owner, m.key, m.val)
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name":
		case "relation":
			err = requireString(owner, m, "intersects")
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if hasFrom && from != nil {
		if incLower {
			q.GTE = from
		} else {
			q.GT = from
		}
	}
	if hasTo && to != nil {
		if incUpper {
			q.LTE = to
		} else {
			q.LT = to
		}
	}
	return q, nil
}

func depthError(at pos, clause string) *Error {
	e := xContentErr(at, "[bool] failed to parse field [%s]", clause)
	e.CausedBy = illegalArg("The nested depth of the query exceeds the maximum nested depth for bool queries set in [indices.query.bool.max_nested_depth] (%d)", search.MaxQueryDepth)
	return e
}

func parseBool(n *node, at pos, depth int) (search.Query, *Error) {
	const owner = "bool"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	if depth+1 > search.MaxQueryDepth {
		return nil, depthError(at, "must")
	}
	var q search.Bool
	var err *Error
	clauses := func(m member) ([]search.Query, *Error) {
		var items []*node
		switch m.val.kind {
		case kObject:
			items = []*node{m.val}
		case kArray:
			items = m.val.arr
		default:
			return nil, parsingErr(m.at, "[%s] query does not support [%s]", owner, m.key)
		}
		out := make([]search.Query, 0, len(items))
		for _, it := range items {
			c, err := parseQuery(it, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	for _, m := range n.obj {
		var cs []search.Query
		switch m.key {
		case "must":
			cs, err = clauses(m)
			q.Must = append(q.Must, cs...)
		case "should":
			cs, err = clauses(m)
			q.Should = append(q.Should, cs...)
		case "must_not", "mustNot":
			cs, err = clauses(m)
			q.MustNot = append(q.MustNot, cs...)
		case "filter":
			cs, err = clauses(m)
			q.Filter = append(q.Filter, cs...)
		case "minimum_should_match":
			q.MinimumShouldMatch, err = asMinimumShouldMatch(owner, m.key, m.val)
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name":
		case "adjust_pure_negative":
			err = requireBool(owner, m, true)
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	return q, nil
}

// parseMultiTerm reads prefix, wildcard and regexp.
func parseMultiTerm(owner string, n *node) (search.Query, *Error) {
	field, v, _, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	var value string
	var boost float64
	var ci, has bool
	if v.kind != kObject {
		if value, err = asString(owner, field, v); err != nil {
			return nil, err
		}
		has = true
	} else {
		for _, m := range v.obj {
			switch {
			case m.key == "value" || (owner == "wildcard" && m.key == "wildcard"):
				value, err = asString(owner, m.key, m.val)
				has = true
			case m.key == "boost":
				boost, err = boostOf(owner, m)
			case m.key == "case_insensitive":
				ci, err = asBool(owner, m.key, m.val)
			case m.key == "_name":
			case m.key == "rewrite":
				err = requireString(owner, m, "constant_score")
			case owner == "regexp" && m.key == "flags":
				err = requireString(owner, m, "ALL")
			case owner == "regexp" && m.key == "max_determinized_states":
				_, err = asInt(owner, m.key, m.val)
			case owner == "regexp" && m.key == "flags_value":
				err = requireInt(owner, m, 65535)
			default:
				return nil, notSupported(owner, m)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if !has {
		return nil, illegalArg("[%s] requires a value", owner)
	}
	switch owner {
	case "prefix":
		return search.Prefix{Field: field, Value: value, CaseInsensitive: ci, Boost: boost}, nil
	case "wildcard":
		return search.Wildcard{Field: field, Value: value, CaseInsensitive: ci, Boost: boost}, nil
	}
	return search.Regexp{Field: field, Value: value, CaseInsensitive: ci, Boost: boost}, nil
}

func parseFuzzy(n *node) (search.Query, *Error) {
	const owner = "fuzzy"
	field, v, _, err := fieldQuery(owner, n)
	if err != nil {
		return nil, err
	}
	q := search.Fuzzy{Field: field, Fuzziness: search.Auto}
	if v.kind != kObject {
		if q.Value, err = asString(owner, field, v); err != nil {
			return nil, err
		}
		return q, nil
	}
	has := false
	for _, m := range v.obj {
		switch m.key {
		case "value":
			q.Value, err = asString(owner, m.key, m.val)
			has = true
		case "fuzziness":
			q.Fuzziness, err = asFuzziness(owner, m.key, m.val)
		case "prefix_length":
			q.PrefixLength, err = asInt(owner, m.key, m.val)
		case "max_expansions":
			q.MaxExpansions, err = asInt(owner, m.key, m.val)
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name":
		case "transpositions":
			err = requireBool(owner, m, true)
		case "rewrite":
			err = requireString(owner, m, "constant_score")
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !has {
		return nil, illegalArg("[%s] requires a value", owner)
	}
	return q, nil
}

func parseExists(n *node) (search.Query, *Error) {
	const owner = "exists"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	var field string
	var boost float64
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "field":
			field, err = asString(owner, m.key, m.val)
		case "boost":
			boost, err = boostOf(owner, m)
		case "_name":
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if field == "" {
		return nil, parsingErr(n.at, "[%s] must be provided with a [field]", owner)
	}
	var q search.Query = search.Exists{Field: field}
	if boost != 0 && boost != 1 {
		q = search.ConstantScore{Filter: q, Boost: boost}
	}
	return q, nil
}

func parseIDs(n *node) (search.Query, *Error) {
	const owner = "ids"
	if err := onlyKeys(owner, n, "values", "boost", "_name"); err != nil {
		return nil, err
	}
	q := search.IDs{Values: []string{}}
	var boost float64
	for _, m := range n.obj {
		var err *Error
		switch m.key {
		case "values":
			if m.val.kind != kArray {
				return nil, wrongType(owner, m.key, m.val, "an array")
			}
			q.Values, err = asStrings(owner, m.key, m.val)
		case "boost":
			boost, err = boostOf(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if boost != 0 && boost != 1 {
		return search.ConstantScore{Filter: q, Boost: boost}, nil
	}
	return q, nil
}

func parseConstantScore(n *node, at pos, depth int) (search.Query, *Error) {
	const owner = "constant_score"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	if depth+1 > search.MaxQueryDepth {
		return nil, depthError(at, "filter")
	}
	var q search.ConstantScore
	var err *Error
	has := false
	for _, m := range n.obj {
		switch m.key {
		case "filter":
			q.Filter, err = parseQuery(m.val, depth+1)
			has = true
		case "boost":
			q.Boost, err = boostOf(owner, m)
		case "_name":
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !has {
		return nil, parsingErr(n.at, "[%s] requires a 'filter' element", owner)
	}
	return q, nil
}
