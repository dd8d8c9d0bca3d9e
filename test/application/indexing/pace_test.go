package indexing_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/domain/topic"
)

// steadyAppends is a produce path appending rate bytes/s from start until
// stop (forever when stop is zero), in the bubble's time.
type steadyAppends struct {
	rate        float64
	start, stop time.Time
}

func (a *steadyAppends) AppendedBytes() int64 {
	now := time.Now()
	if !a.stop.IsZero() && now.After(a.stop) {
		now = a.stop
	}
	return int64(now.Sub(a.start).Seconds() * a.rate)
}

// TestGivesWayToProduce runs the pipeline over a lag of 2 x 700 records,
// read one batch per step, into a sink whose every Index takes 10 ms (of
// the bubble's fake time): once the produce rate has been measured (the
// first 100 ms), while producers append faster than
// BusyBytesPerSec, the workers work at most BusyShare of their time; when
// they append slower, or stop, the pipeline runs at full speed.
func TestGivesWayToProduce(t *testing.T) {
	const share = 25
	for _, tc := range []struct {
		name      string
		rate      float64       // bytes/s appended
		stopAfter time.Duration // produce stops after this (0: never)
		// the workers' share of busy time while catching up: 2 s of work
		// paced from 100 ms on takes 3.8 s; paced for 2 s, then not, 2.45 s
		minShare, maxShare float64
	}{
		{name: "no_produce", rate: 0, minShare: 0.9, maxShare: 1},
		{name: "slow_produce", rate: 1 << 20, minShare: 0.9, maxShare: 1},
		{name: "busy_produce", rate: 100 << 20, minShare: 0.2, maxShare: 0.3},
		{name: "burst_ends", rate: 100 << 20, stopAfter: 2 * time.Second, minShare: 0.35, maxShare: 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, orders)
				hw := map[topic.Partition]int64{}
				for n := range orders.Partitions {
					f.produce("orders", n, jsonValues(0, 700)...)
					hw[topic.Partition{Topic: "orders", Index: n}] = 700
				}
				a := &steadyAppends{rate: tc.rate, start: time.Now()}
				if tc.stopAfter > 0 {
					a.stop = a.start.Add(tc.stopAfter)
				}
				f.appends = a
				sink := newSink(t, f.disk, 1000)
				sink.work = 10 * time.Millisecond
				start := time.Now()
				r := f.start(sink, nil, indexing.Config{Workers: 2, ReadBytes: 1, Tick: time.Hour,
					BusyBytesPerSec: 32 << 20, BusyShare: share})
				waitFor(t, "catch-up", r.caughtUp(hw))
				elapsed := time.Since(start)
				sink.mu.Lock()
				busy := sink.busy
				sink.mu.Unlock()
				got := busy.Seconds() / (2 * elapsed.Seconds())
				t.Logf("%d Index calls, %v of work in %v on 2 workers: share %.2f", busy/sink.work, busy, elapsed, got)
				if paused := r.p.Paused(); (tc.maxShare < 0.9) != (paused > 0) {
					t.Errorf("the workers paused for %v in all", paused)
				}
				if got < tc.minShare || got > tc.maxShare {
					t.Errorf("the workers worked %.2f of their time, want between %.2f and %.2f", got, tc.minShare, tc.maxShare)
				}
				r.stop()
				f.checkExactlyOnce(orders.ID, map[int32]int64{0: 700, 1: 700}, 0)
			})
		})
	}
}
