package neuron

import (
	"fmt"
	"math"
	"sort"
	"unsafe"

	"dalesim/internal/rng"
	"dalesim/simd"
)

// Population is a group of neurons of one model and one fixed identity.
// LIF state lives in State (float32 columns); the input of future steps lives
// in per-population ring buffers that projections deliver into.
type Population struct {
	name     string
	identity Identity
	model    Model
	n        int
	dt       float64

	Params Params     // LIF parameters (LIF models only)
	State  simd.State // LIF state (LIF models only)
	consts simd.LIF

	// loihi_lif (fixed point): parameters, integer state, kernel constants,
	// one input accumulator per incoming projection, drive count scratch.
	Fixed   FixedParams
	FState  simd.FixedState
	fconsts simd.FixedLIF
	finputs []*FixedInput
	fcount  []float32
	fwhole  simd.FixedState // scratch for stepping the whole population

	ringE, ringI []float32 // slots x n input accumulators
	slots        int

	drives []*Drive

	// poisson sources
	key   uint64
	rates []float64
	thr   []uint32

	// spike sources
	events []Event
	pos    int

	spikes []int32 // this step's spikes, ascending

	// The ranges are read by every worker of a multi-threaded engine in
	// every step, while the engine sets spikes: not on one cache line.
	_           [64]byte
	rangeBounds []int        // the bounds given to SetRanges (read only while ranges are stepped)
	ranges      []rangeState // scratch states of the ranges given to SetRanges
}

// rangeState is the state of a range given to SetRanges, handed to a kernel
// by StepRange. A State passed to a kernel through a function value
// escapes, so a local one would be allocated on every call. Ranges are
// stepped concurrently, each writing its own state in every step: the
// states share no cache line, and StepRange finds its range in rangeBounds,
// which nobody writes meanwhile. (With the bounds kept next to the states,
// the worker of range 1 read, in every step, a line that the worker of
// range 0 had just written.)
type rangeState struct {
	_   [64]byte
	st  simd.State
	fst simd.FixedState
	_   [64]byte
}

// Event is one spike of a spike source: a step and a neuron index.
type Event struct {
	Step   int64
	Neuron int32
}

func newPop(name string, id Identity, m Model, n int, dt float64) (*Population, error) {
	if name == "" {
		return nil, fmt.Errorf("population name is empty")
	}
	if !id.Valid() {
		return nil, fmt.Errorf("population %q: identity is unset: must be excitatory or inhibitory", name)
	}
	if n <= 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("population %q: size = %d: must be between 1 and %d", name, n, math.MaxInt32)
	}
	if !(dt > 0) || math.IsInf(dt, 0) {
		return nil, fmt.Errorf("dt_ms = %g: must be a finite number > 0", dt)
	}
	p := &Population{name: name, identity: id, model: m, n: n, dt: dt, spikes: make([]int32, 0, n)}
	p.SetSlots(1)
	return p, nil
}

// NewLIF returns a LIF population of model m (CUBA, COBA or Delta) with all
// neurons at v_rest; the parameters are validated first.
func NewLIF(name string, id Identity, m Model, n int, par Params, dt float64) (*Population, error) {
	if !m.IsLIF() {
		return nil, fmt.Errorf("population %q: model = %q is not a LIF model", name, m)
	}
	if err := par.Validate(m); err != nil {
		return nil, fmt.Errorf("population %q: %w", name, err)
	}
	p, err := newPop(name, id, m, n, dt)
	if err != nil {
		return nil, err
	}
	p.Params = par
	p.consts = par.Consts(m, dt)
	p.State = simd.State{
		V:     make([]float32, n),
		Theta: make([]float32, n),
		Ref:   make([]int32, n),
	}
	if m != Delta {
		p.State.GE, p.State.GI = make([]float32, n), make([]float32, n)
	}
	for i := range p.State.V {
		p.State.V[i] = float32(par.VRest)
	}
	return p, nil
}

