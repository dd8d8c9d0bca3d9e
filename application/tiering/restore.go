package tiering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// Restored reports what Restore did.
type Restored struct {
	Restored   bool      // false: the node had data, or the bucket had no snapshot
	Snapshot   string    // the snapshot's key
	TakenAt    time.Time // when it was written
	Keys       int       // metadata keys restored
	Partitions int       // partitions whose logs resume from the bucket
	Records    int64     // offsets readable from the bucket, over all partitions
}

// restoreBatch is how many keys one metastore write restores.
const restoreBatch = 512

// Restore fills a node whose metastore and log store are both empty from
// the newest metadata snapshot in the bucket: every metadata key (topics,
// configs, committed offsets, producer state, ...) and each partition's
// manifest, whose end is moved up to the partition's high watermark at
// snapshot time. The local logs are created later (CreatePartition), at
// those ends. A bucket without a snapshot restores nothing. An unreachable
// bucket is an error: an empty node must not start afresh, and later
// overwrite the bucket's snapshot, only because the bucket was down.
func Restore(ctx context.Context, bucket objstore.Bucket, meta metastore.Store, logs logstore.Store, timeout time.Duration, logger *slog.Logger) (Restored, error) {
	var r Restored
	if len(logs.Partitions()) > 0 {
		return r, nil
	}
	empty := true
	stop := errors.New("not empty")
	if err := meta.Scan(ctx, nil, func(k, v []byte) error { empty = false; return stop }); err != nil && !errors.Is(err, stop) {
		return r, fmt.Errorf("checking whether the metastore is empty: %w", err)
	}
	if !empty {
		return r, nil
	}
	l, err := readLatest(ctx, bucket, timeout)
	if errors.Is(err, objstore.ErrNotFound) {
		logger.Info("empty data directory and no metadata snapshot in the object store: starting a new node")
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("the data directory is empty, and the object store could not be read to look for a snapshot to restore (check the object store settings): %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	data, err := bucket.Get(cctx, l.Key)
	cancel()
	if err != nil {
		return r, fmt.Errorf("restoring: reading snapshot %s: %w", l.Key, err)
	}
	kvs, err := decodeSnapshot(data)
	if err != nil {
		return r, fmt.Errorf("restoring from %s: %w", l.Key, err)
	}
	for i := 0; i < len(kvs); i += restoreBatch {
		chunk := kvs[i:min(i+restoreBatch, len(kvs))]
		ops := make([]metastore.Op, len(chunk))
		for j, e := range chunk {
			ops[j] = metastore.Put(e.key, e.value)
		}
		if err := meta.Apply(ctx, ops...); err != nil {
			return r, fmt.Errorf("restoring metadata keys: %w", err)
		}
	}
	r = Restored{Restored: true, Snapshot: l.Key, TakenAt: time.UnixMilli(l.CreatedMs), Keys: len(kvs)}
	for _, mark := range l.Partitions {
		id, _ := topic.ParseID(mark.TopicID)
		tp := topic.Partition{Topic: mark.Topic, Index: mark.Partition}
		m, err := restoreManifest(ctx, bucket, meta, tp, id, timeout)
		if err != nil {
			return r, err
		}
		if mark.HighWatermark > m.End {
			logger.Warn("records of a partition were not in the object store when the node was lost; its log resumes after them",
				"partition", tp.String(), "lost_from", m.End, "lost_to", mark.HighWatermark)
			m.End = mark.HighWatermark
		}
		if len(m.Objects) == 0 {
			m.LogStart = m.End // nothing to read below
		}
		if err := meta.Apply(ctx, metastore.Put(metaManifestKey(tp), encodeManifest(m))); err != nil {
			return r, fmt.Errorf("restoring the manifest of %s: %w", tp, err)
		}
		r.Partitions++
		for _, o := range m.Objects {
			if o.End > m.LogStart {
				r.Records += o.End - max(o.Base, m.LogStart)
			}
		}
	}
	logger.Info("restored the node from the object store", "snapshot", r.Snapshot, "taken_at", r.TakenAt.UTC().Format(time.RFC3339),
		"metadata_keys", r.Keys, "partitions", r.Partitions, "tiered_records", r.Records)
	return r, nil
}

// restoreManifest returns the bucket's manifest of tp, else the copy the
// snapshot holds, else an empty one.
func restoreManifest(ctx context.Context, bucket objstore.Bucket, meta metastore.Store, tp topic.Partition, id topic.ID, timeout time.Duration) (*manifest, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	b, err := bucket.Get(cctx, manifestKey(tp, id))
	cancel()
	if err == nil {
		m, err := decodeManifest(b)
		if err != nil {
			return nil, fmt.Errorf("restoring %s: %w", tp, err)
		}
		return m, nil
	}
	if !errors.Is(err, objstore.ErrNotFound) {
		return nil, fmt.Errorf("restoring %s: reading its manifest: %w", tp, err)
	}
	if b, err := meta.Get(ctx, metaManifestKey(tp)); err == nil {
		if m, err := decodeManifest(b); err == nil && m.TopicID == id.String() {
			return m, nil
		}
	}
	return newManifest(tp, id, 0), nil
}
