//go:build amd64 && gc && !noasm

package simd

//go:noescape
func loihiLIFAVX2(c *FixedLIF, u, v, in *int32, n int, out *int32, base int32) int

//go:noescape
func shiftAccumAVX2(dst, src *int32, n int, exp int32)

// loihiLIFAVX2Go runs the AVX2 kernel on the first n&^7 neurons and the
// reference on the rest. It checks the slices as the reference would (a
// short V, In or out panics in the reference; out shorter than n runs the
// reference, which fills out and then panics).
func loihiLIFAVX2Go(c *FixedLIF, s *FixedState, out []int32, base int32) int {
	n := len(s.U)
	_, _ = s.V[:n], s.In[:n]
	m := n &^ 7
	if m == 0 || len(out) < n {
		return LoihiLIFGeneric(c, s, out, base)
	}
	k := loihiLIFAVX2(c, &s.U[0], &s.V[0], &s.In[0], m, &out[0], base)
	if m < n {
		t := FixedState{U: s.U[m:n], V: s.V[m:n], In: s.In[m:n]}
		k += LoihiLIFGeneric(c, &t, out[k:], base+int32(m))
	}
	return k
}

func shiftAccumAVX2Go(dst, src []int32, exp int32) {
	n := len(src)
	_ = dst[:n]
	if exp < -31 || exp > 31 {
		ShiftAccumGeneric(dst, src, exp)
		return
	}
	m := n &^ 7
	if m > 0 {
		shiftAccumAVX2(&dst[0], &src[0], m, exp)
	}
	if m < n {
		ShiftAccumGeneric(dst[m:n], src[m:n], exp)
	}
}
