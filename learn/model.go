package learn

import (
	"context"
	"fmt"

	"dalesim/examples"
	"dalesim/internal/rng"
	"dalesim/monitor"
	"dalesim/network"
	"dalesim/neuron"
	"dalesim/simd"
	"dalesim/spec"
	"dalesim/synapse"
)

// Model is a network built from a spec with a [training] table, with the
// learning rule attached.
type Model struct {
	Net                    *network.Network
	Spec                   *spec.Spec
	Input, Hidden, Readout *neuron.Population
	InHid, HidOut          *synapse.Projection
	Classes                []int // class label of each readout group, in order

	hiddenRule  synapse.Competitive
	etaTau      float64 // samples; 0: constant hidden eta
	etaMin      float64
	labelHebb   synapse.LabelHebb
	wp          synapse.WeightPerturbation
	useWP       bool
	homeoTarget float32 // spikes per neuron per presentation
	homeoEta    float32 // mV per spike of deviation
	homeoMax    float32

	steps               int64   // steps per presentation
	inputRate           float64 // Hz at intensity 1
	xNorm, yNorm, zNorm float32 // spike counts that map to activity 1
	group               int     // readout neurons per class
	seed                uint64

	// per-presentation scratch
	counter                *monitor.SpikeCounter
	inIdx, hidIdx, readIdx int // population indices in the network
	x, y, z                []float32
	teacher                []float32
	stats                  *FiringStats
	mons                   []network.Monitor // counter, stats and any recording monitors

	// evalCopies are the single-threaded copies that evaluateShared
	// evaluates on, kept from one evaluation to the next (their weights and
	// thresholds are refreshed each time); built for evalImpl.
	evalCopies []*Model
	evalImpl   *simd.Impl
}

// New builds the model of a spec; classes are the labels the readout
// groups stand for (readout size must be a multiple of len(classes)).
func New(s *spec.Spec, opt network.Options, classes []int) (*Model, error) {
	t := s.Training
	if t == nil {
		return nil, &spec.Error{File: s.File, Field: "training", Msg: "the spec has no [training] table"}
	}
	if len(classes) == 0 {
		return nil, fmt.Errorf("no classes")
	}
	tp := t.Params()
	for i := range s.Populations {
		if p := &s.Populations[i]; p.Name == t.Readout {
			p.Size = tp.ReadoutPerClass * len(classes)
		}
	}
	net, err := network.Build(s, opt)
	if err != nil {
		return nil, err
	}
	m := &Model{Net: net, Spec: s, Classes: classes, seed: s.SeedValue()}
	m.Input, m.Hidden, m.Readout = net.Population(t.Input), net.Population(t.Hidden), net.Population(t.Readout)
	m.InHid, m.HidOut = net.Projection(t.HiddenRule.Projection), net.Projection(t.ReadoutRule.Projection)
	bad := func(field, format string, a ...any) error {
		return &spec.Error{File: s.File, Field: "training", Msg: field + ": " + fmt.Sprintf(format, a...)}
	}
	if m.InHid.Source() != m.Input || m.InHid.Target() != m.Hidden {
		return nil, bad("hidden_rule.projection", "%q must go from input %q to hidden %q", m.InHid.Name(), t.Input, t.Hidden)
	}
	if m.HidOut.Source() != m.Hidden || m.HidOut.Target() != m.Readout {
		return nil, bad("readout_rule.projection", "%q must go from hidden %q to readout %q", m.HidOut.Name(), t.Hidden, t.Readout)
	}
	if len(classes) == 0 || m.Readout.Len()%len(classes) != 0 {
		return nil, bad("readout", "population %q has %d neurons: must be a multiple of the number of classes (%d)", t.Readout, m.Readout.Len(), len(classes))
	}
	m.group = m.Readout.Len() / len(classes)
	dt := s.Dt()
	m.steps = network.StepsFor(tp.PresentationMS, dt)
	sec := float64(m.steps) * dt / 1000
	m.inputRate = tp.InputRateHz
	m.xNorm = float32(tp.InputRateHz * sec)
	m.yNorm = float32(tp.HiddenRateHz * sec)
	m.zNorm = float32(tp.ReadoutRateHz * sec)
	m.hiddenRule = synapse.Competitive{Eta: tp.Eta, Delta: tp.Delta, WMax: tp.WMax, Regrow: tp.Regrow,
		Update: tp.Update, ScaleSum: tp.ScaleSum, ScaleNorm: tp.ScaleNorm}
	m.etaTau, m.etaMin = tp.EtaTau, tp.EtaMin
	m.labelHebb = synapse.LabelHebb{Eta: tp.EtaHebb, Delta: tp.DeltaHebb, WMax: tp.ReadoutWMax,
		ScaleSum: tp.ReadoutScaleSum, ScaleNorm: tp.ReadoutScaleNorm}
	if tp.EtaWP > 0 {
		m.useWP = true
		m.wp = synapse.WeightPerturbation{Eta: tp.EtaWP, Sigma: tp.SigmaWP, WMax: tp.ReadoutWMax, BaselineTau: tp.BaselineTau}
	}
	m.homeoTarget = float32(tp.TargetSpikes / float64(m.Hidden.Len()))
	m.homeoEta = float32(tp.EtaMV)
	m.homeoMax = float32(tp.MaxMV)
	m.counter = monitor.NewSpikeCounter(net)
	m.inIdx, m.hidIdx, m.readIdx = net.PopulationIndex(tp.Input), net.PopulationIndex(tp.Hidden), net.PopulationIndex(tp.Readout)
	m.x = make([]float32, m.Input.Len())
	m.y = make([]float32, m.Hidden.Len())
	m.z = make([]float32, len(classes))
	m.teacher = make([]float32, m.Readout.Len())
	m.stats = newFiringStats(net)
	m.mons = []network.Monitor{m.counter, m.stats}
	return m, nil
}

