package segmentlog

import (
	"sync/atomic"
)

// Histogram counts observations into fixed buckets, cheaply and without
// locks, for the store's statistics (exported as Prometheus histograms by
// the caller). The zero value is unusable; see newHistogram.
type Histogram struct {
	bounds []float64 // upper bounds, ascending; an implicit +Inf follows
	counts []atomic.Uint64
	sum    atomic.Uint64 // in units of 1/sumScale
	n      atomic.Uint64
}

// sumScale keeps sums of seconds exact to the nanosecond in an integer.
const sumScale = 1e9

func newHistogram(bounds ...float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *Histogram) observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(uint64(v * sumScale))
	h.n.Add(1)
}

// HistogramSnapshot is a Histogram at one moment: Buckets maps each upper
// bound to the number of observations at or below it (cumulative, as
// Prometheus wants them).
type HistogramSnapshot struct {
	Count   uint64
	Sum     float64
	Buckets map[float64]uint64
}

func (h *Histogram) snapshot() HistogramSnapshot {
	s := HistogramSnapshot{Buckets: make(map[float64]uint64, len(h.bounds))}
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		s.Buckets[b] = cum
	}
	s.Count = cum + h.counts[len(h.bounds)].Load()
	s.Sum = float64(h.sum.Load()) / sumScale
	return s
}
