package topics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// failingLogs fails CreatePartition and DeletePartition for chosen partitions.
type failingLogs struct {
	logstore.Store
	failCreate, failDelete map[topic.Partition]bool
}

var errDisk = errors.New("injected: no space left on device")

func (f *failingLogs) CreatePartition(ctx context.Context, p topic.Partition, id topic.ID, cfg logstore.PartitionConfig) error {
	if f.failCreate[p] {
		return errDisk
	}
	return f.Store.CreatePartition(ctx, p, id, cfg)
}

func (f *failingLogs) DeletePartition(ctx context.Context, p topic.Partition) error {
	if f.failDelete[p] {
		return errDisk
	}
	return f.Store.DeletePartition(ctx, p)
}

// TestStartWithUndeletableOrphan: a partition log whose topic is gone and
// that cannot be deleted does not keep the node from starting.
func TestStartWithUndeletableOrphan(t *testing.T) {
	ctx := context.Background()
	inner := memlog.New()
	orphan := topic.Partition{Topic: "gone", Index: 0}
	if err := inner.CreatePartition(ctx, orphan, topic.ID{1}, logstore.PartitionConfig{}); err != nil {
		t.Fatal(err)
	}
	logs := &failingLogs{Store: inner, failDelete: map[topic.Partition]bool{orphan: true}}
	s := open(t, topics.Config{DefaultPartitions: 1}, memmeta.New(), logs)
	if _, err := s.Create(ctx, topics.Spec{Name: "new", Partitions: 1, ReplicationFactor: -1}, false); err != nil {
		t.Fatal(err)
	}
}

// TestFailedCreationLeavesNoLogs: a creation that fails part-way removes the
// partition logs it made.
func TestFailedCreationLeavesNoLogs(t *testing.T) {
	ctx := context.Background()
	logs := &failingLogs{Store: memlog.New(), failCreate: map[topic.Partition]bool{{Topic: "t", Index: 3}: true, {Topic: "u", Index: 4}: true}}
	s := open(t, topics.Config{DefaultPartitions: 1}, memmeta.New(), logs)
	if _, err := s.Create(ctx, topics.Spec{Name: "t", Partitions: 5, ReplicationFactor: -1}, false); !errors.Is(err, errDisk) {
		t.Fatalf("got %v", err)
	}
	if n := len(logs.Partitions()); n != 0 {
		t.Fatalf("%d partition logs left by a failed creation", n)
	}
	if _, err := s.Create(ctx, topics.Spec{Name: "u", Partitions: 2, ReplicationFactor: -1}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPartitions(ctx, "u", 6, false); !errors.Is(err, errDisk) {
		t.Fatalf("got %v", err)
	}
	if n := len(logs.Partitions()); n != 2 {
		t.Fatalf("%d partition logs after a failed growth, want 2", n)
	}
}
