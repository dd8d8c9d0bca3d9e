package group

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClassicChurn drives one group with up to 50 simulated consumers over a
// simulated minute of churn — consumers start, leave cleanly, crash, stall
// past their session timeout, and static ones restart (leaving a stalled
// zombie behind now and then) — and then lets the group settle. The
// consumers behave as Kafka's do: they rejoin on REBALANCE_IN_PROGRESS,
// ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID, stop on FENCED_INSTANCE_ID, and
// the leader assigns the partitions with a range assignor.
//
// Checked at every step: the generation never goes back; no partition is
// handed to two members of one generation in the SyncGroup answers; the
// group's own bookkeeping is consistent and agrees with what the consumers
// are waiting for. Once the churn stops the group must become Stable with
// every partition owned exactly once by the live consumers. The same seed
// must give the same run, event for event. CHURN_TRACE=<file> writes the
// runs' traces there, for debugging.
func TestClassicChurn(t *testing.T) {
	if os.Getenv("CHURN_TRACE") != "" {
		f, _ := os.Create(os.Getenv("CHURN_TRACE"))
		defer f.Close()
		churnDebug = f
	}
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprintf("seed_%d", seed), func(t *testing.T) {
			first := runChurn(t, seed, true)
			if again := runChurn(t, seed, false); again != first {
				t.Fatalf("seed %d: a second run differs (trace hash %x, then %x): the state machine is not deterministic", seed, first, again)
			}
		})
	}
}

const (
	churnSlots      = 50
	churnPartitions = 64
	churnStep       = 100 * time.Millisecond
	churnFor        = time.Minute
	settleWithin    = 90 * time.Second
)

type churnClientState int

const (
	cWantJoin churnClientState = iota // will send a JoinGroup
	cJoining                          // JoinGroup parked
	cWantSync                         // has a JoinGroup answer, will send SyncGroup
	cSyncing                          // SyncGroup parked
	cStable                           // has its assignment for gen
	cGone                             // left, crashed or fenced: does nothing more
)

// churnClient is one incarnation of a simulated client in a slot.
type churnClient struct {
	slot, incarnation int
	instance          string
	memberID          string
	state             churnClientState
	gen               int32
	leader            bool
	members           []string // for the leader: the members to assign to
	assignment        []int
	session           time.Duration
	nextHeartbeat     time.Time
	readyAt           time.Time // it takes a consumer time to react (and the leader to assign)
	pausedUntil       time.Time // a stalled process does nothing before this
	stalled           bool      // stalled since it last joined: it may have been expired
	nextID            int
}

type churn struct {
	t       *testing.T
	rng     *rand.Rand
	g       *Group
	cfg     Config
	now     time.Time
	live    []*churnClient           // every incarnation that may still act, zombies included
	slots   [churnSlots]*churnClient // the current incarnation of each slot
	owners  map[int32]map[int]string
	led     map[int32]bool // generations whose leader was sent the members
	lastGen int32
	trace   hash.Hash64
	events  map[string]int
}

// tracef records an event in the run's trace, which is only hashed.
func (c *churn) tracef(format string, args ...any) {
	fmt.Fprintf(c.trace, format+"\n", args...)
	if churnDebug != nil {
		fmt.Fprintf(churnDebug, format+"\n", args...)
	}
}

var churnDebug io.Writer

