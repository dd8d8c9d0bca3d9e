package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// A sarama consumer group through its whole life: three members join (a and
// b dynamic, c static with group.instance.id "c"), b leaves, c is killed (no
// LeaveGroup) and comes back with the same instance id before its session
// expires — without a rebalance: same generation, same partitions, the other
// member not disturbed — then a is killed and its session expires, so c gets
// everything. Every claim (generation, member, partitions) is recorded; no
// partition may be claimed by two members in one generation. Offsets are
// committed with MarkMessage + Commit and must survive a server restart: the
// static member comes back after the restart and reads only what was produced
// since. Run with sarama's range and sticky balance strategies.
func TestSaramaConsumerGroup(t *testing.T) {
	for _, st := range []struct {
		name     string
		strategy func() sarama.BalanceStrategy
	}{
		{"range", sarama.NewBalanceStrategyRange},
		{"sticky", sarama.NewBalanceStrategySticky},
	} {
		t.Run(st.name, func(t *testing.T) { testSaramaGroup(t, st.strategy) })
	}
}

func testSaramaGroup(t *testing.T, strategy func() sarama.BalanceStrategy) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS": "0"})
	const topic, parts, group = "sarama-grouped", 6, "sarama-g"
	createTopic(t, n, topic, parts, nil)
	rec := &claimLog{strategy: strategy}

	produceN(t, n, topic, 0, 300)
	a := startSaramaMember(t, n, rec, group, topic, "a", "")
	b := startSaramaMember(t, n, rec, group, topic, "b", "")
	c := startSaramaMember(t, n, rec, group, topic, "c", "c")
	gen := rec.waitSettled(t, "a, b and c joined", parts, a, b, c)
	rec.waitConsumed(t, 300)
	t.Logf("a, b, c settled in generation %d: %s", gen, rec.ownership(a, b, c))

	// b leaves cleanly: LeaveGroup, so a and c rebalance at once.
	b.close(t)
	gen2 := rec.waitSettled(t, "b left", parts, a, c)
	if gen2 <= gen {
		t.Fatalf("after b left the group is still in generation %d (was %d)", gen2, gen)
	}
	produceN(t, n, topic, 300, 300)
	rec.waitConsumed(t, 600)
	t.Logf("b left: a, c settled in generation %d: %s", gen2, rec.ownership(a, c))

	// c (static) is killed and comes back with the same instance id within its
	// session timeout: no rebalance.
	cParts := rec.current(c)
	aSessions := rec.sessionCount(a)
	c.kill()
	rec.killed(t, n, group, topic, c)
	c2 := startSaramaMember(t, n, rec, group, topic, "c", "c")
	if g := rec.waitSettled(t, "the static member c came back", parts, a, c2); g != gen2 {
		t.Fatalf("the static member's return moved the group from generation %d to %d: a rebalance", gen2, g)
	}
	if got := rec.current(c2); !slices.Equal(got.partitions, cParts.partitions) || got.generation != gen2 {
		t.Fatalf("the returning static member got generation %d partitions %v, it had generation %d partitions %v",
			got.generation, got.partitions, cParts.generation, cParts.partitions)
	}
	if rec.memberIDs("c") < 2 {
		t.Fatal("the returning static member kept its old member id: it never really left")
	}
	if got := rec.sessionCount(a); got != aSessions {
		t.Fatalf("member a started %d new session(s) while the static member came back", got-aSessions)
	}
	produceN(t, n, topic, 600, 60)
	rec.waitConsumed(t, 660)
	if got := rec.sessionCount(a); got != aSessions {
		t.Fatalf("member a started %d new session(s) after the static member came back", got-aSessions)
	}
	desc := describeGroup(t, n, group)
	if desc.State != "Stable" || desc.Members != 2 {
		t.Fatalf("after c came back: group %s with %d members, want Stable with 2", desc.State, desc.Members)
	}
	t.Logf("static member c came back in generation %d with partitions %v", gen2, cParts.partitions)

	// a is killed: no LeaveGroup; its session must expire and c get everything.
	killed := time.Now()
	a.kill()
	rec.killed(t, n, group, topic, a)
	gen3 := rec.waitSettled(t, "a was killed and its session expired", parts, c2)
	if gen3 <= gen2 {
		t.Fatalf("after a was killed the group is still in generation %d", gen3)
	}
	t.Logf("a killed: c alone in generation %d after %v", gen3, time.Since(killed).Round(100*time.Millisecond))
	produceN(t, n, topic, 660, 60)
	rec.waitConsumed(t, 720)
	rec.waitCommitted(t, n, group, topic, parts)

	// Commits survive a restart: the static member comes back and reads only
	// what is produced after it.
	c2.close(t) // static: no LeaveGroup
	n.restart()
	produceN(t, n, topic, 720, 60)
	before := rec.count()
	c3 := startSaramaMember(t, n, rec, group, topic, "c", "c")
	defer c3.close(t)
	rec.waitSettled(t, "c came back after the restart", parts, c3)
	rec.waitConsumed(t, 780)
	time.Sleep(500 * time.Millisecond) // let duplicates, if any, arrive
	for _, r := range rec.since(before) {
		if r.value < 720 {
			t.Fatalf("after the restart record %d (partition %d offset %d) was consumed again: commits were lost",
				r.value, r.partition, r.offset)
		}
	}
	t.Logf("after the restart c resumed in generation %d and read only the %d new records", rec.current(c3).generation, rec.count()-before)

	rec.checkGenerations(t)
	rec.checkExactlyOnce(t, 780)
	t.Logf("client errors (expected only around the kills and the restart): %s", rec.errors())
}

