package synapse

import (
	"fmt"
	"math"
	"sync"

	"dalesim/neuron"
)

// Projection is the set of synapses from one population to another.
type Projection struct {
	name     string
	src, tgt *neuron.Population

	rowPtr  []int64   // len src+1; row i is [rowPtr[i], rowPtr[i+1])
	targets []int32   // target index of each synapse, ascending within a row (nil when narrow)
	narrow  []uint16  // the targets in two bytes each, when they fit (see narrows); then targets is nil
	weights []float32 // magnitudes; nil when every synapse has weight constW
	constW  float32
	delay   int    // steps, when delays is nil
	delays  delays // per-synapse delays in steps (none: delay for all)

	// Fixed point (target loihi_lif): signed integer weights (nil: all
	// fixedC), the weight settings and the target's accumulator for them.
	fixedW []int32
	fixedC int32
	fixed  FixedWeights
	fin    *neuron.FixedInput

	// runFirst[i] is the first target of row i when the row's targets are
	// one contiguous run t0, t0+1, ..., t0+n-1 (every row of an all-to-all
	// projection), else -1; nil when no row is. Any part [a, b) of such a
	// row is the run starting at runFirst[i] + (a - rowPtr[i]), which
	// scatterRows delivers with one vector addition (simd AddRow).
	runFirst []int32

	colPtr []int64 // backward index (by target), built by BuildBackward
	colSyn []int32 // synapse indices, ascending within a column
	colPre []int32 // the source neuron of each colSyn entry

	// boundOK records that every weight is <= bound: set by the plasticity
	// rules after a full pass, cleared whenever Weights hands the slice out
	// (the caller may write to it).
	boundOK bool
	bound   float32

	// lazy, when not nil, holds rows whose weights are still to be written
	// (a pending weight perturbation): see lazyRows.
	lazy *lazyRows
}

// Name returns the projection's name.
func (p *Projection) Name() string { return p.name }

// Source returns the presynaptic population.
func (p *Projection) Source() *neuron.Population { return p.src }

// Target returns the postsynaptic population.
func (p *Projection) Target() *neuron.Population { return p.tgt }

// Sign is the effective sign of every synapse: the source's identity.
func (p *Projection) Sign() int8 { return p.src.Identity().Sign() }

// Inhibitory reports whether the projection feeds the target's inhibitory
// channel, which is exactly when its source population is inhibitory.
func (p *Projection) Inhibitory() bool { return p.src.Identity() == neuron.Inhibitory }

// Len returns the number of synapses (silent ones included).
func (p *Projection) Len() int { return len(p.targets) + len(p.narrow) }

// Bytes returns the memory the projection's arrays hold (their capacities):
// row pointers, targets, weights, delays, fixed-point weights, the row runs
// and the backward index.
func (p *Projection) Bytes() int64 {
	b := 8*cap(p.rowPtr) + 4*cap(p.targets) + 2*cap(p.narrow) + 4*cap(p.weights) + p.delays.bytes() +
		4*cap(p.fixedW) + 4*cap(p.runFirst) + 8*cap(p.colPtr) + 4*cap(p.colSyn) + 4*cap(p.colPre)
	if p.lazy != nil {
		b += cap(p.lazy.done)
	}
	return int64(b)
}

// Row returns the target indices of presynaptic neuron i's synapses (read
// only: delivery indexes with them unchecked) and the index of its first
// synapse. A projection whose targets are stored in two
// bytes or packed with their delays (see TargetAt) is unpacked first, for
// good: its synapses then take two bytes (narrow) or one byte (packed) more.
func (p *Projection) Row(i int) (targets []int32, first int) {
	p.unpack()
	a, b := p.rowPtr[i], p.rowPtr[i+1]
	return p.targets[a:b], int(a)
}

// RowPtr returns the CSR row pointers (read only).
func (p *Projection) RowPtr() []int64 { return p.rowPtr }

// Targets returns every synapse's target index in CSR order (read only:
// delivery indexes with them unchecked).
// Like Row, it unpacks a projection whose targets are narrow or packed
// with their delays; TargetAt does not.
func (p *Projection) Targets() []int32 {
	p.unpack()
	return p.targets
}

// Weight returns the magnitude of synapse k.
func (p *Projection) Weight(k int) float32 {
	if p.weights == nil {
		return p.constW
	}
	p.settleAll()
	return p.weights[k]
}

// Weights returns the weight magnitudes in CSR order, materialising them if
// the projection stored only a constant. Callers must keep them >= 0 (use
// SetWeight or a plasticity rule to change them).
func (p *Projection) Weights() []float32 {
	p.boundOK = false
	return p.weightSlice()
}

