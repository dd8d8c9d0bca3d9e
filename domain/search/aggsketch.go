package search

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// Cardinality: the hashes of distinct values, exactly (up to 64-bit hash
// collisions) while there are at most threshold of them, then a
// HyperLogLog sketch of 2^hllP registers estimated with Ertl's improved
// estimator (no bias tables; standard error about 1.04/sqrt(2^hllP),
// 0.81 %). Merging keeps the precision: two exact sets stay exact while
// their union is within the threshold; anything else is the register-wise
// maximum.
const hllP = 14

type cardSketch struct {
	threshold int
	set       map[uint64]struct{}
	regs      []uint8 // nil while exact
}

// hashKey hashes a typed value: FNV-1a over its kind and bytes, then
// splitmix64's finalizer so every bit is mixed for the registers.
func hashKey(k termKey) uint64 {
	h := uint64(14695981039346656037)
	mixByte := func(b byte) {
		h ^= uint64(b)
		h *= 1099511628211
	}
	mixByte(byte(k.kind))
	switch k.kind {
	case kStr:
		for i := 0; i < len(k.s); i++ {
			mixByte(k.s[i])
		}
	case kFloat:
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(k.f))
		for _, c := range b {
			mixByte(c)
		}
	default:
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(k.i))
		for _, c := range b {
			mixByte(c)
		}
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// mem estimates the sketch's memory in bytes.
func (c *cardSketch) mem() int64 {
	if c.regs != nil {
		return 1 << hllP
	}
	return 48 + 24*int64(len(c.set))
}

func (c *cardSketch) add(h uint64) {
	if c.regs != nil {
		c.addReg(h)
		return
	}
	if c.set == nil {
		c.set = map[uint64]struct{}{}
	}
	c.set[h] = struct{}{}
	if len(c.set) > c.threshold {
		c.densify()
	}
}

func (c *cardSketch) addReg(h uint64) {
	const q = 64 - hllP
	idx := h >> q
	rho := uint8(min(bits.LeadingZeros64(h<<hllP)+1, q+1))
	if rho > c.regs[idx] {
		c.regs[idx] = rho
	}
}

func (c *cardSketch) densify() {
	if c.regs != nil {
		return
	}
	c.regs = make([]uint8, 1<<hllP)
	for h := range c.set {
		c.addReg(h)
	}
	c.set = nil
}

func (c *cardSketch) merge(o *cardSketch) {
	if c.regs == nil && o.regs == nil {
		for h := range o.set {
			c.add(h)
		}
		return
	}
	c.densify()
	if o.regs == nil {
		for h := range o.set {
			c.addReg(h)
		}
		return
	}
	for i, r := range o.regs {
		if r > c.regs[i] {
			c.regs[i] = r
		}
	}
}

func (c *cardSketch) estimate() int64 {
	if c.regs == nil {
		return int64(len(c.set))
	}
	const q = 64 - hllP
	const m = float64(1 << hllP)
	var hist [q + 2]float64
	for _, r := range c.regs {
		hist[r]++
	}
	z := m * hllTau(1-hist[q+1]/m)
	for k := q; k >= 1; k-- {
		z = 0.5 * (z + hist[k])
	}
	z += m * hllSigma(hist[0]/m)
	if math.IsInf(z, 1) {
		return 0
	}
	est := m * m / (2 * math.Ln2) / z
	return int64(math.Round(est))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += x * y
		y += y
		if z == zp {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == zp {
			return z / 3
		}
	}
}

// Percentiles: every value while a bucket has at most
// ExactPercentileValues of them, then a merging t-digest (compression
// 100, the k1 scale function). Both answer the value at rank q·n, each
// value (or centroid) standing at the middle of its weight, interpolated
// linearly, within the exact minimum and maximum. With the digest the
// answer's rank is typically within 0.5 % of n of the exact one (closer
// at the tails).
const (
	tdCompression = 100
	tdBuffer      = 5 * tdCompression
)

type centroid struct {
	mean, w float64
}

type pctSketch struct {
	n        float64
	min, max float64
	exact    []float64 // nil once a digest
	digest   bool
	cents    []centroid
	buf      []centroid
}

