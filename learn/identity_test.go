package learn

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"dalesim/network"
	"dalesim/simd"
)

// The training results are pinned bit for bit: the hashes below are of
// every plastic weight and every threshold after a short training run
// (H = 100), recorded with the code before the training speed-ups
// (commit 9693586, "learn: BenchmarkTrain and BenchmarkEvaluate"). Any
// optimisation of the training path (delivery, Poisson input, plasticity
// rules, weight perturbation) must leave them unchanged, on every kernel
// implementation and thread count. If a change of the model itself is
// intended, record the new hashes in the same commit and say so.
const (
	// 200 synthetic samples (synthImages), seed 1.
	synthHash = "da7d158d15614836bc4fe1503d4863a2976115cc5edb4a9c4d89d63dcd72725e"
	// The first 300 MNIST training samples, seed 1 (skipped without MNIST).
	mnistHash = "92485e17bb56d01173fc90544452685cc94fd462d993bf1d4ffcbd1e1435576d"
)

// synthImages returns n MNIST-like images (28x28, about a fifth of the
// pixels lit, in strokes of ten class prototypes, with noise) and labels.
func synthImages(n int) *Images {
	r := rand.New(rand.NewPCG(7, 11))
	protos := make([][]float32, 10)
	for c := range protos {
		p := make([]float32, 784)
		x, y := 8+r.IntN(12), 8+r.IntN(12)
		for s := 0; s < 60; s++ {
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if yy, xx := y+dy, x+dx; yy >= 0 && yy < 28 && xx >= 0 && xx < 28 {
						p[yy*28+xx] = max(p[yy*28+xx], float32(0.5+0.5*r.Float64()))
					}
				}
			}
			x = min(max(x+r.IntN(3)-1, 3), 24)
			y = min(max(y+r.IntN(3)-1, 3), 24)
		}
		protos[c] = p
	}
	s := &Images{}
	for i := 0; i < n; i++ {
		c := r.IntN(10)
		img := make([]float32, 784)
		for k, v := range protos[c] {
			if v > 0 && r.Float64() < 0.9 {
				img[k] = min(v*float32(0.8+0.4*r.Float64()), 1)
			}
		}
		for j := 0; j < 8; j++ {
			img[r.IntN(784)] = float32(r.Float64())
		}
		s.X = append(s.X, img)
		s.Labels = append(s.Labels, c)
	}
	return s
}

// trainedHash trains a fresh H = 100 model (seed 1) on set for one epoch
// with the given kernels and threads and returns the SHA-256 of every
// plastic weight and every threshold, in order, as float32 bits.
func trainedHash(t *testing.T, set Samples, impl *simd.Impl, threads int) string {
	t.Helper()
	s, err := DefaultSpec()
	if err != nil {
		t.Fatal(err)
	}
	if err := Configure(s, 100, 1); err != nil {
		t.Fatal(err)
	}
	m, err := New(s, network.Options{Threads: threads, Kernels: impl}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Net.Close()
	if _, err := m.TrainEpoch(context.Background(), set, 0, nil); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var b [4]byte
	put := func(v float32) {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	for _, p := range m.Net.Projections() {
		if _, constant := p.ConstWeight(); constant {
			continue
		}
		for _, w := range p.Weights() {
			put(w)
		}
	}
	for _, p := range m.Net.Populations() {
		for _, v := range p.State.Theta {
			put(v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestTrainingBitIdentical checks the pinned hashes on every kernel
// implementation this CPU runs, with one thread and with two.
func TestTrainingBitIdentical(t *testing.T) {
	sets := []struct {
		name string
		want string
		set  func(t *testing.T) Samples
	}{
		{"synthetic", synthHash, func(*testing.T) Samples { return synthImages(200) }},
		{"mnist", mnistHash, func(t *testing.T) Samples {
			train, _ := loadMNIST(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 300, 1)
			return train
		}},
	}
	for _, c := range sets {
		t.Run(c.name, func(t *testing.T) {
			set := c.set(t)
			for _, name := range simd.Implementations() {
				impl, err := simd.Lookup(name)
				if err != nil {
					t.Fatal(err)
				}
				for _, threads := range []int{1, 2} {
					if threads == 2 && testing.Short() && name != simd.Implementations()[0] {
						continue
					}
					if got := trainedHash(t, set, impl, threads); got != c.want {
						t.Errorf("%s, %s kernels, %d thread(s): weights and thresholds hash to %s, want %s", c.name, name, threads, got, c.want)
					}
				}
			}
		})
	}
}

// TestEvaluateSharedReuse: evaluation on two threads (evaluateShared, whose
// copies of the model are kept from one evaluation to the next and
// refreshed) scores exactly as on one thread, after each of several rounds
// of training that change the weights.
func TestEvaluateSharedReuse(t *testing.T) {
	set := synthImages(150)
	train := &Images{X: set.X[:100], Labels: set.Labels[:100]}
	test := &Images{X: set.X[100:], Labels: set.Labels[100:]}
	models := make([]*Model, 2)
	for i, threads := range []int{1, 2} {
		s, err := DefaultSpec()
		if err != nil {
			t.Fatal(err)
		}
		if err := Configure(s, 40, 1); err != nil {
			t.Fatal(err)
		}
		m, err := New(s, network.Options{Threads: threads}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Net.Close()
		models[i] = m
	}
	for round := 0; round < 3; round++ {
		var evs [2]*Eval
		for i, m := range models {
			if _, err := m.TrainEpoch(context.Background(), train, round, nil); err != nil {
				t.Fatal(err)
			}
			ev, err := m.Evaluate(context.Background(), test, nil)
			if err != nil {
				t.Fatal(err)
			}
			evs[i] = ev
		}
		// The errors are summed in sample order: the same bits.
		if evs[0].Correct != evs[1].Correct || evs[0].MeanError != evs[1].MeanError || fmt.Sprint(evs[0].Confusion) != fmt.Sprint(evs[1].Confusion) {
			t.Fatalf("round %d: two threads score %d (error %v, %v), one thread %d (error %v, %v)", round,
				evs[1].Correct, evs[1].MeanError, evs[1].Confusion, evs[0].Correct, evs[0].MeanError, evs[0].Confusion)
		}
		if round == 0 && len(models[1].evalCopies) != 2 {
			t.Fatalf("%d evaluation copies kept, want 2", len(models[1].evalCopies))
		}
	}
}