// presentationStep is the engine step at which presentation index of a
// phase starts: the Poisson numbers of a step depend on (seed, step,
// neuron), so each presentation draws its own.
func presentationStep(phase Phase, index, steps int64) int64 {
	return (int64(phase)<<44 | index) * steps
}

// StepsPerPresentation returns the number of steps a sample is shown for.
func (m *Model) StepsPerPresentation() int64 { return m.steps }

// Outcome is what one presentation produced.
type Outcome struct {
	Pred  int     // predicted class (a label from Classes)
	Error float64 // the global scalar error E = sum_k (z_k - t_k)^2
	Score []float32
}

// Phase separates the random streams of training and evaluation presentations.
type Phase int

// The phases.
const (
	Training Phase = iota
	Evaluation
)

// Present shows one image (intensities in [0, 1], one per input neuron) for
// one presentation. With learn set it applies the learning rule with the
// given label. index identifies the presentation: its random numbers are a
// pure function of (seed, phase, index), whatever came before.
func (m *Model) Present(img []float32, label int, learn bool, phase Phase, index int64) (Outcome, error) {
	if len(img) != m.Input.Len() {
		return Outcome{}, fmt.Errorf("image has %d pixels, the input population %q %d neurons", len(img), m.Input.Name(), m.Input.Len())
	}
	for i, v := range img {
		if err := m.Input.SetRateOf(i, float64(v)*m.inputRate); err != nil {
			return Outcome{}, err
		}
	}
	ci := -1
	for k, c := range m.Classes {
		if c == label {
			ci = k
		}
	}
	if learn && ci < 0 {
		return Outcome{}, fmt.Errorf("label %d is not one of the classes %v", label, m.Classes)
	}
	if learn && m.useWP {
		m.wp.Perturb(m.HidOut, rng.Key(m.seed, 0x77700+uint64(phase), uint64(index)))
	}
	// Rest: every LIF population back to rest (thresholds kept), input
	// cleared; each presentation starts at its own step so that its Poisson
	// numbers depend only on (seed, phase, index).
	for _, p := range m.Net.Populations() {
		p.ResetState()
	}
	m.counter.Reset()
	m.Net.SetStep(presentationStep(phase, index, m.steps))
	m.stats.begin()
	if _, err := m.Net.Advance(context.Background(), m.steps, m.mons...); err != nil {
		return Outcome{}, err
	}
	m.stats.end(m.counter)
	// Rate-mapped activities.
	activity(m.x, m.counter.Counts(m.inIdx), m.xNorm)
	activity(m.y, m.counter.Counts(m.hidIdx), m.yNorm)
	zc := m.counter.Counts(m.readIdx)
	out := Outcome{Score: make([]float32, len(m.Classes))}
	for k := range m.Classes {
		var c int32
		for g := 0; g < m.group; g++ {
			c += zc[k*m.group+g]
		}
		m.z[k] = min(float32(c)/(m.zNorm*float32(m.group)), 1)
		out.Score[k] = float32(c)
	}
	// Ties between spike counts are broken by the synaptic charge each class
	// received: sum_j w_jk * count_j (what the readout neurons integrated).
	charge := m.charge()
	best := 0
	for k := range m.Classes {
		if out.Score[k] > out.Score[best] || (out.Score[k] == out.Score[best] && charge[k] > charge[best]) {
			best = k
		}
	}
	out.Pred = m.Classes[best]
	for k := range m.Classes {
		tk := 0.0
		if k == ci {
			tk = 1
		}
		d := float64(m.z[k]) - tk
		out.Error += d * d
	}
	if learn {
		m.apply(ci, out.Error, index)
	}
	return out, nil
}

