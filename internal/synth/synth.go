// Package synth generates synthetic spiking runs for tests: a Brunel-like
// network description, Poisson spike streams, random weight snapshots, and
// Play, which feeds a run to a Sink (such as *traces.Writer) step by step.
//
// It does not import traces, so that both the internal tests of package
// traces and internal/tracetest (which imports traces) can use it.
package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Population describes one population. It has the fields of
// traces.PopulationInfo, in the same order, so that it converts to it.
type Population struct {
	Name     string
	Size     int
	Identity string // "excitatory" or "inhibitory"
}

// Projection describes one projection. It has the fields of
// traces.ProjectionInfo, in the same order, so that it converts to it.
type Projection struct {
	Name   string
	Source string
	Target string
	Sign   int
}

// Network is the run description of a synthetic run, in plain types (the
// fields of traces.Meta that a caller sets).
type Network struct {
	Version     string
	Spec        string
	Kernel      string
	Seed        uint64
	DtMS        float64
	Threads     int
	Start       time.Time
	Populations []Population
	Projections []Projection
	Extra       map[string]string
}

// Brunel describes a Brunel-like network: 10,000 E + 2,500 I neurons,
// four projections E->E, E->I, I->E, I->I.
func Brunel(seed uint64) Network {
	return Network{
		Version: "test",
		Spec:    "[network]\nname = \"brunel\"\n# \"quoted\" and\nmultiline = true\n",
		Kernel:  "generic",
		Seed:    seed,
		DtMS:    0.1,
		Threads: 2,
		Start:   time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC),
		Populations: []Population{
			{Name: "E", Size: 10000, Identity: "excitatory"},
			{Name: "I", Size: 2500, Identity: "inhibitory"},
		},
		Projections: []Projection{
			{Name: "E->E", Source: "E", Target: "E", Sign: 1},
			{Name: "E->I", Source: "E", Target: "I", Sign: 1},
			{Name: "I->E", Source: "I", Target: "E", Sign: -1},
			{Name: "I->I", Source: "I", Target: "I", Sign: -1},
		},
		Extra: map[string]string{"user.note": "synthetic"},
	}
}

// PopulationSizes returns the size of every population.
func (n Network) PopulationSizes() []int {
	out := make([]int, len(n.Populations))
	for i, p := range n.Populations {
		out[i] = p.Size
	}
	return out
}

// ProjectionSizes returns (source size, target size) of every projection.
func (n Network) ProjectionSizes() [][2]int {
	size := func(name string) int {
		for _, p := range n.Populations {
			if p.Name == name {
				return p.Size
			}
		}
		panic("synth: no population " + name)
	}
	out := make([][2]int, len(n.Projections))
	for i, p := range n.Projections {
		out[i] = [2]int{size(p.Source), size(p.Target)}
	}
	return out
}

// StepSpikes is the spikes of one population at one step.
type StepSpikes struct {
	Step    int64
	Pop     int
	Neurons []int32
}

