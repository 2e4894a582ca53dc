package network

import (
	"context"
	"dalesim/spec"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestThreadsSameSpikesFeatures: the spec that uses every population model,
// connectivity rule, weight distribution and per-synapse delays gives the
// same spikes and the same number of events for every thread count.
func TestThreadsSameSpikesFeatures(t *testing.T) {
	var first *Result
	for _, threads := range []int{1, 2, 3, 4} {
		s, err := spec.Load("../examples/features.toml")
		if err != nil {
			t.Fatal(err)
		}
		r := runWith(t, s, Options{Threads: threads}, 300)
		if threads == 1 {
			first = r
			continue
		}
		if r.SpikeChecksum != first.SpikeChecksum || r.SynapticEvents != first.SynapticEvents {
			t.Errorf("%d threads: checksum %s, %d events; 1 thread: %s, %d events",
				threads, r.SpikeChecksum, r.SynapticEvents, first.SpikeChecksum, first.SynapticEvents)
		}
	}
	if first.SynapticEvents == 0 {
		t.Fatal("no synaptic events")
	}
}

// TestEngineModes runs Brunel's network (a tenth of it) long enough for the
// engine to rebalance its workers and to try worker 0 alone, in runs of
// uneven lengths, one step at a time (as with monitors) and in runs, and
// checks that the spikes are the single-threaded ones throughout.
func TestEngineModes(t *testing.T) {
	steps := []int64{1, 700, 1, 1, 1500, 3, 1200}
	if testing.Short() {
		steps = []int64{1, 700, 1, 1, 1200}
	}
	var want []string
	for _, threads := range []int{1, 2, 3} {
		s, err := spec.Builtin("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Build(s, Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for k, m := range steps {
			got = append(got, runChunk(t, n, m, k%2 == 0)) // even runs: step by step
			n.ResetStats()
		}
		if e := n.eng; threads > 1 {
			t.Logf("%d threads: %d checks, %d rebalances, %d probes, solo %v, bounds %v",
				threads, e.checks, e.rebalances, e.probes, e.solo, e.bounds)
			if e.checks < 3 || e.probes < 1 {
				t.Errorf("%d threads: %d checks and %d probes; want at least 3 and 1", threads, e.checks, e.probes)
			}
		}
		n.Close()
		if threads == 1 {
			want = got
			continue
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("%d threads, run %d (%d steps): %s, 1 thread %s", threads, k, steps[k], got[k], want[k])
			}
		}
	}
}

// TestEngineInterrupt cancels runs with two threads at arbitrary times: a
// run stops at the end of a step, and its spikes are those of a
// single-threaded run of as many steps.
func TestEngineInterrupt(t *testing.T) {
	build := func(threads int) *Network {
		s, err := spec.Builtin("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Build(s, Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, after := range []time.Duration{0, 3 * time.Millisecond, 20 * time.Millisecond} {
		n := build(2)
		ctx, cancel := context.WithCancel(context.Background())
		if after == 0 {
			cancel()
		} else {
			time.AfterFunc(after, cancel)
		}
		r, err := n.RunSteps(ctx, 1<<20)
		cancel()
		n.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !r.Interrupted || r.Steps != n.Step() {
			t.Fatalf("after %v: interrupted %v, %d steps, network at step %d", after, r.Interrupted, r.Steps, n.Step())
		}
		one := build(1)
		r1, err := one.RunSteps(context.Background(), r.Steps)
		if err != nil {
			t.Fatal(err)
		}
		if r.SpikeChecksum != r1.SpikeChecksum || r.SynapticEvents != r1.SynapticEvents {
			t.Errorf("after %v: %d steps with 2 threads: %s/%d; 1 thread: %s/%d",
				after, r.Steps, r.SpikeChecksum, r.SynapticEvents, r1.SpikeChecksum, r1.SynapticEvents)
		}
	}
}

// TestStepAllocs: once the network is running, a step allocates nothing,
// with one thread or several, and a run allocates the same whatever its
// length.
func TestStepAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful with the race detector")
	}
	for _, name := range []string{"brunel", "coba", "cuba"} {
		for _, threads := range []int{1, 2} {
			p := spec.BuiltinParams{Seed: 5}
			if name == "brunel" {
				p.Scale = 0.1
			}
			s, err := spec.Builtin(name, p)
			if err != nil {
				t.Fatal(err)
			}
			n, err := Build(s, Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			n.RunSteps(context.Background(), 300)
			ev := n.Events()
			if a := testing.AllocsPerRun(200, func() { stepOnce(n) }); a != 0 {
				t.Errorf("%s, %d threads: %v allocations per step", name, threads, a)
			}
			if n.Events() == ev {
				t.Errorf("%s, %d threads: no events while measuring", name, threads)
			}
			// The summary and the 1 ms bins of the statistics allocate a
			// little per run, nothing per step.
			short := testing.AllocsPerRun(3, func() { n.RunSteps(context.Background(), 100) })
			long := testing.AllocsPerRun(3, func() { n.RunSteps(context.Background(), 1000) })
			if long > short+20 {
				t.Errorf("%s, %d threads: a run of 100 steps allocates %v times, of 1000 steps %v", name, threads, short, long)
			}
			n.Close()
		}
	}
}

