package group

// The new consumer group protocol (KIP-848): ConsumerGroupHeartbeat drives a
// member towards a target assignment that the coordinator computes with a
// server-side assignor. As in Kafka's GroupMetadataManager:
//
//   - the group epoch is bumped when a member joins, leaves or changes its
//     subscription, or when the subscribed topics' partition counts change;
//   - a group epoch newer than the assignment epoch recomputes the target
//     assignment of every member (the assignment epoch becomes the group
//     epoch);
//   - each member reconciles towards its target on its own heartbeats: it is
//     first told to revoke partitions it must give up (keeping its epoch,
//     state UnrevokedPartitions) and, once its heartbeat's owned partitions
//     show it did, moves to the target epoch. It is given a partition only
//     when no other member still owns it (assigned or pending revocation);
//     until then it waits in UnreleasedPartitions;
//   - a member that does not heartbeat within the session timeout, or does
//     not revoke within its rebalance timeout, is removed.
//
// Member epoch -1 leaves; -2 is a static member leaving temporarily: it
// keeps its assignment until its session expires or its instance rejoins
// under a new member id, which takes the assignment over without a
// rebalance.

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"time"
)

// Errors of the new protocol.
var (
	ErrFencedMemberEpoch    = errors.New("fenced member epoch")
	ErrStaleMemberEpoch     = errors.New("stale member epoch")
	ErrUnsupportedAssignor  = errors.New("unsupported assignor")
	ErrUnreleasedInstanceID = errors.New("unreleased instance id")
	ErrInvalidRequest       = errors.New("invalid request")
	ErrInvalidRegex         = errors.New("invalid regular expression")
)

// Assignor names.
const (
	AssignorUniform = "uniform"
	AssignorRange   = "range"
)

// defaultRebalanceTimeout bounds a revocation when a member gave no
// rebalance timeout (the Java client's default).
const defaultRebalanceTimeout = 5 * time.Minute

// Member epochs with a meaning.
const (
	LeaveEpoch       int32 = -1
	StaticLeaveEpoch int32 = -2
)

// ConsumerConfig holds the broker's settings for consumer groups.
type ConsumerConfig struct {
	SessionTimeout    time.Duration // group.consumer.session.timeout.ms
	HeartbeatInterval time.Duration // group.consumer.heartbeat.interval.ms
	MaxSize           int           // group.consumer.max.size; 0 is unlimited
	// MaxMemberBytes bounds one member's subscription: its topic names and
	// regex together (group.member.metadata.max.bytes); 0 is unlimited.
	MaxMemberBytes int
}

// DefaultConsumerConfig is Kafka's defaults.
func DefaultConsumerConfig() ConsumerConfig {
	return ConsumerConfig{SessionTimeout: 45 * time.Second, HeartbeatInterval: 5 * time.Second}
}

// ConsumerState is a consumer group's state, with Kafka's names.
type ConsumerState int

// Consumer group states. Assigning does not last: the target assignment is
// computed within the heartbeat that bumps the group epoch.
const (
	ConsumerEmpty ConsumerState = iota
	ConsumerAssigning
	ConsumerReconciling
	ConsumerStable
	ConsumerDead
)

func (s ConsumerState) String() string {
	return [...]string{"Empty", "Assigning", "Reconciling", "Stable", "Dead"}[s]
}

// MemberState is where a member is in its reconciliation.
type MemberState int

// Member states.
const (
	MemberStable               MemberState = iota
	MemberUnrevokedPartitions              // must revoke Revoking first
	MemberUnreleasedPartitions             // waits for others to release part of its target
)

// Assignment maps topic names to sorted partitions.
type Assignment map[string][]int32

// TopicMetadata maps topic names to their partition counts.
type TopicMetadata map[string]int32

// ConsumerMember is one member of a consumer group.
type ConsumerMember struct {
	ID               string
	InstanceID       string
	RackID           string
	ClientID         string
	ClientHost       string
	Epoch            int32
	PreviousEpoch    int32
	State            MemberState
	RebalanceTimeout time.Duration
	Subscribed       []string
	Regex            string
	Assignor         string
	Assigned         Assignment // partitions the member may own now
	Revoking         Assignment // partitions it must release first

	deadline       time.Time // session expiry
	revokeDeadline time.Time // zero unless revoking
}