// NewPoisson returns n independent Poisson sources, all at rate Hz; key is
// the population's random stream (see rng.Key).
func NewPoisson(name string, id Identity, n int, rate float64, dt float64, key uint64) (*Population, error) {
	p, err := newPop(name, id, Poisson, n, dt)
	if err != nil {
		return nil, err
	}
	p.key = key
	p.rates = make([]float64, n)
	p.thr = make([]uint32, n)
	if err := p.SetRate(rate); err != nil {
		return nil, err
	}
	return p, nil
}

// NewSpikeSource returns n sources that spike at the given events (any
// order); a neuron may spike at most once per step.
func NewSpikeSource(name string, id Identity, n int, events []Event, dt float64) (*Population, error) {
	p, err := newPop(name, id, SpikeSource, n, dt)
	if err != nil {
		return nil, err
	}
	ev := append([]Event(nil), events...)
	sort.Slice(ev, func(a, b int) bool {
		if ev[a].Step != ev[b].Step {
			return ev[a].Step < ev[b].Step
		}
		return ev[a].Neuron < ev[b].Neuron
	})
	for i, e := range ev {
		if e.Neuron < 0 || int(e.Neuron) >= n {
			return nil, fmt.Errorf("population %q: spike of neuron %d: index must be in [0, %d)", name, e.Neuron, n)
		}
		if e.Step < 0 {
			return nil, fmt.Errorf("population %q: spike of neuron %d at step %d: time must be >= 0", name, e.Neuron, e.Step)
		}
		if i > 0 && ev[i-1] == e {
			return nil, fmt.Errorf("population %q: neuron %d spikes twice in step %d (t = %g ms at dt = %g ms): use a smaller dt or merge the spikes",
				name, e.Neuron, e.Step, float64(e.Step)*dt, dt)
		}
	}
	p.events = ev
	return p, nil
}

// Name returns the population's name.
func (p *Population) Name() string { return p.name }

// Identity returns the population's fixed identity.
func (p *Population) Identity() Identity { return p.identity }

// Model returns the population's model.
func (p *Population) Model() Model { return p.model }

// Len returns the number of neurons.
func (p *Population) Len() int { return p.n }

// Dt returns the time step in ms.
func (p *Population) Dt() float64 { return p.dt }

// Consts returns the kernel constants of a LIF population.
func (p *Population) Consts() *simd.LIF { return &p.consts }

// Spikes returns the indices of the neurons that spiked in the last step,
// ascending. The slice is reused by the next step.
func (p *Population) Spikes() []int32 { return p.spikes }

// Receives reports whether the population has inputs (LIF models only).
func (p *Population) Receives() bool { return p.model.IsLIF() || p.model.IsFixed() }

// SetSlots sizes the input ring buffers for delays of up to slots-1 steps
// (slots >= 1); pending input is kept only when the size does not change.
func (p *Population) SetSlots(slots int) {
	if slots < 1 {
		slots = 1
	}
	if slots == p.slots && p.ringE != nil {
		return
	}
	p.slots = slots
	if p.model.IsFixed() {
		for _, f := range p.finputs {
			f.ring = make([]int32, slots*p.n)
			prefault(f.ring)
		}
		return
	}
	if !p.model.IsLIF() {
		return
	}
	p.ringE = make([]float32, slots*p.n)
	p.ringI = make([]float32, slots*p.n)
	prefault(p.ringE)
	prefault(p.ringI)
}

// prefault writes a zero into every 4 KiB page of s (a new, zeroed
// allocation), so that the operating system maps its pages now rather than
// at the first steps of a run. Mapped there, in the steps that first reached
// each ring slot, they made the first 16 steps of Brunel's network take 1.8
// ms instead of 0.55 on one thread, and 5 ms on two, whose workers faulted
// at the same time.
func prefault[T any](s []T) {
	var zero T
	step := max(4096/int(unsafe.Sizeof(zero)), 1)
	for i := 0; i < len(s); i += step {
		s[i] = zero
	}
}

