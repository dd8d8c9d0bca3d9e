package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// member is one consumer of a group, recording what it consumed.
type member struct {
	cl       *kgo.Client
	net      *cuttable
	mu       sync.Mutex
	assigned map[int32]bool
	got      []*kgo.Record
	cancel   context.CancelFunc
	done     chan struct{}
}

func joinGroup(t *testing.T, n *node, group, topic string, opts ...kgo.Opt) *member {
	t.Helper()
	m := &member{assigned: map[int32]bool{}, done: make(chan struct{})}
	base := []kgo.Opt{
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(500 * time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, p := range a[topic] {
				m.assigned[p] = true
			}
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
			_ = cl.CommitMarkedOffsets(ctx)
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, p := range r[topic] {
				delete(m.assigned, p)
			}
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, p := range l[topic] {
				delete(m.assigned, p)
			}
		}),
		kgo.AutoCommitMarks(), kgo.AutoCommitInterval(200 * time.Millisecond),
	}
	m.net = &cuttable{}
	base = append(base, kgo.Dialer(m.net.dial))
	cl, err := kgo.NewClient(append(append([]kgo.Opt{kgo.SeedBrokers(n.addr)}, base...), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	m.cl = cl
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				m.mu.Lock()
				m.got = append(m.got, r)
				m.mu.Unlock()
				cl.MarkCommitRecords(r)
			})
		}
	}()
	return m
}

// leave stops polling and leaves the group cleanly.
func (m *member) leave() {
	m.cancel()
	<-m.done
	m.cl.Close()
}

// kill cuts the member off the network, as if its process died: it can
// neither heartbeat nor leave, so its session must expire.
func (m *member) kill() {
	m.net.cut()
	m.cancel()
	<-m.done
	go m.cl.Close() // its LeaveGroup cannot get through
}

// cuttable dials real connections until cut, then closes them all and
// refuses new ones.
type cuttable struct {
	mu     sync.Mutex
	conns  []net.Conn
	broken bool
}

func (c *cuttable) dial(ctx context.Context, network, host string) (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return nil, errors.New("network cut")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, host)
	if err == nil {
		c.conns = append(c.conns, conn)
	}
	return conn, err
}

func (c *cuttable) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = true
	for _, conn := range c.conns {
		conn.Close()
	}
}

func (m *member) partitions() map[int32]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int32]bool{}
	for p := range m.assigned {
		out[p] = true
	}
	return out
}

// waitAssigned waits until the live members own every partition exactly once.
func waitAssigned(t *testing.T, partitions int32, members ...*member) {
	t.Helper()
	waitUntil(t, 45*time.Second, 100*time.Millisecond, func() (bool, string) {
		owners := map[int32]int{}
		for _, m := range members {
			for p := range m.partitions() {
				owners[p]++
			}
		}
		return ownedOnce(owners, partitions), fmt.Sprintf("partitions never owned exactly once by %d members: %v", len(members), owners)
	})
}

// ownedOnce reports whether owners (owners per partition) has every one of
// the partitions owned exactly once.
func ownedOnce(owners map[int32]int, partitions int32) bool {
	ok := int32(len(owners)) == partitions
	for _, c := range owners {
		ok = ok && c == 1
	}
	return ok
}

