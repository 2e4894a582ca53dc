package monitor

import (
	"dalesim/network"
	"dalesim/neuron"
	"dalesim/traces"
)

// State samples state variables of neurons of one population.
type State struct {
	w       *traces.Writer
	pop     int
	vars    []string
	cols    [][]float32 // the population's state column of each var
	neurons []int32     // the sampled neurons, in the given order
	all     bool        // neurons is 0..n-1
	every   int64       // steps between samples
	first   int64
	buf     [][]float32 // captured values per var
	at      int64       // step of the captured sample, or -1
}

// NewState returns a monitor of the variables vars (v, ge, gi, theta, as
// the model has them) of the given neurons (nil: all) of a population,
// sampled every `every` steps (>= 1).
func NewState(net *network.Network, population string, vars []string, neurons []int, every int64) (*State, error) {
	j := net.PopulationIndex(population)
	if j < 0 {
		return nil, fieldErrorf("population", "population = %q: no population of that name", population)
	}
	p := net.Populations()[j]
	if len(vars) == 0 {
		return nil, fieldErrorf("vars", "vars is missing (e.g. vars = [\"v\"])")
	}
	if every < 1 {
		return nil, fieldErrorf("interval_ms", "interval: %d steps: must be at least one step", every)
	}
	m := &State{pop: j, every: every, at: -1}
	for _, v := range vars {
		col := stateColumn(p, v)
		if col == nil {
			return nil, fieldErrorf("vars", "vars: %q is not a state variable of population %q (model %q has %v)", v, p.Name(), p.Model(), p.Model().Vars())
		}
		m.vars = append(m.vars, v)
		m.cols = append(m.cols, col)
	}
	size := p.Len()
	if neurons != nil {
		for _, k := range neurons {
			if k < 0 || k >= p.Len() {
				return nil, fieldErrorf("neurons", "neurons: %d is not in [0, %d) (size of %q)", k, p.Len(), p.Name())
			}
			m.neurons = append(m.neurons, int32(k))
		}
		size = len(m.neurons)
	} else {
		m.all = true
		m.neurons = make([]int32, p.Len())
		for k := range m.neurons {
			m.neurons[k] = int32(k)
		}
	}
	for range m.vars {
		m.buf = append(m.buf, make([]float32, size))
	}
	return m, nil
}

// stateColumn returns the state column of variable v, or nil.
func stateColumn(p *neuron.Population, v string) []float32 {
	if !p.Model().HasVar(v) {
		return nil
	}
	switch v {
	case "v":
		return p.State.V
	case "ge":
		return p.State.GE
	case "gi":
		return p.State.GI
	case "theta":
		return p.State.Theta
	}
	return nil
}

// Table returns traces.TableStates.
func (m *State) Table() string { return traces.TableStates }

// SpikesOnly reports false: the monitor reads the neurons' state between
// steps.
func (m *State) SpikesOnly() bool { return false }

func (m *State) start(w *traces.Writer, first int64) {
	m.w, m.first = w, first
	m.capture(first) // the first sample is the initial state
}

func (m *State) finish(int64) error { return nil }

func (m *State) resume(w *traces.Writer, first, at int64) error {
	m.w, m.first, m.at = w, first, -1
	if (at-first)%m.every == 0 {
		m.capture(at) // the sample taken after step at-1: the restored state
	}
	return nil
}

func (m *State) capture(step int64) {
	for vi, col := range m.cols {
		b := m.buf[vi]
		if m.all {
			copy(b, col)
			continue
		}
		for i, k := range m.neurons {
			b[i] = col[k]
		}
	}
	m.at = step
}

// Observe writes the sample taken before step and takes the next one when
// it is due.
func (m *State) Observe(step int64, _ *network.Network) error {
	if m.at == step {
		for vi, v := range m.vars {
			if err := m.w.State(step, m.pop, v, m.neurons, m.buf[vi]); err != nil {
				return err
			}
		}
		m.at = -1
	}
	if next := step + 1; (next-m.first)%m.every == 0 {
		m.capture(next)
	}
	return nil
}
