package network

import (
	"math"

	"dalesim/synapse"
)

// TrainingSpec is the [training] table of a spec: which populations play
// which part in the learning rule, how a sample is presented, and the rule's
// parameters. See package learn for the equations.
type TrainingSpec struct {
	Input   string `toml:"input"`   // poisson population that shows the image (one source per pixel)
	Hidden  string `toml:"hidden"`  // population learning with the competitive rule
	Readout string `toml:"readout"` // one neuron, or a group of neurons, per class
	// ReadoutPerClass is the number of readout neurons per class: the
	// readout population's size is set to it times the number of classes.
	ReadoutPerClass *int     `toml:"readout_per_class"`
	PresentationMS  *float64 `toml:"presentation_ms"`
	InputRateHz     *float64 `toml:"input_rate_hz"`   // rate of a pixel of intensity 1
	HiddenRateHz    *float64 `toml:"hidden_rate_hz"`  // hidden rate mapped to activity 1
	ReadoutRateHz   *float64 `toml:"readout_rate_hz"` // readout rate mapped to activity 1

	HiddenRule  HiddenRuleSpec  `toml:"hidden_rule"`
	ReadoutRule ReadoutRuleSpec `toml:"readout_rule"`
	Homeostasis HomeostasisSpec `toml:"homeostasis"`
}

// HiddenRuleSpec parameterises the competitive Hebbian rule.
type HiddenRuleSpec struct {
	Projection string   `toml:"projection"`
	Eta        *float64 `toml:"eta"`
	Delta      *float64 `toml:"delta"`
	WMax       *float64 `toml:"w_max"`
	Regrow     *bool    `toml:"regrow"`
	ScaleSum   *float64 `toml:"scale_sum"`
	ScaleNorm  string   `toml:"scale_norm,omitempty"` // "l1" (default), "l2" or "max"
	// EtaTau (samples) sets a global learning-rate schedule, as in online
	// k-means: after t training presentations the rate is
	// max(eta_min, eta/(1 + t/eta_tau)). Unset or 0: eta stays constant.
	EtaTau *float64 `toml:"eta_tau"`
	EtaMin *float64 `toml:"eta_min"` // floor of the schedule (default 0)
}

// ReadoutRuleSpec parameterises the readout's Hebbian and weight-perturbation terms.
type ReadoutRuleSpec struct {
	Projection  string   `toml:"projection"`
	EtaHebb     *float64 `toml:"eta_hebb"`
	DeltaHebb   *float64 `toml:"delta_hebb"`
	ScaleSum    *float64 `toml:"scale_sum"`
	ScaleNorm   string   `toml:"scale_norm,omitempty"`
	EtaWP       *float64 `toml:"eta_wp"`
	SigmaWP     *float64 `toml:"sigma_wp"`
	BaselineTau *float64 `toml:"baseline_tau"`
	WMax        *float64 `toml:"w_max"`
}

// HomeostasisSpec parameterises the homeostatic thresholds of the hidden
// population: the population is regulated towards TargetSpikes spikes per
// presentation in all, shared equally among its neurons, so the target does
// not depend on the population's size.
type HomeostasisSpec struct {
	TargetSpikes *float64 `toml:"target_spikes"`
	EtaMV        *float64 `toml:"eta_mV"` // threshold change per spike of deviation from the target
	MaxMV        *float64 `toml:"max_mV"` // bound on |theta|
}

