package spec_test

import (
	"fmt"

	"dalesim/spec"
)

// A spec that breaks a rule is rejected with the file, line, field, value and rule.
func ExampleParse_error() {
	_, err := spec.Parse([]byte(`
dt_ms = 0.1
[[population]]
name = "I"
size = 10
identity = "inhibitory"
model = "poisson"
rate_hz = 5.0
[[population]]
name = "E"
size = 10
identity = "excitatory"
model = "delta"
tau_m_ms = 20.0
v_rest_mV = 0.0
v_reset_mV = 0.0
v_thresh_mV = 15.0
[[projection]]
source = "I"
target = "E"
connectivity = { rule = "all_to_all" }
weight = -1.0
`), "bad.toml")
	fmt.Println(err)
	// Output: bad.toml:22: projection "I->E": weight: value = -1: must be >= 0 (a magnitude; the sign comes from the source population)
}
