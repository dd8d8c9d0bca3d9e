// Package tiering keeps partition logs in an object store: it uploads
// sealed segments, serves reads of old offsets from the bucket, applies
// retention across both tiers, snapshots the metastore to the bucket, and
// restores an empty node from it.
//
// Store (store.go) is a logstore.Store that wraps the node's local log
// store (the decorator is the whole integration: produce, fetch and admin
// use it like any log store). Offsets [log start, local log start) are
// remote; the rest is local:
//
//	log start                 local log start               high watermark
//	|-------- remote ----------|------------- local ---------------|
//	 objects in the bucket      sealed segments ... active segment
//	                            (also uploaded once sealed)
//
// # Bucket layout
//
//	metadata/latest.json                          newest snapshot: key, time, each partition's high watermark
//	metadata/snapshots/<seq, 20 digits>.snap      every metastore key (see snapshot.go); the last 3 kept
//	tier/<topic>-<topic id>/<partition>/
//	    manifest.json                             which offsets live where (layout.go)
//	    <base>-<end>.batches                      record batches [base, end), as the log stored them
//	    <base>-<end>.index                        sparse index: a span every 64 KiB (index.go)
//
// Object keys carry the topic id, so a topic deleted and created again
// never meets its predecessor's objects.
//
// # The pass
//
// Run makes a pass every Config.Interval (pass.go); a pass over one
// partition (under its work lock, which DeleteRecords also takes):
//
//  1. If the local log start passed the remote end (local retention or
//     DeleteRecords while uploads lagged), the remote tier is obsolete:
//     its log start and end jump to the local log start.
//  2. Each sealed segment past the remote end is read through the local
//     store and uploaded as objects of at most ObjectBytes (batch
//     boundaries, never spanning two segments), each object and its index
//     first, then the manifest: published in the metastore (the node's
//     copy), so it is durable before readers use it.
//  3. retention.ms / retention.bytes apply to records that are only remote
//     (oldest object first; the local store applies them to local
//     segments itself, which is the same rule since a local segment that
//     expires takes everything older with it).
//  4. The manifest is written to the bucket (flushed).
//  5. local.retention.ms / local.retention.bytes (-2: the same as
//     retention.*) drop the oldest sealed local segments, only those
//     wholly inside objects that the flushed manifest lists.
//  6. Objects below the flushed log start are deleted, then dropped from
//     the manifest.
//
// A failing or hanging object store only fails the pass (each call has
// CallTimeout); it is logged once and retried next pass. Appends never
// wait for tiering, and nothing local is dropped before the bucket has it.
// Deleted partitions' manifests go to the metastore's graveyard
// (tier/deleted/...; graveyard.go) until their objects are deleted.
//
// # Reads
//
// Read below the local log start finds the object holding the offset in
// the manifest, the span holding it in the object's index, and reads
// batch headers and then whole batches through a block cache (1 MiB
// blocks, least recently used out, CacheBytes in all): a fetch of one
// batch costs one or two ranged GETs, a consumer reading on from there
// hits the cache. A failing store makes the read fail with
// log.ErrRemoteUnavailable (retriable for clients); corrupt objects give
// log.ErrCorrupt. A read in a hole (records lost before upload, see
// Restore) answers the next record that exists.
//
// # Snapshots and restore
//
// RunSnapshots writes a snapshot of the whole metastore at most once per
// SnapshotInterval, when a metastore write (TrackedMeta counts them) or a
// high watermark changed, and once more when the node stops. Restore runs
// before anything reads the stores: on a node whose metastore and log
// store are both empty, it loads the newest snapshot's keys and each
// partition's manifest from the bucket, moving the manifest's end up to
// the high watermark the snapshot recorded. The local logs are then
// created at those ends (CreatePartition), so offsets handed out before
// the loss are never handed out again; records acknowledged but not yet
// uploaded when the disk was lost are gone (the hole). The recovery point
// is thus: metadata as of the last snapshot, records as of the last
// upload of a sealed segment.
package tiering