// BytesPerNeuron is the memory of one neuron of model m whose input rings
// have the given slots (LIF and loihi_lif models; inputs: the number of
// projections onto a loihi_lif population, each with its own ring): the
// state arrays, the rings and the spike list. Spike sources also hold their
// events, which this does not count.
func BytesPerNeuron(m Model, slots, inputs int) int {
	b := 4 // spikes
	switch {
	case m == Delta:
		b += 12 + 8*slots // V, Theta, Ref; ringE, ringI
	case m.IsLIF():
		b += 20 + 8*slots // and GE, GI
	case m.IsFixed():
		b += 12 + 4 + 4*slots*max(inputs, 1) // U, V, In; drive counts; a ring per input
	case m == Poisson:
		b += 12 // rates, thresholds
	}
	return b
}

// Slots returns the number of ring-buffer slots.
func (p *Population) Slots() int { return p.slots }

// Input returns the accumulator of the excitatory (inh = false) or inhibitory
// channel for input arriving in the given step. Deliveries add magnitudes.
func (p *Population) Input(step int64, inh bool) []float32 {
	s := int(step % int64(p.slots))
	if inh {
		return p.ringI[s*p.n : (s+1)*p.n]
	}
	return p.ringE[s*p.n : (s+1)*p.n]
}

// Ring returns the whole excitatory or inhibitory ring (slots x n).
func (p *Population) Ring(inh bool) []float32 {
	if inh {
		return p.ringI
	}
	return p.ringE
}

// AddDrive attaches an external Poisson drive to a LIF population.
func (p *Population) AddDrive(d *Drive) error {
	if !p.model.IsLIF() && !p.model.IsFixed() {
		return fmt.Errorf("drive %q: target population %q is a %s source and takes no input", d.Name, p.name, p.model)
	}
	if p.model.IsFixed() && (d.Weight != float64(int64(d.Weight)) || d.Weight > 255) {
		return fmt.Errorf("drive %q: weight = %g: onto a loihi_lif population it must be an integer in [0, 255] (8-bit weight)", d.Name, d.Weight)
	}
	if err := d.init(p.dt); err != nil {
		return err
	}
	if p.model.IsFixed() && p.fcount == nil {
		p.fcount = make([]float32, p.n)
	}
	p.drives = append(p.drives, d)
	return nil
}

// Drives returns the population's external drives.
func (p *Population) Drives() []*Drive { return p.drives }

// SetRate sets every Poisson source to rate Hz.
func (p *Population) SetRate(rate float64) error {
	for i := range p.rates {
		if err := p.SetRateOf(i, rate); err != nil {
			return err
		}
	}
	return nil
}

// SetRateOf sets the rate (Hz) of Poisson source i.
func (p *Population) SetRateOf(i int, rate float64) error {
	if p.model != Poisson {
		return fmt.Errorf("population %q: only poisson populations have rates", p.name)
	}
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return fmt.Errorf("population %q: rate_hz = %g: must be a finite number >= 0", p.name, rate)
	}
	pr := rate * p.dt / 1000
	if pr > 1 {
		return fmt.Errorf("population %q: rate_hz = %g: at dt = %g ms a source spikes at most once per step (rate <= %g Hz)",
			p.name, rate, p.dt, 1000/p.dt)
	}
	p.rates[i] = rate
	p.thr[i] = uint32(math.Min(math.Round(pr*0x1p32), math.MaxUint32))
	return nil
}

// Rates returns the Poisson sources' rates in Hz (read only).
func (p *Population) Rates() []float64 { return p.rates }

// Step advances the population by one step and returns its spikes.
func (p *Population) Step(step int64, impl *simd.Impl) []int32 {
	p.BeginStep(step)
	k := p.StepRange(step, 0, p.n, impl, p.spikes[:p.n])
	p.spikes = p.spikes[:k]
	return p.spikes
}

// BeginStep points the state's input columns at the ring slot of the given
// step; call it once per step before StepRange.
func (p *Population) BeginStep(step int64) {
	if !p.model.IsLIF() {
		return
	}
	s := int(step%int64(p.slots)) * p.n
	p.State.InE = p.ringE[s : s+p.n]
	p.State.InI = p.ringI[s : s+p.n]
}

