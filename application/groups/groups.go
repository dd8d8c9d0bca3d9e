// Package groups is the group coordinator use case: it runs each consumer
// group's state machine (domain/group), parks requests that Kafka answers
// later, fires the group's timers, and keeps group metadata and committed
// offsets in the metadata store.
package groups

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Metadata store keys.
const (
	groupPrefix  = "group/"  // + group id → JSON group
	offsetPrefix = "offset/" // + group id + "\x00" + topic + "\x00" + partition → JSON Offset
)

// Config is the coordinator's configuration.
type Config struct {
	Group group.Config
	// OffsetsRetention is offsets.retention.minutes: committed offsets of an
	// empty group older than this are deleted.
	OffsetsRetention time.Duration
	// Consumer is the KIP-848 consumer groups' settings (zero fields get
	// defaults, see consumerConfig).
	Consumer group.ConsumerConfig
	// OffsetMetadataMaxBytes is offset.metadata.max.bytes: a committed
	// offset with longer metadata is refused (group.DefaultOffsetMetadataMaxBytes
	// when 0).
	OffsetMetadataMaxBytes int
}

// DefaultOffsetsRetention is Kafka's offsets.retention.minutes (7 days).
const DefaultOffsetsRetention = 7 * 24 * time.Hour

// Topics is what the coordinator reads of the topics: a commit to a
// partition that does not exist is refused, and consumer groups (KIP-848)
// assign the partitions of the topics there are. *topics.Service satisfies
// it. Safe for concurrent use: the coordinator calls it under a group's
// lock.
type Topics interface {
	// Get returns the topic named name; false if there is none.
	Get(name string) (topic.Topic, bool)
	// List returns every topic.
	List() []topic.Topic
}

// Offset is a committed offset.
type Offset struct {
	Offset      int64  `json:"offset"`
	LeaderEpoch int32  `json:"leader_epoch"`
	Metadata    string `json:"metadata,omitempty"`
	CommitTime  int64  `json:"commit_time_ms"`
}

// Service coordinates every group of this node. Safe for concurrent use.
type Service struct {
	cfg    Config
	topics Topics
	meta   metastore.Store
	logs   logstore.Store
	clock  clock.Clock
	logger *slog.Logger

	mu      sync.Mutex // guards entries and closed
	entries map[string]*entry
	closed  bool
}

// entry is one group with everything the coordinator keeps for it. mu is
// the group's single owner lock.
type entry struct {
	mu      sync.Mutex
	g       *group.Group
	joins   map[string]chan group.JoinResult
	syncs   map[string]chan group.SyncResult
	offsets map[topic.Partition]Offset
	timer   *time.Timer
	// cg is set when the group is a KIP-848 consumer group (g is then an
	// empty shell).
	cg *group.ConsumerGroup
	// dead is set, under Service.mu, when the group is deleted, so that get
	// can tell without the group's lock (which guards g).
	dead bool
	// emptySince is when the group last became Empty (zero while it has
	// members): offset retention counts from then (KIP-211). Not stored: a
	// restart starts the count again, which only keeps offsets longer.
	emptySince time.Time
}