// TestBarrier: nothing written before a barrier is missed after it, over
// many generations, with more goroutines than processors too, and with
// arrive and await apart.
func TestBarrier(t *testing.T) {
	for _, g := range []int{2, 3, runtime.GOMAXPROCS(0) + 2} {
		b := newBarrier(g)
		rounds := 2000
		if testing.Short() {
			rounds = 300
		}
		slots := make([]int, g)
		var wg sync.WaitGroup
		errs := make(chan error, g)
		for w := range g {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 1; r <= rounds; r++ {
					slots[w] = r
					if w == 0 {
						gen := b.arrive()
						b.await(gen)
					} else {
						b.wait()
					}
					for v, x := range slots {
						if x != r {
							errs <- fmt.Errorf("round %d: goroutine %d sees %d from goroutine %d", r, w, x, v)
							return
						}
					}
					b.wait()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%d goroutines: %v", g, err)
		}
	}
}

// TestCutLine checks the shares of the neuron line: every neuron belongs to
// one worker, the cuts are multiples of 16, and the shares follow the
// speeds.
func TestCutLine(t *testing.T) {
	cost := [][]float64{make([]float64, 1000), make([]float64, 0), make([]float64, 250)}
	for _, c := range cost {
		for j := range c {
			c[j] = float64(j + 1) // a unit per neuron
		}
	}
	for _, tc := range []struct {
		speed []float64
		want  [][]int
	}{
		{[]float64{1, 1}, [][]int{{0, 624, 1000}, {0, 0, 0}, {0, 0, 250}}},
		{[]float64{3, 1}, [][]int{{0, 944, 1000}, {0, 0, 0}, {0, 0, 250}}},
		{[]float64{1, 4}, [][]int{{0, 256, 1000}, {0, 0, 0}, {0, 0, 250}}},
		{[]float64{1, 1, 1, 1}, [][]int{{0, 320, 624, 944, 1000}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 250}}},
		{[]float64{1, 0, 1}, [][]int{{0, 624, 624, 1000}, {0, 0, 0, 0}, {0, 0, 0, 250}}},
	} {
		got := cutLine(cost, tc.speed)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("speeds %v: %v, want %v", tc.speed, got, tc.want)
		}
	}
}

