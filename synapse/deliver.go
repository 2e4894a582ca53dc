// Delivery: walking the spiking rows (whole, by the parts of a Split or by
// target ranges) and adding each synapse's weight into its target's input,
// at one delay or at each synapse's own.

package synapse

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"dalesim/simd"
)

// Deliver adds the synapses of the spiking presynaptic neurons into the
// target's ring buffer at each synapse's arrival step and returns the number
// of synapses walked.
func (p *Projection) Deliver(step int64, spikes []int32, impl *simd.Impl) int64 {
	return p.deliver(step, spikes, impl, rowSpan{ptr: p.rowPtr, t: p.targets, t16: p.narrow})
}

// DeliverRange is Deliver restricted to targets in [lo, hi). Disjoint target
// ranges may be delivered concurrently; each target receives its inputs in
// the same order whatever the split. Each row is narrowed by binary search;
// a Split does it with a table lookup instead (see DeliverPart).
func (p *Projection) DeliverRange(step int64, spikes []int32, impl *simd.Impl, lo, hi int) int64 {
	if lo == 0 && hi == p.tgt.Len() {
		return p.Deliver(step, spikes, impl)
	}
	return p.deliver(step, spikes, impl, rowSpan{ptr: p.rowPtr, search: true, lo: p.searchBound(lo), hi: p.searchBound(hi), t: p.targets, t16: p.narrow})
}

// searchBound returns target bound x as subRow compares it with the
// stored targets (shifted when the delays are packed with them).
func (p *Projection) searchBound(x int) int {
	if p.delays.packed {
		return x << packShift
	}
	return x
}

// DeliverPart is DeliverRange for part w of a Split of this projection:
// targets in [sp.Bounds()[w], sp.Bounds()[w+1]). The parts of a Split may be
// delivered concurrently.
func (p *Projection) DeliverPart(step int64, spikes []int32, impl *simd.Impl, sp *Split, w int) int64 {
	if sp.p != p {
		panic(fmt.Sprintf("synapse: DeliverPart of projection %q with a split of %q", p.name, sp.p.name))
	}
	if w < 0 || w >= sp.parts {
		panic(fmt.Sprintf("synapse: DeliverPart: part %d of a split into %d", w, sp.parts))
	}
	if sp.parts == 1 {
		return p.Deliver(step, spikes, impl)
	}
	r := rowSpan{ptr: p.rowPtr, cuts: sp.cuts, stride: sp.parts - 1, w: w, t: p.targets, t16: p.narrow}
	if sp.cuts == nil {
		r = rowSpan{ptr: p.rowPtr, search: true, lo: p.searchBound(sp.bounds[w]), hi: p.searchBound(sp.bounds[w+1]), t: p.targets, t16: p.narrow}
	}
	return p.deliver(step, spikes, impl, r)
}

// rowSpan gives the synapses [a, b) of a spiking row that one delivery
// walks: the whole row, the part between two precomputed cuts of a Split, or
// the part with targets in [lo, hi) found by binary search.
type rowSpan struct {
	ptr     []int64
	cuts    []uint32 // Split cuts (stride per row), relative to the row start
	stride  int
	w       int
	search  bool
	lo, hi  int
	t       []int32   // the projection's targets, or
	t16     []uint16  // its narrow targets (t is then nil)
	weights []float32 // touched with the targets, when not nil
	touched int32
	// runFirst: Projection.runFirst (spans of contiguous rows are not
	// touched: their delivery, simd AddRow, does not read the targets and
	// walks the weights in order, which the hardware prefetcher follows).
	runFirst []int32
	noTouch  bool // the rows are not touched (see touchAbove)
}

// touchAbove is the size of a projection's targets and weights above which
// fill touches its rows ahead of the scatter: a quarter of the L2 cache (of
// 256 KiB when cpuid does not tell). Smaller arrays stay in L2 from one
// delivery to the next, and touching them only costs: 1.6 % of the time of
// coba's run (rows of 80 targets in 0.4 MB) on a CPU with 2 MiB of L2.
var touchAbove = func() int64 {
	l2 := int64(cpuid.CPU.Cache.L2)
	if l2 <= 0 {
		l2 = 256 << 10
	}
	return l2 / 4
}()

// rowBytes returns the bytes of the targets and weights of p's rows.
func (p *Projection) rowBytes() int64 {
	return 4*int64(len(p.targets)) + 2*int64(len(p.narrow)) + 4*int64(len(p.weights))
}

