package network

// Edge cases of the multi-threaded engine: empty and tiny populations,
// more threads than neurons, forced rebalancing, Close, and RunSteps with
// a step count past the end of int64.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"dalesim/neuron"
	"dalesim/simd"
	"dalesim/spec"
)

// TestEmptyNetwork: a network without populations runs with
// one thread; with two, newEngine -> planDeliveries indexes bounds[0] of an
// empty slice and panics.
func TestEmptyNetwork(t *testing.T) {
	for _, threads := range []int{1, 2} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					buf := make([]byte, 4096)
					buf = buf[:runtime.Stack(buf, false)]
					t.Errorf("%d threads: RunSteps on an empty network panics: %v\n%s", threads, r, buf)
				}
			}()
			n := New(0.1, 1)
			n.SetThreads(threads)
			defer n.Close()
			if _, err := n.RunSteps(context.Background(), 10); err != nil {
				t.Errorf("%d threads: %v", threads, err)
			}
		}()
	}
}

const edgeLIF = `
tau_m_ms = 10.0
tau_e_ms = 2.0
tau_i_ms = 5.0
v_rest_mV = -50.0
v_reset_mV = -60.0
v_thresh_mV = -50.5
t_ref_ms = 0.5
theta_step_mV = 0.2
tau_theta_ms = 30.0
init.v_mV = { dist = "uniform", low = -60.0, high = -50.0 }
`

const edgeDelta = `
tau_m_ms = 10.0
v_rest_mV = -50.0
v_reset_mV = -60.0
v_thresh_mV = -50.5
t_ref_ms = 0.5
theta_step_mV = 0.2
tau_theta_ms = 30.0
init.v_mV = { dist = "uniform", low = -60.0, high = -50.0 }
`

// edgeSpecs are small networks at the engine's edges: populations smaller
// than cutAlign, more threads than neurons, only sources, projections
// without synapses (one delay and per-synapse delays), long per-synapse
// delays (ring wrap-around), a spike source.
var edgeSpecs = map[string]string{
	"tiny": `
name = "tiny"
dt_ms = 0.1
seed = 3
[[population]]
name = "P"
size = 7
identity = "excitatory"
model = "poisson"
rate_hz = 400.0
[[population]]
name = "A"
size = 5
identity = "excitatory"
model = "cuba"` + edgeLIF + `
[[population]]
name = "B"
size = 17
identity = "inhibitory"
model = "delta"
refractory_input = "accumulate"` + edgeDelta + `
[[population]]
name = "C"
size = 33
identity = "excitatory"
model = "coba"
e_rev_e_mV = 0.0
e_rev_i_mV = -80.0
g_leak_nS = 10.0` + edgeLIF + `
[[drive]]
target = "C"
identity = "excitatory"
n = 50
rate_hz = 20.0
weight = 0.4
[[projection]]
source = "P"
target = "A"
connectivity = { rule = "all_to_all" }
weight = { dist = "lognormal", mu = 0.0, sigma = 1.0 }
delay_ms = { dist = "uniform", low = 0.1, high = 4.0 }
[[projection]]
source = "P"
target = "C"
connectivity = { rule = "fixed_indegree", k = 5, multapses = true }
weight = { dist = "lognormal", mu = 0.0, sigma = 1.0 }
delay_ms = { dist = "uniform", low = 0.1, high = 0.5 }
[[projection]]
source = "A"
target = "B"
connectivity = { rule = "all_to_all" }
weight = { dist = "lognormal", mu = 0.5, sigma = 1.0 }
[[projection]]
source = "B"
target = "C"
connectivity = { rule = "fixed_probability", p = 0.5 }
weight = { dist = "lognormal", mu = -1.0, sigma = 1.0 }
delay_ms = 0.3
[[projection]]
source = "C"
target = "C"
connectivity = { rule = "fixed_probability", p = 0.3 }
weight = { dist = "lognormal", mu = -1.0, sigma = 2.0 }
delay_ms = { dist = "uniform", low = 0.1, high = 2.0 }
[[projection]]
name = "empty"
source = "C"
target = "B"
connectivity = { rule = "fixed_probability", p = 0.0 }
weight = 1.0
delay_ms = { dist = "uniform", low = 0.1, high = 2.0 }
[[projection]]
name = "empty2"
source = "P"
target = "C"
connectivity = { rule = "fixed_indegree", k = 0 }
weight = 1.0
`,
	"sources": `
name = "sources"
dt_ms = 0.1
seed = 5
[[population]]
name = "P"
size = 3
identity = "excitatory"
model = "poisson"
rate_hz = 500.0
[[population]]
name = "Q"
size = 100
identity = "inhibitory"
model = "poisson"
rate_hz = 100.0
[[population]]
name = "S"
size = 4
identity = "excitatory"
model = "spike_source"
file = "spikes.csv"
`,
}

// TestEdgeSpecs: every thread count from 1 to 9 (more than the
// neurons of several populations) gives the single-threaded spikes and
// events, in runs and step by step, and a run of zero steps is harmless.
func TestEdgeSpecs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spikes.csv"), []byte("neuron,t_ms\n0,0.1\n3,0.1\n1,2.0\n2,5.0\n0,7.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, text := range edgeSpecs {
		f := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		var want string
		for _, kname := range simd.Implementations() {
			impl, err := simd.Lookup(kname)
			if err != nil {
				t.Fatal(err)
			}
			for threads := 1; threads <= 9; threads++ {
				if kname != simd.Implementations()[0] && threads > 1 && threads != 3 && threads != 9 {
					continue
				}
				s, err := spec.Load(f)
				if err != nil {
					t.Fatal(err)
				}
				n, err := Build(s, Options{Threads: threads, Kernels: impl})
				if err != nil {
					t.Fatal(err)
				}
				var got string
				for k, steps := range []int64{0, 137, 0, 3, 260, 1, 400} {
					got += runChunk(t, n, steps, k%3 == 2)
				}
				n.Close()
				if want == "" {
					want = got
					t.Logf("%s: %s", name, want)
					continue
				}
				if got != want {
					t.Errorf("%s, %s, %d threads:\n got %s\nwant %s", name, kname, threads, got, want)
				}
			}
		}
	}
}

