package baseline

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string // "" means valid
	}{
		{"defaults", Config{Hidden: 10}, ""},
		{"tanh", Config{Hidden: 10, Activation: Tanh, NonNeg: true, L1: 0.1}, ""},
		{"no hidden", Config{}, "Hidden"},
		{"negative inputs", Config{Hidden: 1, Inputs: -1}, "Inputs"},
		{"one class", Config{Hidden: 1, Classes: 1}, "Classes"},
		{"activation", Config{Hidden: 1, Activation: 7}, "Activation"},
		{"epochs", Config{Hidden: 1, Epochs: -1}, "Epochs"},
		{"batch", Config{Hidden: 1, Batch: -3}, "Batch"},
		{"lr", Config{Hidden: 1, LR: math.NaN()}, "LR"},
		{"beta1", Config{Hidden: 1, Beta1: 1}, "Beta1"},
		{"beta2", Config{Hidden: 1, Beta2: -0.5}, "Beta2"},
		{"epsilon", Config{Hidden: 1, Epsilon: math.Inf(1)}, "Epsilon"},
		{"l1", Config{Hidden: 1, L1: -1}, "L1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("New(%+v): %v, want no error", tc.cfg, err)
			case tc.field != "" && (err == nil || !strings.Contains(err.Error(), "Config."+tc.field)):
				t.Fatalf("New(%+v): error %v, want one naming Config.%s", tc.cfg, err, tc.field)
			}
		})
	}
}

func TestDataErrors(t *testing.T) {
	m := mustNew(t, Config{Inputs: 3, Hidden: 2, Classes: 2})
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		x      []float32
		labels []int
		want   string
	}{
		{"length", make([]float32, 5), []int{0, 1}, "6"},
		{"label", make([]float32, 6), []int{0, 2}, "labels[1] = 2"},
		{"negative label", make([]float32, 3), []int{-1}, "labels[0] = -1"},
	} {
		if err := m.Train(ctx, tc.x, tc.labels, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Train error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if err := m.Train(ctx, nil, nil, nil); !errors.Is(err, ErrNoData) {
		t.Errorf("Train on no data: %v, want ErrNoData", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Train(cctx, make([]float32, 3), []int{0}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context: %v, want context.Canceled", err)
	}
}

// gradTol bounds the relative difference between backprop and central
// finite differences (step fdStep) in float64.
const (
	gradTol = 1e-6
	fdStep  = 1e-5
)

// TestGradients compares the backprop weight, bias and input gradients
// of a tiny net with central finite differences of the loss.
func TestGradients(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"relu", Config{Inputs: 6, Hidden: 5, Classes: 3, Seed: 11}},
		{"tanh", Config{Inputs: 6, Hidden: 5, Classes: 4, Activation: Tanh, Seed: 12}},
		{"nonneg", Config{Inputs: 6, Hidden: 5, Classes: 3, NonNeg: true, Seed: 13}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustNew(t, tc.cfg)
			c := m.Config()
			// Random biases so that not all ReLUs share a sign pattern.
			for i := range m.b1 {
				m.b1[i] = 0.3 * math.Sin(float64(3*i+1))
			}
			x, labels := synthetic(tc.cfg.Seed, 7, c.Inputs, c.Classes, 0.5, 0.3)
			w := m.newWork(len(labels))
			idx := make([]int, len(labels))
			for i := range idx {
				idx[i] = i
			}
			m.load(w, x, idx)
			m.forward(w)
			m.backward(w, labels)
			grads := [4][]float64{w.gw1.RawMatrix().Data, w.gb1, w.gw2.RawMatrix().Data, w.gb2}
			names := [4]string{"w1", "b1", "w2", "b2"}
			for k, p := range m.params() {
				for i := range p {
					old := p[i]
					p[i] = old + fdStep
					up := m.Loss(x, labels)
					p[i] = old - fdStep
					down := m.Loss(x, labels)
					p[i] = old
					fd := (up - down) / (2 * fdStep)
					if !closeTo(grads[k][i], fd, gradTol) {
						t.Errorf("seed %d: d loss/d %s[%d] = %.10g by backprop, %.10g by finite differences (tol %g)",
							tc.cfg.Seed, names[k], i, grads[k][i], fd, gradTol)
					}
				}
			}
			// Input gradient of one sample's cross-entropy.
			for s, l := range labels {
				xs := toF64(x[s*c.Inputs : (s+1)*c.Inputs])
				g := m.InputGradient(xs, l)
				ce := func(v []float64) float64 {
					z := m.Logits(v)
					softmax(z)
					return -math.Log(z[l])
				}
				for i := range xs {
					old := xs[i]
					xs[i] = old + fdStep
					up := ce(xs)
					xs[i] = old - fdStep
					down := ce(xs)
					xs[i] = old
					fd := (up - down) / (2 * fdStep)
					if !closeTo(g[i], fd, gradTol) {
						t.Errorf("seed %d: sample %d: dL/dx[%d] = %.10g by backprop, %.10g by finite differences (tol %g)",
							tc.cfg.Seed, s, i, g[i], fd, gradTol)
					}
				}
			}
		})
	}
}

