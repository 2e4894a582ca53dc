package simd

// HebbRowGeneric applies one plasticity update to a CSR row of weight
// magnitudes: for each synapse k with postsynaptic activity t = y[idx[k]],
//
//	d = (a*t + b) - (c*t)*w[k]
//	w[k] = min(wmax, max(0, w[k] + d))
//
// and, when keepSilent is true, a synapse whose weight is exactly 0 stays 0
// (an eliminated synapse does not grow back). With a = eta*x_i this is a
// Hebbian term, b a constant drift, and c*t*w the instar (Oja-like) decay
// that makes a neuron's weights compete. The floor at 0 is the only lower
// bound: weights are magnitudes and never change sign.
func HebbRowGeneric(w []float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) {
	w = w[:len(idx)]
	for k, j := range idx {
		x := w[k]
		if keepSilent && x == 0 {
			continue
		}
		t := y[j]
		d := (float32(a*t) + b) - float32(float32(c*t)*x)
		x += d
		if x < 0 {
			x = 0
		}
		if x > wmax {
			x = wmax
		}
		w[k] = x
	}
}