// ConsumerGroup is one KIP-848 consumer group. Not safe for concurrent use.
type ConsumerGroup struct {
	ID              string
	Epoch           int32
	AssignmentEpoch int32
	Members         map[string]*ConsumerMember
	// Topics is the partition count of every subscribed topic that exists,
	// as of the last heartbeat (the subscription metadata).
	Topics TopicMetadata
	// Target is each member's target assignment at AssignmentEpoch.
	Target map[string]Assignment
	Dead   bool
}

// NewConsumerGroup returns an empty consumer group.
func NewConsumerGroup(id string) *ConsumerGroup {
	return &ConsumerGroup{ID: id, Members: map[string]*ConsumerMember{}, Topics: TopicMetadata{}, Target: map[string]Assignment{}}
}

// State derives the group's state.
func (g *ConsumerGroup) State() ConsumerState {
	switch {
	case g.Dead:
		return ConsumerDead
	case len(g.Members) == 0:
		return ConsumerEmpty
	case g.AssignmentEpoch != g.Epoch:
		return ConsumerAssigning
	}
	for _, m := range g.Members {
		if m.Epoch != g.AssignmentEpoch && m.Epoch != StaticLeaveEpoch || m.State != MemberStable {
			return ConsumerReconciling
		}
	}
	return ConsumerStable
}

// Empty reports whether the group has no members.
func (g *ConsumerGroup) Empty() bool { return len(g.Members) == 0 }

// ConsumerHeartbeat is a ConsumerGroupHeartbeat. Pointer and nil fields are
// "unchanged since the last heartbeat", as on the wire.
type ConsumerHeartbeat struct {
	MemberID         string
	MemberEpoch      int32
	InstanceID       *string
	RackID           *string
	RebalanceTimeout time.Duration // negative: unchanged
	SubscribedTopics []string      // nil: unchanged
	Regex            *string
	Assignor         *string
	Owned            Assignment // nil: unchanged (topics the broker does not know are left out)
	ClientID         string
	ClientHost       string
}

// ConsumerHeartbeatResult answers a heartbeat.
type ConsumerHeartbeatResult struct {
	Err               error
	MemberID          string
	MemberEpoch       int32
	HeartbeatInterval time.Duration
	Assignment        Assignment // nil: not sent
}

// Heartbeat handles a ConsumerGroupHeartbeat. meta is every existing
// topic's partition count. changed reports that the durable state changed.
func (g *ConsumerGroup) Heartbeat(now time.Time, cfg ConsumerConfig, meta TopicMetadata, req ConsumerHeartbeat) (res ConsumerHeartbeatResult, changed bool) {
	fail := func(err error) (ConsumerHeartbeatResult, bool) {
		return ConsumerHeartbeatResult{Err: err, MemberID: req.MemberID, MemberEpoch: req.MemberEpoch}, changed
	}
	if g.Dead {
		return fail(ErrCoordinatorNotAvailable)
	}
	if err := validateHeartbeat(req); err != nil {
		return fail(err)
	}
	if n := subscriptionBytes(req); cfg.MaxMemberBytes > 0 && n > cfg.MaxMemberBytes {
		return fail(fmt.Errorf("%w: the subscription is %d bytes, at most %d", ErrMemberTooLarge, n, cfg.MaxMemberBytes))
	}
	if req.MemberEpoch == LeaveEpoch || req.MemberEpoch == StaticLeaveEpoch {
		return g.leave(now, req)
	}
	var m *ConsumerMember
	bump := false
	if req.MemberEpoch == 0 {
		var err error
		m, bump, err = g.join(cfg, req)
		if err != nil {
			return fail(err)
		}
		changed = true
	} else {
		m = g.Members[req.MemberID]
		if m == nil {
			return fail(fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, req.MemberID, g.ID))
		}
		if err := m.checkEpoch(req.MemberEpoch, req.Owned); err != nil {
			return fail(err)
		}
	}
	if m.update(req) {
		bump, changed = true, true
	}
	m.deadline = now.Add(cfg.SessionTimeout)
	if g.refreshTopics(meta) {
		bump, changed = true, true
	}
	if bump {
		// One bump per heartbeat, however many reasons it has.
		g.Epoch++
	}
	if g.maybeAssign() {
		changed = true
	}
	before := m.Assigned
	if g.reconcile(now, m, req.Owned) {
		changed = true
	}
	res = ConsumerHeartbeatResult{MemberID: m.ID, MemberEpoch: m.Epoch, HeartbeatInterval: cfg.HeartbeatInterval}
	if req.MemberEpoch == 0 || req.Owned != nil || !before.Equal(m.Assigned) {
		res.Assignment = m.Assigned.Clone()
	}
	return res, changed
}