// New loads groups and offsets from the metadata store.
func New(ctx context.Context, cfg Config, topics Topics, meta metastore.Store, logs logstore.Store, clk clock.Clock, logger *slog.Logger) (*Service, error) {
	if cfg.OffsetsRetention <= 0 {
		cfg.OffsetsRetention = DefaultOffsetsRetention
	}
	if cfg.OffsetMetadataMaxBytes <= 0 {
		cfg.OffsetMetadataMaxBytes = group.DefaultOffsetMetadataMaxBytes
	}
	if cfg.Group.MaxMemberBytes <= 0 {
		cfg.Group.MaxMemberBytes = group.DefaultMaxMemberBytes
	}
	cfg.Consumer = consumerConfig(cfg)
	s := &Service{cfg: cfg, topics: topics, meta: meta, logs: logs, clock: clk, logger: logger, entries: map[string]*entry{}}
	now := clk.Now()
	err := meta.Scan(ctx, []byte(groupPrefix), func(_, v []byte) error {
		g := group.New("")
		if err := json.Unmarshal(v, g); err != nil {
			return fmt.Errorf("decoding stored group: %w", err)
		}
		g.Restore(now)
		e := newEntry(g)
		if g.State == group.Empty {
			e.emptySince = now
		}
		s.entries[g.ID] = e
		return nil
	})
	if err == nil {
		err = s.loadConsumerGroups(ctx, now)
	}
	if err != nil {
		return nil, fmt.Errorf("loading groups: %w", err)
	}
	nOffsets := 0
	err = meta.Scan(ctx, []byte(offsetPrefix), func(k, v []byte) error {
		id, p, err := parseOffsetKey(k)
		if err != nil {
			return err
		}
		var o Offset
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("decoding offset %q: %w", k, err)
		}
		e := s.entries[id]
		if e == nil {
			e = newEntry(group.New(id))
			s.entries[id] = e
		}
		e.offsets[p] = o
		nOffsets++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading offsets: %w", err)
	}
	for _, e := range s.entries {
		s.schedule(e)
	}
	logger.Info("groups loaded", "groups", len(s.entries), "offsets", nOffsets)
	return s, nil
}

func newEntry(g *group.Group) *entry {
	return &entry{g: g, joins: map[string]chan group.JoinResult{}, syncs: map[string]chan group.SyncResult{}, offsets: map[topic.Partition]Offset{}}
}

// ValidateID applies Kafka's rule: group ids must not be empty.
func ValidateID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: the group id is empty", group.ErrInvalidGroupID)
	}
	return nil
}

// get returns the group's entry, creating an empty group when create is set.
func (s *Service) get(id string, create bool) (*entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, group.ErrCoordinatorNotAvailable
	}
	e, ok := s.entries[id]
	if ok && e.dead && create {
		ok = false
	}
	if !ok {
		if !create {
			return nil, fmt.Errorf("%w: %q", group.ErrGroupIDNotFound, id)
		}
		e = newEntry(group.New(id))
		s.entries[id] = e
	}
	return e, nil
}

// apply delivers a call's effects, saves the group if it changed, and
// re-arms its timer. Caller holds e.mu.
func (s *Service) apply(ctx context.Context, e *entry, fx group.Effects) {
	for id, r := range fx.Joins {
		if ch, ok := e.joins[id]; ok {
			ch <- r
			delete(e.joins, id)
		}
	}
	for id, r := range fx.Syncs {
		if ch, ok := e.syncs[id]; ok {
			ch <- r
			delete(e.syncs, id)
		}
	}
	if fx.Changed {
		s.save(ctx, e)
	}
	switch {
	case e.g.State != group.Empty:
		e.emptySince = time.Time{}
	case e.emptySince.IsZero():
		e.emptySince = s.clock.Now()
	}
	s.schedule(e)
}

// isClosed reports whether Close began. A request that may park checks it
// under the entry's lock: Close answers what is parked when it takes that
// lock, so a request parked after that would never be answered.
func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Service) save(ctx context.Context, e *entry) {
	v, err := json.Marshal(e.g)
	if err == nil {
		err = s.meta.Apply(ctx, metastore.Put([]byte(groupPrefix+e.g.ID), v))
	}
	if err != nil {
		s.logger.Error("saving group failed", "group", e.g.ID, "err", err)
	}
}

// schedule arms the group's timer for its next deadline. Caller holds e.mu.
func (s *Service) schedule(e *entry) {
	next := e.g.NextDeadline()
	if c := e.consumerDeadline(); !c.IsZero() && (next.IsZero() || c.Before(next)) {
		next = c
	}
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	if next.IsZero() {
		return
	}
	d := next.Sub(s.clock.Now())
	if d < 0 {
		d = 0
	}
	e.timer = time.AfterFunc(d+time.Millisecond, func() { s.tick(e) })
}

func (s *Service) tick(e *entry) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	fx := e.g.Tick(s.clock.Now(), s.cfg.Group)
	s.apply(context.Background(), e, fx)
	s.consumerTick(e, s.clock.Now())
}

