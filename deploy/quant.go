package deploy

import (
	"fmt"
	"math"

	"dalesim/synapse"
)

// Quant describes how one projection's weights were quantised.
type Quant struct {
	Projection string  `json:"projection"`
	Bits       int     `json:"bits"`
	Exp        int     `json:"exponent"` // weight step = 2^Exp (in the target's weight unit)
	Step       float64 `json:"step"`
	MaxWeight  float64 `json:"max_weight"` // largest float magnitude before quantisation
	Synapses   int     `json:"synapses"`
	Zeroed     int     `json:"zeroed"`    // non-zero weights that became 0
	RMSError   float64 `json:"rms_error"` // root mean square of (quantised - float) over all synapses
}

// Levels returns the number of non-zero magnitudes a width of bits can
// hold: 2^bits - 1. The sign is not stored: every synapse of a projection
// has its source population's sign, so all bits hold the magnitude.
func Levels(bits int) int { return 1<<bits - 1 }

// StepFor returns the exponent e and step 2^e used to quantise magnitudes
// up to wmax to bits bits: the smallest power of two with
// (2^bits - 1) · 2^e >= wmax, so that no weight clips. wmax <= 0 gives e = 0.
func StepFor(wmax float64, bits int) (int, float64) {
	if !(wmax > 0) {
		return 0, 1
	}
	e := int(math.Ceil(math.Log2(wmax / float64(Levels(bits)))))
	// Guard against rounding of Log2 at exact powers of two.
	for float64(Levels(bits))*math.Ldexp(1, e-1) >= wmax {
		e--
	}
	for float64(Levels(bits))*math.Ldexp(1, e) < wmax {
		e++
	}
	return e, math.Ldexp(1, e)
}

// QuantizeValue rounds a magnitude w to the nearest multiple of step (ties
// away from zero), at most levels·step.
func QuantizeValue(w, step float64, levels int) float64 {
	q := math.Round(w / step)
	q = min(max(q, 0), float64(levels))
	return q * step
}

// Quantize replaces the weights of p, in place, by their bits-bit
// quantisation: magnitudes only (the sign is the source population's), one
// power-of-two step per projection (Loihi's weight exponent), chosen so
// that the largest weight is representable, and round to nearest.
func Quantize(p *synapse.Projection, bits int) (Quant, error) {
	if bits < 1 || bits > 24 {
		return Quant{}, fmt.Errorf("deploy: %d-bit weights: the width must be between 1 and 24 bits", bits)
	}
	w := p.Weights()
	var wmax float64
	for _, v := range w {
		wmax = max(wmax, float64(v))
	}
	e, step := StepFor(wmax, bits)
	q := Quant{Projection: p.Name(), Bits: bits, Exp: e, Step: step, MaxWeight: wmax, Synapses: len(w)}
	var se float64
	for k, v := range w {
		x := QuantizeValue(float64(v), step, Levels(bits))
		if v != 0 && x == 0 {
			q.Zeroed++
		}
		d := x - float64(v)
		se += d * d
		w[k] = float32(x)
	}
	if len(w) > 0 {
		q.RMSError = math.Sqrt(se / float64(len(w)))
	}
	return q, nil
}
