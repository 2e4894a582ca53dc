package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// Guard cells: every slice handed to a kernel under test is cut out of a
// larger buffer whose other cells hold a sentinel; after the call the
// sentinels must be intact (no out-of-bounds writes).
const (
	guardCells = 19
	guardF32   = 0x7fa5a5a5 // a NaN pattern no kernel produces
	guardI32   = 0x5a5a5a5a
)

// guarded allocates n float32 at offset off inside a sentinel-filled buffer.
type guardedF32 struct {
	buf  []float32
	off  int
	n    int
	data []float32
}

func newGuardedF32(n, off int) *guardedF32 {
	g := &guardedF32{buf: make([]float32, n+off+2*guardCells), off: guardCells + off, n: n}
	for i := range g.buf {
		g.buf[i] = math.Float32frombits(guardF32)
	}
	g.data = g.buf[g.off : g.off+n : g.off+n]
	return g
}

func (g *guardedF32) check(t *testing.T, what string) {
	t.Helper()
	for i, x := range g.buf {
		if (i < g.off || i >= g.off+g.n) && math.Float32bits(x) != guardF32 {
			t.Fatalf("%s: guard cell %d (slice at %d, len %d) overwritten with %#08x", what, i, g.off, g.n, math.Float32bits(x))
		}
	}
}

type guardedI32 struct {
	buf  []int32
	off  int
	n    int
	data []int32
}

func newGuardedI32(n, off int) *guardedI32 {
	g := &guardedI32{buf: make([]int32, n+off+2*guardCells), off: guardCells + off, n: n}
	for i := range g.buf {
		g.buf[i] = guardI32
	}
	g.data = g.buf[g.off : g.off+n : g.off+n]
	return g
}

func (g *guardedI32) check(t *testing.T, what string) {
	t.Helper()
	for i, x := range g.buf {
		if (i < g.off || i >= g.off+g.n) && x != guardI32 {
			t.Fatalf("%s: guard cell %d (slice at %d, len %d) overwritten with %#08x", what, i, g.off, g.n, uint32(x))
		}
	}
}

// testLengths are the slice lengths every kernel is tested on.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 129, 1000, 4096+7, 4096+16+9)
}

var testOffsets = []int{0, 1, 3, 7}

// nonGeneric returns the implementations to compare with the reference:
// every one this CPU runs (including the experimental ones) except generic itself, and genericV0 (the
// former Go COBA kernel, a second reference; in a pure-Go build the only one).
func nonGeneric() []*Impl {
	var ms []*Impl
	for _, m := range append(impls[:len(impls):len(impls)], experimental...) {
		if m != Generic {
			ms = append(ms, m)
		}
	}
	return append(ms, genericV0)
}

// sameF32 reports whether a and b have the same bits; with nanEq, any two
// NaNs also count as equal (for inputs that hold NaN, whose payload the
// references do not fix; see fuzz_test.go).
func sameF32(a, b float32, nanEq bool) bool {
	if math.Float32bits(a) == math.Float32bits(b) {
		return true
	}
	return nanEq && a != a && b != b
}

func diffF32(want, got []float32, nanEq bool) string {
	if len(want) != len(got) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameF32(want[i], got[i], nanEq) {
			return fmt.Sprintf("[%d] = %g (%#08x), want %g (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return ""
}

func diffI32(want, got []int32) string {
	if len(want) != len(got) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Sprintf("[%d] = %d, want %d", i, got[i], want[i])
		}
	}
	return ""
}

// f32 draws "interesting" float32 values: mostly in [lo, hi), sometimes
// zero, -0, tiny (around FlushBelow, including subnormals) or huge.
func f32(r *rand.Rand, lo, hi float32) float32 {
	switch r.IntN(40) {
	case 0:
		return 0
	case 1:
		return float32(math.Copysign(0, -1))
	case 2:
		// around FlushBelow, either sign
		x := float32(FlushBelow) * float32(math.Exp2(r.Float64()*4-2))
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	case 3:
		return float32(FlushBelow)
	case 4:
		return math.Float32frombits(r.Uint32() & 0x807fffff) // subnormal
	case 5:
		return float32(math.Exp2(r.Float64()*250 - 125)) // any magnitude
	case 6:
		return -float32(math.Exp2(r.Float64() * 120))
	}
	return lo + (hi-lo)*r.Float32()
}

// unsafeU32 reinterprets an int32 slice as uint32 (same memory, so the
// guard cells of a guardedI32 protect it).
func unsafeU32(x []int32) []uint32 {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&x[0])), len(x))
}