// saramaMember is one sarama ConsumerGroup running Consume in a loop.
type saramaMember struct {
	name   string // instance id for static members; c and its returns share it
	cg     sarama.ConsumerGroup
	net    *cuttable
	cancel context.CancelFunc
	done   chan struct{}
	id     int // distinguishes the incarnations of one name
}

var saramaIncarnation struct {
	sync.Mutex
	n int
}

func startSaramaMember(t *testing.T, n *node, rec *claimLog, group, topic, name, instanceID string) *saramaMember {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "sarama-" + name
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false // MarkMessage + Commit
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 6 * time.Second
	cfg.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Timeout = 10 * time.Second
	cfg.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Retry.Max = 20
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{rec.strategy()}
	cfg.Consumer.Group.InstanceId = instanceID
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	m := &saramaMember{name: name, net: &cuttable{}, done: make(chan struct{})}
	cfg.Net.Proxy.Enable = true
	cfg.Net.Proxy.Dialer = cutDialer{m.net}
	saramaIncarnation.Lock()
	saramaIncarnation.n++
	m.id = saramaIncarnation.n
	saramaIncarnation.Unlock()
	cg, err := sarama.NewConsumerGroup([]string{n.addr}, group, cfg)
	if err != nil {
		t.Fatalf("member %s: %v", name, err)
	}
	m.cg = cg
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		for err := range cg.Errors() {
			rec.clientError(m, err)
		}
	}()
	go func() {
		defer close(m.done)
		h := &recordingHandler{rec: rec, m: m}
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, h); err != nil {
				if errors.Is(err, sarama.ErrClosedConsumerGroup) {
					return
				}
				rec.clientError(m, err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
	return m
}

// close stops consuming and closes the group client: a dynamic member sends
// LeaveGroup, a static one does not (KIP-345).
func (m *saramaMember) close(t *testing.T) {
	t.Helper()
	m.cancel()
	<-m.done
	if err := m.cg.Close(); err != nil {
		t.Errorf("closing member %s: %v", m.name, err)
	}
}

// kill cuts the member off the network, as if its process died: it can
// neither heartbeat nor leave nor commit.
func (m *saramaMember) kill() {
	m.net.cut()
	m.cancel()
	go func() {
		<-m.done
		m.cg.Close()
	}()
}

// cutDialer is sarama's proxy dialer over a cuttable network.
type cutDialer struct{ c *cuttable }

func (d cutDialer) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return d.c.dial(ctx, network, addr)
}

// recordingHandler records claims and messages, marks and commits every message.
type recordingHandler struct {
	rec *claimLog
	m   *saramaMember
}

