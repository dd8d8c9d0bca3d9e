package e2e

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestGroupChurn runs a consumer group through churn with real clients:
// members join, leave cleanly, or are killed (their sessions must expire),
// some of them static members that come back under the same instance id.
// Up to 50 members take part over the run, at most 12 alive at once (two
// cores). When the churn stops the group must converge: Stable, its members
// exactly the survivors, every partition owned exactly once — as the
// survivors see it and as the broker describes it.
//
// CHAOS_CHURN_SECONDS sets the length of the churn (default 20, so that
// `make test` stays short; 60 for the full minute); CHURN_SEED its schedule.
func TestGroupChurn(t *testing.T) {
	churnFor := 20 * time.Second
	if s := os.Getenv("CHAOS_CHURN_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("CHAOS_CHURN_SECONDS=%q: want a positive number of seconds", s)
		}
		churnFor = time.Duration(n) * time.Second
	}
	seed := uint64(1)
	if s := os.Getenv("CHURN_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CHURN_SEED=%q: want a number", s)
		}
		seed = n
	}
	const (
		topic, group   = "churn", "churn-g"
		partitions     = 24
		maxMembers     = 50
		maxAlive       = 12
		minAlive       = 3
		sessionTimeout = 3 * time.Second
	)
	n := startNode(t, "", map[string]string{
		"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
		"CHRONIK_GROUP_MIN_SESSION_TIMEOUT_MS":     "1000",
	})
	createTopic(t, n, topic, partitions, nil)
	produceN(t, n, topic, 0, 500)

	rng := rand.New(rand.NewPCG(seed, 42))
	// The churn's pace: about 50 starts and stops in 20s, up to maxMembers
	// starts in a minute.
	const pause = 400 * time.Millisecond
	type live struct {
		m        *member
		instance string
	}
	var (
		alive     []live
		started   int
		stopping  sync.WaitGroup
		instances = map[string]bool{} // static instance ids whose member was stopped
		counts    = map[string]int{}
	)
	join := func() {
		var opts []kgo.Opt
		inst := ""
		if started%4 == 3 {
			// A static member: the restart of one that was stopped if any, or a new one.
			for id := range instances {
				if inst == "" || id < inst {
					inst = id
				}
			}
			if inst == "" {
				inst = fmt.Sprintf("static-%d", started)
			}
			delete(instances, inst)
			opts = append(opts, kgo.InstanceID(inst))
			counts["join static"]++
		} else {
			counts["join"]++
		}
		opts = append(opts, kgo.SessionTimeout(sessionTimeout), kgo.HeartbeatInterval(300*time.Millisecond))
		alive = append(alive, live{joinGroup(t, n, group, topic, opts...), inst})
		started++
	}
	stop := func() {
		i := rng.IntN(len(alive))
		l := alive[i]
		alive = slices.Delete(alive, i, i+1)
		if l.instance != "" {
			instances[l.instance] = true
		}
		if rng.IntN(2) == 0 {
			// A clean close: LeaveGroup for dynamic members (static ones do
			// not leave on close). It waits for a rebalance in flight, so it
			// runs aside while the churn goes on.
			counts["leave"]++
			stopping.Add(1)
			go func() { defer stopping.Done(); l.m.leave() }()
		} else {
			counts["kill"]++
			l.m.kill()
		}
	}

	end := time.Now().Add(churnFor)
	for time.Now().Before(end) {
		// The churn's own pace, not a wait for the broker.
		time.Sleep(pause/2 + time.Duration(rng.Int64N(int64(pause))))
		canStart := started < maxMembers
		switch {
		case len(alive) < minAlive && canStart:
			join()
		case len(alive) >= maxAlive:
			stop()
		case !canStart:
			// Every member that may take part has: stop some more, leaving
			// a group of a fair size to converge.
			if len(alive) > maxAlive/2 && rng.IntN(2) == 0 {
				stop()
			}
		case rng.IntN(2) == 0:
			join()
		default:
			stop()
		}
	}
	stopping.Wait()
	survivors := make([]*member, len(alive))
	for i, l := range alive {
		survivors[i] = l.m
	}
	t.Cleanup(func() {
		for _, m := range survivors {
			m.leave()
		}
	})

	// The survivors own every partition exactly once, as they see it ...
	waitAssigned(t, partitions, survivors...)
	// ... and as the broker sees it, once every expired member is gone.
	waitUntil(t, 45*time.Second, 200*time.Millisecond, func() (bool, string) {
		problem := describeChurn(t, n, group, partitions, survivors)
		return problem == "", "the group did not converge: " + problem
	})
	_, gen := survivors[0].cl.GroupMetadata()
	t.Logf("seed %d: %d members over %v (%v); %d survive; converged at generation %d", seed, started, churnFor, counts, len(survivors), gen)
}

// describeChurn checks the broker's view of the group against the
// survivors: "" when it is Stable with exactly them as members, everybody
// in one generation, and each partition assigned once, to the member that
// believes it owns it.
func describeChurn(t *testing.T, n *node, group string, partitions int32, survivors []*member) string {
	t.Helper()
	want := map[string]bool{}
	for _, m := range survivors {
		id, _ := m.cl.GroupMetadata()
		want[id] = true
	}
	described, err := n.admin().DescribeGroups(ctx(t), group)
	if err != nil {
		return err.Error()
	}
	d := described[group]
	if d.Err != nil {
		return d.Err.Error()
	}
	if d.State != "Stable" {
		return "state " + d.State
	}
	var got []string
	owner := map[int32]string{}
	for _, m := range d.Members {
		got = append(got, m.MemberID)
		a, ok := m.Assigned.AsConsumer()
		if !ok {
			return "member " + m.MemberID + " has no consumer assignment"
		}
		for _, tp := range a.Topics {
			for _, p := range tp.Partitions {
				if o, dup := owner[p]; dup {
					return fmt.Sprintf("partition %d assigned to %s and %s", p, o, m.MemberID)
				}
				owner[p] = m.MemberID
			}
		}
	}
	sort.Strings(got)
	wantIDs := slices.Sorted(maps.Keys(want))
	if !slices.Equal(got, wantIDs) {
		return fmt.Sprintf("members %v, want the survivors %v", got, wantIDs)
	}
	if int32(len(owner)) != partitions {
		return fmt.Sprintf("%d of %d partitions assigned", len(owner), partitions)
	}
	gen := int32(-2)
	for _, m := range survivors {
		id, g := m.cl.GroupMetadata()
		if gen != -2 && g != gen {
			return fmt.Sprintf("survivors in generations %d and %d", gen, g)
		}
		gen = g
		for p := range m.partitions() {
			if owner[p] != id {
				return fmt.Sprintf("%s believes it owns partition %d, assigned to %q", id, p, owner[p])
			}
		}
	}
	return ""
}
