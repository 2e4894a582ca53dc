package spec

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"dalesim/neuron"
	"dalesim/synapse"
)

// Spec is a network description as read from a TOML spec file. See the
// README for the format; examples/ holds complete files.
type Spec struct {
	Name        string       `toml:"name,omitempty"`
	DtMS        *float64     `toml:"dt_ms"`
	DurationMS  *float64     `toml:"duration_ms"`
	Seed        *int64       `toml:"seed"`
	Populations []Population `toml:"population,omitempty"`
	Drives      []Drive      `toml:"drive"`
	Projections []Projection `toml:"projection,omitempty"`
	Monitors    []Monitor    `toml:"monitor"`
	Training    *Training    `toml:"training"`
	FixedPoint  *FixedPoint  `toml:"fixed_point"`

	// Source is the spec's TOML text and File its path ("" for built-ins);
	// relative file names in the spec are resolved against File's directory.
	Source []byte `toml:"-"`
	File   string `toml:"-"`
	loc    *locator
}

// Population describes one population.
type Population struct {
	Name     string `toml:"name,omitempty"`
	Size     int    `toml:"size"`
	Identity string `toml:"identity"`
	Model    string `toml:"model"`

	TauM            *float64 `toml:"tau_m_ms"`
	TauE            *float64 `toml:"tau_e_ms"`
	TauI            *float64 `toml:"tau_i_ms"`
	VRest           *float64 `toml:"v_rest_mV"`
	VReset          *float64 `toml:"v_reset_mV"`
	VThresh         *float64 `toml:"v_thresh_mV"`
	TRef            *float64 `toml:"t_ref_ms"`
	IExt            *float64 `toml:"i_ext_mV"`
	EE              *float64 `toml:"e_rev_e_mV"`
	EI              *float64 `toml:"e_rev_i_mV"`
	GLeak           *float64 `toml:"g_leak_nS"`
	ThetaStep       *float64 `toml:"theta_step_mV"`
	TauTheta        *float64 `toml:"tau_theta_ms"`
	RefractoryInput string   `toml:"refractory_input,omitempty"`

	// loihi_lif (fixed point, see neuron.FixedParams): integers.
	Du       *int64 `toml:"du"`
	Dv       *int64 `toml:"dv"`
	BiasMant *int64 `toml:"bias_mant"`
	BiasExp  *int64 `toml:"bias_exp"`
	Vth      *int64 `toml:"vth"`

	RateHz *float64 `toml:"rate_hz"`        // poisson
	File   string   `toml:"file,omitempty"` // spike_source: CSV neuron,t_ms

	Init Init `toml:"init"`
}

// Init gives initial values of LIF state (defaults: v = v_rest, the rest 0).
type Init struct {
	V     Dist `toml:"v_mV,omitempty"`
	GE    Dist `toml:"ge,omitempty"`
	GI    Dist `toml:"gi,omitempty"`
	Theta Dist `toml:"theta_mV,omitempty"`
}

// Drive is an external Poisson drive onto a LIF population.
type Drive struct {
	Name     string   `toml:"name,omitempty"`
	Target   string   `toml:"target"`
	Identity string   `toml:"identity"`
	N        int      `toml:"n"`
	RateHz   *float64 `toml:"rate_hz"`
	Weight   *float64 `toml:"weight"`
}

// Projection describes one projection.
type Projection struct {
	Name         string `toml:"name,omitempty"`
	Source       string `toml:"source"`
	Target       string `toml:"target"`
	Connectivity Conn   `toml:"connectivity"`
	Weight       Dist   `toml:"weight,omitempty"`
	DelayMS      Dist   `toml:"delay_ms,omitempty"`
	// Onto loihi_lif populations: the weight exponent (default 0) and the
	// weight width (default: [fixed_point] weight_bits, else 8).
	WeightExp  *int `toml:"weight_exp"`
	WeightBits *int `toml:"weight_bits"`
}

// FixedPoint holds the network-wide settings of the fixed-point
// (loihi_lif) path.
type FixedPoint struct {
	// WeightBits is the width of every integer weight (1..8, default 8);
	// below 8 the magnitudes lose their low bits (accuracy studies).
	WeightBits *int `toml:"weight_bits"`
}