// Poisson draws from a Poisson distribution (Knuth for small means, normal
// approximation above 30).
func Poisson(r *rand.Rand, lam float64) int {
	if lam > 30 {
		return max(0, int(math.Round(lam+math.Sqrt(lam)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lam), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// BrunelStream generates a Brunel-like spike stream over populations of the
// given sizes: perStep spikes per step on average over all populations (38
// per 0.1 ms step is ~30 Hz for 12,500 neurons), neurons drawn uniformly,
// sorted by (step, pop, neuron).
func BrunelStream(seed uint64, popSizes []int, steps int, perStep float64) []StepSpikes {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	total := 0
	for _, size := range popSizes {
		total += size
	}
	var out []StepSpikes
	seen := map[int32]bool{}
	for s := 0; s < steps; s++ {
		for pi, size := range popSizes {
			k := min(Poisson(r, perStep*float64(size)/float64(total)), size)
			if k == 0 {
				continue
			}
			clear(seen)
			ns := make([]int32, 0, k)
			for len(ns) < k {
				n := int32(r.IntN(size))
				if !seen[n] {
					seen[n] = true
					ns = append(ns, n)
				}
			}
			slices.Sort(ns)
			out = append(out, StepSpikes{int64(s), pi, ns})
		}
	}
	return out
}

// CountSpikes returns the number of spikes in ss.
func CountSpikes(ss []StepSpikes) int {
	n := 0
	for _, s := range ss {
		n += len(s.Neurons)
	}
	return n
}

// WeightSnap is one projection snapshot.
type WeightSnap struct {
	Step      int64
	Proj      int
	Pre, Post []int32
	W         []float32
}

// RandomWeights returns, at every step of steps and for every projection
// (projSizes[i] is its source and target size), perProj synapses with
// uniformly drawn ends and lognormal weights, 10 % of them zero.
func RandomWeights(seed uint64, projSizes [][2]int, steps []int64, perProj int) []WeightSnap {
	r := rand.New(rand.NewPCG(seed, 0x3e1))
	var out []WeightSnap
	for _, st := range steps {
		for pi, p := range projSizes {
			src, tgt := p[0], p[1]
			s := WeightSnap{Step: st, Proj: pi}
			for i := 0; i < perProj; i++ {
				s.Pre = append(s.Pre, int32(r.IntN(src)))
				s.Post = append(s.Post, int32(r.IntN(tgt)))
				w := float32(math.Exp(-1 + 0.5*r.NormFloat64()))
				if r.IntN(10) == 0 {
					w = 0
				}
				s.W = append(s.W, w)
			}
			out = append(out, s)
		}
	}
	return out
}

// Run is everything one synthetic run records: Brunel with 800 E and 200 I
// neurons, 5 spikes per step on average from uniformly drawn neurons, and two
// weight snapshots (steps 0 and steps/2) of 300 lognormal weights (10 %
// zeros) per projection.
type Run struct {
	Net     Network
	Spikes  []StepSpikes
	Weights []WeightSnap
	Steps   int
}

// NewRun generates a run of steps steps from seed.
func NewRun(seed uint64, steps int) *Run {
	n := Brunel(seed)
	// Smaller populations keep the tests fast.
	n.Populations[0].Size, n.Populations[1].Size = 800, 200
	return &Run{
		Net:     n,
		Spikes:  BrunelStream(seed, n.PopulationSizes(), steps, 5),
		Weights: RandomWeights(seed, n.ProjectionSizes(), []int64{0, int64(steps) / 2}, 300),
		Steps:   steps,
	}
}

// SetWeight gives every synapse of projection proj weight w in every
// snapshot (a projection whose weights never change).
func (r *Run) SetWeight(proj int, w float32) {
	for _, s := range r.Weights {
		if s.Proj == proj {
			for i := range s.W {
				s.W[i] = w
			}
		}
	}
}

// SpikeSums returns per population: count, sum of steps and sum of neurons.
func (r *Run) SpikeSums() map[string][3]int64 {
	out := map[string][3]int64{}
	for _, s := range r.Spikes {
		name := r.Net.Populations[s.Pop].Name
		v := out[name]
		for _, n := range s.Neurons {
			v[0]++
			v[1] += s.Step
			v[2] += int64(n)
		}
		out[name] = v
	}
	return out
}

// Sink receives a run; *traces.Writer is one.
type Sink interface {
	Spikes(step int64, pop int, neurons []int32) error
	State(step int64, pop int, varName string, neurons []int32, values []float32) error
	Rate(step int64, pop int, binMS float64, rateHz float32) error
	Weights(step int64, proj int, pre, post []int32, w []float32) error
}

// Tables says which tables besides spikes Play writes.
type Tables struct {
	States, Rates, Weights bool
}

// Play writes r into sink step by step: at every step its spikes, every 10
// steps the states v (neurons 0, 3, 7) and i_syn (neuron 0) and the rate of
// every population if tables says so, and the weight snapshots of the step.
// When stopAt >= 0 it stops after step stopAt. It returns the last step
// written (Steps-1 unless it stopped early) and the first error of sink.
func (r *Run) Play(sink Sink, tables Tables, stopAt int64) (last int64, err error) {
	wi, si := 0, 0
	last = int64(r.Steps - 1)
	for step := int64(0); step < int64(r.Steps); step++ {
		if stopAt >= 0 && step > stopAt {
			return stopAt, nil
		}
		for si < len(r.Spikes) && r.Spikes[si].Step == step {
			s := r.Spikes[si]
			if err := sink.Spikes(step, s.Pop, s.Neurons); err != nil {
				return last, err
			}
			si++
		}
		if step%10 == 0 && tables.States {
			for p := range r.Net.Populations {
				ns := []int32{0, 3, 7}
				vs := []float32{float32(step), -65.5, float32(p)}
				if err := sink.State(step, p, "v", ns, vs); err != nil {
					return last, err
				}
				if err := sink.State(step, p, "i_syn", ns[:1], vs[:1]); err != nil {
					return last, err
				}
			}
		}
		if step%10 == 0 && tables.Rates {
			for p := range r.Net.Populations {
				if err := sink.Rate(step, p, 1.0, float32(step)/10+float32(p)); err != nil {
					return last, err
				}
			}
		}
		for tables.Weights && wi < len(r.Weights) && r.Weights[wi].Step == step {
			w := r.Weights[wi]
			if err := sink.Weights(step, w.Proj, w.Pre, w.Post, w.W); err != nil {
				return last, err
			}
			wi++
		}
	}
	return last, nil
}
