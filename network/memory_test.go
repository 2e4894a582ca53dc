package network

import (
	"context"
	"math"
	"runtime"
	"testing"

	"dalesim/spec"
)

// TestMemoryEstimate: the estimate of the synapses' memory matches what the
// projections hold (within 2 %), and the estimate of the whole network
// (without the process's base) matches the heap that building and running
// it allocates (within 10 %), for synapse-heavy and neuron-heavy networks
// and one or two threads.
func TestMemoryEstimate(t *testing.T) {
	brunel, err := spec.Load("../examples/brunel.toml")
	if err != nil {
		t.Fatal(err)
	}
	sparse, err := spec.Load("../examples/brunel.toml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range sparse.Populations {
		sparse.Populations[i].Size *= 20 // 250,000 neurons
	}
	for i := range sparse.Projections {
		k := 2
		sparse.Projections[i].Connectivity.K = &k
	}
	coba, err := spec.Builtin("coba", spec.BuiltinParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    *spec.Spec
	}{{"brunel", brunel}, {"sparse", sparse}, {"coba", coba}} {
		for _, threads := range []int{1, 2} {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			n, err := Build(tc.s, Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.RunSteps(context.Background(), 20); err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			est := n.MemoryEstimate()
			heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			syn := float64(n.SynapseBytes())
			n.Close()
			if math.Abs(est.Synapses/syn-1) > 0.02 {
				t.Errorf("%s, %d thread(s): synapses estimated at %.0f bytes, hold %.0f", tc.name, threads, est.Synapses, syn)
			}
			want := est.Total - baseBytes
			if tc.name == "coba" {
				continue // 1.5 MB: the heap's own small allocations dominate
			}
			if math.Abs(want/heap-1) > 0.10 {
				t.Errorf("%s, %d thread(s): estimated %.1f MiB besides the base, the heap grew by %.1f MiB", tc.name, threads, want/(1<<20), heap/(1<<20))
			}
			t.Logf("%s, %d thread(s): estimate %.1f MiB, heap %.1f MiB, synapses %.1f MiB (%.2f bytes each)",
				tc.name, threads, want/(1<<20), heap/(1<<20), syn/(1<<20), est.PerSynapse())
		}
	}
}
