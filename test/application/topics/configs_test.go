package topics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Only the known columnar.*, search.* and vector.* keys, with valid values,
// are accepted, on create and on alter.
func TestExtensionConfigsAreChecked(t *testing.T) {
	ctx := context.Background()
	s := open(t, topics.Config{}, memmeta.New(), memlog.New())
	good := map[string]string{"columnar.enabled": "true", "columnar.format": "parquet", "search.enabled": "true",
		"vector.enabled": "true", "vector.field": "$.text", "vector.index.metric": "dot"}
	if _, err := s.Create(ctx, topics.Spec{Name: "q", Partitions: 1, ReplicationFactor: 1, Configs: good}, false); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{
		{"columnar.enabled": "maybe"},
		{"columnar.whatever": "1"},
		{"vector.index.metric": "manhattan"},
		{"search.analyzer": "klingon"},
		{"search.whatever": "1"},
		{"search.mapping": `{"f": {"type": "geo_point"}}`},
	} {
		if _, err := s.Create(ctx, topics.Spec{Name: "bad", Partitions: 1, ReplicationFactor: 1, Configs: bad}, false); !errors.Is(err, topic.ErrInvalidConfig) {
			t.Errorf("create with %v: %v, want ErrInvalidConfig", bad, err)
		}
		for k, v := range bad {
			if err := s.AlterConfigs(ctx, "q", []topics.ConfigOp{{Key: k, Op: topics.OpSet, Value: v}}, false); !errors.Is(err, topic.ErrInvalidConfig) {
				t.Errorf("alter %s=%s: %v, want ErrInvalidConfig", k, v, err)
			}
		}
	}
	q, _ := s.Get("q")
	if v, _ := q.Value("vector.index.metric"); v != "dot" {
		t.Fatalf("vector.index.metric = %q after refused alters", v)
	}
}

// A topic stored with an extension key from before keys were checked keeps
// loading, its other configs can still be changed, and the stale key can be
// deleted.
func TestStaleExtensionKeyDoesNotBlockAlters(t *testing.T) {
	ctx := context.Background()
	meta := memmeta.New()
	stored := `{"name":"old","id":"0123456789abcdef0123456789abcdef","partitions":1,"configs":{"columnar.legacy":"x"}}`
	if err := meta.Apply(ctx, metastore.Put([]byte("topic/old"), []byte(stored))); err != nil {
		t.Fatal(err)
	}
	s := open(t, topics.Config{}, meta, memlog.New())
	if err := s.AlterConfigs(ctx, "old", []topics.ConfigOp{{Key: topic.RetentionMs, Op: topics.OpSet, Value: "1000"}}, false); err != nil {
		t.Fatalf("altering another key: %v", err)
	}
	if err := s.AlterConfigs(ctx, "old", []topics.ConfigOp{{Key: "columnar.legacy", Op: topics.OpDelete}}, false); err != nil {
		t.Fatalf("deleting the stale key: %v", err)
	}
	if tp, _ := s.Get("old"); len(tp.Configs) != 1 || tp.Configs[topic.RetentionMs] != "1000" {
		t.Fatalf("configs %v", tp.Configs)
	}
}
