package monitor_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

// recSpec is a small network with every monitor kind: a Poisson input with
// lognormal weights onto a cuba E population, a coba I population, and two
// rate monitors with different bins (their rows interleave by step).
const recSpec = `name = "rec"
dt_ms = 0.1
duration_ms = 200
seed = 7

[[population]]
name = "in"
size = 50
identity = "excitatory"
model = "poisson"
rate_hz = 20.0

[[population]]
name = "E"
size = 80
identity = "excitatory"
model = "cuba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -65.0
v_reset_mV = -65.0
v_thresh_mV = -50.0
t_ref_ms = 2.0
theta_step_mV = 0.5
tau_theta_ms = 100.0
init.v_mV = { dist = "uniform", low = -65.0, high = -50.0 }

[[population]]
name = "I"
size = 20
identity = "inhibitory"
model = "coba"
tau_m_ms = 10.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -65.0
v_reset_mV = -65.0
v_thresh_mV = -50.0
t_ref_ms = 1.0
e_rev_e_mV = 0.0
e_rev_i_mV = -80.0
g_leak_nS = 10.0

[[drive]]
target = "E"
identity = "excitatory"
n = 100
rate_hz = 10.0
weight = 2.0

[[projection]]
source = "in"
target = "E"
connectivity = { rule = "fixed_probability", p = 0.3 }
weight = { dist = "lognormal", mu = 0.0, sigma = 0.5 }
delay_ms = { dist = "uniform", low = 0.5, high = 2.0 }

[[projection]]
source = "E"
target = "I"
connectivity = { rule = "fixed_indegree", k = 20 }
weight = 3.0

[[projection]]
source = "I"
target = "E"
connectivity = { rule = "fixed_probability", p = 0.3 }
weight = 1.0

[[monitor]]
kind = "spikes"
populations = ["I", "E"]

[[monitor]]
kind = "spikes"
populations = ["in"]

[[monitor]]
kind = "state"
population = "E"
vars = ["v", "theta"]
neurons = [79, 0, 5]
interval_ms = 0.5

[[monitor]]
kind = "state"
population = "I"
vars = ["gi"]

[[monitor]]
kind = "weights"
projection = "in->E"
interval_ms = 50

[[monitor]]
kind = "weights"
projection = "E->I"

[[monitor]]
kind = "rate"
bin_ms = 5

[[monitor]]
kind = "rate"
populations = ["E"]
bin_ms = 2
`

