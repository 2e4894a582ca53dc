package synapse

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// TestLazyPerturbation: a weight perturbation whose rows are drawn when
// read (delivery, RowWeights, Weight) gives the same delivered inputs, the
// same weights read and the same weights after Update as drawing every row
// at once (Perturb followed by Weights), bit for bit, over many samples;
// the parts of a split deliver concurrently (run with -race).
func TestLazyPerturbation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	build := func() (*Projection, *neuron.Population) {
		src, tgt := pop(t, "h", neuron.Excitatory, 60), pop(t, "out", neuron.Excitatory, 37)
		p, err := New(src, tgt, Spec{Conn: Conn{Rule: FixedProbability, P: 0.6},
			Weight: rng.Dist{Kind: rng.Uniform, Low: 0, High: 2}, Delay: rng.Const(0.1), Key: 5})
		if err != nil {
			t.Fatal(err)
		}
		tgt.SetSlots(p.MaxDelay() + 1)
		return p, tgt
	}
	eager, et := build()
	lazy, lt := build()
	sp, err := lazy.NewSplit([]int{0, 13, 30, 37})
	if err != nil {
		t.Fatal(err)
	}
	we := WeightPerturbation{Eta: 0.3, Sigma: 0.5, WMax: 2, BaselineTau: 5}
	wl := we
	for sample := 0; sample < 300; sample++ {
		key := r.Uint64()
		we.Perturb(eager, key)
		eager.Weights() // every row drawn now
		wl.Perturb(lazy, key)
		y := make([]float32, 60)
		for step := int64(0); step < 5; step++ {
			var spikes []int32
			for i := range 60 {
				if r.IntN(30) == 0 {
					spikes = append(spikes, int32(i))
					y[i] += 0.25
				}
			}
			clear(et.Ring(false))
			clear(lt.Ring(false))
			eager.Deliver(step, spikes, simd.Generic)
			var wg sync.WaitGroup
			for w := range sp.Parts() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					lazy.DeliverPart(step, spikes, simd.Current(), sp, w)
				}()
			}
			wg.Wait()
			for i, x := range et.Ring(false) {
				if math.Float32bits(x) != math.Float32bits(lt.Ring(false)[i]) {
					t.Fatalf("sample %d step %d: input %d = %v, want %v", sample, step, i, lt.Ring(false)[i], x)
				}
			}
		}
		if sample%3 == 0 {
			i := r.IntN(60)
			a, b := eager.RowWeights(i), lazy.RowWeights(i)
			for k := range a {
				if math.Float32bits(a[k]) != math.Float32bits(b[k]) {
					t.Fatalf("sample %d: RowWeights(%d)[%d] = %v, want %v", sample, i, k, b[k], a[k])
				}
			}
		}
		if sample%7 == 0 {
			k := r.IntN(lazy.Len())
			if a, b := eager.Weight(k), lazy.Weight(k); math.Float32bits(a) != math.Float32bits(b) {
				t.Fatalf("sample %d: Weight(%d) = %v, want %v", sample, k, b, a)
			}
		}
		e := r.Float64() * 3
		we.Update(eager, e, y)
		wl.Update(lazy, e, y)
		for k, x := range eager.Weights() {
			if math.Float32bits(x) != math.Float32bits(lazy.Weights()[k]) {
				t.Fatalf("sample %d: weight %d = %v after Update, want %v", sample, k, lazy.Weights()[k], x)
			}
		}
	}
}

// TestLabelHebbScalesTaughtColumns: LabelHebb.Apply rescales only the
// columns of taught targets; the result must be bit for bit that of the
// full pass (scaleColumns over every column) it replaces, for every norm.
func TestLabelHebbScalesTaughtColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for trial := 0; trial < 200; trial++ {
		src, tgt := pop(t, "h", neuron.Excitatory, 1+r.IntN(80)), pop(t, "out", neuron.Excitatory, 1+r.IntN(40))
		conn := Conn{Rule: AllToAll}
		if r.IntN(2) == 0 {
			conn = Conn{Rule: FixedProbability, P: r.Float64()}
		}
		build := func() *Projection {
			p, err := New(src, tgt, Spec{Conn: conn, Weight: rng.Dist{Kind: rng.Uniform, Low: 0, High: 3}, Delay: rng.Const(0.1), Key: uint64(trial)})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		got, want := build(), build()
		rule := LabelHebb{Eta: r.Float64(), Delta: r.Float64() * 0.3, WMax: 1 + r.Float64(), ScaleSum: 0.5 + 3*r.Float64(), ScaleNorm: Norm(r.IntN(3))}
		for sample := 0; sample < 5; sample++ {
			y := make([]float32, src.Len())
			for i := range y {
				y[i] = r.Float32() * float32(r.IntN(2))
			}
			teach := make([]float32, tgt.Len())
			for j := range teach {
				if r.IntN(8) == 0 {
					teach[j] = 1
				}
			}
			rule.Apply(got, y, teach, simd.Current())
			// The reference: every row's HebbRow, then the full pass.
			w := want.Weights()
			wmax, eta := float32(rule.WMax), float32(rule.Eta)
			for j := 0; j < src.Len(); j++ {
				a, b := want.rowPtr[j], want.rowPtr[j+1]
				simd.HebbRowGeneric(w[a:b], want.Targets()[a:b], teach, eta*float32(wmax*(y[j]-float32(rule.Delta))), 0, eta, wmax, false)
			}
			want.scaleColumns(float32(rule.ScaleSum), wmax, teach, rule.ScaleNorm)
			for k, x := range want.Weights() {
				if math.Float32bits(x) != math.Float32bits(got.Weights()[k]) {
					t.Fatalf("trial %d sample %d, norm %d: weight %d = %v, want %v", trial, sample, rule.ScaleNorm, k, got.Weights()[k], x)
				}
			}
		}
	}
}