func produceN(t *testing.T, n *node, topic string, from, count int) {
	t.Helper()
	p := n.client(kgo.DefaultProduceTopic(topic))
	recs := make([]*kgo.Record, count)
	for i := range recs {
		recs[i] = &kgo.Record{Value: []byte(strconv.Itoa(from + i))}
	}
	if err := p.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func TestConsumerGroupRebalancesAndResumes(t *testing.T) {
	for _, balancer := range []struct {
		name string
		opt  kgo.Opt
	}{
		{"eager_range", kgo.Balancers(kgo.RangeBalancer())},
		{"cooperative_sticky", kgo.Balancers(kgo.CooperativeStickyBalancer())},
	} {
		t.Run(balancer.name, func(t *testing.T) {
			n := startNode(t, "", map[string]string{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
			const topic, parts = "grouped", 6
			createTopic(t, n, topic, parts, nil)
			group := "g-" + balancer.name
			a := joinGroup(t, n, group, topic, balancer.opt)
			b := joinGroup(t, n, group, topic, balancer.opt)
			c := joinGroup(t, n, group, topic, balancer.opt)
			waitAssigned(t, parts, a, b, c)

			produceN(t, n, topic, 0, 300)
			b.leave()
			waitAssigned(t, parts, a, c)
			c.kill() // no LeaveGroup: the session timeout must move its partitions
			waitAssigned(t, parts, a)
			produceN(t, n, topic, 300, 300)
			waitConsumed(t, 600, a, b, c)
			a.leave()

			adm := n.admin()
			lag, err := adm.Lag(ctx(t), group)
			if err != nil {
				t.Fatal(err)
			}
			if l := lag[group]; l.Lag.Total() != 0 || l.State != "Empty" {
				t.Fatalf("after everyone left: state %s, lag %d, err %v", l.State, l.Lag.Total(), l.Error())
			}

			resumesAfterRestart(t, n, group, topic, balancer.opt)
		})
	}
}

// resumesAfterRestart checks that the group's commits survive a restart: after
// it, 60 more records (600 to 659) are produced, and a new member of the group
// reads them without reading any record below 600 again.
func resumesAfterRestart(t *testing.T, n *node, group, topic string, opts ...kgo.Opt) {
	t.Helper()
	n.restart()
	produceN(t, n, topic, 600, 60)
	m := joinGroup(t, n, group, topic, opts...)
	defer m.leave()
	waitConsumed(t, 60, m)
	time.Sleep(500 * time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.got {
		if v, _ := strconv.Atoi(string(r.Value)); v < 600 {
			t.Fatalf("record %d consumed again after restart: commits were lost", v)
		}
	}
}

// waitConsumed waits until the members together consumed at least want distinct records.
func waitConsumed(t *testing.T, want int, members ...*member) {
	t.Helper()
	waitUntil(t, 45*time.Second, 100*time.Millisecond, func() (bool, string) {
		seen := map[string]bool{}
		for _, m := range members {
			m.mu.Lock()
			for _, r := range m.got {
				seen[string(r.Value)] = true
			}
			m.mu.Unlock()
		}
		return len(seen) >= want, fmt.Sprintf("consumed %d distinct records, want %d", len(seen), want)
	})
}

func TestStaticMemberRejoinsWithoutRebalance(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
	createTopic(t, n, "static", 4, nil)
	a := joinGroup(t, n, "static-g", "static", kgo.InstanceID("a"))
	defer a.leave()
	b := joinGroup(t, n, "static-g", "static", kgo.InstanceID("b"))
	waitAssigned(t, 4, a, b)
	time.Sleep(time.Second) // let both settle on the final generation
	_, genBefore := a.cl.GroupMetadata()
	bParts := b.partitions()

	b.kill() // a static member does not leave on close
	b2 := joinGroup(t, n, "static-g", "static", kgo.InstanceID("b"))
	defer b2.leave()
	waitAssigned(t, 4, a, b2)
	_, genAfter := a.cl.GroupMetadata()
	if genAfter != genBefore {
		t.Fatalf("generation went from %d to %d: the returning static member caused a rebalance", genBefore, genAfter)
	}
	for p := range bParts {
		if !b2.partitions()[p] {
			t.Fatalf("the returning static member did not get its partitions back: had %v, got %v", bParts, b2.partitions())
		}
	}
	d, err := n.admin().DescribeGroups(ctx(t), "static-g")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d["static-g"].Members); got != 2 {
		t.Fatalf("%d members after the static member returned, want 2", got)
	}
}

func TestGroupAdministration(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
	createTopic(t, n, "admin-t", 2, nil)
	adm := n.admin()
	c := ctx(t)
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "admin-t", Partition: 0, At: 5, LeaderEpoch: -1, Metadata: "m"})
	offsets.Add(kadm.Offset{Topic: "admin-t", Partition: 1, At: 7, LeaderEpoch: -1})
	if _, err := adm.CommitOffsets(c, "tool-g", offsets); err != nil {
		t.Fatal(err)
	}
	fetched, err := adm.FetchOffsets(c, "tool-g")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := fetched.Lookup("admin-t", 0); o.At != 5 || o.Metadata != "m" {
		t.Fatalf("fetched %+v", o)
	}
	listed, err := adm.ListGroups(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := listed["tool-g"]; !ok {
		t.Fatalf("ListGroups: %v", listed.Groups())
	}
	m := joinGroup(t, n, "busy-g", "admin-t")
	waitAssigned(t, 2, m)
	del, err := adm.DeleteGroups(c, "busy-g", "tool-g", "nope")
	if err != nil {
		t.Fatal(err)
	}
	for g, want := range map[string]string{"busy-g": "NON_EMPTY_GROUP", "tool-g": "", "nope": "GROUP_ID_NOT_FOUND"} {
		got := ""
		if e := del[g].Err; e != nil {
			got = fmt.Sprint(e)
		}
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Fatalf("DeleteGroups %s: %q, want %q", g, got, want)
		}
	}
	m.leave()
	stable, err := adm.ListGroups(c, "Stable")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stable["busy-g"]; ok {
		t.Fatal("state filter: busy-g listed as Stable after its member left")
	}
}

// OffsetDelete keeps the offsets of a topic that a member of the group
// consumes (GROUP_SUBSCRIBED_TO_TOPIC), read from the subscription in the
// consumer protocol's metadata, and deletes those of other topics.
func TestOffsetDeleteKeepsSubscribedTopics(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
	createTopic(t, n, "od-consumed", 1, nil)
	createTopic(t, n, "od-other", 1, nil)
	adm := n.admin()
	c := ctx(t)
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "od-consumed", Partition: 0, At: 0, LeaderEpoch: -1})
	offsets.Add(kadm.Offset{Topic: "od-other", Partition: 0, At: 3, LeaderEpoch: -1})
	if _, err := adm.CommitOffsets(c, "od-g", offsets); err != nil {
		t.Fatal(err)
	}
	m := joinGroup(t, n, "od-g", "od-consumed")
	defer m.leave()
	waitAssigned(t, 1, m)
	set := kadm.TopicsSet{}
	set.Add("od-consumed", 0)
	set.Add("od-other", 0)
	del, err := adm.DeleteOffsets(c, "od-g", set)
	if err != nil {
		t.Fatal(err)
	}
	if err, _ := del.Lookup("od-consumed", 0); !strings.Contains(fmt.Sprint(err), "GROUP_SUBSCRIBED_TO_TOPIC") {
		t.Fatalf("deleting the consumed topic's offset: %v", err)
	}
	if err, _ := del.Lookup("od-other", 0); err != nil {
		t.Fatalf("deleting the other topic's offset: %v", err)
	}
	fetched, err := adm.FetchOffsets(c, "od-g")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fetched.Lookup("od-other", 0); ok {
		t.Fatalf("od-other's offset is still there: %+v", fetched)
	}
	if _, ok := fetched.Lookup("od-consumed", 0); !ok {
		t.Fatalf("od-consumed's offset was deleted: %+v", fetched)
	}
}
