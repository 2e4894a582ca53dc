package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ulpsOff returns |got - want| in units in the last place of float32(want).
func ulpsOff(got float32, want float64) float64 {
	w := float32(math.Abs(want))
	ulp := float64(math.Nextafter32(w, float32(math.Inf(1)))) - float64(w)
	return math.Abs(float64(got)-want) / ulp
}

// phiPolyULPs bounds phiPoly's error on its range, in units in the last
// place of the exact (e^x-1)/x (checked exhaustively when its coefficients
// were chosen: 1.55).
const phiPolyULPs = 1.6

func TestPhiPoly(t *testing.T) {
	for _, x := range []float32{0, float32(math.Copysign(0, -1))} {
		if p := phiPoly(x); p != 1 {
			t.Errorf("phiPoly(%g) = %g, want 1", x, p)
		}
	}
	r := rand.New(rand.NewPCG(3, 1))
	worst, at := 0.0, float32(0)
	for k := 0; k < 1<<21; k++ {
		x := float32(phiLo + (phiHi-phiLo)*r.Float64())
		switch k {
		case 0:
			x = phiLo
		case 1:
			x = phiHi
		case 2:
			x = math.Float32frombits(1) // smallest subnormal
		}
		if x == 0 {
			continue
		}
		want := math.Expm1(float64(x)) / float64(x)
		if e := ulpsOff(phiPoly(x), want); e > worst {
			worst, at = e, x
		}
	}
	t.Logf("max error %.2f ulp at %g", worst, at)
	if worst > phiPolyULPs {
		t.Errorf("phiPoly: error %.2f ulp at x = %g, more than %g", worst, at, phiPolyULPs)
	}
}

// COBA's accuracy against exponential Euler in float64 from the same float32
// inputs (units in the last place of the exact new v), for conductances up
// to about 30 times the leak (x down to -0.15: the polynomial), up to 150
// times (around the end of its range) and up to 1500 times (mostly vinf and
// Exp32).
const (
	cobaULPs        = 2
	cobaStrongULPs  = 3
	cobaExtremeULPs = 4
)

func TestCobaAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 1))
	for _, c := range []struct {
		scale, tol float64
	}{{1, cobaULPs}, {5, cobaStrongULPs}, {50, cobaExtremeULPs}} {
		worst := 0.0
		var at string
		for k := 0; k < 200000; k++ {
			tauM := 10 + 20*r.Float64()
			gl := 5 + 20*r.Float64()
			dt := 0.1
			lif := LIF{EE: 0, EI: -80, GL: float32(gl), GMin: float32(gl * 1e-3), NegDtTau: float32(-dt / (tauM * gl)),
				VThresh: 1e9, PE: 1, PI: 1}
			vRest := -70 + 10*r.Float64()
			lif.GLVInf = float32(gl * vRest)
			e := float32(r.Float64() * 6 * gl * c.scale)
			g := float32(r.Float64() * 24 * gl * c.scale)
			v := float32(-80 + 30*r.Float64())
			s := State{V: []float32{v}, GE: []float32{e}, GI: []float32{g}, InE: []float32{0}, InI: []float32{0},
				Theta: []float32{0}, Ref: []int32{0}}
			CobaGeneric(&lif, &s, make([]int32, 1), 0)
			G := float64(lif.GL) + float64(e) + float64(g)
			vinf := (float64(lif.GLVInf) + float64(e)*float64(lif.EE) + float64(g)*float64(lif.EI)) / G
			want := vinf + (float64(v)-vinf)*math.Exp(float64(lif.NegDtTau)*G)
			if d := ulpsOff(s.V[0], want); d > worst {
				worst, at = d, fmt.Sprintf("v = %g, ge = %g, gi = %g, x = %g: got %g, want %.9g", v, e, g, float64(lif.NegDtTau)*G, s.V[0], want)
			}
		}
		t.Logf("scale %g: max error %.2f ulp (%s)", c.scale, worst, at)
		if worst > c.tol {
			t.Errorf("conductances up to %g x the leak: error %.2f ulp, more than %g: %s", 30*c.scale, worst, c.tol, at)
		}
	}
}

