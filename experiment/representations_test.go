package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/learn"
	"dalesim/mnist"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestSparsenessHandMade(t *testing.T) {
	if s := sparseness([]float64{0, 0, 5, 0}); !near(s, 1) {
		t.Errorf("one neuron active: S = %v, want 1", s)
	}
	if s := sparseness([]float64{3, 3, 3, 3}); !near(s, 0) {
		t.Errorf("all equal: S = %v, want 0", s)
	}
	// r = (1, 0, 1, 0): a = (2/4)^2/(2/4) = 0.5, S = (1-0.5)/(1-1/4) = 2/3.
	if a := activityRatio([]float64{1, 0, 1, 0}); !near(a, 0.5) {
		t.Errorf("a = %v, want 0.5", a)
	}
	if s := sparseness([]float64{1, 0, 1, 0}); !near(s, 2.0/3) {
		t.Errorf("S = %v, want 2/3", s)
	}
	if s := sparseness([]float64{0, 0}); !math.IsNaN(s) {
		t.Errorf("silent: S = %v, want NaN", s)
	}
	// resp[stimulus][neuron]: neuron 0 answers only stimulus 0, neuron 1 all equally, neuron 2 never.
	resp := [][]float64{{2, 1, 0}, {0, 1, 0}, {0, 1, 0}}
	life := lifetimeSparseness(resp)
	if !near(life[0], 1) || !near(life[1], 0) || !math.IsNaN(life[2]) {
		t.Errorf("lifetime sparseness = %v, want [1 0 NaN]", life)
	}
	pop := populationSparseness(resp)
	// stimulus 0: (2,1,0): a = 1/(5/3) = 0.6, S = 0.4/(2/3) = 0.6; stimuli 1, 2: one of three active: 1.
	if !near(pop[0], 0.6) || !near(pop[1], 1) || !near(pop[2], 1) {
		t.Errorf("population sparseness = %v, want [0.6 1 1]", pop)
	}
	if m := nanMean(life); !near(m, 0.5) {
		t.Errorf("mean lifetime sparseness = %v, want 0.5 (silent neuron skipped)", m)
	}
}

func TestClassSelectivityAndCorrelations(t *testing.T) {
	// Classes 1, 2, 6; two samples each. Neuron 0 only for class 2; neuron 1
	// equal for all; neuron 2: means 4, 2, 0 (prefers class 1); neuron 3 silent.
	labels := []int{1, 1, 2, 2, 6, 6}
	resp := [][]float64{{0, 1, 4, 0}, {0, 1, 4, 0}, {3, 1, 2, 0}, {1, 1, 2, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}}
	sel, pref := classSelectivity(resp, labels, []int{1, 2, 6})
	want := []float64{1, 0, (4 - 1.0) / (4 + 1.0)}
	for j, w := range want {
		if !near(sel[j], w) {
			t.Errorf("selectivity[%d] = %v, want %v", j, sel[j], w)
		}
	}
	if !math.IsNaN(sel[3]) || pref[3] != -1 || pref[0] != 1 || pref[2] != 0 {
		t.Errorf("pref = %v, sel = %v", pref, sel)
	}
	if r := pearson([]float64{1, 2, 3}, []float64{2, 4, 6}); !near(r, 1) {
		t.Errorf("pearson = %v", r)
	}
	if r := spearman([]float64{1, 2, 3, 4}, []float64{10, 20, 30, 1000}); !near(r, 1) {
		t.Errorf("spearman = %v", r)
	}
	if r := spearman([]float64{1, 2, 3}, []float64{3, 2, 1}); !near(r, -1) {
		t.Errorf("spearman = %v", r)
	}
	if rk := ranks([]float64{5, 1, 5, 2}); rk[0] != 3.5 || rk[1] != 1 || rk[2] != 3.5 || rk[3] != 2 {
		t.Errorf("ranks = %v", rk)
	}
	// The Song et al. reference integrates to 1 over log10 x.
	d := songDensity(0.07)
	var s float64
	for u := -6.0; u < 4; u += 1e-3 {
		s += d.PDF(u) * 1e-3
	}
	if math.Abs(s-1) > 1e-3 {
		t.Errorf("reference density integrates to %v", s)
	}
}

// TestHiddenUpdateRejected: a bad hidden_rule.update is rejected with an
// error naming the field, the value and the rule.
func TestHiddenUpdateRejected(t *testing.T) {
	s, err := learn.DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	s.Training.HiddenRule.Update = "exponential"
	err = learn.Configure(s, 30, 1)
	if err == nil || !strings.Contains(err.Error(), "hidden_rule.update") || !strings.Contains(err.Error(), `"exponential"`) ||
		!strings.Contains(err.Error(), `"multiplicative"`) {
		t.Fatalf("update = \"exponential\": err = %v, want an error naming field, value and the allowed values", err)
	}
	s, _ = learn.DefaultSpec()
	s.Training.HiddenRule.Update = "multiplicative"
	if err := learn.Configure(s, 30, 1); err != nil {
		t.Fatal(err)
	}
	if u := s.Training.Params().Update.String(); u != "multiplicative" {
		t.Errorf("Params().Update = %s", u)
	}
	s, _ = learn.DefaultSpec()
	if u := s.Training.Params().Update.String(); u != "additive" {
		t.Errorf("default Params().Update = %s, want additive", u)
	}
}

func TestRepresentationsQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := mnist.Locate(""); err != nil {
		t.Skipf("MNIST not found (%v): skipping the end-to-end run", err)
	}
	dir := t.TempDir()
	if err := Run(context.Background(), "representations", Options{Out: dir, Quick: true, Threads: 1, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Hidden-layer statistics", "Resource allocation", "Conclusions", "0.9355"} {
		if !strings.Contains(string(rep), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	for _, f := range []string{"repr-rf-digits-126-rule.png", "repr-rf-digits-126-rule-multiplicative.png", "repr-weights-digits-126.png", "repr-allocation-digits-126.png", "results.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	rs, err := ReadResults(filepath.Join(dir, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	acc := map[string]int{}
	for _, r := range rs {
		if r.Metric == "accuracy" {
			acc[r.Model]++
			if !(r.Value > 0.34) {
				t.Errorf("%s seed %d: accuracy %.3f, not above chance", r.Model, r.Seed, r.Value)
			}
		}
	}
	for _, m := range reprModels {
		if acc[m] != 2 {
			t.Errorf("%s: %d accuracy rows, want 2 (seeds)", m, acc[m])
		}
	}
}