// weightSlice is Weights for the package's own rules, which keep track of
// the bound themselves.
func (p *Projection) weightSlice() []float32 {
	p.settleAll()
	if p.weights == nil {
		p.weights = makeHuge[float32](p.Len())
		for i := range p.weights {
			p.weights[i] = p.constW
		}
	}
	return p.weights
}

// ConstWeight returns the common weight and true if the projection stores a
// single weight for every synapse.
func (p *Projection) ConstWeight() (float32, bool) { return p.constW, p.weights == nil }

// SetWeight sets the magnitude of synapse k; a negative or non-finite value
// is rejected (the sign belongs to the source population).
func (p *Projection) SetWeight(k int, w float32) error {
	if !(w >= 0) || math.IsInf(float64(w), 0) {
		return fmt.Errorf("projection %q: weight = %g: must be a finite magnitude >= 0 (the sign comes from the source population %q, %s)",
			p.name, w, p.src.Name(), p.src.Identity())
	}
	if k < 0 || k >= p.Len() {
		return fmt.Errorf("projection %q: synapse %d out of range [0, %d)", p.name, k, p.Len())
	}
	p.Weights()[k] = w
	return nil
}

// Delay returns the delay in steps of synapse k.
func (p *Projection) Delay(k int) int {
	if p.delays.none() {
		return p.delay
	}
	return int(p.delayAt(int64(k)))
}

// MaxDelay returns the longest delay in steps.
func (p *Projection) MaxDelay() int {
	if p.delays.none() {
		return p.delay
	}
	m := 0
	for k := range int64(p.Len()) {
		m = max(m, int(p.delayAt(k)))
	}
	return m
}

// MinDelay returns the shortest delay in steps (MaxDelaySteps+1 for a
// projection with per-synapse delays and no synapse).
func (p *Projection) MinDelay() int {
	if p.delays.none() {
		return p.delay
	}
	m := MaxDelaySteps + 1
	for k := range int64(p.Len()) {
		m = min(m, int(p.delayAt(k)))
	}
	return m
}

// delays holds per-synapse delays in steps: packed into the targets, each
// target t and its delay d stored as t<<8 | d (packed), when every delay the
// spec can give is at most 255 steps (25.5 ms at dt 0.1 ms) and the target
// population has at most 2^24 neurons; otherwise one byte each (short) when
// they are at most 255 steps, two (long) beyond. All unset when the
// projection has one delay. Packed, a synapse with its own weight and delay
// takes 8 bytes instead of 9, and delivery reads one array fewer.
type delays struct {
	packed bool
	short  []uint8
	long   []uint16
}

// packShift and maxPackedTargets: a packed target t is stored as
// t<<packShift | delay, so targets must be below maxPackedTargets.
const (
	packShift        = 8
	maxPackedTargets = 1 << (32 - packShift)
)

// packDelays selects packing (see delays); tests turn it off to compare.
var packDelays = true

// packs reports whether one-byte delays are packed into the targets of a
// projection onto nt neurons.
func packs(nt int) bool { return packDelays && nt <= maxPackedTargets }

// pack stores target t with delay d; packedTarget and packedDelay read them.
func pack(t int32, d int) int32 { return int32(uint32(t)<<packShift | uint32(d)) }

func packedTarget(x int32) int32 { return int32(uint32(x) >> packShift) }

func packedDelay(x int32) int64 { return int64(uint32(x) & (1<<packShift - 1)) }

func (d *delays) none() bool { return !d.packed && d.short == nil && d.long == nil }

func (d *delays) bytes() int { return cap(d.short) + 2*cap(d.long) }

// delayAt returns synapse k's delay in steps (per-synapse delays only).
func (p *Projection) delayAt(k int64) int64 {
	switch {
	case p.delays.packed:
		return packedDelay(p.targets[k])
	case p.delays.short != nil:
		return int64(p.delays.short[k])
	}
	return int64(p.delays.long[k])
}

// TargetAt returns synapse k's target index. Unlike Targets and Row, it
// never unpacks a projection whose targets are narrow or packed with their
// delays.
func (p *Projection) TargetAt(k int) int32 {
	if p.narrow != nil {
		return int32(p.narrow[k])
	}
	if p.delays.packed {
		return packedTarget(p.targets[k])
	}
	return p.targets[k]
}