// Join handles a JoinGroup, waiting for the join phase to end when needed.
func (s *Service) Join(ctx context.Context, groupID string, req group.JoinRequest) (group.JoinResult, error) {
	if err := ValidateID(groupID); err != nil {
		return group.JoinResult{}, err
	}
	e, err := s.get(groupID, true)
	if err != nil {
		return group.JoinResult{}, err
	}
	e.mu.Lock()
	if s.isClosed() {
		e.mu.Unlock()
		return group.JoinResult{}, group.ErrCoordinatorNotAvailable
	}
	if err := s.classicJoinAllowed(ctx, e); err != nil {
		e.mu.Unlock()
		return group.JoinResult{Err: err, MemberID: req.MemberID, Generation: -1}, nil
	}
	res, ok, id, fx := e.g.Join(s.clock.Now(), s.cfg.Group, req)
	var wait chan group.JoinResult
	if !ok {
		wait = make(chan group.JoinResult, 1)
		if old, dup := e.joins[id]; dup {
			// A member retrying its JoinGroup: the older request is superseded.
			old <- group.JoinResult{Err: group.ErrRebalanceInProgress, MemberID: id, Generation: -1}
		}
		e.joins[id] = wait
	}
	s.apply(ctx, e, fx)
	e.mu.Unlock()
	if ok {
		return res, nil
	}
	return awaitAnswer(ctx, wait)
}

