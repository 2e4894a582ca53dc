package synapse

// Delays at the limits: every draw of a uniform delay must fit in
// MaxDelaySteps, and a huge draw is clamped to the maximum, not to one step.

import (
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
)

// TestUniformDelayAboveMax: a uniform delay whose high end is beyond
// MaxDelaySteps passes Validate (it checks the mean, (low+high)/2) and the
// draws above the limit are silently clamped to MaxDelaySteps, so those
// synapses act earlier than round(d/dt) steps. A constant delay of the same
// length is rejected.
func TestUniformDelayAboveMax(t *testing.T) {
	src, tgt := pop(t, "S", neuron.Excitatory, 50), pop(t, "T", neuron.Excitatory, 50)
	const dt = 0.1
	high := 2*MaxDelaySteps*dt - 2*dt // 13106.8 ms: about twice the longest delay; the mean is just below it
	if _, err := New(src, tgt, Spec{Name: "c", Conn: Conn{Rule: AllToAll}, Weight: rng.Const(1), Delay: rng.Const(high)}); err == nil {
		t.Fatal("a constant delay of 2*MaxDelaySteps steps is accepted")
	}
	p, err := New(src, tgt, Spec{Name: "u", Conn: Conn{Rule: AllToAll}, Weight: rng.Const(1),
		Delay: rng.Dist{Kind: rng.Uniform, Low: dt, High: high}, Key: 1})
	if err != nil {
		t.Logf("rejected (the fix): %v", err)
		return
	}
	clamped := 0
	for k := 0; k < p.Len(); k++ {
		if p.Delay(k) == MaxDelaySteps {
			clamped++
		}
	}
	t.Errorf("uniform delay in [%g, %g] ms at dt = %g accepted; %d of %d synapses clamped to %d steps (drawn delays up to %d steps)",
		dt, high, dt, clamped, p.Len(), MaxDelaySteps, 2*MaxDelaySteps)
}

// TestHugeDelayDraw: a delay draw beyond the int64 range (a normal
// with an enormous sd passes Validate: only the mean is checked) converts
// with int(math.Round(ms/dt)), which is implementation-defined in Go for
// out-of-range values (math.MinInt64 on amd64), and max(.., 1) then gives
// one step instead of MaxDelaySteps.
func TestHugeDelayDraw(t *testing.T) {
	src, tgt := pop(t, "S", neuron.Excitatory, 20), pop(t, "T", neuron.Excitatory, 20)
	p, err := New(src, tgt, Spec{Name: "n", Conn: Conn{Rule: AllToAll}, Weight: rng.Const(1),
		Delay: rng.Dist{Kind: rng.Normal, Mean: 1, SD: 1e30}, Key: 3})
	if err != nil {
		t.Logf("rejected (a fix): %v", err)
		return
	}
	one, maxed := 0, 0
	for k := 0; k < p.Len(); k++ {
		switch p.Delay(k) {
		case 1:
			one++
		case MaxDelaySteps:
			maxed++
		}
	}
	if one > 0 {
		t.Errorf("normal delay (mean 1 ms, sd 1e30 ms): %d of %d synapses got 1 step, %d got %d steps; a draw of ~1e30 ms should clamp to %d",
			one, p.Len(), maxed, MaxDelaySteps, MaxDelaySteps)
	}
}
