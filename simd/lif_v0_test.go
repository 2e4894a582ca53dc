package simd

// The Go COBA kernel as it was before (cobaGenericV0): a benchmark baseline
// (BenchmarkCobaGeneric) and a second reference that the tests compare
// every implementation with (implementation "generic-v0", see nonGeneric).

import (
	"math"
	"testing"
)

// genericV0 is Generic with the former COBA kernel.
var genericV0 = func() *Impl {
	m := *Generic
	m.Name = "generic-v0"
	m.Coba = cobaGenericV0
	return &m
}()

// cobaGenericV0 is CobaGeneric with cobaRangeV0.
func cobaGenericV0(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	_, _, _, _, _, _ = s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	for i := 0; i < n; {
		j, st := cobaRangeV0(c, s, uint(i))
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

// cobaRangeV0 is the former cobaRange; it steps neurons i0, i0+1, ... as CobaGeneric does and stops at the
// first one that spikes (stepped, except that the caller records the spike
// and resets v) or, untouched, at the first non-refractory one that needs
// more than the common case (G < GMin, or x outside [-3/4, -0], a subset of
// the polynomial's range that one unsigned comparison of the bits selects).
// It returns that neuron's index and why it stopped (or n, cobaDone).
// Spikes and rare neurons are left to the caller so that this loop calls
// nothing: a call inside it makes the compiler spill the constants it keeps
// in registers and reload them on every iteration.
func cobaRangeV0(c *LIF, s *State, i0 uint) (int, int) {
	n := uint(len(s.V))
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	vThresh, pE, pI, gL, gMin, negDtTau := c.VThresh, c.PE, c.PI, c.GL, c.GMin, c.NegDtTau
	kGLVInf, kEE, kEI := -negDtTau*c.GLVInf, -negDtTau*c.EE, -negDtTau*c.EI
	for i := i0; i < n; i++ {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		if r := ref[i]; r > 0 {
			ref[i] = r - 1
		} else {
			G := (gL + e) + g
			if !(G >= gMin) {
				return int(i), cobaRare // G below its floor, or NaN
			}
			x := float32(negDtTau * G)
			if math.Float32bits(x)-0x80000000 > 0xbf400000-0x80000000 {
				return int(i), cobaRare // x not in [-3/4, -0]
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

// BenchmarkCobaGeneric compares the Go COBA kernel with its former version
// on benchLIF's population with a fixed threshold.
func BenchmarkCobaGeneric(b *testing.B) {
	benchImplList(b, []*Impl{genericV0, Generic}, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		s, c := benchLIF(n, true, false)
		out := make([]int32, n)
		for range 500 {
			m.Coba(&c, &s, out, 0)
		}
		b.SetBytes(int64(n) * 28)
		return func(int) { m.Coba(&c, &s, out, 0) }, nil
	}, 4096)
}
