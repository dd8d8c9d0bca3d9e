// Package search is full-text search over topics as the rest of Chronik
// sees it, whatever answers it: the query model (what the Elasticsearch
// query DSL and Lucene's query syntax are translated into), the field
// mapping of a topic's documents, aggregations, and the shape of an
// answer.
//
// A topic is an index; each record is a document whose id is
// "<partition>-<offset>". Besides the fields of its value, every document
// has the metadata fields _partition and _offset (long), _timestamp
// (date), _key (keyword) and _headers.<name> (keyword, one per header).
//
// The model is plain data: parsers (the HTTP adapter's DSL reader, this
// package's query-string parser) build it, the text-index port's adapters
// execute it, and the use case merges what each partition's index
// answered. Nothing here knows JSON or bleve.
package search
