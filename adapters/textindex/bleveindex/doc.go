// Package bleveindex is the text index of ports/textindex on bleve v2
// (its scorch engine): one bleve index per directory, usually one
// partition's documents.
//
// # On disk
//
//	<dir>/
//	  index_meta.json        bleve: engine (scorch) and the index mapping
//	  store/root.bolt        scorch: the snapshot roots (which segments)
//	  store/<epoch>.zap      scorch: immutable segments, merged in the background
//
// # One document
//
//	id                  "<partition>-<offset>" (search.DocID)
//	_chronik_doc        stored only: the whole search.Doc (codec.go),
//	                    what Get and hits return
//	_chronik_offset     keyword, doc values: the offset as 16 hex digits
//	                    (sorts as offsets do): _doc order and tie-break
//	_chronik_partition  keyword, doc values: the partition
//	_chronik_exists     every indexed path and its parents, NUL-separated,
//	                    one term each: the exists query
//	<path>              per the mapping, one field instance per value
//	                    (array position k for the k-th), positions
//	                    restarting at each value, so a phrase never spans
//	                    two values:
//	                      text     analyzed, term vectors (phrases)
//	                      keyword  one term, doc values
//	                      boolean  one term "true"/"false", doc values
//	                      long, date (epoch ms), double: bleve numeric
//	                      (float64, 16 prefix-coded terms), doc values
//
// Fields with Index false are only in _chronik_doc. Analyzers: standard
// is Elasticsearch's (Unicode words, lower case; no stop words),
// whitespace splits on spaces and keeps case, simple and keyword are
// bleve's, english is bleve's "en" (possessive, lower case, stop words,
// Porter).
//
// # Writes and durability
//
// Add builds one bleve batch; scorch (in its safe mode) persists it
// before Batch returns, so every Add is durable when it returns and
// Commit has nothing left to do. A document at an offset already held
// replaces it.
//
// # Queries
//
// query.go translates domain/search queries into bleve's. Terms that
// fuzzy, prefix, wildcard and regexp queries expand to are enumerated
// here from the reader's dictionaries (so bleveindex and the oracle pick
// the same terms: fuzzy the nearest max_expansions by distance then
// term; phrase prefixes the first max_expansions in term order), bounded
// by search.MaxTermExpansions. What bleve cannot answer exactly is
// refused with textindex.ErrInvalid: phrase slop, multi_match
// cross_fields, sort modes other than min and max. Sorting always ends
// with _chronik_offset, so equal sort values come in offset order and
// search_after skips every hit whose sort values equal the last ones.
//
// # Packed
//
// Pack writes bleve's online copy of the current snapshot as a tar
// stream:
//
//	index_meta.json, store/, store/root.bolt, store/*.zap
//	    each file with its SHA-256 in the PAX record CHRONIK.sha256
//	END  empty; PAX record CHRONIK.files = the number of files
//
// Unpack accepts only those names (no other directories, links or
// "..", at most MaxPackedFiles files and MaxPackedBytes bytes), checks
// every checksum and the count, and writes into a sibling temporary
// directory that is renamed to the target only when all of it is whole.
//
// # Concurrency
//
// Every method is safe for concurrent use: bleve's index is; a RWMutex
// only makes Close wait for the calls under way and refuse later ones.
package bleveindex
