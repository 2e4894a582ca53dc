//go:build amd64 && gc && !noasm

package simd

//go:noescape
func decayAVX512(x []float32, f float32)

//go:noescape
func decayAVX2(x []float32, f float32)

//go:noescape
func scatterAddAVX512(acc []float32, idx []int32, w *float32) int

//go:noescape
func scatterAddConstAVX512(acc []float32, idx []int32, w float32) int

func decayAVX2Go(x []float32, f float32) {
	m := len(x) &^ 7
	decayAVX2(x[:m], f)
	if m < len(x) {
		DecayGeneric(x[m:], f)
	}
}

func scatterAddAVX512Go(acc []float32, idx []int32, w []float32) {
	w = w[:len(idx)]
	if len(idx) == 0 {
		return
	}
	if d := scatterAddAVX512(acc, idx, &w[0]); d < len(idx) {
		ScatterAddGeneric(acc, idx[d:], w[d:])
	}
}

func scatterAddConstAVX512Go(acc []float32, idx []int32, w float32) {
	if d := scatterAddConstAVX512(acc, idx, w); d < len(idx) {
		ScatterAddConstGeneric(acc, idx[d:], w)
	}
}
