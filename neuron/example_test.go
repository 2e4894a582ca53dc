package neuron_test

import (
	"fmt"

	"dalesim/neuron"
	"dalesim/simd"
)

// A current-driven LIF neuron fires periodically; its rate follows
// f = 1/(t_ref + tau_m ln((RI - V_r)/(RI - theta))).
func ExampleNewLIF() {
	par := neuron.Params{TauM: 20, TauE: 5, TauI: 10, VRest: 0, VReset: 10, VThresh: 20, TRef: 2, IExt: 30}
	p, err := neuron.NewLIF("n", neuron.Excitatory, neuron.CUBA, 1, par, 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	spikes := 0
	for step := int64(0); step < 10000; step++ { // 1 s
		spikes += len(p.Step(step, simd.Generic))
	}
	// analytic: 1 + (1000 - 20 ln 3)/(2 + 20 ln 2) = 62.6 spikes (the first from rest)
	fmt.Println(spikes, "spikes in 1 s")
	// Output: 62 spikes in 1 s
}
