package synapse

import (
	"math"
	"math/rand/v2"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// spikeCounts maps hand-made spike trains (spike steps per neuron) to
// rate-mapped activities in [0, 1]: count / norm, clipped at 1.
func spikeCounts(trains [][]int, norm float32) []float32 {
	a := make([]float32, len(trains))
	for i, tr := range trains {
		a[i] = min(float32(len(tr))/norm, 1)
	}
	return a
}

// TestCompetitiveClosedForm: one update on hand-made spike patterns equals
// w + eta*y_j*(w_max*(x_i - delta) - w), clamped to [0, w_max].
func TestCompetitiveClosedForm(t *testing.T) {
	src, tgt := pop(t, "in", neuron.Excitatory, 4), pop(t, "h", neuron.Excitatory, 3)
	p, err := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Dist{Kind: rng.Uniform, Low: 0.01, High: 0.1}, Delay: rng.Const(0.1), Key: 1})
	if err != nil {
		t.Fatal(err)
	}
	// input spike trains over a 20-step presentation, normalised by 5 spikes
	x := spikeCounts([][]int{{1, 5, 9, 13, 17}, {2, 12}, {}, {3, 4, 5, 6, 7, 8, 9}}, 5) // 1, 0.4, 0, 1 (clipped)
	y := spikeCounts([][]int{{4, 8, 12}, {}, {2, 3, 4, 5, 6}}, 5)                       // 0.6, 0, 1
	before := append([]float32(nil), p.Weights()...)
	r := Competitive{Eta: 0.5, Delta: 0.2, WMax: 0.3}
	r.Apply(p, x, y, simd.Generic)
	for i := 0; i < 4; i++ {
		tg, first := p.Row(i)
		for k, j := range tg {
			w0 := float64(before[first+k])
			want := w0 + 0.5*float64(y[j])*(0.3*(float64(x[i])-0.2)-w0)
			want = math.Min(math.Max(want, 0), 0.3)
			if got := float64(p.Weight(first + k)); math.Abs(got-want) > 1e-6 {
				t.Errorf("w[%d->%d] = %.7f, closed form %.7f (x=%v y=%v)", i, j, got, want, x[i], y[j])
			}
		}
	}
	// x_3 = 0 with an active target drives the synapse to exactly zero (silent).
	tg, first := p.Row(2)
	for k, j := range tg {
		if y[j] == 1 && p.Weight(first+k) != 0 {
			t.Errorf("inactive input onto a fully active neuron: w = %v, want 0 (silent)", p.Weight(first+k))
		}
	}
}

func TestLabelHebbAndScaling(t *testing.T) {
	src, tgt := pop(t, "h", neuron.Excitatory, 3), pop(t, "out", neuron.Excitatory, 2)
	p, _ := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(1), Delay: rng.Const(0.1)})
	y := []float32{1, 0.5, 0}
	teach := []float32{0, 1}
	r := LabelHebb{Eta: 0.25, WMax: 10}
	r.Apply(p, y, teach, simd.Generic)
	for j := 0; j < 3; j++ {
		tg, first := p.Row(j)
		for k, c := range tg {
			want := 1.0
			if c == 1 {
				want = 1 + 0.25*(10*float64(y[j])-1)
			}
			if got := float64(p.Weight(first + k)); math.Abs(got-want) > 1e-6 {
				t.Errorf("w[%d->%d] = %v, want %v", j, c, got, want)
			}
		}
	}
	r.ScaleSum = 6
	r.Apply(p, y, teach, simd.Generic)
	var sum0, sum1 float64
	for k, c := range p.Targets() {
		if c == 1 {
			sum1 += float64(p.Weight(k))
		} else {
			sum0 += float64(p.Weight(k))
		}
	}
	if math.Abs(sum1-6) > 1e-5 || sum0 != 3 {
		t.Fatalf("after scaling: taught neuron's sum %v (want 6), untaught %v (want 3, unchanged)", sum1, sum0)
	}
}

