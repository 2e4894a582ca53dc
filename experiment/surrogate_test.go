package experiment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSurrogateGradient compares the surrogate's input gradient with
// central finite differences of its loss.
func TestSurrogateGradient(t *testing.T) {
	const seed, nin, nh, nc, tol = 3, 12, 7, 3, 1e-6
	r := rand.New(rand.NewPCG(seed, 0))
	s := &Surrogate{Beta: 0.7, Gamma: 1.3, classes: []int{1, 2, 6}}
	for range nh {
		w, v := make([]float64, nin), make([]float64, nc)
		for i := range w {
			w[i] = r.Float64()
		}
		for k := range v {
			v[k] = 3 * r.Float64()
		}
		s.W, s.V, s.Thresh = append(s.W, w), append(s.V, v), append(s.Thresh, 2*r.Float64())
	}
	x := make([]float64, nin)
	for i := range x {
		x[i] = r.Float64()
	}
	for _, label := range []int{1, 2, 6} {
		g := s.InputGradient(x, label)
		for i := range x {
			const h = 1e-5
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[i] += h
			xm[i] -= h
			fd := (s.Loss(xp, label) - s.Loss(xm, label)) / (2 * h)
			if math.Abs(fd-g[i]) > tol*(1+math.Abs(fd)) {
				t.Errorf("seed %d label %d input %d: gradient %g, finite difference %g", seed, label, i, g[i], fd)
			}
		}
	}
}