func runChurn(t *testing.T, seed uint64, verbose bool) uint64 {
	h := fnv.New64a()
	c := &churn{
		t:      t,
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		g:      New("churn"),
		cfg:    Config{MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: time.Minute, InitialRebalanceDelay: time.Second},
		now:    scriptStart,
		owners: map[int32]map[int]string{},
		led:    map[int32]bool{},
		trace:  h,
		events: map[string]int{},
	}
	end := scriptStart.Add(churnFor)
	for ; c.now.Before(end); c.now = c.now.Add(churnStep) {
		c.churnEvents()
		c.step()
	}
	// The churn is over: stalled consumers wake up, nobody starts or stops.
	settled := time.Time{}
	for deadline := end.Add(settleWithin); c.now.Before(deadline); c.now = c.now.Add(churnStep) {
		c.step()
		if c.converged() {
			if settled.IsZero() {
				settled = c.now
			}
			if c.now.Sub(settled) >= 15*time.Second { // and it stays so
				break
			}
		} else {
			settled = time.Time{}
		}
	}
	if settled.IsZero() {
		c.t.Fatalf("seed %d: no convergence %v after the churn: %s; consumers: %s", seed, settleWithin, c.describe(), c.describeClients())
	}
	if verbose {
		t.Logf("seed %d: generation %d, %d members, settled %v after the churn; events %v", seed, c.g.Generation, len(c.g.Members), settled.Sub(end), c.events)
	}
	if len(c.g.Members) == 0 {
		t.Fatalf("seed %d: the run ended with no members: the churn test tested little", seed)
	}
	return h.Sum64()
}

func (c *churn) event(name string, cl *churnClient) {
	c.events[name]++
	c.tracef("%v %s slot=%d inc=%d member=%s", c.now.Sub(scriptStart), name, cl.slot, cl.incarnation, cl.memberID)
}

// churnEvents starts and stops consumers at random.
func (c *churn) churnEvents() {
	for slot := range churnSlots {
		cl := c.slots[slot]
		if cl == nil || cl.state == cGone {
			if c.rng.Float64() < 0.01 {
				c.start(slot)
			}
			continue
		}
		if c.now.Before(cl.pausedUntil) {
			continue
		}
		switch r := c.rng.Float64(); {
		case r < 0.0008:
			c.leave(cl)
		case r < 0.0014:
			c.event("crash", cl)
			cl.state = cGone
		case r < 0.0020:
			// A stall (GC pause, stuck poll loop): sometimes longer than the session.
			cl.pausedUntil = c.now.Add(time.Duration(2+c.rng.IntN(12)) * time.Second)
			cl.stalled = true
			c.event("stall", cl)
			if cl.instance != "" && c.rng.IntN(2) == 0 {
				// The orchestrator restarts a static member it believes dead;
				// the stalled one becomes a zombie that must be fenced.
				c.start(slot)
			}
		case r < 0.0024 && cl.instance != "":
			// A static member restarts (without LeaveGroup, as static members do).
			c.event("restart", cl)
			cl.state = cGone
			c.start(slot)
		}
	}
}

func (c *churn) start(slot int) {
	inc := 0
	if old := c.slots[slot]; old != nil {
		inc = old.incarnation + 1
	}
	cl := &churnClient{slot: slot, incarnation: inc, session: time.Duration(6+c.rng.IntN(5)) * time.Second}
	if slot%5 == 0 {
		cl.instance = "instance-" + strconv.Itoa(slot)
	}
	c.slots[slot] = cl
	c.live = append(c.live, cl)
	c.event("start", cl)
}

func (c *churn) leave(cl *churnClient) {
	c.event("leave", cl)
	if cl.memberID != "" && cl.state != cJoining && cl.state != cSyncing {
		errs, fx := c.g.Leave(c.now, c.cfg, []Leaver{{MemberID: cl.memberID, InstanceID: cl.instance}})
		c.tracef("  leave: %v", errs)
		c.deliver(fx)
	}
	cl.state = cGone
}

// step lets every churnClient act once, fires the group's timers and checks
// the invariants.
func (c *churn) step() {
	for _, cl := range slices.Clone(c.live) {
		if cl.state != cGone && !c.now.Before(cl.pausedUntil) {
			c.act(cl)
		}
	}
	if d := c.g.NextDeadline(); !d.IsZero() && !c.now.Before(d) {
		fx := c.g.Tick(c.now, c.cfg)
		c.tracef("%v tick", c.now.Sub(scriptStart))
		c.deliver(fx)
	}
	c.live = slices.DeleteFunc(c.live, func(cl *churnClient) bool { return cl.state == cGone })
	c.check()
}

