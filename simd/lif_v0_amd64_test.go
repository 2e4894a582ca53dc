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

func init() {
	for _, m := range impls {
		if m == avx512Impl {
			experimental = append(experimental, avx512v0)
		}
	}
}

func BenchmarkCobaV0(b *testing.B) {
	var ms []*Impl
	for _, m := range impls {
		if m == avx512Impl {
			ms = append(ms, avx512v0, avx512Impl)
		}
	}
	benchImplList(b, ms, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		s, c := benchLIF(n, true, false)
		out := make([]int32, n)
		for range 500 {
			m.Coba(&c, &s, out, 0)
		}
		b.SetBytes(int64(n) * 28)
		return func(int) { m.Coba(&c, &s, out, 0) }, nil
	}, 4096)
}