// subscriptionBytes is what a heartbeat asks the group to keep for its
// member's subscription.
func subscriptionBytes(req ConsumerHeartbeat) int {
	n := 0
	for _, t := range req.SubscribedTopics {
		n += len(t)
	}
	if req.Regex != nil {
		n += len(*req.Regex)
	}
	return n
}

func validateHeartbeat(req ConsumerHeartbeat) error {
	switch {
	case req.MemberID == "":
		return fmt.Errorf("%w: the member id is empty (ConsumerGroupHeartbeat v1 members choose their id)", ErrInvalidRequest)
	case req.MemberEpoch < StaticLeaveEpoch:
		return fmt.Errorf("%w: member epoch %d", ErrInvalidRequest, req.MemberEpoch)
	case req.MemberEpoch == 0 && req.SubscribedTopics == nil && req.Regex == nil:
		return fmt.Errorf("%w: a joining member must send its subscribed topic names or regex", ErrInvalidRequest)
	case req.MemberEpoch == 0 && req.RebalanceTimeout < 0:
		return fmt.Errorf("%w: a joining member must send its rebalance timeout", ErrInvalidRequest)
	case req.MemberEpoch == 0 && len(req.Owned) > 0:
		return fmt.Errorf("%w: a joining member cannot own partitions", ErrInvalidRequest)
	case req.Assignor != nil && *req.Assignor != "" && *req.Assignor != AssignorUniform && *req.Assignor != AssignorRange:
		return fmt.Errorf("%w: %q (the broker has %q and %q)", ErrUnsupportedAssignor, *req.Assignor, AssignorUniform, AssignorRange)
	}
	if req.Regex != nil && *req.Regex != "" {
		if _, err := regexp.Compile(*req.Regex); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidRegex, err)
		}
	}
	return nil
}

// join handles epoch 0: a new member, a member rejoining after it lost its
// state (it owns nothing now), or a static member's new incarnation.
// It reports whether the membership changed (a new member).
func (g *ConsumerGroup) join(cfg ConsumerConfig, req ConsumerHeartbeat) (*ConsumerMember, bool, error) {
	if m, ok := g.Members[req.MemberID]; ok {
		// The member abandoned its partitions: it starts from nothing
		// towards its unchanged target.
		m.Epoch, m.PreviousEpoch, m.State = 0, 0, MemberStable
		m.Assigned, m.Revoking, m.revokeDeadline = Assignment{}, nil, time.Time{}
		return m, false, nil
	}
	if req.InstanceID != nil && *req.InstanceID != "" {
		if old := g.instance(*req.InstanceID); old != nil {
			if old.Epoch != StaticLeaveEpoch {
				return nil, false, fmt.Errorf("%w: instance %q is still member %q", ErrUnreleasedInstanceID, *req.InstanceID, old.ID)
			}
			// The returning static member takes its predecessor's place and
			// assignment; the group epoch does not change.
			m := *old
			m.ID = req.MemberID
			m.Epoch = old.PreviousEpoch
			delete(g.Members, old.ID)
			g.Members[m.ID] = &m
			if t, ok := g.Target[old.ID]; ok {
				delete(g.Target, old.ID)
				g.Target[m.ID] = t
			}
			return &m, false, nil
		}
	}
	if cfg.MaxSize > 0 && len(g.Members) >= cfg.MaxSize {
		return nil, false, fmt.Errorf("%w: %q has %d members", ErrGroupMaxSizeReached, g.ID, len(g.Members))
	}
	m := &ConsumerMember{ID: req.MemberID, Assigned: Assignment{}}
	g.Members[m.ID] = m
	return m, true, nil
}

