package simd

import "math"

// LIF holds the per-population constants of the LIF kernels, all derived
// from validated parameters by package neuron.
type LIF struct {
	PV       float32 // exp(-dt/tau_m), propagator of v - VInf
	VInf     float32 // resting potential plus the constant input (mV)
	PE, PI   float32 // exp(-dt/tau_e), exp(-dt/tau_i)
	KE, KI   float32 // CUBA: change of v over one step per unit of ge, gi at the step's start
	EE, EI   float32 // COBA: reversal potentials (mV)
	GL       float32 // COBA: leak conductance (nS)
	GLVInf   float32 // COBA: GL*VInf
	GMin     float32 // COBA: floor of the total conductance (keeps the division finite)
	NegDtTau float32 // COBA: -dt/(tau_m*GL), so that NegDtTau*G = -dt*G/C
	VReset   float32 // reset potential (mV)
	VThresh  float32 // base threshold (mV); the effective threshold is VThresh + Theta[i]
	ThDecay  float32 // per-step decay factor of Theta, applied by the caller with Decay (the LIF kernels do not read it)
	ThStep   float32 // increment of Theta at each spike (0: no spike-triggered adaptation)
	NRef     int32   // refractory period in steps
	RefInput bool    // delta model: jumps arriving during refractoriness still move v (Brian2's semantics)
}

// State is one population's struct-of-arrays state; all slices have the same length.
type State struct {
	V     []float32 // membrane potential (mV)
	GE    []float32 // excitatory synaptic current (CUBA, mV) or conductance (COBA, nS)
	GI    []float32 // inhibitory current magnitude (CUBA, mV) or conductance (COBA, nS)
	InE   []float32 // excitatory input arriving this step (consumed and zeroed by the kernel)
	InI   []float32 // inhibitory input magnitude arriving this step (consumed and zeroed)
	Theta []float32 // threshold offset (adaptation and homeostasis, mV)
	Ref   []int32   // remaining refractory steps
}

// Len is the number of neurons.
func (s *State) Len() int { return len(s.V) }

// Slice returns the state of neurons [lo, hi).
func (s *State) Slice(lo, hi int) State {
	var t State
	t.V, t.Theta, t.Ref, t.InE, t.InI = s.V[lo:hi], s.Theta[lo:hi], s.Ref[lo:hi], s.InE[lo:hi], s.InI[lo:hi]
	if s.GE != nil {
		t.GE, t.GI = s.GE[lo:hi], s.GI[lo:hi]
	}
	return t
}

// The LIF kernels advance the neurons of one State by one step and write
// base+i for every neuron i that spiked into out (len(out) >= n; when out is
// shorter, the kernel writes spikes until it is full and then panics); they
// return the number of spikes. A state slice shorter than V panics before
// anything is written.
//
// The threshold offset theta matters only for the threshold test of
// non-refractory neurons (the AVX-512 kernels load it for those lanes only)
// and is written only for neurons that spike, and only when ThStep != 0 (so
// a ThStep of ±0 leaves every theta, -0 included, untouched). The kernels do
// not decay theta: a population with ThDecay != 1
// applies Decay(Theta, ThDecay) to the same neurons after the kernel, which
// gives theta = flush((theta + ThStep*spiked)*ThDecay) as one combined loop
// would. A population without decay (ThDecay == 1, the common case) skips
// that call, so its theta is not flushed: a |theta| < FlushBelow stays as it
// is (flush(theta*1) would have zeroed it).

// CubaGeneric advances current-based LIF neurons with exponential synaptic
// currents by one step, exactly (Rotter & Diesmann 1999 propagators). The
// loop, for each i:
//
//	ge += inE; gi += inI; inE = 0; inI = 0
//	if ref > 0 { ref-- } else {
//	    v = (VInf + PV*(v-VInf)) + KE*ge - KI*gi
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; if ThStep != 0 { theta += ThStep } }
//	}
//	ge = flush(ge*PE); gi = flush(gi*PI)
//
// (flush zeroes |x| < FlushBelow.)
func CubaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	_, _, _, _, _, _ = s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	return untilSpikes(c, s, out, base, false)
}

