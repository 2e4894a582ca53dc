// Package network builds and runs dalesim networks: it decodes and
// validates TOML spec files (Spec, spec.Parse, spec.Load), estimates the memory
// a network needs, builds populations and projections (Build), and runs the
// fixed per-step schedule (Network.Run):
//
//  1. every population integrates the input that arrives in this step and
//     emits its spikes (SIMD kernels over struct-of-arrays state);
//  2. each population's spikes are delivered through its outgoing
//     projections into the targets' ring buffers, at the slot of their
//     arrival step (at least one step later).
//
// Work per step is O(neurons) + O(spikes × out-degree), never per synapse.
// With several threads, populations are split by neuron range and delivery
// by target range, so that every target sums its inputs in the same order:
// the spikes, and their checksum, do not depend on the thread count or on
// the kernel implementation. Random numbers are counter-based (internal/rng)
// and keyed by name, so they do not depend on the order of work either.
//
// The built-in benchmarks (spec.Builtin: coba, cuba, brunel) are specs too; their
// text is examples/*.toml. Monitors (NewRecorder) stream spikes, states,
// weights and rates to Parquet through package traces.
//
// Checkpoints (checkpoint.go): between runs, Network.SaveCheckpoint and
// SaveCheckpointFile save the complete state at a step boundary (membranes,
// conductances, thresholds, refractory counters, the input ring buffers,
// per-synapse weights, the run summary and the step, which is the position
// of every counter-based random stream); ParseCheckpoint and Restore put it
// into a freshly built network of the same spec, which then continues with
// the spikes and spike checksum of a run that was never stopped, whatever
// the kernels and thread count.
package network