// train trains a fresh model on x and fails the test on error.
func train(tb testing.TB, cfg Config, x []float32, labels []int) *MLP {
	tb.Helper()
	m := mustNew(tb, cfg)
	if err := m.Train(context.Background(), x, labels, nil); err != nil {
		tb.Fatalf("seed %d: Train: %v", cfg.Seed, err)
	}
	return m
}

// TestDeterminism: the same seed gives bitwise identical parameters, also
// with one thread instead of several (gonum's parallel Dgemm splits the
// output, never the sum); different seeds give different parameters.
func TestDeterminism(t *testing.T) {
	// Large enough (784 x 64 gradient) for gonum to go parallel.
	x, labels := synthetic(5, 300, 784, 10, 0.2, 0.1)
	cfg := Config{Hidden: 64, Epochs: 2, Batch: 32, Seed: 7}
	a := train(t, cfg, x, labels)
	prev := runtime.GOMAXPROCS(1)
	b := train(t, cfg, x, labels)
	runtime.GOMAXPROCS(prev)
	for k, p := range a.params() {
		if ok, i := sameBits(p, b.params()[k]); !ok {
			t.Fatalf("seed %d: parameter block %d differs at %d between two runs (GOMAXPROCS %d and 1)", cfg.Seed, k, i, prev)
		}
	}
	cfg2 := cfg
	cfg2.Seed = 8
	c := train(t, cfg2, x, labels)
	if ok, _ := sameBits(a.w1, c.w1); ok {
		t.Fatalf("seeds %d and %d gave identical input weights", cfg.Seed, cfg2.Seed)
	}
}

// TestSequentialTraining: Train continues from the current weights,
// optimiser state and epoch count, so two one-epoch calls equal one
// two-epoch call bitwise; and a clone trains independently.
func TestSequentialTraining(t *testing.T) {
	x, labels := synthetic(9, 120, 20, 3, 0.4, 0.2)
	cfg := Config{Inputs: 20, Hidden: 8, Classes: 3, Epochs: 1, Batch: 16, Seed: 3}
	once := mustNew(t, Config{Inputs: 20, Hidden: 8, Classes: 3, Epochs: 2, Batch: 16, Seed: 3})
	if err := once.Train(context.Background(), x, labels, nil); err != nil {
		t.Fatal(err)
	}
	twice := train(t, cfg, x, labels)
	snapshot := twice.Clone()
	if err := twice.Train(context.Background(), x, labels, nil); err != nil {
		t.Fatal(err)
	}
	if twice.Epochs() != 2 {
		t.Errorf("Epochs() = %d after two one-epoch Train calls, want 2", twice.Epochs())
	}
	for k, p := range once.params() {
		if ok, i := sameBits(p, twice.params()[k]); !ok {
			t.Fatalf("seed %d: block %d: two one-epoch Train calls differ from one two-epoch call at %d", cfg.Seed, k, i)
		}
	}
	if ok, _ := sameBits(snapshot.w1, twice.w1); ok {
		t.Fatalf("seed %d: the clone changed when the original trained", cfg.Seed)
	}
	// Class-incremental: training only on class 2 afterwards still uses
	// the same three outputs and moves the model towards class 2.
	var x2 []float32
	var l2 []int
	for i, l := range labels {
		if l == 2 {
			x2 = append(x2, x[i*20:(i+1)*20]...)
			l2 = append(l2, l)
		}
	}
	if err := twice.FineTune(context.Background(), x2, l2, 5, nil); err != nil {
		t.Fatal(err)
	}
	const minAcc = 0.95
	if acc := twice.Accuracy(x2, l2); acc < minAcc {
		t.Errorf("seed %d: accuracy on class 2 after training on it alone = %g, want >= %g", cfg.Seed, acc, minAcc)
	}
}

