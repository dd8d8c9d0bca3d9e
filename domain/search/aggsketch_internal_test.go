package search

import (
	"errors"
	"math"
	"testing"
	"time"
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

// Past maxCollectBuckets a state stops making buckets and says so.
func TestCollectStopsAtTheBucketBound(t *testing.T) {
	defer func(n int) { maxCollectBuckets = n }(maxCollectBuckets)
	maxCollectBuckets = 1000
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "f", Size: 5, Subs: []Aggregation{
		{Name: "r", Kind: AggRange, Field: "f", Ranges: []RangeSpec{{To: 10.0}, {From: 10.0}}}}}}
	s, err := NewAggState(aggs, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		s.Collect(oneValue{FieldValue{Path: "f", Type: Long, Int: int64(i)}})
	}
	if s.buckets > 1000 || !errors.Is(s.Err(), ErrTooManyBuckets) {
		t.Fatalf("%d buckets, err %v", s.buckets, s.Err())
	}
	o, _ := NewAggState(aggs, time.Time{})
	o.Collect(oneValue{FieldValue{Path: "f", Type: Long, Int: 1}})
	if err := o.Merge(s); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("Merge: %v", err)
	}
	if _, err := o.Finish(); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("Finish: %v", err)
	}
	if err := o.Merge(o); !errors.Is(err, ErrAggInvalid) {
		t.Errorf("Merge into itself: %v", err)
	}
}

type oneValue struct{ v FieldValue }

func (oneValue) Partition() int32             { return 0 }
func (oneValue) Offset() int64                { return 0 }
func (oneValue) Score() float64               { return 1 }
func (d oneValue) Values(string) []FieldValue { return []FieldValue{d.v} }
func (oneValue) MatchesFilter(int) bool       { return false }

// Past maxCollectBytes (cardinality sets here) a state stops collecting
// and says so; below it, the same documents are fine.
func TestCollectStopsAtTheMemoryBound(t *testing.T) {
	defer func(n int64) { maxCollectBytes = n }(maxCollectBytes)
	aggs := []Aggregation{{Name: "t", Kind: AggTerms, Field: "f", Subs: []Aggregation{
		{Name: "c", Kind: AggCardinality, Field: "g", PrecisionThreshold: 40_000}}}}
	run := func() *AggState {
		s, err := NewAggState(aggs, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20_000 {
			s.Collect(twoValues{FieldValue{Type: Long, Int: int64(i % 10)}, FieldValue{Type: Long, Int: int64(i)}})
		}
		return s
	}
	if s := run(); s.Err() != nil || s.bytes < 20_000*24 {
		t.Fatalf("within the bound: err %v, %d bytes counted", s.Err(), s.bytes)
	}
	maxCollectBytes = 100_000
	s := run()
	if !errors.Is(s.Err(), ErrTooManyBuckets) || s.bytes > 200_000 {
		t.Errorf("past the bound: err %v, %d bytes", s.Err(), s.bytes)
	}
}

type twoValues struct{ f, g FieldValue }

func (twoValues) Partition() int32 { return 0 }
func (twoValues) Offset() int64    { return 0 }
func (twoValues) Score() float64   { return 1 }
func (d twoValues) Values(p string) []FieldValue {
	if p == "f" {
		return []FieldValue{d.f}
	}
	return []FieldValue{d.g}
}
func (twoValues) MatchesFilter(int) bool { return false }
