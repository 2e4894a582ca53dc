package synapse

import (
	"fmt"
	"math"

	"dalesim/neuron"
	"dalesim/simd"
)

// Projection is the set of synapses from one population to another.
type Projection struct {
	name     string
	src, tgt *neuron.Population

	rowPtr  []int64   // len src+1; row i is [rowPtr[i], rowPtr[i+1])
	targets []int32   // target index of each synapse, ascending within a row
	weights []float32 // magnitudes; nil when every synapse has weight constW
	constW  float32
	delay   int      // steps, when delays is nil
	delays  []uint16 // per-synapse delays in steps, or nil

	colPtr []int64 // backward index (by target), built by BuildBackward
	colSyn []int32 // synapse indices, ascending within a column
}

// Name returns the projection's name.
func (p *Projection) Name() string { return p.name }

// Source returns the presynaptic population.
func (p *Projection) Source() *neuron.Population { return p.src }

// Target returns the postsynaptic population.
func (p *Projection) Target() *neuron.Population { return p.tgt }

// Sign is the effective sign of every synapse: the source's identity.
func (p *Projection) Sign() int8 { return p.src.Identity().Sign() }

// Inhibitory reports whether the projection feeds the target's inhibitory
// channel, which is exactly when its source population is inhibitory.
func (p *Projection) Inhibitory() bool { return p.src.Identity() == neuron.Inhibitory }

// Len returns the number of synapses (silent ones included).
func (p *Projection) Len() int { return len(p.targets) }

// Row returns the target indices of presynaptic neuron i's synapses and the
// index of its first synapse.
func (p *Projection) Row(i int) (targets []int32, first int) {
	a, b := p.rowPtr[i], p.rowPtr[i+1]
	return p.targets[a:b], int(a)
}

// RowPtr returns the CSR row pointers (read only).
func (p *Projection) RowPtr() []int64 { return p.rowPtr }

// Targets returns every synapse's target index in CSR order (read only).
func (p *Projection) Targets() []int32 { return p.targets }

// Weight returns the magnitude of synapse k.
func (p *Projection) Weight(k int) float32 {
	if p.weights == nil {
		return p.constW
	}
	return p.weights[k]
}

// Weights returns the weight magnitudes in CSR order, materialising them if
// the projection stored only a constant. Callers must keep them >= 0 (use
// SetWeight or a plasticity rule to change them).
func (p *Projection) Weights() []float32 {
	if p.weights == nil {
		p.weights = make([]float32, len(p.targets))
		for i := range p.weights {
			p.weights[i] = p.constW
		}
	}
	return p.weights
}

// ConstWeight returns the common weight and true if the projection stores a
// single weight for every synapse.
func (p *Projection) ConstWeight() (float32, bool) { return p.constW, p.weights == nil }

// SetWeight sets the magnitude of synapse k; a negative or non-finite value
// is rejected (the sign belongs to the source population).
func (p *Projection) SetWeight(k int, w float32) error {
	if !(w >= 0) || math.IsInf(float64(w), 0) {
		return fmt.Errorf("projection %q: weight = %g: must be a finite magnitude >= 0 (the sign comes from the source population %q, %s)",
			p.name, w, p.src.Name(), p.src.Identity())
	}
	if k < 0 || k >= len(p.targets) {
		return fmt.Errorf("projection %q: synapse %d out of range [0, %d)", p.name, k, len(p.targets))
	}
	p.Weights()[k] = w
	return nil
}

// Delay returns the delay in steps of synapse k.
func (p *Projection) Delay(k int) int {
	if p.delays == nil {
		return p.delay
	}
	return int(p.delays[k])
}

// MaxDelay returns the longest delay in steps.
func (p *Projection) MaxDelay() int {
	if p.delays == nil {
		return p.delay
	}
	m := 0
	for _, d := range p.delays {
		m = max(m, int(d))
	}
	return m
}

// HasSynapseDelays reports whether delays are stored per synapse.
func (p *Projection) HasSynapseDelays() bool { return p.delays != nil }

