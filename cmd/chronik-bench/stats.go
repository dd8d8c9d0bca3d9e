package main

import (
	"math"
	"slices"
	"time"
)

// Percentiles are latencies in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// percentiles sorts lat (nanoseconds) in place and returns nearest-rank
// percentiles: the smallest sample with at least q of all samples at or
// below it.
func percentiles(lat []int64) Percentiles {
	if len(lat) == 0 {
		return Percentiles{}
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(lat)))) - 1
		i = min(max(i, 0), len(lat)-1)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	return Percentiles{P50: at(0.50), P99: at(0.99), P999: at(0.999), Max: at(1)}
}

// perGB returns CPU-seconds per 10^9 bytes, or 0 when nothing moved.
func perGB(cpuSeconds float64, bytes int64) float64 {
	if bytes <= 0 {
		return 0
	}
	return cpuSeconds / (float64(bytes) / 1e9)
}

// rate returns n per second over d, or 0 for an empty interval.
func rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}
