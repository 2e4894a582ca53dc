package baseline

import (
	"math"
	"math/rand/v2"
	"testing"
)

// synthetic returns n samples of dim values in [0,1] from classes
// classes: each class has a random sparse prototype (a fraction on of the
// pixels lit), and a sample is its prototype with every pixel flipped to
// a uniform value with probability noise. Labels cycle 0,1,...,classes-1.
func synthetic(seed uint64, n, dim, classes int, on, noise float64) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 42))
	protos := make([][]float32, classes)
	for c := range protos {
		protos[c] = make([]float32, dim)
		for j := range dim {
			if rng.Float64() < on {
				protos[c][j] = float32(0.5 + 0.5*rng.Float64())
			}
		}
	}
	x := make([]float32, n*dim)
	labels := make([]int, n)
	for i := range n {
		c := i % classes
		labels[i] = c
		for j := range dim {
			v := protos[c][j]
			if rng.Float64() < noise {
				v = float32(rng.Float64())
			}
			x[i*dim+j] = v
		}
	}
	return x, labels
}

// mustNew is New that fails the test on error.
func mustNew(tb testing.TB, cfg Config) *MLP {
	tb.Helper()
	m, err := New(cfg)
	if err != nil {
		tb.Fatalf("New(%+v): %v", cfg, err)
	}
	return m
}

// sameBits reports whether a and b are bitwise equal, and the first
// index where they differ.
func sameBits(a, b []float64) (bool, int) {
	if len(a) != len(b) {
		return false, -1
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false, i
		}
	}
	return true, 0
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// closeTo reports |a-b| <= tol*max(1,|a|,|b|).
func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}
