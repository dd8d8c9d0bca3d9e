package produce_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/producer"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/metastore"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type env struct {
	logs   logstore.Store
	meta   metastore.Store
	topics *topics.Service
	svc    *produce.Service
}

func newEnv(t testing.TB, logs logstore.Store, meta metastore.Store) *env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts, err := topics.New(context.Background(), topics.Config{}, meta, logs, logger)
	if err != nil {
		t.Fatal(err)
	}
	return &env{logs: logs, meta: meta, topics: ts, svc: produce.New(logs, meta, fixedClock{time.UnixMilli(5000)}, logger)}
}

func (e *env) topic(t testing.TB, name string, configs map[string]string) topic.Topic {
	t.Helper()
	tp, err := e.topics.Create(context.Background(), topics.Spec{Name: name, Partitions: 1, ReplicationFactor: -1, Configs: configs}, false)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestIdempotentAppendsSurviveSnapshotAndRestart(t *testing.T) {
	ctx := context.Background()
	logs, meta := memlog.New(), memmeta.New()
	e := newEnv(t, logs, meta)
	tp := e.topic(t, "t", nil)
	pid, epoch, err := e.svc.InitProducerID(ctx, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	appendSeq := func(svc *produce.Service, seq int32) (int64, error) {
		r, err := svc.Append(ctx, tp, 0, logstoretest.MakeBatch(2, 1000, pid, epoch, seq))
		return r.BaseOffset, err
	}
	for seq := int32(0); seq < 20; seq += 2 {
		if _, err := appendSeq(e.svc, seq); err != nil {
			t.Fatal(err)
		}
	}
	e.svc.Snapshot(ctx)
	if _, err := appendSeq(e.svc, 20); err != nil { // after the snapshot: found by replay
		t.Fatal(err)
	}

	// A new service over the same stores, as after a restart.
	e2 := newEnv(t, logs, meta)
	if off, err := appendSeq(e2.svc, 20); err != nil || off != 20 {
		t.Fatalf("retry of the batch after the snapshot: offset %d, %v; want duplicate at 20", off, err)
	}
	if off, err := appendSeq(e2.svc, 18); err != nil || off != 18 {
		t.Fatalf("retry of a batch before the snapshot: offset %d, %v; want duplicate at 18", off, err)
	}
	if _, err := appendSeq(e2.svc, 30); !errors.Is(err, producer.ErrOutOfOrder) {
		t.Fatalf("gap: %v", err)
	}
	if off, err := appendSeq(e2.svc, 22); err != nil || off != 22 {
		t.Fatalf("next batch: offset %d, %v", off, err)
	}
	// New producer ids never repeat across restarts.
	pid2, _, err := e2.svc.InitProducerID(ctx, -1, -1)
	if err != nil || pid2 == pid {
		t.Fatalf("second producer id %d (first %d): %v", pid2, pid, err)
	}
	// KIP-360 epoch bump keeps the id.
	if id, ep, _ := e2.svc.InitProducerID(ctx, pid, epoch); id != pid || ep != epoch+1 {
		t.Fatalf("bump: %d/%d", id, ep)
	}
}

func TestSnapshotBeyondTheLogIsIgnored(t *testing.T) {
	ctx := context.Background()
	logs, meta := memlog.New(), memmeta.New()
	e := newEnv(t, logs, meta)
	tp := e.topic(t, "t", nil)
	if _, err := e.svc.Append(ctx, tp, 0, logstoretest.MakeBatch(1, 1, 7, 0, 0)); err != nil {
		t.Fatal(err)
	}
	e.svc.Snapshot(ctx)
	// Simulate a log that lost its data but kept the snapshot: recreate the partition.
	p := topic.Partition{Topic: "t", Index: 0}
	if err := logs.DeletePartition(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := logs.CreatePartition(ctx, p, tp.ID, topics.LogConfig(tp)); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, logs, meta)
	r, err := e2.svc.Append(ctx, tp, 0, logstoretest.MakeBatch(1, 1, 7, 0, 0))
	if err != nil || r.BaseOffset != 0 {
		t.Fatalf("the batch the log lost must be written again: offset %d, %v", r.BaseOffset, err)
	}
	if o, _ := logs.Offsets(p); o.LogEnd != 1 {
		t.Fatalf("log end %d, want 1", o.LogEnd)
	}
}

func TestSizeAndTimestampRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memlog.New(), memmeta.New())
	small := e.topic(t, "small", map[string]string{topic.MaxMessageBytes: "100"})
	if _, err := e.svc.Append(ctx, small, 0, logstoretest.MakeBatch(10, 1, -1, -1, -1)); !errors.Is(err, log.ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	if _, err := e.svc.Append(ctx, small, 3, logstoretest.MakeBatch(1, 1, -1, -1, -1)); !errors.Is(err, topic.ErrUnknownPartition) {
		t.Fatalf("bad partition: %v", err)
	}
	lat := e.topic(t, "lat", map[string]string{topic.MessageTimestampType: "LogAppendTime"})
	r, err := e.svc.Append(ctx, lat, 0, logstoretest.MakeBatch(1, 1, -1, -1, -1))
	if err != nil || r.LogAppendTime != 5000 {
		t.Fatalf("LogAppendTime: %d, %v", r.LogAppendTime, err)
	}
	b, _ := e.logs.Read(ctx, topic.Partition{Topic: "lat", Index: 0}, 0, 1<<20, true)
	h, err := record.ParseHeader(b)
	if err != nil || h.MaxTimestamp != 5000 || record.Verify(b) != nil {
		t.Fatalf("stored batch: %+v %v", h, err)
	}
	corrupt := logstoretest.MakeBatch(1, 1, -1, -1, -1)
	corrupt[len(corrupt)-1] ^= 1
	if _, err := e.svc.Append(ctx, lat, 0, corrupt); !errors.Is(err, record.ErrChecksum) {
		t.Fatalf("corrupt batch on a LogAppendTime topic must be refused before re-stamping: %v", err)
	}
}
