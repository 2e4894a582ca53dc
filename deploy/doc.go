// Package deploy checks what a trained dalesim model would cost and how
// well it would work on neuromorphic hardware: its test accuracy with
// float32 weights and with each projection's weights quantised to fewer
// bits, the spikes and synaptic operations (SynOps) of one inference, the
// time to the first readout spike and to the decision, and an energy
// estimate from published per-operation energies (Loihi, TrueNorth).
//
// # Quantisation
//
// A projection's synapses all have the sign of its source population
// (Dale's law), so a width of b bits holds the magnitude alone: the
// integers 0 ... 2^b-1. Each projection gets one power-of-two step 2^e (as
// Loihi's weight exponent), the smallest with (2^b-1)·2^e >= its largest
// weight, so no weight clips; every weight is rounded to the nearest
// multiple (ties away from zero):
//
//	w' = 2^e · min(2^b-1, round(w / 2^e))
//
// Small weights round to 0 and so become silent synapses: at 2 bits
// (levels 0, 1, 2, 3 times the step) most of a learnt weight distribution
// does. Thresholds, the hidden neurons' threshold offsets and the membrane
// arithmetic stay float32: this is weight quantisation only, applied to
// the float simulation (a bit-accurate integer simulation may replace it).
//
// # Counting
//
// A monitor that reads only spikes counts, per inference: the input
// (Poisson) spikes and the LIF neurons' spikes; SynOps, every synaptic event
// delivered (a spike times its neuron's out-degree, the engine's Events()),
// and the events over non-zero weights (what a deployment that prunes
// silent synapses would deliver); neuron updates (every LIF neuron every
// step) and the "active" ones, in which at least one event over a non-zero
// weight arrives; the step of the first readout spike; and the decision
// step, from which the eventual winner's readout spike count exceeds every
// other class's until the end (a sample decided only by the charge
// tie-break or with a silent readout is undecided).
//
// # Energy
//
// Loihi (Davies et al. 2018, IEEE Micro 38(1), Table 2): 23.6 pJ per
// synaptic event, 81 pJ per active and 52 pJ per inactive neuron update,
// 1.7 pJ per spike within a tile (hops between tiles, 3-4 pJ each, are left
// out: they depend on placement). TrueNorth (Merolla et al. 2014, Science
// 345:668): about 26 pJ per synaptic event, everything included. Both use
// the events over non-zero weights. They are estimates, labelled as such
// in every output.
package deploy
