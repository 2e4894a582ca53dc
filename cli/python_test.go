package cli

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/internal/pyenv"
	"dalesim/traces"
)

//go:embed testdata/readme_python.py
var readmePythonScript string

// readmePythonBlocks returns the ```python code blocks of README.md, as
// they are written there.
func readmePythonBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && trimmed == "```python":
			cur = &strings.Builder{}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(l)
		}
	}
	return blocks
}

// TestReadmePython runs README.md's Python snippets verbatim (pandas with
// pyarrow, and polars) on runs made with the CLI at the paths they name: a
// flat run with its analysis (runs/ai), a run with every table (demo) and a
// partitioned sweep of two analysed runs (sweep/run=g4, sweep/run=g5). What
// each snippet reads must equal what package traces reads: rows, spikes per
// population and run, the metadata, states, weights and rates.
func TestReadmePython(t *testing.T) {
	blocks := readmePythonBlocks(t)
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d python blocks, want the pandas and the polars one", len(blocks))
	}
	py := pyenv.Require(t, "pandas", "pyarrow", "polars")
	dir := t.TempDir()
	cli := func(args ...string) {
		t.Helper()
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Fatalf("dalesim %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
	}
	at := func(p string) string { return filepath.Join(dir, p) }
	cli("bench", "brunel", "--scale", "0.1", "--duration", "200", "--threads", "1", "--out", at("runs/ai"))
	cli("analyze", at("runs/ai"))
	cli("run", tracesSpec, "--duration", "200", "--threads", "1", "--out", at("demo"))
	for _, g := range []string{"4", "5"} {
		cli("bench", "brunel", "--scale", "0.1", "--g", g, "--duration", "100", "--threads", "1", "--out", at("sweep"), "--run-id", "g"+g)
		cli("analyze", at("sweep/run=g"+g))
	}

	// What package traces reads.
	want := map[string]any{}
	ai, err := traces.ReadSpikes(at("runs/ai"))
	if err != nil {
		t.Fatal(err)
	}
	want["ai_spikes"] = ai.Len()
	want["ai_max_t_ms"] = ai.TimeMS(ai.Len() - 1)
	want["ai_by_population"] = spikeCounts(ai)
	want["dt_ms"] = ai.Meta.DtMS
	want["populations"] = ai.Meta.Populations
	st, err := traces.ReadStates(at("demo"))
	if err != nil {
		t.Fatal(err)
	}
	samples := map[[3]int64]bool{}
	sumV := 0.0
	for i := range st.Step {
		samples[[3]int64{st.Step[i], int64(st.Pop[i]), int64(st.Neuron[i])}] = true
		if st.Vars[st.Var[i]] == "v" {
			sumV += float64(st.Value[i])
		}
	}
	want["state_samples"], want["state_vars"], want["state_sum_v"] = len(samples), st.Vars, sumV
	w, err := traces.ReadWeights(at("demo"))
	if err != nil {
		t.Fatal(err)
	}
	sumW, byProj := 0.0, map[string]int{}
	for i := range w.Weight {
		sumW += float64(w.Weight[i])
		byProj[w.Projections[w.Proj[i]]]++
	}
	want["weight_rows"], want["weight_sum"], want["weights_by_projection"] = len(w.Weight), sumW, byProj
	r, err := traces.ReadRates(at("demo"))
	if err != nil {
		t.Fatal(err)
	}
	sumR := 0.0
	for _, v := range r.RateHz {
		sumR += float64(v)
	}
	want["rate_rows"], want["rate_sum"] = len(r.RateHz), sumR
	sweep := map[string]map[string]int64{}
	for _, id := range []string{"g4", "g5"} {
		sp, err := traces.ReadSpikes(at("sweep/run=" + id))
		if err != nil {
			t.Fatal(err)
		}
		sweep[id] = spikeCounts(sp)
	}
	want["sweep_by_run_population"] = sweep
	wantJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(t.TempDir(), "want.json")
	os.WriteFile(wantPath, wantJSON, 0o644)

	args := []string{dir, wantPath}
	for i, b := range blocks {
		p := filepath.Join(filepath.Dir(wantPath), fmt.Sprintf("block%d.py", i+1))
		os.WriteFile(p, []byte(b), 0o644)
		args = append(args, p)
	}
	out := pyenv.Run(t, py, readmePythonScript, args...)
	t.Logf("README python blocks:\n%s", out)
	if strings.Contains(out, "MISMATCH") || strings.Contains(out, "FAILED") || !strings.Contains(out, fmt.Sprintf("block %d:", len(blocks))) {
		t.Errorf("README python snippets do not read what package traces reads:\n%s", out)
	}
}