func (c *churn) act(cl *churnClient) {
	// The heartbeat thread runs while the churnClient has a generation, also
	// while the leader computes the assignment.
	if (cl.state == cWantSync || cl.state == cStable) && !c.now.Before(cl.nextHeartbeat) {
		cl.nextHeartbeat = c.now.Add(time.Second)
		err := c.g.Heartbeat(c.now, cl.memberID, cl.instance, cl.gen)
		c.tracef("%v heartbeat slot=%d %s gen=%d -> %v", c.now.Sub(scriptStart), cl.slot, cl.memberID, cl.gen, err)
		if err != nil {
			c.failed(cl, err)
			return
		}
	}
	if c.now.Before(cl.readyAt) {
		return
	}
	switch cl.state {
	case cWantJoin:
		cl.nextID++
		req := JoinRequest{
			MemberID: cl.memberID, InstanceID: cl.instance, ClientID: "churn", ProtocolType: "consumer",
			Protocols:      []Protocol{{Name: "range", Metadata: []byte("t")}},
			SessionTimeout: cl.session, RebalanceTimeout: 10 * time.Second,
			RequireKnownMemberID: true,
			NewMemberID:          fmt.Sprintf("m%02d.%d.%d", cl.slot, cl.incarnation, cl.nextID),
		}
		res, ok, id, fx := c.g.Join(c.now, c.cfg, req)
		c.noteLeader(res)
		c.tracef("%v join slot=%d %s -> ok=%v %s %v", c.now.Sub(scriptStart), cl.slot, cl.memberID, ok, id, res.Err)
		cl.memberID = id
		if ok {
			c.joined(cl, res)
		} else {
			cl.state = cJoining
		}
		c.deliver(fx)
	case cWantSync:
		req := SyncRequest{MemberID: cl.memberID, InstanceID: cl.instance, Generation: cl.gen, ProtocolType: "consumer", Protocol: "range"}
		if cl.leader {
			req.Assignments = churnRangeAssign(cl.members)
		}
		res, ok, fx := c.g.Sync(c.now, req)
		c.tracef("%v sync slot=%d %s gen=%d leader=%v -> ok=%v %v", c.now.Sub(scriptStart), cl.slot, cl.memberID, cl.gen, cl.leader, ok, res.Err)
		if ok {
			c.synced(cl, res)
		} else {
			cl.state = cSyncing
		}
		c.deliver(fx)
	}
}

// react makes the churnClient wait a little before its next request.
func (c *churn) react(cl *churnClient, upTo time.Duration) {
	cl.readyAt = c.now.Add(time.Duration(c.rng.Int64N(int64(upTo))))
}

// joined takes a JoinGroup answer.
func (c *churn) joined(cl *churnClient, res JoinResult) {
	if res.Err != nil {
		if res.MemberID != "" && churnIs(res.Err, ErrMemberIDRequired) {
			cl.memberID = res.MemberID
			cl.state = cWantJoin
			return
		}
		c.failed(cl, res.Err)
		return
	}
	if res.Generation < c.lastGen {
		c.t.Fatalf("%v: %s joined generation %d, older than %d", c.now.Sub(scriptStart), cl.memberID, res.Generation, c.lastGen)
	}
	cl.gen, cl.leader, cl.members = res.Generation, res.Leader == cl.memberID, nil
	cl.stalled = c.now.Before(cl.pausedUntil) // an answer read after a stall comes too late
	cl.nextHeartbeat = c.now.Add(time.Second)
	c.react(cl, 300*time.Millisecond)
	if cl.leader && c.rng.IntN(8) == 0 {
		// A slow assignor: followers wait for it longer than their sessions.
		cl.readyAt = c.now.Add(time.Duration(5000+c.rng.IntN(4000)) * time.Millisecond)
	}
	if cl.leader {
		if res.Members == nil {
			c.t.Fatalf("%v: leader %s of generation %d got no member list", c.now.Sub(scriptStart), cl.memberID, res.Generation)
		}
		for _, m := range res.Members {
			cl.members = append(cl.members, m.ID)
		}
	}
	cl.state = cWantSync
}

