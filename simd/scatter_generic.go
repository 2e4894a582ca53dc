package simd

// ScatterAddGeneric delivers one CSR row: acc[idx[j]] += w[j] for j in order.
// Every idx[j] must be a valid index of acc (checked when the row is built).
func ScatterAddGeneric(acc []float32, idx []int32, w []float32) {
	w = w[:len(idx)]
	for j, t := range idx {
		acc[t] += w[j]
	}
}

// ScatterAddConstGeneric delivers one CSR row of a projection whose weights
// are all equal: acc[idx[j]] += w for j in order.
func ScatterAddConstGeneric(acc []float32, idx []int32, w float32) {
	for _, t := range idx {
		acc[t] += w
	}
}

// DecayGeneric multiplies every element by f and flushes tiny results to
// zero: x[i] = flush(x[i]*f).
func DecayGeneric(x []float32, f float32) {
	for i := range x {
		x[i] = flush(x[i] * f)
	}
}
