package indexing

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// watermarkPrefix starts every watermark key:
// indexing/<sink>/<topic id>/<partition>.
const watermarkPrefix = "indexing/"

func watermarkKey(sink string, id topic.ID, n int32) []byte {
	return fmt.Appendf(nil, "%s%s/%s/%d", watermarkPrefix, sink, id, n)
}

func (p *Pipeline) loadWatermark(ctx context.Context, sink string, id topic.ID, n int32) (int64, bool, error) {
	v, err := p.meta.Get(ctx, watermarkKey(sink, id, n))
	if errors.Is(err, metastore.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, fmt.Errorf("watermark of %s for %s-%d has %d bytes, want 8", sink, id, n, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), true, nil
}

func (p *Pipeline) saveWatermark(ctx context.Context, sink string, id topic.ID, n int32, offset int64) error {
	return p.meta.Apply(ctx, metastore.Put(watermarkKey(sink, id, n), binary.BigEndian.AppendUint64(nil, uint64(offset))))
}

func (p *Pipeline) deleteWatermark(ctx context.Context, sink string, id topic.ID, n int32) error {
	return p.meta.Apply(ctx, metastore.Del(watermarkKey(sink, id, n)))
}

// dropOrphans removes the data and watermarks of (sink, partition) pairs
// whose topic no longer exists or no longer enables the sink: topics
// deleted, or configs changed, while the node was down.
func (p *Pipeline) dropOrphans(ctx context.Context) error {
	type orphan struct {
		sink string
		id   topic.ID
		n    int32
	}
	wanted := map[orphan]bool{}
	for _, t := range p.topics.List() {
		for _, s := range p.sinks {
			if s.Enabled(t) {
				for n := range t.Partitions {
					wanted[orphan{s.Name(), t.ID, n}] = true
				}
			}
		}
	}
	var orphans []orphan
	err := p.meta.Scan(ctx, []byte(watermarkPrefix), func(key, _ []byte) error {
		parts := strings.Split(strings.TrimPrefix(string(key), watermarkPrefix), "/")
		if len(parts) != 3 {
			return nil
		}
		id, err := topic.ParseID(parts[1])
		n, err2 := strconv.ParseInt(parts[2], 10, 32)
		if err != nil || err2 != nil {
			return nil
		}
		if o := (orphan{parts[0], id, int32(n)}); !wanted[o] {
			orphans = append(orphans, o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range orphans {
		for _, s := range p.sinks {
			if s.Name() == o.sink {
				if err := s.Drop(ctx, o.id, o.n); err != nil {
					return err
				}
			}
		}
		if err := p.deleteWatermark(ctx, o.sink, o.id, o.n); err != nil {
			return err
		}
		p.logger.Info("indexing: dropped a sink's data of a deleted topic or a disabled sink", "sink", o.sink, "topic_id", o.id, "partition", o.n)
	}
	return nil
}
