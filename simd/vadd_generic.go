package simd

// AddRowGeneric adds a contiguous row of weights element by element:
// acc[i] += w[i] for every i < len(acc) (len(w) >= len(acc)) or, when w is
// nil, acc[i] += c. It is ScatterAddGeneric (or ScatterAddConstGeneric) for
// the row idx = t0, t0+1, ..., t0+len(acc)-1 onto acc[t0:]: the same
// additions, each element's in the same order, hence the same bits. Package
// synapse delivers the rows of dense projections (all-to-all: every row is
// one ascending run of targets) with it.
func AddRowGeneric(acc, w []float32, c float32) {
	if w == nil {
		for i := range acc {
			acc[i] += c
		}
		return
	}
	w = w[:len(acc)]
	for len(acc) >= 4 {
		acc[0] += w[0]
		acc[1] += w[1]
		acc[2] += w[2]
		acc[3] += w[3]
		acc, w = acc[4:], w[4:]
	}
	for i := range acc {
		acc[i] += w[i]
	}
}
