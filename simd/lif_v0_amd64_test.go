//go:build amd64 && gc && !noasm

package simd

import "testing"

// The AVX-512 COBA kernel as it was before (cobaAVX512v0): a benchmark
// baseline and a second implementation that the tests compare with the
// reference.
var avx512v0 = func() *Impl {
	m := *avx512Impl
	m.Name = "avx512-v0"
	m.Coba = func(c *LIF, s *State, out []int32, base int32) int {
		if !lifChecked(s, out, true) {
			return CobaGeneric(c, s, out, base)
		}
		return cobaAVX512v0(c, s, len(s.V), out, base)
	}
	return &m
}()

// avx2v0: the same for the AVX2 kernel (cobaAVX2v0).
var avx2v0 = func() *Impl {
	m := *avx2Impl
	m.Name = "avx2-v0"
	m.Coba = func(c *LIF, s *State, out []int32, base int32) int {
		if !lifChecked(s, out, true) {
			return CobaGeneric(c, s, out, base)
		}
		n := len(s.V)
		m := n &^ 7
		k := cobaAVX2v0(c, s, m, out, base)
		if m < n {
			t := tail(s, m, n, true)
			k += CobaGeneric(c, &t, out[k:], base+int32(m))
		}
		return k
	}
	return &m
}()

// v0Impls returns the former kernels this CPU runs, each followed by the
// current implementation.
func v0Impls() []*Impl {
	var ms []*Impl
	for _, m := range impls {
		switch m {
		case avx512Impl:
			ms = append(ms, avx512v0, avx512Impl)
		case avx2Impl:
			ms = append(ms, avx2v0, avx2Impl)
		}
	}
	return ms
}

func init() {
	for _, m := range v0Impls() {
		if m == avx512v0 || m == avx2v0 {
			experimental = append(experimental, m)
		}
	}
}

func BenchmarkCobaV0(b *testing.B) {
	benchImplList(b, v0Impls(), func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		s, c := benchLIF(n, true, false)
		out := make([]int32, n)
		for range 500 {
			m.Coba(&c, &s, out, 0)
		}
		b.SetBytes(int64(n) * 28)
		return func(int) { m.Coba(&c, &s, out, 0) }, nil
	}, 4096)
}