// synced takes a SyncGroup answer and records who was given what.
func (c *churn) synced(cl *churnClient, res SyncResult) {
	if res.Err != nil {
		c.failed(cl, res.Err)
		return
	}
	cl.assignment = churnParseAssignment(res.Assignment)
	owners := c.owners[cl.gen]
	if owners == nil {
		owners = map[int]string{}
		c.owners[cl.gen] = owners
	}
	// A static member that restarts takes over its old member id's
	// assignment in the same generation (KIP-345; the old id is fenced):
	// the owner is the instance.
	owner := cl.memberID
	if cl.instance != "" {
		owner = cl.instance
	}
	for _, p := range cl.assignment {
		if o, ok := owners[p]; ok && o != owner {
			c.t.Fatalf("%v: partition %d given to %s and to %s in generation %d", c.now.Sub(scriptStart), p, o, owner, cl.gen)
		}
		owners[p] = owner
	}
	cl.state = cStable
	cl.nextHeartbeat = c.now.Add(time.Second)
}

// failed reacts to an error as a Kafka churnClient does.
func (c *churn) failed(cl *churnClient, err error) {
	switch {
	case churnIs(err, ErrFencedInstanceID):
		c.event("fenced", cl)
		cl.state = cGone
	case churnIs(err, ErrUnknownMember):
		if !cl.stalled {
			// Only a churnClient that stalled may have been expired: one that
			// answered promptly must never lose its membership.
			c.t.Fatalf("%v: %s (slot %d), which never stalled, was told %v: %s", c.now.Sub(scriptStart), cl.memberID, cl.slot, err, c.describe())
		}
		c.react(cl, 500*time.Millisecond)
		cl.memberID = ""
		cl.state, cl.assignment = cWantJoin, nil
	case churnIs(err, ErrRebalanceInProgress), churnIs(err, ErrIllegalGeneration):
		c.react(cl, 500*time.Millisecond)
		cl.state = cWantJoin
	default:
		c.t.Fatalf("%v: %s: unexpected %v", c.now.Sub(scriptStart), cl.memberID, err)
	}
}

