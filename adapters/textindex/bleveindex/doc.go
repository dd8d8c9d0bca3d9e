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
//	                      long, date (epoch ms), double: as float64,
//	                      prefix-coded every 8 bits (8 terms: shifts 0,
//	                      8, ..., 56; numeric.go), doc values
//
// Fields with Index false are only in _chronik_doc. Analyzers: standard
// is Elasticsearch's (Unicode words, lower case; no stop words),
// whitespace splits on spaces and keeps case, simple and keyword are
// bleve's, english is bleve's "en" (possessive, lower case, stop words,
// Porter).
//
// # Writes and durability
//
// Add builds one bleve batch; scorch turns it into an in-memory segment
// and introduces it into a new snapshot before Batch returns, so searches
// see it then. Scorch runs with unsafe_batch: Batch does not wait for the
// disk. Its persister goroutine writes each new snapshot behind the
// writers (in-memory segments, merged, into a new store/<epoch>.zap,
// then the root in store/root.bolt, both fsynced); its merger merges
// files in the background. A document at an offset already held
// replaces it.
//
//	Add ──> analysis ──> in-memory segment ──> snapshot N (searchable)
//	                                                │ persister
//	Commit ──> empty batch: snapshot M ≥ N ──> wait: snapshot M on disk
//
// Commit introduces an empty batch, whose snapshot holds every batch
// introduced before it, and waits for its persisted callback: when it
// returns, every document added before it is on disk. After a crash
// (kill -9) an index opens at the last snapshot the persister wrote: all
// that was committed, perhaps some that was not. The text sink never
// relies on an active index surviving a crash anyway (it reopens a
// partition at its watermark and indexes it again: application/textsearch);
// it commits before it packs, and Pack copies the current snapshot, in
// memory or not. Memory stays bounded when the disk is slow: Add waits
// while MaxUnpersisted (8) of its batches are not yet written.
//
// A persister failure (reported through scorch's async error callback,
// registered as "chronik-bleveindex" and routed by the store directory)
// is sticky: that Commit and every later one fail, and the index is to
// be discarded. A failed merge only leaves more segments.
//
// Numbers are written as numField (numeric.go): bleve's numeric field
// writes sixteen terms a value (a precision step of 4) and they were most
// of the indexing cost; with a step of 8 rangeQuery splits a range into
// at most two runs per precision (eight precisions), each of at most 255
// terms and read from the field's dictionary, so only terms some
// document has are searched. An index
// bleve's own numeric field wrote holds every term of the step of 8.
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