// cubaRange steps neurons i0, i0+1, ... as CubaGeneric does and returns the
// index of the first one that spikes (stepped, except that the caller
// records the spike and resets v), or n.
func cubaRange(c *LIF, s *State, i0 uint) int {
	n := uint(len(s.V))
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	vInf, pV, kE, kI, vThresh, pE, pI := c.VInf, c.PV, c.KE, c.KI, c.VThresh, c.PE, c.PI
	for i := i0; i < n; i++ {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		inE[i], inI[i] = 0, 0
		// Branch-free refractoriness (refractory neurons are scattered, so
		// a branch on them would be mispredicted): x is computed for every
		// neuron and kept only by the non-refractory ones.
		r, vi := ref[i], v[i]
		x := (vInf + float32(pV*(vi-vInf))) + float32(kE*e) - float32(kI*g)
		m := refMask(r)
		ref[i] = r + int32(m) // r-1 if refractory
		v[i] = selectF32(m, vi, x)
		ge[i] = flush(e * pE)
		gi[i] = flush(g * pI)
		if x > vThresh+th[i] && r <= 0 {
			return int(i)
		}
	}
	return int(n)
}

// untilSpikes steps a population with cubaRange (or, with delta,
// deltaRange), which stops at each neuron that spikes (so that its loop
// calls nothing: a call inside it makes the compiler spill the constants it
// keeps in registers); untilSpikes records that spike, resets v and resumes
// after the neuron. It returns the number of spikes. (A func parameter
// instead of delta would make s escape to the heap.)
func untilSpikes(c *LIF, s *State, out []int32, base int32, delta bool) int {
	n := len(s.V)
	k := 0
	for i := 0; i < n; {
		var j int
		if delta {
			j = deltaRange(c, s, uint(i))
		} else {
			j = cubaRange(c, s, uint(i))
		}
		if j == n {
			break
		}
		k = spike(s.Theta, s.Ref, out, k, base, j, c.NRef, c.ThStep)
		s.V[j] = c.VReset
		i = j + 1
	}
	return k
}

// refMask returns all ones when r > 0 (a refractory neuron), else 0.
func refMask(r int32) uint32 { return uint32(-int64(r) >> 63) }

// selectF32 returns a where m is all ones and b where m is 0, by bits.
func selectF32(m uint32, a, b float32) float32 {
	return math.Float32frombits(math.Float32bits(a)&m | math.Float32bits(b)&^m)
}

// spike records that neuron i spiked: out[k] = base+i, ref = nRef and, when
// thStep != 0, theta += thStep; it returns k+1. (Not inlined: spikes are
// rare, and inside the loops this code makes the compiler keep fewer
// constants in registers.)
//
//go:noinline
func spike(th []float32, ref []int32, out []int32, k int, base int32, i int, nRef int32, thStep float32) int {
	out[k] = base + int32(i)
	ref[i] = nRef
	if thStep != 0 {
		th[i] += thStep
	}
	return k + 1
}