// BenchmarkEngine runs the built-in networks for a fixed number of steps per
// op (one run, without monitors) after a warm-up past the onset and the
// engine's first checks, and reports synaptic events per wall second and
// wall seconds per simulated second.
//
//	go test ./network -run '^$' -bench Engine -benchtime 10x
func BenchmarkEngine(b *testing.B) {
	const warmup, steps = 3000, 1000 // 300 ms and 100 ms at dt = 0.1 ms
	for _, name := range []string{"brunel", "coba"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("net=%s/threads=%d", name, threads), func(b *testing.B) {
				s, err := spec.Builtin(name, spec.BuiltinParams{})
				if err != nil {
					b.Fatal(err)
				}
				n, err := Build(s, Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				defer n.Close()
				ctx := context.Background()
				n.RunSteps(ctx, warmup)
				ev := n.Events()
				b.ResetTimer()
				for range b.N {
					n.RunSteps(ctx, steps)
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(n.Events()-ev)/sec, "events/s")
				b.ReportMetric(sec/(float64(b.N*steps)*n.Dt()/1000), "wall-s/sim-s")
			})
		}
	}
}

// countTicks is a Ticker that records the steps it is told about and
// fails the test if it is asked to observe the network.
type countTicks struct {
	t       *testing.T
	steps   []int64
	observe int
}

func (c *countTicks) Tick(step int64) { c.steps = append(c.steps, step) }
func (c *countTicks) Observe(step int64, _ *Network) error {
	c.observe++
	c.steps = append(c.steps, step)
	return nil
}

// TestTickerKeepsPipeline: with two threads, a run whose only monitor is a
// Ticker (the CLI's progress bar) hears of every step in order through
// Tick, never through Observe, and gives the spikes of a run without it;
// next to an ordinary Monitor, the Ticker is observed step by step.
func TestTickerKeepsPipeline(t *testing.T) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := runWith(t, s, Options{Threads: 1}, 50)
	for _, plain := range []bool{false, true} {
		n, err := Build(s, Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		tk := &countTicks{t: t}
		mons := []Monitor{tk}
		if plain {
			mons = append(mons, MonitorFunc(func(int64, *Network) error { return nil }))
		}
		r, err := n.RunSteps(context.Background(), 500, mons...)
		n.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r.SpikeChecksum != want.SpikeChecksum {
			t.Errorf("plain monitor %v: checksum %s, want %s", plain, r.SpikeChecksum, want.SpikeChecksum)
		}
		if len(tk.steps) != 500 {
			t.Fatalf("plain monitor %v: told of %d steps, want 500", plain, len(tk.steps))
		}
		for i, s := range tk.steps {
			if s != int64(i) {
				t.Fatalf("plain monitor %v: step %d reported as %d", plain, i, s)
			}
		}
		if plain != (tk.observe == 500) || !plain && tk.observe != 0 {
			t.Errorf("plain monitor %v: Observe called %d times", plain, tk.observe)
		}
	}
}

// spikeLog is a SpikeMonitor that logs every spike it observes and fails at
// step failAt (if >= 0).
type spikeLog struct {
	log    []string
	steps  int64
	failAt int64
}

func (l *spikeLog) SpikesOnly() bool { return true }
func (l *spikeLog) Observe(step int64, n *Network) error {
	if step != l.steps {
		return fmt.Errorf("observed step %d, want %d", step, l.steps)
	}
	l.steps++
	for i, p := range n.Populations() {
		for _, j := range p.Spikes() {
			l.log = append(l.log, fmt.Sprintf("%d/%d/%d", step, i, j))
		}
	}
	if step == l.failAt {
		return errors.New("disk full")
	}
	return nil
}

