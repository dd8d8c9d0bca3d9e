package esdsl

import (
	"errors"

	"github.com/chronik-stream/chronik/domain/search"
)

// queryStringErr reports a query string that does not parse as
// Elasticsearch does: a failure of every shard whose root cause is a
// query_shard_exception ("Failed to parse query [...]") caused by a
// parse_exception with the parser's message.
func queryStringErr(q string, err error) *Error {
	var qe *search.QueryStringError
	reason := err.Error()
	if errors.As(err, &qe) {
		reason = qe.Error()
	}
	cause := &Error{Status: 400, Type: TypeQueryShard, Reason: "Failed to parse query [" + snippet(q) + "]",
		CausedBy: &Error{Status: 400, Type: TypeParse, Reason: reason}}
	return shardFailure(cause)
}

func parseQueryString(n *node) (search.Query, *Error) {
	const owner = "query_string"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	var opt search.QueryStringOptions
	var text string
	has := false
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "query":
			text, err = asString(owner, m.key, m.val)
			has = true
		case "default_field":
			opt.DefaultField, err = asString(owner, m.key, m.val)
		case "fields":
			opt.Fields, err = asStrings(owner, m.key, m.val)
		case "default_operator":
			opt.DefaultOperator, err = asOperator(owner, m.key, m.val)
		case "analyzer":
			opt.Analyzer, err = asString(owner, m.key, m.val)
		case "allow_leading_wildcard":
			var b bool
			b, err = asBool(owner, m.key, m.val)
			opt.DisallowLeadingWildcard = !b
		case "fuzziness":
			opt.Fuzziness, err = asFuzziness(owner, m.key, m.val)
		case "fuzzy_prefix_length":
			opt.FuzzyPrefixLength, err = asInt(owner, m.key, m.val)
		case "fuzzy_max_expansions":
			opt.FuzzyMaxExpansions, err = asInt(owner, m.key, m.val)
		case "phrase_slop":
			opt.PhraseSlop, err = asInt(owner, m.key, m.val)
		case "minimum_should_match":
			opt.MinimumShouldMatch, err = asMinimumShouldMatch(owner, m.key, m.val)
		case "time_zone":
			opt.TimeZone, err = asString(owner, m.key, m.val)
		case "boost":
			opt.Boost, err = boostOf(owner, m)
		case "_name", "lenient", "analyze_wildcard", "auto_generate_synonyms_phrase_query",
			"max_determinized_states", "enable_position_increments", "escape":
			// No effect on which documents match (wildcards are not
			// analyzed either way; the executor bounds automata itself).
		case "fuzzy_transpositions":
			err = requireBool(owner, m, true)
		case "type":
			err = requireString(owner, m, "best_fields")
		case "tie_breaker":
			var f float64
			if f, err = asFloat(owner, m.key, m.val); err == nil && f != 0 {
				return nil, parsingErr(m.at, "[%s] query does not support [%s] set to [%v]", owner, m.key, f)
			}
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
		return nil, parsingErr(n.at, "[%s] must be provided with a [query]", owner)
	}
	if opt.Fuzziness == search.NoFuzziness {
		opt.Fuzziness = search.Auto
	}
	q, perr := search.ParseQueryString(text, opt)
	if perr != nil {
		return nil, queryStringErr(text, perr)
	}
	return q, nil
}

func parseSimpleQueryString(n *node) (search.Query, *Error) {
	const owner = "simple_query_string"
	if n.kind != kObject {
		return nil, parsingErr(n.at, "[%s] query malformed, no start_object after query name", owner)
	}
	var opt search.QueryStringOptions
	flags := search.FlagAll
	var text string
	has := false
	var err *Error
	for _, m := range n.obj {
		switch m.key {
		case "query":
			text, err = asString(owner, m.key, m.val)
			has = true
		case "fields":
			opt.Fields, err = asStrings(owner, m.key, m.val)
		case "default_operator":
			opt.DefaultOperator, err = asOperator(owner, m.key, m.val)
		case "analyzer":
			opt.Analyzer, err = asString(owner, m.key, m.val)
		case "flags":
			if m.val.kind == kNumber {
				var i int
				if i, err = asInt(owner, m.key, m.val); err == nil {
					flags = luceneFlags(i)
				}
				break
			}
			var s string
			if s, err = asString(owner, m.key, m.val); err == nil {
				var ferr error
				if flags, ferr = search.ParseSimpleFlags(s); ferr != nil {
					return nil, illegalArg("%s", ferr.Error())
				}
			}
		case "fuzzy_prefix_length":
			opt.FuzzyPrefixLength, err = asInt(owner, m.key, m.val)
		case "fuzzy_max_expansions":
			opt.FuzzyMaxExpansions, err = asInt(owner, m.key, m.val)
		case "minimum_should_match":
			opt.MinimumShouldMatch, err = asMinimumShouldMatch(owner, m.key, m.val)
		case "boost":
			opt.Boost, err = boostOf(owner, m)
		case "_name", "lenient", "analyze_wildcard", "auto_generate_synonyms_phrase_query":
		case "fuzzy_transpositions":
			err = requireBool(owner, m, true)
		default:
			return nil, notSupported(owner, m)
		}
		if err != nil {
			return nil, err
		}
	}
	if !has {
		return nil, parsingErr(n.at, "[%s] query text missing", owner)
	}
	q, perr := search.ParseSimpleQueryString(text, flags, opt)
	if perr != nil {
		return nil, queryStringErr(text, perr)
	}
	return q, nil
}

// luceneFlags maps the integer form of simple_query_string's flags
// (Lucene's SimpleQueryParser bits; -1 is ALL) to SimpleFlags.
func luceneFlags(i int) search.SimpleFlags {
	if i < 0 {
		return search.FlagAll
	}
	bits := []search.SimpleFlags{search.FlagAnd, search.FlagNot, search.FlagOr, search.FlagPrefix, search.FlagPhrase,
		search.FlagPrecedence, search.FlagEscape, search.FlagWhitespace, search.FlagFuzzy, search.FlagSlop}
	var f search.SimpleFlags
	for b, v := range bits {
		if i&(1<<b) != 0 {
			f |= v
		}
	}
	return f
}
