//go:build amd64 && gc && !noasm

package simd

// Assembly LIF kernels (lif_amd64.s). Each advances neurons [0, n) of s,
// appends base+i of the spiking ones to out and returns their number; the
// AVX2 versions need n%8 == 0. Callers (the wrappers below) guarantee that
// every slice of s used by the model has at least n elements and len(out) >= n.

//go:noescape
func cubaAVX512(c *LIF, s *State, n int, out []int32, base int32) int

//go:noescape
func cobaAVX512(c *LIF, s *State, n int, out []int32, base int32, xLo, xWidth uint32, noEE bool) int

//go:noescape
func deltaAVX512(c *LIF, s *State, n int, out []int32, base int32) int

//go:noescape
func cubaAVX2(c *LIF, s *State, n int, out []int32, base int32) int

//go:noescape
func cobaAVX2(c *LIF, s *State, n int, out []int32, base int32, xLo, xWidth uint32, noEE bool) int

//go:noescape
func deltaAVX2(c *LIF, s *State, n int, out []int32, base int32) int

// lifChecked reports whether s and out can be handed to an assembly kernel:
// it panics exactly where the reference would before touching anything
// (a state slice shorter than V) and returns false when out is shorter than
// n, in which case the caller runs the reference (which writes spikes until
// out is full and then panics, as specified).
func lifChecked(s *State, out []int32, synapses bool) bool {
	n := len(s.V)
	if synapses {
		_, _ = s.GE[:n], s.GI[:n]
	}
	_, _, _, _ = s.InE[:n], s.InI[:n], s.Theta[:n], s.Ref[:n]
	return len(out) >= n
}

// tail returns neurons [m, n) of s (GE, GI only when synapses is set).
func tail(s *State, m, n int, synapses bool) State {
	t := State{V: s.V[m:n], InE: s.InE[m:n], InI: s.InI[m:n], Theta: s.Theta[m:n], Ref: s.Ref[m:n]}
	if synapses {
		t.GE, t.GI = s.GE[m:n], s.GI[m:n]
	}
	return t
}

func cubaAVX512Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, true) {
		return CubaGeneric(c, s, out, base)
	}
	return cubaAVX512(c, s, len(s.V), out, base)
}

func cobaAVX512Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, true) {
		return CobaGeneric(c, s, out, base)
	}
	lo, width, ok := cobaCommon(c)
	if !ok {
		return CobaGeneric(c, s, out, base)
	}
	return cobaAVX512(c, s, len(s.V), out, base, lo, width, cobaNoEE(c))
}

func deltaAVX512Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, false) {
		return DeltaGeneric(c, s, out, base)
	}
	return deltaAVX512(c, s, len(s.V), out, base)
}

func cubaAVX2Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, true) {
		return CubaGeneric(c, s, out, base)
	}
	n := len(s.V)
	m := n &^ 7
	k := cubaAVX2(c, s, m, out, base)
	if m < n {
		t := tail(s, m, n, true)
		k += CubaGeneric(c, &t, out[k:], base+int32(m))
	}
	return k
}

func cobaAVX2Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, true) {
		return CobaGeneric(c, s, out, base)
	}
	lo, width, ok := cobaCommon(c)
	if !ok {
		return CobaGeneric(c, s, out, base)
	}
	n := len(s.V)
	m := n &^ 7
	k := cobaAVX2(c, s, m, out, base, lo, width, cobaNoEE(c))
	if m < n {
		t := tail(s, m, n, true)
		k += CobaGeneric(c, &t, out[k:], base+int32(m))
	}
	return k
}

func deltaAVX2Go(c *LIF, s *State, out []int32, base int32) int {
	if !lifChecked(s, out, false) {
		return DeltaGeneric(c, s, out, base)
	}
	n := len(s.V)
	m := n &^ 7
	k := deltaAVX2(c, s, m, out, base)
	if m < n {
		t := tail(s, m, n, false)
		k += DeltaGeneric(c, &t, out[k:], base+int32(m))
	}
	return k
}