// TestSpikeMonitorPipelined: with two threads a SpikeMonitor sees every
// step in order with all of its spikes (the single-threaded ones), and one
// that fails stops the run with its error, which is not an interruption.
func TestSpikeMonitorPipelined(t *testing.T) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, threads := range []int{1, 2} {
		n, err := Build(s, Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		l := &spikeLog{failAt: -1}
		if _, err := n.RunSteps(context.Background(), 600, l); err != nil {
			t.Fatal(err)
		}
		n.Close()
		if len(l.log) == 0 {
			t.Fatal("no spikes")
		}
		if threads == 1 {
			want = l.log
		} else if fmt.Sprint(l.log) != fmt.Sprint(want) {
			t.Errorf("2 threads: %d spikes observed, 1 thread %d, or in another order", len(l.log), len(want))
		}
	}
	n, err := Build(s, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	l := &spikeLog{failAt: 250}
	r, err := n.RunSteps(context.Background(), 5000, l)
	if err == nil || err.Error() != "disk full" || r.Interrupted {
		t.Fatalf("failing monitor: err %v, interrupted %v", err, r.Interrupted)
	}
	// Worker 0 observes step s when it has stepped to s+lag, and the
	// others may be lag+1 steps further (see pipelineLagged).
	if lag := int64(n.eng.lag); l.steps != 251 || n.Step() < 251 || n.Step() > 251+2*lag+3 {
		t.Errorf("failing monitor: observed %d steps, network at step %d; want 251 and a stop at most %d steps after", l.steps, n.Step(), 2*lag+3)
	}
}

// TestNeuronCostsSampled: the cost estimate, which counts the synapses of
// every costStride-th row only in a large network, puts the cuts where the
// count of every synapse puts them (within 2 % of the neurons), and counts
// every synapse below costSample.
func TestNeuronCostsSampled(t *testing.T) {
	if costStride(costSample) != 1 || costStride(10*costSample) != 10 {
		t.Fatalf("costStride(%d) = %d, costStride(%d) = %d", costSample, costStride(costSample), 10*costSample, costStride(10*costSample))
	}
	// Brunel's network (every neuron with the same in-degree, below and
	// above costSample synapses) and one whose populations differ 10-fold.
	pop := func(name, identity string, size int) string {
		return fmt.Sprintf(`[[population]]
name = %q
size = %d
identity = %q
model = "cuba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -49.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = 5
`, name, size, identity)
	}
	uneven := "name = \"uneven\"\ndt_ms = 0.1\nseed = 2\n" + pop("A", "excitatory", 2000) + pop("B", "inhibitory", 3000) + `[[projection]]
source = "A"
target = "A"
connectivity = { rule = "fixed_indegree", k = 400 }
weight = 0.1
[[projection]]
source = "B"
target = "B"
connectivity = { rule = "fixed_probability", p = 0.013 }
weight = 0.1
`
	for _, scale := range []float64{0.1, 0.5, 0} {
		var s *spec.Spec
		var err error
		if scale == 0 {
			s, err = spec.Parse([]byte(uneven), "uneven.toml")
		} else {
			s, err = spec.Builtin("brunel", spec.BuiltinParams{Seed: 5, Scale: scale})
		}
		if err != nil {
			t.Fatal(err)
		}
		n := buildOpt(t, s, Options{Threads: 1})
		// The estimate counting every synapse.
		exact := make([][]float64, len(n.pops))
		var syn, lif float64
		for i, p := range n.pops {
			exact[i] = make([]float64, p.Len())
			if p.Receives() {
				lif += float64(p.Len())
			}
		}
		var total int
		for _, out := range n.out {
			for _, pr := range out {
				d := exact[n.index[pr.Target().Name()]]
				for k := range pr.Len() {
					d[pr.TargetAt(k)]++
				}
				syn += float64(pr.Len())
				total += pr.Len()
			}
		}
		for i, p := range n.pops {
			step := 0.1
			if p.Receives() {
				step = 1
			}
			var sum float64
			for j, c := range exact[i] {
				sum += step + lif/syn*c
				exact[i][j] = sum
			}
		}
		got := neuronCosts(n)
		if costStride(total) == 1 {
			if fmt.Sprint(got) != fmt.Sprint(exact) {
				t.Errorf("scale %v (%d synapses, every row counted): estimate differs from the full count", scale, total)
			}
			continue
		}
		t.Logf("scale %v: %d synapses, every %d-th row counted", scale, total, costStride(total))
		for _, speed := range [][]float64{{1, 1}, {1, 3}, {2, 1, 1}} {
			want, have := cutLine(exact, speed), cutLine(got, speed)
			for i, p := range n.pops {
				for w := range want[i] {
					if d := have[i][w] - want[i][w]; d*50 > p.Len() || -d*50 > p.Len() {
						t.Errorf("scale %v speeds %v: population %d cut %d at %d, full count %d", scale, speed, i, w, have[i][w], want[i][w])
					}
				}
			}
		}
	}
}

// TestProbeGiveUp: a probe of one worker more than probeGiveUp times
// slower per step than all workers ends after probeMin steps and returns to
// all workers; a closer one, a shorter one and a probe of all workers run
// on. A run stops at probeMin steps of a solo probe, so that collect sees
// it, and a probe of all workers first runs probeWarm steps that are not
// measured.
func TestProbeGiveUp(t *testing.T) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	n := buildOpt(t, s, Options{Threads: 2})
	runChunk(t, n, 5, false)
	e := n.eng
	setProbe := func(solo bool, steps int, nsPerStep float64) {
		e.probing, e.solo, e.warm = true, solo, 0
		e.nsPerStep = [2]float64{1000, 1000}
		e.windowSteps, e.windowLen = steps, probeWindow
		e.wallTime = time.Duration(nsPerStep * float64(steps))
	}
	for _, tc := range []struct {
		solo  bool
		steps int
		ns    float64
		lost  bool
	}{
		{true, probeMin, 2000, true},
		{true, probeMin, 1200, false},
		{true, probeMin - 1, 2000, false},
		{false, probeMin, 2000, false},
	} {
		setProbe(tc.solo, tc.steps, tc.ns)
		if got := e.probeLost(); got != tc.lost {
			t.Errorf("solo %v, %d steps at %v ns: probeLost %v, want %v", tc.solo, tc.steps, tc.ns, got, tc.lost)
		}
	}
	setProbe(true, probeMin-4, 2000)
	e.collect(4)
	if e.probing || e.solo {
		t.Errorf("after a lost probe: probing %v, solo %v; want all workers again", e.probing, e.solo)
	}
	setProbe(true, 0, 0)
	if ran := e.run(n.step, 1000, nil, func(int64) {}); ran != probeMin {
		t.Errorf("a solo probe's first run made %d steps, want %d", ran, probeMin)
	}
	// A probe of all workers, as check starts it: probeWarm unmeasured
	// steps, then probeMin measured ones.
	e.probing, e.solo, e.checks, e.windowSteps = false, true, 2, 0
	e.check()
	if !e.probing || e.solo || e.warm != probeWarm {
		t.Fatalf("check 3 from one worker: probing %v, solo %v, warm %d; want a probe of all workers warming %d steps", e.probing, e.solo, e.warm, probeWarm)
	}
	if ran := e.run(n.step, 1000, nil, func(int64) {}); ran != probeWarm {
		t.Errorf("the warm-up run made %d steps, want %d", ran, probeWarm)
	}
	if e.warm != 0 || e.windowSteps != 0 || e.wallTime != 0 {
		t.Errorf("after the warm-up: warm %d, %d steps measured, wall %v; want none", e.warm, e.windowSteps, e.wallTime)
	}
}

