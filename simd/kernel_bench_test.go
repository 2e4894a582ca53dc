package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func benchState(n int, seed uint64) State {
	r := rand.New(rand.NewPCG(seed, 1))
	s := State{V: make([]float32, n), GE: make([]float32, n), GI: make([]float32, n), InE: make([]float32, n),
		InI: make([]float32, n), Theta: make([]float32, n), Ref: make([]int32, n)}
	for i := range s.V {
		s.V[i] = -60 + 9*r.Float32()
		s.GE[i] = 10 * r.Float32()
		s.GI[i] = 50 * r.Float32()
	}
	return s
}

func cobaConsts() LIF {
	return LIF{PV: 0.995, VInf: -60, PE: 0.98, PI: 0.99, EE: 0, EI: -80, GL: 10, GLVInf: -600, GMin: 0.01,
		NegDtTau: -0.0005, VReset: -60, VThresh: -50, ThDecay: 1, NRef: 50}
}

func BenchmarkCobaKernel(b *testing.B) {
	for _, n := range []int{4096} {
		b.Run(fmt.Sprintf("impl=generic/n=%d", n), func(b *testing.B) {
			s := benchState(n, 1)
			c := cobaConsts()
			out := make([]int32, n)
			b.SetBytes(int64(n) * 28)
			for i := 0; i < b.N; i++ {
				CobaGeneric(&c, &s, out, 0)
			}
		})
	}
}
