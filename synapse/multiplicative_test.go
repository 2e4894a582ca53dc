package synapse

import (
	"math"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// TestCompetitiveMultiplicativeHandRow: one multiplicative update of a
// hand-made row against a hand computation of
// w <- clamp(w*exp(eta*y_j*(x_i - delta)), 0, w_max), w < 1e-3*w_max -> 0.
func TestCompetitiveMultiplicativeHandRow(t *testing.T) {
	src, tgt := pop(t, "in", neuron.Excitatory, 1), pop(t, "h", neuron.Excitatory, 5)
	p, err := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(0.1), Delay: rng.Const(0.1), Key: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := p.Weights()
	// targets 0..4: w = 0.1, 0.25, 0, 0.0004, 0.1
	copy(w, []float32{0.1, 0.25, 0, 0.0004, 0.1})
	y := []float32{1, 1, 1, 0.5, 0}
	r := Competitive{Eta: 0.5, Delta: 0.2, WMax: 0.3, Update: Multiplicative}
	// x = 1: step in ln w of 0.5*y*(1-0.2) = 0.4*y
	r.Apply(p, []float32{1}, y, simd.Generic)
	want := []float64{
		0.1 * math.Exp(0.4), // 0.1492
		0.3,                 // 0.25*e^0.4 = 0.373 clamped at w_max
		0,                   // silent stays silent
		0.0004 * math.Exp(0.2),
		0.1, // target did not fire
	}
	for k := range want {
		if math.Abs(float64(w[k])-want[k]) > 1e-6 {
			t.Errorf("x=1: w[%d] = %.7f, hand computation %.7f", k, w[k], want[k])
		}
	}
	// x = 0: step in ln w of -0.1*y; 0.00031*e^-0.05 = 0.000295 falls below the
	// floor 1e-3*w_max = 0.0003: eliminated (0).
	copy(w, []float32{0.1, 0.3, 0, 0.00031, 0.1})
	r.Apply(p, []float32{0}, y, simd.Generic)
	want = []float64{0.1 * math.Exp(-0.1), 0.3 * math.Exp(-0.1), 0, 0, 0.1}
	for k := range want {
		if math.Abs(float64(w[k])-want[k]) > 1e-6 {
			t.Errorf("x=0: w[%d] = %.7f, hand computation %.7f", k, w[k], want[k])
		}
	}
	// Regrow: a silent synapse onto a firing neuron with x > delta restarts at the floor.
	r.Regrow = true
	copy(w, []float32{0, 0, 0, 0, 0})
	r.Apply(p, []float32{1}, y, simd.Generic)
	for k, v := range w {
		wk := float32(0)
		if y[k] > 0 {
			wk = float32(MultiplicativeFloor * 0.3)
		}
		if v != wk {
			t.Errorf("regrow: w[%d] = %g, want %g", k, v, wk)
		}
	}
}

// TestCompetitiveMultiplicativeScaling: the variant is followed by the same
// synaptic scaling as the default (L2 norm of each active neuron's inputs).
func TestCompetitiveMultiplicativeScaling(t *testing.T) {
	src, tgt := pop(t, "in", neuron.Excitatory, 3), pop(t, "h", neuron.Excitatory, 2)
	p, err := New(src, tgt, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(0.1), Delay: rng.Const(0.1), Key: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := Competitive{Eta: 0.5, Delta: 0.1, WMax: 1, Update: Multiplicative, ScaleSum: 0.5, ScaleNorm: L2}
	r.Apply(p, []float32{1, 0.5, 0}, []float32{1, 0}, simd.Generic)
	var n2 float64
	for i := 0; i < 3; i++ {
		tg, first := p.Row(i)
		for k, j := range tg {
			if j == 0 {
				n2 += float64(p.Weight(first+k)) * float64(p.Weight(first+k))
			} else if p.Weight(first+k) != 0.1 {
				t.Errorf("silent target's weight changed: %v", p.Weight(first+k))
			}
		}
	}
	if math.Abs(math.Sqrt(n2)-0.5) > 1e-6 {
		t.Errorf("L2 norm after scaling = %v, want 0.5", math.Sqrt(n2))
	}
}

func TestParseUpdate(t *testing.T) {
	for s, want := range map[string]Update{"": Additive, "additive": Additive, "multiplicative": Multiplicative} {
		if u, err := ParseUpdate(s); err != nil || u != want {
			t.Errorf("ParseUpdate(%q) = %v, %v; want %v", s, u, err, want)
		}
	}
	if _, err := ParseUpdate("exponential"); err == nil {
		t.Error("ParseUpdate(\"exponential\") accepted")
	}
}