// charge returns, per class, the summed weight times presynaptic spike
// count delivered onto the class's readout neurons.
func (m *Model) charge() []float64 {
	ch := make([]float64, len(m.Classes))
	hc := m.counter.Counts(m.hidIdx)
	for j := 0; j < m.Hidden.Len(); j++ {
		if hc[j] == 0 {
			continue
		}
		// RowWeights: only the rows of neurons that fired (a pending weight
		// perturbation of the others is never drawn).
		tg, _ := m.HidOut.Row(j)
		ws := m.HidOut.RowWeights(j)
		cw, _ := m.HidOut.ConstWeight()
		for k, t := range tg {
			w := cw
			if ws != nil {
				w = ws[k]
			}
			ch[int(t)/m.group] += float64(w) * float64(hc[j])
		}
	}
	return ch
}

func activity(dst []float32, counts []int32, norm float32) {
	for i, c := range counts {
		dst[i] = min(float32(c)/norm, 1)
	}
}

// HiddenEta returns the hidden rule's learning rate after t training
// presentations: eta/(1 + t/eta_tau), at least eta_min (eta without a schedule).
func (m *Model) HiddenEta(t int64) float64 {
	if m.etaTau <= 0 {
		return m.hiddenRule.Eta
	}
	return max(m.etaMin, m.hiddenRule.Eta/(1+float64(t)/m.etaTau))
}

// apply runs the learning rule after training presentation t of class ci.
func (m *Model) apply(ci int, e float64, t int64) {
	impl := m.Net.Impl()
	hr := m.hiddenRule
	hr.Eta = m.HiddenEta(t)
	hr.Apply(m.InHid, m.x, m.y, impl)
	if m.useWP {
		m.wp.Update(m.HidOut, e, m.y)
	}
	for i := range m.teacher {
		m.teacher[i] = 0
		if i/m.group == ci {
			m.teacher[i] = 1
		}
	}
	m.labelHebb.Apply(m.HidOut, m.y, m.teacher, impl)
	if m.homeoEta > 0 {
		th := m.Hidden.State.Theta
		for j, c := range m.counter.Counts(m.hidIdx) {
			th[j] += m.homeoEta * (float32(c) - m.homeoTarget)
			th[j] = min(max(th[j], -m.homeoMax), m.homeoMax)
		}
	}
}

// Stats returns the firing statistics gathered over all presentations so far.
func (m *Model) Stats() *FiringStats { return m.stats }

// ResetStats clears the firing statistics (in place: the run loop's
// monitors keep observing the same object).
func (m *Model) ResetStats() { *m.stats = *newFiringStats(m.Net) }

// DefaultSpec returns the built-in training spec (examples/mnist.toml).
func DefaultSpec() (*spec.Spec, error) { return spec.Parse(examples.MNIST, "examples/mnist.toml") }

// Configure sets the size of the spec's hidden population (hidden > 0) and
// its seed (seed >= 0), and validates the result.
func Configure(s *spec.Spec, hidden int, seed int64) error {
	if s.Training == nil {
		return &spec.Error{File: s.File, Field: "training", Msg: "the spec has no [training] table, so it cannot be trained"}
	}
	if hidden != 0 {
		if hidden < 1 || hidden > 100000 {
			return &spec.Error{File: s.File, Field: "hidden", Msg: fmt.Sprintf("hidden = %d: must be between 1 and 100000", hidden)}
		}
		for i := range s.Populations {
			if s.Populations[i].Name == s.Training.Hidden {
				s.Populations[i].Size = hidden
			}
		}
	}
	if seed >= 0 {
		s.Seed = &seed
	}
	return s.Validate()
}

// Group returns the number of readout neurons per class: readout neuron r
// stands for class Classes[r/Group()].
func (m *Model) Group() int { return m.group }

// HiddenCounts returns the spike count of each hidden neuron in the last
// presentation (the model's own slice: copy it to keep it).
func (m *Model) HiddenCounts() []int32 { return m.counter.Counts(m.hidIdx) }

// PresentationMS returns how long a sample is shown, in ms.
func (m *Model) PresentationMS() float64 { return float64(m.steps) * m.Net.Dt() }

// InputRateHz returns the rate of an input neuron at intensity 1.
func (m *Model) InputRateHz() float64 { return m.inputRate }

// AddMonitor makes mon observe every step of the following presentations
// (after the model's own spike counter); the returned function removes it.
// A monitor that reads only spikes should implement network.SpikeMonitor, so
// that a multi-threaded network keeps its pipelined schedule. mon must be
// comparable (a pointer, typically).
func (m *Model) AddMonitor(mon network.Monitor) (remove func()) {
	m.mons = append(m.mons, mon)
	return func() {
		for i, x := range m.mons {
			if x == mon {
				m.mons = append(m.mons[:i:i], m.mons[i+1:]...)
				return
			}
		}
	}
}
