// Package sql is SQL over topics: the columnar sink the indexing pipeline
// feeds, and the queries over what it holds.
//
// # The sink
//
// Service is an indexing sink (named "columnar", on for topics with
// columnar.enabled=true). Per partition it keeps the documents indexed
// but not yet in a file (the hot buffer: visible to queries as soon as
// Index returns) and a manifest of its sealed files. Flush seals the hot
// buffer into one Parquet file (through the columnar.Engine port) when it
// holds Config.HotMaxRecords records or Config.HotMaxBytes bytes, when
// its oldest document waited Config.HotMaxAge, when the next document
// falls in another hour or day than the first (columnar.partitioning
// hourly or daily), when every partition's hot buffers together pass
// Config.NodeHotBytes, or when forced (shutdown). Sealing:
//
//  1. write the file into the local cache (Config.CacheDir), then upload
//     it to the bucket as
//     columnar/<topic>-<topic id>/<partition>/<from>-<to>.parquet
//     (from and to as 20 digits: the offsets [from, to) it covers);
//  2. add it to the partition's manifest in the metastore
//     (columnar/manifest/<topic id>/<partition>, JSON);
//  3. swap the hot buffer for the file under the partition's lock, so a
//     query sees the records in one or the other, never both, never
//     neither.
//
// Only then does Flush report the file's end durable, and the pipeline
// saves its watermark. Open at a watermark removes files that begin at
// or past it (a seal whose watermark was not saved before a crash) from
// the manifest, the bucket and the cache, and empties the hot buffer.
// Trim removes files wholly below the log start; Drop removes a
// partition's manifest, objects and cached files.
//
// # Queries
//
// Query asks the engine which tables a statement reads (refusing all but
// read-only statements of topics), then for each table takes a snapshot of
// every partition under its lock (its files, its hot documents and its
// position), makes sure each file is in the local cache (fetching it from
// the bucket when it is not: after a restart, a restore from the bucket
// or an eviction), pins them for the query, and runs it. Every answer
// carries, for each table and partition, the next offset it covers (the
// position at the snapshot): a consumer that has read up to there has
// seen exactly the records the answer counted.
//
// The cache holds at most Config.CacheBytes of files, least recently used
// out, never a file a running query pinned.
package sql
