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
// # Compaction
//
// Seals make many small files (one per ~50k records of 200-byte JSON);
// DuckDB reads each file's footer and schedules each file's row groups,
// so a query over hundreds of files costs several times one over a few.
// RunCompaction (started and stopped by bootstrap with the node's other
// background loops) merges, per partition, runs of consecutive files
// into one (planMerge in compact.go has the rules):
//
//   - up to Config.CompactTargetBytes (128 MiB) of Parquet: large enough
//     that 10M rows of 200-byte JSON are a handful of files, small enough
//     that one merge holds its sources and result in the cache and one
//     upload in memory, and that retention keeps little more than it
//     would; files of half the target or more are done;
//   - of similar sizes (within a factor of 4: size tiers, so that a large
//     file is not rewritten to add a small one), when
//     Config.CompactMinFiles (16) of them gathered or half the target: a
//     busy partition keeps fewer than 16 small files per tier, and a row
//     is rewritten about log16(target / a seal's size) times (measured on
//     2M rows of 200-byte JSON sealed 50k at a time: 2.3 rewrites a row
//     with 8, 0.9 with 32); a partition that sealed nothing for
//     Config.CompactQuiet (30 s) has saved its watermark and merges its
//     whole tail of small files, two or more, of any sizes and the newest
//     included, so an idle partition ends with one file per bucket and
//     target (each file costs every query; such a partition rewrites at
//     most half the target per quiet period);
//   - never across a columnar.partitioning time bucket (the key's dt= and
//     hour= directories), never the newest file while seals come, never a
//     file that begins below the log start Trim was told.
//
// A merge (merge in compact.go) writes the merged file into the cache
// through the engine (columnar.Engine.MergeParquet), uploads it under its
// own key (its from-to differs from every source's), then, under the
// partition's manifest lock, replaces the run in the manifest by it and
// lists the run's objects as garbage: that save is the commit point. Then
// the merged file enters the cache, the partition's files are swapped
// (a query sees the sources or the merged file, never both), and the
// sources leave the cache (a pinned one when unpinned). Garbage objects
// are deleted Config.CompactDeleteDelay later (the metadata snapshot in
// the bucket that a restore reads may still name them), after every query
// that took its snapshot before has pinned its files. Every manifest
// write of a partition (seal, Trim, Open, Drop, merge, garbage) happens
// under its manifest lock, so none loses another's update.
//
// A crash or error before the commit leaves the manifest as it was and at
// most an object no manifest names: Open deletes the objects under the
// partition's prefix that its manifest names neither as file nor as
// garbage (and that no merge of this process is uploading). After the
// commit, the garbage is deleted when due, after a restart too.
//
// The pipeline saves a partition's watermark after Flush returns, so the
// newest file may be past it; so may more (an hourly or daily seal inside
// Index, a watermark save that failed). Open at a watermark inside a
// merged file therefore keeps the file and skips the documents below its
// end that the pipeline hands over again (Flush reports no more than the
// position meanwhile): every offset stays in the sink once.
//
// Retention: Trim drops a file once wholly below the log start, so up to
// one merged file of records below the log start (at most the target)
// stays queryable until the log start passes its end.
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
