// Package learn trains dalesim networks with a spiking, rate-mapped form of
// the biologically inspired learning rule of Inoue, Röhrbein & Knoblauch
// (arXiv 2603.03234) and Stricker, Röhrbein & Knoblauch (arXiv 2603.00588):
// competitive excitatory Hebbian plasticity in the hidden layer, Hebbian
// plus weight-perturbation learning at the readout, and homeostatic
// thresholds. Weights are magnitudes on [0, w_max]; zero is an eliminated
// (silent) synapse; the sign of every synapse is its source population's.
// There is no sign handling, no L1 penalty and no lognormal initialisation:
// whether sparsity, lognormal weights and Dale's law emerge is measured and
// reported (Report), not forced.
//
// # Network
//
// A spec with a [training] table names three populations (examples/mnist.toml):
//
//   - input: 784 Poisson sources, one per pixel, at rate intensity × input_rate_hz;
//   - hidden: excitatory LIF neurons (delta synapses), all-to-all from the input,
//     with lateral inhibition by a pool of real inhibitory neurons
//     (hidden -> inh -> hidden, all-to-all): a hidden spike fires the pool
//     within a step and the pool's volley pushes every hidden neuron down, so
//     only the best-driven neurons fire (soft winner-take-all by inhibitory
//     neurons with their own sign);
//   - readout: excitatory LIF neurons, readout_per_class per class, all-to-all from hidden.
//
// A sample is shown for presentation_ms with every LIF population starting at
// rest (pending input cleared, thresholds kept), through the engine's own run
// loop (network.Advance) with a monitor.SpikeCounter, so training uses the
// same engine, threads and monitors as a recorded run. The random numbers of a
// presentation are a function of (seed, phase, sample index), so evaluation
// and resumed training do not depend on what came before.
//
// # Rate mapping
//
// After a presentation of T ms, spike counts n become activities in [0, 1]:
//
//	x_i = min(1, n_i / (input_rate_hz   · T))     input neuron i
//	y_j = min(1, n_j / (hidden_rate_hz  · T))     hidden neuron j
//	z_k = min(1, n_k / (readout_rate_hz · T))     readout group of class k
//
// All updates happen once per presentation, from these counts (an O(spikes)
// bookkeeping during the presentation); no synapse is touched per time step.
//
// # The rule
//
// Hidden layer, competitive Hebbian (synapse.Competitive), for w_ij from input i to hidden j:
//
//	w_ij <- clamp(w_ij + η · y_j · (w_max·(x_i − δ) − w_ij), 0, w_max)
//
// then, for every neuron that fired, synaptic scaling of its input weights to
// a fixed norm S (scale_norm "l2": sqrt(Σ_i w_ij²) = S, the default; "l1":
// Σ_i w_ij = S). Defaults
// (examples/mnist.toml, hidden_rule): η = 0.05 (a winner moves 5 % of the way
// to the pattern it fired for; ~20 presentations of memory), δ = 0.1 (inputs
// active in fewer than ~10 % of a neuron's presentations are eliminated),
// w_max = 0.3 mV (one input spike moves v by at most 0.3 mV), S = 1.2 with
// the Euclidean norm (every neuron's weight vector has the same length, so
// its drive measures the cosine match of the input and its weights, not the
// ink they share; the L1 sum favours neurons whose weights cover a subset of
// every input), regrow = false (an eliminated synapse stays silent:
// structural elimination is permanent). These defaults live in one place,
// spec.Training.Params, and examples/mnist.toml writes each of them out; the
// README gives the measurements behind them.
//
// Optional weight-dependent variant (hidden_rule.update = "multiplicative";
// the default "additive" is the rule above): every non-silent synapse onto a
// neuron that fired takes a step in ln w,
//
//	w_ij <- clamp(w_ij · exp(η · y_j · (x_i − δ)), 0, w_max)
//
// (first order: Δw_ij = η · y_j · w_ij · (x_i − δ), i.e. c = 1 in
// Δw = η y w (x − δ) c), and a weight below the floor w_max · 10⁻³
// (synapse.MultiplicativeFloor) is eliminated: set to 0, silent for good
// (with regrow = true it restarts at the floor when x_i > δ while the
// neuron fires). The same synaptic scaling follows. Multiplicative
// (weight-dependent) plasticity is known to give lognormal-like weights (van
// Rossum, Bi & Turrigiano 2000); the variant is there to test whether it
// does here and what it costs in accuracy (dalesim experiment
// representations). It runs as a scalar loop, not the SIMD kernel of the
// default.
//
// Optional learning-rate schedule (hidden_rule.eta_tau, eta_min; off by
// default): after t training presentations the hidden rule uses
// η_t = max(η_min, η/(1 + t/τ_η)) in place of η, as in online k-means
// (see the README for its effect on full MNIST).
//
// Homeostatic thresholds (hidden neurons): after each training presentation
//
//	θ_j <- clamp(θ_j + η_θ · (n_j − N/H), −θ_max, θ_max)
//
// with N = target_spikes = 20 spikes per presentation in all, shared among
// the H hidden neurons (so the target does not depend on H), η_θ = 0.05 mV
// per spike, θ_max = 20 mV. A neuron that wins too often becomes harder to
// fire; a silent one easier, so every neuron finds a pattern.
//
// Readout, label-driven Hebbian (synapse.LabelHebb), for v_jk from hidden j
// to a readout neuron of class k, with teacher t_k = 1 for the sample's
// class and 0 otherwise:
//
//	v_jk <- clamp(v_jk + η_r · t_k · (v_max·(y_j − δ_r) − v_jk), 0, v_max)
//
// then the taught neurons' inputs are scaled so that their largest weight
// is S_r (scale_norm "max"). Defaults: η_r = 0.02, δ_r = 0, v_max = 100 mV,
// S_r = 100 mV: one spike of a class's most typical hidden neuron fires the
// class's readout neuron, whatever H is. (Scaling the sum instead saturates
// every weight at v_max when H is small.)
//
// Readout, weight perturbation (synapse.WeightPerturbation): during a
// training presentation every readout weight is v + ξ, ξ ~ N(0, σ²)
// (clipped to [0, v_max]); afterwards one global scalar, the error
// E = Σ_k (z_k − t_k)², decides:
//
//	v_jk <- clamp(v_jk − η_wp · (E − Ē) · y_j · ξ_jk/σ, 0, v_max),   Ē <- Ē + (E − Ē)/τ_b
//
// where y_j is the synapse's presynaptic activity (a synapse whose input did
// not fire could not have changed E, so it is not eligible). No error vector
// travels backwards: a synapse sees its own ξ, its input's activity and
// E − Ē. Defaults: η_wp = 0.2, σ = 1 mV, τ_b = 100 samples. With thousands
// of readout weights and one scalar per sample the estimate is noisy (the
// README reports its measured effect).
//
// # Running
//
// Model.Run trains epoch by epoch, evaluates after every epoch, saves the
// model (Save: spec.toml, model/ as a traces run whose weights are stamped
// with the number of training samples presented, model.json), records a few
// test presentations (RecordPresentations, with their labels and
// predictions in the metadata) and writes the report (WriteReport).
//
// # Prediction
//
// The predicted class is the readout group with the most spikes; ties
// (including a silent readout) go to the group that received the most
// synaptic charge, Σ_j v_jk n_j.
package learn
