package indexing

import (
	"cmp"
	"slices"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
)

// Stats is the progress of one (sink, partition).
type Stats struct {
	Sink      string
	Partition topic.Partition
	// Indexed is the next offset to hand the sink: the records below it
	// are visible to its queries. Durable is its saved watermark (-1 when
	// none yet).
	Indexed, Durable int64
	HighWatermark    int64
	// LagRecords is HighWatermark - Indexed. LagSeconds, when there is a
	// lag, is how long ago the newest record handed to the sink was
	// written: an upper bound of the age of the oldest record not yet
	// indexed; 0 without a lag.
	LagRecords int64
	LagSeconds float64
	// Skipped counts records the sink never got: deleted by retention
	// before they were indexed, or in batches that cannot be read.
	Skipped int64
	// Undecodable counts the partition's values framed with a schema id
	// that could not be decoded (indexed whole), for every sink alike.
	Undecodable int64
}

// publish records pt's progress for Stats.
func (p *Pipeline) publish(pt *part, offs log.Offsets, now time.Time) {
	stats := make([]Stats, 0, len(pt.feeds))
	for _, f := range pt.feeds {
		s := Stats{
			Sink: f.sink.Name(), Partition: pt.tp,
			Indexed: f.next, Durable: f.saved, HighWatermark: offs.HighWatermark,
			Skipped: f.skipped + pt.skipped, Undecodable: pt.undecodable,
		}
		if !f.opened && f.saved < 0 {
			s.Indexed = offs.LogStart
		}
		if s.LagRecords = max(0, offs.HighWatermark-s.Indexed); s.LagRecords > 0 && f.lastTS >= 0 {
			s.LagSeconds = max(0, now.Sub(time.UnixMilli(f.lastTS)).Seconds())
		}
		stats = append(stats, s)
	}
	p.mu.Lock()
	pt.stats = stats
	p.mu.Unlock()
}

// Stats returns the progress of every (sink, partition) fed, ordered by
// sink, topic and partition.
func (p *Pipeline) Stats() []Stats {
	p.mu.Lock()
	var out []Stats
	for _, pt := range p.parts {
		if !pt.gone {
			out = append(out, pt.stats...)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b Stats) int {
		return cmp.Or(cmp.Compare(a.Sink, b.Sink), cmp.Compare(a.Partition.Topic, b.Partition.Topic), cmp.Compare(a.Partition.Index, b.Partition.Index))
	})
	return out
}
