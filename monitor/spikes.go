package monitor

import (
	"slices"

	"dalesim/network"
	"dalesim/traces"
)

// Spikes records every spike of some populations.
type Spikes struct {
	w      *traces.Writer
	pops   []int // population indices, ascending
	offset int64
}

// NewSpikes returns a monitor of the spikes of the named populations (none:
// every population of net).
func NewSpikes(net *network.Network, populations ...string) (*Spikes, error) {
	m := &Spikes{}
	if err := m.add(net, populations); err != nil {
		return nil, err
	}
	m.sort()
	return m, nil
}

func (m *Spikes) add(net *network.Network, names []string) error {
	idx, err := popIndices(net, names)
	if err != nil {
		return err
	}
	for _, i := range idx {
		if !slices.Contains(m.pops, i) {
			m.pops = append(m.pops, i)
		}
	}
	return nil
}

func (m *Spikes) sort() { slices.Sort(m.pops) }

// popIndices maps population names to indices (none: all).
func popIndices(net *network.Network, names []string) ([]int, error) {
	var out []int
	if len(names) == 0 {
		for i := range net.Populations() {
			out = append(out, i)
		}
		return out, nil
	}
	for _, name := range names {
		i := net.PopulationIndex(name)
		if i < 0 {
			return nil, fieldErrorf("populations", "populations: %q: no population of that name", name)
		}
		out = append(out, i)
	}
	return out, nil
}

// SetStepOffset makes the monitor stamp spikes of step s with s + off (for
// runs whose engine steps are not the time axis of the recording, such as
// presentations of samples that each start at a step of their own).
func (m *Spikes) SetStepOffset(off int64) { m.offset = off }

// Table returns traces.TableSpikes.
func (m *Spikes) Table() string { return traces.TableSpikes }

// SpikesOnly reports true: the monitor reads only spikes.
func (m *Spikes) SpikesOnly() bool { return true }

func (m *Spikes) start(w *traces.Writer, _ int64) { m.w = w }
func (m *Spikes) finish(int64) error              { return nil }
func (m *Spikes) resume(w *traces.Writer, _, _ int64) error {
	m.w = w
	return nil
}

// Observe writes the spikes of step.
func (m *Spikes) Observe(step int64, net *network.Network) error {
	pops := net.Populations()
	for _, i := range m.pops {
		if sp := pops[i].Spikes(); len(sp) > 0 {
			if err := m.w.Spikes(step+m.offset, i, sp); err != nil {
				return err
			}
		}
	}
	return nil
}
