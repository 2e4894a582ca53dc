package neuron

import (
	"fmt"

	"dalesim/internal/rng"
	"dalesim/simd"
)

// LoihiLIF is the fixed-point LIF neuron of Loihi, bit-accurate to Lava's CPU
// model PyLifModelBitAcc (lava-nc/lava, src/lava/proc/lif/models.py):
// integer current u and voltage v of 24 bits, 12-bit decays du and dv, a
// 13-bit bias mantissa with a 3-bit exponent, a 17-bit threshold, reset to 0
// and no refractory period. Its input comes from projections with 8-bit
// integer weights and a per-projection exponent (see package synapse).
const LoihiLIF Model = "loihi_lif"

// IsFixed reports whether m is a fixed-point (integer) model.
func (m Model) IsFixed() bool { return m == LoihiLIF }

// FixedParams are the integer parameters of a loihi_lif population, with the
// widths of lava/proc/lif/models.py (PyLifModelBitAcc's docstring and
// AbstractPyLifModelFixed's LavaPyType precisions).
type FixedParams struct {
	Du       int64 // current decay, unsigned 12 bit: u <- u*(4096-(du+1)) >> 12
	Dv       int64 // voltage decay, unsigned 12 bit: v <- v*(4096-dv) >> 12
	BiasMant int64 // bias mantissa, signed 13 bit
	BiasExp  int64 // bias exponent, unsigned 3 bit: bias = bias_mant << bias_exp
	Vth      int64 // threshold, unsigned 17 bit: spike when v > vth << 6
}

// Field ranges of FixedParams.
const (
	MaxDecay    = 1<<12 - 1
	MinBiasMant = -(1 << 12)
	MaxBiasMant = 1<<12 - 1
	MaxBiasExp  = 7
	MaxVth      = 1<<17 - 1
)

// Validate checks the widths; the error names the field, its value and the
// range.
func (p *FixedParams) Validate() error {
	for _, f := range []struct {
		name   string
		v      int64
		lo, hi int64
		width  string
	}{
		{"du", p.Du, 0, MaxDecay, "unsigned 12-bit"},
		{"dv", p.Dv, 0, MaxDecay, "unsigned 12-bit"},
		{"bias_mant", p.BiasMant, MinBiasMant, MaxBiasMant, "signed 13-bit"},
		{"bias_exp", p.BiasExp, 0, MaxBiasExp, "unsigned 3-bit"},
		{"vth", p.Vth, 0, MaxVth, "unsigned 17-bit"},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("%s = %d: must be in [%d, %d] (%s on Loihi)", f.name, f.v, f.lo, f.hi, f.width)
		}
	}
	return nil
}

// Consts derives the kernel constants: the decay factors with Lava's
// offsets (AbstractPyLifModelFixed.__init__: ds_offset = 1, dm_offset = 0),
// the bias of AbstractPyLifModelFixed.scale_bias and the threshold of
// PyLifModelBitAcc.scale_threshold.
func (p *FixedParams) Consts() simd.FixedLIF {
	return simd.FixedLIF{
		FU:   int32(simd.FixedDecayUnity - (p.Du + 1)),
		FV:   int32(simd.FixedDecayUnity - p.Dv),
		Bias: int32(p.BiasMant) << p.BiasExp,
		VTh:  int32(p.Vth) << simd.FixedVthShift,
	}
}

// FixedInput is one projection's input accumulator onto a loihi_lif
// population: slots x n integer sums of signed weights, shifted by the
// projection's weight exponent when the step's input is formed (Lava's Dense
// shifts each process's a_accum on its own, so each projection needs its own
// sum).
type FixedInput struct {
	Exp  int32
	ring []int32
	n    int
}

// Ring returns the accumulator (slots x n).
func (f *FixedInput) Ring() []int32 { return f.ring }

// Slot returns the accumulator of input arriving in step.
func (f *FixedInput) Slot(step int64) []int32 {
	slots := len(f.ring) / f.n
	s := int(step % int64(slots))
	return f.ring[s*f.n : (s+1)*f.n]
}

// NewLoihiLIF returns a loihi_lif population with u = v = 0.
func NewLoihiLIF(name string, id Identity, n int, par FixedParams, dt float64) (*Population, error) {
	if err := par.Validate(); err != nil {
		return nil, fmt.Errorf("population %q: %w", name, err)
	}
	p, err := newPop(name, id, LoihiLIF, n, dt)
	if err != nil {
		return nil, err
	}
	p.Fixed = par
	p.fconsts = par.Consts()
	p.FState = simd.FixedState{U: make([]int32, n), V: make([]int32, n), In: make([]int32, n)}
	return p, nil
}

// FixedConsts returns the kernel constants of a loihi_lif population.
func (p *Population) FixedConsts() *simd.FixedLIF { return &p.fconsts }

// AddFixedInput gives a projection with weight exponent exp its own input
// accumulator on a loihi_lif population.
func (p *Population) AddFixedInput(exp int) (*FixedInput, error) {
	if p.model != LoihiLIF {
		return nil, fmt.Errorf("population %q: only loihi_lif populations take fixed-point input", p.name)
	}
	if exp < -31 || exp > 31 {
		return nil, fmt.Errorf("weight_exp = %d: must be in [-31, 31]", exp)
	}
	f := &FixedInput{Exp: int32(exp), n: p.n, ring: make([]int32, p.slots*p.n)}
	p.finputs = append(p.finputs, f)
	return f, nil
}

// fixedRange steps neurons [lo, hi) of a loihi_lif population: the step's
// input is the sum of each projection's accumulator shifted by its exponent,
// plus the drives' counts times their integer weights; then the kernel.
func (p *Population) fixedRange(step int64, lo, hi int, impl *simd.Impl, out []int32, st *simd.FixedState) int {
	*st = p.FState.Slice(lo, hi)
	s := int(step%int64(p.slots)) * p.n
	for _, f := range p.finputs {
		impl.ShiftAccum(st.In, f.ring[s+lo:s+hi], f.Exp)
	}
	for _, d := range p.drives {
		cnt := p.fcount[lo:hi]
		impl.PoissonDrive(rng.StepKey(d.key, step), uint32(lo), d.tab, d.lut, 1, cnt)
		w := int32(d.w)
		if d.Identity == Inhibitory {
			w = -w
		}
		in := st.In[:len(cnt)]
		for i, c := range cnt {
			in[i] += int32(c) * w
			cnt[i] = 0
		}
	}
	return impl.LoihiLIF(&p.fconsts, st, out, int32(lo))
}

// FixedInputs returns the input accumulators of a loihi_lif population, one
// per incoming projection, in the order they were added (read only; a
// checkpoint saves and restores their contents in place).
func (p *Population) FixedInputs() []*FixedInput { return p.finputs }
