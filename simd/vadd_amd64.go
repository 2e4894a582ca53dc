//go:build amd64 && gc && !noasm

package simd

// Assembly row additions (vadd_amd64.s): acc[i] += w[i] (or += c) on 16
// (AVX-512, masked tail) or 8 (AVX2, the tail in Go) lanes. A lane's sum is
// one IEEE single-precision addition with acc as the first operand, as in the
// reference's acc[i] += w[i] (ADDSS), so even the NaN a lane returns when
// both operands are NaN is the reference's.

//go:noescape
func addRowAVX512(acc []float32, w *float32)

//go:noescape
func addConstAVX512(acc []float32, c float32)

//go:noescape
func addRowAVX2(acc []float32, w *float32)

//go:noescape
func addConstAVX2(acc []float32, c float32)

func addRowAVX512Go(acc, w []float32, c float32) {
	if w == nil {
		addConstAVX512(acc, c)
		return
	}
	w = w[:len(acc)]
	if len(acc) == 0 {
		return
	}
	addRowAVX512(acc, &w[0])
}

func addRowAVX2Go(acc, w []float32, c float32) {
	m := len(acc) &^ 7
	if w == nil {
		addConstAVX2(acc[:m], c)
		if m < len(acc) {
			AddRowGeneric(acc[m:], nil, c)
		}
		return
	}
	w = w[:len(acc)]
	if m > 0 {
		addRowAVX2(acc[:m], &w[0])
	}
	if m < len(acc) {
		AddRowGeneric(acc[m:], w[m:], c)
	}
}