func newPctSketch() *pctSketch {
	return &pctSketch{min: math.Inf(1), max: math.Inf(-1)}
}

// mem estimates the sketch's memory in bytes.
func (p *pctSketch) mem() int64 {
	return 64 + 8*int64(cap(p.exact)) + 16*int64(cap(p.cents)+cap(p.buf))
}

func (p *pctSketch) add(v float64) {
	p.n++
	p.min, p.max = math.Min(p.min, v), math.Max(p.max, v)
	if !p.digest {
		p.exact = append(p.exact, v)
		if len(p.exact) > ExactPercentileValues {
			p.toDigest()
		}
		return
	}
	p.buf = append(p.buf, centroid{v, 1})
	if len(p.buf) >= tdBuffer {
		p.compress()
	}
}

func (p *pctSketch) toDigest() {
	if p.digest {
		return
	}
	p.digest = true
	for _, v := range p.exact {
		p.buf = append(p.buf, centroid{v, 1})
	}
	p.exact = nil
	p.compress()
}

func (p *pctSketch) merge(o *pctSketch) {
	p.min, p.max = math.Min(p.min, o.min), math.Max(p.max, o.max)
	if !p.digest && !o.digest && len(p.exact)+len(o.exact) <= ExactPercentileValues {
		p.exact = append(p.exact, o.exact...)
		p.n += o.n
		return
	}
	p.toDigest()
	for _, v := range o.exact {
		p.buf = append(p.buf, centroid{v, 1})
	}
	p.buf = append(p.buf, o.cents...)
	p.buf = append(p.buf, o.buf...)
	p.n += o.n
	p.compress()
}

// tdK is the k1 scale function: centroids are small near the tails.
func tdK(q float64) float64 {
	return tdCompression / (2 * math.Pi) * math.Asin(2*q-1)
}

func (p *pctSketch) compress() {
	all := append(p.cents, p.buf...)
	p.buf = p.buf[:0]
	if len(all) == 0 {
		return
	}
	slices.SortFunc(all, func(a, b centroid) int {
		switch {
		case a.mean < b.mean:
			return -1
		case a.mean > b.mean:
			return 1
		}
		return 0
	})
	var total float64
	for _, c := range all {
		total += c.w
	}
	out := make([]centroid, 0, 2*tdCompression)
	cur := all[0]
	before := 0.0 // weight before cur
	kLeft := tdK(0)
	for _, c := range all[1:] {
		q := (before + cur.w + c.w) / total
		if tdK(q)-kLeft <= 1 {
			cur.mean += (c.mean - cur.mean) * c.w / (cur.w + c.w)
			cur.w += c.w
			continue
		}
		out = append(out, cur)
		before += cur.w
		kLeft = tdK(before / total)
		cur = c
	}
	out = append(out, cur)
	p.cents = out
}

// quantile is the value at q in [0, 1].
func (p *pctSketch) quantile(q float64) float64 {
	if p.n == 0 {
		return math.NaN()
	}
	var cs []centroid
	if !p.digest {
		slices.Sort(p.exact)
		cs = make([]centroid, len(p.exact))
		for i, v := range p.exact {
			cs[i] = centroid{v, 1}
		}
	} else {
		if len(p.buf) > 0 {
			p.compress()
		}
		cs = p.cents
	}
	pos := q * p.n
	// Centroid i stands at cum_i + w_i/2; before the first is min (at 0),
	// after the last max (at n).
	prevPos, prevVal := 0.0, p.min
	cum := 0.0
	for _, c := range cs {
		at := cum + c.w/2
		if pos <= at {
			return tdInterpolate(prevPos, prevVal, at, c.mean, pos)
		}
		prevPos, prevVal = at, c.mean
		cum += c.w
	}
	return tdInterpolate(prevPos, prevVal, p.n, p.max, pos)
}

func tdInterpolate(x0, y0, x1, y1, x float64) float64 {
	if x1 <= x0 {
		return y1
	}
	v := y0 + (y1-y0)*(x-x0)/(x1-x0)
	return math.Max(math.Min(v, math.Max(y0, y1)), math.Min(y0, y1))
}