func (s *Spec) validateTraining(l *errList, pops map[string]*PopSpec, projs map[string]bool) {
	t := s.Training
	if t == nil {
		return
	}
	key := "training"
	label := "training"
	need := func(field, name, model string) {
		p := pops[name]
		switch {
		case name == "":
			l.addf(key, label, "%s is missing (the name of a population)", field)
		case p == nil:
			l.addf(key+"."+field, label, "%s = %q: no population of that name%s", field, name, s.popNames())
		case model == "lif" && !isLIF(p.Model):
			l.addf(key+"."+field, label, "%s = %q: must be a LIF population (model %q)", field, name, p.Model)
		case model == "poisson" && p.Model != "poisson":
			l.addf(key+"."+field, label, "%s = %q: must be a poisson population (model %q)", field, name, p.Model)
		}
		if p != nil && p.Identity != "excitatory" {
			l.addf(key+"."+field, label, "%s = %q: must be excitatory (identity %q)", field, name, p.Identity)
		}
	}
	need("input", t.Input, "poisson")
	need("hidden", t.Hidden, "lif")
	need("readout", t.Readout, "lif")
	pos := func(k string, v *float64, required bool) {
		if v == nil {
			if required {
				l.addf(key, label, "%s is missing", k)
			}
			return
		}
		if !(*v > 0) || math.IsInf(*v, 0) {
			l.addf(key+"."+lastKey(k), label, "%s = %g: must be a finite number > 0", k, *v)
		}
	}
	if t.ReadoutPerClass != nil && (*t.ReadoutPerClass < 1 || *t.ReadoutPerClass > 1000) {
		l.addf(key+".readout_per_class", label, "readout_per_class = %d: must be between 1 and 1000", *t.ReadoutPerClass)
	}
	pos("presentation_ms", t.PresentationMS, true)
	pos("input_rate_hz", t.InputRateHz, true)
	pos("hidden_rate_hz", t.HiddenRateHz, true)
	pos("readout_rate_hz", t.ReadoutRateHz, true)
	h := &t.HiddenRule
	if !projs[h.Projection] {
		l.addf(key+".hidden_rule.projection", label, "hidden_rule.projection = %q: no projection of that name", h.Projection)
	}
	pos("hidden_rule.eta", h.Eta, true)
	pos("hidden_rule.w_max", h.WMax, true)
	if h.Delta != nil && !(*h.Delta >= 0 && *h.Delta < 1) {
		l.addf(key+".hidden_rule.delta", label, "hidden_rule.delta = %g: must be in [0, 1)", *h.Delta)
	}
	if h.Eta != nil && *h.Eta > 1 {
		l.addf(key+".hidden_rule.eta", label, "hidden_rule.eta = %g: must be at most 1", *h.Eta)
	}
	if h.EtaTau != nil && (!(*h.EtaTau >= 0) || math.IsInf(*h.EtaTau, 0)) {
		l.addf(key+".hidden_rule.eta_tau", label, "hidden_rule.eta_tau = %g: must be >= 0 (0: constant eta)", *h.EtaTau)
	}
	if h.EtaMin != nil && (!(*h.EtaMin >= 0) || *h.EtaMin > 1) {
		l.addf(key+".hidden_rule.eta_min", label, "hidden_rule.eta_min = %g: must be in [0, 1]", *h.EtaMin)
	}
	if _, err := synapse.ParseNorm(h.ScaleNorm); err != nil {
		l.add(key+".hidden_rule.scale_norm", label, "hidden_rule."+err.Error())
	}
	if _, err := synapse.ParseNorm(t.ReadoutRule.ScaleNorm); err != nil {
		l.add(key+".readout_rule.scale_norm", label, "readout_rule."+err.Error())
	}
	if h.ScaleSum != nil && (!(*h.ScaleSum >= 0) || math.IsInf(*h.ScaleSum, 0)) {
		l.addf(key+".hidden_rule.scale_sum", label, "hidden_rule.scale_sum = %g: must be >= 0 (0: off)", *h.ScaleSum)
	}
	r := &t.ReadoutRule
	if !projs[r.Projection] {
		l.addf(key+".readout_rule.projection", label, "readout_rule.projection = %q: no projection of that name", r.Projection)
	}
	pos("readout_rule.eta_hebb", r.EtaHebb, true)
	if r.ScaleSum != nil && (!(*r.ScaleSum >= 0) || math.IsInf(*r.ScaleSum, 0)) {
		l.addf(key+".readout_rule.scale_sum", label, "readout_rule.scale_sum = %g: must be >= 0 (0: off)", *r.ScaleSum)
	}
	if r.DeltaHebb != nil && !(*r.DeltaHebb >= 0 && *r.DeltaHebb < 1) {
		l.addf(key+".readout_rule.delta_hebb", label, "readout_rule.delta_hebb = %g: must be in [0, 1)", *r.DeltaHebb)
	}
	pos("readout_rule.w_max", r.WMax, true)
	if r.EtaWP != nil && (!(*r.EtaWP >= 0) || math.IsInf(*r.EtaWP, 0)) {
		l.addf(key+".readout_rule.eta_wp", label, "readout_rule.eta_wp = %g: must be >= 0 (0: no weight perturbation)", *r.EtaWP)
	}
	pos("readout_rule.sigma_wp", r.SigmaWP, r.EtaWP != nil && *r.EtaWP > 0)
	pos("readout_rule.baseline_tau", r.BaselineTau, false)
	hm := &t.Homeostasis
	pos("homeostasis.target_spikes", hm.TargetSpikes, false)
	if hm.EtaMV != nil && (!(*hm.EtaMV >= 0) || math.IsInf(*hm.EtaMV, 0)) {
		l.addf(key+".homeostasis.eta_mV", label, "homeostasis.eta_mV = %g: must be >= 0", *hm.EtaMV)
	}
	pos("homeostasis.max_mV", hm.MaxMV, false)
	if hm.EtaMV != nil && *hm.EtaMV > 0 && hm.TargetSpikes == nil {
		l.add(key+".homeostasis", label, "homeostasis.target_spikes is missing (needed when eta_mV > 0)")
	}
}

func lastKey(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' {
			return k[i+1:]
		}
	}
	return k
}

func isLIF(model string) bool { return model == "cuba" || model == "coba" || model == "delta" }

// Get returns *v or def when v is nil.
func Get[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}