// StepRange advances neurons [lo, hi) by one step (after BeginStep, unless
// the range was given to SetRanges), writes
// the indices of those that spiked into out (len(out) >= hi-lo) and returns
// their number. Disjoint ranges may be stepped concurrently; the result does
// not depend on how the population is split.
func (p *Population) StepRange(step int64, lo, hi int, impl *simd.Impl, out []int32) int {
	switch p.model {
	case Poisson:
		return impl.PoissonSpikes(rng.StepKey(p.key, step), uint32(lo), p.thr[lo:hi], out, int32(lo))
	case SpikeSource:
		return p.sourceRange(step, lo, hi, out)
	case LoihiLIF:
		return p.fixedRange(step, lo, hi, impl, out, p.fixedScratch(lo, hi))
	}
	st := p.rangeState(step, lo, hi)
	for _, d := range p.drives {
		in := st.InE
		if d.Identity == Inhibitory {
			in = st.InI
		}
		impl.PoissonDrive(rng.StepKey(d.key, step), uint32(lo), d.tab, d.lut, d.w, in)
	}
	var k int
	switch p.model {
	case CUBA:
		k = impl.Cuba(&p.consts, st, out, int32(lo))
	case COBA:
		k = impl.Coba(&p.consts, st, out, int32(lo))
	default:
		k = impl.Delta(&p.consts, st, out, int32(lo))
	}
	// The kernels compare with theta and add ThStep at spikes; its decay,
	// after the comparison as the model specifies, is a separate pass made
	// only when there is one (see simd's LIF kernels).
	if p.consts.ThDecay != 1 {
		impl.Decay(st.Theta, p.consts.ThDecay)
	}
	return k
}

// SetRanges declares the neuron ranges [bounds[w], bounds[w+1]) that
// StepRange will be called with, possibly concurrently. StepRange allocates
// nothing for them, and takes their input from the ring slot of its step
// itself, so they need no BeginStep: one range may be stepped to step s+1
// while another is still at step s. Call it when no range is being stepped.
func (p *Population) SetRanges(bounds []int) {
	if p.model.IsLIF() && p.State.InE == nil {
		p.BeginStep(0) // rangeState slices the whole state, inputs included
	}
	p.rangeBounds = append(p.rangeBounds[:0], bounds...)
	p.ranges = p.ranges[:0]
	for w := 0; w+1 < len(bounds); w++ {
		p.ranges = append(p.ranges, rangeState{})
	}
}

// rangeIndex returns the index of range [lo, hi) among those given to
// SetRanges, or -1.
func (p *Population) rangeIndex(lo, hi int) int {
	b := p.rangeBounds
	for i := 0; i+1 < len(b); i++ {
		if b[i] == lo && b[i+1] == hi {
			return i
		}
	}
	return -1
}

// rangeState returns the state of neurons [lo, hi) for stepping step: a
// range's scratch for a range given to SetRanges (each range is stepped by
// one goroutine at a time), the population's own for the whole population,
// or a new one (the last two with the input slot set by BeginStep).
func (p *Population) rangeState(step int64, lo, hi int) *simd.State {
	if i := p.rangeIndex(lo, hi); i >= 0 {
		r := &p.ranges[i]
		r.st = p.State.Slice(lo, hi)
		if p.model.IsLIF() {
			s := int(step%int64(p.slots)) * p.n
			r.st.InE, r.st.InI = p.ringE[s+lo:s+hi], p.ringI[s+lo:s+hi]
		}
		return &r.st
	}
	if lo == 0 && hi == p.n {
		return &p.State
	}
	st := p.State.Slice(lo, hi)
	return &st
}

// fixedScratch returns where the state of neurons [lo, hi) of a loihi_lif
// population is sliced into: a range's own for a range given to SetRanges,
// else a new one (a FixedState handed to a kernel escapes).
func (p *Population) fixedScratch(lo, hi int) *simd.FixedState {
	if i := p.rangeIndex(lo, hi); i >= 0 {
		return &p.ranges[i].fst
	}
	if lo == 0 && hi == p.n {
		return &p.fwhole
	}
	return new(simd.FixedState)
}

// SetSpikes replaces the population's spikes of this step (used by the
// engine after a multi-threaded step).
func (p *Population) SetSpikes(s []int32) { p.spikes = s }

