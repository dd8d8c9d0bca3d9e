package groups_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// The tests run in a synctest bubble: the service's timers and the system
// clock it is given follow the bubble's fake time, so timers fire exactly
// when due and time.Sleep only advances that time.

const g = "g"

func newService(t *testing.T, meta metastore.Store, cfg groups.Config) *groups.Service {
	t.Helper()
	if cfg.Group == (group.Config{}) {
		cfg.Group = group.Config{MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: time.Minute}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := groups.New(context.Background(), cfg, testTopics, meta, memlog.New(), clock.System{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// fakeTopics is the topics the coordinator sees: name → partition count.
type fakeTopics map[string]int32

func (f fakeTopics) Get(name string) (topic.Topic, bool) {
	n, ok := f[name]
	return topic.Topic{Name: name, Partitions: n}, ok
}

func (f fakeTopics) List() []topic.Topic {
	out := make([]topic.Topic, 0, len(f))
	for name, n := range f {
		out = append(out, topic.Topic{Name: name, Partitions: n})
	}
	return out
}

// testTopics is one topic "t" of two partitions.
var testTopics = fakeTopics{"t": 2}

func joinReq(memberID, newID string) group.JoinRequest {
	return group.JoinRequest{
		MemberID: memberID, NewMemberID: newID, ClientID: "test", ProtocolType: "consumer",
		Protocols:      []group.Protocol{{Name: "range", Metadata: []byte(newID)}},
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 20 * time.Second,
	}
}

// call runs a request that may be parked in its own goroutine; wait
// returns its answer once every goroutine of the bubble is blocked.
type call[T any] struct {
	done chan struct{}
	res  T
	err  error
}

func start[T any](f func() (T, error)) *call[T] {
	c := &call[T]{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.res, c.err = f()
	}()
	return c
}

// parked reports whether the call is still waiting once the bubble is idle.
func (c *call[T]) parked() bool {
	synctest.Wait()
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func (c *call[T]) answer(t *testing.T) (T, error) {
	t.Helper()
	if c.parked() {
		t.Fatal("the request is still parked")
	}
	return c.res, c.err
}

// startJoin sends a JoinGroup for g to s without waiting for its answer.
func startJoin(s *groups.Service, req group.JoinRequest) *call[group.JoinResult] {
	return start(func() (group.JoinResult, error) { return s.Join(context.Background(), g, req) })
}

func mustJoin(t *testing.T, s *groups.Service, req group.JoinRequest) group.JoinResult {
	t.Helper()
	res, err := s.Join(context.Background(), g, req)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("join %q: %v", req.MemberID, err)
	}
	return res
}

func mustSync(t *testing.T, s *groups.Service, req group.SyncRequest) []byte {
	t.Helper()
	res, err := s.Sync(context.Background(), g, req)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("sync %q: %v", req.MemberID, err)
	}
	return res.Assignment
}

// stableGroup makes a group of members a (the leader) and b, assigned "A" and "B".
func stableGroup(t *testing.T, s *groups.Service) int32 {
	t.Helper()
	ctx := context.Background()
	mustJoin(t, s, joinReq("", "a"))
	mustSync(t, s, group.SyncRequest{MemberID: "a", Generation: 1, Assignments: map[string][]byte{"a": []byte("A")}})
	b := startJoin(s, joinReq("", "b"))
	if !b.parked() {
		t.Fatal("b's JoinGroup was answered before a rejoined")
	}
	if err := s.Heartbeat(ctx, g, "a", "", 1); !errors.Is(err, group.ErrRebalanceInProgress) {
		t.Fatalf("a's heartbeat during the rebalance: %v", err)
	}
	ra := mustJoin(t, s, joinReq("a", "a"))
	rb, err := b.answer(t)
	if err != nil || rb.Err != nil || rb.Generation != 2 || rb.Leader != "a" || ra.Generation != 2 || len(ra.Members) != 2 {
		t.Fatalf("join answers: leader %+v, parked follower %+v, %v", ra, rb, err)
	}
	fs := start(func() (group.SyncResult, error) {
		return s.Sync(ctx, g, group.SyncRequest{MemberID: "b", Generation: 2})
	})
	if !fs.parked() {
		t.Fatal("the follower's SyncGroup was answered before the leader's")
	}
	if got := mustSync(t, s, group.SyncRequest{MemberID: "a", Generation: 2, Assignments: map[string][]byte{"a": []byte("A"), "b": []byte("B")}}); string(got) != "A" {
		t.Fatalf("leader's assignment %q", got)
	}
	if r, err := fs.answer(t); err != nil || string(r.Assignment) != "B" {
		t.Fatalf("parked follower's SyncGroup: %+v, %v", r, err)
	}
	if d := s.Describe(g); d.State != group.Stable || len(d.Members) != 2 {
		t.Fatalf("described as %+v", d)
	}
	return 2
}

func TestParkedJoinAndSyncAreDelivered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		stableGroup(t, s)
	})
}

func TestMemberIDRequiredThenJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		req := joinReq("", "m-1")
		req.RequireKnownMemberID = true
		res, err := s.Join(context.Background(), g, req)
		if err != nil || !errors.Is(res.Err, group.ErrMemberIDRequired) || res.MemberID != "m-1" {
			t.Fatalf("first JoinGroup v4: %+v, %v", res, err)
		}
		req.MemberID, req.NewMemberID = "m-1", "unused"
		if r := mustJoin(t, s, req); r.MemberID != "m-1" || r.Leader != "m-1" || r.Generation != 1 {
			t.Fatalf("rejoin with the id: %+v", r)
		}
		// A pending id that is not used expires with the session timeout.
		req2 := joinReq("", "m-2")
		req2.RequireKnownMemberID = true
		if res, _ := s.Join(context.Background(), g, req2); !errors.Is(res.Err, group.ErrMemberIDRequired) {
			t.Fatalf("second member: %+v", res)
		}
		time.Sleep(11 * time.Second)
		req2.MemberID = "m-2"
		if res, _ := s.Join(context.Background(), g, req2); !errors.Is(res.Err, group.ErrUnknownMember) {
			t.Fatalf("joining with an expired pending id: %+v", res)
		}
	})
}

func TestInitialRebalanceDelayTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{Group: group.Config{
			MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: time.Minute, InitialRebalanceDelay: 3 * time.Second,
		}})
		t0 := time.Now()
		a := startJoin(s, joinReq("", "a"))
		time.Sleep(time.Second)
		b := startJoin(s, joinReq("", "b"))
		time.Sleep(1990 * time.Millisecond)
		if !a.parked() || !b.parked() {
			t.Fatal("a JoinGroup was answered before the initial rebalance delay")
		}
		time.Sleep(20 * time.Millisecond)
		ra, _ := a.answer(t)
		rb, _ := b.answer(t)
		if took := time.Since(t0); took < 3*time.Second || took > 3100*time.Millisecond {
			t.Fatalf("the join phase ended after %v, want the 3s delay", took)
		}
		if ra.Generation != 1 || rb.Generation != 1 || ra.Leader != "a" || len(ra.Members) != 2 {
			t.Fatalf("answers %+v and %+v", ra, rb)
		}
	})
}

func TestSessionExpiryRebalances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		ctx := context.Background()
		gen := stableGroup(t, s)
		// a heartbeats every 3s, b never again: b's 10s session ends.
		var err error
		for range 3 {
			time.Sleep(3 * time.Second)
			if err = s.Heartbeat(ctx, g, "a", "", gen); err != nil {
				t.Fatalf("a's heartbeat at %d: %v", gen, err)
			}
		}
		time.Sleep(3 * time.Second)
		if err := s.Heartbeat(ctx, g, "a", "", gen); !errors.Is(err, group.ErrRebalanceInProgress) {
			t.Fatalf("a's heartbeat after b's session ended: %v", err)
		}
		if err := s.Heartbeat(ctx, g, "b", "", gen); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("expired b's heartbeat: %v", err)
		}
		r := mustJoin(t, s, joinReq("a", "a"))
		if r.Generation != gen+1 || len(r.Members) != 1 {
			t.Fatalf("a's rejoin: %+v", r)
		}
	})
}

func TestRebalanceTimeoutAnswersParkedJoins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		ctx := context.Background()
		gen := stableGroup(t, s)
		t0 := time.Now()
		// b rejoins (a follower with new metadata: a rebalance); a heartbeats but
		// never rejoins: the join phase ends with the 20s rebalance timeout.
		req := joinReq("b", "b")
		req.Protocols[0].Metadata = []byte("new")
		b := startJoin(s, req)
		for b.parked() {
			time.Sleep(5 * time.Second)
			_ = s.Heartbeat(ctx, g, "a", "", gen)
		}
		r, err := b.answer(t)
		if took := time.Since(t0); err != nil || r.Err != nil || took < 20*time.Second || took > 25*time.Second {
			t.Fatalf("b's JoinGroup answered after %v: %+v, %v", took, r, err)
		}
		if r.Generation != gen+1 || r.Leader != "b" || len(r.Members) != 1 {
			t.Fatalf("b should lead a generation of its own: %+v", r)
		}
		if err := s.Heartbeat(ctx, g, "a", "", gen); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("a, removed at the rebalance timeout: %v", err)
		}
	})
}