// span is the synapse range [a, b) of one row; t0 >= 0 when its targets
// are the contiguous run t0, t0+1, ..., t0+(b-a)-1 (see Projection.runFirst).
type span struct {
	a, b int64
	t0   int32
}

// spanChunk is the largest number of rows whose spans are looked up and
// touched together (see fill).
const spanChunk = 64

// touchBudget bounds the synapses of the rows that fill touches together:
// they must still be in cache (L2) when they are scattered.
const touchBudget = 1 << 15

// weightedTouch bounds the synapses touched per row when the weights are
// touched too: for rows of 1250 synapses with weights, touching whole rows
// was slower (1.25 ns per event) than touching none (1.15 ns), and touching
// the first 128 synapses of each row faster (1.07 ns).
const weightedTouch = 128

// fill writes the spans of the next spiking rows into out and returns their
// number: up to spanChunk rows, fewer when their synapses would exceed
// touchBudget (but at least one). It then loads one target (and weight) in
// every cache line of those spans, up to touchBudget synapses (and
// weightedTouch per row with weights). The loads are independent of each
// other, so the cache misses of rows that are not in cache overlap, many at
// a time, instead of stalling the scatter row by row: delivery of Brunel's
// network (rows of 1250 synapses at random places in 62 MB, one weight)
// took about 20 % less time with all lines touched than with only the first
// line of each row (the hardware prefetcher streams a row only once the
// scatter walks it), both with one thread and with two.
func (r *rowSpan) fill(spikes []int32, out *[spanChunk]span) int {
	m := min(len(spikes), spanChunk)
	spikes = spikes[:m]
	ptr := r.ptr
	switch {
	case r.cuts != nil:
		cuts, stride, w := r.cuts, r.stride, r.w
		for j, s := range spikes {
			a, b := ptr[s], ptr[s+1]
			i := int(s)*stride + w
			if w < stride {
				b = a + int64(cuts[i])
			}
			if w > 0 {
				a += int64(cuts[i-1])
			}
			out[j] = span{a, b, -1}
		}
	case r.search:
		for j, s := range spikes {
			var a, b int64
			if r.t16 != nil {
				a, b = subRow(r.t16, ptr[s], ptr[s+1], r.lo, r.hi)
			} else {
				a, b = subRow(r.t, ptr[s], ptr[s+1], r.lo, r.hi)
			}
			out[j] = span{a, b, -1}
		}
	default:
		for j, s := range spikes {
			out[j] = span{ptr[s], ptr[s+1], -1}
		}
	}
	if rf := r.runFirst; rf != nil {
		for j, s := range spikes {
			if f := rf[s]; f >= 0 {
				out[j].t0 = f + int32(out[j].a-ptr[s])
			}
		}
	}
	var n int64
	for j, sp := range out[:m] {
		if n += sp.b - sp.a; n > touchBudget && j > 0 {
			m = j
			break
		}
	}
	if r.noTouch {
		return m
	}
	var x int32
	w := r.weights
	left := int64(touchBudget)
	for _, sp := range out[:m] {
		if sp.t0 >= 0 {
			continue
		}
		b := min(sp.b, sp.a+left)
		if w != nil {
			b = min(b, sp.a+weightedTouch)
		}
		left -= b - sp.a
		if sp.a >= b {
			continue
		}
		if r.t16 != nil {
			x ^= touch(r.t16, sp.a, b)
		} else {
			x ^= touch(r.t, sp.a, b)
		}
		if w != nil {
			var y float32
			for k := sp.a; k < b; k += 16 {
				y += w[k]
			}
			y += w[b-1]
			x ^= int32(y)
		}
	}
	r.touched = x
	return m
}

// touch loads one target in every cache line of t[a:b] (a < b) and returns
// them xored.
func touch[T int32 | uint16](t []T, a, b int64) int32 {
	line := int64(64 / unsafe.Sizeof(t[0]))
	var x T
	for k := a; k < b; k += line {
		x ^= t[k]
	}
	return int32(x ^ t[b-1])
}

