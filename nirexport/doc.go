// Package nirexport exports a dalesim network, a trained model or a spec'd
// one, as plain parameters (WriteParams: network.toml plus Parquet tables
// of every synapse and of each LIF neuron's threshold offset) and as a NIR
// graph (Convert: the Neuromorphic Intermediate Representation,
// github.com/neuromorphs/NIR, file format of nir 1.0.x).
//
// # Why a Python converter
//
// A NIR file is HDF5: a "version" string, a "node" group of type NIRGraph
// with a "nodes" group and an E x 2 string dataset "edges", and each node's
// parameters as datasets, many of them scalars (types, strings, dt). No
// pure-Go HDF5 library writes that subset (github.com/scigolib/hdf5 v0.14.0
// cannot write scalar datasets), and cgo bindings to libhdf5 would make
// dalesim's build depend on a C library. So dalesim writes the plain
// intermediate (which is also an export format of its own) and Script, a
// short Python program shipped inside the binary (go:embed), builds the
// graph with the official nir package's classes and writes it with
// nir.write: the file is then exactly what NIR's own writer produces.
// `dalesim export nir --print-script` prints it for use without dalesim.
//
// # Mapping
//
// Every population becomes one node: a poisson or spike_source population
// an Input (its spikes are the graph's input), a delta population a LIF
// (tau = r = tau_m in seconds, so a spike of weight w moves v by w mV;
// v_leak = v_rest + i_ext; v_threshold = v_thresh + theta per neuron, the
// learnt homeostatic offsets folded in; v_reset), a cuba population a
// CubaLIF (tau_syn = tau_e = tau_i, r = 1, w_in = tau_syn, so a spike of
// weight w makes the current jump by w mV as in dalesim). Every projection
// becomes one Linear node of shape (target, source) whose weights all have
// the projection's sign (Dale's law: the source population's identity);
// multapses are summed. Output nodes follow the output populations. dt, the
// E/I identity of every population and the units are in the metadata.
//
// # What NIR cannot carry
//
//   - refractoriness: NIR's neurons have none; t_ref_ms is kept in the
//     node's metadata and dropped from the dynamics;
//   - delays: NIR edges are instantaneous; each Linear node's metadata
//     keeps the delay range (dalesim's minimum is one step, as a
//     discrete-time consumer's layer-to-layer step);
//   - plasticity: the weights and thresholds are exported as they are;
//     no learning rule is;
//   - adaptive thresholds: theta is frozen at its exported value (folded
//     into v_threshold); theta_step_mV and tau_theta_ms stay in metadata;
//   - conductance-based (coba) neurons, and cuba neurons with tau_e != tau_i:
//     refused with an error (no NIR primitive);
//   - Poisson sources and drives: an Input node carries spikes, not rates;
//     rate_hz and drives are in the metadata (drives are otherwise lost).
package nirexport