// CobaGeneric advances conductance-based LIF neurons with exponential
// conductances by one step with the exponential Euler method: over the step
// the conductances are held at their value at its start, so that
// C dv/dt = GL*(VInf-v) + ge*(EE-v) + gi*(EI-v) is linear in v and v moves
// towards vinf = (GL*VInf + ge*EE + gi*EI)/G by the exact factor
// 1 - exp(x), G = GL + ge + gi, x = -dt*G/C. In the common case,
// -3/4 <= x <= 1/8 (G up to 150 times GL at dt/tau_m = 0.005), the kernel
// writes that as v + (dt/C)*(GL*VInf + ge*EE + gi*EI - G*v)*phi(x), with
// phi(x) = (e^x-1)/x a polynomial (phiPoly): no division, no exponential,
// and v plus a small change, which keeps it accurate. Otherwise it computes
// vinf and Exp32(x). With K = -NegDtTau = dt/C and KGLVInf = K*GLVInf,
// KEE = K*EE, KEI = K*EI (each rounded to float32 once per call), the loop,
// for each i:
//
//	ge += inE; gi += inI; inE = 0; inI = 0
//	if ref > 0 { ref-- } else {
//	    G = max((GL + ge) + gi, GMin)          // total conductance (nS), as "if G < GMin { G = GMin }"
//	    x = NegDtTau*G                         // -dt*G/C
//	    if -3/4 <= x <= 1/8 {
//	        u = ((KGLVInf + ge*KEE) + gi*KEI) + x*v  // (dt/C) times the total current at v
//	        v = v + u*phiPoly(x)
//	    } else {                               // also when x is NaN
//	        vinf = ((GLVInf + ge*EE) + gi*EI) / G
//	        v = vinf + (v-vinf)*Exp32(x)
//	    }
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; if ThStep != 0 { theta += ThStep } }
//	}
//	ge = flush(ge*PE); gi = flush(gi*PI)
func CobaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	_, _, _, _, _, _ = s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	lo, width, ok := cobaCommon(c)
	if !ok {
		for i := 0; i < n; i++ {
			k = cobaOne(c, s, out, base, i, k)
		}
		return k
	}
	noEE := cobaNoEE(c)
	for i := 0; i < n; {
		// cobaRange stops at a neuron that spikes, which it has stepped
		// except for the spike itself, and before one that needs the GMin
		// floor or the exponential (rare), which cobaOne steps.
		var j, st int
		if noEE {
			j, st = cobaRangeNoEE(c, s, uint(i), lo, width)
		} else {
			j, st = cobaRange(c, s, uint(i), lo, width)
		}
		switch st {
		case cobaDone:
			return k
		case cobaSpike:
			k = spike(s.Theta, s.Ref, out, k, base, j, c.NRef, c.ThStep)
			s.V[j] = c.VReset
		case cobaRare:
			k = cobaOne(c, s, out, base, j, k)
		}
		i = j + 1
	}
	return k
}

// Why cobaRange stopped.
const (
	cobaDone  = iota // every neuron stepped
	cobaSpike        // neuron i crossed its threshold: the caller records the spike and resets v
	cobaRare         // neuron i needs cobaOne; it is untouched
)

// cobaRange steps neurons i0, i0+1, ... as CobaGeneric does and stops at the
// first one that spikes (stepped, except that the caller records the spike
// and resets v) or, untouched, at the first non-refractory one that needs
// more than the common case: the common case is x0 = NegDtTau*G, computed
// without the GMin floor, with bits b such that b - lo <= width (unsigned),
// where lo and width are cobaCommon's (then x0 is the reference's x and lies
// in the polynomial's range). With noEE (cobaNoEE) u leaves out the term
// e*KEE, which is ±0 there. It returns that neuron's index and why it
// stopped (or n, cobaDone). Spikes and rare neurons are left to the caller
// so that this loop calls nothing: a call inside it makes the compiler
// spill the constants it keeps in registers and reload them on every
// iteration. (Two copies, so that the choice is not made in the loop.)
func cobaRange(c *LIF, s *State, i0 uint, lo, width uint32) (int, int) {
	n := uint(len(s.V))
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	vThresh, pE, pI, gL, negDtTau := c.VThresh, c.PE, c.PI, c.GL, c.NegDtTau
	kGLVInf, kEE, kEI := -negDtTau*c.GLVInf, -negDtTau*c.EE, -negDtTau*c.EI
	for i := i0; i < n; i++ {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		if r := ref[i]; r > 0 {
			ref[i] = r - 1
		} else {
			x := float32(negDtTau * ((gL + e) + g))
			if math.Float32bits(x)-lo > width {
				return int(i), cobaRare
			}
			vi := v[i]
			u := ((kGLVInf + float32(e*kEE)) + float32(g*kEI)) + float32(x*vi)
			vi += float32(u * phiPoly(x))
			v[i] = vi
			if vi > vThresh+th[i] {
				inE[i], inI[i] = 0, 0
				ge[i] = flush(e * pE)
				gi[i] = flush(g * pI)
				return int(i), cobaSpike
			}
		}
		inE[i], inI[i] = 0, 0
		ge[i] = flush(e * pE)
		gi[i] = flush(g * pI)
	}
	return int(n), cobaDone
}