func (g *ConsumerGroup) instance(id string) *ConsumerMember {
	for _, m := range g.Members {
		if m.InstanceID == id {
			return m
		}
	}
	return nil
}

// checkEpoch applies Kafka's rule: a member may be one epoch behind only when
// it lost the response that moved it on, and then it must not own more than
// it is assigned.
func (m *ConsumerMember) checkEpoch(epoch int32, owned Assignment) error {
	if epoch == m.Epoch {
		return nil
	}
	if epoch < m.Epoch && epoch == m.PreviousEpoch && (owned == nil || owned.SubsetOf(m.Assigned)) {
		return nil
	}
	return fmt.Errorf("%w: member %q sent epoch %d, its epoch is %d", ErrFencedMemberEpoch, m.ID, epoch, m.Epoch)
}

// update applies the fields a heartbeat changes and reports whether the
// subscription changed (which bumps the group epoch).
func (m *ConsumerMember) update(req ConsumerHeartbeat) bool {
	bump := false
	if req.InstanceID != nil {
		m.InstanceID = *req.InstanceID
	}
	if req.RackID != nil {
		m.RackID = *req.RackID
	}
	if req.RebalanceTimeout >= 0 {
		m.RebalanceTimeout = req.RebalanceTimeout
	}
	if req.ClientID != "" || req.ClientHost != "" {
		m.ClientID, m.ClientHost = req.ClientID, req.ClientHost
	}
	if req.SubscribedTopics != nil {
		s := slices.Clone(req.SubscribedTopics)
		slices.Sort(s)
		s = slices.Compact(s)
		if !slices.Equal(s, m.Subscribed) {
			m.Subscribed = s
			bump = true
		}
	}
	if req.Regex != nil && *req.Regex != m.Regex {
		m.Regex = *req.Regex
		bump = true
	}
	if req.Assignor != nil && *req.Assignor != m.Assignor {
		m.Assignor = *req.Assignor
		bump = true
	}
	return bump
}

// leave handles epochs -1 and -2.
func (g *ConsumerGroup) leave(now time.Time, req ConsumerHeartbeat) (ConsumerHeartbeatResult, bool) {
	m, ok := g.Members[req.MemberID]
	if !ok {
		return ConsumerHeartbeatResult{Err: fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, req.MemberID, g.ID), MemberID: req.MemberID, MemberEpoch: req.MemberEpoch}, false
	}
	res := ConsumerHeartbeatResult{MemberID: m.ID, MemberEpoch: req.MemberEpoch}
	if req.MemberEpoch == StaticLeaveEpoch && m.InstanceID != "" {
		// Keep the assignment for the instance's return (or until the
		// session expires).
		if m.Epoch != StaticLeaveEpoch {
			m.PreviousEpoch = m.Epoch
		}
		m.Epoch = StaticLeaveEpoch
		return res, true
	}
	g.remove(m.ID)
	return res, true
}

// remove takes members out of the group, bumps the group epoch once and
// recomputes the target assignment of the others.
func (g *ConsumerGroup) remove(ids ...string) {
	for _, id := range ids {
		delete(g.Members, id)
		delete(g.Target, id)
	}
	g.refreshTopics(g.Topics) // only shrinks: no new metadata
	g.Epoch++
	if len(g.Members) == 0 {
		g.Topics = TopicMetadata{}
		g.Target = map[string]Assignment{}
		g.AssignmentEpoch = g.Epoch
		return
	}
	g.maybeAssign()
}

// subscribedTo reports whether m subscribes to topic (by name or regex).
func (m *ConsumerMember) subscribedTo(topic string, re *regexp.Regexp) bool {
	if _, ok := slices.BinarySearch(m.Subscribed, topic); ok {
		return true
	}
	return re != nil && re.MatchString(topic)
}

