package spec

import (
	"strings"
	"testing"
)

const fixedBase = `dt_ms = 1.0
%s
[[population]]
name = "in"
size = 4
identity = "inhibitory"
model = "poisson"
rate_hz = 10.0

[[population]]
name = "L"
size = 4
identity = "excitatory"
model = "loihi_lif"
%s

[[projection]]
source = "in"
target = "L"
connectivity = { rule = "all_to_all" }
%s
`

func fixedSpec(root, pop, proj string) string {
	s := fixedBase
	for _, x := range []string{root, pop, proj} {
		s = strings.Replace(s, "%s", x, 1)
	}
	return s
}

// TestFixedPointErrors: bad widths and unrepresentable weights give errors
// naming the field, its value and the rule, at the field's line.
func TestFixedPointErrors(t *testing.T) {
	okPop := "du = 4095\ndv = 20\nvth = 100"
	cases := []struct {
		name, root, pop, proj string
		want                  []string // substrings of the error
	}{
		{"ok", "", okPop, "weight = 255\nweight_exp = -3", nil},
		{"du too wide", "", "du = 4096\nvth = 1", "weight = 1", []string{"du = 4096", "[0, 4095]", "12-bit"}},
		{"dv negative", "", "dv = -1\nvth = 1", "weight = 1", []string{"dv = -1"}},
		{"vth too wide", "", "vth = 131072", "weight = 1", []string{"vth = 131072", "17-bit"}},
		{"vth missing", "", "du = 1", "weight = 1", []string{"vth is missing"}},
		{"bias_mant too wide", "", "vth = 1\nbias_mant = 4096", "weight = 1", []string{"bias_mant = 4096", "13-bit"}},
		{"bias_exp too wide", "", "vth = 1\nbias_exp = 8", "weight = 1", []string{"bias_exp = 8", "3-bit"}},
		{"float key", "", okPop + "\ntau_m_ms = 20.0", "weight = 1", []string{"tau_m_ms", "no such parameter"}},
		{"weight too big", "", okPop, "weight = 256", []string{"weight = 256", "integer in [0, 255]", ":"}},
		{"weight not integer", "", okPop, "weight = 1.5", []string{"weight = 1.5", "integer"}},
		{"weight_exp out of range", "", okPop, "weight = 1\nweight_exp = 8", []string{"weight_exp = 8", "[-8, 7]"}},
		{"weight_bits 0", "", okPop, "weight = 1\nweight_bits = 0", []string{"weight_bits = 0", "[1, 8]"}},
		{"weight_bits 9 root", "[fixed_point]\nweight_bits = 9", okPop, "weight = 1", []string{"fixed_point", "weight_bits = 9", "[1, 8]"}},
		{"weight_bits 2 ok", "[fixed_point]\nweight_bits = 2", okPop, "weight = 200", nil},
	}
	for _, c := range cases {
		text := fixedSpec(c.root, c.pop, c.proj)
		_, err := Parse([]byte(text), "f.toml")
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
		if !strings.HasPrefix(err.Error(), "f.toml:") {
			t.Errorf("%s: error %q does not start with the file", c.name, err)
		}
	}
	// weight_exp on a float target.
	bad := `dt_ms = 1.0
[[population]]
name = "a"
size = 2
identity = "excitatory"
model = "delta"
tau_m_ms = 10.0
v_rest_mV = 0.0
v_reset_mV = 0.0
v_thresh_mV = 1.0
[[projection]]
source = "a"
target = "a"
connectivity = { rule = "all_to_all" }
weight = 1.0
weight_exp = 2
`
	if _, err := Parse([]byte(bad), "g.toml"); err == nil || !strings.Contains(err.Error(), "g.toml:16") || !strings.Contains(err.Error(), "weight_exp = 2: only projections onto loihi_lif") {
		t.Errorf("weight_exp onto delta: %v", err)
	}
}
