// Package segmentlog is the durable logstore.Store: a node-wide write-ahead
// log (WAL) written with group commit, plus per-partition segment files in
// Kafka's v2 batch format with sparse offset and time indexes. Acknowledged
// batches survive kill -9 and power loss.
//
// # On-disk layout
//
//	<Dir>/
//	├── LOCK                                   flock: one process per directory
//	├── wal/
//	│   ├── 00000000000000000006.wal.trash     being deleted by a checkpoint; removed at open
//	│   ├── 00000000000000000007.wal           WAL files, named by a 20-digit sequence
//	│   └── 00000000000000000008.wal           number; only the last one is written
//	└── partitions/
//	    ├── orders-0/                          <topic>-<partition>
//	    │   ├── meta.json                      topic id + log start (atomic replace)
//	    │   ├── 00000000000000000000.log       sealed segment: batches from offset 0
//	    │   ├── 00000000000000000000.index     its sparse offset index
//	    │   ├── 00000000000000000000.timeindex its time index
//	    │   └── 00000000000000001834.log       active segment (indexes in memory only)
//	    ├── orders-1.creating/                 being created; removed at open
//	    └── orders-2.<nanos>.deleting/         being deleted; removed at open
//
// Every name fits in 255 bytes for every legal topic name (249 bytes) and
// partition index: when "<topic>-<partition>" does not, the topic is cut
// and a hash of the whole name added, "<topic prefix>~<16 hex>-<partition>"
// ('~' is not legal in topic names); the .creating and .deleting names cut
// the directory name to fit. meta.json holds the real name. Files are
// created with Config.FileMode (0600) and directories with Config.DirMode
// (0700).
//
// # WAL files
//
// A WAL file is a sequence of domain/wal records, nothing else (no file
// header). The committer appends one group of records with one gathered
// write (writev(2): each record's 29-byte header from one reused buffer,
// then its batch where the producer left it, so batches are never copied;
// IOV_MAX buffers per call) and one fsync:
//
//	+-----------+-----------+---------------------------------------------+
//	| length u32| crc32c u32| kind=1 | topic id [16] | partition i32 | batch |
//	+-----------+-----------+---------------------------------------------+
//	|<------ frame ------->|<------------ payload (length bytes) -------->|
//
// The batch is stored with its assigned base offset, so replay knows where
// it goes. Big-endian; the CRC-32C covers the payload and is always checked.
//
// # Segment files
//
// A segment file <base>.log holds whole v2 record batches exactly as they
// were appended (only the base offset was rewritten), back to back, with
// contiguous offsets starting at <base>:
//
//	+-------------------+-------------------+-----+-------------------+
//	| batch base=B      | batch base=B+n1   | ... | batch base=...    |
//	| (61-byte header + | (offsets follow   |     |                   |
//	|  records)         |  without gaps)    |     |                   |
//	+-------------------+-------------------+-----+-------------------+
//	0                   p1                  p2
//
// Segments roll (a new file starts) when the next batch would take the file
// past segment.bytes (or 4 GiB, the reach of a u32 position), when it is
// older than segment.ms, or when a relative offset would not fit in a u32.
//
// # Index files (written when a segment is sealed)
//
// The offset index <base>.index has one entry per ~IndexIntervalBytes of
// segment (the first batch, at position 0, is implied):
//
//	+----------------------+------------------+
//	| relative offset u32  | position u32     |   8 bytes, repeated; both strictly increasing
//	+----------------------+------------------+
//
// The time index <base>.timeindex has an entry each time the segment's max
// timestamp grows, so the first entry with timestamp >= t names exactly the
// first batch whose max timestamp reaches t:
//
//	+----------------------+------------------+
//	| max timestamp i64    | relative offset  |  12 bytes, repeated; both strictly increasing
//	|                      | u32              |
//	+----------------------+------------------+
//
// Both are big-endian and written atomically (tmp file, fsync, rename). At
// open, an index file is used if it decodes (DecodeOffsetIndex,
// DecodeTimeIndex: length a multiple of the entry size, entries strictly
// increasing), stays inside the segment, and its last offset entry points at
// a batch header with that offset; otherwise both are rebuilt by scanning the
// segment and written back.
//
// # Metadata file
//
// meta.json, replaced atomically (tmp file + fsync + rename + dir fsync):
//
//	{"version":1,"topic":"orders","partition":0,
//	 "topic_id":"<32 hex digits>","log_start":1200}
//
// DeleteRecords writes the new log start here before it returns. Retention
// does not: the log start is also at least the first segment's base offset.
//
// # Write path and group commit
//
//	Append (any goroutine)          committer goroutine         applier goroutine
//	----------------------          -------------------         -----------------
//	parse header, check size + CRC
//	lock partition.appendMu
//	  base := logEnd; rewrite base
//	  queue item in pending group ─▶ take the whole pending group
//	  logEnd += lastOffsetDelta+1    record headers (CRC-32C over
//	unlock; return base, group       kind, topic, partition, batch)
//	                                 ONE writev to the WAL
//	                                 ONE fsync of the WAL
//	                                 hand the group over ───────▶ pwrite each batch to its
//	                                 take the next group          active segment (rolling it
//	                                 ...                          if needed; no fsync)
//	                                                              advance each high watermark,
//	                                                              call watchers
//	group.Wait() returns ◀──────────────────────────────────────  close the group's done channel
//
// The two stages overlap: while the applier writes group N to the
// segments, the committer already writes and fsyncs group N+1. The
// hand-over queue holds at most 2 groups (then the committer waits). The
// applier resolves groups strictly in commit order, failed ones included
// (a failed WAL write hands its group over marked failed), so high
// watermarks and acknowledgements advance in order, and a high watermark
// only moves after its group's segment writes. Whatever needs the segments
// and the WAL to agree first drains the applier (waits until it has
// resolved every group handed over): WAL rotation, ops (partition deletion,
// rolls for retention) and shutdown. So the committer touches active
// segments and the dirty-segment set only while the applier is idle.
//
// Every 1 MiB appended to a segment, the applier hands that range to the
// writeback goroutine, which starts its asynchronous writeback
// (sync_file_range SYNC_FILE_RANGE_WRITE on Linux; nothing elsewhere). This
// is not durability, only smoothing: a checkpoint's fsyncs then find little
// dirty data instead of a WAL file's worth, and do not stall the WAL fsyncs.
//
// Group commit policy: the fsync itself is the batching window. When the
// committer is idle, a write is committed at once (no added latency at low
// load); appends that queue while a write+fsync runs form the next group.
// To get a whole "wave" of concurrent producers into one fsync (instead of
// alternating between two half-groups), the committer lingers only when the
// previous cycle saw more concurrent appends (its group plus what queued
// during it) than are queued now, and then for at most
// min(MaxBatchDelay, duration of the last write+fsync) after the first
// queued append, or until 4 MiB are queued. So an append never waits longer
// than it would have waited behind one fsync in flight, and MaxBatchDelay
// (the WAL profile) caps that wait when the disk is slow.
//
// Reads are bounded by the high watermark, so a consumer never sees a batch
// before the fsync that makes it durable. A failed WAL write or fsync, a
// failed segment write, roll or checkpoint poisons the store: the group and
// every later Append, Wait and mutating call fail with an error wrapping
// log.ErrPoisoned and the cause, until the store is reopened (which
// recovers from the WAL). Groups already fsynced but not yet applied when
// the store is poisoned fail too (the applier applies nothing once
// poisoned); their records are in the WAL and come back at the reopen.
//
// # Checkpoints
//
// When the current WAL file passes WALRotationBytes, the committer drains
// the applier, starts a new WAL file (fsyncing the wal directory) and hands
// the set of segments written since the previous rotation to the
// checkpointer goroutine, which fsyncs them and then deletes the older WAL
// files. Every record of those files is in those segments already (the
// drain), so the WAL only ever holds records that may not be fsynced in a
// segment yet. A sealed segment is fsynced when it rolls, before the next
// segment's file exists. The rotation and the checkpointer are in
// checkpoint.go; the committer and the applier in committer.go.
//
// Unlinking a large file at once frees all its blocks and page cache in
// one go, and on ext4 that holds up the journal commits the committer's
// WAL fsyncs wait for. So the checkpointer deletes a WAL file in three
// steps: rename it to <seq>.wal.trash (then fsync the wal directory: from
// here on it is no longer part of the WAL, and recovery deletes it without
// reading it), truncate it by 8 MiB every 5 ms, unlink it. Close,
// DeletePartition and recovery run the same checkpoint synchronously and
// unlink at once.
//
// # Recovery (New)
//
//  1. Remove partitions/*.creating and *.deleting directories (and
//     *.deleting-<nanos> ones of earlier versions that hold no partition of
//     their own name). A leftover that cannot be removed, and a directory
//     without meta.json or whose meta.json names another directory, is
//     left alone with a WARN: it never stops the store from starting.
//  2. For each partition directory: read meta.json (invalid is
//     log.ErrCorrupt); remove *.tmp files and index files without their
//     segment; load sealed segments' indexes (or rebuild them); scan the
//     last (active) segment batch by batch, checking sizes, contiguous
//     offsets and CRC-32C, ftruncate it after the last valid batch, and
//     set LogEnd to the offset after that batch.
//  3. Delete *.wal.trash files. Replay the WAL files in sequence order. A torn or corrupt record
//     ends the last file: it is truncated there (logged with the bytes
//     cut). In any other file it is log.ErrCorrupt. Each record is
//     skipped if no partition has its (topic id, partition) (deleted, or
//     replaced by a topic with another id), skipped if it ends at or
//     before LogEnd (already in the segment), appended to the active
//     segment if its base offset equals LogEnd, and log.ErrCorrupt
//     otherwise (an overlap or a gap).
//  4. Checkpoint: new WAL file, fsync every active segment (a process
//     crash leaves unsynced data in the page cache that is not durable
//     yet), delete the old WAL files.
//  5. HighWatermark = LogEnd for every partition; log what was recovered.
//
// # File handles
//
// Segment files, sealed and active alike, are opened on demand through one
// handle cache per store (handles.go) and stay open on a least-recently-used
// list; past Config.MaxOpenSegments (default: half of RLIMIT_NOFILE) the
// least recently used idle ones close. A file in use by a read or write is
// never closed, so the bound is soft by the operations in flight. A file
// written through (or holding data recovery found that a crashed process
// left in the page cache) is fsynced before it closes, and a failed fsync
// there poisons the store; so a segment whose file is closed holds no
// unsynced data, and checkpoints and seals fsync only open files, after
// waiting for any eviction fsync of the segment still running (its failure
// fails them); a checkpoint deletes no WAL file once the store is
// poisoned. The
// eviction's fsync runs in the goroutine whose open caused it (a reader,
// the applier, recovery) after handleCache.mu is released; its failure
// takes Store.qmu to poison, so no caller holds Store.qmu while it opens a
// segment. Recovery
// opens each segment only while it checks it. Index files, meta.json and
// directories are opened only for a moment; the WAL has one file open and
// LOCK one.
//
// # Goroutines
//
// The committer (run: WAL writes and fsyncs, ops, rotation), the applier
// (segment writes, high watermarks, watchers, resolving groups), the
// writeback goroutine, the checkpointer and the retention loop; all are
// started by New and stopped by Close, which also fails later calls with
// log.ErrClosed. Close stops the retention loop, then lets the committer
// commit what is queued; the committer drains the applier, runs the final
// checkpoint, stops the applier, and the applier's end stops the writeback
// goroutine.
//
// # Lock order
//
//	Store.adminMu  (CreatePartition, DeletePartition)
//	  Store.mu     (partition map, closed)       held briefly, never across the locks below
//	partition.adminMu (DeleteRecords)
//	  partition.mu (segments, hw, log start, config, watchers)
//	    segment.io (R: pread in flight; W: closing the segment)
//	      handleCache.mu (open files, LRU list)   leaf; files close and fsync outside it
//	partition.appendMu (offset assignment)
//	  Store.qmu    (pending group, ops, closing, poison)
//
// The committer and the applier take partition.mu, partition.appendMu
// (rolls for retention) and Store.qmu one at a time, never nested; the
// applier calls watchers with no lock held. The writeback goroutine and the
// checkpointer take only segment.io (for reading). Readers take segment.io
// under partition.mu.RLock and release partition.mu before they pread.
// Nothing blocks on the committer or the applier while holding a lock they
// need; the committer waits for the applier (hand-over, drain) holding no
// lock.
package segmentlog
