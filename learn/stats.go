package learn

import (
	"encoding/json"
	"math"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/neuron"
)

// FiringStats accumulates, over presentations, each population's spike
// count, the ISIs within presentations (for the CV of ISI) and the
// population sparseness of each presentation (Treves & Rolls 1991).
type FiringStats struct {
	net           *network.Network
	pops          []*neuron.Population
	last          [][]int64
	isiSum, isiSq [][]float64
	isiN          [][]int32
	spikes        []int64
	sparse        []float64 // summed sparseness
	steps         int64
	n             int64 // presentations
}

func newFiringStats(net *network.Network) *FiringStats {
	f := &FiringStats{net: net, pops: net.Populations()}
	for _, p := range f.pops {
		n := p.Len()
		f.last = append(f.last, make([]int64, n))
		f.isiSum = append(f.isiSum, make([]float64, n))
		f.isiSq = append(f.isiSq, make([]float64, n))
		f.isiN = append(f.isiN, make([]int32, n))
	}
	f.spikes = make([]int64, len(f.pops))
	f.sparse = make([]float64, len(f.pops))
	return f
}

func (f *FiringStats) begin() {
	for _, l := range f.last {
		for j := range l {
			l[j] = -1
		}
	}
}

// Observe adds the spikes of engine step s (a network.Monitor; only
// differences of steps are used).
func (f *FiringStats) Observe(s int64, _ *network.Network) error {
	f.steps++
	for i, p := range f.pops {
		sp := p.Spikes()
		f.spikes[i] += int64(len(sp))
		l := f.last[i]
		for _, j := range sp {
			if l[j] >= 0 {
				d := float64(s - l[j])
				f.isiSum[i][j] += d
				f.isiSq[i][j] += d * d
				f.isiN[i][j]++
			}
			l[j] = s
		}
	}
	return nil
}

// add adds the statistics of g (of a copy of the same network) to f.
func (f *FiringStats) add(g *FiringStats) {
	for i := range f.pops {
		f.spikes[i] += g.spikes[i]
		f.sparse[i] += g.sparse[i]
		for j := range f.isiN[i] {
			f.isiSum[i][j] += g.isiSum[i][j]
			f.isiSq[i][j] += g.isiSq[i][j]
			f.isiN[i][j] += g.isiN[i][j]
		}
	}
	f.steps += g.steps
	f.n += g.n
}

// SpikesOnly reports true: the statistics read only spikes.
func (f *FiringStats) SpikesOnly() bool { return true }

func (f *FiringStats) end(c *monitor.SpikeCounter) {
	f.n++
	for i := range f.pops {
		f.sparse[i] += sparseness(c.Counts(i))
	}
}

// sparseness is the Treves-Rolls population sparseness of one response,
// S = (1 - (sum r/N)^2 / (sum r^2/N)) / (1 - 1/N): 0 when all neurons fire
// equally, 1 when a single neuron fires. 1 for a silent population too.
func sparseness(c []int32) float64 {
	n := float64(len(c))
	if n < 2 {
		return 0
	}
	var s, s2 float64
	for _, v := range c {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	if s2 == 0 {
		return 1
	}
	a := (s / n) * (s / n) / (s2 / n)
	return (1 - a) / (1 - 1/n)
}

// PopFiring is one population's firing summary over the presentations.
type PopFiring struct {
	Name       string    `json:"name"`
	Identity   string    `json:"identity"`
	Neurons    int       `json:"neurons"`
	RateHz     float64   `json:"rate_hz"`
	CVISI      JSONFloat `json:"cv_isi"`     // mean over neurons with >= 2 ISIs within presentations; NaN (null) if none
	Sparseness float64   `json:"sparseness"` // mean Treves-Rolls population sparseness per presentation
}

// Summary returns the per-population firing summary.
func (f *FiringStats) Summary() []PopFiring {
	var out []PopFiring
	sec := float64(f.steps) * f.net.Dt() / 1000
	for i, p := range f.pops {
		pf := PopFiring{Name: p.Name(), Identity: p.Identity().String(), Neurons: p.Len(), CVISI: JSONFloat(math.NaN())}
		if sec > 0 {
			pf.RateHz = float64(f.spikes[i]) / float64(p.Len()) / sec
		}
		var cv float64
		var n int
		for j, k := range f.isiN[i] {
			if k >= 2 {
				m := f.isiSum[i][j] / float64(k)
				v := f.isiSq[i][j]/float64(k) - m*m
				cv += math.Sqrt(math.Max(v, 0)) / m
				n++
			}
		}
		if n > 0 {
			pf.CVISI = JSONFloat(cv / float64(n))
		}
		if f.n > 0 {
			pf.Sparseness = f.sparse[i] / float64(f.n)
		}
		out = append(out, pf)
	}
	return out
}

// JSONFloat is a float64 that marshals NaN and infinities as null.
type JSONFloat float64

// MarshalJSON implements json.Marshaler.
func (f JSONFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(x)
}
