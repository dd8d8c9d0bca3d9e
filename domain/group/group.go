// Package group is the classic (pre-KIP-848) consumer group protocol as a
// deterministic state machine: JoinGroup, SyncGroup, Heartbeat and
// LeaveGroup, with generations, leader election, protocol selection,
// rebalance and session timeouts, member ids required on join (KIP-394) and
// static membership (KIP-345).
//
// Time and member ids are inputs, so the machine can run unchanged inside a
// replicated state machine. Requests that Kafka answers later (a JoinGroup
// waits for the other members; a follower's SyncGroup waits for the leader)
// return no answer at once: the answer comes out of a later call, addressed
// to the member, in Effects.
//
//	Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
//	  ▲                    ▲   ▲                                        │ leader syncs
//	  │ last member leaves │   └──── join, leave, expiry ◀──────────── Stable ◀┘
//	  └────────────────────┴──────────────────────────────────────────────┘
//	Dead: deleted (DeleteGroups on an empty group)
package group

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// State of a group, with Kafka's names.
type State int

// States.
const (
	Empty State = iota
	PreparingRebalance
	CompletingRebalance
	Stable
	Dead
)

func (s State) String() string {
	return [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}[s]
}

// ParseState reads a state name as ListGroups filters name it (case-insensitive).
func ParseState(name string) (State, bool) {
	for s := Empty; s <= Dead; s++ {
		if equalFold(s.String(), name) {
			return s, true
		}
	}
	return 0, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Errors owned by this package, each one Kafka error code.
var (
	ErrUnknownMember            = errors.New("unknown member id")
	ErrIllegalGeneration        = errors.New("illegal generation")
	ErrRebalanceInProgress      = errors.New("rebalance in progress")
	ErrInconsistentProtocol     = errors.New("inconsistent group protocol")
	ErrInvalidSessionTimeout    = errors.New("invalid session timeout")
	ErrMemberIDRequired         = errors.New("member id required")
	ErrFencedInstanceID         = errors.New("fenced instance id")
	ErrGroupIDNotFound          = errors.New("group id not found")
	ErrNonEmptyGroup            = errors.New("group is not empty")
	ErrInvalidGroupID           = errors.New("invalid group id")
	ErrCoordinatorNotAvailable  = errors.New("coordinator not available")
	ErrGroupMaxSizeReached      = errors.New("group max size reached")
	ErrUnknownTopicSubscription = errors.New("group is subscribed to the topic")
)

// Config holds the broker's group settings.
type Config struct {
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms
	MaxSize               int           // group.max.size; 0 is unlimited
	// MaxMemberBytes bounds one member's protocol metadata and assignment
	// (group.member.metadata.max.bytes); 0 is unlimited.
	MaxMemberBytes int
}

// DefaultConfig is Kafka's defaults.
func DefaultConfig() Config {
	return Config{MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: 30 * time.Minute, InitialRebalanceDelay: 3 * time.Second}
}

// Protocol is one assignment protocol a member supports, with its metadata.
type Protocol struct {
	Name     string
	Metadata []byte
}

// Member is one member of a group.
type Member struct {
	ID               string
	InstanceID       string // static membership; "" for dynamic members
	ClientID         string
	ClientHost       string
	SessionTimeout   time.Duration
	RebalanceTimeout time.Duration
	Protocols        []Protocol
	Assignment       []byte
	// Subscription is what the member consumes (see JoinRequest). Stored
	// with the group; a member stored without one counts as subscribed to
	// every topic until it joins again.
	Subscription *Subscription `json:",omitempty"`

	deadline     time.Time // session expiry
	awaitingJoin bool      // has a JoinGroup waiting for the join phase to end
	awaitingSync bool      // has a SyncGroup waiting for the leader
	joinedGen    bool      // rejoined in the current join phase
}

// Subscription is the topics a member of a consumer group (protocol type
// "consumer") subscribes to, as its protocols' metadata lists them.
type Subscription struct {
	Topics []string
}

// Metadata returns the member's metadata for protocol name.
func (m *Member) Metadata(name string) []byte {
	for _, p := range m.Protocols {
		if p.Name == name {
			return p.Metadata
		}
	}
	return nil
}

// Group is one consumer group. Not safe for concurrent use.
type Group struct {
	ID           string
	State        State
	Generation   int32
	ProtocolType string
	Protocol     string
	Leader       string
	Members      map[string]*Member
	Instances    map[string]string // instance id → member id
	// pending holds member ids handed out with MEMBER_ID_REQUIRED that have
	// not joined yet (KIP-394), with their expiry.
	pending map[string]time.Time

	rebalanceDeadline time.Time // end of the join phase
	initialDelayEnd   time.Time // for the first rebalance of an empty group
	// pendingSync holds the members that have not sent SyncGroup since the
	// join phase completed; at syncDeadline (the rebalance timeout after
	// it) they are removed and the group rebalances, as in Kafka, so a
	// member that heartbeats but never syncs cannot stall its group.
	pendingSync  map[string]bool
	syncDeadline time.Time
}

// New returns an empty group.
func New(id string) *Group {
	return &Group{ID: id, Members: map[string]*Member{}, Instances: map[string]string{}, pending: map[string]time.Time{}}
}

// JoinResult answers a JoinGroup.
type JoinResult struct {
	Err          error
	Generation   int32
	ProtocolType string
	Protocol     string
	Leader       string
	MemberID     string
	Members      []*Member // for the leader only: every member with its metadata
	// SkipAssignment tells a static leader rejoining without a rebalance not
	// to assign again (JoinGroup v9).
	SkipAssignment bool
}

// SyncResult answers a SyncGroup.
type SyncResult struct {
	Err          error
	ProtocolType string
	Protocol     string
	Assignment   []byte
}

// Effects are answers to earlier requests that a call completed, by member id.
type Effects struct {
	Joins map[string]JoinResult
	Syncs map[string]SyncResult
	// Changed reports that the group's durable state (members, assignments,
	// generation) changed and should be saved.
	Changed bool
}

func (e *Effects) join(id string, r JoinResult) {
	if e.Joins == nil {
		e.Joins = map[string]JoinResult{}
	}
	e.Joins[id] = r
}

func (e *Effects) sync(id string, r SyncResult) {
	if e.Syncs == nil {
		e.Syncs = map[string]SyncResult{}
	}
	e.Syncs[id] = r
}

// JoinRequest is a JoinGroup.
type JoinRequest struct {
	MemberID         string
	InstanceID       string
	ClientID         string
	ClientHost       string
	ProtocolType     string
	Protocols        []Protocol
	SessionTimeout   time.Duration
	RebalanceTimeout time.Duration
	// RequireKnownMemberID is set for JoinGroup v4+ (KIP-394).
	RequireKnownMemberID bool
	// NewMemberID is the id to give a new member (an input, for determinism).
	NewMemberID string
	// Subscription is the topics the consumer protocol's metadata (protocol
	// type "consumer") subscribes to, every protocol's together, read by the
	// inbound adapter; nil when it was not read or some protocol's metadata
	// could not be read, which counts as subscribed to every topic.
	Subscription *Subscription
}

// Join handles a JoinGroup. When the answer is not ready, ok is false and
// the answer arrives later in Effects.Joins[memberID] (memberID is returned).
func (g *Group) Join(now time.Time, cfg Config, req JoinRequest) (res JoinResult, ok bool, memberID string, fx Effects) {
	fail := func(err error) (JoinResult, bool, string, Effects) {
		return JoinResult{Err: err, MemberID: req.MemberID, Generation: -1}, true, req.MemberID, fx
	}
	if g.State == Dead {
		return fail(ErrCoordinatorNotAvailable)
	}
	if n := protocolBytes(req.Protocols); cfg.MaxMemberBytes > 0 && n > cfg.MaxMemberBytes {
		return fail(fmt.Errorf("%w: %d bytes of protocol metadata, at most %d", ErrMemberTooLarge, n, cfg.MaxMemberBytes))
	}
	if req.SessionTimeout < cfg.MinSessionTimeout || req.SessionTimeout > cfg.MaxSessionTimeout {
		return fail(fmt.Errorf("%w: %v is outside [%v, %v]", ErrInvalidSessionTimeout, req.SessionTimeout, cfg.MinSessionTimeout, cfg.MaxSessionTimeout))
	}
	if req.ProtocolType == "" || len(req.Protocols) == 0 {
		return fail(fmt.Errorf("%w: no protocol type or protocols", ErrInconsistentProtocol))
	}
	if !g.supports(req.ProtocolType, req.Protocols) {
		return fail(fmt.Errorf("%w: protocol type %q or protocols do not match the group's", ErrInconsistentProtocol, req.ProtocolType))
	}
	if req.RebalanceTimeout <= 0 {
		req.RebalanceTimeout = req.SessionTimeout
	}

	if req.MemberID == "" {
		return g.joinUnknown(now, cfg, req)
	}
	m, known := g.Members[req.MemberID]
	if !known {
		if _, pend := g.pending[req.MemberID]; pend && req.InstanceID == "" {
			delete(g.pending, req.MemberID)
			return g.addAndRebalance(now, cfg, req, req.MemberID)
		}
	}
	if req.InstanceID != "" {
		// As Kafka: an instance id that now belongs to another member id
		// fences the caller (a zombie must not be told to rejoin without a
		// member id, which would fence the live member); one the group does
		// not know makes the caller reset its member id.
		cur, ok := g.Instances[req.InstanceID]
		if ok && cur != req.MemberID {
			return fail(fmt.Errorf("%w: instance %q is now member %q", ErrFencedInstanceID, req.InstanceID, cur))
		}
		if !ok {
			return fail(fmt.Errorf("%w: instance %q is not in %q", ErrUnknownMember, req.InstanceID, g.ID))
		}
	}
	if !known {
		return fail(fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, req.MemberID, g.ID))
	}
	if m.InstanceID != req.InstanceID {
		return fail(fmt.Errorf("%w: member %q belongs to instance %q", ErrFencedInstanceID, m.ID, m.InstanceID))
	}
	changed := !sameProtocols(m.Protocols, req.Protocols)
	g.update(now, m, req)
	switch g.State {
	case PreparingRebalance:
		return g.await(now, m, fx)
	case CompletingRebalance:
		if !changed {
			// A duplicate JoinGroup (e.g. a retried one): answer as the join
			// phase did, the leader with the members it must assign to.
			res := g.joinResult(m.ID)
			if m.ID == g.Leader {
				res.Members = g.memberList()
			}
			return res, true, m.ID, fx
		}
	case Stable:
		if !changed && m.ID != g.Leader {
			return g.joinResult(m.ID), true, m.ID, fx
		}
	}
	fx = g.prepareRebalance(now, cfg, fx)
	return g.await(now, m, fx)
}

