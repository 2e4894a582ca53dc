package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/internal/tracetest"
	"dalesim/traces"
)

func TestAnalyze(t *testing.T) {
	const seed = 8
	tr := tracetest.NewRun(seed, 5000) // 500 ms, 1000 neurons, 5 spikes per step: ~50 Hz
	dir := t.TempDir()
	tr.Record(t, dir, tracetest.AllTables(traces.Options{}), -1)
	a, err := Analyze(dir, AnalyzeOptions{PairsSample: 100, FanoWindowMS: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Populations) != 2 || a.ToMS != 500 || a.FromMS != 0 {
		t.Fatalf("analysis %+v", a)
	}
	want := tr.SpikeSums()
	for _, p := range a.Populations {
		if int64(p.Spikes) != want[p.Name][0] {
			t.Errorf("%s: %d spikes, wrote %d", p.Name, p.Spikes, want[p.Name][0])
		}
		// Uniform random neurons per step: Poisson-like trains at ~50 Hz
		// (~25 spikes per neuron, so CV is biased a little low).
		if math.Abs(p.MeanRateHz-50) > 3 || math.Abs(p.ISI.CV-1) > 0.1 || math.Abs(p.ISI.LV-1) > 0.1 ||
			math.Abs(p.Fano-1) > 0.15 || math.Abs(p.Corr) > 0.03 || p.CorrPairs != 100 {
			t.Errorf("seed %d: %s: %+v", seed, p.Name, p)
		}
	}
	if len(a.Weights) != 4 || a.Weights[2].Sign != -1 || a.Weights[0].Step != 2500 || a.Weights[0].Stats.N != 300 {
		t.Fatalf("weights %+v", a.Weights)
	}
	if a.CCG == nil || a.CCG.A.Population != "E" || a.CCG.B.Population != "I" || len(a.CCG.CCG.Counts) != 101 {
		t.Fatalf("ccg %+v", a.CCG)
	}

	var text bytes.Buffer
	if err := a.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"mean rate (Hz)", "CV ISI", "sync chi (1 ms)", "E->E", "lognormal", "cross-correlogram E x I"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text output lacks %q:\n%s", s, text.String())
		}
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if pops := back["populations"].([]any); len(pops) != 2 {
		t.Fatalf("json populations %v", pops)
	}

	out := filepath.Join(t.TempDir(), "summary.parquet")
	if err := a.WriteParquet(out); err != nil {
		t.Fatal(err)
	}
	if err := a.WriteParquet(out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second WriteParquet: %v", err)
	}
	rows := tracetest.DuckDBOrNil(t, "SELECT count(*) AS n, count(value) AS v FROM read_parquet('"+tracetest.SQLPath(out)+"') WHERE scope = 'population'")
	if rows != nil && tracetest.Num(t, rows[0]["n"]) != 40 {
		t.Errorf("DuckDB reads summary %v", rows)
	}
}

func TestAnalyzeSilentAndNaNJSON(t *testing.T) {
	dir := t.TempDir()
	rec, err := traces.Create(dir, traces.Options{Spikes: true}, tracetest.BrunelMeta(1))
	if err != nil {
		t.Fatal(err)
	}
	rec.Spikes(10, 0, []int32{5})
	rec.Close(traces.Status{LastStep: 999})
	a, err := Analyze(dir, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(a.Populations[1].ISI.CV) || a.Populations[1].Rates.FractionSilent != 1 {
		t.Errorf("silent population: %+v", a.Populations[1])
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("json with NaN: %v", err)
	}
	if !strings.Contains(string(b), `"cv_isi":null`) {
		t.Errorf("NaN not written as null: %s", b)
	}
	var text bytes.Buffer
	a.WriteText(&text)
	if !strings.Contains(text.String(), "100.0%") {
		t.Errorf("text: %s", text.String())
	}
}