// regex compiles the member's regex, matched against the whole topic name
// as Kafka does; nil when it has none.
func (m *ConsumerMember) regex() *regexp.Regexp {
	if m.Regex == "" {
		return nil
	}
	re, err := regexp.Compile("^(?:" + m.Regex + ")$")
	if err != nil {
		return nil
	}
	return re
}

// refreshTopics recomputes the subscription metadata from meta and reports
// whether it changed.
func (g *ConsumerGroup) refreshTopics(meta TopicMetadata) bool {
	next := TopicMetadata{}
	for _, m := range g.Members {
		re := m.regex()
		for _, t := range m.Subscribed {
			if n, ok := meta[t]; ok {
				next[t] = n
			}
		}
		if re != nil {
			for t, n := range meta {
				if re.MatchString(t) && !isInternalTopic(t) {
					next[t] = n
				}
			}
		}
	}
	if next.equal(g.Topics) {
		return false
	}
	g.Topics = next
	return true
}

func isInternalTopic(t string) bool { return t == "__consumer_offsets" || t == "__transaction_state" }

func (a TopicMetadata) equal(b TopicMetadata) bool {
	if len(a) != len(b) {
		return false
	}
	for t, n := range a {
		if m, ok := b[t]; !ok || m != n {
			return false
		}
	}
	return true
}

// maybeAssign recomputes the target assignment when the group epoch moved.
func (g *ConsumerGroup) maybeAssign() bool {
	if g.AssignmentEpoch == g.Epoch {
		return false
	}
	subs := map[string][]string{}
	for id, m := range g.Members {
		re := m.regex()
		var ts []string
		for t := range g.Topics {
			if m.subscribedTo(t, re) {
				ts = append(ts, t)
			}
		}
		sort.Strings(ts)
		subs[id] = ts
	}
	in := AssignInput{Members: subs, Topics: g.Topics, Previous: g.Target}
	if g.assignor() == AssignorRange {
		g.Target = AssignRange(in)
	} else {
		g.Target = AssignUniform(in)
	}
	g.AssignmentEpoch = g.Epoch
	return true
}

// assignor is the one most members ask for (ties by name), uniform when
// none asks, as Kafka picks it.
func (g *ConsumerGroup) assignor() string {
	votes := map[string]int{}
	for _, m := range g.Members {
		if m.Assignor != "" {
			votes[m.Assignor]++
		}
	}
	best, n := AssignorUniform, 0
	for _, name := range []string{AssignorRange, AssignorUniform} {
		if votes[name] > n {
			best, n = name, votes[name]
		}
	}
	return best
}

// AssignorName is the assignor the group uses now.
func (g *ConsumerGroup) AssignorName() string { return g.assignor() }

// ownedByOthers reports whether a member other than self holds the
// partition, assigned or pending revocation.
func (g *ConsumerGroup) ownedByOthers(self, topic string, p int32) bool {
	for id, m := range g.Members {
		if id != self && (m.Assigned.Has(topic, p) || m.Revoking.Has(topic, p)) {
			return true
		}
	}
	return false
}

// reconcile moves m towards its target; reports whether m changed.
func (g *ConsumerGroup) reconcile(now time.Time, m *ConsumerMember, owned Assignment) bool {
	switch m.State {
	case MemberUnrevokedPartitions:
		if owned == nil || owned.Overlaps(m.Revoking) {
			return false // still waiting for the revocation
		}
		m.Revoking, m.revokeDeadline = nil, time.Time{}
		g.nextAssignment(now, m)
		return true
	case MemberUnreleasedPartitions:
		return g.nextAssignment(now, m)
	default:
		if m.Epoch != g.AssignmentEpoch {
			return g.nextAssignment(now, m)
		}
		return false
	}
}