// TestNonNeg: every weight is >= 0 after training, the classifier still
// works, and an L1 penalty leaves more exact zeros than none.
func TestNonNeg(t *testing.T) {
	const (
		seed   = 21
		lambda = 0.5
		minAcc = 0.9 // on a separable synthetic set
	)
	x, labels := synthetic(seed, 600, 64, 4, 0.3, 0.1)
	zeros := map[float64]int{}
	for _, l1 := range []float64{0, lambda} {
		cfg := Config{Inputs: 64, Hidden: 16, Classes: 4, Epochs: 20, NonNeg: true, L1: l1, Seed: seed}
		m := train(t, cfg, x, labels)
		for k, p := range [][]float64{m.w1, m.w2} {
			for i, w := range p {
				if w < 0 {
					t.Fatalf("seed %d, L1 %g: weight matrix %d entry %d = %g < 0", seed, l1, k+1, i, w)
				}
			}
		}
		if acc := m.Accuracy(x, labels); acc < minAcc {
			t.Errorf("seed %d, L1 %g: training accuracy %g < %g", seed, l1, acc, minAcc)
		}
		_, nz := m.NonZero()
		zeros[l1] = len(m.w1) + len(m.w2) - nz
	}
	if zeros[lambda] <= zeros[0] {
		t.Errorf("seed %d: %d zero weights with L1 %g, %d without: want more with", seed, zeros[lambda], lambda, zeros[0])
	}
}

// TestL1Plain: the proximal step also sparsifies a sign-unconstrained net.
func TestL1Plain(t *testing.T) {
	const seed = 22
	x, labels := synthetic(seed, 300, 64, 4, 0.3, 0.1)
	plain := train(t, Config{Inputs: 64, Hidden: 16, Classes: 4, Epochs: 3, Seed: seed}, x, labels)
	sparse := train(t, Config{Inputs: 64, Hidden: 16, Classes: 4, Epochs: 3, L1: 0.5, Seed: seed}, x, labels)
	_, a := plain.NonZero()
	_, b := sparse.NonZero()
	if b >= a {
		t.Errorf("seed %d: %d non-zeros with L1, %d without: want fewer with", seed, b, a)
	}
}

// TestPrune: PruneMagnitude keeps exactly keep non-zeros, the largest
// ones, and fine-tuning keeps the pruned weights at zero.
func TestPrune(t *testing.T) {
	const seed = 31
	x, labels := synthetic(seed, 400, 50, 3, 0.3, 0.1)
	m := train(t, Config{Inputs: 50, Hidden: 12, Classes: 3, Epochs: 2, Seed: seed}, x, labels)
	for _, keep := range []int{-1, len(m.w1) + 1} {
		if err := m.Clone().PruneMagnitude(keep); err == nil || !strings.Contains(err.Error(), "keep") {
			t.Errorf("PruneMagnitude(%d): error %v, want one naming keep", keep, err)
		}
	}
	for _, keep := range []int{0, 1, 60, len(m.w1) / 2, len(m.w1)} {
		p := m.Clone()
		if err := p.PruneMagnitude(keep); err != nil {
			t.Fatal(err)
		}
		if got, _ := p.NonZero(); got != keep {
			t.Fatalf("seed %d: PruneMagnitude(%d) left %d non-zeros", seed, keep, got)
		}
		// Every kept weight is at least as large as every pruned one.
		minKept, maxPruned := math.Inf(1), 0.0
		for i, w := range m.w1 {
			if p.w1[i] != 0 {
				minKept = min(minKept, math.Abs(w))
			} else {
				maxPruned = max(maxPruned, math.Abs(w))
			}
		}
		if keep > 0 && keep < len(m.w1) && minKept < maxPruned {
			t.Errorf("seed %d, keep %d: a kept weight (|w| %g) is smaller than a pruned one (%g)", seed, keep, minKept, maxPruned)
		}
		if err := p.FineTune(context.Background(), x, labels, 2, nil); err != nil {
			t.Fatal(err)
		}
		mask := p.Mask()
		for i, w := range p.w1 {
			if mask[i] == 0 && w != 0 {
				t.Fatalf("seed %d, keep %d: pruned weight %d became %g during fine-tuning", seed, keep, i, w)
			}
		}
		if got, _ := p.NonZero(); got > keep {
			t.Fatalf("seed %d, keep %d: %d non-zeros after fine-tuning", seed, keep, got)
		}
	}
}
