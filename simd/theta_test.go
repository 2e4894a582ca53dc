package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The LIF kernels used to decay theta themselves (theta = flush((theta +
// ThStep*spiked)*ThDecay), for every neuron, every step); now they only add
// ThStep at spikes and a population with ThDecay != 1 calls Decay after them
// (package neuron, Population.StepRange). These tests pin down both halves:
// the kernels' own theta semantics, and that kernel + Decay equals the old
// combined loop except for the documented case (ThDecay == 1 no longer
// flushes a |theta| < FlushBelow).

// referenceFlush is the reference for flush: flush as it was written before
// (float comparisons).
func referenceFlush(x float32) float32 {
	if x < FlushBelow && x > -FlushBelow {
		return 0
	}
	return x
}

// referenceCuba and referenceDelta are reference loops: CubaGeneric and
// DeltaGeneric as they were, with theta decayed inside the loop (their v,
// current and refractory updates are the same as today's, so everything but
// theta must match bit for bit).
func referenceCuba(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	v, ge, gi, inE, inI, th, ref := s.V[:n], s.GE[:n], s.GI[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	for i := range v {
		e := ge[i] + inE[i]
		g := gi[i] + inI[i]
		inE[i], inI[i] = 0, 0
		t := th[i]
		if ref[i] > 0 {
			ref[i]--
		} else {
			x := (c.VInf + float32(c.PV*(v[i]-c.VInf))) + float32(c.KE*e) - float32(c.KI*g)
			if x > c.VThresh+t {
				out[k] = base + int32(i)
				k++
				x = c.VReset
				ref[i] = c.NRef
				t += c.ThStep
			}
			v[i] = x
		}
		ge[i] = referenceFlush(e * c.PE)
		gi[i] = referenceFlush(g * c.PI)
		th[i] = referenceFlush(t * c.ThDecay)
	}
	return k
}

func referenceDelta(c *LIF, s *State, out []int32, base int32) int {
	n := len(s.V)
	v, inE, inI, th, ref := s.V[:n], s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	k := 0
	for i := range v {
		d := inE[i] - inI[i]
		inE[i], inI[i] = 0, 0
		t := th[i]
		if ref[i] > 0 {
			ref[i]--
			if c.RefInput {
				v[i] += d
			}
		} else {
			x := c.VInf + float32(c.PV*((v[i]+d)-c.VInf))
			if x > c.VThresh+t {
				out[k] = base + int32(i)
				k++
				x = c.VReset
				ref[i] = c.NRef
				t += c.ThStep
			}
			v[i] = x
		}
		th[i] = referenceFlush(t * c.ThDecay)
	}
	return k
}

// populationStep is one step of a LIF population as package neuron does it.
func populationStep(m *Impl, model string, c *LIF, s *State, out []int32, base int32) int {
	k := lifKernel(m, model)(c, s, out, base)
	if c.ThDecay != 1 {
		m.Decay(s.Theta, c.ThDecay)
	}
	return k
}

// referenceTheta is the reference for one theta: the old combined update.
func referenceTheta(c *LIF, t float32, spiked bool) float32 {
	if spiked {
		t += c.ThStep
	}
	return referenceFlush(t * c.ThDecay)
}

// documentedDifference reports whether old and new thetas may differ: only
// without decay, where the old loop flushed a |theta| < FlushBelow.
func documentedDifference(c *LIF, old, new float32) bool {
	return c.ThDecay == 1 && old == 0 && math.Abs(float64(new)) < FlushBelow
}

// thetaLIF draws constants for the theta tests: adaptation or not, ThStep
// ±0, and thetas that are ±0 or tiny.
func thetaLIF(r *rand.Rand) LIF {
	c := randLIF(r)
	switch r.IntN(5) {
	case 0:
		c.ThDecay = 1
	case 1:
		c.ThDecay, c.ThStep = 1, 0
	case 2:
		c.ThStep = float32(math.Copysign(0, -1))
	case 3:
		c.ThStep = 0
	}
	return c
}

func thetaState(r *rand.Rand, c *LIF, n int, synapses bool) State {
	s := randState(r, c, n, synapses)
	for i := range s.Theta {
		switch r.IntN(6) {
		case 0:
			s.Theta[i] = float32(math.Copysign(0, -1))
		case 1:
			s.Theta[i] = 0
		case 2:
			s.Theta[i] = float32(FlushBelow) * float32(r.Float64()*2-1)
		}
	}
	return s
}

// TestLIFThetaSemantics checks the reference kernels against their
// documentation: theta is left alone (bit for bit) except at spikes when
// ThStep != 0, where it becomes theta + ThStep. (checkLIF holds the other
// implementations to the references.)
func TestLIFThetaSemantics(t *testing.T) {
	for mi, model := range lifModels {
		for seed := uint64(0); seed < 300; seed++ {
			r := rand.New(rand.NewPCG(seed, uint64(mi)))
			c := thetaLIF(r)
			s := thetaState(r, &c, 1+r.IntN(100), model != "delta")
			before := cloneState(&s)
			out := make([]int32, len(s.V))
			k := lifKernel(Generic, model)(&c, &s, out, 0)
			spiked := make([]bool, len(s.V))
			for _, i := range out[:k] {
				spiked[i] = true
			}
			for i, th := range s.Theta {
				want := before.Theta[i]
				if spiked[i] && c.ThStep != 0 {
					want += c.ThStep
				}
				if math.Float32bits(th) != math.Float32bits(want) {
					t.Fatalf("%s seed %d: theta[%d] = %g (%#08x), want %g (%#08x) (spiked %v, ThStep %g)",
						model, seed, i, th, math.Float32bits(th), want, math.Float32bits(want), spiked[i], c.ThStep)
				}
			}
		}
	}
}

// TestLIFThetaDecay checks every implementation, stepped as a population
// (kernel, then Decay when ThDecay != 1), against the old combined loop:
// CUBA and delta against the old kernels themselves (every column), all
// three models against the old theta rule applied to this step's spikes.
func TestLIFThetaDecay(t *testing.T) {
	reference := map[string]func(*LIF, *State, []int32, int32) int{"cuba": referenceCuba, "delta": referenceDelta}
	for _, m := range impls {
		for mi, model := range lifModels {
			differences := 0
			for seed := uint64(0); seed < 200; seed++ {
				r := rand.New(rand.NewPCG(seed, 100+uint64(mi)))
				c := thetaLIF(r)
				n := r.IntN(70)
				if seed%10 == 0 {
					n = 1000 + r.IntN(100)
				}
				s := thetaState(r, &c, n, model != "delta")
				before := cloneState(&s)
				out := make([]int32, n)
				k := populationStep(m, model, &c, &s, out, 7)
				what := fmt.Sprintf("%s %s seed %d n %d", m.Name, model, seed, n)
				spiked := make([]bool, n)
				for _, i := range out[:k] {
					spiked[i-7] = true
				}
				for i, th := range s.Theta {
					want := referenceTheta(&c, before.Theta[i], spiked[i])
					if sameF32(want, th, false) {
						continue
					}
					if !documentedDifference(&c, want, th) {
						t.Fatalf("%s: theta[%d] = %g (%#08x), the old loop gives %g (%#08x) (theta %g, spiked %v, ThStep %g, ThDecay %g)",
							what, i, th, math.Float32bits(th), want, math.Float32bits(want), before.Theta[i], spiked[i], c.ThStep, c.ThDecay)
					}
					differences++
				}
				if f := reference[model]; f != nil {
					ws := cloneState(&before)
					wout := make([]int32, n)
					wk := f(&c, &ws, wout, 7)
					if d := diffI32(wout[:wk], out[:k]); d != "" {
						t.Fatalf("%s: spikes%s", what, d)
					}
					for i := range ws.Theta {
						if documentedDifference(&c, ws.Theta[i], s.Theta[i]) {
							ws.Theta[i] = s.Theta[i]
						}
					}
					if d := diffState(&ws, &s, false); d != "" {
						t.Fatalf("%s: %s", what, d)
					}
				}
			}
			if differences == 0 {
				t.Errorf("%s %s: the documented case (ThDecay 1, |theta| < FlushBelow) never occurred", m.Name, model)
			}
		}
	}
}

// TestFlushBits: flush's integer comparison equals the float comparisons it
// replaced, for NaN, infinities, zeros, subnormals and the values around
// FlushBelow.
func TestFlushBits(t *testing.T) {
	if b := math.Float32bits(FlushBelow); b != flushBits {
		t.Fatalf("flushBits = %#08x, want math.Float32bits(FlushBelow) = %#08x", flushBits, b)
	}
	fb := math.Float32bits(FlushBelow)
	r := rand.New(rand.NewPCG(8, 8))
	check := func(b uint32) {
		x := math.Float32frombits(b)
		if got, want := flush(x), referenceFlush(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("flush(%g = %#08x) = %#08x, want %#08x", x, b, math.Float32bits(got), math.Float32bits(want))
		}
	}
	for _, b := range []uint32{0, 0x80000000, 1, 0x80000001, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
		0xffffffff, 0x007fffff, 0x00800000, fb - 1, fb, fb + 1, fb | 0x80000000, (fb - 1) | 0x80000000} {
		check(b)
	}
	for range 1 << 20 {
		check(r.Uint32())
	}
}
