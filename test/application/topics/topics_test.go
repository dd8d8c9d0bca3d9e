package topics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
)

func open(t *testing.T, cfg topics.Config, meta metastore.Store, logs logstore.Store) *topics.Service {
	t.Helper()
	s, err := topics.New(context.Background(), cfg, meta, logs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	meta, logs := memmeta.New(), memlog.New()
	s := open(t, topics.Config{DefaultPartitions: 2}, meta, logs)

	created, err := s.Create(ctx, topics.Spec{Name: "a.b", Partitions: -1, ReplicationFactor: -1, Configs: map[string]string{topic.RetentionMs: "1000"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if created.Partitions != 2 || created.ID.IsZero() {
		t.Fatalf("created %+v", created)
	}
	if len(logs.Partitions()) != 2 {
		t.Fatalf("%d partition logs, want 2", len(logs.Partitions()))
	}
	cases := []struct {
		name string
		spec topics.Spec
		want error
	}{
		{"exists", topics.Spec{Name: "a.b", Partitions: 1, ReplicationFactor: 1}, topic.ErrExists},
		{"collides_dot_underscore", topics.Spec{Name: "a_b", Partitions: 1, ReplicationFactor: 1}, topic.ErrInvalidName},
		{"zero_partitions", topics.Spec{Name: "z", Partitions: 0, ReplicationFactor: 1}, topic.ErrInvalidPartitions},
		{"replicas", topics.Spec{Name: "r", Partitions: 1, ReplicationFactor: 2}, topic.ErrInvalidReplicas},
		{"bad_config", topics.Spec{Name: "c", Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{"x.y": "1"}}, topic.ErrInvalidConfig},
		{"internal_consumer_offsets", topics.Spec{Name: "__consumer_offsets", Partitions: 1, ReplicationFactor: 1}, topic.ErrInternal},
		{"internal_transaction_state", topics.Spec{Name: "__transaction_state", Partitions: 1, ReplicationFactor: 1}, topic.ErrInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Create(ctx, c.spec, false); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if _, err := s.Create(ctx, topics.Spec{Name: "dry", Partitions: 1, ReplicationFactor: 1}, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("dry"); ok {
		t.Fatal("validate-only created the topic")
	}

	if err := s.AlterConfigs(ctx, "a.b", []topics.ConfigOp{
		{Key: topic.CleanupPolicy, Op: topics.OpAppend, Value: "compact"},
		{Key: topic.RetentionMs, Op: topics.OpDelete},
	}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPartitions(ctx, "a.b", 4, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPartitions(ctx, "a.b", 3, false); !errors.Is(err, topic.ErrInvalidPartitions) {
		t.Fatalf("shrinking: %v", err)
	}

	// Everything survives a reload from the metadata store.
	s2 := open(t, topics.Config{}, meta, logs)
	got, ok := s2.Get("a.b")
	if !ok || got.ID != created.ID || got.Partitions != 4 {
		t.Fatalf("after reload: %+v", got)
	}
	if v, _ := got.Value(topic.CleanupPolicy); v != "delete,compact" {
		t.Fatalf("cleanup.policy %q", v)
	}
	if _, explicit := got.Value(topic.RetentionMs); explicit {
		t.Fatal("retention.ms still set after delete")
	}
	if byID, ok := s2.GetByID(created.ID); !ok || byID.Name != "a.b" {
		t.Fatal("lookup by id failed")
	}

	if _, err := s2.Delete(ctx, "a.b"); err != nil {
		t.Fatal(err)
	}
	if len(logs.Partitions()) != 0 {
		t.Fatalf("logs left after delete: %v", logs.Partitions())
	}
	if _, err := s2.Delete(ctx, "a.b"); !errors.Is(err, topic.ErrUnknown) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestReconcileRemovesOrphansAndCreatesMissingLogs(t *testing.T) {
	ctx := context.Background()
	meta, logs := memmeta.New(), memlog.New()
	s := open(t, topics.Config{}, meta, logs)
	kept, err := s.Create(ctx, topics.Spec{Name: "kept", Partitions: 2, ReplicationFactor: 1}, false)
	if err != nil {
		t.Fatal(err)
	}
	orphan := topic.Partition{Topic: "gone", Index: 0}
	if err := logs.CreatePartition(ctx, orphan, topic.ID{9}, logstore.PartitionConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := logs.DeletePartition(ctx, topic.Partition{Topic: "kept", Index: 1}); err != nil {
		t.Fatal(err)
	}
	open(t, topics.Config{}, meta, logs)
	parts := logs.Partitions()
	if _, ok := parts[orphan]; ok {
		t.Fatal("orphan log kept")
	}
	if id, ok := parts[topic.Partition{Topic: "kept", Index: 1}]; !ok || id != kept.ID {
		t.Fatal("missing log not recreated")
	}
}

func TestAutoCreate(t *testing.T) {
	ctx := context.Background()
	off := open(t, topics.Config{}, memmeta.New(), memlog.New())
	if _, err := off.EnsureExists(ctx, "x"); !errors.Is(err, topic.ErrUnknown) {
		t.Fatalf("auto-create off: %v", err)
	}
	on := open(t, topics.Config{AutoCreate: true, DefaultPartitions: 3}, memmeta.New(), memlog.New())
	tp, err := on.EnsureExists(ctx, "x")
	if err != nil || tp.Partitions != 3 {
		t.Fatalf("auto-create on: %+v %v", tp, err)
	}
	if _, err := on.EnsureExists(ctx, "__consumer_offsets"); !errors.Is(err, topic.ErrUnknown) {
		t.Fatalf("internal topics are not auto-created: %v", err)
	}
}
