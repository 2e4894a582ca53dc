package monitor

import (
	"math"
	"slices"

	"dalesim/network"
	"dalesim/traces"
)

// Rate records population rates (spikes per neuron per second) in bins.
// One Rate holds every bin width of a run, so that its rows reach the table
// in step order.
type Rate struct {
	w       *traces.Writer
	net     *network.Network
	first   int64
	groups  []*rateGroup  // by bin width, ascending
	pending []pendingRate // rows waiting for the smaller steps of slower bins
}

type rateGroup struct {
	steps  int64 // bin width in steps
	pops   []int
	counts []int64
	start  int64 // first step of the open bin
}

type pendingRate struct {
	step  int64
	pop   int
	binMS float64
	rate  float32
}

// NewRate returns a monitor of the rates of the named populations (none:
// all) in bins of binSteps steps (>= 1). Add more widths with Add.
func NewRate(net *network.Network, binSteps int64, populations ...string) (*Rate, error) {
	m := &Rate{}
	if err := m.add(net, populations, binSteps); err != nil {
		return nil, err
	}
	m.sort(net)
	return m, nil
}

// Add records the named populations (none: all) also in bins of binSteps.
func (m *Rate) Add(net *network.Network, binSteps int64, populations ...string) error {
	if err := m.add(net, populations, binSteps); err != nil {
		return err
	}
	m.sort(net)
	return nil
}

func (m *Rate) add(net *network.Network, names []string, binSteps int64) error {
	if binSteps < 1 {
		return fieldErrorf("bin_ms", "bin: %d steps: must be at least one step", binSteps)
	}
	idx, err := popIndices(net, names)
	if err != nil {
		return err
	}
	var g *rateGroup
	for _, h := range m.groups {
		if h.steps == binSteps {
			g = h
		}
	}
	if g == nil {
		g = &rateGroup{steps: binSteps}
		m.groups = append(m.groups, g)
	}
	for _, j := range idx {
		if !slices.Contains(g.pops, j) {
			g.pops = append(g.pops, j)
		}
	}
	return nil
}

// sort orders the groups and sizes the buffers.
func (m *Rate) sort(net *network.Network) {
	m.net = net
	for _, g := range m.groups {
		slices.Sort(g.pops)
		g.counts = make([]int64, len(net.Populations()))
	}
	slices.SortFunc(m.groups, func(a, b *rateGroup) int { return int(a.steps - b.steps) })
	var nrows int64
	slowest := m.groups[len(m.groups)-1].steps
	for _, g := range m.groups {
		nrows += int64(len(g.pops)) * (slowest/g.steps + 2)
	}
	m.pending = make([]pendingRate, 0, nrows)
}

// Table returns traces.TableRates.
func (m *Rate) Table() string { return traces.TableRates }

// SpikesOnly reports true: the monitor reads only spikes.
func (m *Rate) SpikesOnly() bool { return true }

func (m *Rate) start(w *traces.Writer, first int64) {
	m.w, m.first = w, first
	for _, g := range m.groups {
		g.start = first
	}
}

func (m *Rate) resume(*traces.Writer, int64, int64) error { return CanResume([]Monitor{m}) }

func (m *Rate) finish(last int64) error {
	if last < m.first {
		return nil
	}
	return m.observe(last, true)
}

// Observe counts the spikes of step and writes the bins that close with it.
func (m *Rate) Observe(step int64, _ *network.Network) error { return m.observe(step, false) }

func (m *Rate) observe(step int64, final bool) error {
	pops := m.net.Populations()
	dt := m.net.Dt()
	minOpen := int64(math.MaxInt64)
	for _, g := range m.groups {
		if !final {
			for _, i := range g.pops {
				g.counts[i] += int64(len(pops[i].Spikes()))
			}
		}
		width := step + 1 - g.start
		if width == g.steps || (final && width > 0) {
			binMS := float64(width) * dt
			for _, i := range g.pops {
				rate := float64(g.counts[i]) / float64(pops[i].Len()) / (binMS / 1000)
				m.push(pendingRate{step: g.start, pop: i, binMS: binMS, rate: float32(rate)})
				g.counts[i] = 0
			}
			g.start = step + 1
		}
		minOpen = min(minOpen, g.start)
	}
	if final {
		minOpen = math.MaxInt64
	}
	k := 0
	for ; k < len(m.pending) && m.pending[k].step <= minOpen; k++ {
		p := m.pending[k]
		if err := m.w.Rate(p.step, p.pop, p.binMS, p.rate); err != nil {
			return err
		}
	}
	if k > 0 {
		m.pending = m.pending[:copy(m.pending, m.pending[k:])]
	}
	return nil
}

// push inserts a row keeping pending sorted by step (stable).
func (m *Rate) push(p pendingRate) {
	m.pending = append(m.pending, p)
	for i := len(m.pending) - 1; i > 0 && m.pending[i-1].step > p.step; i-- {
		m.pending[i], m.pending[i-1] = m.pending[i-1], m.pending[i]
	}
}
