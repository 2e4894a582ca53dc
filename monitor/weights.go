package monitor

import (
	"dalesim/network"
	"dalesim/synapse"
	"dalesim/traces"
)

// weightChunk is the number of synapses handed to the traces writer at a
// time, so that snapshots of large projections need little memory.
const weightChunk = 1 << 16

// Weights snapshots every synapse of one projection.
type Weights struct {
	w      *traces.Writer
	proj   int
	p      *synapse.Projection
	every  int64 // 0: first and last step only
	first  int64
	done   int64     // step of the last snapshot, or -1
	pre    []int32   // chunk buffer
	post   []int32   // chunk buffer (TargetAt: Targets would unpack packed delays)
	wconst []float32 // a chunk of a constant weight
}

// NewWeights returns a monitor of the named projection's weights: a
// snapshot at the first step, at the last and every `every` steps in
// between (0: first and last only).
func NewWeights(net *network.Network, projection string, every int64) (*Weights, error) {
	k := -1
	for i, p := range net.Projections() {
		if p.Name() == projection {
			k = i
		}
	}
	if k < 0 {
		return nil, fieldErrorf("projection", "projection = %q: no projection of that name", projection)
	}
	if every < 0 {
		return nil, fieldErrorf("interval_ms", "interval: %d steps: must be >= 0", every)
	}
	return &Weights{proj: k, p: net.Projections()[k], every: every, done: -1,
		pre: make([]int32, weightChunk), post: make([]int32, weightChunk), wconst: make([]float32, weightChunk)}, nil
}

// Table returns traces.TableWeights.
func (m *Weights) Table() string { return traces.TableWeights }

// SpikesOnly reports true: a run does not change weights while it runs (the
// rule of package learn changes them between runs).
func (m *Weights) SpikesOnly() bool { return true }

func (m *Weights) start(w *traces.Writer, first int64) { m.w, m.first = w, first }

func (m *Weights) resume(w *traces.Writer, first, at int64) error {
	m.w, m.first, m.done = w, first, at-1 // the first step's snapshot was taken
	return nil
}

func (m *Weights) finish(last int64) error {
	if last >= m.first && m.done != last {
		return m.Snapshot(last)
	}
	return nil
}

// Observe takes the snapshots that are due after step.
func (m *Weights) Observe(step int64, _ *network.Network) error {
	if m.done < 0 || (m.every > 0 && (step-m.first)%m.every == 0) {
		return m.Snapshot(step)
	}
	return nil
}

// Snapshot writes every synapse of the projection, in CSR order, stamped
// with step.
func (m *Weights) Snapshot(step int64) error {
	p := m.p
	rp, n := p.RowPtr(), p.Len()
	cw, constant := p.ConstWeight()
	var ws []float32
	if !constant {
		ws = p.Weights()
	} else {
		for i := range m.wconst {
			m.wconst[i] = cw
		}
	}
	row := 0
	for lo := 0; lo < n; lo += weightChunk {
		hi := min(lo+weightChunk, n)
		pre, post := m.pre[:hi-lo], m.post[:hi-lo]
		for k := lo; k < hi; k++ {
			for int64(k) >= rp[row+1] {
				row++
			}
			pre[k-lo] = int32(row)
			post[k-lo] = p.TargetAt(k)
		}
		w := m.wconst[:hi-lo]
		if !constant {
			w = ws[lo:hi]
		}
		if err := m.w.Weights(step, m.proj, pre, post, w); err != nil {
			return err
		}
	}
	m.done = step
	return nil
}
