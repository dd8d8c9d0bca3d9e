package group

import (
	"fmt"
	"slices"
	"time"
)

// SyncRequest is a SyncGroup.
type SyncRequest struct {
	MemberID     string
	InstanceID   string
	Generation   int32
	ProtocolType string // v5+; "" skips the check
	Protocol     string // v5+; "" skips the check
	Assignments  map[string][]byte
}

// Sync handles a SyncGroup. A follower's answer may come later, in
// Effects.Syncs, when the leader's SyncGroup arrives.
func (g *Group) Sync(now time.Time, req SyncRequest) (res SyncResult, ok bool, fx Effects) {
	m, err := g.check(req.MemberID, req.InstanceID, req.Generation)
	if err != nil {
		return SyncResult{Err: err}, true, fx
	}
	if req.ProtocolType != "" && req.ProtocolType != g.ProtocolType || req.Protocol != "" && req.Protocol != g.Protocol {
		return SyncResult{Err: fmt.Errorf("%w: %s/%s, the group uses %s/%s", ErrInconsistentProtocol, req.ProtocolType, req.Protocol, g.ProtocolType, g.Protocol)}, true, fx
	}
	m.deadline = now.Add(m.SessionTimeout)
	if g.State != PreparingRebalance {
		delete(g.pendingSync, m.ID)
	}
	switch g.State {
	case PreparingRebalance:
		return SyncResult{Err: ErrRebalanceInProgress}, true, fx
	case Stable:
		return g.syncResult(m), true, fx
	}
	// CompletingRebalance.
	if m.ID != g.Leader {
		m.awaitingSync = true
		return SyncResult{}, false, fx
	}
	for id, mm := range g.Members {
		mm.Assignment = req.Assignments[id] // members the leader left out get nothing
	}
	g.State = Stable
	fx.Changed = true
	for _, mm := range g.Members {
		if mm.awaitingSync {
			// The session restarts with the answer, as in Kafka: a member
			// that waited longer than its session must not expire now.
			mm.awaitingSync = false
			mm.deadline = now.Add(mm.SessionTimeout)
			fx.sync(mm.ID, g.syncResult(mm))
		}
	}
	return g.syncResult(m), true, fx
}

func (g *Group) syncResult(m *Member) SyncResult {
	a := m.Assignment
	if a == nil {
		a = []byte{}
	}
	return SyncResult{ProtocolType: g.ProtocolType, Protocol: g.Protocol, Assignment: a}
}

// check validates a member's identity and generation.
func (g *Group) check(memberID, instanceID string, generation int32) (*Member, error) {
	if g.State == Dead {
		return nil, ErrCoordinatorNotAvailable
	}
	if instanceID != "" {
		if cur, ok := g.Instances[instanceID]; ok && cur != memberID {
			return nil, fmt.Errorf("%w: instance %q is now member %q", ErrFencedInstanceID, instanceID, cur)
		}
	}
	m, ok := g.Members[memberID]
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, memberID, g.ID)
	}
	if generation != g.Generation {
		return nil, fmt.Errorf("%w: %d, the group is at generation %d", ErrIllegalGeneration, generation, g.Generation)
	}
	return m, nil
}

// Heartbeat keeps a member's session alive and tells it whether to rejoin.
func (g *Group) Heartbeat(now time.Time, memberID, instanceID string, generation int32) error {
	if g.State == Empty {
		return fmt.Errorf("%w: group %q has no members", ErrUnknownMember, g.ID)
	}
	m, err := g.check(memberID, instanceID, generation)
	if err != nil {
		return err
	}
	m.deadline = now.Add(m.SessionTimeout)
	if g.State == PreparingRebalance {
		return ErrRebalanceInProgress
	}
	return nil
}

// Leaver names a member leaving (LeaveGroup v3+ carries several).
type Leaver struct {
	MemberID   string
	InstanceID string
}

// Leave removes members. errs has one entry per leaver (nil on success).
func (g *Group) Leave(now time.Time, cfg Config, leavers []Leaver) (errs []error, fx Effects) {
	errs = make([]error, len(leavers))
	removed := false
	for i, l := range leavers {
		id := l.MemberID
		if l.InstanceID != "" {
			cur, ok := g.Instances[l.InstanceID]
			switch {
			case !ok:
				errs[i] = fmt.Errorf("%w: instance %q is not in %q", ErrUnknownMember, l.InstanceID, g.ID)
				continue
			case id != "" && id != cur:
				errs[i] = fmt.Errorf("%w: instance %q is member %q, not %q", ErrFencedInstanceID, l.InstanceID, cur, id)
				continue
			}
			id = cur
		}
		m, ok := g.Members[id]
		if !ok {
			errs[i] = fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, id, g.ID)
			continue
		}
		g.evict(m, &fx)
		removed = true
	}
	if removed {
		fx = g.membershipChanged(now, cfg, fx)
	}
	return errs, fx
}

// evict removes a member that left or expired, first answering what it was
// waiting for.
func (g *Group) evict(m *Member, fx *Effects) {
	if m.awaitingJoin {
		fx.join(m.ID, JoinResult{Err: ErrUnknownMember, MemberID: m.ID, Generation: -1})
	}
	if m.awaitingSync {
		fx.sync(m.ID, SyncResult{Err: ErrUnknownMember})
	}
	g.removeMember(m.ID)
}

