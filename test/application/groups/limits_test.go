package groups_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/topic"
)

// Committed metadata above offset.metadata.max.bytes is refused for its
// partition alone; the other partitions of the commit are stored, and
// nothing of the refused one is.
func TestOffsetMetadataLimit(t *testing.T) {
	ctx := context.Background()
	meta := memmeta.New()
	exists := func(topic.Partition) bool { return true }
	for _, c := range []struct {
		name string
		max  int // 0: the default
		ok   int // longest accepted metadata
	}{{"default_4096", 0, 4096}, {"configured_10", 10, 10}} {
		t.Run(c.name, func(t *testing.T) {
			s := newService(t, meta, groups.Config{OffsetMetadataMaxBytes: c.max})
			id := "limits-" + c.name
			p0, p1 := topic.Partition{Topic: "t", Index: 0}, topic.Partition{Topic: "t", Index: 1}
			commits := []groups.Commit{
				{Partition: p0, Offset: groups.Offset{Offset: 5, Metadata: strings.Repeat("m", c.ok)}},
				{Partition: p1, Offset: groups.Offset{Offset: 7, Metadata: strings.Repeat("m", c.ok+1)}},
			}
			errs, err := s.CommitOffsets(ctx, id, "", "", -1, commits, exists)
			if err != nil {
				t.Fatal(err)
			}
			if errs[0] != nil || !errors.Is(errs[1], group.ErrOffsetMetadataTooLarge) {
				t.Fatalf("errors %v, want nil and ErrOffsetMetadataTooLarge", errs)
			}
			got, err := s.FetchOffsets(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := got[p1]; ok || got[p0].Offset != 5 {
				t.Fatalf("stored %v", got)
			}
			// What was refused is not stored either: a restart loads only p0.
			again := newService(t, meta, groups.Config{})
			got, _ = again.FetchOffsets(ctx, id, nil)
			if _, ok := got[p1]; ok || len(got) != 1 {
				t.Fatalf("after reload: %v", got)
			}
		})
	}
}
