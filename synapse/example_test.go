package synapse_test

import (
	"fmt"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/synapse"
)

// A projection takes its sign from its source population: here every
// synapse is inhibitory because the source is, whatever the weights.
func ExampleNew() {
	par := neuron.Params{TauM: 20, VRest: 0, VReset: 0, VThresh: 15}
	inh, _ := neuron.NewLIF("I", neuron.Inhibitory, neuron.Delta, 20, par, 0.1)
	exc, _ := neuron.NewLIF("E", neuron.Excitatory, neuron.Delta, 80, par, 0.1)
	p, err := synapse.New(inh, exc, synapse.Spec{
		Conn:   synapse.Conn{Rule: synapse.FixedOutdegree, K: 10},
		Weight: rng.Dist{Kind: rng.LogNormal, Mu: 0, Sigma: 0.5},
		Delay:  rng.Const(1.0),
		Key:    1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name(), p.Len(), "synapses, sign", p.Sign(), "- negative magnitude:", p.SetWeight(0, -0.5) != nil)
	// Output: I->E 200 synapses, sign -1 - negative magnitude: true
}
