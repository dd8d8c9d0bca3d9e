package search

import (
	"math"
	"testing"
)

// The exact set of a cardinality gives way to the registers past the
// threshold, so a bucket's memory is bounded whatever the values.
func TestCardinalityMemoryIsBounded(t *testing.T) {
	c := &cardSketch{threshold: 100}
	for i := range 100_000 {
		c.add(hashKey(termKey{kind: kInt, i: int64(i)}))
	}
	if c.set != nil || len(c.regs) != 1<<hllP {
		t.Fatalf("exact set of %d, %d registers", len(c.set), len(c.regs))
	}
	if e := math.Abs(float64(c.estimate())-100_000) / 100_000; e > 0.04 {
		t.Errorf("estimate %d of 100000", c.estimate())
	}
}

// Past ExactPercentileValues the values give way to centroids.
func TestPercentilesMemoryIsBounded(t *testing.T) {
	p := newPctSketch()
	for i := range 200_000 {
		p.add(float64(i % 977))
	}
	if p.exact != nil || len(p.cents)+len(p.buf) > 2*tdCompression+tdBuffer {
		t.Fatalf("%d exact values, %d centroids, %d buffered", len(p.exact), len(p.cents), len(p.buf))
	}
}