// membershipChanged reacts to members removed: the group empties, rebalances,
// or (mid-join) may now complete the join phase.
func (g *Group) membershipChanged(now time.Time, cfg Config, fx Effects) Effects {
	fx.Changed = true
	switch {
	case len(g.Members) == 0 && g.State != PreparingRebalance:
		g.State, g.Protocol, g.Leader = Empty, "", ""
		g.Generation++
	case g.State == PreparingRebalance:
		if len(g.Members) == 0 {
			g.State, g.Protocol, g.Leader = Empty, "", ""
			g.Generation++
			g.initialDelayEnd = time.Time{}
			return fx
		}
		g.maybeCompleteJoin(now, "", &fx)
	default:
		fx = g.prepareRebalance(now, cfg, fx)
	}
	return fx
}

// Tick applies the timers due at now: the end of the join phase, session
// expiries, and expiry of member ids handed out but never used.
func (g *Group) Tick(now time.Time, cfg Config) (fx Effects) {
	for id, exp := range g.pending {
		if !now.Before(exp) {
			delete(g.pending, id)
		}
	}
	if g.State == PreparingRebalance && !now.Before(g.rebalanceDeadline) {
		g.completeJoin(now, "", &fx)
	}
	expired := false
	if (g.State == CompletingRebalance || g.State == Stable) && len(g.pendingSync) > 0 && !now.Before(g.syncDeadline) {
		// Members that never sent SyncGroup after the join phase: removed,
		// so the group can rebalance without them (Kafka's pending sync).
		for id := range g.pendingSync {
			if m, ok := g.Members[id]; ok {
				g.evict(m, &fx)
				expired = true
			}
		}
		g.pendingSync = nil
	}
	for _, m := range g.Members {
		// A member waiting for the join phase or for the leader is not
		// expected to heartbeat.
		if m.awaitingJoin || m.awaitingSync || now.Before(m.deadline) {
			continue
		}
		g.evict(m, &fx)
		expired = true
	}
	if expired {
		fx = g.membershipChanged(now, cfg, fx)
	}
	return fx
}

// earliest keeps the earliest of the times it is shown; a zero time is no deadline.
type earliest struct{ t time.Time }

func (e *earliest) consider(t time.Time) {
	if !t.IsZero() && (e.t.IsZero() || t.Before(e.t)) {
		e.t = t
	}
}

// NextDeadline is when Tick next has work; zero when there is none.
func (g *Group) NextDeadline() time.Time {
	var next earliest
	if g.State == PreparingRebalance {
		next.consider(g.rebalanceDeadline)
	}
	if (g.State == CompletingRebalance || g.State == Stable) && len(g.pendingSync) > 0 {
		next.consider(g.syncDeadline)
	}
	for _, m := range g.Members {
		if !m.awaitingJoin && !m.awaitingSync {
			next.consider(m.deadline)
		}
	}
	for _, exp := range g.pending {
		next.consider(exp)
	}
	return next.t
}

// CanCommit checks an OffsetCommit's member and generation. A commit with
// generation -1 and no member (a standalone consumer or an admin tool) is
// allowed only while the group has no members.
//
// As in Kafka, members may commit during PreparingRebalance (eager consumers
// commit what they consumed before they rejoin) but not while the leader is
// assigning (CompletingRebalance), and a static member's instance id must
// be known and its own.
func (g *Group) CanCommit(now time.Time, memberID, instanceID string, generation int32) error {
	if g.State == Dead {
		return ErrCoordinatorNotAvailable
	}
	if generation < 0 && memberID == "" && instanceID == "" {
		if len(g.Members) > 0 {
			return fmt.Errorf("%w: group %q has members; commit with a member id and generation", ErrUnknownMember, g.ID)
		}
		return nil
	}
	if _, ok := g.Instances[instanceID]; instanceID != "" && !ok {
		return fmt.Errorf("%w: instance %q is not in %q", ErrUnknownMember, instanceID, g.ID)
	}
	m, err := g.check(memberID, instanceID, generation)
	if err != nil {
		return err
	}
	if g.State == CompletingRebalance {
		return ErrRebalanceInProgress
	}
	m.deadline = now.Add(m.SessionTimeout)
	return nil
}

// SubscribesTo reports whether a member of the group consumes topic, whose
// committed offsets OffsetDelete then keeps (GROUP_SUBSCRIBED_TO_TOPIC). A
// group without members consumes nothing. A group of another protocol type
// than "consumer" counts as consuming every topic, since its metadata cannot
// be read; so does a member whose subscription is unknown.
func (g *Group) SubscribesTo(topic string) bool {
	if len(g.Members) == 0 {
		return false
	}
	if g.ProtocolType != "consumer" {
		return true
	}
	for _, m := range g.Members {
		if m.Subscription == nil || slices.Contains(m.Subscription.Topics, topic) {
			return true
		}
	}
	return false
}

// Delete marks an empty group dead.
func (g *Group) Delete() error {
	if g.State != Empty && g.State != Dead {
		return fmt.Errorf("%w: %q is %s with %d members", ErrNonEmptyGroup, g.ID, g.State, len(g.Members))
	}
	g.State = Dead
	return nil
}

// Restore prepares a group loaded from storage after a restart: members get
// a fresh session, and nothing is waiting.
func (g *Group) Restore(now time.Time) {
	if g.pending == nil {
		g.pending = map[string]time.Time{}
	}
	if g.Instances == nil {
		g.Instances = map[string]string{}
	}
	for _, m := range g.Members {
		m.deadline = now.Add(m.SessionTimeout)
		m.awaitingJoin, m.awaitingSync = false, false
	}
	if g.State == PreparingRebalance || g.State == CompletingRebalance {
		// The answers were lost with the old process: start over.
		g.State = PreparingRebalance
		for _, m := range g.Members {
			m.joinedGen = false
			if d := now.Add(m.RebalanceTimeout); d.After(g.rebalanceDeadline) {
				g.rebalanceDeadline = d
			}
		}
	}
}