func (h *recordingHandler) Setup(s sarama.ConsumerGroupSession) error {
	var ps []int32
	for _, p := range s.Claims() {
		ps = append(ps, p...)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	h.rec.claim(claim{member: h.m, name: h.m.name, memberID: s.MemberID(), generation: s.GenerationID(), partitions: ps})
	return nil
}

// Cleanup commits what was marked: with auto-commit off, sarama does not
// commit on its own when a session ends.
func (h *recordingHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	s.Commit()
	h.rec.release(h.m, s.GenerationID())
	return nil
}

func (h *recordingHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-c.Messages():
			if !ok {
				return nil
			}
			v, err := strconv.Atoi(string(msg.Value))
			if err != nil {
				h.rec.clientError(h.m, fmt.Errorf("record with value %q", msg.Value))
			}
			h.rec.consumed(consumedRecord{name: h.m.name, incarnation: h.m.id, generation: s.GenerationID(), partition: msg.Partition, offset: msg.Offset, value: v})
			s.MarkMessage(msg, "")
			if len(c.Messages()) == 0 {
				s.Commit()
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

type claim struct {
	member     *saramaMember
	name       string
	memberID   string
	generation int32
	partitions []int32
	released   bool
}

type consumedRecord struct {
	name        string
	incarnation int
	generation  int32
	partition   int32
	offset      int64
	value       int
}

// claimLog is everything the members did, in order. Safe for concurrent use.
type claimLog struct {
	strategy func() sarama.BalanceStrategy // every member's, one instance each

	mu     sync.Mutex
	claims []claim
	recs   []consumedRecord
	errs   []string
	dead   map[int]map[int32]int64 // killed incarnation → committed offsets when it was cut off
}

// killed notes that m was just killed, with the group's committed offsets at
// that moment: what m read from there on (its uncommitted tail) may be read
// again by the next owner. A commit m had in flight may still land after this
// snapshot; that only shrinks the tail.
func (l *claimLog) killed(t *testing.T, n *node, group, topic string, m *saramaMember) {
	t.Helper()
	offs, err := n.admin().FetchOffsets(ctx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	at := map[int32]int64{}
	for p, o := range offs[topic] {
		at[p] = o.At
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dead == nil {
		l.dead = map[int]map[int32]int64{}
	}
	l.dead[m.id] = at
}

func (l *claimLog) claim(c claim) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.claims = append(l.claims, c)
}

func (l *claimLog) release(m *saramaMember, gen int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.claims) - 1; i >= 0; i-- {
		if l.claims[i].member == m && l.claims[i].generation == gen {
			l.claims[i].released = true
			return
		}
	}
}

func (l *claimLog) consumed(r consumedRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

func (l *claimLog) clientError(m *saramaMember, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf("%s#%d: %v", m.name, m.id, err))
}

// current is the member's last claim.
func (l *claimLog) current(m *saramaMember) claim {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.claims) - 1; i >= 0; i-- {
		if l.claims[i].member == m {
			return l.claims[i]
		}
	}
	return claim{generation: -1}
}

func (l *claimLog) sessionCount(m *saramaMember) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.claims {
		if c.member == m {
			n++
		}
	}
	return n
}

// memberIDs is how many distinct member ids the members called name had.
func (l *claimLog) memberIDs(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := map[string]bool{}
	for _, c := range l.claims {
		if c.name == name {
			ids[c.memberID] = true
		}
	}
	return len(ids)
}

func (l *claimLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recs)
}

func (l *claimLog) since(i int) []consumedRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]consumedRecord(nil), l.recs[i:]...)
}

func (l *claimLog) errors() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return "none"
	}
	return strings.Join(l.errs, "; ")
}

func (l *claimLog) ownership(ms ...*saramaMember) string {
	var out []string
	for _, m := range ms {
		c := l.current(m)
		out = append(out, fmt.Sprintf("%s=%v", m.name, c.partitions))
	}
	return strings.Join(out, " ")
}

