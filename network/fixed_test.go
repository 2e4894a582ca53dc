package network

import (
	"context"
	"fmt"
	"os"
	"testing"

	"dalesim/simd"
	"dalesim/spec"
)

// fixedSpikes runs a spec and returns every spike as (step, population, neuron).
func fixedSpikes(t *testing.T, s *spec.Spec, impl *simd.Impl, threads int, steps int64) ([][3]int64, string) {
	t.Helper()
	n, err := Build(s, Options{Kernels: impl, Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var spikes [][3]int64
	res, err := n.RunSteps(context.Background(), steps, MonitorFunc(func(step int64, net *Network) error {
		for i, p := range net.Populations() {
			for _, k := range p.Spikes() {
				spikes = append(spikes, [3]int64{step, int64(i), int64(k)})
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return spikes, res.SpikeChecksum
}

// TestFixedPointDeterminism: the fixed-point path gives the same spikes for
// every kernel implementation and thread count.
func TestFixedPointDeterminism(t *testing.T) {
	text, err := os.ReadFile("testdata/loihi_small.toml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(text, "testdata/loihi_small.toml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := spec.Builtin("brunel", spec.BuiltinParams{FixedPoint: true, Scale: 0.05, DurationMS: 50})
	if err != nil {
		t.Fatal(err)
	}
	impls := []*simd.Impl{simd.Generic}
	for _, name := range simd.Implementations() {
		if m, _ := simd.Lookup(name); m != simd.Generic {
			impls = append(impls, m)
		}
	}
	for _, c := range []struct {
		name  string
		s     *spec.Spec
		steps int64
	}{{"small", s, 200}, {"brunel-fixed", b, 500}} {
		want, wsum := fixedSpikes(t, c.s, simd.Generic, 1, c.steps)
		if len(want) == 0 {
			t.Fatalf("%s: no spikes", c.name)
		}
		for _, impl := range impls {
			threads := []int{1, 2, 3, 4}
			if testing.Short() {
				threads = []int{1, 3}
			}
			for _, th := range threads {
				got, sum := fixedSpikes(t, c.s, impl, th, c.steps)
				what := fmt.Sprintf("%s kernel %s threads %d", c.name, impl.Name, th)
				if sum != wsum || len(got) != len(want) {
					t.Fatalf("%s: %d spikes (checksum %s), want %d (%s)", what, len(got), sum, len(want), wsum)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s: spike %d = %v, want %v", what, i, got[i], want[i])
					}
				}
			}
		}
	}
}
