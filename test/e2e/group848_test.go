package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The KIP-848 consumer group protocol with franz-go's server-side balancer:
// the broker assigns, members reconcile through ConsumerGroupHeartbeat.
func TestConsumerGroup848(t *testing.T) {
	for _, c := range []struct {
		name     string
		balancer kgo.GroupBalancer
		assignor string
	}{
		{"uniform", kgo.CooperativeStickyBalancer(), "uniform"},
		{"range", kgo.RangeBalancer(), "range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A 6s session for consumer groups (bounded by the classic maximum).
			n := startNode(t, "", map[string]string{"CHRONIK_GROUP_CONSUMER_SESSION_TIMEOUT_MS": "6000", "CHRONIK_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS": "1000"})
			const topic, parts = "g848", 6
			createTopic(t, n, topic, parts, nil)
			group := "g848-" + c.name
			opts := []kgo.Opt{kgo.ServerSideBalancer(), kgo.Balancers(c.balancer)}
			a := joinGroup(t, n, group, topic, opts...)
			b := joinGroup(t, n, group, topic, opts...)
			m3 := joinGroup(t, n, group, topic, opts...)
			waitAssigned(t, parts, a, b, m3)
			adm := n.admin()
			waitConsumerGroup(t, adm, group, c.assignor, 3, parts)

			produceN(t, n, topic, 0, 300)
			b.leave()
			waitAssigned(t, parts, a, m3)
			m3.kill() // no leave heartbeat: the session timeout must move its partitions
			waitAssigned(t, parts, a)
			waitConsumerGroup(t, adm, group, c.assignor, 1, parts)
			produceN(t, n, topic, 300, 300)
			waitConsumed(t, 600, a, b, m3)
			a.leave()

			// Everything consumed was committed, and the group is empty.
			d, err := adm.DescribeConsumerGroups(ctx(t), group)
			if err != nil {
				t.Fatal(err)
			}
			if g := d[group]; g.Err != nil || g.State != "Empty" || len(g.Members) != 0 {
				t.Fatalf("after everyone left: %+v", g)
			}
			lagged := committedLag(t, adm, group, topic)
			if lagged != 0 {
				t.Fatalf("after everyone left, lag %d", lagged)
			}

			resumesAfterRestart(t, n, group, topic, opts...)
		})
	}
}

// A group id is either classic or KIP-848: a classic member cannot join a
// consumer group that has members.
func TestConsumerGroup848RefusesClassicMembers(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_MAX_SESSION_TIMEOUT_MS": "6000", "CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
	createTopic(t, n, "mixed848", 2, nil)
	a := joinGroup(t, n, "mixed848-g", "mixed848", kgo.ServerSideBalancer(), kgo.Balancers(kgo.RangeBalancer()))
	defer a.leave()
	waitAssigned(t, 2, a)
	classic := joinGroup(t, n, "mixed848-g", "mixed848", kgo.Balancers(kgo.RangeBalancer()))
	defer classic.leave()
	time.Sleep(2 * time.Second)
	if got := classic.partitions(); len(got) != 0 {
		t.Fatalf("a classic member got %v of a consumer group", got)
	}
	if got := a.partitions(); len(got) != 2 {
		t.Fatalf("the consumer group member lost partitions: %v", got)
	}
}

// waitConsumerGroup waits until ConsumerGroupDescribe shows a stable group
// with the assignor and members, every partition assigned exactly once.
func waitConsumerGroup(t *testing.T, adm *kadm.Client, group, assignor string, members int, partitions int32) {
	t.Helper()
	waitUntil(t, 45*time.Second, 100*time.Millisecond, func() (bool, string) {
		d, err := adm.DescribeConsumerGroups(ctx(t), group)
		if err != nil {
			t.Fatal(err)
		}
		g := d[group]
		owned := map[int32]int{}
		for _, m := range g.Members {
			for _, ps := range m.Assignment {
				for p := range ps {
					owned[p]++
				}
			}
		}
		ok := g.Err == nil && g.State == "Stable" && g.AssignorName == assignor && len(g.Members) == members && ownedOnce(owned, partitions)
		return ok, fmt.Sprintf("consumer group never settled: state %s assignor %s members %d owned %v err %v", g.State, g.AssignorName, len(g.Members), owned, g.Err)
	})
}

// committedLag is the sum over the topic's partitions of end offset minus
// committed offset.
func committedLag(t *testing.T, adm *kadm.Client, group, topic string) int64 {
	t.Helper()
	committed, err := adm.FetchOffsets(ctx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	var lag int64
	ends.Each(func(o kadm.ListedOffset) {
		c, ok := committed.Lookup(o.Topic, o.Partition)
		at := int64(0)
		if ok {
			at = c.At
		}
		lag += o.Offset - at
	})
	return lag
}
