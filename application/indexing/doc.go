// Package indexing feeds the node's query sinks (columns for SQL, a text
// index, vectors) from the committed log: one Pipeline per node.
//
// # What it reads
//
// The pipeline reads every partition of every topic that enables a sink
// the way a consumer does, through the log store the node serves fetches
// from (so through the tiers: records only in the object store are read
// from there), never past the high watermark, and never on the produce
// path: appends do not wait for it. A partition's reads start when its
// high watermark moves (the log store's Watch) and on every tick.
//
// Each read takes at most Config.ReadBytes of batches (and decompresses
// each batch within Config.MaxBatchBytes); at most Config.Workers
// partitions are read at once, so its memory is bounded by
// Workers x (ReadBytes + MaxBatchBytes) plus the decoded documents of one
// read, whatever the lag. Control batches are skipped.
//
// # Giving way to produce
//
// The pipeline shares the node's CPU with the produce path and costs
// about as much per record as the broker does, so at full speed during a
// burst of produce it would take half of what producers get. While
// producers append at least Config.BusyBytesPerSec (Appends, measured
// over 100 ms or more), each worker pauses after each step so that it
// works at most Config.BusyShare percent of its time (a pause is at most
// a second); the lag this builds is caught up at full speed once the
// rate falls below the bound. Slower produce (a steady 10 MB/s) is
// indexed without pauses, so it stays fresh.
//
// # Decoding once
//
// Each record becomes a document.Document once, whatever the number of
// sinks: a value framed in Confluent's wire format (magic byte 0, a 4-byte
// schema id, the payload) is decoded with the registry's schema (Schemas);
// another value that is a JSON object is parsed into fields; anything
// else is kept whole (document.Raw). A framed value that cannot be decoded
// is counted (Stats.Undecodable), logged once per topic and cause, and
// still indexed as Raw: nothing is dropped and nothing stops the pipeline.
//
// # Watermarks and exactly once
//
// Each (sink, partition) has a position, the next offset to hand it, and a
// durable watermark in the metastore (key indexing/<sink>/<topic id>/<n>,
// an 8-byte big-endian offset): every record below it is durable in the
// sink. The protocol with a sink:
//
//  1. Open(p, from) with the stored watermark (the log start when there is
//     none): the sink discards whatever it holds of p at or past from (a
//     file it sealed after the watermark was last saved, hot rows).
//  2. Index(p, docs, next) hands it the documents of [position, next); it
//     makes them visible to queries on return.
//  3. Flush(p, force) lets it seal what it holds (by its own size and age
//     rules, or everything when force) and returns the offset below which
//     everything it holds of p is durable; the pipeline then saves that as
//     the watermark.
//
// So a crash at any point re-feeds exactly what the sink discards at
// Open: every offset lands in a sink once. An Index or Flush that fails
// rewinds the (sink, partition) the same way (Open at its watermark) and
// retries after Config.RetryDelay.
//
// A sink enabled on a topic with data (or on a new topic) starts at the
// log start: it backfills. A sink disabled on a topic, or a topic deleted
// (or replaced by a new topic of the same name), has its data dropped
// (Sink.Drop) and its watermarks deleted. Records that retention deleted
// before they were indexed are skipped and counted (Stats.Skipped); each
// tick tells sinks the log start (Sink.Trim) so they drop what retention
// removed from the log.
//
// # Ownership
//
// Run owns the pipeline's goroutines: a ticker that finds topics and
// sinks (Config.Tick) and the workers. A partition is worked on by one
// worker at a time (part.running); its feeds are touched only by that
// worker. p.mu guards the partition map, the queue and the stats.
package indexing
