package network

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"dalesim/neuron"
)

// Result summarises a run.
type Result struct {
	SimSeconds       float64    `json:"sim_seconds"`
	WallSeconds      float64    `json:"wall_seconds"`
	WallPerSimSecond float64    `json:"wall_per_sim_second"`
	SynapticEvents   int64      `json:"synaptic_events"`
	EventsPerSecond  float64    `json:"events_per_second"`
	Populations      PopResults `json:"populations"`
	SpikeChecksum    string     `json:"spike_checksum"`
	Seed             uint64     `json:"seed"`
	Kernel           string     `json:"kernel"`
	Threads          int        `json:"threads"`
	Steps            int64      `json:"steps"`
	Interrupted      bool       `json:"interrupted,omitempty"`
	// Ranks and Exchange: a network distributed over several processes
	// (see Comm); the exchange counts are this rank's.
	Ranks    int            `json:"ranks,omitempty"`
	Exchange *ExchangeStats `json:"spike_exchange,omitempty"`
	order    []string
}

// PopResult is one population's firing summary.
type PopResult struct {
	RateHz float64 `json:"rate_hz"`
	CVISI  float64 `json:"cv_isi"` // mean over neurons with >= 3 spikes; NaN (null in JSON) if none
	Spikes int64   `json:"spikes"`
	// Synchrony is the coefficient of variation of the population's spike
	// count in 1 ms bins (0 for a perfectly steady population rate).
	Synchrony float64 `json:"pop_rate_cv_1ms"`
	N         int     `json:"neurons"`
}

// PopResults maps population names to summaries.
type PopResults map[string]*PopResult

// MarshalJSON writes NaN as null.
func (p PopResult) MarshalJSON() ([]byte, error) {
	f := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return fmt.Sprintf("%.6g", x)
	}
	return []byte(fmt.Sprintf(`{"rate_hz":%s,"cv_isi":%s,"spikes":%d,"pop_rate_cv_1ms":%s,"neurons":%d}`,
		f(p.RateHz), f(p.CVISI), p.Spikes, f(p.Synchrony), p.N)), nil
}

// Order returns the population names in network order.
func (r *Result) Order() []string { return r.order }

type popStats struct {
	spikes   int64
	last     []int64
	isiSum   []float64
	isiSq    []float64
	isiN     []int32
	bins     []int64
	binSteps int64
}

