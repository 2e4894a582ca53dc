//go:build amd64 && gc && !noasm

package simd

//go:noescape
func hebbRowAVX512(w *float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) int

//go:noescape
func hebbRowAVX2(w *float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) int

func hebbRowAVX512Go(w []float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) {
	w = w[:len(idx)]
	if len(idx) == 0 {
		return
	}
	if d := hebbRowAVX512(&w[0], idx, y, a, b, c, wmax, keepSilent); d < len(idx) {
		HebbRowGeneric(w[d:], idx[d:], y, a, b, c, wmax, keepSilent)
	}
}

func hebbRowAVX2Go(w []float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) {
	w = w[:len(idx)]
	if len(idx) == 0 {
		return
	}
	if d := hebbRowAVX2(&w[0], idx, y, a, b, c, wmax, keepSilent); d < len(idx) {
		HebbRowGeneric(w[d:], idx[d:], y, a, b, c, wmax, keepSilent)
	}
}