func (g *Group) joinUnknown(now time.Time, cfg Config, req JoinRequest) (JoinResult, bool, string, Effects) {
	var fx Effects
	if g.full(cfg) && (req.InstanceID == "" || g.Instances[req.InstanceID] == "") {
		// As Kafka: a full group hands out no member id. Pending ids count,
		// so that joins without a member id cannot grow the group's
		// bookkeeping past group.max.size either.
		return JoinResult{Err: fmt.Errorf("%w: %q has %d members and %d pending joins (group.max.size %d)", ErrGroupMaxSizeReached, g.ID, len(g.Members), len(g.pending), cfg.MaxSize), Generation: -1}, true, "", fx
	}
	if req.InstanceID != "" {
		if old, ok := g.Instances[req.InstanceID]; ok {
			return g.replaceStatic(now, cfg, req, old)
		}
		return g.addAndRebalance(now, cfg, req, req.NewMemberID)
	}
	if req.RequireKnownMemberID {
		g.pending[req.NewMemberID] = now.Add(req.SessionTimeout)
		return JoinResult{Err: ErrMemberIDRequired, MemberID: req.NewMemberID, Generation: -1}, true, req.NewMemberID, fx
	}
	return g.addAndRebalance(now, cfg, req, req.NewMemberID)
}

