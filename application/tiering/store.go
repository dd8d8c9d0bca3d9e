package tiering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// Config tunes tiering. Zero fields take the defaults.
type Config struct {
	// Interval is the pause between tiering passes (upload, retention,
	// deletion). Default 5s.
	Interval time.Duration
	// ObjectBytes caps an uploaded object; a larger sealed segment is
	// uploaded as several. Default 16 MiB.
	ObjectBytes int64
	// CacheBytes bounds the memory cache of remote blocks. Default 64 MiB.
	CacheBytes int64
	// CallTimeout bounds every object-store call. Default 60s.
	CallTimeout time.Duration
	// SnapshotInterval is the debounce of metadata snapshots: at most one
	// per interval, and only when something changed. Default 5s.
	SnapshotInterval time.Duration
	// KeepSnapshots is how many metadata snapshots stay in the bucket.
	// Default 3.
	KeepSnapshots int
}

// Defaults of Config's zero fields.
const (
	DefaultInterval         = 5 * time.Second
	DefaultObjectBytes      = 16 << 20
	DefaultCacheBytes       = 64 << 20
	DefaultCallTimeout      = time.Minute
	DefaultSnapshotInterval = 5 * time.Second
	DefaultKeepSnapshots    = 3
)

func (c Config) withDefaults() Config {
	c.Interval = positiveOr(c.Interval, DefaultInterval)
	c.ObjectBytes = positiveOr(c.ObjectBytes, DefaultObjectBytes)
	c.CacheBytes = positiveOr(c.CacheBytes, DefaultCacheBytes)
	c.CallTimeout = positiveOr(c.CallTimeout, DefaultCallTimeout)
	c.SnapshotInterval = positiveOr(c.SnapshotInterval, DefaultSnapshotInterval)
	c.KeepSnapshots = positiveOr(c.KeepSnapshots, DefaultKeepSnapshots)
	return c
}