// cobaRangeNoEE is cobaRange for noEE (cobaNoEE): u without e*KEE.
func cobaRangeNoEE(c *LIF, s *State, i0 uint, lo, width uint32) (int, int) {
	n := uint(len(s.V))
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	vThresh, pE, pI, gL, negDtTau := c.VThresh, c.PE, c.PI, c.GL, c.NegDtTau
	kGLVInf, kEI := -negDtTau*c.GLVInf, -negDtTau*c.EI
	for i := i0; i < n; i++ {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		if r := ref[i]; r > 0 {
			ref[i] = r - 1
		} else {
			x := float32(negDtTau * ((gL + e) + g))
			if math.Float32bits(x)-lo > width {
				return int(i), cobaRare
			}
			vi := v[i]
			u := (kGLVInf + float32(g*kEI)) + float32(x*vi)
			vi += float32(u * phiPoly(x))
			v[i] = vi
			if vi > vThresh+th[i] {
				inE[i], inI[i] = 0, 0
				ge[i] = flush(e * pE)
				gi[i] = flush(g * pI)
				return int(i), cobaSpike
			}
		}
		inE[i], inI[i] = 0, 0
		ge[i] = flush(e * pE)
		gi[i] = flush(g * pI)
	}
	return int(n), cobaDone
}

// cobaCommon returns the range of the COBA kernels' common case: the
// neurons whose x0 = NegDtTau*((GL + e) + g), computed without the GMin
// floor, has bits b with b - lo <= width (unsigned). It is x0 in
// [-3/4, xmax] with xmax = min(NegDtTau*GMin, -0) (as bits: negative floats
// order as their bits), so x0 is in the polynomial's range and x0 equals
// the reference's x = NegDtTau*max(G, GMin): either G >= GMin, or G < GMin
// and then, NegDtTau being <= -0, x0 >= NegDtTau*GMin >= xmax >= x0 (float
// multiplication by a non-positive number is monotone), so x0 = x. NaN x0
// is outside. ok is false when NegDtTau is not <= -0 (or NaN) or when
// NegDtTau*GMin < -3/4 (or NaN): then every neuron is a rare one.
func cobaCommon(c *LIF) (lo, width uint32, ok bool) {
	if !(c.NegDtTau <= 0) || math.Float32bits(c.NegDtTau)>>31 == 0 {
		return 0, 0, false
	}
	xmin := c.NegDtTau * c.GMin
	if xmin != xmin {
		return 0, 0, false
	}
	hi := uint32(0x80000000) // -0
	if b := math.Float32bits(xmin); b>>31 != 0 {
		hi = b
	}
	const phiLoBits = 0xbf400000 // -3/4
	if hi > phiLoBits {
		return 0, 0, false
	}
	return hi, phiLoBits - hi, true
}

// cobaNoEE reports whether the COBA kernels' common case may leave out
// u's term e*KEE (KEE = -NegDtTau*EE): when KEE is ±0, e*KEE is ±0 for the
// finite e of every common neuron (x0 finite makes G, and so e, finite),
// and adding ±0 to KGLVInf leaves it unchanged when it is finite and not 0.
func cobaNoEE(c *LIF) bool {
	kEE, kGLVInf := -c.NegDtTau*c.EE, -c.NegDtTau*c.GLVInf
	return kEE == 0 && kGLVInf != 0 && !math.IsInf(float64(kGLVInf), 0) && kGLVInf == kGLVInf
}

