package topics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
)

// TestPartitionLimits: the node-wide and per-request partition limits
// refuse creations past them with ErrInvalidPartitions and a message naming
// the setting, create nothing when they refuse, and count only what is
// really created.
func TestPartitionLimits(t *testing.T) {
	ctx := context.Background()
	spec := func(name string, n int32) topics.Spec {
		return topics.Spec{Name: name, Partitions: n, ReplicationFactor: -1}
	}
	refused := func(t *testing.T, err error, setting string) {
		t.Helper()
		if !errors.Is(err, topic.ErrInvalidPartitions) || !strings.Contains(err.Error(), setting) {
			t.Fatalf("got %v, want ErrInvalidPartitions naming %s", err, setting)
		}
	}

	t.Run("per_request", func(t *testing.T) {
		logs := memlog.New()
		s := open(t, topics.Config{AutoCreate: true, DefaultPartitions: 3, MaxPartitionsPerRequest: 10}, memmeta.New(), logs)
		// One CreateTopics of 10,000 partitions.
		_, err := s.NewRequest().Create(ctx, spec("huge", 10000), false)
		refused(t, err, "max_partitions_per_request")
		if _, ok := s.Get("huge"); ok || len(logs.Partitions()) != 0 {
			t.Fatalf("a refused request created %d partitions", len(logs.Partitions()))
		}
		// Several topics in one request share the budget; a refused or
		// failed creation does not use it up.
		r := s.NewRequest()
		for _, c := range []struct {
			name string
			n    int32
			ok   bool
		}{{"a", 4, true}, {"a", 1, false}, {"b", 4, true}, {"c", 3, false}, {"d", 2, true}} {
			if _, err := r.Create(ctx, spec(c.name, c.n), false); (err == nil) != c.ok {
				t.Fatalf("create %s (%d): %v, want ok=%v", c.name, c.n, err, c.ok)
			}
		}
		// Metadata auto-creation: 3 partitions per topic, 10 per request.
		r = s.NewRequest()
		for i := range 3 {
			if _, _, err := r.GetOrAutoCreate(ctx, fmt.Sprintf("auto%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = r.GetOrAutoCreate(ctx, "auto3")
		refused(t, err, "max_partitions_per_request")
		if _, _, err := r.GetOrAutoCreate(ctx, "auto0"); err != nil { // exists: costs nothing
			t.Fatal(err)
		}
		// CreatePartitions.
		r = s.NewRequest()
		refused(t, r.AddPartitions(ctx, "a", 15, false), "max_partitions_per_request")
		if err := r.AddPartitions(ctx, "a", 14, false); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("per_node", func(t *testing.T) {
		meta, logs := memmeta.New(), memlog.New()
		cfg := topics.Config{AutoCreate: true, DefaultPartitions: 2, MaxPartitions: 10}
		s := open(t, cfg, meta, logs)
		if _, err := s.Create(ctx, spec("a", 6), false); err != nil {
			t.Fatal(err)
		}
		_, err := s.Create(ctx, spec("b", 5), false)
		refused(t, err, "max_partitions")
		_, err = s.Create(ctx, spec("b", 5), true) // validate-only says the same
		refused(t, err, "max_partitions")
		refused(t, s.AddPartitions(ctx, "a", 11, false), "max_partitions")
		if err := s.AddPartitions(ctx, "a", 9, false); err != nil {
			t.Fatal(err)
		}
		_, err = s.EnsureExists(ctx, "auto")
		refused(t, err, "max_partitions")
		if len(logs.Partitions()) != 9 {
			t.Fatalf("%d partition logs, want 9", len(logs.Partitions()))
		}
		// Deleting frees room.
		if _, err := s.Delete(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, spec("b", 10), false); err != nil {
			t.Fatal(err)
		}
	})
}