// deliver walks the part r gives of every spiking row, in spike order and
// within a row in CSR order, and adds each synapse's weight into the target's
// input at its arrival step.
func (p *Projection) deliver(step int64, spikes []int32, impl *simd.Impl, r rowSpan) int64 {
	if len(spikes) == 0 {
		return 0 // nothing to settle or add (and no span table to clear)
	}
	var events int64
	if p.lazy != nil {
		p.settleSpikes(spikes)
	}
	inh := p.Inhibitory()
	r.weights = p.weights
	r.noTouch = p.rowBytes() <= touchAbove
	if p.fin != nil {
		r.weights = nil
		return p.deliverFixed(step, spikes, r)
	}
	if p.delays.none() {
		acc := p.tgt.Input(step+int64(p.delay), inh)
		if len(acc) < p.tgt.Len() { // scatterRows indexes acc unchecked
			panic(fmt.Sprintf("synapse: projection %q: input slot of %d neurons for %d targets", p.name, len(acc), p.tgt.Len()))
		}
		// scatterRows makes the same additions in the same order as the
		// reference scatter kernels (every implementation offered has
		// them: see package simd) without a kernel call per row. Two-byte
		// targets always take it: the kernels read int32 targets, and
		// every kernel adds the same as the reference.
		if impl.ReferenceScatter || p.narrow != nil {
			r.runFirst = p.runFirst
			if p.narrow != nil {
				return scatterRows(acc, p.narrow, p.weights, p.constW, spikes, &r, impl.AddRow)
			}
			return scatterRows(acc, p.targets, p.weights, p.constW, spikes, &r, impl.AddRow)
		}
		var sp [spanChunk]span
		for len(spikes) > 0 {
			m := r.fill(spikes, &sp)
			spikes = spikes[m:]
			for _, x := range sp[:m] {
				events += x.b - x.a
				if p.weights == nil {
					impl.ScatterAddConst(acc, p.targets[x.a:x.b], p.constW)
				} else {
					impl.ScatterAdd(acc, p.targets[x.a:x.b], p.weights[x.a:x.b])
				}
			}
		}
		return events
	}
	ring := p.tgt.Ring(inh)
	n, slots := int64(p.tgt.Len()), int64(p.tgt.Slots())
	if int64(len(ring)) < slots*n { // addRowDelayed indexes ring unchecked
		panic(fmt.Sprintf("synapse: projection %q: ring of %d for %d slots of %d targets", p.name, len(ring), slots, n))
	}
	ws, cw := p.weights, p.constW // not Weight: the lazy rows read are settled
	var sp [spanChunk]span
	for len(spikes) > 0 {
		m := r.fill(spikes, &sp)
		spikes = spikes[m:]
		for _, x := range sp[:m] {
			events += x.b - x.a
			addRowDelayed(p, ring, ws, cw, x.a, x.b, step, n, slots)
		}
	}
	return events
}

// addRowDelayed adds the weights of synapses [a, b) of p, which has
// per-synapse delays (ws[k], or cw when ws is nil), into the ring slots of
// their arrival steps: ring holds slots slots of n targets each. The
// delays' form is chosen once per row, not per synapse. W is float32 for
// the float rings, int32 for the fixed-point accumulators. The loops index
// ring unchecked: the caller makes sure, once per delivery, that
// len(ring) >= slots*n.
func addRowDelayed[W float32 | int32](p *Projection, ring, ws []W, cw W, a, b, step, n, slots int64) {
	switch {
	case p.delays.packed:
		addPacked(ring, p.targets, ws, cw, a, b, step, n, slots)
	case p.delays.short != nil:
		addDelayed(ring, p.delays.short, p.targets, ws, cw, a, b, step, n, slots)
	default:
		addDelayed(ring, p.delays.long, p.targets, ws, cw, a, b, step, n, slots)
	}
}

// addDelayed is addRowDelayed for delays d kept apart. Every delay is below
// slots (the network makes sure of it), so a synapse's slot is
// (step mod slots) + d[k], less slots once if that passes the end: no
// division per synapse. Like addConst, it indexes the ring unchecked (every
// index is below slots*n, which addRowDelayed checks against len(ring)).
func addDelayed[D uint8 | uint16, W float32 | int32](ring []W, d []D, targets []int32, ws []W, cw W, a, b, step, n, slots int64) {
	base, at := step%slots, unchecked(ring)
	d, targets = d[a:b], targets[a:b]
	if ws == nil {
		for k, t := range targets {
			*at(wrapSlot(base+int64(d[k]), slots)*n + int64(t)) += cw
		}
		return
	}
	ws = ws[a:b]
	for k, t := range targets {
		*at(wrapSlot(base+int64(d[k]), slots)*n + int64(t)) += ws[k]
	}
}