// cobaOne steps neuron i as CobaGeneric does, in full.
func cobaOne(c *LIF, s *State, out []int32, base int32, i, k int) int {
	e := s.GE[i] + s.InE[i]
	g := s.GI[i] + s.InI[i]
	if r := s.Ref[i]; r > 0 {
		s.Ref[i] = r - 1
	} else {
		G := (c.GL + e) + g
		if G < c.GMin {
			G = c.GMin
		}
		x := float32(c.NegDtTau * G)
		vi := s.V[i]
		if x >= phiLo && x <= phiHi {
			kGLVInf, kEE, kEI := -c.NegDtTau*c.GLVInf, -c.NegDtTau*c.EE, -c.NegDtTau*c.EI
			u := ((kGLVInf + float32(e*kEE)) + float32(g*kEI)) + float32(x*vi)
			vi += float32(u * phiPoly(x))
		} else {
			vinf := ((c.GLVInf + float32(e*c.EE)) + float32(g*c.EI)) / G
			vi = vinf + float32((vi-vinf)*Exp32(x))
		}
		if vi > c.VThresh+s.Theta[i] {
			k = spike(s.Theta, s.Ref, out, k, base, i, c.NRef, c.ThStep)
			vi = c.VReset
		}
		s.V[i] = vi
	}
	s.InE[i], s.InI[i] = 0, 0
	s.GE[i] = flush(e * c.PE)
	s.GI[i] = flush(g * c.PI)
	return k
}

// DeltaGeneric advances LIF neurons with delta synapses (inputs are jumps of
// v, in mV) by one step, exactly. The loop, for each i:
//
//	d = inE - inI; inE = 0; inI = 0
//	if ref > 0 { ref--; if RefInput { v += d } } else {
//	    v = VInf + PV*((v+d)-VInf)
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; if ThStep != 0 { theta += ThStep } }
//	}
func DeltaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	_, _, _, _ = s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	return untilSpikes(c, s, out, base, true)
}

// deltaRange steps neurons i0, i0+1, ... as DeltaGeneric does and returns
// the index of the first one that spikes (stepped, except that the caller
// records the spike and resets v), or n.
func deltaRange(c *LIF, s *State, i0 uint) int {
	n := uint(len(s.V))
	v, inE, inI, th, ref := s.V[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	vInf, pV, vThresh := c.VInf, c.PV, c.VThresh
	var keep uint32 // the v of a refractory neuron: v (all ones) or, with RefInput, v+d
	if !c.RefInput {
		keep = ^uint32(0)
	}
	for i := i0; i < n; i++ {
		d := inE[i] - inI[i]
		inE[i], inI[i] = 0, 0
		// Branch-free refractoriness, as in CubaGeneric.
		r, vi := ref[i], v[i]
		vd := vi + d
		x := vInf + float32(pV*(vd-vInf))
		m := refMask(r)
		ref[i] = r + int32(m)
		v[i] = selectF32(m, selectF32(keep, vi, vd), x)
		if x > vThresh+th[i] && r <= 0 {
			return int(i)
		}
	}
	return int(n)
}

// FlushBelow is the magnitude under which decaying state (currents,
// conductances, threshold offsets, traces) is set to zero, so that it never
// becomes a subnormal float32 (which is 10-100x slower to compute with).
const FlushBelow = 1e-30

// flushBits is math.Float32bits(FlushBelow) (checked by a test): for
// non-NaN x, |x| < FlushBelow exactly when the bits of |x| are below it, and
// the bits of |NaN| are above those of +Inf.
const flushBits = 0x0da24260

// flush returns 0 for |x| < FlushBelow and x otherwise (NaN stays NaN).
func flush(x float32) float32 {
	if math.Float32bits(x)&0x7fffffff < flushBits {
		return 0
	}
	return x
}
