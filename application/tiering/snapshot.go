package tiering

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// TrackedMeta is a metastore that counts its writes, so snapshots are taken
// only when something changed.
type TrackedMeta struct {
	metastore.Store
	version atomic.Int64
}

// Track wraps a metastore.
func Track(s metastore.Store) *TrackedMeta { return &TrackedMeta{Store: s} }

// Apply applies ops and counts the write (failed ones too: they may have
// taken effect).
func (t *TrackedMeta) Apply(ctx context.Context, ops ...metastore.Op) error {
	defer t.version.Add(1)
	return t.Store.Apply(ctx, ops...)
}

// Version grows with every write.
func (t *TrackedMeta) Version() int64 { return t.version.Load() }

// A metadata snapshot holds every key of the metastore:
//
//	"CHRKSNAP" | version u8 | count u64 | count × (key length u32, key, value length u32, value) | crc32c u32
//
// metadata/latest.json names the newest one, with the high watermark of
// every partition at the time (restore resumes each log there, so offsets
// a consumer may have committed are never handed out twice).
const (
	snapMagic   = "CHRKSNAP"
	snapVersion = 1
)

type partitionMark struct {
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	TopicID       string `json:"topic_id"`
	HighWatermark int64  `json:"high_watermark"`
}

type latest struct {
	Version    int             `json:"version"`
	Seq        int64           `json:"seq"`
	Key        string          `json:"key"`
	CreatedMs  int64           `json:"created_ms"`
	Keys       int             `json:"keys"`
	Bytes      int             `json:"bytes"`
	Partitions []partitionMark `json:"partitions"`
}

type kv struct{ key, value []byte }

func encodeSnapshot(kvs []kv) []byte {
	n := len(snapMagic) + 1 + 8 + 4
	for _, e := range kvs {
		n += 8 + len(e.key) + len(e.value)
	}
	b := make([]byte, 0, n)
	b = append(b, snapMagic...)
	b = append(b, snapVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(len(kvs)))
	for _, e := range kvs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.key)))
		b = append(b, e.key...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.value)))
		b = append(b, e.value...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errBadSnapshot is of the corruption class (log.IsCorruption).
var errBadSnapshot = log.NewCorruption("metadata snapshot is corrupt")

func decodeSnapshot(b []byte) ([]kv, error) {
	head := len(snapMagic) + 1 + 8
	if len(b) < head+4 || string(b[:len(snapMagic)]) != snapMagic || b[len(snapMagic)] != snapVersion {
		return nil, fmt.Errorf("%w: bad header", errBadSnapshot)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadSnapshot)
	}
	count := binary.BigEndian.Uint64(body[len(snapMagic)+1:])
	rest := body[head:]
	field := func() ([]byte, error) {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: truncated", errBadSnapshot)
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n > len(rest)-4 {
			return nil, fmt.Errorf("%w: truncated", errBadSnapshot)
		}
		f := rest[4 : 4+n]
		rest = rest[4+n:]
		return f, nil
	}
	var kvs []kv
	for i := uint64(0); i < count; i++ {
		k, err := field()
		if err != nil {
			return nil, err
		}
		v, err := field()
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, kv{k, v})
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last entry", errBadSnapshot, len(rest))
	}
	return kvs, nil
}

// RunSnapshots writes a metadata snapshot to the bucket at most once per
// SnapshotInterval when the metastore or a high watermark changed, until
// ctx ends; then it writes a last one.
func (s *Store) RunSnapshots(ctx context.Context) {
	t := time.NewTicker(s.cfg.SnapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), min(s.cfg.CallTimeout, 10*time.Second))
			s.snapshotIfChanged(final)
			cancel()
			return
		case <-t.C:
			s.snapshotIfChanged(ctx)
		}
	}
}

func (s *Store) snapshotIfChanged(ctx context.Context) {
	err := s.Snapshot(ctx)
	if err == nil {
		return
	}
	if s.snapshotErrors.Add(1) == 1 || s.snapshotErrors.Load()%60 == 0 {
		s.logger.Warn("writing a metadata snapshot to the object store failed; will retry", "error", err.Error(), "failures", s.snapshotErrors.Load())
	}
}