// TestLaggedPipeline: networks whose smallest delay allows a lag (Brunel's
// at 1.5 ms: lag maxLag; at 0.2 ms: lag 1), and the fixed-point version,
// give the single-threaded spikes on 2 to 4 threads, in runs of any length
// between which the cuts move (random worker speeds) and the mode flips,
// mixed with step-by-step runs; engineLag follows the smallest delay.
func TestLaggedPipeline(t *testing.T) {
	chunks := []int64{1, 37, 2, 200, 5, 513, 3, 64}
	for _, tc := range []struct {
		name string
		p    spec.BuiltinParams
		lag  int
	}{
		{"brunel 1.5 ms", spec.BuiltinParams{Scale: 0.1, Seed: 21}, maxLag},
		{"brunel 0.2 ms", spec.BuiltinParams{Scale: 0.1, Seed: 22, DelayMS: 0.2}, 1},
		{"brunel fixed point", spec.BuiltinParams{Scale: 0.05, Seed: 23, FixedPoint: true}, maxLag},
	} {
		run := func(threads int, seed uint64) string {
			s, err := spec.Builtin("brunel", tc.p)
			if err != nil {
				t.Fatal(err)
			}
			n := buildOpt(t, s, Options{Threads: threads})
			defer n.Close()
			if got := engineLag(n); got != tc.lag {
				t.Fatalf("%s: engineLag %d, want %d", tc.name, got, tc.lag)
			}
			r := rand.New(rand.NewPCG(seed, 2))
			var out string
			for k, c := range chunks {
				if seed > 0 {
					shuffleCuts(n, r, 5)
				}
				out += runChunk(t, n, c, k%3 == 2)
			}
			return out
		}
		want := run(1, 0)
		for _, threads := range []int{2, 3, 4} {
			for seed := uint64(0); seed <= 2; seed++ {
				if got := run(threads, seed); got != want {
					t.Errorf("%s, %d threads, seed %d:\n got %s\nwant %s", tc.name, threads, seed, got, want)
				}
			}
		}
	}
	s, err := spec.Load("../examples/coba.toml")
	if err != nil {
		t.Fatal(err)
	}
	if lag := engineLag(buildOpt(t, s, Options{Threads: 1})); lag != 0 {
		t.Errorf("coba (delays of one step): engineLag %d, want 0", lag)
	}
	s, err = spec.Load("../examples/features.toml")
	if err != nil {
		t.Fatal(err)
	}
	if lag := engineLag(buildOpt(t, s, Options{Threads: 1})); lag != 0 {
		t.Errorf("features.toml (per-synapse delays): engineLag %d, want 0", lag)
	}
}