// waitSettled waits until the given members' current sessions are all in one
// generation, unreleased, and split the partitions between them exactly once;
// it returns that generation.
func (l *claimLog) waitSettled(t *testing.T, what string, partitions int32, ms ...*saramaMember) int32 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		owners := map[int32]int{}
		gens := map[int32]bool{}
		ok := true
		for _, m := range ms {
			c := l.current(m)
			if c.generation < 0 || c.released {
				ok = false
				continue
			}
			gens[c.generation] = true
			for _, p := range c.partitions {
				owners[p]++
			}
		}
		ok = ok && len(gens) == 1 && int32(len(owners)) == partitions
		for _, n := range owners {
			ok = ok && n == 1
		}
		if ok {
			// Settled for a moment: no newer session started meanwhile.
			time.Sleep(300 * time.Millisecond)
			still := true
			for _, m := range ms {
				c := l.current(m)
				still = still && !c.released && gens[c.generation]
			}
			if still {
				for g := range gens {
					return g
				}
			}
			continue
		}
		if time.Now().After(deadline) {
			var cur []string
			for _, m := range ms {
				c := l.current(m)
				cur = append(cur, fmt.Sprintf("%s#%d: generation %d partitions %v released %v", m.name, m.id, c.generation, c.partitions, c.released))
			}
			t.Fatalf("%s: the group never settled: %s; client errors: %s", what, strings.Join(cur, ", "), l.errors())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitConsumed waits until want distinct records were consumed.
func (l *claimLog) waitConsumed(t *testing.T, want int) {
	t.Helper()
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		l.mu.Lock()
		seen := map[int]bool{}
		for _, r := range l.recs {
			seen[r.value] = true
		}
		l.mu.Unlock()
		if len(seen) >= want {
			return true, ""
		}
		return false, fmt.Sprintf("consumed %d distinct records, want %d; client errors: %s", len(seen), want, l.errors())
	})
}

// waitCommitted waits until the group's committed offsets reach the end of every partition.
func (l *claimLog) waitCommitted(t *testing.T, n *node, group, topic string, partitions int32) {
	t.Helper()
	waitUntil(t, 15*time.Second, 100*time.Millisecond, func() (bool, string) {
		lag, err := n.admin().Lag(ctx(t), group)
		if err != nil {
			t.Fatal(err)
		}
		gl := lag[group]
		done := gl.Error() == nil && len(gl.Lag[topic]) == int(partitions) && gl.Lag.Total() == 0
		return done, fmt.Sprintf("committed offsets never reached the end: lag %d, err %v", gl.Lag.Total(), gl.Error())
	})
}

// checkGenerations: no partition claimed by two members in one generation.
// The incarnations of the static member c share its instance id: they are
// one member.
func (l *claimLog) checkGenerations(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	owner := map[[2]int32]string{}
	for _, c := range l.claims {
		for _, p := range c.partitions {
			k := [2]int32{c.generation, p}
			if o, ok := owner[k]; ok && o != c.name {
				t.Errorf("generation %d: partition %d claimed by both %s and %s", c.generation, p, o, c.name)
			}
			owner[k] = c.name
		}
	}
	var gens []string
	for _, c := range l.claims {
		gens = append(gens, fmt.Sprintf("%s:g%d%v", c.name, c.generation, c.partitions))
	}
	t.Logf("claims: %s", strings.Join(gens, " "))
}

// checkExactlyOnce: every record 0..want-1 consumed; a record read more
// than once only where all but its last read were by a killed member at or
// after the committed offset of its partition when it was killed (its
// uncommitted tail). Members that left, or whose partitions moved in a
// rebalance, committed everything they read (Cleanup).
func (l *claimLog) checkExactlyOnce(t *testing.T, want int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[int][]consumedRecord{}
	for _, r := range l.recs {
		seen[r.value] = append(seen[r.value], r)
	}
	for v := 0; v < want; v++ {
		if len(seen[v]) == 0 {
			t.Errorf("record %d never consumed", v)
		}
	}
	dups := 0
	for v, rs := range seen {
		if len(rs) < 2 {
			continue
		}
		dups++
		for _, r := range rs[:len(rs)-1] {
			committed, killed := l.dead[r.incarnation]
			if !killed || r.offset < committed[r.partition] {
				var who []string
				for _, x := range rs {
					who = append(who, fmt.Sprintf("%s#%d (generation %d)", x.name, x.incarnation, x.generation))
				}
				t.Errorf("record %d (partition %d offset %d) read %d times, by %s: not in the uncommitted tail of a killed member (committed offsets when killed: %v)",
					v, r.partition, r.offset, len(rs), strings.Join(who, ", "), committed)
				break
			}
		}
	}
	t.Logf("%d records consumed, %d distinct, %d read again after a member was killed", len(l.recs), len(seen), dups)
}

func describeGroup(t *testing.T, n *node, group string) groupDescription {
	t.Helper()
	d, err := n.admin().DescribeGroups(ctx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	g := d[group]
	if g.Err != nil {
		t.Fatalf("DescribeGroups %s: %v", group, g.Err)
	}
	return groupDescription{State: g.State, Members: len(g.Members)}
}

type groupDescription struct {
	State   string
	Members int
}
