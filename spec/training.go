package spec

import (
	"math"

	"dalesim/synapse"
)

// Training is the [training] table of a spec: which populations play
// which part in the learning rule, how a sample is presented, and the rule's
// parameters. See package learn for the equations.
type Training struct {
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

	HiddenRule  HiddenRule  `toml:"hidden_rule"`
	ReadoutRule ReadoutRule `toml:"readout_rule"`
	Homeostasis Homeostasis `toml:"homeostasis"`
}

// HiddenRule parameterises the competitive Hebbian rule.
type HiddenRule struct {
	Projection string   `toml:"projection"`
	Eta        *float64 `toml:"eta"`
	Delta      *float64 `toml:"delta"`
	WMax       *float64 `toml:"w_max"`
	Regrow     *bool    `toml:"regrow"`
	ScaleSum   *float64 `toml:"scale_sum"`
	ScaleNorm  string   `toml:"scale_norm,omitempty"` // "l2" (default), "l1" or "max"
	// Update is the form of the update: "additive" (the default, the
	// instar rule) or "multiplicative" (a step in ln w, weight-dependent;
	// see synapse.Multiplicative and package learn).
	Update string `toml:"update,omitempty"`
	// EtaTau (samples) sets a global learning-rate schedule, as in online
	// k-means: after t training presentations the rate is
	// max(eta_min, eta/(1 + t/eta_tau)). Unset or 0: eta stays constant.
	EtaTau *float64 `toml:"eta_tau"`
	EtaMin *float64 `toml:"eta_min"` // floor of the schedule (default 0)
}