// TestEstimateSpikeBuffers: the memory estimate for a threaded build counts
// the spike buffers the engine allocates, with the lag that the spec's
// delays give (estimateLag equals engineLag of the built network).
func TestEstimateSpikeBuffers(t *testing.T) {
	load := func(name string, p spec.BuiltinParams) *spec.Spec {
		var s *spec.Spec
		var err error
		if p.Scale > 0 {
			s, err = spec.Builtin(name, p)
		} else {
			s, err = spec.Load("../examples/" + name + ".toml")
		}
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		s    *spec.Spec
		lag  int
	}{
		{"brunel", load("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 1}), maxLag},
		{"brunel 0.2 ms", load("brunel", spec.BuiltinParams{Scale: 0.1, Seed: 1, DelayMS: 0.2}), 1},
		{"coba", load("coba", spec.BuiltinParams{}), 0},
		{"features", load("features", spec.BuiltinParams{}), 0},
	} {
		if got := estimateLag(tc.s); got != tc.lag {
			t.Errorf("%s: estimateLag %d, want %d", tc.name, got, tc.lag)
		}
		n := buildOpt(t, tc.s, Options{Threads: 1})
		if got := engineLag(n); got != tc.lag {
			t.Errorf("%s: engineLag %d, want %d", tc.name, got, tc.lag)
		}
		var neurons float64
		for _, p := range tc.s.Populations {
			neurons += float64(p.Size)
		}
		one, three := EstimateFor(tc.s, Options{Threads: 1}), EstimateFor(tc.s, Options{Threads: 3})
		if d, want := three.Total-one.Total, 3*float64(spikeBufs(tc.lag))*4*neurons; d != want {
			t.Errorf("%s: 3 threads add %.0f bytes to the estimate, want %.0f (%d spike buffers a worker)", tc.name, d, want, spikeBufs(tc.lag))
		}
	}
}