func TestLeaveAnswersParkedAndEmptiesGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		ctx := context.Background()
		stableGroup(t, s)
		c := startJoin(s, joinReq("", "c"))
		if !c.parked() {
			t.Fatal("c's JoinGroup was answered at once")
		}
		errs, err := s.Leave(ctx, g, []group.Leaver{{MemberID: "c"}, {MemberID: "a"}, {MemberID: "nobody"}})
		if err != nil || errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], group.ErrUnknownMember) {
			t.Fatalf("leave: %v, %v", errs, err)
		}
		if r, _ := c.answer(t); !errors.Is(r.Err, group.ErrUnknownMember) {
			t.Fatalf("the leaver's parked JoinGroup: %+v", r)
		}
		if _, err := s.Leave(ctx, g, []group.Leaver{{MemberID: "b"}}); err != nil {
			t.Fatal(err)
		}
		if d := s.Describe(g); d.State != group.Empty || len(d.Members) != 0 {
			t.Fatalf("after everyone left: %+v", d)
		}
		if _, err := s.Leave(ctx, "unknown", []group.Leaver{{MemberID: "b"}}); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("leaving a group the coordinator does not know: %v", err)
		}
	})
}

func TestDuplicateJoinSupersedesParkedOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		gen := stableGroup(t, s)
		first := startJoin(s, joinReq("a", "a"))
		if !first.parked() {
			t.Fatal("the leader's rejoin was answered at once")
		}
		second := startJoin(s, joinReq("a", "a"))
		if r, _ := first.answer(t); !errors.Is(r.Err, group.ErrRebalanceInProgress) {
			t.Fatalf("the superseded JoinGroup: %+v", r)
		}
		mustJoin(t, s, joinReq("b", "b"))
		if r, _ := second.answer(t); r.Err != nil || r.Generation != gen+1 {
			t.Fatalf("the retried JoinGroup: %+v", r)
		}
	})
}

func TestOffsetsSurviveRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meta := memmeta.New()
		s := newService(t, meta, groups.Config{})
		ctx := context.Background()
		p0, p1, p9 := topic.Partition{Topic: "t", Index: 0}, topic.Partition{Topic: "t", Index: 1}, topic.Partition{Topic: "t", Index: 9}
		gen := stableGroup(t, s)

		// Members commit with their generation; others may not.
		errs, err := s.CommitOffsets(ctx, g, "a", "", gen, []groups.Commit{
			{Partition: p0, Offset: groups.Offset{Offset: 10, LeaderEpoch: 3, Metadata: "m"}},
			{Partition: p9, Offset: groups.Offset{Offset: 1}},
		})
		if err != nil || errs[0] != nil || !errors.Is(errs[1], topic.ErrUnknownPartition) {
			t.Fatalf("member commit: %v, %v", errs, err)
		}
		if _, err := s.CommitOffsets(ctx, g, "", "", -1, []groups.Commit{{Partition: p1}}); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("a tool committing to a group with members: %v", err)
		}
		if _, err := s.CommitOffsets(ctx, g, "b", "", gen-1, []groups.Commit{{Partition: p1}}); !errors.Is(err, group.ErrIllegalGeneration) {
			t.Fatalf("an old generation's commit: %v", err)
		}
		if _, err := s.CommitOffsets(ctx, "", "", "", -1, []groups.Commit{{Partition: p1}}); !errors.Is(err, group.ErrInvalidGroupID) {
			t.Fatalf("empty group id: %v", err)
		}
		// A standalone consumer's group.
		if _, err := s.CommitOffsets(ctx, "tool", "", "", -1, []groups.Commit{{Partition: p1, Offset: groups.Offset{Offset: 7}}}); err != nil {
			t.Fatal(err)
		}
		committedAt := time.Now().UnixMilli()

		time.Sleep(time.Second)
		s.Close()
		s2 := newService(t, meta, groups.Config{})
		got, err := s2.FetchOffsets(ctx, g, nil)
		want := groups.Offset{Offset: 10, LeaderEpoch: 3, Metadata: "m", CommitTime: committedAt}
		if err != nil || len(got) != 1 || got[p0] != want {
			t.Fatalf("offsets after the restart: %+v, %v; want %+v", got, err, want)
		}
		if got, _ := s2.FetchOffsets(ctx, "tool", []topic.Partition{p0, p1}); len(got) != 1 || got[p1].Offset != 7 {
			t.Fatalf("the tool's offsets after the restart: %+v", got)
		}
		if got, err := s2.FetchOffsets(ctx, "never", nil); err != nil || len(got) != 0 {
			t.Fatalf("an unknown group has no offsets: %+v, %v", got, err)
		}
		// The group itself survives: its members carry on in their generation.
		if d := s2.Describe(g); d.State != group.Stable || len(d.Members) != 2 {
			t.Fatalf("the group after the restart: %+v", d)
		}
		if err := s2.Heartbeat(ctx, g, "b", "", gen); err != nil {
			t.Fatalf("b's heartbeat after the restart: %v", err)
		}
		if got := mustSync(t, s2, group.SyncRequest{MemberID: "b", Generation: gen}); string(got) != "B" {
			t.Fatalf("b's assignment after the restart: %q", got)
		}
		listed := s2.List(nil)
		if len(listed) != 2 || listed[0].ID != g || listed[1].ID != "tool" || listed[1].State != group.Empty {
			t.Fatalf("groups after the restart: %+v", listed)
		}
		if stable := s2.List([]group.State{group.Stable}); len(stable) != 1 || stable[0].ID != g {
			t.Fatalf("stable groups: %+v", stable)
		}
	})
}

func TestOffsetsOfEmptyGroupsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const retention = time.Hour
		meta := memmeta.New()
		s := newService(t, meta, groups.Config{OffsetsRetention: retention})
		ctx := context.Background()
		p := topic.Partition{Topic: "t", Index: 0}
		gen := stableGroup(t, s)
		if _, err := s.CommitOffsets(ctx, g, "a", "", gen, []groups.Commit{{Partition: p, Offset: groups.Offset{Offset: 5}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitOffsets(ctx, "tool", "", "", -1, []groups.Commit{{Partition: p, Offset: groups.Offset{Offset: 6}}}); err != nil {
			t.Fatal(err)
		}
		fetch := func(id string) int {
			got, err := s.FetchOffsets(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			return len(got)
		}
		// A group with members keeps its offsets however old, heartbeating
		// through the retention period.
		for range 2 * retention / (5 * time.Second) {
			time.Sleep(5 * time.Second)
			for _, m := range []string{"a", "b"} {
				if err := s.Heartbeat(ctx, g, m, "", gen); err != nil {
					t.Fatal(err)
				}
			}
		}
		s.ExpireOffsets(ctx)
		if fetch(g) != 1 {
			t.Fatal("a group with members lost its offsets")
		}
		// A standalone consumer's offsets expire with their commit time.
		if fetch("tool") != 0 {
			t.Fatal("the tool's offsets outlived the retention")
		}
		// Once the group is empty, its offsets are kept for the retention
		// period counted from then (Kafka, KIP-211), not from the commit.
		if _, err := s.Leave(ctx, g, []group.Leaver{{MemberID: "a"}, {MemberID: "b"}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(retention - time.Minute)
		s.ExpireOffsets(ctx)
		if fetch(g) != 1 {
			t.Fatal("the offsets of a group empty for less than the retention expired")
		}
		time.Sleep(2 * time.Minute)
		s.ExpireOffsets(ctx)
		if fetch(g) != 0 {
			t.Fatal("the offsets outlived the retention")
		}
		// Expired offsets are gone from the store too, and the empty groups
		// left without offsets are forgotten.
		s.Close()
		s2 := newService(t, meta, groups.Config{OffsetsRetention: retention})
		if got, _ := s2.FetchOffsets(ctx, g, nil); len(got) != 0 {
			t.Fatalf("expired offsets came back after a restart: %+v", got)
		}
		if l := s2.List(nil); len(l) != 0 {
			t.Fatalf("groups left after their offsets expired: %+v", l)
		}
	})
}

func TestDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		meta := memmeta.New()
		s := newService(t, meta, groups.Config{})
		ctx := context.Background()
		p := topic.Partition{Topic: "t", Index: 0}
		gen := stableGroup(t, s)
		if _, err := s.CommitOffsets(ctx, g, "a", "", gen, []groups.Commit{{Partition: p, Offset: groups.Offset{Offset: 5}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, g); !errors.Is(err, group.ErrNonEmptyGroup) {
			t.Fatalf("deleting a group with members: %v", err)
		}
		if err := s.Delete(ctx, "nope"); !errors.Is(err, group.ErrGroupIDNotFound) {
			t.Fatalf("deleting an unknown group: %v", err)
		}
		if _, err := s.Leave(ctx, g, []group.Leaver{{MemberID: "a"}, {MemberID: "b"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, g); err != nil {
			t.Fatalf("deleting an empty group: %v", err)
		}
		if err := s.Delete(ctx, g); !errors.Is(err, group.ErrGroupIDNotFound) {
			t.Fatalf("deleting it again: %v", err)
		}
		if got, _ := s.FetchOffsets(ctx, g, nil); len(got) != 0 {
			t.Fatalf("offsets of a deleted group: %+v", got)
		}
		if d := s.Describe(g); d.State != group.Dead {
			t.Fatalf("a deleted group is described as %s", d.State)
		}
		if l := s.List(nil); len(l) != 0 {
			t.Fatalf("listed after deletion: %+v", l)
		}
		// The id can be used again, from scratch, and the deletion is durable.
		if r := mustJoin(t, s, joinReq("", "c")); r.Generation != 1 {
			t.Fatalf("a new group under the deleted id: %+v", r)
		}
		s.Close()
		s2 := newService(t, meta, groups.Config{})
		if got, _ := s2.FetchOffsets(ctx, g, nil); len(got) != 0 {
			t.Fatalf("offsets of the deleted group after a restart: %+v", got)
		}
		if d := s2.Describe(g); len(d.Members) != 1 || d.Members[0].ID != "c" {
			t.Fatalf("the new group after a restart: %+v", d)
		}
	})
}

func TestCloseAnswersParkedRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		ctx := context.Background()
		gen := stableGroup(t, s)
		// A rebalance parks c's JoinGroup; b's SyncGroup parks after the
		// next join phase, since a (the leader) does not sync.
		c := startJoin(s, joinReq("", "c"))
		if !c.parked() {
			t.Fatal("c's JoinGroup was answered at once")
		}
		b := startJoin(s, joinReq("b", "b"))
		mustJoin(t, s, joinReq("a", "a"))
		rb, _ := b.answer(t)
		if rc, _ := c.answer(t); rc.Err != nil || rc.Generation != gen+1 || rb.Generation != gen+1 {
			t.Fatalf("the join phase: %+v, %+v", rb, rc)
		}
		sb := start(func() (group.SyncResult, error) {
			return s.Sync(ctx, g, group.SyncRequest{MemberID: "b", Generation: rb.Generation})
		})
		// And a JoinGroup parks in a second group, with the initial delay.
		s2 := newService(t, memmeta.New(), groups.Config{Group: group.Config{MinSessionTimeout: time.Second, MaxSessionTimeout: time.Minute, InitialRebalanceDelay: time.Second}})
		j2 := start(func() (group.JoinResult, error) { return s2.Join(ctx, "g2", joinReq("", "x")) })
		if !sb.parked() || !j2.parked() {
			t.Fatal("the requests were not parked")
		}
		s.Close()
		s2.Close()
		if r, err := sb.answer(t); err != nil || !errors.Is(r.Err, group.ErrCoordinatorNotAvailable) {
			t.Fatalf("parked SyncGroup at Close: %+v, %v", r, err)
		}
		if r, err := j2.answer(t); err != nil || !errors.Is(r.Err, group.ErrCoordinatorNotAvailable) {
			t.Fatalf("parked JoinGroup at Close: %+v, %v", r, err)
		}
		s.Close() // idempotent
		if _, err := s.Join(ctx, g, joinReq("a", "a")); !errors.Is(err, group.ErrCoordinatorNotAvailable) {
			t.Fatalf("JoinGroup after Close: %v", err)
		}
		if err := s.Heartbeat(ctx, g, "a", "", gen); !errors.Is(err, group.ErrCoordinatorNotAvailable) {
			t.Fatalf("Heartbeat after Close: %v", err)
		}
		// No timer fires after Close: time passes, nothing happens.
		time.Sleep(time.Minute)
	})
}

func TestUnknownGroupAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newService(t, memmeta.New(), groups.Config{})
		ctx := context.Background()
		if err := s.Heartbeat(ctx, "nope", "a", "", 1); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("heartbeat: %v", err)
		}
		if _, err := s.Sync(ctx, "nope", group.SyncRequest{MemberID: "a", Generation: 1}); !errors.Is(err, group.ErrUnknownMember) {
			t.Fatalf("sync: %v", err)
		}
		if _, err := s.Join(ctx, "", joinReq("", "a")); !errors.Is(err, group.ErrInvalidGroupID) {
			t.Fatalf("join with an empty group id: %v", err)
		}
		if d := s.Describe("nope"); d.State != group.Dead {
			t.Fatalf("describe: %+v", d)
		}
	})
}