// Deliver adds the synapses of the spiking presynaptic neurons into the
// target's ring buffer at each synapse's arrival step and returns the number
// of synapses walked.
func (p *Projection) Deliver(step int64, spikes []int32, impl *simd.Impl) int64 {
	return p.DeliverRange(step, spikes, impl, 0, p.tgt.Len())
}

// DeliverRange is Deliver restricted to targets in [lo, hi). Disjoint target
// ranges may be delivered concurrently; each target receives its inputs in
// the same order whatever the split.
func (p *Projection) DeliverRange(step int64, spikes []int32, impl *simd.Impl, lo, hi int) int64 {
	var events int64
	inh := p.Inhibitory()
	whole := lo == 0 && hi == p.tgt.Len()
	if p.delays == nil {
		acc := p.tgt.Input(step+int64(p.delay), inh)
		for _, s := range spikes {
			a, b := p.rowPtr[s], p.rowPtr[s+1]
			if !whole {
				a, b = p.subRow(a, b, lo, hi)
			}
			events += b - a
			if p.weights == nil {
				impl.ScatterAddConst(acc, p.targets[a:b], p.constW)
			} else {
				impl.ScatterAdd(acc, p.targets[a:b], p.weights[a:b])
			}
		}
		return events
	}
	ring := p.tgt.Ring(inh)
	n, slots := int64(p.tgt.Len()), int64(p.tgt.Slots())
	for _, s := range spikes {
		a, b := p.rowPtr[s], p.rowPtr[s+1]
		if !whole {
			a, b = p.subRow(a, b, lo, hi)
		}
		events += b - a
		for k := a; k < b; k++ {
			slot := (step + int64(p.delays[k])) % slots
			ring[slot*n+int64(p.targets[k])] += p.Weight(int(k))
		}
	}
	return events
}

// subRow narrows synapses [a, b) of one row to targets in [lo, hi) by binary
// search (targets are ascending within a row).
func (p *Projection) subRow(a, b int64, lo, hi int) (int64, int64) {
	t := p.targets
	i, j := a, b
	for i < j {
		m := int64(uint64(i+j) >> 1)
		if int(t[m]) < lo {
			i = m + 1
		} else {
			j = m
		}
	}
	start := i
	j = b
	for i < j {
		m := int64(uint64(i+j) >> 1)
		if int(t[m]) < hi {
			i = m + 1
		} else {
			j = m
		}
	}
	return start, i
}

// BuildBackward builds the index of each target's incoming synapses (for
// plasticity triggered by postsynaptic spikes).
func (p *Projection) BuildBackward() {
	if p.colPtr != nil {
		return
	}
	n := p.tgt.Len()
	p.colPtr = make([]int64, n+1)
	for _, t := range p.targets {
		p.colPtr[t+1]++
	}
	for i := 0; i < n; i++ {
		p.colPtr[i+1] += p.colPtr[i]
	}
	p.colSyn = make([]int32, len(p.targets))
	next := append([]int64(nil), p.colPtr[:n]...)
	for k, t := range p.targets {
		p.colSyn[next[t]] = int32(k)
		next[t]++
	}
}

// Column returns the synapse indices onto target j (BuildBackward first).
func (p *Projection) Column(j int) []int32 { return p.colSyn[p.colPtr[j]:p.colPtr[j+1]] }

// Silent returns the number of synapses with weight zero.
func (p *Projection) Silent() int {
	if p.weights == nil {
		if p.constW == 0 {
			return len(p.targets)
		}
		return 0
	}
	z := 0
	for _, w := range p.weights {
		if w == 0 {
			z++
		}
	}
	return z
}

// DaleViolations counts synapses whose effective sign differs from their
// source population's sign: a negative or NaN magnitude (which would flip or
// lose the sign). The structure makes this zero; the count is the check.
func (p *Projection) DaleViolations() int {
	v := 0
	if p.weights == nil {
		if !(p.constW >= 0) {
			return len(p.targets)
		}
		return 0
	}
	for _, w := range p.weights {
		if !(w >= 0) {
			v++
		}
	}
	return v
}
