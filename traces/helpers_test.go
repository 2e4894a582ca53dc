package traces

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// stepSpikes is the spikes of one population at one step.
type stepSpikes struct {
	step    int64
	pop     int
	neurons []int32
}

// brunelMeta describes a Brunel-like network: 10,000 E + 2,500 I neurons.
func brunelMeta(seed uint64) Meta {
	return Meta{
		Version: "test",
		Spec:    "[network]\nname = \"brunel\"\n# \"quoted\" and\nmultiline = true\n",
		Kernel:  "generic",
		Seed:    seed,
		DtMS:    0.1,
		Threads: 2,
		Start:   time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC),
		Populations: []PopulationInfo{
			{Name: "E", Size: 10000, Identity: Excitatory},
			{Name: "I", Size: 2500, Identity: Inhibitory},
		},
		Projections: []ProjectionInfo{
			{Name: "E->E", Source: "E", Target: "E", Sign: 1},
			{Name: "E->I", Source: "E", Target: "I", Sign: 1},
			{Name: "I->E", Source: "I", Target: "E", Sign: -1},
			{Name: "I->I", Source: "I", Target: "I", Sign: -1},
		},
		Extra: map[string]string{"user.note": "synthetic"},
	}
}

// poisson draws from a Poisson distribution (Knuth for small means, normal
// approximation above 30).
func poisson(r *rand.Rand, lam float64) int {
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

// brunelStream generates a Brunel-like spike stream: perStep spikes per step
// on average over all populations (38 per 0.1 ms step is ~30 Hz for 12,500
// neurons), neurons drawn uniformly, sorted by (step, pop, neuron).
func brunelStream(seed uint64, meta Meta, steps int, perStep float64) []stepSpikes {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	total := 0
	for _, p := range meta.Populations {
		total += p.Size
	}
	var out []stepSpikes
	seen := map[int32]bool{}
	for s := 0; s < steps; s++ {
		for pi, p := range meta.Populations {
			k := min(poisson(r, perStep*float64(p.Size)/float64(total)), p.Size)
			if k == 0 {
				continue
			}
			clear(seen)
			ns := make([]int32, 0, k)
			for len(ns) < k {
				n := int32(r.IntN(p.Size))
				if !seen[n] {
					seen[n] = true
					ns = append(ns, n)
				}
			}
			slices.Sort(ns)
			out = append(out, stepSpikes{int64(s), pi, ns})
		}
	}
	return out
}

func countSpikes(ss []stepSpikes) int {
	n := 0
	for _, s := range ss {
		n += len(s.neurons)
	}
	return n
}

// weightSnap is one projection snapshot.
type weightSnap struct {
	step      int64
	proj      int
	pre, post []int32
	w         []float32
}

func randomWeights(seed uint64, meta Meta, steps []int64, perProj int) []weightSnap {
	r := rand.New(rand.NewPCG(seed, 0x3e1))
	var out []weightSnap
	for _, st := range steps {
		for pi, p := range meta.Projections {
			src := meta.Populations[meta.PopulationIndex(p.Source)].Size
			tgt := meta.Populations[meta.PopulationIndex(p.Target)].Size
			s := weightSnap{step: st, proj: pi}
			for i := 0; i < perProj; i++ {
				s.pre = append(s.pre, int32(r.IntN(src)))
				s.post = append(s.post, int32(r.IntN(tgt)))
				w := float32(math.Exp(-1 + 0.5*r.NormFloat64()))
				if r.IntN(10) == 0 {
					w = 0
				}
				s.w = append(s.w, w)
			}
			out = append(out, s)
		}
	}
	return out
}