// replaceStatic gives a rejoining static member a new member id, fencing the
// old one. A stable group keeps its assignment and does not rebalance unless
// the member's protocols change the group's selected protocol (KIP-345; the
// metadata itself may differ, e.g. a restarted consumer owns nothing yet).
func (g *Group) replaceStatic(now time.Time, cfg Config, req JoinRequest, oldID string) (JoinResult, bool, string, Effects) {
	var fx Effects
	old := g.Members[oldID]
	m := &Member{ID: req.NewMemberID, InstanceID: req.InstanceID, Assignment: old.Assignment}
	// Answer whatever the fenced member was still waiting for.
	if old.awaitingJoin {
		fx.join(oldID, JoinResult{Err: ErrFencedInstanceID, MemberID: oldID, Generation: -1})
	}
	if old.awaitingSync {
		fx.sync(oldID, SyncResult{Err: ErrFencedInstanceID})
	}
	delete(g.Members, oldID)
	g.Members[m.ID] = m
	g.Instances[req.InstanceID] = m.ID
	if g.Leader == oldID {
		g.Leader = m.ID
	}
	g.update(now, m, req)
	fx.Changed = true
	switch {
	case g.State == Stable && g.selectProtocol() == g.Protocol:
		res := g.joinResult(m.ID)
		if m.ID == g.Leader {
			// As Kafka: the answer names the old member id as leader, so a
			// client before JoinGroup v9 sees it is not the leader and does
			// not assign again (a stable group would not pass the new
			// assignment on); v9 clients learn it leads from SkipAssignment.
			res.Leader = oldID
			res.Members = g.memberList()
			res.SkipAssignment = true
		}
		return res, true, m.ID, fx
	case g.State == PreparingRebalance:
		return g.await(now, m, fx)
	}
	fx = g.prepareRebalance(now, cfg, fx)
	return g.await(now, m, fx)
}