type stats struct {
	first int64
	steps int64
	pops  []popStats
	hash  uint64
	wall  time.Duration
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

// fnvPrime3 is fnvPrime^3 (mod 2^64).
const fnvPrime3 = fnvPrime * fnvPrime * fnvPrime & (1<<64 - 1)

// fnvOp is one step h = (h ^ c) * m of a hash computed with fnvPlan.
type fnvOp struct{ c, m uint64 }

// fnvSpike returns the FNV-1a hash h continued with the bytes of prefix
// (a plan from fnvPlan) and then the 4 little-endian bytes of j; for j below
// 2^16, its bytes 2 and 3 are 0 and merge with byte 1.
func fnvSpike(h uint64, prefix []fnvOp, j uint32) uint64 {
	for _, o := range prefix {
		h = (h ^ o.c) * o.m
	}
	h = (h ^ uint64(j&0xff)) * fnvPrime
	if j < 1<<16 {
		return (h ^ uint64(j>>8)) * fnvPrime3
	}
	h = (h ^ uint64(j>>8&0xff)) * fnvPrime
	h = (h ^ uint64(j>>16&0xff)) * fnvPrime
	return (h ^ uint64(j>>24)) * fnvPrime
}

// fnvPlan appends to ops the steps that apply FNV-1a's byte steps
// h = (h ^ b) * fnvPrime for the bytes of b, with each run of zero bytes
// merged into the step before it: (h ^ 0) * fnvPrime = h * fnvPrime, and
// multiplication mod 2^64 is associative, so a step followed by z zero bytes
// is h = (h ^ c) * fnvPrime^(z+1), bit for bit.
func fnvPlan(b []byte, ops []fnvOp) []fnvOp {
	for _, c := range b {
		if c == 0 && len(ops) > 0 {
			ops[len(ops)-1].m *= fnvPrime
			continue
		}
		ops = append(ops, fnvOp{uint64(c), fnvPrime})
	}
	return ops
}

// statsBytesPerNeuron is what the run statistics keep per neuron (newStats).
const statsBytesPerNeuron = 8 + 8 + 8 + 4

func newStats(n *Network) *stats {
	s := &stats{first: n.step, hash: fnvOffset, pops: make([]popStats, len(n.pops))}
	bin := max(int64(math.Round(1/n.dt)), 1)
	for i, p := range n.pops {
		ps := &s.pops[i]
		ps.last = make([]int64, p.Len())
		for j := range ps.last {
			ps.last[j] = -1
		}
		ps.isiSum = make([]float64, p.Len())
		ps.isiSq = make([]float64, p.Len())
		ps.isiN = make([]int32, p.Len())
		ps.binSteps = bin
	}
	return s
}

// observe accumulates the spikes of one step: counts, ISIs, 1 ms bins, and
// the checksum of the (step, population, neuron) list in that order.
func (s *stats) observe(step int64, pops []*neuron.Population) {
	s.steps++
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(step))
	for i, p := range pops {
		sp := p.Spikes()
		if len(sp) == 0 {
			continue
		}
		ps := &s.pops[i]
		ps.spikes += int64(len(sp))
		b := (step - s.first) / ps.binSteps
		for int64(len(ps.bins)) <= b {
			ps.bins = append(ps.bins, 0)
		}
		ps.bins[b] += int64(len(sp))
		binary.LittleEndian.PutUint32(buf[8:12], uint32(i))
		var ops [12]fnvOp
		prefix := fnvPlan(buf[:12], ops[:0])
		h := s.hash
		for _, j := range sp {
			if l := ps.last[j]; l >= 0 {
				d := float64(step - l)
				ps.isiSum[j] += d
				ps.isiSq[j] += d * d
				ps.isiN[j]++
			}
			ps.last[j] = step
			h = fnvSpike(h, prefix, uint32(j))
		}
		s.hash = h
	}
}

func (s *stats) result(n *Network) *Result {
	sim := float64(s.steps) * n.dt / 1000
	r := &Result{
		SimSeconds:     sim,
		WallSeconds:    s.wall.Seconds(),
		SynapticEvents: n.events,
		Populations:    PopResults{},
		SpikeChecksum:  fmt.Sprintf("%016x", s.hash),
		Seed:           n.seed,
		Kernel:         n.impl.Name,
		Threads:        n.threads,
		Steps:          s.steps,
	}
	if sim > 0 {
		r.WallPerSimSecond = r.WallSeconds / sim
	}
	if r.WallSeconds > 0 {
		r.EventsPerSecond = float64(n.events) / r.WallSeconds
	}
	var nbins int64
	if len(s.pops) > 0 {
		nbins = (s.steps + s.pops[0].binSteps - 1) / max(s.pops[0].binSteps, 1)
	}
	for i, p := range n.pops {
		ps := &s.pops[i]
		pr := &PopResult{Spikes: ps.spikes, N: p.Len(), CVISI: math.NaN(), Synchrony: math.NaN()}
		if sim > 0 {
			pr.RateHz = float64(ps.spikes) / float64(p.Len()) / sim
		}
		var cvSum float64
		var cvN int
		for j := range ps.isiN {
			if k := float64(ps.isiN[j]); k >= 2 {
				m := ps.isiSum[j] / k
				v := ps.isiSq[j]/k - m*m
				cvSum += math.Sqrt(max(v, 0)) / m
				cvN++
			}
		}
		if cvN > 0 {
			pr.CVISI = cvSum / float64(cvN)
		}
		if nbins > 1 {
			var sum, sq float64
			for b := int64(0); b < nbins; b++ {
				var c float64
				if b < int64(len(ps.bins)) {
					c = float64(ps.bins[b])
				}
				sum += c
				sq += c * c
			}
			m := sum / float64(nbins)
			if m > 0 {
				pr.Synchrony = math.Sqrt(max(sq/float64(nbins)-m*m, 0)) / m
			}
		}
		r.Populations[p.Name()] = pr
		r.order = append(r.order, p.Name())
	}
	return r
}
