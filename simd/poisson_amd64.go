//go:build amd64 && gc && !noasm

package simd

// Assembly Poisson kernels (poisson_amd64.s); the AVX2 versions need a
// length that is a multiple of 8.

//go:noescape
func poissonDriveAVX512(stepKey uint64, base uint32, tab []uint32, lo, hi int, w float32, in []float32)

//go:noescape
func poissonDriveAVX2(stepKey uint64, base uint32, tab []uint32, lo, hi int, w float32, in []float32)

//go:noescape
func poissonSpikesAVX512(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int

//go:noescape
func poissonSpikesAVX2(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int

// Window of u within which the drive kernels compare with a fixed slice of
// tab: the lowest and the highest bucket of the LUT are left out, so a lane
// falls outside with probability 2^-11.
const (
	winLo   = 1 << lutShift
	winHi   = 1<<32 - 1<<lutShift - 1
	winSpan = winHi - winLo
)

// countLE returns #{j : tab[j] <= x} for a non-decreasing tab.
func countLE(tab []uint32, x uint32) int {
	lo, hi := 0, len(tab)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if tab[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// The assembly drive kernels do not read lut: they count the thresholds
// that u reaches directly, which is what the reference's lut lookup yields
// for every lut built by PoissonLUT from the (non-decreasing) tab.

func poissonDriveAVX512Go(stepKey uint64, base uint32, tab []uint32, lut []uint8, w float32, in []float32) {
	_ = lut[:lutSize]
	poissonDriveAVX512(stepKey, base, tab, countLE(tab, winLo), countLE(tab, winHi), w, in)
}

func poissonDriveAVX2Go(stepKey uint64, base uint32, tab []uint32, lut []uint8, w float32, in []float32) {
	_ = lut[:lutSize]
	m := len(in) &^ 7
	poissonDriveAVX2(stepKey, base, tab, countLE(tab, winLo), countLE(tab, winHi), w, in[:m])
	if m < len(in) {
		PoissonDriveGeneric(stepKey, base+uint32(m), tab, lut, w, in[m:])
	}
}

func poissonSpikesAVX512Go(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int {
	if len(out) < len(thr) {
		return PoissonSpikesGeneric(stepKey, base, thr, out, outBase)
	}
	return poissonSpikesAVX512(stepKey, base, thr, out, outBase)
}

func poissonSpikesAVX2Go(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int {
	if len(out) < len(thr) {
		return PoissonSpikesGeneric(stepKey, base, thr, out, outBase)
	}
	m := len(thr) &^ 7
	k := poissonSpikesAVX2(stepKey, base, thr[:m], out, outBase)
	if m < len(thr) {
		k += PoissonSpikesGeneric(stepKey, base+uint32(m), thr[m:], out[k:], outBase+int32(m))
	}
	return k
}