// awaitAnswer waits for a parked request's answer.
func awaitAnswer[T any](ctx context.Context, wait <-chan T) (T, error) {
	select {
	case r := <-wait:
		return r, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Sync handles a SyncGroup, waiting for the leader's when needed. A
// leader's assignment above the member bound is refused before the group
// sees it; its followers then wait until the leader is dropped for not
// syncing (the rebalance timeout), as for a leader that never sends one.
func (s *Service) Sync(ctx context.Context, groupID string, req group.SyncRequest) (group.SyncResult, error) {
	if err := group.CheckAssignments(req.Assignments, s.cfg.Group.MaxMemberBytes); err != nil {
		return group.SyncResult{Err: err}, nil
	}
	e, err := s.get(groupID, false)
	if err != nil {
		return group.SyncResult{}, unknownMember(err)
	}
	e.mu.Lock()
	if s.isClosed() {
		e.mu.Unlock()
		return group.SyncResult{}, group.ErrCoordinatorNotAvailable
	}
	res, ok, fx := e.g.Sync(s.clock.Now(), req)
	var wait chan group.SyncResult
	if !ok {
		wait = make(chan group.SyncResult, 1)
		if old, dup := e.syncs[req.MemberID]; dup {
			old <- group.SyncResult{Err: group.ErrRebalanceInProgress}
		}
		e.syncs[req.MemberID] = wait
	}
	s.apply(ctx, e, fx)
	e.mu.Unlock()
	if ok {
		return res, nil
	}
	return awaitAnswer(ctx, wait)
}

// unknownMember turns "no such group" into Kafka's answer to a member of a
// group the coordinator does not know.
func unknownMember(err error) error {
	if errors.Is(err, group.ErrGroupIDNotFound) {
		return fmt.Errorf("%w: %v", group.ErrUnknownMember, err)
	}
	return err
}

// Heartbeat handles a Heartbeat.
func (s *Service) Heartbeat(ctx context.Context, groupID, memberID, instanceID string, generation int32) error {
	e, err := s.get(groupID, false)
	if err != nil {
		return unknownMember(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	err = e.g.Heartbeat(s.clock.Now(), memberID, instanceID, generation)
	s.schedule(e)
	return err
}

// Leave handles a LeaveGroup; one error per leaver.
func (s *Service) Leave(ctx context.Context, groupID string, leavers []group.Leaver) ([]error, error) {
	e, err := s.get(groupID, false)
	if err != nil {
		return nil, unknownMember(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	errs, fx := e.g.Leave(s.clock.Now(), s.cfg.Group, leavers)
	s.apply(ctx, e, fx)
	return errs, nil
}

// Commit is one partition's offset to commit.
type Commit struct {
	Partition topic.Partition
	Offset    Offset
}

// CommitOffsets validates the member and stores the offsets atomically.
// Offsets for partitions that do not exist, or with metadata longer than
// offset.metadata.max.bytes, are refused per partition.
func (s *Service) CommitOffsets(ctx context.Context, groupID, memberID, instanceID string, generation int32, commits []Commit) ([]error, error) {
	if err := ValidateID(groupID); err != nil {
		return nil, err
	}
	e, err := s.get(groupID, true)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := s.clock.Now()
	if e.cg != nil {
		// The generation field carries the member epoch.
		if err := e.cg.CanCommit(memberID, generation); err != nil {
			return nil, err
		}
	} else if err := e.g.CanCommit(now, memberID, instanceID, generation); err != nil {
		return nil, err
	}
	errs := make([]error, len(commits))
	var ops []metastore.Op
	for i, c := range commits {
		if !s.exists(c.Partition) {
			errs[i] = fmt.Errorf("%w: %s", topic.ErrUnknownPartition, c.Partition)
			continue
		}
		if err := group.CheckOffsetMetadata(c.Offset.Metadata, s.cfg.OffsetMetadataMaxBytes); err != nil {
			errs[i] = fmt.Errorf("%s: %w", c.Partition, err)
			continue
		}
		c.Offset.CommitTime = now.UnixMilli()
		v, _ := json.Marshal(c.Offset)
		ops = append(ops, metastore.Put(offsetKey(groupID, c.Partition), v))
	}
	if len(ops) > 0 {
		if err := s.meta.Apply(ctx, ops...); err != nil {
			return nil, fmt.Errorf("storing offsets of %q: %w", groupID, err)
		}
	}
	for i, c := range commits {
		if errs[i] == nil {
			c.Offset.CommitTime = now.UnixMilli()
			e.offsets[c.Partition] = c.Offset
		}
	}
	s.schedule(e)
	return errs, nil
}

// exists reports whether the partition exists.
func (s *Service) exists(p topic.Partition) bool {
	t, ok := s.topics.Get(p.Topic)
	if !ok {
		return false
	}
	_, err := t.Partition(p.Index)
	return err == nil
}

// FetchOffsets returns committed offsets: of the given partitions, or all
// (parts nil). Unknown groups have none.
func (s *Service) FetchOffsets(ctx context.Context, groupID string, parts []topic.Partition) (map[topic.Partition]Offset, error) {
	e, err := s.get(groupID, false)
	if errors.Is(err, group.ErrGroupIDNotFound) {
		return map[topic.Partition]Offset{}, nil
	}
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[topic.Partition]Offset{}
	if parts == nil {
		for p, o := range e.offsets {
			out[p] = o
		}
		return out, nil
	}
	for _, p := range parts {
		if o, ok := e.offsets[p]; ok {
			out[p] = o
		}
	}
	return out, nil
}

// DeleteOffsets removes a group's committed offsets of the given partitions.
// A group with members may not delete offsets of a topic it consumes.
func (s *Service) DeleteOffsets(ctx context.Context, groupID string, parts []topic.Partition) ([]error, error) {
	e, err := s.get(groupID, false)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := make([]error, len(parts))
	var ops []metastore.Op
	for i, p := range parts {
		if e.cg != nil && e.cg.SubscribesTo(p.Topic) || e.g.SubscribesTo(p.Topic) {
			errs[i] = fmt.Errorf("%w: %q consumes %q", group.ErrUnknownTopicSubscription, groupID, p.Topic)
			continue
		}
		ops = append(ops, metastore.Del(offsetKey(groupID, p)))
	}
	if len(ops) > 0 {
		if err := s.meta.Apply(ctx, ops...); err != nil {
			return nil, err
		}
	}
	for i, p := range parts {
		if errs[i] == nil {
			delete(e.offsets, p)
		}
	}
	return errs, nil
}

// Summary is a group as ListGroups shows it.
type Summary struct {
	ID           string
	State        group.State
	ProtocolType string
	// Consumer is set for KIP-848 consumer groups (ListGroups' group type
	// "consumer"); classic groups leave it unset.
	Consumer bool
}

// List returns the groups, optionally only those in the given states.
func (s *Service) List(states []group.State) []Summary {
	s.mu.Lock()
	entries := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		entries = append(entries, e)
	}
	s.mu.Unlock()
	var out []Summary
	for _, e := range entries {
		e.mu.Lock()
		sum := Summary{ID: e.g.ID, State: e.g.State, ProtocolType: e.g.ProtocolType}
		if e.cg != nil {
			sum.State, sum.ProtocolType, sum.Consumer = consumerSummary(e.cg), consumerProtocolType, true
		}
		e.mu.Unlock()
		if sum.State == group.Dead || len(states) > 0 && !slices.Contains(states, sum.State) {
			continue
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Description is a group as DescribeGroups shows it.
type Description struct {
	ID           string
	State        group.State
	ProtocolType string
	Protocol     string
	Members      []group.Member
}

// Describe returns a copy of the group; a group the coordinator does not
// know is described as Dead, as Kafka does.
func (s *Service) Describe(groupID string) Description {
	e, err := s.get(groupID, false)
	if err != nil {
		return Description{ID: groupID, State: group.Dead}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d := Description{ID: groupID, State: e.g.State, ProtocolType: e.g.ProtocolType, Protocol: e.g.Protocol}
	if e.cg != nil {
		d.State, d.ProtocolType = consumerSummary(e.cg), consumerProtocolType
		for _, m := range e.cg.Describe().Members {
			d.Members = append(d.Members, group.Member{ID: m.ID, InstanceID: m.InstanceID, ClientID: m.ClientID, ClientHost: m.ClientHost})
		}
	}
	for _, m := range e.g.Members {
		d.Members = append(d.Members, *m)
	}
	sort.Slice(d.Members, func(i, j int) bool { return d.Members[i].ID < d.Members[j].ID })
	return d
}

// Delete removes an empty group and its offsets.
func (s *Service) Delete(ctx context.Context, groupID string) error {
	e, err := s.get(groupID, false)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.g.State == group.Dead {
		return fmt.Errorf("%w: %q", group.ErrGroupIDNotFound, groupID)
	}
	if e.cg != nil {
		if err := e.cg.Delete(); err != nil {
			return err
		}
	}
	if err := e.g.Delete(); err != nil {
		return err
	}
	s.mu.Lock()
	e.dead = true
	s.mu.Unlock()
	ops := []metastore.Op{metastore.Del([]byte(groupPrefix + groupID)), metastore.Del([]byte(consumerGroupPrefix + groupID))}
	for p := range e.offsets {
		ops = append(ops, metastore.Del(offsetKey(groupID, p)))
	}
	if err := s.meta.Apply(ctx, ops...); err != nil {
		return err
	}
	e.offsets = map[topic.Partition]Offset{}
	if e.timer != nil {
		e.timer.Stop()
	}
	s.mu.Lock()
	if s.entries[groupID] == e { // not a new group under the same id
		delete(s.entries, groupID)
	}
	s.mu.Unlock()
	return nil
}

// PartitionLag is one partition's consumer lag.
type PartitionLag struct {
	Partition     topic.Partition
	Committed     int64
	HighWatermark int64
	Lag           int64
}

// Lag reports, for every partition the group has committed, how far the
// commit trails the high watermark.
func (s *Service) Lag(ctx context.Context, groupID string) ([]PartitionLag, error) {
	offsets, err := s.FetchOffsets(ctx, groupID, nil)
	if err != nil {
		return nil, err
	}
	out := make([]PartitionLag, 0, len(offsets))
	for p, o := range offsets {
		l := PartitionLag{Partition: p, Committed: o.Offset, HighWatermark: -1, Lag: -1}
		if w, err := s.logs.Offsets(p); err == nil {
			l.HighWatermark = w.HighWatermark
			l.Lag = max(0, w.HighWatermark-o.Offset)
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition.Topic != out[j].Partition.Topic {
			return out[i].Partition.Topic < out[j].Partition.Topic
		}
		return out[i].Partition.Index < out[j].Partition.Index
	})
	return out, nil
}

// Run expires old offsets of empty groups every minute until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.ExpireOffsets(ctx)
		}
	}
}

// ExpireOffsets deletes offsets of empty groups committed longer ago than
// the retention, and forgets empty groups left with no offsets. As in Kafka
// (KIP-211), a group that had members keeps its offsets until it has also
// been empty for the retention: a consumer group that stops for a moment
// must not lose offsets it committed long ago.
func (s *Service) ExpireOffsets(ctx context.Context) {
	cutoff := s.clock.Now().Add(-s.cfg.OffsetsRetention)
	s.mu.Lock()
	entries := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		entries = append(entries, e)
	}
	s.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		if !e.consumerExpirable(cutoff) {
			e.mu.Unlock()
			continue
		}
		if e.g.State == group.Empty && (e.g.ProtocolType == "" || e.emptySince.Before(cutoff)) {
			var ops []metastore.Op
			var expired []topic.Partition
			for p, o := range e.offsets {
				if o.CommitTime < cutoff.UnixMilli() {
					ops = append(ops, metastore.Del(offsetKey(e.g.ID, p)))
					expired = append(expired, p)
				}
			}
			if len(ops) > 0 {
				if err := s.meta.Apply(ctx, ops...); err != nil {
					s.logger.Warn("expiring offsets failed", "group", e.g.ID, "err", err)
				} else {
					for _, p := range expired {
						delete(e.offsets, p)
					}
					s.logger.Info("expired committed offsets", "group", e.g.ID, "partitions", len(expired))
				}
			}
		}
		if e.g.State == group.Empty && len(e.offsets) == 0 && e.g.NextDeadline().IsZero() && len(e.joins) == 0 {
			s.forget(ctx, e)
		}
		e.mu.Unlock()
	}
}

// forget removes an empty group without offsets, as Kafka does. It is
// marked Dead first: a request that already holds the entry is answered
// COORDINATOR_NOT_AVAILABLE and retries on a new group. Caller holds e.mu.
func (s *Service) forget(ctx context.Context, e *entry) {
	if err := s.meta.Apply(ctx, metastore.Del([]byte(groupPrefix+e.g.ID)), metastore.Del([]byte(consumerGroupPrefix+e.g.ID))); err != nil {
		s.logger.Warn("removing empty group failed", "group", e.g.ID, "err", err)
		return
	}
	_ = e.g.Delete()
	if e.timer != nil {
		e.timer.Stop()
	}
	s.mu.Lock()
	e.dead = true
	if s.entries[e.g.ID] == e {
		delete(s.entries, e.g.ID)
	}
	s.mu.Unlock()
}

// Close stops every group's timers and answers parked requests so that no
// connection waits on a coordinator that is going away. Idempotent.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	entries := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		entries = append(entries, e)
	}
	s.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		if e.timer != nil {
			e.timer.Stop()
		}
		for id, ch := range e.joins {
			ch <- group.JoinResult{Err: group.ErrCoordinatorNotAvailable, MemberID: id, Generation: -1}
		}
		for _, ch := range e.syncs {
			ch <- group.SyncResult{Err: group.ErrCoordinatorNotAvailable}
		}
		e.joins, e.syncs = map[string]chan group.JoinResult{}, map[string]chan group.SyncResult{}
		e.mu.Unlock()
	}
}

func offsetKey(groupID string, p topic.Partition) []byte {
	return []byte(fmt.Sprintf("%s%s\x00%s\x00%d", offsetPrefix, groupID, p.Topic, p.Index))
}

func parseOffsetKey(k []byte) (string, topic.Partition, error) {
	parts := strings.Split(strings.TrimPrefix(string(k), offsetPrefix), "\x00")
	if len(parts) != 3 {
		return "", topic.Partition{}, fmt.Errorf("malformed offset key %q", k)
	}
	var idx int32
	if _, err := fmt.Sscanf(parts[2], "%d", &idx); err != nil {
		return "", topic.Partition{}, fmt.Errorf("malformed offset key %q", k)
	}
	return parts[0], topic.Partition{Topic: parts[1], Index: idx}, nil
}