func (g *Group) addAndRebalance(now time.Time, cfg Config, req JoinRequest, id string) (JoinResult, bool, string, Effects) {
	var fx Effects
	if g.full(cfg) {
		return JoinResult{Err: fmt.Errorf("%w: %q has %d members (group.max.size %d)", ErrGroupMaxSizeReached, g.ID, len(g.Members), cfg.MaxSize), MemberID: id, Generation: -1}, true, id, fx
	}
	m := &Member{ID: id, InstanceID: req.InstanceID}
	g.Members[id] = m
	if req.InstanceID != "" {
		g.Instances[req.InstanceID] = id
	}
	if len(g.Members) == 1 {
		g.ProtocolType = req.ProtocolType
	}
	g.update(now, m, req)
	if g.State != PreparingRebalance {
		fx = g.prepareRebalance(now, cfg, fx)
	}
	return g.await(now, m, fx)
}

// full reports whether the group takes no new member: its members and the
// member ids handed out and not yet used reach group.max.size.
func (g *Group) full(cfg Config) bool {
	return cfg.MaxSize > 0 && len(g.Members)+len(g.pending) >= cfg.MaxSize
}

func (g *Group) update(now time.Time, m *Member, req JoinRequest) {
	m.ClientID, m.ClientHost = req.ClientID, req.ClientHost
	m.SessionTimeout, m.RebalanceTimeout = req.SessionTimeout, req.RebalanceTimeout
	m.Protocols, m.Subscription = req.Protocols, req.Subscription
	m.deadline = now.Add(req.SessionTimeout)
}

// await parks m's JoinGroup until the join phase ends, ending it now if
// every member has joined.
func (g *Group) await(now time.Time, m *Member, fx Effects) (JoinResult, bool, string, Effects) {
	m.awaitingJoin, m.joinedGen = true, true
	if res, ok := g.maybeCompleteJoin(now, m.ID, &fx); ok {
		return res, true, m.ID, fx
	}
	return JoinResult{}, false, m.ID, fx
}

// prepareRebalance starts a join phase: every member must rejoin.
func (g *Group) prepareRebalance(now time.Time, cfg Config, fx Effects) Effects {
	// Members waiting on a SyncGroup learn that they must rejoin; their
	// session restarts with the answer (as in Kafka), or a member parked
	// longer than its session would expire before it could rejoin.
	for _, m := range g.Members {
		if m.awaitingSync {
			m.awaitingSync = false
			m.deadline = now.Add(m.SessionTimeout)
			fx.sync(m.ID, SyncResult{Err: ErrRebalanceInProgress})
		}
		m.joinedGen = false
	}
	wasEmpty := g.State == Empty
	g.State = PreparingRebalance
	g.pendingSync = nil
	g.rebalanceDeadline = now
	for _, m := range g.Members {
		if d := now.Add(m.RebalanceTimeout); d.After(g.rebalanceDeadline) {
			g.rebalanceDeadline = d
		}
	}
	g.initialDelayEnd = time.Time{}
	if wasEmpty && cfg.InitialRebalanceDelay > 0 {
		// Let more members of a starting group arrive before assigning
		// (group.initial.rebalance.delay.ms).
		g.initialDelayEnd = now.Add(cfg.InitialRebalanceDelay)
		g.rebalanceDeadline = g.initialDelayEnd
	}
	return fx
}

// maybeCompleteJoin ends the join phase when every member has rejoined (and
// any initial delay is over). self names the caller, whose answer is
// returned rather than put in fx.
func (g *Group) maybeCompleteJoin(now time.Time, self string, fx *Effects) (JoinResult, bool) {
	if g.State != PreparingRebalance {
		return JoinResult{}, false
	}
	if !g.initialDelayEnd.IsZero() && now.Before(g.initialDelayEnd) {
		return JoinResult{}, false
	}
	for _, m := range g.Members {
		if !m.joinedGen {
			return JoinResult{}, false
		}
	}
	return g.completeJoin(now, self, fx)
}

