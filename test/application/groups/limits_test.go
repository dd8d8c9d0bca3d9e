package groups_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"

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
			errs, err := s.CommitOffsets(ctx, id, "", "", -1, commits)
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

// A member's protocol metadata and the assignment its leader gives it are
// bounded by group.member.metadata.max.bytes (1 MiB by default): a JoinGroup
// or SyncGroup above it is refused and the group does not keep it.
func TestMemberBytesLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := newService(t, memmeta.New(), groups.Config{})
		big := joinReq("", "big")
		big.Protocols = []group.Protocol{{Name: "range", Metadata: make([]byte, group.DefaultMaxMemberBytes)}}
		if res, err := s.Join(ctx, g, big); err != nil || !errors.Is(res.Err, group.ErrMemberTooLarge) {
			t.Fatalf("join with %d bytes of metadata: %+v, %v", group.DefaultMaxMemberBytes, res, err)
		}
		if d := s.Describe(g); len(d.Members) != 0 {
			t.Fatalf("the refused member is in the group: %+v", d)
		}
		mustJoin(t, s, joinReq("", "a"))
		res, err := s.Sync(ctx, g, group.SyncRequest{MemberID: "a", Generation: 1,
			Assignments: map[string][]byte{"a": make([]byte, group.DefaultMaxMemberBytes+1)}})
		if err != nil || !errors.Is(res.Err, group.ErrMemberTooLarge) {
			t.Fatalf("sync with an oversized assignment: %+v, %v", res, err)
		}
		if got := mustSync(t, s, group.SyncRequest{MemberID: "a", Generation: 1, Assignments: map[string][]byte{"a": []byte("A")}}); string(got) != "A" {
			t.Fatalf("a normal sync after the refusal: %q", got)
		}
	})
}
