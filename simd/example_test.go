package simd_test

import (
	"fmt"
	"math"

	"dalesim/simd"
)

// Every implementation the CPU has gives the reference's bits: here the
// delta-synapse LIF kernel on 20 neurons driven above threshold, run with
// each implementation in turn.
func Example() {
	c := simd.LIF{PV: float32(math.Exp(-0.1 / 20)), VInf: 0, VReset: 0, VThresh: 15, ThDecay: 1, NRef: 20}
	var first []int32
	same := true
	for _, name := range simd.Implementations() {
		impl, err := simd.Lookup(name)
		if err != nil {
			panic(err)
		}
		n := 20
		s := simd.State{V: make([]float32, n), InE: make([]float32, n), InI: make([]float32, n),
			Theta: make([]float32, n), Ref: make([]int32, n)}
		out := make([]int32, n)
		var spikes []int32
		for step := range 2000 {
			for i := range s.InE {
				s.InE[i] = 0.01 * float32(i+step%7) // a different drive for every neuron
			}
			k := impl.Delta(&c, &s, out, 0)
			spikes = append(spikes, out[:k]...)
		}
		if first == nil {
			first = spikes
		} else {
			same = same && fmt.Sprint(spikes) == fmt.Sprint(first)
		}
	}
	fmt.Println("generic is always available:", simd.Implementations()[len(simd.Implementations())-1] == "generic")
	fmt.Println("spikes:", len(first) > 0, "identical across implementations:", same)
	// Output:
	// generic is always available: true
	// spikes: true identical across implementations: true
}

// Lookup refuses a name it does not know (and one the CPU lacks) with an
// error; "auto" is the fastest implementation.
func ExampleLookup() {
	_, err := simd.Lookup("sse9")
	fmt.Println(err)
	auto, _ := simd.Lookup("auto")
	fmt.Println(auto.Name == simd.Implementations()[0])
	// Output:
	// simd: unknown implementation "sse9" (want auto, avx512, avx2, generic)
	// true
}
