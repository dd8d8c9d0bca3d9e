package tiering_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
)

var (
	tp  = topic.Partition{Topic: "orders", Index: 0}
	tid = topic.ID{0: 0x7e, 15: 1}
)

// node is one broker's storage: a segment log and a metastore in a
// directory, with tiering over a shared bucket.
type node struct {
	t      *testing.T
	logs   *segmentlog.Store
	meta   *tiering.TrackedMeta
	tier   *tiering.Store
	bucket *objstoretest.Faulty
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// smallSegments rolls every ~4 KiB and keeps everything unless a test says
// otherwise.
func smallSegments() logstore.PartitionConfig {
	return logstore.PartitionConfig{SegmentBytes: 4 << 10, RetentionMs: -1, RetentionBytes: -1, LocalRetentionMs: -2, LocalRetentionBytes: -2}
}

func openNode(t *testing.T, dir string, meta metastore.Store, bucket objstore.Bucket) *node {
	t.Helper()
	logs, err := segmentlog.New(segmentlog.Config{Dir: dir, NoSync: true, RetentionInterval: -1, IndexIntervalBytes: 512}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logs.Close() })
	n := &node{t: t, logs: logs, meta: tiering.Track(meta), bucket: objstoretest.NewFaulty(bucket)}
	n.tier, err = tiering.New(context.Background(), tiering.Config{ObjectBytes: 6 << 10, CallTimeout: 300 * time.Millisecond, CacheBytes: 1 << 20},
		logs, n.meta, n.bucket, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// openPartition opens a node in a fresh directory over a new bucket, with tp
// created with cfg; it returns the node and the bucket.
func openPartition(t *testing.T, cfg logstore.PartitionConfig) (*node, *memstore.Store) {
	t.Helper()
	bucket := memstore.New()
	n := openNode(t, t.TempDir(), memmeta.New(), bucket)
	if err := n.tier.CreatePartition(context.Background(), tp, tid, cfg); err != nil {
		t.Fatal(err)
	}
	return n, bucket
}

// produce appends batches of three ~100-byte records stamped ts and
// returns each batch as stored (base offset set).
func (n *node) produce(count int, ts int64) [][]byte {
	n.t.Helper()
	var out [][]byte
	for i := range count {
		vals := [][]byte{
			[]byte(strings.Repeat(fmt.Sprintf("a%05d", i), 16)),
			[]byte(strings.Repeat(fmt.Sprintf("b%05d", i), 16)),
			[]byte(strings.Repeat(fmt.Sprintf("c%05d", i), 16)),
		}
		b := logstoretest.MakeBatchValues(ts, -1, -1, -1, vals...)
		base, d, err := n.tier.Append(context.Background(), tp, b)
		if err != nil {
			n.t.Fatal(err)
		}
		if err := d.Wait(context.Background()); err != nil {
			n.t.Fatal(err)
		}
		record.SetBaseOffset(b, base)
		out = append(out, b)
	}
	return out
}

// readAll reads from offset to the high watermark through the tiered store.
func (n *node) readAll(from int64) []byte {
	n.t.Helper()
	o, err := n.tier.Offsets(tp)
	if err != nil {
		n.t.Fatal(err)
	}
	return n.readRange(from, o.HighWatermark)
}

// readRange reads the batches holding offsets [from, to).
func (n *node) readRange(from, to int64) []byte {
	n.t.Helper()
	var out []byte
	for off := from; off < to; {
		b, err := n.tier.Read(context.Background(), tp, off, 3000, true)
		if err != nil {
			n.t.Fatalf("read at %d: %v", off, err)
		}
		if len(b) == 0 {
			n.t.Fatalf("read at %d below %d returned nothing", off, to)
		}
		if _, err := record.Split(b, func(h record.Header, batch []byte) error {
			if h.LastOffset() >= off {
				out = append(out, batch...)
				off = h.NextOffset()
			}
			return nil
		}); err != nil {
			n.t.Fatal(err)
		}
	}
	return out
}

func (n *node) localBytes() int64 {
	s, err := n.logs.Size(tp)
	if err != nil {
		n.t.Fatal(err)
	}
	return s
}

func keys(t *testing.T, b objstore.Bucket, prefix string) []string {
	t.Helper()
	var out []string
	for tok := ""; ; {
		objs, next, err := b.List(context.Background(), prefix, tok, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			out = append(out, o.Key)
		}
		if next == "" {
			return out
		}
		tok = next
	}
}

func TestUploadDropLocalReadBack(t *testing.T) {
	n, bucket := openPartition(t, smallSegments())
	ctx := context.Background()
	now := time.Now().UnixMilli()
	want := bytes.Join(n.produce(200, now), nil)

	n.tier.Pass(ctx)
	st := n.tier.Stats()
	if st.UploadedObjects < 10 || st.UploadLagBytes != 0 {
		t.Fatalf("after a pass: %+v; want many objects and no lag", st)
	}
	if got := keys(t, bucket, "tier/orders-"+tid.String()+"/0/"); len(got) < 21 {
		t.Fatalf("bucket holds %d keys for the partition, want objects, indexes and a manifest", len(got))
	}

	// Bound local disk to 8 KiB: the uploaded sealed segments go.
	cfg := smallSegments()
	cfg.LocalRetentionBytes = 8 << 10
	if err := n.tier.Configure(tp, cfg); err != nil {
		t.Fatal(err)
	}
	n.tier.Pass(ctx)
	if lb := n.localBytes(); lb > 8<<10+4<<10 {
		t.Fatalf("local log holds %d bytes, want at most local.retention.bytes plus the active segment", lb)
	}
	local, _ := n.logs.Offsets(tp)
	o, _ := n.tier.Offsets(tp)
	if local.LogStart == 0 || o.LogStart != 0 {
		t.Fatalf("local log start %d, tiered log start %d; want local > 0 and tiered 0", local.LogStart, o.LogStart)
	}
	if got := n.readAll(0); !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want the %d appended, byte for byte", len(got), len(want))
	}
	if n.tier.Stats().RemoteReads == 0 {
		t.Fatal("no read went to the object store")
	}
	// A read in the middle of a remote object starts at the batch holding it.
	b, err := n.tier.Read(ctx, tp, 31, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	h, err := record.ParseHeader(b)
	if err != nil || h.BaseOffset != 30 || len(b) != h.Size() {
		t.Fatalf("read at 31 with max 1 byte: base %d, %d bytes, %v; want the one batch at 30", h.BaseOffset, len(b), err)
	}
	// Timestamps resolve in the remote tier too.
	if off, ts, err := n.tier.OffsetForTimestamp(ctx, tp, now); err != nil || off != 0 || ts != now {
		t.Fatalf("OffsetForTimestamp(now) = %d, %d, %v; want 0, %d", off, ts, err, now)
	}
}

func TestRetentionDeletesRemoteObjects(t *testing.T) {
	cfg := smallSegments()
	cfg.LocalRetentionBytes = 4 << 10
	n, bucket := openPartition(t, cfg)
	ctx := context.Background()
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	n.produce(100, old)
	want := bytes.Join(n.produce(20, time.Now().UnixMilli()), nil)
	n.tier.Pass(ctx)
	before := len(keys(t, bucket, "tier/"))

	cfg.RetentionMs = int64(24 * time.Hour / time.Millisecond)
	if err := n.tier.Configure(tp, cfg); err != nil {
		t.Fatal(err)
	}
	n.tier.Pass(ctx)
	after := len(keys(t, bucket, "tier/"))
	o, _ := n.tier.Offsets(tp)
	if o.LogStart < 300-30 || after >= before {
		t.Fatalf("after retention: log start %d, bucket keys %d -> %d; want the old records gone from the bucket", o.LogStart, before, after)
	}
	if got := n.readAll(300); !bytes.Equal(got, want) {
		t.Fatal("the records retention keeps do not read back")
	}
	if n.tier.Stats().DeletedObjects == 0 {
		t.Fatal("no object was deleted")
	}
}

func TestFailingStoreNeverBlocksAppends(t *testing.T) {
	cfg := smallSegments()
	cfg.LocalRetentionBytes = 0
	n, _ := openPartition(t, cfg)
	ctx := context.Background()
	n.produce(50, time.Now().UnixMilli())
	for _, fault := range []objstoretest.Fault{objstoretest.Hang, objstoretest.Fail} {
		n.bucket.Set(fault)
		errs := n.tier.Stats().UploadErrors
		passed := make(chan struct{})
		go func() { n.tier.Pass(ctx); close(passed) }()
		n.produce(50, time.Now().UnixMilli()) // completes while the pass hangs or fails
		<-passed
		if n.tier.Stats().UploadErrors == errs {
			t.Fatalf("fault %d: no upload failed", fault)
		}
	}
	local, _ := n.logs.Offsets(tp)
	if local.LogStart != 0 {
		t.Fatalf("local records were dropped (log start %d) although nothing reached the bucket", local.LogStart)
	}
	n.bucket.Set(objstoretest.Pass)
	want := n.readAll(0)
	n.tier.Pass(ctx)
	if st := n.tier.Stats(); st.UploadLagBytes != 0 || st.UploadedObjects == 0 {
		t.Fatalf("after the store recovered: %+v", st)
	}
	local, _ = n.logs.Offsets(tp)
	if local.LogStart == 0 {
		t.Fatal("local.retention.bytes=0 dropped nothing after the uploads resumed")
	}
	if got := n.readAll(0); !bytes.Equal(got, want) {
		t.Fatal("records differ after the faults")
	}

	// While the store hangs, cached blocks still serve reads, and reads
	// that need the store fail in time with a retriable error.
	n.bucket.Set(objstoretest.Hang)
	defer n.bucket.Set(objstoretest.Pass)
	if _, err := n.tier.Read(ctx, tp, 0, 1<<20, true); err != nil {
		t.Fatalf("cached read while the store hangs: %v", err)
	}
	cold, err := tiering.New(ctx, tiering.Config{CallTimeout: 300 * time.Millisecond}, n.logs, n.meta, n.bucket, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = cold.Read(ctx, tp, 0, 1<<20, true)
	if !errors.Is(err, log.ErrRemoteUnavailable) || time.Since(start) > 5*time.Second {
		t.Fatalf("uncached read from a hanging store: %v after %v; want ErrRemoteUnavailable within the call timeout", err, time.Since(start))
	}
}

func TestRestoreFromBucket(t *testing.T) {
	n, bucket := openPartition(t, smallSegments())
	ctx := context.Background()
	if err := n.meta.Apply(ctx, metastore.Put([]byte("offset/g\x00orders\x000"), []byte("42"))); err != nil {
		t.Fatal(err)
	}
	all := n.produce(120, time.Now().UnixMilli())
	n.tier.Pass(ctx)
	if err := n.tier.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	segs, _ := n.logs.Segments(tp)
	uploadedEnd := segs[len(segs)-1].Base // everything sealed is uploaded
	hw, _ := n.logs.Offsets(tp)

	// A new node on an empty directory and the same bucket.
	meta2 := memmeta.New()
	logs2, err := segmentlog.New(segmentlog.Config{Dir: t.TempDir(), NoSync: true, RetentionInterval: -1}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer logs2.Close()
	r, err := tiering.Restore(ctx, bucket, meta2, logs2, time.Second, quiet())
	if err != nil || !r.Restored || r.Partitions != 1 || r.Records != uploadedEnd {
		t.Fatalf("Restore = %+v, %v; want 1 partition with %d records", r, err, uploadedEnd)
	}
	if v, err := meta2.Get(ctx, []byte("offset/g\x00orders\x000")); err != nil || string(v) != "42" {
		t.Fatalf("committed offset after restore: %q, %v", v, err)
	}
	tier2, err := tiering.New(ctx, tiering.Config{}, logs2, tiering.Track(meta2), bucket, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if err := tier2.CreatePartition(ctx, tp, tid, smallSegments()); err != nil {
		t.Fatal(err)
	}
	o, _ := tier2.Offsets(tp)
	if o.LogStart != 0 || o.HighWatermark != hw.HighWatermark {
		t.Fatalf("restored offsets %+v; want log start 0 and the old high watermark %d (records past %d are lost, their offsets not reused)", o, hw.HighWatermark, uploadedEnd)
	}
	n2 := &node{t: t, logs: logs2, tier: tier2}
	want := bytes.Join(all, nil)
	got := n2.readRange(0, uploadedEnd)
	if !bytes.Equal(got, want[:len(got)]) || int64(len(bytes.Join(all[:uploadedEnd/3], nil))) != int64(len(got)) {
		t.Fatalf("restored %d bytes; want the first %d records byte for byte", len(got), uploadedEnd)
	}
	// Appends resume after the old high watermark.
	base, _, err := tier2.Append(ctx, tp, logstoretest.MakeBatchValues(time.Now().UnixMilli(), -1, -1, -1, []byte("x")))
	if err != nil || base != hw.HighWatermark {
		t.Fatalf("first append after restore at %d, %v; want %d", base, err, hw.HighWatermark)
	}

	// A node that has data never restores.
	if r, err := tiering.Restore(ctx, bucket, meta2, logs2, time.Second, quiet()); err != nil || r.Restored {
		t.Fatalf("second Restore = %+v, %v; want nothing done", r, err)
	}
}

func TestRestoreRefusesUnreachableBucket(t *testing.T) {
	faulty := objstoretest.NewFaulty(memstore.New())
	faulty.Set(objstoretest.Fail)
	logs, err := segmentlog.New(segmentlog.Config{Dir: t.TempDir(), NoSync: true, RetentionInterval: -1}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	if _, err := tiering.Restore(context.Background(), faulty, memmeta.New(), logs, time.Second, quiet()); err == nil {
		t.Fatal("an empty node started although the bucket could not be read")
	}
}

func TestDeletePartitionDeletesRemote(t *testing.T) {
	n, bucket := openPartition(t, smallSegments())
	ctx := context.Background()
	n.produce(60, time.Now().UnixMilli())
	n.tier.Pass(ctx)
	if len(keys(t, bucket, "tier/")) == 0 {
		t.Fatal("nothing uploaded")
	}
	if err := n.tier.DeletePartition(ctx, tp); err != nil {
		t.Fatal(err)
	}
	n.tier.Pass(ctx)
	if left := keys(t, bucket, "tier/"); len(left) != 0 {
		t.Fatalf("bucket still holds %v after the topic was deleted", left)
	}
}

// TestDeleteRecordsAcrossTiers deletes records that are only remote, then
// records that are in both tiers: neither comes back into view.
func TestDeleteRecordsAcrossTiers(t *testing.T) {
	n, _ := openPartition(t, smallSegments())
	ctx := context.Background()
	all := n.produce(150, time.Now().UnixMilli()) // 450 offsets
	n.tier.Pass(ctx)                              // uploaded, all still local too

	// In both tiers: the log start moves, and after the local copies are
	// dropped the remote ones stay out of view.
	if got, err := n.tier.DeleteRecords(ctx, tp, 60); err != nil || got != 60 {
		t.Fatalf("DeleteRecords(60) = %d, %v", got, err)
	}
	cfg := smallSegments()
	cfg.LocalRetentionBytes = 0
	if err := n.tier.Configure(tp, cfg); err != nil {
		t.Fatal(err)
	}
	n.tier.Pass(ctx)
	local, _ := n.logs.Offsets(tp)
	if o, _ := n.tier.Offsets(tp); o.LogStart != 60 || local.LogStart <= 60 {
		t.Fatalf("log start %d (local %d); want 60, with the local copies dropped past it", o.LogStart, local.LogStart)
	}
	if _, err := n.tier.Read(ctx, tp, 30, 1<<20, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Fatalf("read below the log start: %v, want ErrOffsetOutOfRange", err)
	}
	// Only remote: the same.
	if got, err := n.tier.DeleteRecords(ctx, tp, 90); err != nil || got != 90 {
		t.Fatalf("DeleteRecords(90) = %d, %v", got, err)
	}
	if o, _ := n.tier.Offsets(tp); o.LogStart != 90 {
		t.Fatalf("log start %d, want 90", o.LogStart)
	}
	if got := n.readAll(90); !bytes.Equal(got, bytes.Join(all[30:], nil)) {
		t.Fatal("records from 90 on do not read back")
	}
	n.tier.Pass(ctx)
	if st := n.tier.Stats(); st.DeletedObjects == 0 {
		t.Fatalf("no object below the new log start was deleted: %+v", st)
	}
}

// TestSettingsSurviveARestart: after a restart the topics service only
// calls Configure for existing partitions; tiering must act on that even
// for a partition with nothing uploaded yet.
func TestSettingsSurviveARestart(t *testing.T) {
	bucket := memstore.New()
	meta := memmeta.New()
	n := openNode(t, t.TempDir(), meta, bucket)
	ctx := context.Background()
	if err := n.logs.CreatePartition(ctx, tp, tid, smallSegments()); err != nil {
		t.Fatal(err)
	}
	restarted, err := tiering.New(ctx, tiering.Config{ObjectBytes: 6 << 10}, n.logs, n.meta, bucket, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	n.tier = restarted
	cfg := smallSegments()
	cfg.LocalRetentionBytes = 0
	if err := n.tier.Configure(tp, cfg); err != nil {
		t.Fatal(err)
	}
	n.produce(60, time.Now().UnixMilli())
	n.tier.Pass(ctx)
	if local, _ := n.logs.Offsets(tp); local.LogStart == 0 {
		t.Fatal("local.retention.bytes set by Configure after a restart was not applied")
	}
}

// TestSnapshotsSkipAnOrphan: a crash between writing snapshot N and
// pointing latest.json at it leaves N behind; later snapshots go past it.
func TestSnapshotsSkipAnOrphan(t *testing.T) {
	n, bucket := openPartition(t, smallSegments())
	ctx := context.Background()
	if err := n.tier.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	latest := func() string {
		b, err := bucket.Get(ctx, "metadata/latest.json")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The orphan: snapshot 2 exists, latest.json names 1.
	if err := bucket.Put(ctx, "metadata/snapshots/00000000000000000002.snap", []byte("orphan")); err != nil {
		t.Fatal(err)
	}
	for i, tier := range []*tiering.Store{n.tier, mustNew(t, n)} { // this process, and a restarted one
		n.produce(1, time.Now().UnixMilli())
		if err := tier.Snapshot(ctx); err != nil {
			t.Fatalf("snapshot %d after the orphan: %v", i, err)
		}
	}
	if l := latest(); !strings.Contains(l, `"seq":4`) {
		t.Fatalf("latest.json = %s; want snapshot 4 (1, the orphan 2, then 3 and 4)", l)
	}
}

func mustNew(t *testing.T, n *node) *tiering.Store {
	t.Helper()
	s, err := tiering.New(context.Background(), tiering.Config{}, n.logs, n.meta, n.bucket, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
