package simd

import "dalesim/internal/rng"

// PoissonDriveGeneric adds w times a Poisson count to in[i] for each i: the
// count is the number of entries of the increasing threshold table tab (see
// rng.PoissonTable) that u = rng.Uniform32(stepKey, base+i) reaches.
//
//	for i { c = #{j : u_i >= tab[j]}; in[i] += w*float32(c) }
//
// lut (from PoissonLUT(tab)) gives the count directly for the 4096 buckets of
// the top 12 bits of u that hold no threshold, so the table is searched only
// for the few buckets that do.
func PoissonDriveGeneric(stepKey uint64, base uint32, tab []uint32, lut []uint8, w float32, in []float32) {
	lut = lut[:lutSize]
	for i := range in {
		u := rng.Uniform32(stepKey, base+uint32(i))
		c := int(lut[u>>lutShift])
		if c == lutMixed {
			c = 0
			for c < len(tab) && u >= tab[c] {
				c++
			}
		}
		in[i] += float32(w * float32(c))
	}
}

const (
	lutShift = 20
	lutSize  = 1 << (32 - lutShift)
	lutMixed = 255
)

// PoissonLUT returns the bucket table of PoissonDriveGeneric for the
// threshold table tab (len(tab) < 255).
func PoissonLUT(tab []uint32) []uint8 {
	count := func(u uint32) int {
		c := 0
		for c < len(tab) && u >= tab[c] {
			c++
		}
		return c
	}
	lut := make([]uint8, lutSize)
	for b := range lut {
		lo := uint32(b) << lutShift
		hi := lo | (1<<lutShift - 1)
		if c := count(lo); c == count(hi) && c < lutMixed {
			lut[b] = uint8(c)
		} else {
			lut[b] = lutMixed
		}
	}
	return lut
}

// PoissonSpikesGeneric draws one step of independent Bernoulli spikes: neuron
// i spikes when rng.Uniform32(stepKey, base+i) < thr[i] (thr = rate*dt*2^32).
// It writes outBase+i of each spiking neuron into out and returns the count.
func PoissonSpikesGeneric(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int {
	k := 0
	for i, t := range thr {
		// t == 0 never spikes (u < 0 is false); each neuron's u depends on
		// its own index only, so skipping it changes no other neuron's.
		if t != 0 && rng.Uniform32(stepKey, base+uint32(i)) < t {
			out[k] = outBase + int32(i)
			k++
		}
	}
	return k
}
