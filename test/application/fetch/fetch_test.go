package fetch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

func setup(t *testing.T) (*fetch.Service, logstore.Store, topic.Partition) {
	t.Helper()
	logs := memlog.New()
	p := topic.Partition{Topic: "t", Index: 0}
	if err := logs.CreatePartition(context.Background(), p, topic.ID{1}, logstore.PartitionConfig{}); err != nil {
		t.Fatal(err)
	}
	return fetch.New(logs, nil), logs, p
}

func TestLongPollWakesOnAppend(t *testing.T) {
	svc, logs, p := setup(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _, _ = logs.Append(context.Background(), p, logstoretest.MakeBatch(3, 10, -1, -1, -1))
	}()
	start := time.Now()
	res := svc.Fetch(context.Background(), fetch.Request{MaxWait: 30 * time.Second, MinBytes: 1, Parts: []fetch.Partition{{Partition: p, MaxBytes: 1 << 20}}})
	if len(res[0].Records) == 0 || res[0].Err != nil {
		t.Fatalf("result %+v", res[0])
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("the fetch was not woken by the append")
	}
}

func TestMaxWaitAndErrors(t *testing.T) {
	svc, _, p := setup(t)
	start := time.Now()
	res := svc.Fetch(context.Background(), fetch.Request{MaxWait: 100 * time.Millisecond, MinBytes: 1, Parts: []fetch.Partition{{Partition: p, MaxBytes: 100}}})
	if took := time.Since(start); took < 90*time.Millisecond || res[0].Err != nil || len(res[0].Records) != 0 {
		t.Fatalf("empty poll returned after %v with %+v", took, res[0])
	}
	res = svc.Fetch(context.Background(), fetch.Request{MaxWait: 30 * time.Second, MinBytes: 1, Parts: []fetch.Partition{{Partition: p, Offset: 5, MaxBytes: 100}}})
	if !errors.Is(res[0].Err, log.ErrOffsetOutOfRange) {
		t.Fatalf("out of range: %v", res[0].Err)
	}
}

func TestFirstBatchAlwaysReturned(t *testing.T) {
	svc, logs, p := setup(t)
	q := topic.Partition{Topic: "t", Index: 1}
	_ = logs.CreatePartition(context.Background(), q, topic.ID{1}, logstore.PartitionConfig{})
	for _, part := range []topic.Partition{p, q} {
		if _, _, err := logs.Append(context.Background(), part, logstoretest.MakeBatch(50, 10, -1, -1, -1)); err != nil {
			t.Fatal(err)
		}
	}
	res := svc.Fetch(context.Background(), fetch.Request{MaxBytes: 10, Parts: []fetch.Partition{{Partition: p, MaxBytes: 10}, {Partition: q, MaxBytes: 10}}})
	if len(res[0].Records) == 0 {
		t.Fatal("the first batch must be returned even when larger than the limits")
	}
	if len(res[1].Records) != 0 {
		t.Fatal("later partitions must respect the limits")
	}
}

func TestListOffset(t *testing.T) {
	svc, logs, p := setup(t)
	ctx := context.Background()
	for _, ts := range []int64{100, 300, 200} {
		if _, _, err := logs.Append(ctx, p, logstoretest.MakeBatch(2, ts, -1, -1, -1)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name       string
		ts         int64
		off, found int64
	}{
		{"latest", fetch.Latest, 6, -1},
		{"earliest", fetch.Earliest, 0, -1},
		{"max_timestamp", fetch.MaxTimestamp, 3, 300},
		{"by_time", 150, 2, 300},
		{"after_all", 1000, -1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			off, ts, err := svc.ListOffset(ctx, p, c.ts)
			if err != nil || off != c.off || ts != c.found {
				t.Fatalf("got %d/%d %v, want %d/%d", off, ts, err, c.off, c.found)
			}
		})
	}
	if lw, err := svc.DeleteRecords(ctx, p, -1); err != nil || lw != 6 {
		t.Fatalf("DeleteRecords(-1): %d %v", lw, err)
	}
}

// fakeTiers is a tier whose local log starts at localStart and whose
// object store holds offsets below remoteEnd.
type fakeTiers struct{ localStart, remoteEnd int64 }

func (f fakeTiers) LocalOffsets(topic.Partition) (log.Offsets, error) {
	return log.Offsets{LogStart: f.localStart}, nil
}
func (f fakeTiers) RemoteEnd(topic.Partition) int64 { return f.remoteEnd }

func TestListOffsetTiers(t *testing.T) {
	cases := []struct {
		name  string
		tiers fetch.Tiers
		ts    int64
		want  int64
	}{
		{"earliest_local_without_tiers_is_log_start", nil, fetch.EarliestLocal, 0},
		{"latest_tiered_without_tiers_is_none", nil, fetch.LatestTiered, -1},
		{"earliest_local_asks_the_tier", fakeTiers{localStart: 5, remoteEnd: 5}, fetch.EarliestLocal, 5},
		{"latest_tiered_is_last_remote_offset", fakeTiers{localStart: 5, remoteEnd: 5}, fetch.LatestTiered, 4},
		{"latest_tiered_with_nothing_remote_is_none", fakeTiers{}, fetch.LatestTiered, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, logs, p := setup(t)
			svc := fetch.New(logs, c.tiers)
			got, _, err := svc.ListOffset(context.Background(), p, c.ts)
			if err != nil || got != c.want {
				t.Fatalf("ListOffset(%d) = %d, %v, want %d", c.ts, got, err, c.want)
			}
		})
	}
}
