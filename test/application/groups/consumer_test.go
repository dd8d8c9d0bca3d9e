package groups_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

func newConsumerService(t *testing.T, meta metastore.Store) *groups.Service {
	t.Helper()
	return newService(t, meta, groups.Config{
		Consumer: group.ConsumerConfig{SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second},
	})
}

func heartbeat(t *testing.T, s *groups.Service, req group.ConsumerHeartbeat) group.ConsumerHeartbeatResult {
	t.Helper()
	res, err := s.ConsumerHeartbeat(context.Background(), "cg", req)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("heartbeat %+v: %v", req, err)
	}
	return res
}

// A consumer group commits with member epochs, refuses classic members,
// expires silent members, and survives a restart with its offsets.
func TestConsumerGroupLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meta := memmeta.New()
		s := newConsumerService(t, meta)
		res := heartbeat(t, s, group.ConsumerHeartbeat{MemberID: "m1", RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}, Owned: group.Assignment{}})
		if res.MemberEpoch != 1 || res.Assignment.String() != "t:0,1" || res.HeartbeatInterval != time.Second {
			t.Fatalf("join: %+v", res)
		}
		commit := []groups.Commit{{Partition: topic.Partition{Topic: "t", Index: 0}, Offset: groups.Offset{Offset: 7}}}
		if _, err := s.CommitOffsets(context.Background(), "cg", "m1", "", 2, commit); !errors.Is(err, group.ErrFencedMemberEpoch) {
			t.Fatalf("commit with a future epoch: %v", err)
		}
		if _, err := s.CommitOffsets(context.Background(), "cg", "", "", -1, commit); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("commit without a member while the group has one: %v", err)
		}
		if errs, err := s.CommitOffsets(context.Background(), "cg", "m1", "", 1, commit); err != nil || errs[0] != nil {
			t.Fatalf("commit: %v %v", err, errs)
		}
		jr, err := s.Join(context.Background(), "cg", joinReq("", "classic-1"))
		if err != nil || !errors.Is(jr.Err, group.ErrInconsistentProtocol) {
			t.Fatalf("classic join of a consumer group: %v %v", err, jr.Err)
		}
		if l := s.List(nil); len(l) != 1 || l[0].ProtocolType != "consumer" || l[0].State != group.Stable {
			t.Fatalf("list: %+v", l)
		}
		if err := s.Delete(context.Background(), "cg"); !errors.Is(err, group.ErrNonEmptyGroup) {
			t.Fatalf("delete: %v", err)
		}

		// Restart: the member and the offsets are back.
		s.Close()
		s = newConsumerService(t, meta)
		if d, err := s.DescribeConsumer("cg"); err != nil || len(d.Members) != 1 || d.Members[0].Epoch != 1 {
			t.Fatalf("after restart: %+v %v", d, err)
		}
		off, _ := s.FetchOffsets(context.Background(), "cg", nil)
		if off[topic.Partition{Topic: "t", Index: 0}].Offset != 7 {
			t.Fatalf("offsets after restart: %v", off)
		}

		// The silent member's session expires.
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if d, err := s.DescribeConsumer("cg"); err != nil || d.State != group.ConsumerEmpty {
			t.Fatalf("after the session: %+v %v", d, err)
		}
		if res, err := s.ConsumerHeartbeat(context.Background(), "cg", group.ConsumerHeartbeat{MemberID: "m1", MemberEpoch: 1, RebalanceTimeout: -1}); err != nil || !errors.Is(res.Err, group.ErrUnknownMember) {
			t.Fatalf("heartbeat of an expired member: %v %v", err, res.Err)
		}
		// The empty consumer group becomes a classic group for a classic
		// member, keeping its offsets; a consumer member is then refused.
		c := start(func() (group.JoinResult, error) { return s.Join(context.Background(), "cg", joinReq("", "classic-1")) })
		if r, err := c.answer(t); err != nil || r.Err != nil {
			t.Fatalf("the classic member was not let in: %v %v", err, r.Err)
		}
		if _, err := s.ConsumerHeartbeat(context.Background(), "cg", group.ConsumerHeartbeat{MemberID: "m2", RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}}); !errors.Is(err, group.ErrGroupIDNotFound) {
			t.Fatalf("consumer member joining a classic group: %v", err)
		}
		off, _ = s.FetchOffsets(context.Background(), "cg", nil)
		if len(off) != 1 {
			t.Fatalf("offsets after conversion: %v", off)
		}
	})
}