// addPacked is addDelayed for targets packed with their delays (see delays).
func addPacked[W float32 | int32](ring []W, targets []int32, ws []W, cw W, a, b, step, n, slots int64) {
	base, at := step%slots, unchecked(ring)
	targets = targets[a:b]
	if ws == nil {
		for _, x := range targets {
			*at(wrapSlot(base+packedDelay(x), slots)*n + int64(packedTarget(x))) += cw
		}
		return
	}
	ws = ws[a:b]
	for k, x := range targets {
		*at(wrapSlot(base+packedDelay(x), slots)*n + int64(packedTarget(x))) += ws[k]
	}
}

// unchecked returns a function that gives &x[i] without a bounds check:
// the caller makes sure that every i is in range.
func unchecked[E float32 | int32 | uint16](x []E) func(i int64) *E {
	p, z := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Sizeof(E(0))
	return func(i int64) *E { return (*E)(unsafe.Add(p, uintptr(i)*z)) }
}

// wrapSlot returns s mod slots for s in [0, 2*slots).
func wrapSlot(s, slots int64) int64 {
	if s >= slots {
		s -= slots
	}
	return s
}

// scatterRows is the reference scatter over the part r gives of every
// spiking row, in order: acc[t[k]] += weights[k] (ScatterAddGeneric) or,
// when weights is nil, acc[t[k]] += w (ScatterAddConstGeneric).
//
// A part of a row whose targets are one contiguous run t0, t0+1, ...,
// t0+n-1 (every row of an all-to-all projection; r.runFirst) is delivered as acc[t0:t0+n] += weights[a:b] by
// add (simd AddRow): each element receives the same single addition as in
// the scalar loop, and the rows are still added one after the other in spike
// order, so every element sees the same additions in the same order and
// the result has the same bits.
//
// Silent synapses (weight +0) are not skipped: they cost nothing in a
// vector addition, and skipping them would be exact only because no
// accumulator ever holds -0 (x + (+0) == x bit for bit for every x except
// x = -0, where it gives +0; the accumulators start at +0 and receive only
// magnitudes >= 0, so they are never -0).
func scatterRows[T int32 | uint16](acc []float32, targets []T, weights []float32, w float32, spikes []int32, r *rowSpan,
	add func(acc, w []float32, c float32)) int64 {
	var events int64
	var sp [spanChunk]span
	if add == nil {
		add = simd.AddRowGeneric // an Impl made without the kernel
	}
	for len(spikes) > 0 {
		m := r.fill(spikes, &sp)
		spikes = spikes[m:]
		for _, x := range sp[:m] {
			row := targets[x.a:x.b]
			events += int64(len(row))
			if x.t0 >= 0 && len(row) > 0 {
				n, t0 := len(row), int(x.t0)
				if weights == nil {
					add(acc[t0:t0+n], nil, w)
				} else {
					add(acc[t0:t0+n], weights[x.a:x.b], 0)
				}
				continue
			}
			var ws []float32
			if weights != nil {
				ws = weights[x.a:x.b]
			}
			addRow(acc, row, ws, w)
		}
	}
	return events
}

// addConst adds w into acc[t] for every target t of row, in order, and
// addWeights adds ws[k] into acc[row[k]]; W is float32 for the float inputs
// and int32 for the fixed-point accumulators. They read row and ws and
// index acc through pointers, without bounds checks (which made a third of
// the loop's instructions): every target of a projection is below its
// target population's size, which its builder ensures and the callers
// check against len(acc), and ws is as long as row.
func addConst[T int32 | uint16, W float32 | int32](acc []W, row []T, w W) {
	at, t := unchecked(acc), unchecked(row)
	n, k := int64(len(row)), int64(0)
	for ; k < n&^3; k += 4 {
		*at(int64(*t(k))) += w
		*at(int64(*t(k + 1))) += w
		*at(int64(*t(k + 2))) += w
		*at(int64(*t(k + 3))) += w
	}
	for ; k < n; k++ {
		*at(int64(*t(k))) += w
	}
}

func addWeights[T int32 | uint16, W float32 | int32](acc []W, row []T, ws []W) {
	ws = ws[:len(row)]
	at, t, v := unchecked(acc), unchecked(row), unchecked(ws)
	n, k := int64(len(row)), int64(0)
	for ; k < n&^3; k += 4 {
		*at(int64(*t(k))) += *v(k)
		*at(int64(*t(k + 1))) += *v(k + 1)
		*at(int64(*t(k + 2))) += *v(k + 2)
		*at(int64(*t(k + 3))) += *v(k + 3)
	}
	for ; k < n; k++ {
		*at(int64(*t(k))) += *v(k)
	}
}