// positiveOr returns v if it is positive, else def: a Config field of zero
// (or less) takes its default.
func positiveOr[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Stats are tiering's counters since start.
type Stats struct {
	UploadedObjects int64 // objects uploaded
	UploadedBytes   int64 // their bytes
	UploadLagBytes  int64 // sealed local bytes not uploaded yet, as of the last pass
	UploadErrors    int64 // failed passes of a partition
	DeletedObjects  int64 // remote objects deleted by retention or topic deletion
	RemoteReads     int64 // reads served from the object store
	CacheHits       int64 // block lookups served from the cache
	CacheMisses     int64 // block lookups that went to the object store
	CacheBytes      int64 // bytes in the cache now
	Snapshots       int64 // metadata snapshots written
	SnapshotErrors  int64 // failed snapshot attempts
}

// Store is the log store with a remote tier: a logstore.Store that wraps the
// node's local store, moves sealed segments to an object store, and answers
// reads below the local log start from there. See doc.go.
type Store struct {
	inner  logstore.Store
	meta   *TrackedMeta
	bucket objstore.Bucket
	remote *remote
	cfg    Config
	clock  clock.Clock
	logger *slog.Logger

	mu    sync.Mutex
	parts map[topic.Partition]*part
	// cfgs are the partitions' settings (from CreatePartition and
	// Configure); tiering's retention waits for them.
	cfgs map[topic.Partition]logstore.PartitionConfig
	// buried are manifests of deleted partitions whose objects are still
	// to be deleted; each is also in the metastore under graveyardKey.
	buried []*manifest

	uploadedObjects, uploadedBytes, uploadLag, uploadErrors atomic.Int64
	deletedObjects, remoteReads                             atomic.Int64
	snapshots, snapshotErrors                               atomic.Int64

	// passMu serializes passes; upbuf, the buffer objects are assembled
	// in, belongs to the pass holding it (reused, so uploading does not
	// churn the heap).
	passMu sync.Mutex
	upbuf  []byte

	// Owned by RunSnapshots.
	snapSeq     int64 // sequence number of the newest snapshot; -1 unknown
	snapVersion int64 // metastore version it holds
	snapMarks   []partitionMark
}

var _ logstore.Store = (*Store)(nil)

// part is the tiering state of one partition.
type part struct {
	tp topic.Partition
	id topic.ID

	// work serializes the passes over the partition and DeleteRecords.
	work sync.Mutex

	mu      sync.Mutex
	m       *manifest // published; replaced whole, never modified
	flushed *manifest // the last manifest written to the bucket; nil if none
	failing bool      // the last pass failed (logged once until it recovers)
}

func (pt *part) manifest() *manifest {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.m
}

func (pt *part) flushedManifest() *manifest {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.flushed
}

// config returns tp's settings, if it has been given any.
func (s *Store) config(tp topic.Partition) (logstore.PartitionConfig, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, ok := s.cfgs[tp]
	return cfg, ok
}

func (s *Store) setConfig(tp topic.Partition, cfg logstore.PartitionConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfgs[tp] = cfg
}

// New wraps inner. It loads every partition's manifest from meta, so it
// must run after a restore (Restore) and before the partitions are used.
func New(ctx context.Context, cfg Config, inner logstore.Store, meta *TrackedMeta, bucket objstore.Bucket, clk clock.Clock, logger *slog.Logger) (*Store, error) {
	cfg = cfg.withDefaults()
	s := &Store{
		inner: inner, meta: meta, bucket: bucket, cfg: cfg, clock: clk, logger: logger,
		remote:  newRemote(bucket, cfg.CacheBytes, cfg.CallTimeout),
		parts:   map[topic.Partition]*part{},
		cfgs:    map[topic.Partition]logstore.PartitionConfig{},
		snapSeq: -1, snapVersion: -1,
	}
	err := meta.Scan(ctx, []byte(metaManifestPrefix), func(key, value []byte) error {
		m, err := decodeManifest(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		id, _ := m.id()
		tp := topic.Partition{Topic: m.Topic, Index: m.Partition}
		s.parts[tp] = &part{tp: tp, id: id, m: m}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading tier manifests: %w", err)
	}
	err = meta.Scan(ctx, []byte(graveyardPrefix), func(key, value []byte) error {
		m, err := decodeManifest(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		s.buried = append(s.buried, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading deleted tier manifests: %w", err)
	}
	return s, nil
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	return Stats{
		UploadedObjects: s.uploadedObjects.Load(),
		UploadedBytes:   s.uploadedBytes.Load(),
		UploadLagBytes:  s.uploadLag.Load(),
		UploadErrors:    s.uploadErrors.Load(),
		DeletedObjects:  s.deletedObjects.Load(),
		RemoteReads:     s.remoteReads.Load(),
		CacheHits:       s.remote.cache.hits.Load(),
		CacheMisses:     s.remote.cache.misses.Load(),
		CacheBytes:      s.remote.cache.bytes(),
		Snapshots:       s.snapshots.Load(),
		SnapshotErrors:  s.snapshotErrors.Load(),
	}
}

// RemoteEnd is the offset up to which tp's records are in the object
// store (its log start when nothing is).
func (s *Store) RemoteEnd(tp topic.Partition) int64 {
	if pt := s.lookup(tp); pt != nil {
		return pt.manifest().objectsEnd()
	}
	return 0
}

func (s *Store) lookup(tp topic.Partition) *part {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parts[tp]
}

// publish makes m the partition's manifest: first durable in the metastore,
// then visible to readers.
func (s *Store) publish(ctx context.Context, pt *part, m *manifest) error {
	if err := s.meta.Apply(ctx, metastore.Put(metaManifestKey(pt.tp), encodeManifest(m))); err != nil {
		return fmt.Errorf("saving the tier manifest of %s: %w", pt.tp, err)
	}
	pt.mu.Lock()
	pt.m = m
	pt.mu.Unlock()
	return nil
}

// covers reports whether the remote tier holds offsets below the local log
// start that readers must be sent to: it reaches down past the local start
// and up to it without a gap.
func covers(m *manifest, local log.Offsets) bool {
	return m.LogStart < local.LogStart && m.End >= local.LogStart
}

// CreatePartition creates p's local log at offset 0, or where the remote
// tier of the same topic incarnation ends (a node restored from its bucket,
// or one whose local partition directory was lost).
func (s *Store) CreatePartition(ctx context.Context, tp topic.Partition, id topic.ID, cfg logstore.PartitionConfig) error {
	return s.CreatePartitionAt(ctx, tp, id, cfg, 0)
}

// CreatePartitionAt creates p's local log at start or at the end of its
// remote tier, whichever is later.
func (s *Store) CreatePartitionAt(ctx context.Context, tp topic.Partition, id topic.ID, cfg logstore.PartitionConfig, start int64) error {
	pt := s.lookup(tp)
	if pt != nil && pt.id != id {
		if err := s.bury(ctx, pt); err != nil {
			return err
		}
		pt = nil
	}
	if pt != nil {
		start = max(start, pt.manifest().End)
	}
	if err := s.inner.CreatePartitionAt(ctx, tp, id, cfg, start); err != nil {
		return err
	}
	s.mu.Lock()
	if cur := s.parts[tp]; cur != nil && cur.id == id {
		pt = cur
	} else {
		pt = &part{tp: tp, id: id, m: newManifest(tp, id, start)}
		s.parts[tp] = pt
	}
	s.mu.Unlock()
	s.setConfig(tp, cfg)
	return nil
}

// Configure passes the settings to the local log and keeps them for
// tiering's retention.
func (s *Store) Configure(tp topic.Partition, cfg logstore.PartitionConfig) error {
	if err := s.inner.Configure(tp, cfg); err != nil {
		return err
	}
	s.setConfig(tp, cfg)
	return nil
}

// DeletePartition deletes p's local log at once and its remote objects in
// the background.
func (s *Store) DeletePartition(ctx context.Context, tp topic.Partition) error {
	if err := s.inner.DeletePartition(ctx, tp); err != nil {
		return err
	}
	if pt := s.lookup(tp); pt != nil {
		return s.bury(ctx, pt)
	}
	return nil
}

// Offsets reports the local watermarks with the log start of the remote
// tier when it holds older records.
func (s *Store) Offsets(tp topic.Partition) (log.Offsets, error) {
	o, err := s.inner.Offsets(tp)
	if err != nil {
		return o, err
	}
	if pt := s.lookup(tp); pt != nil {
		if m := pt.manifest(); covers(m, o) {
			o.LogStart = m.LogStart
			if o.MaxTimestamp < 0 {
				for _, ob := range m.Objects {
					if ob.End > m.LogStart && ob.MaxTimestamp > o.MaxTimestamp {
						o.MaxTimestamp, o.MaxTimestampOffset = ob.MaxTimestamp, ob.End-1
					}
				}
			}
		}
	}
	return o, nil
}

// LocalOffsets are the watermarks of the local log alone.
func (s *Store) LocalOffsets(tp topic.Partition) (log.Offsets, error) { return s.inner.Offsets(tp) }

// Read serves offsets below the local log start from the object store and
// everything else from the local log.
func (s *Store) Read(ctx context.Context, tp topic.Partition, offset int64, maxBytes int, minOne bool) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		pt := s.lookup(tp)
		if pt != nil {
			m := pt.manifest()
			if offset >= m.LogStart && offset < m.End {
				local, err := s.inner.Offsets(tp)
				if err != nil {
					return nil, err
				}
				if covers(m, local) && offset < local.LogStart {
					i := sort.Search(len(m.Objects), func(i int) bool { return m.Objects[i].End > offset })
					if i < len(m.Objects) && m.Objects[i].Base < local.LogStart {
						s.remoteReads.Add(1)
						return s.remote.read(ctx, m.Objects[i], max(offset, m.Objects[i].Base), maxBytes, minOne)
					}
					offset = local.LogStart // a hole up to the local log
				}
			}
		}
		b, err := s.inner.Read(ctx, tp, offset, maxBytes, minOne)
		if errors.Is(err, log.ErrOffsetOutOfRange) && pt != nil && attempt == 0 {
			continue // the local log start may have moved past offset meanwhile
		}
		return b, err
	}
}

// OffsetForTimestamp looks in the remote tier first, then in the local log.
func (s *Store) OffsetForTimestamp(ctx context.Context, tp topic.Partition, ts int64) (int64, int64, error) {
	if pt := s.lookup(tp); pt != nil {
		m := pt.manifest()
		local, err := s.inner.Offsets(tp)
		if err != nil {
			return -1, -1, err
		}
		if covers(m, local) {
			for _, o := range m.Objects {
				if o.End <= m.LogStart || o.MaxTimestamp < ts {
					continue
				}
				if o.Base >= local.LogStart {
					break
				}
				off, t, found, err := s.remote.offsetForTimestamp(ctx, o, m.LogStart, ts)
				if err != nil {
					return -1, -1, fmt.Errorf("partition %s: %w", tp, err)
				}
				if found {
					return off, t, nil
				}
			}
		}
	}
	return s.inner.OffsetForTimestamp(ctx, tp, ts)
}

// DeleteRecords advances the log start across both tiers.
func (s *Store) DeleteRecords(ctx context.Context, tp topic.Partition, before int64) (int64, error) {
	pt := s.lookup(tp)
	if pt == nil {
		return s.inner.DeleteRecords(ctx, tp, before)
	}
	pt.work.Lock()
	defer pt.work.Unlock()
	local, err := s.inner.Offsets(tp)
	if err != nil {
		return -1, err
	}
	if before < 0 || before > local.HighWatermark {
		return s.inner.DeleteRecords(ctx, tp, before) // its error
	}
	m := pt.manifest()
	start := local.LogStart
	if covers(m, local) {
		start = m.LogStart
	}
	if before <= start {
		return start, nil
	}
	if before > local.LogStart {
		if _, err := s.inner.DeleteRecords(ctx, tp, before); err != nil {
			return -1, err
		}
	}
	// The remote tier's log start moves too, even when nothing is remote
	// below the local log start yet: its objects must not come back into
	// view once local segments are dropped.
	if m.LogStart < before {
		nm := m.clone()
		nm.LogStart = before
		nm.End = max(nm.End, before)
		if err := s.publish(ctx, pt, nm); err != nil {
			return -1, err
		}
	}
	return before, nil
}

// The rest passes through to the local log.

func (s *Store) Partitions() map[topic.Partition]topic.ID { return s.inner.Partitions() }

func (s *Store) Append(ctx context.Context, tp topic.Partition, batch []byte) (int64, logstore.Durable, error) {
	return s.inner.Append(ctx, tp, batch)
}

func (s *Store) Segments(tp topic.Partition) ([]logstore.Segment, error) { return s.inner.Segments(tp) }

func (s *Store) Size(tp topic.Partition) (int64, error) { return s.inner.Size(tp) }

func (s *Store) Watch(tp topic.Partition, fn func()) (func(), error) { return s.inner.Watch(tp, fn) }

// Close does nothing: the local store is closed by its owner, and the
// background work stops with Run's context.
func (s *Store) Close() error { return nil }
