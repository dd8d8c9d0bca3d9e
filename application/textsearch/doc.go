// Package search is full-text search over topics: the text sink the
// indexing pipeline feeds, and the searches over what it holds.
//
// # The sink
//
// Service is an indexing sink (named "search", on for topics with
// search.enabled=true). Each document is flattened into typed fields by
// its topic's mapping (search.mapping's fields first, the rest learnt
// from the documents as Elasticsearch's dynamic mapping does, see
// search.Mapping), restricted to search.fields when set, and added to
// its partition's active index (a textindex.Index in a local directory),
// where searches see it when Index returns.
//
// Flush seals the active index when it holds Config.SealDocs documents,
// when its first document waited Config.SealAge, or when forced
// (shutdown). Sealing:
//
//  1. save the topic's mapping (metastore search/mapping/<topic id>) if
//     it learnt fields since it was last saved;
//  2. commit the index, pack it into one stream and upload it to the
//     bucket as search/<topic>-<topic id>/<partition>/<from>-<to>.index
//     (from and to as 20 digits: the offsets [from, to) it covers);
//  3. add it to the partition's manifest in the metastore
//     (search/manifest/<topic id>/<partition>, JSON);
//  4. keep it open, now sealed, in the cache of sealed indexes.
//
// Only then does Flush report its end durable and the pipeline save its
// watermark. An active index is never durable by itself: Open at a
// watermark removes sealed indexes that begin at or past it (a seal
// whose watermark was not saved before a crash) and the active index's
// directory, and the pipeline feeds the records from the watermark
// again. A restart re-indexes at most one active index per partition.
//
// Trim removes sealed indexes wholly below the log start; Drop removes a
// partition's manifest, objects and local indexes.
//
// # Searches
//
// A search names indexes (topics, comma lists, * wildcards). For each
// partition of each topic it takes, under the partition's lock, the
// active index, the sealed ones and the position (the next offset
// handed to the sink), makes sure each sealed index is open locally
// (fetching and unpacking it from the bucket after a restart, a restore
// or an eviction), pins them, asks each for the best From+Size hits and
// its aggregations' partial state, and merges the answers. Every answer
// carries, per topic and partition, the next offset it covers.
//
// Partitions are searched at once (fanout.go): up to GOMAXPROCS workers
// each take one partition's view at a time, and its indexes are searched
// in parallel, at most GOMAXPROCS index searches per search in all. The
// answers are merged in partition then index order, whatever order they
// come in, so that the same request over the same indexes gives the same
// answer (float sums included); at most twice the workers' partitions
// wait searched but unmerged. The first error that is not the search's
// timeout cancels the others and is the answer; past the timeout the
// answer holds what the indexes that answered found, marked timed out.
//
// The cache holds at most Config.CacheBytes of sealed indexes on local
// disk, least recently used out (closed and deleted), never one a
// running search pinned.
package textsearch