// FixedWeights returns the integer weight settings of projection p onto a
// loihi_lif population.
func (s *Spec) FixedWeights(p *Projection) synapse.FixedWeights {
	f := synapse.FixedWeights{Bits: 8}
	if s.FixedPoint != nil && s.FixedPoint.WeightBits != nil {
		f.Bits = *s.FixedPoint.WeightBits
	}
	if p.WeightBits != nil {
		f.Bits = *p.WeightBits
	}
	if p.WeightExp != nil {
		f.Exp = *p.WeightExp
	}
	return f
}

// FixedParams collects the parameters of a loihi_lif population and lists
// the required ones missing (vth; the rest default to 0).
func (p *Population) FixedParams() (neuron.FixedParams, []string) {
	var f neuron.FixedParams
	var missing []string
	for _, x := range []struct {
		name string
		v    *int64
		dst  *int64
	}{{"du", p.Du, &f.Du}, {"dv", p.Dv, &f.Dv}, {"bias_mant", p.BiasMant, &f.BiasMant}, {"bias_exp", p.BiasExp, &f.BiasExp}, {"vth", p.Vth, &f.Vth}} {
		if x.v != nil {
			*x.dst = *x.v
		} else if x.name == "vth" {
			missing = append(missing, x.name)
		}
	}
	return f, missing
}

// fixedKeys lists the loihi_lif parameters the population sets.
func (p *Population) fixedKeys() []string {
	var k []string
	for _, x := range []struct {
		name string
		v    *int64
	}{{"du", p.Du}, {"dv", p.Dv}, {"bias_mant", p.BiasMant}, {"bias_exp", p.BiasExp}, {"vth", p.Vth}} {
		if x.v != nil {
			k = append(k, x.name)
		}
	}
	return k
}

// Conn is a projection's connectivity rule.
type Conn struct {
	Rule      string   `toml:"rule,omitempty"`
	P         *float64 `toml:"p"`
	K         *int     `toml:"k"`
	Autapses  *bool    `toml:"autapses"`
	Multapses *bool    `toml:"multapses"`
	File      string   `toml:"file,omitempty"`
}

// Monitor asks for a trace table (written with --out).
type Monitor struct {
	Kind        string   `toml:"kind,omitempty"` // spikes, state, weights, rate
	Populations []string `toml:"populations"`
	Population  string   `toml:"population,omitempty"`
	Vars        []string `toml:"vars"`
	Neurons     []int    `toml:"neurons"`
	IntervalMS  *float64 `toml:"interval_ms"`
	Projection  string   `toml:"projection,omitempty"`
	BinMS       *float64 `toml:"bin_ms"`
}

// Error is one problem in a spec: where it is, which field, and why.
type Error struct {
	File  string
	Line  int
	Field string // e.g. population "E": tau_m_ms
	Msg   string // value and rule, e.g. "tau_m_ms = -5: must be a finite number > 0"
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// IsError reports whether err holds a spec problem (exit status 2 on the CLI).
func IsError(err error) bool {
	var se *Error
	return errors.As(err, &se)
}

// Load reads and validates a spec file.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(data, path)
}

var reLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// Parse decodes and validates spec text; file names the source in
// errors and anchors relative paths.
func Parse(data []byte, file string) (*Spec, error) {
	s := &Spec{Source: data, File: file}
	s.loc = newLocator(data)
	md, err := toml.Decode(string(data), s)
	if err != nil {
		se := &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			se.Line = pe.Position.Line
			se.Msg = pe.Message
			if pe.LastKey != "" {
				se.Field = pe.LastKey
			}
		} else if m := reLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &se.Line)
			se.Field, se.Msg = m[2], m[3]
		}
		return nil, se
	}
	var errs []error
	for _, k := range md.Undecoded() {
		key := k.String()
		errs = append(errs, &Error{File: file, Line: s.loc.lineOfUndecoded(key), Field: key, Msg: "unknown key (misspelt, or not valid here)"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dt returns the time step in ms.
func (s *Spec) Dt() float64 { return *s.DtMS }

// Duration returns the simulated time in ms.
func (s *Spec) Duration() float64 {
	if s.DurationMS == nil {
		return 1000
	}
	return *s.DurationMS
}

// SeedValue returns the seed (default 1).
func (s *Spec) SeedValue() uint64 {
	if s.Seed == nil {
		return 1
	}
	return uint64(*s.Seed)
}

// ErrorList collects the problems of a spec, each located at its line.
type ErrorList struct {
	s    *Spec
	errs []error
}

// NewErrorList returns an empty list for the problems of s.
func NewErrorList(s *Spec) *ErrorList { return &ErrorList{s: s} }

var reField = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_.]*) = `)

// Add records msg about the table at key (e.g. "population[1]"), labelled
// label; the line is that of the field the message starts with, if any.
func (l *ErrorList) Add(key, label, msg string) {
	line := 0
	if l.s.loc != nil {
		if m := reField.FindStringSubmatch(msg); m != nil {
			line = l.s.loc.line(key + "." + m[1])
		}
		if line == 0 {
			line = l.s.loc.line(key)
		}
	}
	l.errs = append(l.errs, &Error{File: l.s.File, Line: line, Field: label, Msg: msg})
}

// Addf is Add with a format.
func (l *ErrorList) Addf(key, label, format string, a ...any) {
	l.Add(key, label, fmt.Sprintf(format, a...))
}

// Err returns the problems joined, or nil.
func (l *ErrorList) Err() error { return errors.Join(l.errs...) }

// Validate checks everything that can be checked without building: ranges,
// names, required fields, and that parameters fit their model. Each problem
// names its field, value and rule.
func (s *Spec) Validate() error {
	l := NewErrorList(s)
	dt := s.validateRoot(l)
	pops := s.validatePopulations(l, dt)
	s.validateDrives(l, pops, dt)
	projNames := s.validateProjections(l, pops, dt)
	for i := range s.Monitors {
		s.validateMonitor(l, i, pops, projNames, dt)
	}
	s.validateTraining(l, pops, projNames)
	if fp := s.FixedPoint; fp != nil && fp.WeightBits != nil && (*fp.WeightBits < 1 || *fp.WeightBits > 8) {
		l.Addf("fixed_point.weight_bits", "[fixed_point]", "weight_bits = %d: must be in [1, 8] (Loihi's synaptic weights have at most 8 bits)", *fp.WeightBits)
	}
	return l.Err()
}

// validateRoot checks the root keys and returns the time step to check the
// rest against (0.1 ms when dt_ms is unusable).
func (s *Spec) validateRoot(l *ErrorList) float64 {
	if s.DtMS == nil {
		l.Add("dt_ms", "", "dt_ms is missing (the time step in ms, e.g. dt_ms = 0.1)")
	} else if !(*s.DtMS > 0) || math.IsInf(*s.DtMS, 0) || *s.DtMS > 1000 {
		l.Addf("dt_ms", "", "dt_ms = %g: must be > 0 and at most 1000", *s.DtMS)
	}
	if s.DurationMS != nil && (!(*s.DurationMS >= 0) || math.IsInf(*s.DurationMS, 0)) {
		l.Addf("duration_ms", "", "duration_ms = %g: must be a finite number >= 0", *s.DurationMS)
	}
	if s.Seed != nil && *s.Seed < 0 {
		l.Addf("seed", "", "seed = %d: must be >= 0", *s.Seed)
	}
	if len(s.Populations) == 0 {
		l.Add("", "", "no [[population]]: a network needs at least one population")
	}
	dt := 0.1
	if s.DtMS != nil && *s.DtMS > 0 {
		dt = *s.DtMS
	}
	return dt
}

// validatePopulations checks every [[population]] and returns them by name.
func (s *Spec) validatePopulations(l *ErrorList, dt float64) map[string]*Population {
	pops := map[string]*Population{}
	for i := range s.Populations {
		p := &s.Populations[i]
		key := fmt.Sprintf("population[%d]", i)
		label := fmt.Sprintf("population %q", p.Name)
		if p.Name == "" {
			l.Add(key, fmt.Sprintf("population #%d", i+1), "name is missing")
		} else if pops[p.Name] != nil {
			l.Addf(key+".name", label, "name = %q: used by two populations; names must be unique", p.Name)
		} else if strings.ContainsAny(p.Name, "/=\\\x00") || strings.Contains(p.Name, "->") {
			l.Addf(key+".name", label, "name = %q: must not contain '/', '=', '\\' or '->'", p.Name)
		}
		pops[p.Name] = p
		if p.Size <= 0 || p.Size > math.MaxInt32 {
			l.Addf(key, label, "size = %d: must be between 1 and %d", p.Size, math.MaxInt32)
		}
		if _, err := neuron.ParseIdentity(p.Identity); err != nil {
			l.Add(key, label, err.Error())
		}
		m, err := neuron.ParseModel(p.Model)
		if err != nil {
			l.Add(key, label, err.Error())
			continue
		}
		if m.IsFixed() {
			validateFixed(l, key, label, p)
			continue
		}
		for _, k := range p.fixedKeys() {
			l.Addf(key+"."+k, label, "%s: only loihi_lif populations take it", k)
		}
		if m.IsLIF() {
			validateLIF(l, key, label, p, m)
		} else {
			validateSource(l, key, label, p, m, dt)
		}
	}
	return pops
}

// validateLIF checks the parameters and initial values of a LIF population.
func validateLIF(l *ErrorList, key, label string, p *Population, m neuron.Model) {
	lifKeys := p.lifKeys()
	par, missing := p.Params(m)
	for _, k := range missing {
		l.Addf(key, label, "%s is missing (required for model %q)", k, m)
	}
	if len(missing) == 0 {
		if err := par.Validate(m); err != nil {
			l.Add(key, label, err.Error())
		}
	}
	for _, k := range lifKeys {
		if !m.Has(k) {
			l.Addf(key+"."+k, label, "%s = %v: model %q has no such parameter", k, p.value(k), m)
		}
	}
	if p.RateHz != nil {
		l.Addf(key+".rate_hz", label, "rate_hz = %g: only poisson populations have a rate (use a [[drive]] for Poisson input to LIF neurons)", *p.RateHz)
	}
	if p.File != "" {
		l.Addf(key+".file", label, "file = %q: only spike_source populations read spike times", p.File)
	}
	for _, d := range []struct {
		name string
		d    *Dist
		nn   bool
	}{{"v_mV", &p.Init.V, false}, {"ge", &p.Init.GE, m == neuron.CUBA}, {"gi", &p.Init.GI, m == neuron.CUBA}, {"theta_mV", &p.Init.Theta, false}} {
		if !d.d.IsSet() {
			continue
		}
		if m == neuron.Delta && (d.name == "ge" || d.name == "gi") {
			l.Addf(key+".init."+d.name, label, "init.%s: delta neurons have no synaptic currents", d.name)
			continue
		}
		if err := d.d.Validate(d.nn); err != nil {
			l.Addf(key+".init."+d.name, label, "init.%s: %v", d.name, err)
		}
	}
}

// validateFixed checks a loihi_lif population: integer parameters within
// Loihi's widths, and none of the float models' keys.
func validateFixed(l *ErrorList, key, label string, p *Population) {
	for _, k := range p.lifKeys() {
		l.Addf(key+"."+k, label, "%s = %v: model \"loihi_lif\" has no such parameter (it takes du, dv, bias_mant, bias_exp, vth)", k, p.value(k))
	}
	if p.RateHz != nil {
		l.Addf(key+".rate_hz", label, "rate_hz = %g: only poisson populations have a rate", *p.RateHz)
	}
	if p.File != "" {
		l.Addf(key+".file", label, "file = %q: only spike_source populations read spike times", p.File)
	}
	if p.Init.V.IsSet() || p.Init.GE.IsSet() || p.Init.GI.IsSet() || p.Init.Theta.IsSet() {
		l.Addf(key+".init", label, "init: loihi_lif neurons start at u = v = 0")
	}
	f, missing := p.FixedParams()
	for _, k := range missing {
		l.Addf(key, label, "%s is missing (required for model \"loihi_lif\")", k)
	}
	if err := f.Validate(); err != nil {
		l.Add(key, label, err.Error())
	}
}

// validateSource checks a poisson or spike_source population.
func validateSource(l *ErrorList, key, label string, p *Population, m neuron.Model, dt float64) {
	lifKeys := p.lifKeys()
	for _, k := range lifKeys {
		l.Addf(key+"."+k, label, "%s = %v: a %s population has no membrane parameters", k, p.value(k), m)
	}
	if p.Init.V.IsSet() || p.Init.GE.IsSet() || p.Init.GI.IsSet() || p.Init.Theta.IsSet() {
		l.Addf(key+".init", label, "init: a %s population has no state to initialise", m)
	}
	if m == neuron.Poisson {
		if p.RateHz == nil {
			l.Add(key, label, "rate_hz is missing (required for model \"poisson\")")
		} else if r := *p.RateHz; !(r >= 0) || math.IsInf(r, 0) || r*dt/1000 > 1 {
			l.Addf(key+".rate_hz", label, "rate_hz = %g: must be in [0, %g] (at most one spike per step at dt = %g ms)", r, 1000/dt, dt)
		}
		if p.File != "" {
			l.Addf(key+".file", label, "file = %q: only spike_source populations read spike times", p.File)
		}
	} else {
		if p.File == "" {
			l.Add(key, label, "file is missing (a CSV with the columns neuron,t_ms)")
		}
		if p.RateHz != nil {
			l.Addf(key+".rate_hz", label, "rate_hz = %g: only poisson populations have a rate", *p.RateHz)
		}
	}
}

// validateDrives checks every [[drive]].
func (s *Spec) validateDrives(l *ErrorList, pops map[string]*Population, dt float64) {
	for i := range s.Drives {
		d := &s.Drives[i]
		key := fmt.Sprintf("drive[%d]", i)
		label := fmt.Sprintf("drive %q", d.EffectiveName(i))
		t := pops[d.Target]
		if t == nil {
			l.Addf(key+".target", label, "target = %q: no population of that name%s", d.Target, s.popNames())
		} else if m, _ := neuron.ParseModel(t.Model); !m.IsLIF() && !m.IsFixed() && m != "" {
			l.Addf(key+".target", label, "target = %q: a %s population takes no input", d.Target, m)
		}
		if _, err := neuron.ParseIdentity(d.Identity); err != nil {
			l.Add(key+".identity", label, err.Error())
		}
		if d.N <= 0 {
			l.Addf(key+".n", label, "n = %d: must be >= 1 (the number of independent Poisson sources per neuron)", d.N)
		}
		if d.RateHz == nil {
			l.Add(key, label, "rate_hz is missing")
		} else if r := *d.RateHz; !(r >= 0) || math.IsInf(r, 0) {
			l.Addf(key+".rate_hz", label, "rate_hz = %g: must be a finite number >= 0", r)
		} else if err := neuron.CheckDriveLambda(neuron.DriveLambda(d.N, r, dt)); err != nil {
			l.Addf(key+".rate_hz", label, "rate_hz = %g: %v", r, err)
		}
		if d.Weight == nil {
			l.Add(key, label, "weight is missing")
		} else if w := *d.Weight; !(w >= 0) || math.IsInf(w, 0) {
			l.Addf(key+".weight", label, "weight = %g: must be a finite magnitude >= 0 (the sign comes from the drive's identity)", w)
		}
	}
}

// validateProjections checks every [[projection]] and returns the set of
// their names.
func (s *Spec) validateProjections(l *ErrorList, pops map[string]*Population, dt float64) map[string]bool {
	projNames := map[string]bool{}
	for i := range s.Projections {
		p := &s.Projections[i]
		key := fmt.Sprintf("projection[%d]", i)
		name := p.EffectiveName()
		label := fmt.Sprintf("projection %q", name)
		if projNames[name] {
			l.Addf(key, label, "name = %q: used by two projections; give each a unique name", name)
		}
		projNames[name] = true
		src, tgt := pops[p.Source], pops[p.Target]
		if p.Source == "" {
			l.Add(key, label, "source is missing")
		} else if src == nil {
			l.Addf(key+".source", label, "source = %q: no population of that name%s", p.Source, s.popNames())
		}
		if p.Target == "" {
			l.Add(key, label, "target is missing")
		} else if tgt == nil {
			l.Addf(key+".target", label, "target = %q: no population of that name%s", p.Target, s.popNames())
		} else if m, _ := neuron.ParseModel(tgt.Model); m != "" && !m.IsLIF() && !m.IsFixed() {
			l.Addf(key+".target", label, "target = %q: a %s population takes no input", p.Target, m)
		}
		s.validateFixedProjection(l, key, label, p, tgt)
		if !p.Weight.IsSet() {
			l.Add(key, label, "weight is missing (a magnitude >= 0, or a table such as { dist = \"lognormal\", mu = 0, sigma = 1 })")
		} else if err := p.Weight.Validate(true); err != nil {
			l.Add(key+".weight", label, "weight: "+err.Error())
		}
		if p.DelayMS.IsSet() {
			if err := p.DelayMS.Validate(true); err != nil {
				l.Add(key+".delay_ms", label, "delay_ms: "+err.Error())
			} else if lo := p.DelayMS.minValue(); math.Round(lo/dt) < 1 {
				l.Addf(key+".delay_ms", label, "delay_ms = %g: must be at least one time step (dt = %g ms); a spike acts in the step after it is emitted at the earliest", lo, dt)
			} else if hi := p.DelayMS.maxValue(); math.Round(hi/dt) > synapse.MaxDelaySteps {
				l.Addf(key+".delay_ms", label, "delay_ms = %g: must be at most %d steps (%g ms at dt = %g ms)", hi, synapse.MaxDelaySteps, synapse.MaxDelaySteps*dt, dt)
			}
		}
		c := &p.Connectivity
		ck := key + ".connectivity"
		switch synapse.Rule(c.Rule) {
		case synapse.FixedProbability:
			if c.P == nil {
				l.Add(ck, label, "connectivity.p is missing (required for rule fixed_probability)")
			} else if !(*c.P >= 0 && *c.P <= 1) {
				l.Addf(ck+".p", label, "connectivity.p = %g: must be a probability in [0, 1]", *c.P)
			}
		case synapse.FixedIndegree, synapse.FixedOutdegree:
			if c.K == nil {
				l.Addf(ck, label, "connectivity.k is missing (required for rule %s)", c.Rule)
			} else if *c.K < 0 {
				l.Addf(ck+".k", label, "connectivity.k = %d: must be >= 0", *c.K)
			}
		case synapse.OneToOne, synapse.AllToAll:
		case synapse.List:
			if c.File == "" {
				l.Add(ck, label, "connectivity.file is missing (a CSV with the columns pre,post[,weight][,delay_ms])")
			}
		case "":
			l.Add(key, label, "connectivity.rule is missing (want fixed_probability, fixed_indegree, fixed_outdegree, one_to_one, all_to_all or list)")
		default:
			l.Addf(ck+".rule", label, "connectivity.rule = %q: unknown (want fixed_probability, fixed_indegree, fixed_outdegree, one_to_one, all_to_all or list)", c.Rule)
		}
		if c.P != nil && c.Rule != string(synapse.FixedProbability) {
			l.Addf(ck+".p", label, "connectivity.p = %g: only rule fixed_probability takes p", *c.P)
		}
		if c.K != nil && c.Rule != string(synapse.FixedIndegree) && c.Rule != string(synapse.FixedOutdegree) {
			l.Addf(ck+".k", label, "connectivity.k = %d: only rules fixed_indegree and fixed_outdegree take k", *c.K)
		}
		if c.File != "" && c.Rule != string(synapse.List) {
			l.Addf(ck+".file", label, "connectivity.file = %q: only rule list reads a file", c.File)
		}
	}
	return projNames
}

// validateFixedProjection checks the integer weights of a projection onto
// a loihi_lif population (and that no other projection sets weight_exp or
// weight_bits).
func (s *Spec) validateFixedProjection(l *ErrorList, key, label string, p *Projection, tgt *Population) {
	fixed := tgt != nil && neuron.Model(tgt.Model).IsFixed()
	if !fixed {
		if p.WeightExp != nil {
			l.Addf(key+".weight_exp", label, "weight_exp = %d: only projections onto loihi_lif populations take it", *p.WeightExp)
		}
		if p.WeightBits != nil {
			l.Addf(key+".weight_bits", label, "weight_bits = %d: only projections onto loihi_lif populations take it", *p.WeightBits)
		}
		return
	}
	f := s.FixedWeights(p)
	if err := f.Validate(); err != nil {
		k := key + ".weight_exp"
		if f.Bits < 1 || f.Bits > 8 {
			k = key + ".weight_bits"
			if p.WeightBits == nil {
				return // reported at [fixed_point]
			}
		}
		l.Add(k, label, err.Error())
	}
	if p.Weight.IsSet() && p.Weight.IsConstant() {
		if w := p.Weight.Value; w != math.Round(w) || w < 0 || w > synapse.MaxFixedWeight {
			l.Addf(key+".weight", label, "weight = %g: onto loihi_lif population %q it must be an integer in [0, %d] (an 8-bit magnitude; scale it with weight_exp)", w, p.Target, synapse.MaxFixedWeight)
		}
	}
}

func (s *Spec) validateMonitor(l *ErrorList, i int, pops map[string]*Population, projs map[string]bool, dt float64) {
	m := &s.Monitors[i]
	key := fmt.Sprintf("monitor[%d]", i)
	label := fmt.Sprintf("monitor #%d (%s)", i+1, m.Kind)
	checkPop := func(k, name string) {
		if pops[name] == nil {
			l.Addf(key+"."+k, label, "%s = %q: no population of that name%s", k, name, s.popNames())
		}
	}
	interval := func(k string, v *float64) {
		if v != nil && (!(*v >= dt*(1-1e-9)) || math.IsInf(*v, 0)) {
			l.Addf(key+"."+k, label, "%s = %g: must be at least one time step (%g ms)", k, *v, dt)
		}
	}
	// Keys that a monitor's kind does not take are errors, whether the run
	// records (--out) or not.
	takes := map[string][]string{
		"spikes":  {"populations", "population"},
		"rate":    {"populations", "population", "bin_ms"},
		"state":   {"population", "vars", "neurons", "interval_ms"},
		"weights": {"projection", "interval_ms"},
	}
	if ok := takes[m.Kind]; ok != nil {
		for _, f := range m.setKeys() {
			if !slices.Contains(ok, f) {
				l.Addf(key+"."+f, label, "%s: a %s monitor does not take it", f, m.Kind)
			}
		}
	}
	switch m.Kind {
	case "spikes", "rate":
		for _, p := range m.Populations {
			checkPop("populations", p)
		}
		if m.Population != "" {
			checkPop("population", m.Population)
		}
		interval("bin_ms", m.BinMS)
	case "state":
		checkPop("population", m.Population)
		if p := pops[m.Population]; p != nil {
			for _, v := range m.Vars {
				if !neuron.Model(p.Model).HasVar(v) {
					l.Addf(key+".vars", label, "vars: %q is not a state variable of model %q (want %s)", v, p.Model, strings.Join(neuron.Model(p.Model).Vars(), ", "))
				}
			}
			for _, n := range m.Neurons {
				if n < 0 || n >= p.Size {
					l.Addf(key+".neurons", label, "neurons: %d is not in [0, %d) (size of %q)", n, p.Size, m.Population)
				}
			}
		}
		if len(m.Vars) == 0 {
			l.Add(key, label, "vars is missing (e.g. vars = [\"v\"])")
		}
		interval("interval_ms", m.IntervalMS)
	case "weights":
		if !projs[m.Projection] {
			l.Addf(key+".projection", label, "projection = %q: no projection of that name", m.Projection)
		}
		interval("interval_ms", m.IntervalMS)
	default:
		l.Addf(key+".kind", label, "kind = %q: unknown (want spikes, state, weights or rate)", m.Kind)
	}
}

func (s *Spec) popNames() string {
	var n []string
	for _, p := range s.Populations {
		n = append(n, fmt.Sprintf("%q", p.Name))
	}
	if len(n) == 0 {
		return ""
	}
	return " (populations: " + strings.Join(n, ", ") + ")"
}

// EffectiveName is the drive's name, or drive<i+1>-><target> when it has
// none (i is its index in the spec).
func (d *Drive) EffectiveName(i int) string {
	if d.Name != "" {
		return d.Name
	}
	return fmt.Sprintf("drive%d->%s", i+1, d.Target)
}

// EffectiveName is the projection's name, or source->target when it has none.
func (p *Projection) EffectiveName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Source + "->" + p.Target
}

// minValue is the smallest value a delay distribution can give (for the
// one-step check; normal and lognormal draws are clamped to one step).
func (d *Dist) minValue() float64 {
	switch d.Kind {
	case "constant":
		return d.Value
	case "uniform":
		return d.Low
	}
	return math.Inf(1)
}

// maxValue is the largest value of a delay distribution that the
// MaxDelaySteps check applies to: the upper end of a uniform one, the mean of
// a normal or lognormal one (whose rare draws above the limit are clamped to
// it, as draws below one step are raised to one step).
func (d *Dist) maxValue() float64 {
	if d.Kind == "uniform" {
		return d.High
	}
	return d.MeanValue()
}

// lifKeys lists the LIF parameters the spec sets.
func (p *Population) lifKeys() []string {
	var k []string
	for _, f := range p.fields() {
		if f.v != nil {
			k = append(k, f.name)
		}
	}
	if p.RefractoryInput != "" {
		k = append(k, "refractory_input")
	}
	return k
}

type pfield struct {
	name string
	v    *float64
	dst  func(*neuron.Params) *float64
}

func (p *Population) fields() []pfield {
	return []pfield{
		{"tau_m_ms", p.TauM, func(q *neuron.Params) *float64 { return &q.TauM }},
		{"tau_e_ms", p.TauE, func(q *neuron.Params) *float64 { return &q.TauE }},
		{"tau_i_ms", p.TauI, func(q *neuron.Params) *float64 { return &q.TauI }},
		{"v_rest_mV", p.VRest, func(q *neuron.Params) *float64 { return &q.VRest }},
		{"v_reset_mV", p.VReset, func(q *neuron.Params) *float64 { return &q.VReset }},
		{"v_thresh_mV", p.VThresh, func(q *neuron.Params) *float64 { return &q.VThresh }},
		{"t_ref_ms", p.TRef, func(q *neuron.Params) *float64 { return &q.TRef }},
		{"i_ext_mV", p.IExt, func(q *neuron.Params) *float64 { return &q.IExt }},
		{"e_rev_e_mV", p.EE, func(q *neuron.Params) *float64 { return &q.EE }},
		{"e_rev_i_mV", p.EI, func(q *neuron.Params) *float64 { return &q.EI }},
		{"g_leak_nS", p.GLeak, func(q *neuron.Params) *float64 { return &q.GLeak }},
		{"theta_step_mV", p.ThetaStep, func(q *neuron.Params) *float64 { return &q.ThetaStep }},
		{"tau_theta_ms", p.TauTheta, func(q *neuron.Params) *float64 { return &q.TauTheta }},
	}
}

func (p *Population) value(key string) any {
	if key == "refractory_input" {
		return fmt.Sprintf("%q", p.RefractoryInput)
	}
	for _, f := range p.fields() {
		if f.name == key && f.v != nil {
			return *f.v
		}
	}
	return nil
}

// Params collects the LIF parameters and lists the required ones missing.
func (p *Population) Params(m neuron.Model) (neuron.Params, []string) {
	var par neuron.Params
	var missing []string
	for _, f := range p.fields() {
		if f.v != nil {
			*f.dst(&par) = *f.v
		} else if m.Requires(f.name) {
			missing = append(missing, f.name)
		}
	}
	par.RefractoryInput = p.RefractoryInput
	return par, missing
}

// Resolve returns a file name of the spec relative to the spec's directory
// (unchanged when absolute or when the spec has no file).
func (s *Spec) Resolve(name string) string {
	if filepath.IsAbs(name) || s.File == "" {
		return name
	}
	return filepath.Join(filepath.Dir(s.File), name)
}

// PopulationNames returns the populations a spikes or rate monitor names
// (populations = [...] and population = "..."; none: all).
func (m *Monitor) PopulationNames() []string {
	names := slices.Clone(m.Populations)
	if m.Population != "" {
		names = append(names, m.Population)
	}
	return names
}

// setKeys lists the keys of a [[monitor]] entry that are set, besides kind.
func (m *Monitor) setKeys() []string {
	var k []string
	add := func(set bool, name string) {
		if set {
			k = append(k, name)
		}
	}
	add(m.Populations != nil, "populations")
	add(m.Population != "", "population")
	add(m.Vars != nil, "vars")
	add(m.Neurons != nil, "neurons")
	add(m.IntervalMS != nil, "interval_ms")
	add(m.Projection != "", "projection")
	add(m.BinMS != nil, "bin_ms")
	return k
}