// ReadoutRule parameterises the readout's Hebbian and weight-perturbation terms.
type ReadoutRule struct {
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

// Homeostasis parameterises the homeostatic thresholds of the hidden
// population: the population is regulated towards TargetSpikes spikes per
// presentation in all, shared equally among its neurons, so the target does
// not depend on the population's size.
type Homeostasis struct {
	TargetSpikes *float64 `toml:"target_spikes"`
	EtaMV        *float64 `toml:"eta_mV"` // threshold change per spike of deviation from the target
	MaxMV        *float64 `toml:"max_mV"` // bound on |theta|
}

func (s *Spec) validateTraining(l *ErrorList, pops map[string]*Population, projs map[string]bool) {
	t := s.Training
	if t == nil {
		return
	}
	c := trainingCheck{l: l, key: "training", label: "training"}
	key, label := c.key, c.label
	need := func(field, name, model string) {
		p := pops[name]
		switch {
		case name == "":
			l.Addf(key, label, "%s is missing (the name of a population)", field)
		case p == nil:
			l.Addf(key+"."+field, label, "%s = %q: no population of that name%s", field, name, s.popNames())
		case model == "lif" && !isLIF(p.Model):
			l.Addf(key+"."+field, label, "%s = %q: must be a LIF population (model %q)", field, name, p.Model)
		case model == "poisson" && p.Model != "poisson":
			l.Addf(key+"."+field, label, "%s = %q: must be a poisson population (model %q)", field, name, p.Model)
		}
		if p != nil && p.Identity != "excitatory" {
			l.Addf(key+"."+field, label, "%s = %q: must be excitatory (identity %q)", field, name, p.Identity)
		}
	}
	need("input", t.Input, "poisson")
	need("hidden", t.Hidden, "lif")
	need("readout", t.Readout, "lif")
	if t.ReadoutPerClass != nil && (*t.ReadoutPerClass < 1 || *t.ReadoutPerClass > 1000) {
		l.Addf(key+".readout_per_class", label, "readout_per_class = %d: must be between 1 and 1000", *t.ReadoutPerClass)
	}
	c.pos("presentation_ms", t.PresentationMS, true)
	c.pos("input_rate_hz", t.InputRateHz, true)
	c.pos("hidden_rate_hz", t.HiddenRateHz, true)
	c.pos("readout_rate_hz", t.ReadoutRateHz, true)
	c.hiddenRule(&t.HiddenRule, projs)
	c.readoutRule(&t.ReadoutRule, projs)
	c.homeostasis(&t.Homeostasis)
}

// trainingCheck reports the problems of a [training] table.
type trainingCheck struct {
	l          *ErrorList
	key, label string
}

// pos checks that v, when given, is a finite number > 0.
func (c trainingCheck) pos(k string, v *float64, required bool) {
	if v == nil {
		if required {
			c.l.Addf(c.key, c.label, "%s is missing", k)
		}
		return
	}
	if !(*v > 0) || math.IsInf(*v, 0) {
		c.l.Addf(c.key+"."+lastKey(k), c.label, "%s = %g: must be a finite number > 0", k, *v)
	}
}

func (c trainingCheck) hiddenRule(h *HiddenRule, projs map[string]bool) {
	l, key, label, pos := c.l, c.key, c.label, c.pos
	if !projs[h.Projection] {
		l.Addf(key+".hidden_rule.projection", label, "hidden_rule.projection = %q: no projection of that name", h.Projection)
	}
	pos("hidden_rule.eta", h.Eta, true)
	pos("hidden_rule.w_max", h.WMax, true)
	if h.Delta != nil && !(*h.Delta >= 0 && *h.Delta < 1) {
		l.Addf(key+".hidden_rule.delta", label, "hidden_rule.delta = %g: must be in [0, 1)", *h.Delta)
	}
	if h.Eta != nil && *h.Eta > 1 {
		l.Addf(key+".hidden_rule.eta", label, "hidden_rule.eta = %g: must be at most 1", *h.Eta)
	}
	if h.EtaTau != nil && (!(*h.EtaTau >= 0) || math.IsInf(*h.EtaTau, 0)) {
		l.Addf(key+".hidden_rule.eta_tau", label, "hidden_rule.eta_tau = %g: must be >= 0 (0: constant eta)", *h.EtaTau)
	}
	if h.EtaMin != nil && (!(*h.EtaMin >= 0) || *h.EtaMin > 1) {
		l.Addf(key+".hidden_rule.eta_min", label, "hidden_rule.eta_min = %g: must be in [0, 1]", *h.EtaMin)
	}
	if _, err := synapse.ParseNorm(h.ScaleNorm); err != nil {
		l.Add(key+".hidden_rule.scale_norm", label, "hidden_rule."+err.Error())
	}
	if _, err := synapse.ParseUpdate(h.Update); err != nil {
		l.Add(key+".hidden_rule.update", label, "hidden_rule."+err.Error())
	}
	if h.ScaleSum != nil && (!(*h.ScaleSum >= 0) || math.IsInf(*h.ScaleSum, 0)) {
		l.Addf(key+".hidden_rule.scale_sum", label, "hidden_rule.scale_sum = %g: must be >= 0 (0: off)", *h.ScaleSum)
	}
}

func (c trainingCheck) readoutRule(r *ReadoutRule, projs map[string]bool) {
	l, key, label, pos := c.l, c.key, c.label, c.pos
	if !projs[r.Projection] {
		l.Addf(key+".readout_rule.projection", label, "readout_rule.projection = %q: no projection of that name", r.Projection)
	}
	pos("readout_rule.eta_hebb", r.EtaHebb, true)
	if _, err := synapse.ParseNorm(r.ScaleNorm); err != nil {
		l.Add(key+".readout_rule.scale_norm", label, "readout_rule."+err.Error())
	}
	if r.ScaleSum != nil && (!(*r.ScaleSum >= 0) || math.IsInf(*r.ScaleSum, 0)) {
		l.Addf(key+".readout_rule.scale_sum", label, "readout_rule.scale_sum = %g: must be >= 0 (0: off)", *r.ScaleSum)
	}
	if r.DeltaHebb != nil && !(*r.DeltaHebb >= 0 && *r.DeltaHebb < 1) {
		l.Addf(key+".readout_rule.delta_hebb", label, "readout_rule.delta_hebb = %g: must be in [0, 1)", *r.DeltaHebb)
	}
	pos("readout_rule.w_max", r.WMax, true)
	if r.EtaWP != nil && (!(*r.EtaWP >= 0) || math.IsInf(*r.EtaWP, 0)) {
		l.Addf(key+".readout_rule.eta_wp", label, "readout_rule.eta_wp = %g: must be >= 0 (0: no weight perturbation)", *r.EtaWP)
	}
	pos("readout_rule.sigma_wp", r.SigmaWP, r.EtaWP != nil && *r.EtaWP > 0)
	pos("readout_rule.baseline_tau", r.BaselineTau, false)
}

func (c trainingCheck) homeostasis(hm *Homeostasis) {
	l, key, label, pos := c.l, c.key, c.label, c.pos
	pos("homeostasis.target_spikes", hm.TargetSpikes, false)
	if hm.EtaMV != nil && (!(*hm.EtaMV >= 0) || math.IsInf(*hm.EtaMV, 0)) {
		l.Addf(key+".homeostasis.eta_mV", label, "homeostasis.eta_mV = %g: must be >= 0", *hm.EtaMV)
	}
	pos("homeostasis.max_mV", hm.MaxMV, false)
	if hm.EtaMV != nil && *hm.EtaMV > 0 && hm.TargetSpikes == nil {
		l.Add(key+".homeostasis", label, "homeostasis.target_spikes is missing (needed when eta_mV > 0)")
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

// get returns *v or def when v is nil.
func get[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// TrainingParams is a [training] table with every default applied: the one
// place where the defaults of the learning rule live. examples/mnist.toml
// writes every key out with these values, and learn/doc.go explains them.
type TrainingParams struct {
	Input, Hidden, Readout string
	ReadoutPerClass        int     // default 1
	PresentationMS         float64 // required
	InputRateHz            float64 // required
	HiddenRateHz           float64 // required
	ReadoutRateHz          float64 // required

	HiddenProjection string
	Eta              float64 // required
	Delta            float64 // default 0
	WMax             float64 // required
	Regrow           bool    // default false: elimination is permanent
	ScaleSum         float64 // default 0: no synaptic scaling
	ScaleNorm        synapse.Norm
	EtaTau, EtaMin   float64        // default 0: constant eta
	Update           synapse.Update // default "additive"

	ReadoutProjection string
	EtaHebb           float64 // required
	DeltaHebb         float64 // default 0
	ReadoutScaleSum   float64 // default 0: no scaling
	ReadoutScaleNorm  synapse.Norm
	EtaWP             float64 // default 0: no weight perturbation
	SigmaWP           float64 // required when EtaWP > 0
	BaselineTau       float64 // default 100 samples
	ReadoutWMax       float64 // required

	TargetSpikes float64 // default 0
	EtaMV        float64 // default 0: no homeostasis
	MaxMV        float64 // default 20 mV
}

// Default norms of synaptic scaling when scale_norm is not given.
const (
	DefaultHiddenNorm  = "l2"
	DefaultReadoutNorm = "max"
)

// DefaultHiddenUpdate is the hidden rule's update when update is not given.
const DefaultHiddenUpdate = "additive"

// Params resolves the defaults of a validated [training] table.
func (t *Training) Params() TrainingParams {
	h, r, hm := &t.HiddenRule, &t.ReadoutRule, &t.Homeostasis
	norm := func(s, def string) synapse.Norm {
		if s == "" {
			s = def
		}
		n, _ := synapse.ParseNorm(s)
		return n
	}
	update := func(s string) synapse.Update {
		if s == "" {
			s = DefaultHiddenUpdate
		}
		u, _ := synapse.ParseUpdate(s)
		return u
	}
	return TrainingParams{
		Input: t.Input, Hidden: t.Hidden, Readout: t.Readout,
		ReadoutPerClass: get(t.ReadoutPerClass, 1),
		PresentationMS:  get(t.PresentationMS, 0), InputRateHz: get(t.InputRateHz, 0),
		HiddenRateHz: get(t.HiddenRateHz, 0), ReadoutRateHz: get(t.ReadoutRateHz, 0),

		HiddenProjection: h.Projection, Eta: get(h.Eta, 0), Delta: get(h.Delta, 0), WMax: get(h.WMax, 0),
		Regrow: get(h.Regrow, false), ScaleSum: get(h.ScaleSum, 0), ScaleNorm: norm(h.ScaleNorm, DefaultHiddenNorm),
		EtaTau: get(h.EtaTau, 0), EtaMin: get(h.EtaMin, 0), Update: update(h.Update),

		ReadoutProjection: r.Projection, EtaHebb: get(r.EtaHebb, 0), DeltaHebb: get(r.DeltaHebb, 0),
		ReadoutScaleSum: get(r.ScaleSum, 0), ReadoutScaleNorm: norm(r.ScaleNorm, DefaultReadoutNorm),
		EtaWP: get(r.EtaWP, 0), SigmaWP: get(r.SigmaWP, 0), BaselineTau: get(r.BaselineTau, 100), ReadoutWMax: get(r.WMax, 0),

		TargetSpikes: get(hm.TargetSpikes, 0), EtaMV: get(hm.EtaMV, 0), MaxMV: get(hm.MaxMV, 20),
	}
}
