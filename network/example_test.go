package network_test

import (
	"context"
	"fmt"

	"dalesim/network"
	"dalesim/spec"
)

// A spec is TOML text (or a file, with spec.Load); Build validates it and
// builds the network; Run simulates and summarises.
func Example() {
	text := []byte(`
dt_ms = 0.1
seed = 7

[[population]]
name = "in"
size = 100
identity = "excitatory"
model = "poisson"
rate_hz = 20.0

[[population]]
name = "E"
size = 50
identity = "excitatory"
model = "delta"
tau_m_ms = 20.0
v_rest_mV = 0.0
v_reset_mV = 0.0
v_thresh_mV = 15.0
t_ref_ms = 2.0

[[projection]]
source = "in"
target = "E"
connectivity = { rule = "fixed_indegree", k = 40 }
weight = 2.0
delay_ms = 1.0
`)
	s, err := spec.Parse(text, "example.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	net, err := network.Build(s, network.Options{Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := net.Run(context.Background(), 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d synapses; E fired: %v\n", net.Projections()[0].Len(), r.Populations["E"].Spikes > 0)
	// Output: 2000 synapses; E fired: true
}
