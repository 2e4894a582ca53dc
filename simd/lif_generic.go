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
	ThDecay  float32 // per-step decay factor of Theta
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

// CubaGeneric advances current-based LIF neurons with exponential synaptic
// currents by one step, exactly (Rotter & Diesmann 1999 propagators), and
// writes base+i for every neuron i that spiked into out (len(out) >= n).
// It returns the number of spikes. The loop, for each i:
//
//	ge += inE; gi += inI; inE = 0; inI = 0
//	if ref > 0 { ref-- } else {
//	    v = (VInf + PV*(v-VInf)) + KE*ge - KI*gi
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; theta += ThStep }
//	}
//	ge = flush(ge*PE); gi = flush(gi*PI); theta = flush(theta*ThDecay)
//
// (theta decays after the spike increment; flush zeroes |x| < FlushBelow.)
func CubaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	vInf, pV, kE, kI, vThresh, vReset, nRef, thStep, pE, pI, thDecay := c.VInf, c.PV, c.KE, c.KI, c.VThresh, c.VReset, c.NRef, c.ThStep, c.PE, c.PI, c.ThDecay
	for i := range v {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		inE[i], inI[i] = 0, 0
		t := th[i]
		if ref[i] > 0 {
			ref[i]--
		} else {
			x := (vInf + float32(pV*(v[i]-vInf))) + float32(kE*e) - float32(kI*g)
			if x > vThresh+t {
				out[k] = base + int32(i)
				k++
				x = vReset
				ref[i] = nRef
				t += thStep
			}
			v[i] = x
		}
		ge[i] = flush(e * pE)
		gi[i] = flush(g * pI)
		th[i] = flush(t * thDecay)
	}
	return k
}

// CobaGeneric advances conductance-based LIF neurons with exponential
// conductances by one step with the exponential Euler method (conductances
// held at their value at the start of the step), writes base+i of every
// neuron that spiked into out and returns the count. The loop, for each i:
//
//	ge += inE; gi += inI; inE = 0; inI = 0
//	if ref > 0 { ref-- } else {
//	    G = max((GL + ge) + gi, GMin)         // total conductance (nS)
//	    vinf = ((GLVInf + ge*EE) + gi*EI) / G
//	    v = vinf + (v-vinf)*Exp32(NegDtTau*G)
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; theta += ThStep }
//	}
//	ge = flush(ge*PE); gi = flush(gi*PI); theta = flush(theta*ThDecay)
func CobaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	vThresh, vReset, nRef, thStep, pE, pI, thDecay, gL, gMin, glVInf, eE, eI, negDtTau := c.VThresh, c.VReset, c.NRef, c.ThStep, c.PE, c.PI, c.ThDecay, c.GL, c.GMin, c.GLVInf, c.EE, c.EI, c.NegDtTau
	for i := range v {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		inE[i], inI[i] = 0, 0
		t := th[i]
		if ref[i] > 0 {
			ref[i]--
		} else {
			G := (gL + e) + g
			if G < gMin {
				G = gMin
			}
			vinf := ((glVInf + float32(e*eE)) + float32(g*eI)) / G
			// Exp32(NegDtTau*G), inlined (the compiler will not inline it).
			a := float32(negDtTau * G)
			if a < expLo {
				a = expLo
			}
			if a > expHi {
				a = expHi
			}
			kf := (float32(a*log2e) + roundMag) - roundMag
			r := (a - float32(kf*ln2Hi)) - float32(kf*ln2Lo)
			p := float32(expP0*r) + expP1
			p = float32(p*r) + expP2
			p = float32(p*r) + expP3
			p = float32(p*r) + expP4
			p = float32(p*r) + expP5
			y := (float32(p*float32(r*r)) + r) + 1
			ex := math.Float32frombits(math.Float32bits(y) + uint32(int32(kf))<<23)
			x := vinf + float32((v[i]-vinf)*ex)
			if x > vThresh+t {
				out[k] = base + int32(i)
				k++
				x = vReset
				ref[i] = nRef
				t += thStep
			}
			v[i] = x
		}
		ge[i] = flush(e * pE)
		gi[i] = flush(g * pI)
		th[i] = flush(t * thDecay)
	}
	return k
}

// DeltaGeneric advances LIF neurons with delta synapses (inputs are jumps of
// v, in mV) by one step, exactly, writes base+i of every neuron that spiked
// into out and returns the count. The loop, for each i:
//
//	d = inE - inI; inE = 0; inI = 0
//	if ref > 0 { ref--; if RefInput { v += d } } else {
//	    v = VInf + PV*((v+d)-VInf)
//	    if v > VThresh+theta { spike; v = VReset; ref = NRef; theta += ThStep }
//	}
//	theta = flush(theta*ThDecay)
func DeltaGeneric(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	v, inE, inI, th, ref := s.V[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	vInf, pV, vThresh, vReset, nRef, thStep, thDecay, refInput := c.VInf, c.PV, c.VThresh, c.VReset, c.NRef, c.ThStep, c.ThDecay, c.RefInput
	for i := range v {
		d := inE[i] - inI[i]
		inE[i], inI[i] = 0, 0
		t := th[i]
		if ref[i] > 0 {
			ref[i]--
			if refInput {
				v[i] += d
			}
		} else {
			x := vInf + float32(pV*((v[i]+d)-vInf))
			if x > vThresh+t {
				out[k] = base + int32(i)
				k++
				x = vReset
				ref[i] = nRef
				t += thStep
			}
			v[i] = x
		}
		th[i] = flush(t * thDecay)
	}
	return k
}

// FlushBelow is the magnitude under which decaying state (currents,
// conductances, threshold offsets, traces) is set to zero, so that it never
// becomes a subnormal float32 (which is 10-100x slower to compute with).
const FlushBelow = 1e-30

// flush returns 0 for |x| < FlushBelow and x otherwise.
func flush(x float32) float32 {
	if x < FlushBelow && x > -FlushBelow {
		return 0
	}
	return x
}