// nextAssignment is Kafka's CurrentAssignmentBuilder.computeNextAssignment.
func (g *ConsumerGroup) nextAssignment(now time.Time, m *ConsumerMember) bool {
	target := g.Target[m.ID]
	keep, revoke, add := Assignment{}, Assignment{}, Assignment{}
	unreleased := false
	for t, ps := range m.Assigned {
		for _, p := range ps {
			if target.Has(t, p) {
				keep.add(t, p)
			} else {
				revoke.add(t, p)
			}
		}
	}
	for t, ps := range target {
		for _, p := range ps {
			if m.Assigned.Has(t, p) {
				continue
			}
			if g.ownedByOthers(m.ID, t, p) {
				unreleased = true
			} else {
				add.add(t, p)
			}
		}
	}
	prev := *m
	switch {
	case len(revoke) > 0:
		m.State, m.Assigned, m.Revoking = MemberUnrevokedPartitions, keep, revoke
		if prev.State != MemberUnrevokedPartitions || m.revokeDeadline.IsZero() {
			d := m.RebalanceTimeout
			if d <= 0 {
				d = defaultRebalanceTimeout
			}
			m.revokeDeadline = now.Add(d)
		}
	case unreleased:
		m.State = MemberUnreleasedPartitions
		m.Assigned = keep.union(add)
		m.setEpoch(g.AssignmentEpoch)
	default:
		m.State = MemberStable
		m.Assigned = keep.union(add)
		m.setEpoch(g.AssignmentEpoch)
	}
	return prev.State != m.State || prev.Epoch != m.Epoch || !prev.Assigned.Equal(m.Assigned) || !prev.Revoking.Equal(m.Revoking)
}

func (m *ConsumerMember) setEpoch(e int32) {
	if m.Epoch != e {
		m.PreviousEpoch, m.Epoch = m.Epoch, e
	}
}