// TestWeightPerturbation: a perturbation that lowered the error is kept,
// one that raised it is reversed, in proportion to -(E - baseline).
func TestWeightPerturbation(t *testing.T) {
	src, tgt := pop(t, "h", neuron.Excitatory, 20), pop(t, "out", neuron.Excitatory, 3)
	p, _ := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(5), Delay: rng.Const(0.1)})
	wp := WeightPerturbation{Eta: 0.5, Sigma: 0.1, WMax: 10, BaselineTau: 10}
	wp.Perturb(p, 1)
	wp.Update(p, 1.0, nil) // first sample: sets the baseline, no change
	for k := range p.Weights() {
		if p.Weight(k) != 5 {
			t.Fatalf("first sample changed weight %d to %v", k, p.Weight(k))
		}
	}
	wp.Perturb(p, 2)
	xi := make([]float32, p.Len())
	for k := range xi {
		xi[k] = p.Weight(k) - 5
	}
	base := wp.Baseline()
	wp.Update(p, 0.5, nil) // better than the baseline: move along xi
	for k := range xi {
		want := 5 + float32(-0.5*(0.5-base)/0.1)*xi[k]
		if d := p.Weight(k) - want; d > 1e-5 || d < -1e-5 {
			t.Fatalf("synapse %d: %v, want %v", k, p.Weight(k), want)
		}
		if xi[k] != 0 && (p.Weight(k)-5)*xi[k] <= 0 {
			t.Fatalf("synapse %d: an error below baseline did not keep the perturbation's direction", k)
		}
	}
}

// TestRulesKeepMagnitudes is the property test: whatever the activities and
// parameters, no rule takes a weight below zero, above w_max, or to NaN.
func TestRulesKeepMagnitudes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	src, tgt := pop(t, "a", neuron.Excitatory, 30), pop(t, "b", neuron.Excitatory, 12)
	p, _ := New(src, tgt, Spec{Conn: Conn{Rule: FixedProbability, P: 0.5}, Weight: rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, Delay: rng.Const(0.1), Key: 3})
	wp := WeightPerturbation{Eta: 2, Sigma: 0.3, WMax: 1, BaselineTau: 3}
	for it := 0; it < 2000; it++ {
		x, y := make([]float32, 30), make([]float32, 12)
		for i := range x {
			x[i] = r.Float32()
		}
		for j := range y {
			y[j] = r.Float32() * float32(r.IntN(2))
		}
		switch it % 3 {
		case 0:
			c := Competitive{Eta: r.Float64(), Delta: r.Float64() * 0.9, WMax: 1, Regrow: r.IntN(2) == 0, ScaleSum: float64(r.IntN(2)) * 5}
			c.Apply(p, x, y, simd.Current())
		case 1:
			l := LabelHebb{Eta: r.Float64(), Delta: r.Float64() * 0.5, WMax: 1, ScaleSum: float64(r.IntN(2)) * 3}
			l.Apply(p, x, y, simd.Current())
		default:
			wp.Perturb(p, uint64(it))
			wp.Update(p, r.Float64()*4, x[:p.Source().Len()])
		}
		for k := 0; k < p.Len(); k++ {
			if w := p.Weight(k); !(w >= 0 && w <= 1) {
				t.Fatalf("iteration %d: weight %d = %v left [0, w_max]", it, k, w)
			}
		}
		if p.DaleViolations() != 0 {
			t.Fatalf("iteration %d: Dale violations", it)
		}
	}
}

func TestSilentStaysSilentWithoutRegrowth(t *testing.T) {
	src, tgt := pop(t, "a", neuron.Excitatory, 5), pop(t, "b", neuron.Excitatory, 2)
	p, _ := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(0.1), Delay: rng.Const(0.1)})
	p.SetWeight(0, 0)
	c := Competitive{Eta: 0.5, Delta: 0, WMax: 1, Regrow: false}
	c.Apply(p, []float32{1, 1, 1, 1, 1}, []float32{1, 1}, simd.Generic)
	if p.Weight(0) != 0 {
		t.Fatalf("an eliminated synapse grew back to %v without regrowth", p.Weight(0))
	}
	c.Regrow = true
	c.Apply(p, []float32{1, 1, 1, 1, 1}, []float32{1, 1}, simd.Generic)
	if p.Weight(0) == 0 {
		t.Fatal("with regrowth an active pair should grow back")
	}
}