// completeJoin starts a new generation with the members that rejoined.
func (g *Group) completeJoin(now time.Time, self string, fx *Effects) (JoinResult, bool) {
	for id, m := range g.Members {
		// Dynamic members that did not rejoin in time are removed; static
		// members keep their place until their session expires.
		if !m.joinedGen && m.InstanceID == "" {
			g.removeMember(id)
			fx.Changed = true
		}
	}
	g.initialDelayEnd = time.Time{}
	if len(g.Members) > 0 && !g.electJoinedLeader() {
		// Only static members that have not rejoined are left: nobody could
		// be told of a new generation. Wait another rebalance timeout for
		// them (their sessions may expire meanwhile), as Kafka does.
		g.rebalanceDeadline = now
		for _, m := range g.Members {
			if d := now.Add(m.RebalanceTimeout); d.After(g.rebalanceDeadline) {
				g.rebalanceDeadline = d
			}
		}
		return JoinResult{}, false
	}
	g.Generation++
	fx.Changed = true
	if len(g.Members) == 0 {
		g.State, g.Protocol, g.Leader = Empty, "", ""
		return JoinResult{}, false
	}
	g.Protocol = g.selectProtocol()
	g.State = CompletingRebalance
	g.pendingSync = make(map[string]bool, len(g.Members))
	g.syncDeadline = now
	for id, m := range g.Members {
		g.pendingSync[id] = true
		if d := now.Add(m.RebalanceTimeout); d.After(g.syncDeadline) {
			g.syncDeadline = d
		}
	}
	var mine JoinResult
	found := false
	for id, m := range g.Members {
		m.deadline = now.Add(m.SessionTimeout)
		if !m.awaitingJoin {
			continue
		}
		m.awaitingJoin = false
		res := g.joinResult(id)
		if id == g.Leader {
			res.Members = g.memberList()
		}
		if id == self {
			mine, found = res, true
			continue
		}
		fx.join(id, res)
	}
	return mine, found
}

// electJoinedLeader makes sure the leader is a member that rejoined in this
// join phase, since only the leader is sent the members to assign to: a
// static leader that did not rejoin keeps its membership but not the lead.
// It reports false when no member rejoined.
func (g *Group) electJoinedLeader() bool {
	if m, ok := g.Members[g.Leader]; ok && m.joinedGen {
		return true
	}
	for _, id := range slices.Sorted(maps.Keys(g.Members)) {
		if g.Members[id].joinedGen {
			g.Leader = id
			return true
		}
	}
	return false
}

func (g *Group) joinResult(id string) JoinResult {
	return JoinResult{Generation: g.Generation, ProtocolType: g.ProtocolType, Protocol: g.Protocol, Leader: g.Leader, MemberID: id}
}

// memberList is every member, in a stable order, for the leader.
func (g *Group) memberList() []*Member {
	out := make([]*Member, 0, len(g.Members))
	for _, m := range g.Members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (g *Group) firstMember() string {
	return slices.Sorted(maps.Keys(g.Members))[0]
}

// selectProtocol picks the protocol every member supports that most members
// prefer (each votes for its first supported choice), ties broken by the
// name, as Kafka does.
func (g *Group) selectProtocol() string {
	candidates := map[string]int{}
	first := true
	for _, m := range g.Members {
		names := map[string]bool{}
		for _, p := range m.Protocols {
			names[p.Name] = true
		}
		if first {
			for n := range names {
				candidates[n] = 0
			}
			first = false
			continue
		}
		for n := range candidates {
			if !names[n] {
				delete(candidates, n)
			}
		}
	}
	for _, m := range g.Members {
		for _, p := range m.Protocols {
			if _, ok := candidates[p.Name]; ok {
				candidates[p.Name]++
				break
			}
		}
	}
	best, votes := "", -1
	for n, v := range candidates {
		if v > votes || v == votes && n < best {
			best, votes = n, v
		}
	}
	return best
}

// supports reports whether a joining member is compatible with the group.
func (g *Group) supports(protocolType string, protocols []Protocol) bool {
	if len(g.Members) == 0 {
		return true
	}
	if protocolType != g.ProtocolType {
		return false
	}
	// Some protocol must be supported by every current member and the joiner.
	for _, p := range protocols {
		all := true
		for _, m := range g.Members {
			if !slices.ContainsFunc(m.Protocols, func(mp Protocol) bool { return mp.Name == p.Name }) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func sameProtocols(a, b []Protocol) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || string(a[i].Metadata) != string(b[i].Metadata) {
			return false
		}
	}
	return true
}

func (g *Group) removeMember(id string) {
	m, ok := g.Members[id]
	if !ok {
		return
	}
	delete(g.Members, id)
	delete(g.pendingSync, id)
	if m.InstanceID != "" && g.Instances[m.InstanceID] == id {
		delete(g.Instances, m.InstanceID)
	}
	if g.Leader == id {
		g.Leader = ""
		if len(g.Members) > 0 {
			g.Leader = g.firstMember()
		}
	}
}
