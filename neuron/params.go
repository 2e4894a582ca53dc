package neuron

import (
	"fmt"
	"math"

	"dalesim/simd"
)

// Model names a population model.
type Model string

// The population models.
const (
	CUBA        Model = "cuba"
	COBA        Model = "coba"
	Delta       Model = "delta"
	Poisson     Model = "poisson"
	SpikeSource Model = "spike_source"
)

// IsLIF reports whether m is one of the LIF models.
func (m Model) IsLIF() bool { return m == CUBA || m == COBA || m == Delta }

// ParseModel reads a model name.
func ParseModel(s string) (Model, error) {
	switch m := Model(s); m {
	case CUBA, COBA, Delta, Poisson, SpikeSource, LoihiLIF:
		return m, nil
	}
	return "", fmt.Errorf("model = %q: unknown (want cuba, coba, delta, poisson, spike_source or loihi_lif)", s)
}

// WeightUnit is the unit of weights onto a population of model m.
func (m Model) WeightUnit() string {
	if m == COBA {
		return "nS"
	}
	return "mV"
}

// Params are the parameters of a LIF population. Times in ms, potentials in mV.
type Params struct {
	TauM      float64 // membrane time constant
	TauE      float64 // excitatory synaptic time constant (cuba, coba)
	TauI      float64 // inhibitory synaptic time constant (cuba, coba)
	VRest     float64 // resting (leak reversal) potential
	VReset    float64 // reset potential
	VThresh   float64 // threshold
	TRef      float64 // refractory period
	IExt      float64 // constant input in mV: R*I for cuba/delta, I/g_leak for coba
	EE, EI    float64 // reversal potentials (coba)
	GLeak     float64 // leak conductance in nS (coba); conductances and their weights are in nS
	ThetaStep float64 // threshold increment at each spike (mV, >= 0)
	TauTheta  float64 // decay time constant of the threshold offset (0: no decay)
	// RefractoryInput: "discard" (default) or "accumulate" (delta only).
	RefractoryInput string
}

// Validate checks p for model m; the error names the field, its value and
// the rule it breaks.
func (p *Params) Validate(m Model) error {
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s = %g: must be a finite number > 0", name, v)
		}
		return nil
	}
	finite := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s = %g: must be a finite number", name, v)
		}
		return nil
	}
	if err := pos("tau_m_ms", p.TauM); err != nil {
		return err
	}
	if m == CUBA || m == COBA {
		if err := pos("tau_e_ms", p.TauE); err != nil {
			return err
		}
		if err := pos("tau_i_ms", p.TauI); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		n string
		v float64
	}{{"v_rest_mV", p.VRest}, {"v_reset_mV", p.VReset}, {"v_thresh_mV", p.VThresh}, {"i_ext_mV", p.IExt},
		{"e_rev_e_mV", p.EE}, {"e_rev_i_mV", p.EI}, {"theta_step_mV", p.ThetaStep}} {
		if err := finite(f.n, f.v); err != nil {
			return err
		}
	}
	if p.TRef < 0 || math.IsNaN(p.TRef) || math.IsInf(p.TRef, 0) {
		return fmt.Errorf("t_ref_ms = %g: must be a finite number >= 0", p.TRef)
	}
	if p.VReset >= p.VThresh {
		return fmt.Errorf("v_reset_mV = %g: must be below v_thresh_mV (%g)", p.VReset, p.VThresh)
	}
	if m == COBA {
		if err := pos("g_leak_nS", p.GLeak); err != nil {
			return err
		}
		if p.EI >= p.VThresh {
			return fmt.Errorf("e_rev_i_mV = %g: must be below v_thresh_mV (%g), or inhibitory synapses would excite", p.EI, p.VThresh)
		}
		if p.EE <= p.VThresh {
			return fmt.Errorf("e_rev_e_mV = %g: must be above v_thresh_mV (%g), or excitatory synapses could not fire the neuron", p.EE, p.VThresh)
		}
	}
	if p.ThetaStep < 0 {
		return fmt.Errorf("theta_step_mV = %g: must be >= 0", p.ThetaStep)
	}
	if p.TauTheta < 0 || math.IsNaN(p.TauTheta) || math.IsInf(p.TauTheta, 0) {
		return fmt.Errorf("tau_theta_ms = %g: must be a finite number >= 0 (0: no decay)", p.TauTheta)
	}
	switch p.RefractoryInput {
	case "", "discard":
	case "accumulate":
		if m != Delta {
			return fmt.Errorf("refractory_input = %q: only delta neurons take it (cuba and coba always keep summing synaptic input)", p.RefractoryInput)
		}
	default:
		return fmt.Errorf("refractory_input = %q: must be \"discard\" or \"accumulate\"", p.RefractoryInput)
	}
	return nil
}

// Consts derives the kernel constants (propagators) for time step dt (ms).
func (p *Params) Consts(m Model, dt float64) simd.LIF {
	pv := math.Exp(-dt / p.TauM)
	c := simd.LIF{
		PV:       float32(pv),
		VInf:     float32(p.VRest + p.IExt),
		VReset:   float32(p.VReset),
		VThresh:  float32(p.VThresh),
		NRef:     int32(math.Round(p.TRef / dt)),
		ThStep:   float32(p.ThetaStep),
		ThDecay:  1,
		RefInput: p.RefractoryInput == "accumulate",
	}
	// ThDecay = 1 means no decay: the population then skips the Decay pass
	// on theta after the LIF kernel (so theta is never flushed to 0).
	if p.TauTheta > 0 {
		c.ThDecay = float32(math.Exp(-dt / p.TauTheta))
	}
	switch m {
	case CUBA:
		c.PE, c.PI = float32(math.Exp(-dt/p.TauE)), float32(math.Exp(-dt/p.TauI))
		c.KE = float32(currentPropagator(dt, p.TauM, p.TauE))
		c.KI = float32(currentPropagator(dt, p.TauM, p.TauI))
	case COBA:
		c.PE, c.PI = float32(math.Exp(-dt/p.TauE)), float32(math.Exp(-dt/p.TauI))
		c.EE, c.EI = float32(p.EE), float32(p.EI)
		c.GL = float32(p.GLeak)
		c.GLVInf = float32(p.GLeak * (p.VRest + p.IExt))
		c.GMin = float32(p.GLeak * 1e-3)
		c.NegDtTau = float32(-dt / (p.TauM * p.GLeak))
	}
	return c
}

// currentPropagator is the change of v over one step caused by a unit
// exponential current present at the step's start, for
// tau_m dv/dt = -v + I, tau_s dI/dt = -I:
// tau_s/(tau_s-tau_m) (exp(-dt/tau_s) - exp(-dt/tau_m)), or its limit
// (dt/tau_m) exp(-dt/tau_m) when tau_s = tau_m.
func currentPropagator(dt, tauM, tauS float64) float64 {
	if math.Abs(tauS-tauM) < 1e-9*tauM {
		return dt / tauM * math.Exp(-dt/tauM)
	}
	// expm1 keeps precision when the two time constants are close.
	a, b := -dt/tauS, -dt/tauM
	return tauS / (tauS - tauM) * math.Exp(b) * math.Expm1(a-b)
}
