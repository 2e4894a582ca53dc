// Package monitor turns what a running network does into trace rows: one
// type per kind of table, each a network.Monitor that the engine calls after
// every step.
//
//   - Spikes: every spike of some populations, stamped with the step it was
//     emitted in.
//   - State: variables (v, ge, gi, theta) of some neurons of one population,
//     every k steps; the sample stamped with step s is the value at
//     t = s*dt, before step s integrates (as Brian2's StateMonitor), so the
//     first sample is the initial state.
//   - Weights: every synapse of a projection at the first step, at the last
//     step and every k steps in between.
//   - Rate: population rates in bins of k steps; the last, partial bin is
//     written at the end with its true width.
//   - SpikeCounter: spike counts per neuron in memory (no file), the
//     training loop's view of a presentation.
//
// Start opens a traces.Writer for a set of monitors; Open does the same for
// the [[monitor]] entries of a spec (none: every spike). Meta builds the
// trace metadata of a network, shared by every writer of dalesim.
//
// Monitors that read only spikes (Spikes, Rate, Weights, SpikeCounter)
// report SpikesOnly, so the multi-threaded engine keeps its pipelined
// schedule while they record; a State monitor makes it stop at the end of
// every step. In steady state no monitor allocates.
//
// With Options.PartRolling, Recording.Roll closes the trace files between
// two runs of the network and continues in new parts (traces.Writer.Roll).
// Resume reopens a recording for a network restored from a checkpoint
// taken where a part began: Spikes, State and Weights monitors derive all
// they keep between steps from the step number, so they write exactly what
// they would have written in a run never stopped; Rate monitors, whose open
// bins a checkpoint does not hold, cannot be resumed (CanResume).
package monitor