// addRow is addWeights, or addConst with w when ws is nil.
func addRow[T int32 | uint16, W float32 | int32](acc []W, row []T, ws []W, w W) {
	if ws == nil {
		addConst(acc, row, w)
	} else {
		addWeights(acc, row, ws)
	}
}

// runFirsts returns Projection.runFirst: per row, its first target if its
// targets are one contiguous ascending run of at least minRun, else -1 (nil
// if no row is). Shorter rows gain nothing from a vector addition and would
// cost 4 bytes a row (a projection of one synapse per row is all runs).
func runFirsts[T int32 | uint16](rowPtr []int64, targets []T) []int32 {
	const minRun = 8
	var rf []int32
	for i := 0; i+1 < len(rowPtr); i++ {
		a, b := rowPtr[i], rowPtr[i+1]
		run := b-a >= minRun
		for k := a + 1; k < b && run; k++ {
			run = targets[k] == targets[k-1]+1
		}
		if run && rf == nil {
			rf = make([]int32, len(rowPtr)-1)
			for j := range rf {
				rf[j] = -1
			}
		}
		if run {
			rf[i] = int32(targets[a])
		}
	}
	return rf
}

// subRow narrows synapses [a, b) of one row to targets in [lo, hi) by binary
// search (targets are ascending within a row). With packed delays (see
// delays) the bounds are given as lo<<packShift and hi<<packShift: a packed
// value is below b<<packShift exactly when its target is below b.
func subRow[T int32 | uint16](t []T, a, b int64, lo, hi int) (int64, int64) {
	start := lowerBound(t, a, b, lo)
	return start, lowerBound(t, start, b, hi)
}

// lowerBound returns the first k in [a, b) with t[k] >= x, or b, comparing
// t[k] as unsigned (a packed target may have its top bit set).
func lowerBound[T int32 | uint16](t []T, a, b int64, x int) int64 {
	i, j := a, b
	for i < j {
		m := int64(uint64(i+j) >> 1)
		if int(uint32(t[m])) < x {
			i = m + 1
		} else {
			j = m
		}
	}
	return i
}

// Split divides every row of a projection at fixed target bounds: part w
// holds the synapses onto targets [bounds[w], bounds[w+1]). It is a table of
// parts-1 cut offsets per row (4 bytes each), so that a worker finds its part
// of a spiking row with one lookup instead of two binary searches, each of
// whose probes is a cache miss in a row that is not in cache. A Split stays
// valid as long as the projection's structure does (weights may change).
type Split struct {
	p      *Projection
	bounds []int
	parts  int
	cuts   []uint32 // rows x (parts-1); nil: a row too long for uint32, search instead
}

// NewSplit returns the split of p's rows at the target bounds, which must
// start at 0, end at the target population's size and not decrease.
func (p *Projection) NewSplit(bounds []int) (*Split, error) {
	nt := p.tgt.Len()
	if len(bounds) < 2 || bounds[0] != 0 || bounds[len(bounds)-1] != nt {
		return nil, fmt.Errorf("projection %q: split bounds %v: must run from 0 to %d", p.name, bounds, nt)
	}
	for w := 1; w < len(bounds); w++ {
		if bounds[w] < bounds[w-1] {
			return nil, fmt.Errorf("projection %q: split bounds %v: must not decrease", p.name, bounds)
		}
	}
	sp := &Split{p: p, bounds: append([]int(nil), bounds...), parts: len(bounds) - 1}
	stride := sp.parts - 1
	if stride == 0 {
		return sp, nil
	}
	ns := len(p.rowPtr) - 1
	for i := 0; i < ns; i++ {
		if p.rowPtr[i+1]-p.rowPtr[i] > math.MaxUint32 {
			return sp, nil
		}
	}
	sp.cuts = make([]uint32, ns*stride)
	for i := 0; i < ns; i++ {
		a, b := p.rowPtr[i], p.rowPtr[i+1]
		c := sp.cuts[i*stride : (i+1)*stride]
		k := a
		for w := range c {
			if p.narrow != nil {
				k = lowerBound(p.narrow, k, b, bounds[w+1])
			} else {
				k = lowerBound(p.targets, k, b, p.searchBound(bounds[w+1]))
			}
			c[w] = uint32(k - a)
		}
	}
	return sp, nil
}

// Bounds returns the split's target bounds (read only).
func (sp *Split) Bounds() []int { return sp.bounds }

// Parts returns the number of parts.
func (sp *Split) Parts() int { return sp.parts }
