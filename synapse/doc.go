// Package synapse holds dalesim's projections: sparse synapses from one
// population to another, stored as CSR rows per presynaptic neuron (target
// index, weight magnitude), with delays in whole time steps.
//
// Dale's law is structural. A weight is a magnitude >= 0; its sign is the
// identity of the source population, and a projection delivers into the
// target's excitatory or inhibitory channel according to that identity and
// nothing else. No constructor or setter accepts a negative magnitude or a
// channel: an inhibitory neuron cannot make an excitatory synapse. A weight of
// zero is a silent (eliminated) synapse: it stays in the table so that
// plasticity may, if its rule says so, grow it back.
//
// Memory: the target of a synapse takes 2 bytes when the target population
// has at most 65,536 neurons and the synapses share one delay, else 4; a
// weight of its own takes 4 more, and a delay of its own is packed into a
// 4-byte target's low byte when every delay fits in 255 steps and the target
// population has at most 2^24 neurons, else it takes 1 or 2 bytes. TargetAt
// reads any target; Row and Targets, which return int32 arrays, widen or
// unpack them for good, as the plasticity rules do. Large arrays are advised
// for transparent huge pages on Linux.
//
// Delivery is event-driven: a spike walks its row once and adds each weight
// into the target's input ring buffer at the slot of its arrival step, so the
// cost is O(spikes x out-degree), never O(synapses) per step. Within a row the
// targets are ascending, and rows are walked in spike order, which fixes the
// order of floating-point additions.
//
// Connectivity rules: fixed_probability (p), fixed_indegree (k),
// fixed_outdegree (k), one_to_one, all_to_all, and an explicit list (CSV:
// pre,post[,weight][,delay_ms]). Weight distributions: constant, uniform,
// normal truncated at zero, lognormal. Random choices use counter-based
// streams keyed by (seed, projection, row), so a network is the same whatever
// order it is built in.
package synapse
