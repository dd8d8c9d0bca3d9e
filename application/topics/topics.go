// Package topics is the use case for topic administration: create, delete,
// grow, configure and look up topics, keeping the metadata store and the
// partition logs in step.
package topics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// keyPrefix is where topics live in the metadata store: topic/<name> → JSON.
const keyPrefix = "topic/"

// Config holds the broker-wide defaults for new topics.
type Config struct {
	AutoCreate        bool  // auto.create.topics.enable
	DefaultPartitions int32 // num.partitions
	// Overrides are broker-level defaults for topic configs (e.g. from
	// CHRONIK_* settings), applied when a topic does not set the key.
	Overrides map[string]string
	// MaxPartitions bounds the partitions of all topics on this node, and
	// MaxPartitionsPerRequest those one request creates (see Request).
	// Zero: no limit. See limits.go.
	MaxPartitions           int
	MaxPartitionsPerRequest int
}

// Service owns the set of topics. Safe for concurrent use.
type Service struct {
	cfg    Config
	meta   metastore.Store
	logs   logstore.Store
	logger *slog.Logger

	mu     sync.RWMutex // guards byName and byID; held across metastore writes to serialise changes
	byName map[string]topic.Topic
	byID   map[topic.ID]string
}

// New loads the topics from the metadata store and reconciles the partition
// logs with them: a topic's missing logs are created, logs of topics that no
// longer exist are deleted.
func New(ctx context.Context, cfg Config, meta metastore.Store, logs logstore.Store, logger *slog.Logger) (*Service, error) {
	if cfg.DefaultPartitions <= 0 {
		cfg.DefaultPartitions = DefaultPartitions
	}
	s := &Service{cfg: cfg, meta: meta, logs: logs, logger: logger,
		byName: make(map[string]topic.Topic), byID: make(map[topic.ID]string)}
	err := meta.Scan(ctx, []byte(keyPrefix), func(_, v []byte) error {
		t, err := decode(v)
		if err != nil {
			return err
		}
		s.byName[t.Name] = t
		s.byID[t.ID] = t.Name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading topics: %w", err)
	}
	if err := s.reconcile(ctx); err != nil {
		return nil, err
	}
	logger.Info("topics loaded", "topics", len(s.byName))
	return s, nil
}

func (s *Service) reconcile(ctx context.Context) error {
	have := s.logs.Partitions()
	for p, id := range have {
		t, ok := s.byName[p.Topic]
		if !ok || t.ID != id || p.Index >= t.Partitions {
			s.logger.Warn("deleting the log of a partition with no topic", "partition", p.String())
			if err := s.logs.DeletePartition(ctx, p); err != nil {
				if err := orphanDeleteFailed(p, err, s.logger); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range s.byName {
		for i := int32(0); i < t.Partitions; i++ {
			p := topic.Partition{Topic: t.Name, Index: i}
			if id, ok := have[p]; ok && id == t.ID {
				if err := s.logs.Configure(p, LogConfig(t)); err != nil {
					return err
				}
				continue
			}
			if err := s.logs.CreatePartition(ctx, p, t.ID, LogConfig(t)); err != nil {
				return fmt.Errorf("creating log for %s: %w", p, err)
			}
		}
	}
	return nil
}

// LogConfig derives the log store settings from a topic's configs.
func LogConfig(t topic.Topic) logstore.PartitionConfig {
	return logstore.PartitionConfig{
		SegmentBytes:   t.Int64(topic.SegmentBytes),
		SegmentMs:      t.Int64(topic.SegmentMs),
		RetentionMs:    t.Int64(topic.RetentionMs),
		RetentionBytes: t.Int64(topic.RetentionBytes),

		LocalRetentionMs:    t.Int64(topic.LocalRetentionMs),
		LocalRetentionBytes: t.Int64(topic.LocalRetentionBytes),
	}
}

// Get returns a topic by name.
func (s *Service) Get(name string) (topic.Topic, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.byName[name]
	return t, ok
}

// GetByID returns a topic by id.
func (s *Service) GetByID(id topic.ID) (topic.Topic, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.byID[id]
	if !ok {
		return topic.Topic{}, false
	}
	return s.byName[name], true
}

// List returns every topic, sorted by name.
func (s *Service) List() []topic.Topic {
	s.mu.RLock()
	out := make([]topic.Topic, 0, len(s.byName))
	for _, t := range s.byName {
		out = append(out, t)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Spec describes a topic to create.
type Spec struct {
	Name              string
	Partitions        int32 // -1: the broker default
	ReplicationFactor int16 // -1: the broker default (1 on a single node)
	Configs           map[string]string
}

// Create creates a topic. With validateOnly it checks and returns what would
// be created without creating it.
func (s *Service) Create(ctx context.Context, spec Spec, validateOnly bool) (topic.Topic, error) {
	if err := topic.ValidateCreatable(spec.Name); err != nil {
		return topic.Topic{}, err
	}
	if spec.Partitions == -1 {
		spec.Partitions = s.cfg.DefaultPartitions
	}
	if err := topic.ValidatePartitions(spec.Partitions); err != nil {
		return topic.Topic{}, err
	}
	if spec.ReplicationFactor != -1 && spec.ReplicationFactor != 1 {
		return topic.Topic{}, fmt.Errorf("%w: %d requested, this cluster has 1 broker", topic.ErrInvalidReplicas, spec.ReplicationFactor)
	}
	if err := topic.ValidateConfigs(spec.Configs); err != nil {
		return topic.Topic{}, err
	}
	t := topic.Topic{Name: spec.Name, Partitions: spec.Partitions, Configs: map[string]string{}}
	for k, v := range s.cfg.Overrides {
		t.Configs[k] = v
	}
	for k, v := range spec.Configs {
		t.Configs[k] = v
	}
	if _, err := rand.Read(t.ID[:]); err != nil {
		return topic.Topic{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byName[t.Name]; ok {
		return topic.Topic{}, fmt.Errorf("%w: %q", topic.ErrExists, t.Name)
	}
	if err := s.collides(t.Name); err != nil {
		return topic.Topic{}, err
	}
	if err := s.admitLocked(t.Partitions); err != nil {
		return topic.Topic{}, err
	}
	if validateOnly {
		return t, nil
	}
	for i := int32(0); i < t.Partitions; i++ {
		if err := s.logs.CreatePartition(ctx, topic.Partition{Topic: t.Name, Index: i}, t.ID, LogConfig(t)); err != nil {
			s.undoPartitions(ctx, t.Name, 0, i)
			return topic.Topic{}, fmt.Errorf("creating partition %d of %q: %w", i, t.Name, err)
		}
	}
	if err := s.save(ctx, t); err != nil {
		return topic.Topic{}, err
	}
	s.byName[t.Name] = t
	s.byID[t.ID] = t.Name
	s.logger.Info("topic created", "topic", t.Name, "partitions", t.Partitions, "id", t.ID.String())
	return t, nil
}

// collides applies Kafka's rule that topics differing only in '.' versus '_'
// may not coexist (their metric names would clash).
func (s *Service) collides(name string) error {
	norm := strings.ReplaceAll(name, ".", "_")
	for other := range s.byName {
		if strings.ReplaceAll(other, ".", "_") == norm {
			return fmt.Errorf("%w: %q collides with existing topic %q ('.' and '_' are treated alike)", topic.ErrInvalidName, name, other)
		}
	}
	return nil
}

// EnsureExists returns the topic, auto-creating it with the defaults when the
// broker allows it. ok is false when the topic does not exist.
func (s *Service) EnsureExists(ctx context.Context, name string) (topic.Topic, error) {
	t, _, err := s.GetOrAutoCreate(ctx, name)
	return t, err
}

// GetOrAutoCreate is EnsureExists that also reports whether this call
// created the topic: Kafka answers a Metadata request that auto-created a
// topic with LEADER_NOT_AVAILABLE for it, and clients ask again.
func (s *Service) GetOrAutoCreate(ctx context.Context, name string) (t topic.Topic, created bool, err error) {
	if t, ok := s.Get(name); ok {
		return t, false, nil
	}
	if !s.cfg.AutoCreate || topic.IsInternal(name) {
		return topic.Topic{}, false, fmt.Errorf("%w: %q", topic.ErrUnknown, name)
	}
	t, err = s.Create(ctx, Spec{Name: name, Partitions: -1, ReplicationFactor: -1}, false)
	if errors.Is(err, topic.ErrExists) {
		if t, ok := s.Get(name); ok {
			return t, false, nil
		}
	}
	return t, err == nil, err
}

// AutoCreate reports whether topics are created on first use.
func (s *Service) AutoCreate() bool { return s.cfg.AutoCreate }

// Delete removes a topic and its data.
func (s *Service) Delete(ctx context.Context, name string) (topic.Topic, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byName[name]
	if !ok {
		return topic.Topic{}, fmt.Errorf("%w: %q", topic.ErrUnknown, name)
	}
	if err := s.meta.Apply(ctx, metastore.Del(key(name))); err != nil {
		return topic.Topic{}, fmt.Errorf("deleting topic %q: %w", name, err)
	}
	delete(s.byName, name)
	delete(s.byID, t.ID)
	for i := int32(0); i < t.Partitions; i++ {
		if err := s.logs.DeletePartition(ctx, topic.Partition{Topic: name, Index: i}); err != nil {
			// The topic is gone from the metadata; a leftover log is removed
			// at the next start by reconcile.
			s.logger.Warn("deleting partition log failed", "topic", name, "partition", i, "err", err)
		}
	}
	s.logger.Info("topic deleted", "topic", name)
	return t, nil
}

// AddPartitions grows a topic to count partitions.
func (s *Service) AddPartitions(ctx context.Context, name string, count int32, validateOnly bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byName[name]
	if !ok {
		return fmt.Errorf("%w: %q", topic.ErrUnknown, name)
	}
	if count <= t.Partitions {
		return fmt.Errorf("%w: topic %q has %d partitions; the new count %d must be larger", topic.ErrInvalidPartitions, name, t.Partitions, count)
	}
	if err := topic.ValidatePartitions(count); err != nil {
		return err
	}
	if err := s.admitLocked(count - t.Partitions); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	for i := t.Partitions; i < count; i++ {
		if err := s.logs.CreatePartition(ctx, topic.Partition{Topic: name, Index: i}, t.ID, LogConfig(t)); err != nil {
			s.undoPartitions(ctx, name, t.Partitions, i)
			return fmt.Errorf("creating partition %d of %q: %w", i, name, err)
		}
	}
	t = t.Clone()
	t.Partitions = count
	if err := s.save(ctx, t); err != nil {
		return err
	}
	s.byName[name] = t
	return nil
}

// ConfigOp is one change to a topic config.
type ConfigOp struct {
	Key   string
	Op    OpKind
	Value string
}

// OpKind is the kind of a config change (Kafka's IncrementalAlterConfigs ops).
type OpKind int8

// Config change kinds.
const (
	OpSet OpKind = iota
	OpDelete
	OpAppend
	OpSubtract
)

// ReplaceConfigs sets exactly the given configs (all others return to their
// defaults), as Kafka's AlterConfigs does.
func (s *Service) ReplaceConfigs(ctx context.Context, name string, configs map[string]string, validateOnly bool) error {
	return s.alter(ctx, name, validateOnly, func(topic.Topic) (map[string]string, error) {
		return configs, topic.ValidateConfigs(configs)
	})
}

// AlterConfigs applies incremental changes.
func (s *Service) AlterConfigs(ctx context.Context, name string, ops []ConfigOp, validateOnly bool) error {
	return s.alter(ctx, name, validateOnly, func(t topic.Topic) (map[string]string, error) {
		next := t.Clone().Configs
		for _, op := range ops {
			switch op.Op {
			case OpSet:
				next[op.Key] = op.Value
			case OpDelete:
				if err := topic.ValidateConfig(op.Key, nil); err != nil {
					return nil, err
				}
				delete(next, op.Key)
			case OpAppend, OpSubtract:
				cur, _ := t.Value(op.Key)
				next[op.Key] = editList(cur, op.Value, op.Op == OpAppend)
			default:
				return nil, fmt.Errorf("%w: unknown operation %d on %q", topic.ErrInvalidConfig, op.Op, op.Key)
			}
		}
		return next, topic.ValidateConfigs(changedConfigs(t.Configs, next))
	})
}

// changedConfigs is what an incremental change sets anew. Values stored
// before stricter checks existed stay as they are, so they do not block
// changes to other keys; each can still be deleted or replaced.
func changedConfigs(old, next map[string]string) map[string]string {
	out := make(map[string]string, len(next))
	for k, v := range next {
		if cur, ok := old[k]; !ok || cur != v {
			out[k] = v
		}
	}
	return out
}

func editList(cur, items string, add bool) string {
	var out []string
	has := map[string]bool{}
	for _, v := range strings.Split(cur, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
			has[v] = true
		}
	}
	for _, v := range strings.Split(items, ",") {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case add && !has[v]:
			out = append(out, v)
			has[v] = true
		case !add && has[v]:
			for i := range out {
				if out[i] == v {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
			delete(has, v)
		}
	}
	return strings.Join(out, ",")
}

func (s *Service) alter(ctx context.Context, name string, validateOnly bool, edit func(topic.Topic) (map[string]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byName[name]
	if !ok {
		return fmt.Errorf("%w: %q", topic.ErrUnknown, name)
	}
	configs, err := edit(t)
	if err != nil || validateOnly {
		return err
	}
	t = t.Clone()
	t.Configs = make(map[string]string, len(configs))
	for k, v := range configs {
		t.Configs[k] = v
	}
	if err := s.save(ctx, t); err != nil {
		return err
	}
	s.byName[name] = t
	for i := int32(0); i < t.Partitions; i++ {
		if err := s.logs.Configure(topic.Partition{Topic: name, Index: i}, LogConfig(t)); err != nil {
			return err
		}
	}
	return nil
}

func key(name string) []byte { return []byte(keyPrefix + name) }

// stored is the JSON form of a topic in the metadata store.
type stored struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Partitions int32             `json:"partitions"`
	Configs    map[string]string `json:"configs,omitempty"`
}

func (s *Service) save(ctx context.Context, t topic.Topic) error {
	v, err := json.Marshal(stored{Name: t.Name, ID: t.ID.String(), Partitions: t.Partitions, Configs: t.Configs})
	if err != nil {
		return err
	}
	if err := s.meta.Apply(ctx, metastore.Put(key(t.Name), v)); err != nil {
		return fmt.Errorf("saving topic %q: %w", t.Name, err)
	}
	return nil
}

func decode(v []byte) (topic.Topic, error) {
	var st stored
	if err := json.Unmarshal(v, &st); err != nil {
		return topic.Topic{}, fmt.Errorf("decoding stored topic: %w", err)
	}
	t := topic.Topic{Name: st.Name, Partitions: st.Partitions, Configs: st.Configs}
	if t.Configs == nil {
		t.Configs = map[string]string{}
	}
	id, err := parseID(st.ID)
	if err != nil {
		return topic.Topic{}, fmt.Errorf("topic %q: %w", st.Name, err)
	}
	t.ID = id
	return t, nil
}

func parseID(s string) (topic.ID, error) {
	var id topic.ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("topic id %q is not 32 hex digits", s)
	}
	copy(id[:], b)
	return id, nil
}