func buildRec(t testing.TB, text string, threads int) *network.Network {
	t.Helper()
	s, err := spec.Parse([]byte(text), "rec.toml")
	if err != nil {
		t.Fatal(err)
	}
	n, err := network.Build(s, network.Options{Threads: threads, MaxMemory: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// checksum recomputes Result.SpikeChecksum from a spike table (sorted by
// step, population index, neuron, the order the engine hashes in).
func checksum(sp *traces.SpikeTable, order []string) string {
	idx := map[string]uint32{}
	for i, n := range order {
		idx[n] = uint32(i)
	}
	h := uint64(fnvOffset)
	var buf [16]byte
	for i := range sp.Step {
		binary.LittleEndian.PutUint64(buf[:8], uint64(sp.Step[i]))
		binary.LittleEndian.PutUint32(buf[8:12], idx[sp.Populations[sp.Pop[i]]])
		binary.LittleEndian.PutUint32(buf[12:16], uint32(sp.Neuron[i]))
		for _, c := range buf {
			h = (h ^ uint64(c)) * fnvPrime
		}
	}
	return fmt.Sprintf("%016x", h)
}

func TestRecorderAllKinds(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			n := buildRec(t, recSpec, threads)
			dir := t.TempDir()
			// Initial values, to compare with the first state sample.
			v0 := []float32{n.Population("E").State.V[79], n.Population("E").State.V[0], n.Population("E").State.V[5]}
			rec, err := monitor.Open(dir, n, monitor.Options{Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			const steps = 2000
			r, err := n.RunSteps(context.Background(), steps, rec.Monitors()...)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Close(false); err != nil {
				t.Fatal(err)
			}
			sp, err := traces.ReadSpikes(dir)
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int64{}
			for _, p := range sp.Pop {
				counts[sp.Populations[p]]++
			}
			for name, pr := range r.Populations {
				if counts[name] != pr.Spikes {
					t.Errorf("population %s: %d spikes in the trace, %d in the result", name, counts[name], pr.Spikes)
				}
			}
			if got := checksum(sp, r.Order()); got != r.SpikeChecksum {
				t.Errorf("checksum of the trace %s, of the run %s", got, r.SpikeChecksum)
			}
			m := sp.Meta
			if m.Status != traces.StatusComplete || m.LastStep != steps-1 || m.Seed != 7 || m.DtMS != 0.1 ||
				m.Threads != threads || m.Version != "test" || !strings.Contains(m.Spec, `name = "rec"`) {
				t.Errorf("meta: %+v", m)
			}
			if len(m.Projections) != 3 || m.Projections[2].Sign != -1 || m.Projections[0].Sign != 1 || m.Populations[2].Identity != "inhibitory" {
				t.Errorf("meta populations/projections: %+v %+v", m.Populations, m.Projections)
			}

			st, err := traces.ReadStates(dir)
			if err != nil {
				t.Fatal(err)
			}
			// E: 3 neurons x 2 vars every 5 steps (400 samples); I: 20 neurons x gi every step.
			if want := 400*3*2 + steps*20; st.Len() != want {
				t.Errorf("%d state rows, want %d", st.Len(), want)
			}
			var firstV []float32
			for i := range st.Step {
				if st.Step[i] >= steps {
					t.Fatalf("state sample at step %d after the last step", st.Step[i])
				}
				pop, v := st.Populations[st.Pop[i]], st.Vars[st.Var[i]]
				if pop == "E" && st.Step[i]%5 != 0 {
					t.Fatalf("E sample at step %d, want multiples of 5", st.Step[i])
				}
				if pop == "E" && v == "v" && st.Step[i] == 0 {
					firstV = append(firstV, st.Value[i])
				}
			}
			if fmt.Sprint(firstV) != fmt.Sprint(v0) {
				t.Errorf("first v samples %v, initial v %v", firstV, v0)
			}

			wt, err := traces.ReadWeights(dir)
			if err != nil {
				t.Fatal(err)
			}
			for pi, name := range wt.Projections {
				if name == "I->E" {
					continue // not recorded
				}
				p := n.Projection(name)
				steps := map[int64]int{}
				for i := range wt.Step {
					if int(wt.Proj[i]) == pi {
						steps[wt.Step[i]]++
					}
				}
				want := map[int64]int{0: p.Len(), 1999: p.Len()}
				if name == "in->E" {
					want = map[int64]int{0: p.Len(), 500: p.Len(), 1000: p.Len(), 1500: p.Len(), 1999: p.Len()}
				}
				if fmt.Sprint(steps) != fmt.Sprint(want) {
					t.Errorf("%s: snapshots (step: rows) %v, want %v", name, steps, want)
				}
				w, _, _ := wt.Snapshot(pi, math.MaxInt64)
				for k := range w {
					if float32(w[k]) != p.Weight(k) {
						t.Fatalf("%s: synapse %d weight %v in the trace, %v in the network", name, k, w[k], p.Weight(k))
					}
				}
			}
			k := 0
			for i := range wt.Step {
				if wt.Projections[wt.Proj[i]] == "E->I" && wt.Step[i] == 0 {
					tg, first := n.Projection("E->I").Row(int(wt.Pre[i]))
					if k < first || k >= first+len(tg) || tg[k-first] != wt.Post[i] || wt.Sign[i] != 1 {
						t.Fatalf("E->I row %d: pre %d post %d sign %d does not match the CSR", k, wt.Pre[i], wt.Post[i], wt.Sign[i])
					}
					k++
				}
			}

			rt, err := traces.ReadRates(dir)
			if err != nil {
				t.Fatal(err)
			}
			// Every bin's spikes add up to the population's count, per bin width.
			type key struct {
				pop string
				bin float64
			}
			sum := map[key]float64{}
			rows := map[key]int{}
			for i := range rt.Step {
				if i > 0 && rt.Step[i] < rt.Step[i-1] {
					t.Fatalf("rates not sorted by step at row %d", i)
				}
				pop := rt.Populations[rt.Pop[i]]
				nominal := 5.0
				if rt.BinMS[i] <= 2 {
					nominal = 2
				}
				k := key{pop, nominal}
				sum[k] += float64(rt.RateHz[i]) * rt.BinMS[i] / 1000 * float64(n.Population(pop).Len())
				rows[k]++
			}
			for k, s := range sum {
				if want := float64(r.Populations[k.pop].Spikes); math.Abs(s-want) > 1e-3*want+0.5 {
					t.Errorf("%v: rates add up to %g spikes, want %g", k, s, want)
				}
			}
			if rows[key{"E", 2}] != 100 || rows[key{"E", 5}] != 40 || rows[key{"in", 5}] != 40 {
				t.Errorf("rate rows %v", rows)
			}
		})
	}
}

// TestRecorderInterrupted cancels the run after some steps: the files are
// closed as interrupted, with every spike up to the last step and no
// state sample after it.
func TestRecorderInterrupted(t *testing.T) {
	n := buildRec(t, recSpec, 2)
	dir := t.TempDir()
	rec, err := monitor.Open(dir, n, monitor.Options{Partition: true, RunID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopAt := network.MonitorFunc(func(step int64, _ *network.Network) error {
		if step == 1234 {
			cancel()
		}
		return nil
	})
	r, err := n.RunSteps(ctx, 100000, append(rec.Monitors(), stopAt)...)
	if err != nil || !r.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, r.Interrupted)
	}
	if err := rec.Close(true); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run=x")
	sp, err := traces.ReadSpikes(run)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Meta.Status != traces.StatusInterrupted || sp.Meta.LastStep != 1234 || r.Steps != 1235 {
		t.Fatalf("status %q last step %d, steps %d", sp.Meta.Status, sp.Meta.LastStep, r.Steps)
	}
	if got := checksum(sp, r.Order()); got != r.SpikeChecksum {
		t.Errorf("checksum of the trace %s, of the run %s", got, r.SpikeChecksum)
	}
	st, err := traces.ReadStates(run)
	if err != nil {
		t.Fatal(err)
	}
	if last := st.Step[st.Len()-1]; last != 1234 {
		t.Errorf("last state sample at step %d, want 1234", last)
	}
	rt, err := traces.ReadRates(run)
	if err != nil {
		t.Fatal(err)
	}
	// The last bins are partial: 1235 steps = 61 bins of 20 steps + 15 steps.
	var partial float64
	for i := range rt.Step {
		if rt.Step[i] == 1220 && rt.Populations[rt.Pop[i]] == "E" && rt.BinMS[i] < 2 {
			partial = rt.BinMS[i]
		}
	}
	if math.Abs(partial-1.5) > 1e-9 {
		t.Errorf("partial 2 ms bin at step 1220 has width %g ms, want 1.5", partial)
	}
}

func TestRecorderDefaultAllSpikes(t *testing.T) {
	text := recSpec[:strings.Index(recSpec, "[[monitor]]")]
	n := buildRec(t, text, 1)
	dir := t.TempDir()
	rec, err := monitor.Open(dir, n, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := n.RunSteps(context.Background(), 500, rec.Monitors()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(false); err != nil {
		t.Fatal(err)
	}
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if checksum(sp, r.Order()) != r.SpikeChecksum || len(sp.Populations) != 3 {
		t.Errorf("default recording differs from the run (populations %v)", sp.Populations)
	}
	for _, tab := range []func(string) error{
		func(d string) error { _, err := traces.ReadStates(d); return err },
		func(d string) error { _, err := traces.ReadWeights(d); return err },
		func(d string) error { _, err := traces.ReadRates(d); return err },
	} {
		if err := tab(dir); err == nil {
			t.Error("a table other than spikes was recorded by default")
		}
	}
}

func TestRecorderMonitorErrors(t *testing.T) {
	base := recSpec[:strings.Index(recSpec, "[[monitor]]")]
	for _, c := range []struct{ mon, want string }{
		{"kind = \"spikes\"\nvars = [\"v\"]", `rec.toml:73: monitor #1 (spikes): vars: a spikes monitor does not take it`},
		{"kind = \"spikes\"\nbin_ms = 1.0", `bin_ms: a spikes monitor does not take it`},
		{"kind = \"rate\"\npopulation = \"nope\"", `population = "nope"`},
		{"kind = \"weights\"\nprojection = \"in->E\"\nneurons = [1]", `neurons: a weights monitor does not take it`},
	} {
		s, err := spec.Parse([]byte(base+"[[monitor]]\n"+c.mon+"\n"), "rec.toml")
		if err == nil {
			var n *network.Network
			n, err = network.Build(s, network.Options{MaxMemory: 1 << 30})
			if err == nil {
				_, err = monitor.Open(t.TempDir(), n, monitor.Options{})
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("monitor %q: error %v, want %q", c.mon, err, c.want)
		}
		if err != nil && !spec.IsError(err) {
			t.Errorf("monitor %q: %v is not a spec error", c.mon, err)
		}
	}
}

// TestRecorderObserveNoAlloc: recording spikes, state and rates allocates
// nothing per step once running (buffers large enough not to flush).
func TestRecorderObserveNoAlloc(t *testing.T) {
	n := buildRec(t, recSpec, 1)
	// No weight monitor: its snapshots run only at the first and last steps anyway.
	var entries []spec.Monitor
	for _, m := range n.Spec().Monitors {
		if m.Kind != "weights" {
			entries = append(entries, m)
		}
	}
	rec, err := monitor.Open(t.TempDir(), n, monitor.Options{Monitors: entries, BatchRows: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close(false)
	ctx := context.Background()
	mons := rec.Monitors()
	n.Advance(ctx, 100, mons...)
	// The engine's own step may allocate; the monitors must add nothing.
	base := testing.AllocsPerRun(200, func() { n.Advance(ctx, 1) })
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := n.Advance(ctx, 1, mons...); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != base {
		t.Errorf("%.2f allocations per step with the monitors, %.2f without", allocs, base)
	}
}

// BenchmarkRecordBrunel measures what recording every spike of the Brunel
// AI network (full size, 2 threads) adds to the simulation. Each op runs
// 1000 steps (100 ms) without recording and 1000 steps with each recording
// mode (async: the default; sync: encoding on the simulation goroutine), in
// rotating order, so that the load of a shared machine hits every mode
// alike; it reports the median over ops of each mode's time relative to the
// unrecorded steps. DALESIM_BENCH_DIR puts the files elsewhere than the
// temporary directory (e.g. /dev/shm, to leave the disk out).
//
//	go test ./monitor -run '^$' -bench RecordBrunel -benchtime 20x
func BenchmarkRecordBrunel(b *testing.B) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{})
	if err != nil {
		b.Fatal(err)
	}
	n, err := network.Build(s, network.Options{Threads: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	n.RunSteps(context.Background(), 2000) // past the onset transient
	dir := b.TempDir()
	if d := os.Getenv("DALESIM_BENCH_DIR"); d != "" {
		dir, _ = os.MkdirTemp(d, "bench")
		defer os.RemoveAll(dir)
	}
	names := []string{"off", "async", "sync"}
	recs := []*monitor.Recording{nil}
	for _, o := range []monitor.Options{{}, {Synchronous: true}} {
		rec, err := monitor.Open(filepath.Join(dir, fmt.Sprint(len(recs))), n, o)
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
	ratios := make([][]float64, len(recs))
	var spikes int64
	b.ResetTimer()
	for i := range b.N {
		var dur [3]float64
		for k := range recs {
			m := (i + k) % len(recs)
			var mons []network.Monitor
			if recs[m] != nil {
				mons = recs[m].Monitors()
			}
			n.ResetStats()
			r, err := n.RunSteps(context.Background(), 1000, mons...)
			if err != nil {
				b.Fatal(err)
			}
			dur[m] = r.WallSeconds
			if m == 0 {
				for _, p := range r.Populations {
					spikes += p.Spikes
				}
			}
		}
		for m := range recs {
			ratios[m] = append(ratios[m], dur[m]/dur[0])
		}
	}
	b.StopTimer()
	for m, rec := range recs {
		if rec != nil {
			if err := rec.Close(false); err != nil {
				b.Fatal(err)
			}
			slices.Sort(ratios[m])
			b.ReportMetric(100*(ratios[m][len(ratios[m])/2]-1), names[m]+"-overhead-%")
		}
	}
	b.ReportMetric(float64(spikes)/float64(b.N), "spikes/100ms")
}
