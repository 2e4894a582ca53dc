package spec

import (
	"strings"
	"testing"

	"dalesim/examples"
)

// TestTrainingSpecErrors: out-of-range [training] values in the shipped
// MNIST spec are rejected with the field, the value and the rule.
func TestTrainingSpecErrors(t *testing.T) {
	base := string(examples.MNIST)
	if _, err := Parse(examples.MNIST, "mnist.toml"); err != nil {
		t.Fatalf("the shipped spec: %v", err)
	}
	cases := []struct{ old, new, want string }{
		{"eta = 0.05 ", "eta = 2.0 ", "hidden_rule.eta = 2: must be at most 1"},
		{"delta = 0.1 ", "delta = 1.0 ", "hidden_rule.delta = 1: must be in [0, 1)"},
		{"# eta_tau = 20000.0 ", "eta_tau = -5.0 ", "hidden_rule.eta_tau = -5: must be >= 0"},
		{"# eta_tau = 20000.0 ", "eta_min = 3.0 ", "hidden_rule.eta_min = 3: must be in [0, 1]"},
		{`scale_norm = "l2"`, `scale_norm = "l3"`, "hidden_rule.scale_norm"},
		{"eta_wp = 0.2 ", "eta_wp = -0.2 ", "readout_rule.eta_wp = -0.2: must be >= 0"},
		{"eta_mV = 0.05", "eta_mV = -1.0", "homeostasis.eta_mV = -1: must be >= 0"},
		{`hidden = "hidden"`, `hidden = "nobody"`, `hidden = "nobody": no population of that name`},
		{`projection = "input->hidden"`, `projection = "x->y"`, `hidden_rule.projection = "x->y": no projection of that name`},
		{"presentation_ms = 100.0", "presentation_ms = 0.0", "presentation_ms = 0: must be a finite number > 0"},
		{"presentation_ms = 100.0", "presentation_ms = 100.0\nwarmup = 1", "warmup"},
	}
	for _, c := range cases {
		if !strings.Contains(base, c.old) {
			t.Fatalf("examples/mnist.toml no longer contains %q", c.old)
		}
		text := strings.Replace(base, c.old, c.new, 1)
		_, err := Parse([]byte(text), "mnist.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q -> %q: %v; want %q", c.old, c.new, err, c.want)
		}
	}
}
