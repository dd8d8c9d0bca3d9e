package topics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
)

// Default partition limits (Config.MaxPartitions, MaxPartitionsPerRequest).
// Each partition costs a directory, a segment file (open on demand), memory
// for its indexes and, at creation, a few fsyncs under the topic lock, so a
// request creating thousands freezes topic administration while it runs.
const (
	DefaultMaxPartitions           = 10000
	DefaultMaxPartitionsPerRequest = 1000
)

// DefaultPartitions is Kafka's num.partitions: the partitions of a topic
// created without a count (Config.DefaultPartitions when 0).
const DefaultPartitions = 1

// admitLocked checks that n more partitions keep the node within
// cfg.MaxPartitions. The caller holds s.mu.
func (s *Service) admitLocked(n int32) error {
	if s.cfg.MaxPartitions <= 0 || n <= 0 {
		return nil
	}
	have := 0
	for _, t := range s.byName {
		have += int(t.Partitions)
	}
	if have+int(n) > s.cfg.MaxPartitions {
		return fmt.Errorf("%w: %d new partitions would make %d on this broker, at most %d (max_partitions); delete topics or raise the limit",
			topic.ErrInvalidPartitions, n, have+int(n), s.cfg.MaxPartitions)
	}
	return nil
}

// Request counts the partitions one client request creates (CreateTopics,
// CreatePartitions, a Metadata request that auto-creates topics) against
// Config.MaxPartitionsPerRequest. Once the request has used its share,
// further creations fail with topic.ErrInvalidPartitions. Use one per
// request, from one goroutine.
type Request struct {
	s       *Service
	created int
}

// NewRequest starts counting a request's partitions.
func (s *Service) NewRequest() *Request { return &Request{s: s} }

// take reserves n partitions of the request's share.
func (r *Request) take(n int32) error {
	limit := r.s.cfg.MaxPartitionsPerRequest
	if limit > 0 && n > 0 && r.created+int(n) > limit {
		return fmt.Errorf("%w: this request would create %d partitions, at most %d per request (max_partitions_per_request); create them in several requests",
			topic.ErrInvalidPartitions, r.created+int(n), limit)
	}
	r.created += int(max(n, 0))
	return nil
}

// Create is Service.Create within the request's share.
func (r *Request) Create(ctx context.Context, spec Spec, validateOnly bool) (topic.Topic, error) {
	n := spec.Partitions
	if n == -1 {
		n = r.s.cfg.DefaultPartitions
	}
	if err := topic.ValidateName(spec.Name); err != nil {
		return topic.Topic{}, err
	}
	if err := topic.ValidatePartitions(n); err != nil {
		return topic.Topic{}, err
	}
	if err := r.take(n); err != nil {
		return topic.Topic{}, err
	}
	t, err := r.s.Create(ctx, spec, validateOnly)
	if err != nil {
		r.created -= int(n)
	}
	return t, err
}

// GetOrAutoCreate is Service.GetOrAutoCreate within the request's share.
func (r *Request) GetOrAutoCreate(ctx context.Context, name string) (topic.Topic, bool, error) {
	if _, ok := r.s.Get(name); ok || !r.s.cfg.AutoCreate || topic.IsInternal(name) {
		return r.s.GetOrAutoCreate(ctx, name)
	}
	if err := r.take(r.s.cfg.DefaultPartitions); err != nil {
		return topic.Topic{}, false, err
	}
	return r.s.GetOrAutoCreate(ctx, name)
}

// AddPartitions is Service.AddPartitions within the request's share.
func (r *Request) AddPartitions(ctx context.Context, name string, count int32, validateOnly bool) error {
	t, ok := r.s.Get(name)
	if !ok {
		return r.s.AddPartitions(ctx, name, count, validateOnly)
	}
	n := count - t.Partitions
	if err := r.take(n); err != nil {
		return err
	}
	err := r.s.AddPartitions(ctx, name, count, validateOnly)
	if err != nil && !errors.Is(err, topic.ErrUnknown) {
		r.created -= int(max(n, 0))
	}
	return err
}

// undoPartitions deletes the logs of partitions [from, to) of a topic whose
// creation or growth failed part-way, so that a refused request leaves
// nothing behind. A failure is only logged: start-up removes such orphans.
func (s *Service) undoPartitions(ctx context.Context, name string, from, to int32) {
	for i := from; i < to; i++ {
		p := topic.Partition{Topic: name, Index: i}
		if err := s.logs.DeletePartition(ctx, p); err != nil {
			s.logger.Warn("removing the log of a partition whose creation failed", "partition", p.String(), "err", err)
		}
	}
}

// orphanDeleteFailed decides what a failed deletion of an orphan log at
// start-up means. The orphan serves no topic, so it is left (and deleted at
// the next start) with a warning rather than keeping the node from
// starting; only a broken log store stops the start.
func orphanDeleteFailed(p topic.Partition, err error, logger *slog.Logger) error {
	if errors.Is(err, log.ErrPoisoned) || errors.Is(err, log.ErrClosed) {
		return fmt.Errorf("deleting orphan partition %s: %w", p, err)
	}
	logger.Warn("could not delete the log of a partition with no topic; leaving it", "partition", p.String(), "err", err)
	return nil
}
