// Package neuron holds dalesim's populations: leaky integrate-and-fire (LIF)
// neurons in struct-of-arrays form and the spike sources that drive them.
//
// Following NEST's split, each model has validated Parameters, float32 State
// columns, and propagators derived from the parameters and the time step.
//
// Models (all potentials in mV, times in ms):
//
//   - "cuba": current-based LIF with exponential synaptic currents,
//     tau_m dv/dt = -(v - v_rest) + i_ext + I_e - I_i, tau_e dI_e/dt = -I_e,
//     tau_i dI_i/dt = -I_i. Currents are in voltage units (R*I, mV), as in
//     Brette et al. 2007 benchmark 2. Integrated exactly with precomputed
//     propagators (Rotter & Diesmann 1999), including tau_e = tau_m.
//   - "coba": conductance-based LIF with exponential conductances,
//     C dv/dt = -g_leak (v - v_rest - i_ext) + g_e (E_e - v) + g_i (E_i - v),
//     with C = tau_m g_leak; conductances and their weights in nS, i_ext in
//     mV (I/g_leak). Integrated with the exponential Euler
//     method: over each step the conductances are held at their value at the
//     step's start and v relaxes exactly towards the resulting equilibrium;
//     the conductances then decay exactly. Conductances are normally >= 0,
//     but initial values may be negative (the Brette et al. COBA benchmark
//     draws them from normals); the total conductance is floored at
//     1e-3 g_leak so that the step stays finite.
//   - "delta": LIF with delta synapses (Brunel 2000): an input is a jump of v
//     in mV; v is integrated exactly between jumps.
//   - "poisson": independent Poisson spike sources, one rate per neuron.
//   - "spike_source": spikes at given times (read from a file).
//
// Every population has an identity, Excitatory or Inhibitory, fixed at
// creation: it is the sign of all of the population's outgoing synapses
// (Dale's law). A population has no method that changes it.
//
// Time stepping. Step k advances the state from t = k*dt to (k+1)*dt; a spike
// emitted in step k is stamped with step k. Inputs that arrive in step k are
// applied at its start (jumps of I_e/I_i, g_e/g_i or v), then v is integrated,
// compared with the threshold and reset. After a spike a neuron is refractory
// for round(t_ref/dt) steps: v is held at v_reset (it is not integrated) while
// synaptic currents keep decaying and summing input. For "delta" neurons,
// input during refractoriness is discarded (Brunel 2000, NEST) unless
// refractory_input = "accumulate" (Brian2's semantics, where on_pre jumps
// still move a refractory neuron's v).
//
// Adaptive threshold: the effective threshold is v_thresh + theta_i; theta_i
// rises by theta_step_mV at each spike and decays with tau_theta_ms. The
// learning rule's homeostasis also moves theta.
package neuron