// TestForcedRebalance moves the cuts between every run (random worker
// speeds, so cuts fall anywhere, in any population, including shares of
// zero) and flips solo mode, in runs and step by step; the spikes must stay
// the single-threaded ones.
func TestForcedRebalance(t *testing.T) {
	chunks := []int64{1, 50, 1, 2, 77, 5, 120, 1, 33, 200, 9}
	run := func(threads int, seed uint64) string {
		s, err := spec.Load("../examples/features.toml")
		if err != nil {
			t.Fatal(err)
		}
		n, err := Build(s, Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		r := rand.New(rand.NewPCG(seed, 1))
		var out string
		for k, c := range chunks {
			shuffleCuts(n, r, 4)
			out += runChunk(t, n, c, k%2 == 0)
			if n.eng == nil {
				t.Fatal("no engine after a run")
			}
		}
		return out
	}
	want := run(1, 0)
	t.Logf("1 thread: %s", want)
	for _, threads := range []int{2, 3, 5} {
		for seed := uint64(1); seed <= 3; seed++ {
			if got := run(threads, seed); got != want {
				t.Errorf("%d threads, seed %d:\n got %s\nwant %s", threads, seed, got, want)
			}
		}
	}
}

// shuffleCuts moves the cuts between the workers of a threaded network's
// engine (made by a first run) to random worker speeds, shares of zero
// included, and picks one worker alone with odds 1 in soloOdds.
func shuffleCuts(n *Network, r *rand.Rand, soloOdds int) {
	if n.eng == nil || n.eng.threads == 1 {
		return
	}
	speed := make([]float64, n.eng.threads)
	for w := range speed {
		speed[w] = float64(r.IntN(4)) + 0.01*r.Float64()
	}
	n.eng.setBounds(cutLine(n.eng.cumCost, speed))
	n.eng.solo = r.IntN(soloOdds) == 0
}

// TestCloseStopsWorkers: Close stops every worker goroutine, whatever
// the mode the engine was in (all workers or worker 0 alone).
func TestCloseStopsWorkers(t *testing.T) {
	base := runtime.NumGoroutine()
	for _, solo := range []bool{false, true} {
		s, err := spec.Builtin("cuba", spec.BuiltinParams{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Build(s, Options{Threads: 4})
		if err != nil {
			t.Fatal(err)
		}
		n.RunSteps(context.Background(), 20)
		n.eng.solo = solo
		n.RunSteps(context.Background(), 20)
		n.Close()
		n.Close() // twice is harmless
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > base {
		t.Errorf("%d goroutines after Close, %d before", g, base)
	}
}

// TestCutLineBounds: cutLine never gives a worker a range that
// starts off a multiple of cutAlign (except at a population's end), for
// populations smaller than cutAlign too.
func TestCutLineBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for trial := 0; trial < 2000; trial++ {
		np := 1 + r.IntN(5)
		cost := make([][]float64, np)
		for i := range cost {
			c := make([]float64, 1+r.IntN(40))
			var sum float64
			for j := range c {
				sum += 0.1 + 3*r.Float64()
				c[j] = sum
			}
			cost[i] = c
		}
		speed := make([]float64, 1+r.IntN(6))
		for w := range speed {
			speed[w] = r.Float64()
		}
		speed[0] += 0.01
		b := cutLine(cost, speed)
		for i, c := range cost {
			if b[i][0] != 0 || b[i][len(speed)] != len(c) {
				t.Fatalf("trial %d: population %d of %d: bounds %v", trial, i, len(c), b[i])
			}
			for w := 1; w <= len(speed); w++ {
				lo := b[i][w-1]
				if b[i][w] < lo || (lo%cutAlign != 0 && lo != len(c)) {
					t.Fatalf("trial %d: population %d of %d: bounds %v", trial, i, len(c), b[i])
				}
			}
		}
	}
}

// TestRunUntilCancelled: RunSteps(ctx, math.MaxInt64) as "run until
// cancelled" works from step 0 but, once the network has run a step, end :=
// n.step + steps overflows (network.go:182) and the call returns at once,
// with no step run and Interrupted false.
func TestRunUntilCancelled(t *testing.T) {
	s, err := spec.Builtin("cuba", spec.BuiltinParams{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		n, err := Build(s, Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		n.RunSteps(context.Background(), 1)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		r, err := n.RunSteps(ctx, math.MaxInt64)
		cancel()
		n.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !r.Interrupted || n.Step() <= 1 {
			t.Errorf("%d threads: RunSteps(MaxInt64) from step 1: network at step %d, interrupted %v; want a run until the context ends",
				threads, n.Step(), r.Interrupted)
		}
	}
}

var _ = neuron.Excitatory

// runChunk runs n for steps steps, step by step behind a plain Monitor when
// stepwise (else in the engine's pipelined schedule), and returns the run's
// checksum and event count as "checksum/events ".
func runChunk(t testing.TB, n *Network, steps int64, stepwise bool) string {
	t.Helper()
	var mons []Monitor
	if stepwise {
		mons = append(mons, MonitorFunc(func(int64, *Network) error { return nil }))
	}
	r, err := n.RunSteps(context.Background(), steps, mons...)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s/%d ", r.SpikeChecksum, r.SynapticEvents)
}
