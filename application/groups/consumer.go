package groups

// KIP-848 consumer groups. A group id is either a classic group (entry.g) or
// a consumer group (entry.cg, with entry.g left an empty shell that refuses
// classic members): an empty group of one kind becomes the other kind when
// a member of the other protocol arrives, keeping its committed offsets, as
// Kafka converts empty groups.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// consumerGroupPrefix + group id → JSON consumer group.
const consumerGroupPrefix = "consumer-group/"

// consumerConfig fills in the consumer group settings left zero: Kafka's
// defaults, but the session timeout stays within the classic group's bounds
// (group.max.session.timeout.ms), so that a broker configured for short
// sessions gets them for both protocols, and the heartbeat interval within a
// quarter of the session.
func consumerConfig(cfg Config) group.ConsumerConfig {
	c := cfg.Consumer
	def := group.DefaultConsumerConfig()
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = def.SessionTimeout
		if m := cfg.Group.MaxSessionTimeout; m > 0 && m < c.SessionTimeout {
			c.SessionTimeout = m
		}
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = min(def.HeartbeatInterval, c.SessionTimeout/4)
	}
	if c.MaxMemberBytes <= 0 {
		c.MaxMemberBytes = group.DefaultMaxMemberBytes
	}
	return c
}

// loadConsumerGroups reads the stored consumer groups. Called from New
// before offsets are loaded.
func (s *Service) loadConsumerGroups(ctx context.Context, now time.Time) error {
	return s.meta.Scan(ctx, []byte(consumerGroupPrefix), func(_, v []byte) error {
		cg := group.NewConsumerGroup("")
		if err := json.Unmarshal(v, cg); err != nil {
			return fmt.Errorf("decoding stored consumer group: %w", err)
		}
		cg.Restore(now, s.cfg.Consumer)
		e := s.entries[cg.ID]
		if e == nil {
			e = newEntry(group.New(cg.ID))
			s.entries[cg.ID] = e
		}
		e.cg = cg
		return nil
	})
}