// SpikeBuf returns the population's spike buffer with room for every neuron.
func (p *Population) SpikeBuf() []int32 { return p.spikes[:p.n] }

func (p *Population) sourceRange(step int64, lo, hi int, out []int32) int {
	// Events are sorted by (step, neuron); skip the past (a source is stepped
	// once per step, possibly in several ranges).
	i := sort.Search(len(p.events), func(i int) bool {
		e := p.events[i]
		return e.Step > step || (e.Step == step && int(e.Neuron) >= lo)
	})
	k := 0
	for ; i < len(p.events) && p.events[i].Step == step && int(p.events[i].Neuron) < hi; i++ {
		out[k] = p.events[i].Neuron
		k++
	}
	return k
}

// ResetState puts a LIF population back to rest: v = v_rest, synaptic
// currents, refractoriness and pending input cleared; the threshold offsets
// (learned homeostasis) are kept.
func (p *Population) ResetState() {
	if p.model.IsFixed() {
		clear(p.FState.U)
		clear(p.FState.V)
		clear(p.FState.In)
		for _, f := range p.finputs {
			clear(f.ring)
		}
		return
	}
	if !p.model.IsLIF() {
		return
	}
	for i := range p.State.V {
		p.State.V[i] = float32(p.Params.VRest)
		p.State.Ref[i] = 0
	}
	clear(p.State.GE)
	clear(p.State.GI)
	clear(p.ringE)
	clear(p.ringI)
}

// Drive is an external Poisson input to every neuron of a LIF population, as
// Brian2's PoissonInput: each neuron independently receives, every step, a
// Poisson(N*rate*dt) number of jumps of size Weight on the channel of the
// drive's Identity.
type Drive struct {
	Name     string
	Identity Identity
	N        int     // number of virtual sources per neuron
	RateHz   float64 // rate of each virtual source
	Weight   float64 // magnitude of one input (target's weight unit)
	Key      uint64  // random stream (see rng.Key)

	key uint64
	tab []uint32
	lut []uint8
	w   float32
}

// MaxDriveLambda is the largest mean number of inputs per step a Drive
// takes (n·rate·dt): its Poisson table covers counts up to a multiple of it.
const MaxDriveLambda = 100

// DriveLambda returns the mean number of inputs per step of n Poisson
// sources at rateHz with a time step of dt ms.
func DriveLambda(n int, rateHz, dt float64) float64 { return float64(n) * rateHz * dt / 1000 }

// CheckDriveLambda reports a drive whose mean inputs per step exceed
// MaxDriveLambda.
func CheckDriveLambda(lambda float64) error {
	if lambda > MaxDriveLambda {
		return fmt.Errorf("n*rate*dt = %g inputs per step: must be <= %d (use a larger weight with fewer sources)", lambda, MaxDriveLambda)
	}
	return nil
}

func (d *Drive) init(dt float64) error {
	if !d.Identity.Valid() {
		return fmt.Errorf("drive %q: identity is unset: must be excitatory or inhibitory", d.Name)
	}
	if d.N < 0 {
		return fmt.Errorf("drive %q: n = %d: must be >= 0", d.Name, d.N)
	}
	if d.RateHz < 0 || math.IsNaN(d.RateHz) || math.IsInf(d.RateHz, 0) {
		return fmt.Errorf("drive %q: rate_hz = %g: must be a finite number >= 0", d.Name, d.RateHz)
	}
	if d.Weight < 0 || math.IsNaN(d.Weight) || math.IsInf(d.Weight, 0) {
		return fmt.Errorf("drive %q: weight = %g: must be a finite number >= 0 (a magnitude; the sign comes from the drive's identity)", d.Name, d.Weight)
	}
	lambda := DriveLambda(d.N, d.RateHz, dt)
	if err := CheckDriveLambda(lambda); err != nil {
		return fmt.Errorf("drive %q: %w", d.Name, err)
	}
	d.key = d.Key
	d.tab = rng.PoissonTable(lambda)
	d.lut = simd.PoissonLUT(d.tab)
	d.w = float32(d.Weight)
	return nil
}