// TestCobaPhiBoundaries runs the COBA kernels on neurons whose x = NegDtTau*G
// is exactly at, or one float away from, the ends of phiPoly's range
// (NegDtTau a power of two, so x is exact), at ±0, and whose G is at the
// GMin floor or NaN.
func TestCobaPhiBoundaries(t *testing.T) {
	near := func(x float32) []float32 {
		return []float32{x, math.Nextafter32(x, 1), math.Nextafter32(x, -1)}
	}
	neg := append(append(near(phiLo), near(-1)...), near(-phiHi)...) // for NegDtTau < 0
	pos := append(append(near(phiHi), near(1)...), near(-phiLo)...)  // for NegDtTau > 0
	for _, m := range nonGeneric() {
		for seed := uint64(0); seed < 200; seed++ {
			r := rand.New(rand.NewPCG(seed, 55))
			n := 1 + r.IntN(100)
			c := randLIF(r)
			c.NegDtTau = -1.0 / 64
			if seed%4 == 1 {
				c.NegDtTau = 1.0 / 64 // positive x
			}
			c.GL, c.GMin = 16, 0.5
			c.GLVInf = c.GL * c.VInf
			s := randState(r, &c, n, true)
			nanEq := false
			for i := range s.V {
				s.Ref[i] = 0
				s.InE[i], s.InI[i], s.GI[i] = 0, 0, 0
				switch k := r.IntN(8); {
				case k < 5: // x = NegDtTau*G exactly at an edge: G = x/NegDtTau = GL + ge
					x := neg[r.IntN(len(neg))]
					if c.NegDtTau > 0 {
						x = pos[r.IntN(len(pos))]
					}
					s.GE[i] = x/c.NegDtTau - c.GL
				case k == 5: // below the GMin floor
					s.GE[i] = -c.GL + 0.25*r.Float32()
				case k == 6: // G = 0 with a floor of 0: x = ±0
					s.GE[i] = -c.GL
				case k == 7:
					s.GE[i] = float32(math.NaN())
					nanEq = true
				}
			}
			if seed%8 == 3 {
				c.GMin = 0
			}
			what := fmt.Sprintf("%s coba edges seed %d", m.Name, seed)
			checkLIF(t, m, "coba", &c, &s, 0, int(seed%4), nanEq, what)
		}
	}
}

// TestCobaCommonCase runs the COBA kernels on the edges of the common case
// (cobaCommon, cobaNoEE): x0 = NegDtTau*G at, or one float away from,
// NegDtTau*GMin and -3/4; G just below GMin (the floor, which x0 must not
// miss); e = -Inf floored to GMin (where e*KEE is NaN, so the term cannot be
// left out); EE = ±0 and 5 with KGLVInf 0 or not; GMin 0, negative, or so
// large that NegDtTau*GMin < -3/4; NegDtTau -0 or positive. Every
// implementation, the former Go kernel (generic-v0)
// included, must match the reference.
func TestCobaCommonCase(t *testing.T) {
	for _, m := range nonGeneric() {
		for seed := uint64(0); seed < 300; seed++ {
			r := rand.New(rand.NewPCG(seed, 77))
			n := 1 + r.IntN(70)
			c := randLIF(r)
			c.NegDtTau, c.GL, c.GMin = -1.0/64, 16, 0.5
			c.EE = []float32{0, float32(math.Copysign(0, -1)), 5}[r.IntN(3)]
			c.VInf = []float32{-65, 0, float32(math.Copysign(0, -1))}[r.IntN(3)]
			switch r.IntN(8) {
			case 0:
				c.GMin = 0
			case 1:
				c.GMin = -1
			case 2:
				c.GMin = 64 // NegDtTau*GMin = -1 < -3/4
			case 3:
				c.NegDtTau = float32(math.Copysign(0, -1))
			case 4:
				c.NegDtTau = 1.0 / 64
			}
			c.GLVInf = c.GL * c.VInf
			s := randState(r, &c, n, true)
			xmin := c.NegDtTau * c.GMin
			nanEq := false
			for i := range s.V {
				if r.IntN(5) != 0 {
					s.Ref[i] = 0
				}
				s.InE[i], s.InI[i], s.GI[i] = 0, 0, 0
				var G float32
				switch k := r.IntN(7); k {
				case 0, 1: // x0 at NegDtTau*GMin
					x := []float32{xmin, math.Nextafter32(xmin, 1), math.Nextafter32(xmin, -1)}[r.IntN(3)]
					G = x / c.NegDtTau
				case 2: // x0 at -3/4
					x := []float32{-0.75, math.Nextafter32(-0.75, 1), math.Nextafter32(-0.75, -1)}[r.IntN(3)]
					G = x / c.NegDtTau
				case 3: // just below the floor
					G = math.Nextafter32(c.GMin, float32(math.Inf(-1)))
				case 4: // e = -Inf: G floored, e*KEE NaN
					s.GE[i] = float32(math.Inf(-1))
					nanEq = true
					continue
				default: // common
					G = c.GL + 10*r.Float32()
				}
				s.GE[i] = G - c.GL
				if !allFinite(s.GE[i]) {
					s.GE[i] = 0
				}
				if r.IntN(4) == 0 { // split G between ge and gi
					s.GI[i] = s.GE[i] / 2
					s.GE[i] -= s.GI[i]
				}
			}
			what := fmt.Sprintf("%s coba common case seed %d (EE %g, GLVInf %g, GMin %g, NegDtTau %g)", m.Name, seed, c.EE, c.GLVInf, c.GMin, c.NegDtTau)
			checkLIF(t, m, "coba", &c, &s, 0, int(seed%4), nanEq, what)
		}
	}
}