// deliver hands parked answers to the consumers waiting for them. Answers
// to crashed consumers are lost, as on a closed connection.
func (c *churn) deliver(fx Effects) {
	for _, id := range slices.Sorted(maps.Keys(fx.Joins)) {
		c.noteLeader(fx.Joins[id])
		c.tracef("  join answer %s %v", id, fx.Joins[id].Err)
		if cl := c.waiting(id, cJoining); cl != nil {
			c.joined(cl, fx.Joins[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(fx.Syncs)) {
		c.tracef("  sync answer %s %v", id, fx.Syncs[id].Err)
		if cl := c.waiting(id, cSyncing); cl != nil {
			c.synced(cl, fx.Syncs[id])
		}
	}
}

func (c *churn) noteLeader(res JoinResult) {
	if res.Err == nil && res.Members != nil {
		c.led[res.Generation] = true
	}
}

func (c *churn) waiting(memberID string, st churnClientState) *churnClient {
	for _, cl := range c.live {
		if cl.memberID == memberID && cl.state == st {
			return cl
		}
	}
	return nil
}

// check asserts the invariants after every step.
func (c *churn) check() {
	g := c.g
	fail := func(format string, args ...any) {
		c.t.Helper()
		c.t.Fatalf("%v: %s: %s", c.now.Sub(scriptStart), fmt.Sprintf(format, args...), c.describe())
	}
	if g.Generation < c.lastGen {
		fail("generation went back from %d", c.lastGen)
	}
	c.lastGen = g.Generation
	if (g.State == Empty) != (len(g.Members) == 0) {
		fail("state %s with %d members", g.State, len(g.Members))
	}
	if g.State == CompletingRebalance || g.State == Stable {
		if _, ok := g.Members[g.Leader]; !ok {
			fail("leader %q is not a member", g.Leader)
		}
		if !c.led[g.Generation] {
			fail("nobody was sent the members of generation %d to assign", g.Generation)
		}
	}
	for inst, id := range g.Instances {
		if m, ok := g.Members[id]; !ok || m.InstanceID != inst {
			fail("instance %q maps to %q, which is not its member", inst, id)
		}
	}
	for id, m := range g.Members {
		if m.InstanceID != "" && g.Instances[m.InstanceID] != id {
			fail("static member %s is not its instance's member", id)
		}
		if m.awaitingJoin && g.State != PreparingRebalance {
			fail("%s awaits its JoinGroup in %s", id, g.State)
		}
		if m.awaitingSync && g.State != CompletingRebalance {
			fail("%s awaits its SyncGroup in %s", id, g.State)
		}
	}
	// What consumers wait for is what the group has parked, and vice versa.
	parked := map[string]churnClientState{}
	for _, cl := range c.live {
		if cl.state == cJoining || cl.state == cSyncing {
			parked[cl.memberID] = cl.state
		}
	}
	for id, m := range g.Members {
		live := c.waiting(id, cJoining) != nil || c.waiting(id, cSyncing) != nil
		if (m.awaitingJoin || m.awaitingSync) && !live && c.ownerAlive(id) {
			fail("%s is parked in the group but its churnClient does not wait", id)
		}
	}
	for id, st := range parked {
		m, ok := g.Members[id]
		if !ok || st == cJoining && !m.awaitingJoin || st == cSyncing && !m.awaitingSync {
			fail("churnClient %s waits (state %d) for an answer the group will never send", id, st)
		}
	}
}

// ownerAlive reports whether the member id belongs to a churnClient that still acts.
func (c *churn) ownerAlive(id string) bool {
	for _, cl := range c.live {
		if cl.memberID == id {
			return true
		}
	}
	return false
}

// converged: Stable, the members are exactly the live consumers, all in the
// current generation, and they own every partition exactly once.
func (c *churn) converged() bool {
	g := c.g
	if g.State != Stable {
		return false
	}
	owners := map[int]int{}
	n := 0
	for _, cl := range c.live {
		if !c.now.Before(cl.pausedUntil) && cl.state != cStable || cl.gen != g.Generation {
			return false
		}
		if _, ok := g.Members[cl.memberID]; !ok {
			return false
		}
		n++
		for _, p := range cl.assignment {
			owners[p]++
		}
	}
	if n != len(g.Members) || len(owners) != churnPartitions {
		return false
	}
	for _, k := range owners {
		if k != 1 {
			return false
		}
	}
	return true
}

func (c *churn) describe() string {
	return c.g.State.String() + " gen " + strconv.Itoa(int(c.g.Generation)) + " leader " + c.g.Leader + " members " + strings.Join(slices.Sorted(maps.Keys(c.g.Members)), ",")
}

func (c *churn) describeClients() string {
	var out []string
	for _, cl := range c.live {
		out = append(out, fmt.Sprintf("%s(state %d gen %d paused %v)", cl.memberID, cl.state, cl.gen, cl.pausedUntil.After(c.now)))
	}
	return strings.Join(out, " ")
}

// churnRangeAssign is the range assignor: members in id order take consecutive
// runs of partitions, the first ones one more when it does not divide.
func churnRangeAssign(members []string) map[string][]byte {
	ids := slices.Clone(members)
	sort.Strings(ids)
	out := map[string][]byte{}
	per, extra := churnPartitions/len(ids), churnPartitions%len(ids)
	p := 0
	for i, id := range ids {
		n := per
		if i < extra {
			n++
		}
		var ps []string
		for range n {
			ps = append(ps, strconv.Itoa(p))
			p++
		}
		out[id] = []byte(strings.Join(ps, ","))
	}
	return out
}

func churnParseAssignment(b []byte) []int {
	if len(b) == 0 {
		return nil
	}
	var out []int
	for _, s := range strings.Split(string(b), ",") {
		p, _ := strconv.Atoi(s)
		out = append(out, p)
	}
	return out
}

func churnIs(err, target error) bool { return errors.Is(err, target) }