// ConsumerHeartbeat handles a ConsumerGroupHeartbeat.
func (s *Service) ConsumerHeartbeat(ctx context.Context, groupID string, req group.ConsumerHeartbeat) (group.ConsumerHeartbeatResult, error) {
	if err := ValidateID(groupID); err != nil {
		return group.ConsumerHeartbeatResult{}, err
	}
	joining := req.MemberEpoch == 0
	e, err := s.get(groupID, joining)
	if err != nil {
		if !joining {
			return group.ConsumerHeartbeatResult{}, unknownMember(err)
		}
		return group.ConsumerHeartbeatResult{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.isClosed() {
		return group.ConsumerHeartbeatResult{}, group.ErrCoordinatorNotAvailable
	}
	if e.cg == nil {
		if e.g.State != group.Empty {
			return group.ConsumerHeartbeatResult{}, fmt.Errorf("%w: %q is a classic group (%s, %d members)", group.ErrGroupIDNotFound, groupID, e.g.State, len(e.g.Members))
		}
		if !joining {
			return group.ConsumerHeartbeatResult{}, fmt.Errorf("%w: %q has no member %q", group.ErrUnknownMember, groupID, req.MemberID)
		}
		// An empty classic group (or offsets only) becomes a consumer group.
		if e.g.ProtocolType != "" {
			if err := s.meta.Apply(ctx, metastore.Del([]byte(groupPrefix+groupID))); err != nil {
				return group.ConsumerHeartbeatResult{}, fmt.Errorf("converting %q to a consumer group: %w", groupID, err)
			}
			e.g = group.New(groupID)
		}
		e.cg = group.NewConsumerGroup(groupID)
	}
	now := s.clock.Now()
	res, changed := e.cg.Heartbeat(now, s.cfg.Consumer, s.topicMetadata(), req)
	s.consumerChanged(ctx, e, changed)
	return res, nil
}

// topicMetadata is every topic's partition count, read under the group's
// lock.
func (s *Service) topicMetadata() group.TopicMetadata {
	meta := group.TopicMetadata{}
	for _, t := range s.topics.List() {
		meta[t.Name] = t.Partitions
	}
	return meta
}

// consumerChanged saves a changed consumer group, keeps the empty-since
// time for offset retention and re-arms the timer. Caller holds e.mu.
func (s *Service) consumerChanged(ctx context.Context, e *entry, changed bool) {
	if changed {
		v, err := json.Marshal(e.cg)
		if err == nil {
			err = s.meta.Apply(ctx, metastore.Put([]byte(consumerGroupPrefix+e.cg.ID), v))
		}
		if err != nil {
			s.logger.Error("saving consumer group failed", "group", e.cg.ID, "err", err)
		}
	}
	switch {
	case !e.cg.Empty():
		e.emptySince = time.Time{}
	case e.emptySince.IsZero():
		e.emptySince = s.clock.Now()
	}
	s.schedule(e)
}

// consumerTick fires a consumer group's timers. Caller holds e.mu.
func (s *Service) consumerTick(e *entry, now time.Time) {
	if e.cg != nil && e.cg.Tick(now) {
		s.consumerChanged(context.Background(), e, true)
	}
}

// consumerDeadline is the consumer group's next timer; zero if none.
func (e *entry) consumerDeadline() time.Time {
	if e.cg == nil {
		return time.Time{}
	}
	return e.cg.NextDeadline()
}

// classicJoinAllowed turns a JoinGroup for a consumer group away, unless the
// consumer group is empty: then it becomes a classic group. Caller holds e.mu.
func (s *Service) classicJoinAllowed(ctx context.Context, e *entry) error {
	if e.cg == nil {
		return nil
	}
	if !e.cg.Empty() {
		return fmt.Errorf("%w: %q is a consumer group (KIP-848) with %d members", group.ErrInconsistentProtocol, e.cg.ID, len(e.cg.Members))
	}
	if err := s.meta.Apply(ctx, metastore.Del([]byte(consumerGroupPrefix+e.cg.ID))); err != nil {
		return fmt.Errorf("converting %q to a classic group: %w", e.cg.ID, err)
	}
	e.cg = nil
	return nil
}

// consumerExpirable reports whether an entry's offsets may expire: a
// consumer group's only once it has been empty for the retention.
func (e *entry) consumerExpirable(cutoff time.Time) bool {
	return e.cg == nil || e.cg.Empty() && !e.emptySince.IsZero() && e.emptySince.Before(cutoff)
}

// DescribeConsumer describes a consumer group; GROUP_ID_NOT_FOUND for
// unknown groups and classic ones, as Kafka answers ConsumerGroupDescribe.
func (s *Service) DescribeConsumer(groupID string) (group.ConsumerDescription, error) {
	e, err := s.get(groupID, false)
	if err != nil {
		return group.ConsumerDescription{ID: groupID, State: group.ConsumerDead}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cg == nil {
		if e.g.State == group.Empty && e.g.ProtocolType == "" {
			// Offsets only: an empty group of either kind.
			return group.ConsumerDescription{ID: groupID, State: group.ConsumerEmpty}, nil
		}
		return group.ConsumerDescription{ID: groupID, State: group.ConsumerDead}, fmt.Errorf("%w: %q is not a consumer group", group.ErrGroupIDNotFound, groupID)
	}
	return e.cg.Describe(), nil
}

// consumerSummary maps a consumer group's state onto the classic states
// that ListGroups and DescribeGroups report (Reconciling and Assigning show
// as PreparingRebalance). Caller holds e.mu.
func consumerSummary(cg *group.ConsumerGroup) group.State {
	switch cg.State() {
	case group.ConsumerEmpty:
		return group.Empty
	case group.ConsumerStable:
		return group.Stable
	case group.ConsumerDead:
		return group.Dead
	}
	return group.PreparingRebalance
}

// consumerProtocolType is what ListGroups and DescribeGroups show as a
// consumer group's protocol type.
const consumerProtocolType = "consumer"