// marks lists every partition's high watermark, sorted.
func (s *Store) marks() []partitionMark {
	var out []partitionMark
	for tp, id := range s.inner.Partitions() {
		o, err := s.inner.Offsets(tp)
		if err != nil {
			continue
		}
		out = append(out, partitionMark{Topic: tp.Topic, Partition: tp.Index, TopicID: id.String(), HighWatermark: o.HighWatermark})
	}
	slices.SortFunc(out, func(a, b partitionMark) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
	return out
}

// Snapshot writes a metadata snapshot unless nothing changed since the
// last one. Not safe to run concurrently with itself (RunSnapshots owns it).
func (s *Store) Snapshot(ctx context.Context) error {
	version := s.meta.Version()
	marks := s.marks()
	if version == s.snapVersion && slices.Equal(marks, s.snapMarks) {
		return nil
	}
	var kvs []kv
	err := s.meta.Scan(ctx, nil, func(k, v []byte) error {
		kvs = append(kvs, kv{bytes.Clone(k), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the metastore: %w", err)
	}
	data := encodeSnapshot(kvs)
	if s.snapSeq < 0 {
		newest, err := s.newestSnapshot(ctx)
		if err != nil {
			return err
		}
		s.snapSeq = newest
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	// A snapshot number is taken by PutIfAbsent; one that exists already
	// (a crash between writing a snapshot and pointing latest.json at it,
	// or another writer) is skipped.
	seq := s.snapSeq + 1
	for ; ; seq++ {
		err = s.bucket.PutIfAbsent(cctx, snapshotKey(seq), data)
		if err == nil {
			break
		}
		if !errors.Is(err, objstore.ErrExists) || seq > s.snapSeq+100 {
			return fmt.Errorf("uploading snapshot %d: %w", seq, err)
		}
	}
	l := latest{Version: 1, Seq: seq, Key: snapshotKey(seq), CreatedMs: s.clock.Now().UnixMilli(), Keys: len(kvs), Bytes: len(data), Partitions: marks}
	lb, _ := json.Marshal(l)
	if err := s.bucket.Put(cctx, latestKey, append(lb, '\n')); err != nil {
		return fmt.Errorf("uploading %s: %w", latestKey, err)
	}
	s.snapSeq, s.snapVersion, s.snapMarks = seq, version, marks
	s.snapshots.Add(1)
	s.pruneSnapshots(cctx, seq)
	return nil
}

// newestSnapshot is the highest snapshot number in the bucket, whether or
// not latest.json names it (0 when there is none).
func (s *Store) newestSnapshot(ctx context.Context) (int64, error) {
	l, err := readLatest(ctx, s.bucket, s.cfg.CallTimeout)
	switch {
	case errors.Is(err, objstore.ErrNotFound):
	case err != nil:
		return 0, err
	}
	newest := l.Seq
	err = s.eachSnapshot(ctx, func(_ string, seq int64) { newest = max(newest, seq) })
	return newest, err
}

// eachSnapshot calls fn with every snapshot object in the bucket.
func (s *Store) eachSnapshot(ctx context.Context, fn func(key string, seq int64)) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	for token := ""; ; {
		objs, next, err := s.bucket.List(ctx, snapshotsPrefix, token, 0)
		if err != nil {
			return fmt.Errorf("listing snapshots: %w", err)
		}
		for _, o := range objs {
			var seq int64
			if _, err := fmt.Sscanf(strings.TrimPrefix(o.Key, snapshotsPrefix), "%d.snap", &seq); err == nil {
				fn(o.Key, seq)
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

func readLatest(ctx context.Context, bucket objstore.Bucket, timeout time.Duration) (latest, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var l latest
	b, err := bucket.Get(ctx, latestKey)
	if err != nil {
		return l, fmt.Errorf("reading %s: %w", latestKey, err)
	}
	if err := json.Unmarshal(b, &l); err != nil || l.Version != 1 || l.Key == "" {
		return l, fmt.Errorf("%s is not a snapshot pointer this build reads: %v", latestKey, err)
	}
	for _, m := range l.Partitions {
		if _, err := topic.ParseID(m.TopicID); err != nil {
			return l, fmt.Errorf("%s: partition %s-%d: %w", latestKey, m.Topic, m.Partition, err)
		}
	}
	return l, nil
}

// pruneSnapshots deletes all but the newest KeepSnapshots snapshots.
// Failures are left for the next time.
func (s *Store) pruneSnapshots(ctx context.Context, newest int64) {
	_ = s.eachSnapshot(ctx, func(key string, seq int64) {
		if seq <= newest-int64(s.cfg.KeepSnapshots) {
			_ = s.bucket.Delete(ctx, key)
		}
	})
}
