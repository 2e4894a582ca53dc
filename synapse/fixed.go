package synapse

import (
	"fmt"
	"math"
)

// FixedWeights are the integer weight settings of a projection onto a
// loihi_lif population, as Lava's bit-accurate Dense handles them
// (lava-nc/lava, src/lava/proc/dense/models.py,
// AbstractPyDenseModelBitAcc.run_spk, and src/lava/utils/weightutils.py):
//
//   - a weight is an 8-bit magnitude in [0, 255]; its sign comes from the
//     source population, which is Lava's sign mode EXCITATORY or INHIBITORY
//     (weightutils.py, SignMode; Dale's law rules out MIXED). Magnitudes above
//     255 are clipped as weightutils.clip_weights does (num_bits = 8);
//   - with Bits < 8, the low 8-Bits bits of the magnitude are dropped, as
//     weightutils.truncate_weights does (it truncates the magnitude of
//     inhibitory weights: negate, shift, negate);
//   - each step, the signed weights of the spikes arriving at a target are
//     summed over the projection and the sum is shifted by Exp: << Exp for
//     Exp > 0, an arithmetic >> -Exp otherwise (rounding toward minus
//     infinity), as run_spk scales a_accum by weight_exp.
type FixedWeights struct {
	Bits int // 1..8 (Lava's num_weight_bits)
	Exp  int // weight_exp
}

// Ranges of FixedWeights.
const (
	MaxFixedWeight = 255
	MinWeightExp   = -8
	MaxWeightExp   = 7
)

// Validate checks the bit width and exponent; the error names the field.
func (f *FixedWeights) Validate() error {
	if f.Bits < 1 || f.Bits > 8 {
		return fmt.Errorf("weight_bits = %d: must be in [1, 8] (Loihi's synaptic weights have at most 8 bits)", f.Bits)
	}
	if f.Exp < MinWeightExp || f.Exp > MaxWeightExp {
		return fmt.Errorf("weight_exp = %d: must be in [%d, %d]", f.Exp, MinWeightExp, MaxWeightExp)
	}
	return nil
}

// Quantize returns the magnitude of a fixed-point weight: w rounded to the
// nearest integer, clipped to [0, 255] and truncated to bits bits.
func Quantize(w float64, bits int) int32 {
	q := math.Min(math.Max(math.Round(w), 0), MaxFixedWeight)
	k := 8 - bits
	return int32(q) >> k << k
}

// setFixed turns the projection's magnitudes into signed integer weights
// and takes an input accumulator on the target.
func (p *Projection) setFixed(f FixedWeights) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("projection %q: %w", p.name, err)
	}
	in, err := p.tgt.AddFixedInput(f.Exp)
	if err != nil {
		return fmt.Errorf("projection %q: %w", p.name, err)
	}
	p.fin = in
	p.fixed = f
	sign := int32(p.Sign())
	if p.weights == nil {
		q := Quantize(float64(p.constW), f.Bits)
		p.constW = float32(q)
		p.fixedC = sign * q
		return nil
	}
	p.fixedW = make([]int32, len(p.weights))
	for k, w := range p.weights {
		q := Quantize(float64(w), f.Bits)
		p.weights[k] = float32(q)
		p.fixedW[k] = sign * q
	}
	return nil
}

// Fixed returns the projection's integer weight settings and true when it
// targets a loihi_lif population.
func (p *Projection) Fixed() (FixedWeights, bool) { return p.fixed, p.fin != nil }

// deliverFixed is deliver for a projection onto a loihi_lif population: the
// signed integer weights are added into the projection's own accumulator.
func (p *Projection) deliverFixed(step int64, spikes []int32, r rowSpan) int64 {
	var events int64
	var sp [spanChunk]span
	ring := p.fin.Ring()
	n := int64(p.tgt.Len())
	slots := int64(len(ring)) / n // so len(ring) >= slots*n, as addRowDelayed needs
	var acc []int32               // with one delay, the slot every synapse adds into
	if p.delays.none() {
		acc = p.fin.Slot(step + int64(p.delay))
		if len(acc) < int(n) { // addRow indexes acc unchecked
			panic(fmt.Sprintf("synapse: projection %q: accumulator of %d neurons for %d targets", p.name, len(acc), n))
		}
	}
	for len(spikes) > 0 {
		m := r.fill(spikes, &sp)
		spikes = spikes[m:]
		for _, x := range sp[:m] {
			events += x.b - x.a
			if acc == nil {
				addRowDelayed(p, ring, p.fixedW, p.fixedC, x.a, x.b, step, n, slots)
				continue
			}
			var ws []int32
			if p.fixedW != nil {
				ws = p.fixedW[x.a:x.b]
			}
			if p.narrow != nil {
				addRow(acc, p.narrow[x.a:x.b], ws, p.fixedC)
			} else {
				addRow(acc, p.targets[x.a:x.b], ws, p.fixedC)
			}
		}
	}
	return events
}
