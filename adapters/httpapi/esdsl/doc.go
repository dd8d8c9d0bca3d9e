// Package esdsl reads Elasticsearch's search requests into the query
// model of domain/search and writes its answers in Elasticsearch's
// shapes, for the HTTP adapter's Elasticsearch-compatible surface. It
// knows JSON and Elasticsearch's error bodies; it knows no HTTP router.
//
// # Reading
//
//	ParseSearch(body, params, opt)  _search: body + URL parameters -> *SearchRequest
//	ParseCount(body, params, opt)   _count: {"query": ...} and q=...
//	ParseMsearch(body, params, opt) _msearch: NDJSON header/body pairs
//
// A body is scanned byte by byte into an ordered tree (json.go; it
// accepts what encoding/json accepts and reads the same values, which
// FuzzJSONReader checks), its nesting bounded (MaxJSONDepth, 1000, as
// Jackson's limit in Elasticsearch 8) before anything deeper is read,
// so 10,000 levels of [ or {"bool":{"must": are refused after the first
// thousand, in bounded memory. Duplicate keys are refused, as
// Elasticsearch's strict duplicate detection does. The tree costs about
// 15 times the body's size at most (a terms query of 65,536 values,
// 0.9 MB, takes 13.5 MB and 45 ms), so the HTTP handler must bound the
// body's size before calling a reader. Compound
// queries (bool, constant_score) and aggregations nest at most
// search.MaxQueryDepth levels; a request holds at most MaxAggregations
// aggregations, a terms query MaxTermsCount values, an _msearch
// MaxMsearchSearches searches; from+size is bounded by
// Options.MaxResultWindow (index.max_result_window, 10,000) and a
// top_hits aggregation's by MaxInnerResultWindow (100). query_string
// and simple_query_string are parsed here, by domain/search's parsers,
// into the model's queries.
//
// Every query type of the model is read in its Elasticsearch forms:
// short ({"match": {"f": "text"}}) and long ({"match": {"f": {"query":
// ..., options}}}); every aggregation kind of domain/search/agg.go with
// its options and nested aggs; sort in its string, object and list
// forms; _source as a bool, a pattern, a list or includes/excludes;
// highlight; track_total_hits as a bool or a number; timeout as a time
// value ("5s"). The URL parameters q (with df, default_operator,
// analyzer), size, from, sort=f:desc, _source, _source_includes,
// _source_excludes, track_total_hits, timeout, typed_keys,
// rest_total_hits_as_int, pretty and the index options
// (ignore_unavailable, allow_no_indices, expand_wildcards) are read;
// parameters that only tune how a cluster spreads work are accepted.
//
// # Refusals
//
// Nothing is silently ignored that would change an answer. An unknown
// query, aggregation, body key, option or URL parameter, and a known one
// Chronik does not implement (nested, geo_*, script, function_score,
// post_filter, collapse, scroll, an aggregation's meta, ...), is refused
// with the error Elasticsearch 8 gives for the unknown case, as an
// *Error whose JSON is Elasticsearch's error body:
//
//	{"error":{"root_cause":[{"type":"parsing_exception","reason":"unknown query [foo]","line":1,"col":11}],
//	          "type":"parsing_exception","reason":"unknown query [foo]","line":1,"col":11,
//	          "caused_by":{...}},"status":400}
//
// Parsing errors are parsing_exception (with line and col) or
// x_content_parse_exception (reason "[line:col] ..."); bad values are
// illegal_argument_exception; what Elasticsearch reports as a failure of
// every shard (a query_string that does not parse, a result window too
// large) is a search_phase_execution_exception whose root cause names
// it. Options that change nothing Chronik answers (_name, lenient,
// analyze_wildcard, version, ...) are accepted. FromError maps the
// search use case's errors (domain/search, ports/textindex) through one
// table.
//
// # Writing
//
//	WriteSearch(result, req, opt)   {"took","timed_out","_shards","hits","aggregations","_kafka"}
//	WriteCount(n, shards, pretty)   {"count","_shards"}
//	WriteMsearch(answers, req, took) {"took","responses":[... "status": 200 | {"error":...,"status":N}]}
//	WriteDoc(index, p, off, src, found, pretty) GET /{index}/_doc/{id}
//	WriteMapping(mappings, pretty)  GET /{index}/_mapping: dotted paths as nested properties
//
// Hits carry _index (the topic), _id ("<partition>-<offset>"), _score,
// _source, sort and highlight, and the record's coordinates as
// "_partition" and "_offset". The watermarks the answer covers are in
// "_kafka": {"watermarks": {"<topic>/<partition>": next offset}}; keys
// with a "/" (which no topic name and no Elasticsearch response key has)
// keep token-walking decoders, such as the Go client's typed API, from
// mistaking a topic named "took" for the response's own key.
// Aggregations take each kind's exact shape (buckets as a list or, when
// keyed, an object; range keys "*-100.0"; percentiles "values":
// {"50.0": ...}; top_hits {"hits": {...}}), and typed_keys prefixes
// their names as Elasticsearch does (sterms#, lterms#, dterms#,
// tdigest_percentiles#, ...), which the official clients' typed APIs
// need to decode them.
package esdsl
