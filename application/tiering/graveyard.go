package tiering

import (
	"context"
	"fmt"
	"strings"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// bury forgets a partition and queues its objects for deletion.
func (s *Store) bury(ctx context.Context, pt *part) error {
	m := pt.manifest()
	ops := []metastore.Op{metastore.Del(metaManifestKey(pt.tp))}
	remote := len(m.Objects) > 0 || pt.flushedManifest() != nil
	if remote {
		ops = append(ops, metastore.Put(graveyardKey(m), encodeManifest(m)))
	}
	if err := s.meta.Apply(ctx, ops...); err != nil {
		return fmt.Errorf("forgetting the remote tier of %s: %w", pt.tp, err)
	}
	s.mu.Lock()
	if s.parts[pt.tp] == pt {
		delete(s.parts, pt.tp)
		delete(s.cfgs, pt.tp)
	}
	if remote {
		s.buried = append(s.buried, m)
	}
	s.mu.Unlock()
	return nil
}

// sweep deletes the objects and manifests of deleted partitions.
func (s *Store) sweep(ctx context.Context) {
	s.mu.Lock()
	buried := append([]*manifest(nil), s.buried...)
	s.mu.Unlock()
	for _, m := range buried {
		if ctx.Err() != nil {
			return
		}
		err := s.sweepOne(ctx, m)
		if err != nil {
			s.logger.Warn("deleting the remote tier of a deleted partition failed; will retry", "topic", m.Topic, "partition", m.Partition, "error", err.Error())
			continue
		}
		s.mu.Lock()
		for i, b := range s.buried {
			if b == m {
				s.buried = append(s.buried[:i], s.buried[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}
}

func (s *Store) sweepOne(ctx context.Context, m *manifest) error {
	for _, o := range m.Objects {
		if err := s.deleteObject(ctx, o); err != nil {
			return err
		}
	}
	id, _ := m.id()
	tp := topic.Partition{Topic: m.Topic, Index: m.Partition}
	if err := s.del(ctx, manifestKey(tp, id)); err != nil {
		return err
	}
	return s.meta.Apply(ctx, metastore.Del(graveyardKey(m)))
}

// graveyardKey is where the metastore keeps a deleted partition's manifest
// until its objects are gone.
const graveyardPrefix = "tier/deleted/"

func graveyardKey(m *manifest) []byte {
	return []byte(graveyardPrefix + strings.Join([]string{m.Topic, fmt.Sprint(m.Partition), m.TopicID}, "/"))
}
