package tiering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
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
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.ObjectBytes <= 0 {
		c.ObjectBytes = DefaultObjectBytes
	}
	if c.CacheBytes <= 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.SnapshotInterval <= 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.KeepSnapshots <= 0 {
		c.KeepSnapshots = DefaultKeepSnapshots
	}
	return c
}

// readChunk is how much the uploader reads from the local log at a time.
const readChunk = 1 << 20

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

// bury forgets a partition and queues its objects for deletion.
func (s *Store) bury(ctx context.Context, pt *part) error {
	m := pt.manifest()
	ops := []metastore.Op{metastore.Del(metaManifestKey(pt.tp))}
	remote := len(m.Objects) > 0 || pt.flushedManifest() != nil
	if remote {
		ops = append(ops, metastore.Put(graveyardKey(m), encodeManifest(m)))
	}
	if err := s.meta.Apply(ctx, ops...); err != nil {
		return fmt.Errorf("forgetting the remote tier of %s: %w", pt.tp, err)
	}
	s.mu.Lock()
	if s.parts[pt.tp] == pt {
		delete(s.parts, pt.tp)
		delete(s.cfgs, pt.tp)
	}
	if remote {
		s.buried = append(s.buried, m)
	}
	s.mu.Unlock()
	return nil
}

func (pt *part) flushedManifest() *manifest {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.flushed
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

// Run tiers every partition each Interval until ctx ends.
func (s *Store) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		s.Pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass runs one tiering pass over every partition: upload sealed segments,
// apply retention to both tiers, delete what retention or topic deletion
// left in the bucket.
func (s *Store) Pass(ctx context.Context) {
	s.passMu.Lock()
	defer s.passMu.Unlock()
	var lag int64
	for tp, id := range s.inner.Partitions() {
		if ctx.Err() != nil {
			return
		}
		pt := s.ensure(tp, id)
		n, err := s.tier(ctx, pt)
		lag += n
		pt.mu.Lock()
		was := pt.failing
		pt.failing = err != nil
		pt.mu.Unlock()
		switch {
		case err != nil && ctx.Err() == nil:
			s.uploadErrors.Add(1)
			if !was {
				s.logger.Warn("tiering a partition failed; retrying every pass", "partition", tp.String(), "error", err.Error())
			}
		case err == nil && was:
			s.logger.Info("tiering a partition works again", "partition", tp.String())
		}
	}
	s.uploadLag.Store(lag)
	s.sweep(ctx)
}

// ensure returns tp's state, creating it for a partition that has none
// (one from before tiering, or a leftover id replaced meanwhile).
func (s *Store) ensure(tp topic.Partition, id topic.ID) *part {
	s.mu.Lock()
	pt := s.parts[tp]
	s.mu.Unlock()
	if pt != nil && pt.id == id {
		return pt
	}
	if pt != nil {
		if err := s.bury(context.Background(), pt); err != nil {
			s.logger.Warn("forgetting a stale tier manifest", "partition", tp.String(), "error", err.Error())
		}
	}
	start := int64(0)
	if o, err := s.inner.Offsets(tp); err == nil {
		start = o.LogStart
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.parts[tp]; cur != nil && cur.id == id {
		return cur
	}
	pt = &part{tp: tp, id: id, m: newManifest(tp, id, start)}
	s.parts[tp] = pt
	return pt
}

// tier runs the pass over one partition. It returns the sealed local bytes
// that are not uploaded yet.
func (s *Store) tier(ctx context.Context, pt *part) (lag int64, err error) {
	pt.work.Lock()
	defer pt.work.Unlock()
	segs, err := s.inner.Segments(pt.tp)
	if err != nil {
		return 0, err
	}
	local, err := s.inner.Offsets(pt.tp)
	if err != nil {
		return 0, err
	}
	m := pt.manifest()

	// Local records were deleted past the remote tier's end (retention or
	// DeleteRecords while uploads lagged): everything remote is older than
	// the log start now.
	if m.End < local.LogStart {
		nm := m.clone()
		nm.LogStart, nm.End = local.LogStart, local.LogStart
		if err := s.publish(ctx, pt, nm); err != nil {
			return 0, err
		}
		m = nm
	}

	// Upload sealed segments past the remote end.
	for _, sg := range segs {
		if !sg.Sealed || sg.End <= m.End {
			continue
		}
		for from := max(m.End, sg.Base); from < sg.End; {
			o, err := s.upload(ctx, pt, from, sg.End)
			if err != nil {
				for _, rest := range segs {
					if rest.Sealed && rest.End > from {
						lag += rest.Bytes
					}
				}
				return lag, err
			}
			nm := m.clone()
			if len(nm.Objects) == 0 && nm.End == nm.LogStart {
				nm.LogStart = max(from, local.LogStart)
			}
			nm.Objects = append(nm.Objects, o)
			nm.End = o.End
			if err := s.publish(ctx, pt, nm); err != nil {
				return 0, err
			}
			m, from = nm, o.End
		}
	}

	if nm := s.remoteRetention(pt, m, segs, local); nm != nil {
		if err := s.publish(ctx, pt, nm); err != nil {
			return 0, err
		}
		m = nm
	}
	if err := s.flush(ctx, pt, m); err != nil {
		return 0, err
	}
	if err := s.localRetention(ctx, pt, m, segs); err != nil {
		return 0, err
	}
	return 0, s.collect(ctx, pt, m)
}

// upload puts the batches of [from, end) (at most ObjectBytes of them, at
// least one batch) into one object with its index.
func (s *Store) upload(ctx context.Context, pt *part, from, end int64) (object, error) {
	var (
		ib    indexBuilder
		o     = object{Base: -1, MaxTimestamp: -1}
		off   = from
		full  = errors.New("object full")
		limit = int(s.cfg.ObjectBytes)
	)
	if cap(s.upbuf) < limit {
		s.upbuf = make([]byte, 0, limit)
	}
	buf := s.upbuf[:0]
	for off < end && len(buf) < limit {
		b, err := s.inner.Read(ctx, pt.tp, off, readChunk, true)
		if err != nil {
			return o, fmt.Errorf("reading %s at %d for upload: %w", pt.tp, off, err)
		}
		if len(b) == 0 {
			return o, fmt.Errorf("reading %s at %d for upload: no records below %d", pt.tp, off, end)
		}
		_, err = record.Split(b, func(h record.Header, batch []byte) error {
			if h.BaseOffset >= end || (len(buf) > 0 && len(buf)+len(batch) > limit) {
				return full
			}
			if o.Base < 0 {
				o.Base = h.BaseOffset
			}
			ib.add(int64(len(buf)), h.BaseOffset, h.MaxTimestamp)
			o.MaxTimestamp = max(o.MaxTimestamp, h.MaxTimestamp)
			buf = append(buf, batch...)
			off = h.NextOffset()
			return nil
		})
		if errors.Is(err, full) {
			break
		}
		if err != nil {
			return o, fmt.Errorf("%w: %s at %d: %v", log.ErrCorrupt, pt.tp, off, err)
		}
	}
	o.End, o.Bytes = off, int64(len(buf))
	o.Key = objectKey(pt.tp, pt.id, o.Base, o.End)
	if err := s.put(ctx, o.Key, buf); err != nil {
		return o, err
	}
	if err := s.put(ctx, indexKey(o.Key), encodeIndex(ib.spans)); err != nil {
		return o, err
	}
	s.uploadedObjects.Add(1)
	s.uploadedBytes.Add(o.Bytes)
	return o, nil
}

func (s *Store) put(ctx context.Context, key string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.bucket.Put(ctx, key, data); err != nil {
		return fmt.Errorf("uploading %s: %w", key, err)
	}
	return nil
}

func (s *Store) del(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.bucket.Delete(ctx, key); err != nil {
		return fmt.Errorf("deleting %s: %w", key, err)
	}
	s.remote.forget(key)
	return nil
}

// flush writes m to the bucket unless it is there already.
func (s *Store) flush(ctx context.Context, pt *part, m *manifest) error {
	if pt.flushedManifest() == m {
		return nil
	}
	if len(m.Objects) == 0 && pt.flushedManifest() == nil {
		return nil // nothing remote yet
	}
	if err := s.put(ctx, manifestKey(pt.tp, pt.id), encodeManifest(m)); err != nil {
		return err
	}
	pt.mu.Lock()
	pt.flushed = m
	pt.mu.Unlock()
	return nil
}

// effective resolves a local.retention.* value: -2 means the total one.
func effective(local, total int64) int64 {
	if local == -2 {
		return total
	}
	return local
}

// localRetention drops the oldest sealed local segments that the bucket's
// manifest covers while local.retention.ms or local.retention.bytes say so.
func (s *Store) localRetention(ctx context.Context, pt *part, m *manifest, segs []logstore.Segment) error {
	cfg, ok := s.config(pt.tp)
	if !ok || pt.flushedManifest() != m {
		return nil
	}
	ms := effective(cfg.LocalRetentionMs, cfg.RetentionMs)
	bytes := effective(cfg.LocalRetentionBytes, cfg.RetentionBytes)
	if ms < 0 && bytes < 0 {
		return nil
	}
	var size int64
	for _, sg := range segs {
		size += sg.Bytes
	}
	now := s.clock.Now().UnixMilli()
	drop := int64(-1)
	uploaded := m.objectsEnd()
	for _, sg := range segs {
		if !sg.Sealed || sg.End > uploaded {
			break
		}
		if !(ms >= 0 && now-sg.MaxTimestamp > ms) && !(bytes >= 0 && size-sg.Bytes >= bytes) {
			break
		}
		drop, size = sg.End, size-sg.Bytes
	}
	if drop < 0 {
		return nil
	}
	if _, err := s.inner.DeleteRecords(ctx, pt.tp, drop); err != nil {
		return fmt.Errorf("dropping local segments of %s below %d: %w", pt.tp, drop, err)
	}
	return nil
}

// remoteRetention applies retention.ms and retention.bytes to the records
// that are only remote, oldest first, and returns the manifest with the new
// log start, or nil when nothing expired.
func (s *Store) remoteRetention(pt *part, m *manifest, segs []logstore.Segment, local log.Offsets) *manifest {
	cfg, ok := s.config(pt.tp)
	if !ok || (cfg.RetentionMs < 0 && cfg.RetentionBytes < 0) || !covers(m, local) {
		return nil
	}
	total := int64(0)
	for _, sg := range segs {
		total += sg.Bytes
	}
	for _, o := range m.Objects {
		if o.End > m.LogStart && o.End <= local.LogStart {
			total += o.Bytes
		}
	}
	now := s.clock.Now().UnixMilli()
	start := m.LogStart
	for _, o := range m.Objects {
		if o.End <= m.LogStart {
			continue
		}
		if o.End > local.LogStart {
			break
		}
		expired := cfg.RetentionMs >= 0 && now-o.MaxTimestamp > cfg.RetentionMs
		big := cfg.RetentionBytes >= 0 && total-o.Bytes >= cfg.RetentionBytes
		if !expired && !big {
			break
		}
		start, total = o.End, total-o.Bytes
	}
	if start == m.LogStart {
		return nil
	}
	nm := m.clone()
	nm.LogStart = start
	return nm
}

// collect deletes the objects wholly below the log start of the manifest
// in the bucket, then drops them from the manifest.
func (s *Store) collect(ctx context.Context, pt *part, m *manifest) error {
	flushed := pt.flushedManifest()
	if flushed == nil {
		return nil
	}
	n := 0
	for n < len(m.Objects) && m.Objects[n].End <= flushed.LogStart {
		n++
	}
	if n == 0 {
		return nil
	}
	for _, o := range m.Objects[:n] {
		if err := s.deleteObject(ctx, o); err != nil {
			return err
		}
	}
	nm := m.clone()
	nm.Objects = nm.Objects[n:]
	if err := s.publish(ctx, pt, nm); err != nil {
		return err
	}
	return s.flush(ctx, pt, nm)
}

func (s *Store) deleteObject(ctx context.Context, o object) error {
	if err := s.del(ctx, indexKey(o.Key)); err != nil {
		return err
	}
	if err := s.del(ctx, o.Key); err != nil {
		return err
	}
	s.deletedObjects.Add(1)
	return nil
}

// sweep deletes the objects and manifests of deleted partitions.
func (s *Store) sweep(ctx context.Context) {
	s.mu.Lock()
	buried := append([]*manifest(nil), s.buried...)
	s.mu.Unlock()
	for _, m := range buried {
		if ctx.Err() != nil {
			return
		}
		err := s.sweepOne(ctx, m)
		if err != nil {
			s.logger.Warn("deleting the remote tier of a deleted partition failed; will retry", "topic", m.Topic, "partition", m.Partition, "error", err.Error())
			continue
		}
		s.mu.Lock()
		for i, b := range s.buried {
			if b == m {
				s.buried = append(s.buried[:i], s.buried[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}
}

func (s *Store) sweepOne(ctx context.Context, m *manifest) error {
	for _, o := range m.Objects {
		if err := s.deleteObject(ctx, o); err != nil {
			return err
		}
	}
	id, _ := m.id()
	tp := topic.Partition{Topic: m.Topic, Index: m.Partition}
	if err := s.del(ctx, manifestKey(tp, id)); err != nil {
		return err
	}
	return s.meta.Apply(ctx, metastore.Del(graveyardKey(m)))
}

// graveyardKey is where the metastore keeps a deleted partition's manifest
// until its objects are gone.
const graveyardPrefix = "tier/deleted/"

func graveyardKey(m *manifest) []byte {
	return []byte(graveyardPrefix + strings.Join([]string{m.Topic, fmt.Sprint(m.Partition), m.TopicID}, "/"))
}