// unpack widens narrow targets to int32 and moves packed delays (see
// delays) into an array of their own, for the code that reads the targets as
// an array (Row, Targets, the plasticity rules, the backward index). It is
// not safe while the projection delivers. (A Split's cuts are offsets within
// rows, so they stay valid.)
func (p *Projection) unpack() {
	if p.narrow != nil {
		t := makeHuge[int32](len(p.narrow))
		for k, x := range p.narrow {
			t[k] = int32(x)
		}
		p.targets, p.narrow = t, nil
	}
	if !p.delays.packed {
		return
	}
	d := makeHuge[uint8](len(p.targets))
	for k, x := range p.targets {
		d[k], p.targets[k] = uint8(packedDelay(x)), packedTarget(x)
	}
	p.delays.short, p.delays.packed = d, false
}

// setDelay sets synapse k's delay to v steps while the projection is
// built; packed, the target must not have been packed before.
func (p *Projection) setDelay(k int64, v int) {
	switch {
	case p.delays.packed:
		p.targets[k] = pack(p.targets[k], v)
	case p.delays.short != nil:
		p.delays.short[k] = uint8(v)
	default:
		p.delays.long[k] = uint16(v)
	}
}

// HasSynapseDelays reports whether delays are stored per synapse.
func (p *Projection) HasSynapseDelays() bool { return !p.delays.none() }

// BuildBackward builds the index of each target's incoming synapses (for
// plasticity triggered by postsynaptic spikes).
func (p *Projection) BuildBackward() {
	if p.colPtr != nil {
		return
	}
	p.unpack()
	p.colPtr, p.colSyn = groupByRow(p.tgt.Len(), p.targets)
	p.colPre = make([]int32, len(p.colSyn))
	pre := make([]int32, p.Len())
	for i := range p.src.Len() {
		for k := p.rowPtr[i]; k < p.rowPtr[i+1]; k++ {
			pre[k] = int32(i)
		}
	}
	for n, k := range p.colSyn {
		p.colPre[n] = pre[k]
	}
}

// Column returns the synapse indices onto target j (BuildBackward first).
func (p *Projection) Column(j int) []int32 { return p.colSyn[p.colPtr[j]:p.colPtr[j+1]] }

// Silent returns the number of synapses with weight zero.
func (p *Projection) Silent() int {
	p.settleAll()
	if p.weights == nil {
		if p.constW == 0 {
			return p.Len()
		}
		return 0
	}
	z := 0
	for _, w := range p.weights {
		if w == 0 {
			z++
		}
	}
	return z
}

// DaleViolations counts synapses whose effective sign differs from their
// source population's sign: a negative or NaN magnitude (which would flip or
// lose the sign). The structure makes this zero; the count is the check.
func (p *Projection) DaleViolations() int {
	p.settleAll()
	v := 0
	if p.weights == nil {
		if !(p.constW >= 0) {
			return p.Len()
		}
		return 0
	}
	for _, w := range p.weights {
		if !(w >= 0) {
			v++
		}
	}
	return v
}

// lazyRows are the rows of a projection whose weights are not written yet
// (see WeightPerturbation.Perturb): fill(i) writes row i. While a
// projection has lazy rows, every read of its weights first settles the
// rows it reads: delivery the spiking rows, RowWeights its row, everything
// else all rows (settleAll).
type lazyRows struct {
	done []bool
	fill func(i int)
	mu   sync.Mutex // delivery of a split's parts settles rows concurrently
}

func (l *lazyRows) reset(rows int, fill func(int)) {
	if cap(l.done) < rows {
		l.done = make([]bool, rows)
	}
	l.done = l.done[:rows]
	clear(l.done)
	l.fill = fill
}

// settle writes row i if it is not written yet.
func (l *lazyRows) settle(i int) {
	if !l.done[i] {
		l.done[i] = true
		l.fill(i)
	}
}

// settleSpikes writes the rows of the spiking neurons; it may run
// concurrently with itself (the parts of a delivery).
func (p *Projection) settleSpikes(spikes []int32) {
	l := p.lazy
	l.mu.Lock()
	for _, s := range spikes {
		l.settle(int(s))
	}
	l.mu.Unlock()
}

// settleAll writes every lazy row; the weights are then all in place.
func (p *Projection) settleAll() {
	if l := p.lazy; l != nil {
		p.lazy = nil
		for i := range l.done {
			l.settle(i)
		}
	}
}

// RowWeights returns the weight magnitudes of presynaptic neuron i's
// synapses (read only; nil when the projection stores one constant weight:
// see ConstWeight), in the order of Row(i). Unlike Weights, it draws no
// pending perturbation of other rows.
func (p *Projection) RowWeights(i int) []float32 {
	if p.weights == nil {
		return nil
	}
	if l := p.lazy; l != nil {
		l.settle(i)
	}
	return p.weights[p.rowPtr[i]:p.rowPtr[i+1]]
}