// Tick removes members whose session expired or who did not revoke within
// their rebalance timeout. It reports whether the group changed.
func (g *ConsumerGroup) Tick(now time.Time) bool {
	var gone []string
	for id, m := range g.Members {
		if !now.Before(m.deadline) || !m.revokeDeadline.IsZero() && !now.Before(m.revokeDeadline) {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return false
	}
	sort.Strings(gone)
	g.remove(gone...)
	return true
}

// NextDeadline is when Tick next has work; zero when there is none.
func (g *ConsumerGroup) NextDeadline() time.Time {
	var next earliest
	for _, m := range g.Members {
		next.consider(m.deadline)
		next.consider(m.revokeDeadline)
	}
	return next.t
}

// CanCommit checks an OffsetCommit's member and epoch (carried in the
// generation field). A commit with a negative epoch (a tool, or a consumer
// not using the group) is allowed while the group has no members.
func (g *ConsumerGroup) CanCommit(memberID string, epoch int32) error {
	if g.Dead {
		return ErrCoordinatorNotAvailable
	}
	if epoch < 0 && len(g.Members) == 0 {
		return nil
	}
	m, ok := g.Members[memberID]
	if !ok {
		return fmt.Errorf("%w: %q is not a member of %q", ErrUnknownMember, memberID, g.ID)
	}
	switch {
	case epoch > m.Epoch:
		return fmt.Errorf("%w: commit with epoch %d, member %q is at %d", ErrFencedMemberEpoch, epoch, memberID, m.Epoch)
	case epoch < m.Epoch:
		return fmt.Errorf("%w: commit with epoch %d, member %q is at %d", ErrStaleMemberEpoch, epoch, memberID, m.Epoch)
	}
	return nil
}

// Delete marks an empty group dead.
func (g *ConsumerGroup) Delete() error {
	if len(g.Members) > 0 {
		return fmt.Errorf("%w: %q has %d members", ErrNonEmptyGroup, g.ID, len(g.Members))
	}
	g.Dead = true
	return nil
}

// Restore prepares a group loaded from storage: members get a fresh session
// (and revocation timeout), as a restarted Kafka coordinator gives them.
func (g *ConsumerGroup) Restore(now time.Time, cfg ConsumerConfig) {
	if g.Members == nil {
		g.Members = map[string]*ConsumerMember{}
	}
	if g.Topics == nil {
		g.Topics = TopicMetadata{}
	}
	if g.Target == nil {
		g.Target = map[string]Assignment{}
	}
	for _, m := range g.Members {
		m.deadline = now.Add(cfg.SessionTimeout)
		if m.State == MemberUnrevokedPartitions {
			m.revokeDeadline = now.Add(m.RebalanceTimeout)
		}
		if m.Assigned == nil {
			m.Assigned = Assignment{}
		}
	}
}

// ConsumerMemberView is a copy of a member for ConsumerGroupDescribe.
type ConsumerMemberView struct {
	ConsumerMember
	Target Assignment
}

// ConsumerDescription is a copy of the group for ConsumerGroupDescribe.
type ConsumerDescription struct {
	ID              string
	State           ConsumerState
	Epoch           int32
	AssignmentEpoch int32
	Assignor        string
	Members         []ConsumerMemberView
}

// Describe copies the group, members sorted by id.
func (g *ConsumerGroup) Describe() ConsumerDescription {
	d := ConsumerDescription{ID: g.ID, State: g.State(), Epoch: g.Epoch, AssignmentEpoch: g.AssignmentEpoch, Assignor: g.assignor()}
	for _, id := range slices.Sorted(maps.Keys(g.Members)) {
		m := *g.Members[id]
		m.Assigned, m.Revoking = m.Assigned.Clone(), m.Revoking.Clone()
		m.Subscribed = append([]string(nil), m.Subscribed...)
		d.Members = append(d.Members, ConsumerMemberView{ConsumerMember: m, Target: g.Target[id].Clone()})
	}
	return d
}

// SubscribesTo reports whether a member subscribes to topic.
func (g *ConsumerGroup) SubscribesTo(topic string) bool {
	for _, m := range g.Members {
		if m.subscribedTo(topic, m.regex()) {
			return true
		}
	}
	return false
}

// Has reports whether a holds the partition.
func (a Assignment) Has(topic string, p int32) bool {
	ps := a[topic]
	i := sort.Search(len(ps), func(i int) bool { return ps[i] >= p })
	return i < len(ps) && ps[i] == p
}

func (a Assignment) add(topic string, p int32) {
	ps := a[topic]
	i := sort.Search(len(ps), func(i int) bool { return ps[i] >= p })
	if i < len(ps) && ps[i] == p {
		return
	}
	ps = append(ps, 0)
	copy(ps[i+1:], ps[i:])
	ps[i] = p
	a[topic] = ps
}

// Count is the number of partitions in a.
func (a Assignment) Count() int {
	n := 0
	for _, ps := range a {
		n += len(ps)
	}
	return n
}

// Clone copies a (nil stays nil).
func (a Assignment) Clone() Assignment {
	if a == nil {
		return nil
	}
	out := make(Assignment, len(a))
	for t, ps := range a {
		if len(ps) > 0 {
			out[t] = append([]int32(nil), ps...)
		}
	}
	return out
}

// Equal compares partitions, ignoring empty topics and nil-ness.
func (a Assignment) Equal(b Assignment) bool {
	return a.SubsetOf(b) && b.SubsetOf(a)
}

// SubsetOf reports whether every partition of a is in b.
func (a Assignment) SubsetOf(b Assignment) bool {
	for t, ps := range a {
		for _, p := range ps {
			if !b.Has(t, p) {
				return false
			}
		}
	}
	return true
}

// Overlaps reports whether a and b share a partition.
func (a Assignment) Overlaps(b Assignment) bool {
	for t, ps := range a {
		for _, p := range ps {
			if b.Has(t, p) {
				return true
			}
		}
	}
	return false
}

func (a Assignment) union(b Assignment) Assignment {
	out := a.Clone()
	if out == nil {
		out = Assignment{}
	}
	for t, ps := range b {
		for _, p := range ps {
			out.add(t, p)
		}
	}
	return out
}

// String renders a sorted, compact form for tests and logs: "a:0,1 b:2".
func (a Assignment) String() string {
	s := ""
	for _, t := range slices.Sorted(maps.Keys(a)) {
		if len(a[t]) == 0 {
			continue
		}
		if s != "" {
			s += " "
		}
		s += t + ":"
		for i, p := range a[t] {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprint(p)
		}
	}
	if s == "" {
		return "-"
	}
	return s
}
