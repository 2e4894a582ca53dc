package simd

// Fixed-point (Loihi) kernels. The arithmetic is that of Lava's bit-accurate
// CPU model of Loihi's LIF neuron, lava-nc/lava, src/lava/proc/lif/models.py:
// AbstractPyLifModelFixed.subthr_dynamics (current and voltage update, 24-bit
// wrap of u, clip of v), AbstractPyLifModelFixed.scale_bias (bias_mant <<
// bias_exp), PyLifModelBitAcc.scale_threshold (vth << 6) and
// PyLifModelBitAcc.spiking_activation (v > vth), with the reset of
// AbstractPyLifModelFixed.reset_voltage (v = 0). The weight exponent is
// applied as in lava/proc/dense/models.py, AbstractPyDenseModelBitAcc.run_spk:
// to the sum of one projection's weights per target and step (ShiftAccum).

// Widths of Loihi's neuron state (models.py, AbstractPyLifModelFixed.__init__).
const (
	FixedUVBits     = 24                     // u and v are 24-bit signed
	FixedUVMax      = 1 << (FixedUVBits - 1) // max_uv_val = 2^23
	FixedDecayShift = 12                     // decays are 12-bit: unity = 4096
	FixedDecayUnity = 1 << FixedDecayShift
	FixedActShift   = 6 // synaptic input is MSB-aligned: a_in << 6
	FixedVthShift   = 6 // threshold is MSB-aligned: vth << 6
)

// FixedLIF holds the constants of the fixed-point LIF kernel, derived from
// Loihi's parameters (neuron.FixedParams.Consts).
type FixedLIF struct {
	FU   int32 // current decay factor 4096 - (du + ds_offset), ds_offset = 1: 0..4095
	FV   int32 // voltage decay factor 4096 - (dv + dm_offset), dm_offset = 0: 1..4096
	Bias int32 // bias_mant << bias_exp
	VTh  int32 // vth << 6; a neuron spikes when v > VTh
}

// FixedState is the state of fixed-point LIF neurons: 24-bit current U and
// voltage V (int32 columns) and the step's synaptic input In (the sum of the
// projections' shifted accumulators, before the << 6 alignment), which the
// kernel reads and clears.
type FixedState struct {
	U, V, In []int32
}

// Slice returns neurons [lo, hi) of s.
func (s *FixedState) Slice(lo, hi int) FixedState {
	return FixedState{U: s.U[lo:hi], V: s.V[lo:hi], In: s.In[lo:hi]}
}

// fixedDecay is Lava's decay: sign(x) * ((|x| * f) >> 12), with the
// product in 64 bits (AbstractPyLifModelFixed.subthr_dynamics promotes u
// and v to int64): a rounding toward zero.
func fixedDecay(x, f int32) int32 {
	p := int64(x) * int64(f)
	if p < 0 {
		return int32(-((-p) >> FixedDecayShift))
	}
	return int32(p >> FixedDecayShift)
}

// LoihiLIFGeneric advances fixed-point LIF neurons by one step, writes
// base+i of each neuron that spiked into out and returns their number:
//
//	for i {
//	  d = fixedDecay(U[i], FU) + (In[i] << 6)     // int32, wraps mod 2^32
//	  U[i] = d - 2^24 if d > 2^23; d + 2^24 if d <= -2^23; else d
//	  V[i] = clip(fixedDecay(V[i], FV) + U[i] + Bias, -(2^23-1), 2^23-1)
//	  if V[i] > VTh { V[i] = 0; spike }
//	  In[i] = 0
//	}
//
// as in lava/proc/lif/models.py AbstractPyLifModelFixed.subthr_dynamics
// (the 24-bit wrap of u there: once, by 2^24, exactly as written) and
// PyLifModelBitAcc.spiking_activation. Lava's model has no refractory period.
func LoihiLIFGeneric(c *FixedLIF, s *FixedState, out []int32, base int32) int {
	u, v, in := s.U, s.V, s.In
	v, in = v[:len(u)], in[:len(u)]
	k := 0
	for i := range u {
		d := fixedDecay(u[i], c.FU) + in[i]<<FixedActShift
		switch {
		case d > FixedUVMax:
			d -= 2 * FixedUVMax
		case d <= -FixedUVMax:
			d += 2 * FixedUVMax
		}
		u[i] = d
		in[i] = 0
		x := fixedDecay(v[i], c.FV) + d + c.Bias
		x = min(max(x, -FixedUVMax+1), FixedUVMax-1)
		if x > c.VTh {
			x = 0
			out[k] = base + int32(i)
			k++
		}
		v[i] = x
	}
	return k
}

// ShiftAccumGeneric adds one projection's accumulated weights, scaled by its
// weight exponent, into the step's input and clears them:
//
//	for i { dst[i] += src[i] << exp (exp > 0) or src[i] >> -exp (arithmetic); src[i] = 0 }
//
// as lava/proc/dense/models.py AbstractPyDenseModelBitAcc.run_spk scales
// a_accum (np.left_shift / np.right_shift on int32: the right shift rounds
// toward minus infinity). exp is in [-31, 31].
func ShiftAccumGeneric(dst, src []int32, exp int32) {
	dst = dst[:len(src)]
	if exp >= 0 {
		for i, x := range src {
			dst[i] += x << exp
			src[i] = 0
		}
		return
	}
	r := -exp
	for i, x := range src {
		dst[i] += x >> r
		src[i] = 0
	}
}

// ScatterAddInt32Generic adds integer weights into accumulators:
// acc[idx[k]] += w[k] (ScatterAddGeneric for the fixed-point path).
func ScatterAddInt32Generic(acc []int32, idx []int32, w []int32) {
	w = w[:len(idx)]
	for k, t := range idx {
		acc[t] += w[k]
	}
}

// ScatterAddInt32ConstGeneric is ScatterAddInt32Generic with one weight.
func ScatterAddInt32ConstGeneric(acc []int32, idx []int32, w int32) {
	for _, t := range idx {
		acc[t] += w
	}
}
