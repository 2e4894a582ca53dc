package simd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// Fixed-point kernels: every implementation bit-exact against the integer
// reference, plus the reference against Lava's equations at the edges of
// the 24-bit widths (hand-computed values).

// fixedU draws a valid current: |u| <= 2^23 (the wrap keeps u in
// (-2^23, 2^23]), often at or near the edges.
func fixedU(r *rand.Rand) int32 {
	switch r.IntN(8) {
	case 0:
		return FixedUVMax - int32(r.IntN(3))
	case 1:
		return -FixedUVMax + 1 + int32(r.IntN(3))
	case 2:
		return int32(r.IntN(9)) - 4
	}
	return int32(r.IntN(2*FixedUVMax)) - FixedUVMax + 1
}

// fixedV draws a valid voltage: |v| <= 2^23-1 (the clip bounds).
func fixedV(r *rand.Rand) int32 {
	x := fixedU(r)
	return min(max(x, -FixedUVMax+1), FixedUVMax-1)
}

// fixedIn draws a step's input: sums of shifted 8-bit weights, up to far
// beyond what the 24-bit current holds (to exercise the wrap).
func fixedIn(r *rand.Rand) int32 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return int32(r.IntN(1<<18)) - 1<<17 // << 6: up to +-2^23
	}
	return int32(r.IntN(2048)) - 1024
}

func randFixedLIF(r *rand.Rand) FixedLIF {
	du, dv := int32(r.IntN(4096)), int32(r.IntN(4096))
	if r.IntN(4) == 0 {
		du, dv = 4095, 0 // edges: no current memory, no leak
	}
	be := r.IntN(8)
	bm := int32(r.IntN(8192)) - 4096
	return FixedLIF{FU: FixedDecayUnity - (du + 1), FV: FixedDecayUnity - dv, Bias: bm << be,
		VTh: int32(r.IntN(1<<17)) << FixedVthShift}
}

func TestLoihiLIFMatchesReference(t *testing.T) {
	for _, impl := range nonGeneric() {
		for _, n := range testLengths() {
			for _, off := range testOffsets {
				seed := uint64(n*131 + off)
				r := rand.New(rand.NewPCG(seed, 7))
				c := randFixedLIF(r)
				u0, v0, in0 := make([]int32, n), make([]int32, n), make([]int32, n)
				for i := range u0 {
					u0[i], v0[i], in0[i] = fixedU(r), fixedV(r), fixedIn(r)
				}
				// Reference.
				ru, rv, rin := slices.Clone(u0), slices.Clone(v0), slices.Clone(in0)
				rout := make([]int32, n)
				rk := LoihiLIFGeneric(&c, &FixedState{U: ru, V: rv, In: rin}, rout, 5)
				// Implementation, in guarded buffers.
				gu, gv, gin, gout := newGuardedI32(n, off), newGuardedI32(n, off), newGuardedI32(n, off), newGuardedI32(n, off)
				copy(gu.data, u0)
				copy(gv.data, v0)
				copy(gin.data, in0)
				k := impl.LoihiLIF(&c, &FixedState{U: gu.data, V: gv.data, In: gin.data}, gout.data, 5)
				what := fmt.Sprintf("%s n=%d off=%d seed=%d", impl.Name, n, off, seed)
				for _, g := range []*guardedI32{gu, gv, gin, gout} {
					g.check(t, what)
				}
				if k != rk {
					t.Fatalf("%s: %d spikes, want %d", what, k, rk)
				}
				for name, p := range map[string][2][]int32{"u": {ru, gu.data}, "v": {rv, gv.data}, "in": {rin, gin.data}, "spikes": {rout[:rk], gout.data[:k]}} {
					if d := diffI32(p[0], p[1]); d != "" {
						t.Fatalf("%s: %s%s", what, name, d)
					}
				}
			}
		}
	}
}

func TestShiftAccumMatchesReference(t *testing.T) {
	for _, impl := range nonGeneric() {
		for _, n := range testLengths() {
			for _, off := range testOffsets {
				for _, exp := range []int32{-8, -7, -3, -1, 0, 1, 3, 6, 7} {
					seed := uint64(n*977 + off*13 + int(exp+8))
					r := rand.New(rand.NewPCG(seed, 3))
					d0, s0 := make([]int32, n), make([]int32, n)
					for i := range d0 {
						d0[i], s0[i] = int32(r.IntN(1<<20))-1<<19, int32(r.IntN(1<<16))-1<<15
					}
					rd, rs := slices.Clone(d0), slices.Clone(s0)
					ShiftAccumGeneric(rd, rs, exp)
					gd, gs := newGuardedI32(n, off), newGuardedI32(n, off)
					copy(gd.data, d0)
					copy(gs.data, s0)
					impl.ShiftAccum(gd.data, gs.data, exp)
					what := fmt.Sprintf("%s n=%d off=%d exp=%d seed=%d", impl.Name, n, off, exp, seed)
					gd.check(t, what)
					gs.check(t, what)
					if d := diffI32(rd, gd.data); d != "" {
						t.Fatalf("%s: dst%s", what, d)
					}
					if d := diffI32(rs, gs.data); d != "" {
						t.Fatalf("%s: src%s", what, d)
					}
				}
			}
		}
	}
}

// TestLoihiLIFEdges checks the reference at the edges of the widths against
// values computed by hand from Lava's equations (models.py,
// AbstractPyLifModelFixed.subthr_dynamics).
func TestLoihiLIFEdges(t *testing.T) {
	const M = FixedUVMax
	cases := []struct {
		name         string
		c            FixedLIF
		u, v, in     int32
		wantU, wantV int32
		wantSpike    bool
	}{
		// du = 4095: FU = 0, u = in << 6. 2^17 << 6 = 2^23 = M: not > M, kept.
		{"u at +2^23 stays", FixedLIF{FU: 0, FV: 4096, VTh: M}, 0, 0, 1 << 17, M, M - 1, false},
		// 2^17+1 << 6 = 2^23+64 > M: wraps to 2^23+64-2^24 = -2^23+64.
		{"u above +2^23 wraps", FixedLIF{FU: 0, FV: 4096, VTh: M}, 0, 0, 1<<17 + 1, -M + 64, -M + 64, false},
		// -2^17 << 6 = -2^23 <= -M: wraps to +2^23.
		{"u at -2^23 wraps to +2^23", FixedLIF{FU: 0, FV: 4096, VTh: M}, 0, 0, -(1 << 17), M, M - 1, false},
		// v = 2^23-1 + 1000 clips to 2^23-1; no spike when VTh = 2^23-1 (v > VTh false).
		{"v clips high", FixedLIF{FU: 0, FV: 4096, VTh: M - 1}, 0, M - 1, 1000 >> 6 << 0, 1000 >> 6 << 6, M - 1, false},
		{"v clips low", FixedLIF{FU: 0, FV: 4096, VTh: 0}, 0, -M + 1, -16, -1024, -M + 1, false},
		// decay rounds toward zero: u = -4097, FU = 2048: -4097*2048/4096 = -2048.5 -> -2048.
		{"decay toward zero (neg)", FixedLIF{FU: 2048, FV: 4096, VTh: M - 1}, -4097, 0, 0, -2048, -2048, false},
		{"decay toward zero (pos)", FixedLIF{FU: 2048, FV: 4096, VTh: M - 1}, 4097, 0, 0, 2048, 2048, false},
		// du = 0: FU = 4095 (ds_offset = 1): u = 4096 decays to 4095.
		{"du=0 still decays", FixedLIF{FU: 4095, FV: 4096, VTh: M - 1}, 4096, 0, 0, 4095, 4095, false},
		// dv = 4095: FV = 1: v = 4096 -> 1; bias 7 << 7 = 896; spike at v > 896? v = 1+0+896 = 897 > 896.
		{"bias and threshold", FixedLIF{FU: 0, FV: 1, Bias: 7 << 7, VTh: 14 << 6}, 0, 4096, 0, 0, 0, true},
		{"at threshold no spike", FixedLIF{FU: 0, FV: 4096, VTh: 64}, 0, 0, 1, 64, 64, false},
		{"above threshold spike", FixedLIF{FU: 0, FV: 4096, VTh: 63}, 0, 0, 1, 64, 0, true},
	}
	for _, tc := range cases {
		for _, impl := range append([]*Impl{Generic}, nonGeneric()...) {
			n := 9 // one vector plus a tail
			u, v, in := make([]int32, n), make([]int32, n), make([]int32, n)
			for i := range u {
				u[i], v[i], in[i] = tc.u, tc.v, tc.in
			}
			out := make([]int32, n)
			k := impl.LoihiLIF(&tc.c, &FixedState{U: u, V: v, In: in}, out, 0)
			for i := range u {
				if u[i] != tc.wantU || v[i] != tc.wantV || in[i] != 0 {
					t.Fatalf("%s (%s) [%d]: u = %d, v = %d, in = %d; want u = %d, v = %d, in = 0", tc.name, impl.Name, i, u[i], v[i], in[i], tc.wantU, tc.wantV)
				}
			}
			if want := map[bool]int{true: n, false: 0}[tc.wantSpike]; k != want {
				t.Fatalf("%s (%s): %d spikes, want %d", tc.name, impl.Name, k, want)
			}
		}
	}
}

// FuzzLoihiLIF compares every implementation with the reference on states
// the fuzzer chooses (folded into the valid ranges of u and v).
func FuzzLoihiLIF(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint16(100), uint16(20), int16(5), uint8(2), uint32(1000))
	f.Fuzz(func(t *testing.T, b []byte, du, dv uint16, bm int16, be uint8, vth uint32) {
		w := words(b)
		n := len(w) / 3
		c := FixedLIF{FU: FixedDecayUnity - (int32(du%4096) + 1), FV: FixedDecayUnity - int32(dv%4096),
			Bias: int32(bm%4096) << (be % 8), VTh: int32(vth%(1<<17)) << FixedVthShift}
		fold := func(x uint32, lim int32) int32 { return int32(int64(x)%int64(2*lim+1)) - lim }
		u0, v0, in0 := make([]int32, n), make([]int32, n), make([]int32, n)
		for i := 0; i < n; i++ {
			u0[i] = fold(w[3*i], FixedUVMax-1)
			v0[i] = fold(w[3*i+1], FixedUVMax-1)
			in0[i] = fold(w[3*i+2], 1<<20)
		}
		ru, rv, rin, rout := slices.Clone(u0), slices.Clone(v0), slices.Clone(in0), make([]int32, n)
		rk := LoihiLIFGeneric(&c, &FixedState{U: ru, V: rv, In: rin}, rout, 0)
		for _, impl := range nonGeneric() {
			u, v, in, out := slices.Clone(u0), slices.Clone(v0), slices.Clone(in0), make([]int32, n)
			k := impl.LoihiLIF(&c, &FixedState{U: u, V: v, In: in}, out, 0)
			if k != rk || diffI32(ru, u) != "" || diffI32(rv, v) != "" || diffI32(rin, in) != "" || diffI32(rout[:rk], out[:k]) != "" {
				t.Fatalf("%s differs from the reference: c=%+v u=%v v=%v in=%v", impl.Name, c, u0, v0, in0)
			}
		}
	})
}

// FuzzShiftAccum compares ShiftAccum with the reference.
func FuzzShiftAccum(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, int8(-3))
	f.Fuzz(func(t *testing.T, b []byte, e int8) {
		exp := int32(e % 32)
		w := words(b)
		n := len(w) / 2
		d0, s0 := make([]int32, n), make([]int32, n)
		for i := 0; i < n; i++ {
			d0[i], s0[i] = int32(w[2*i]), int32(w[2*i+1])
		}
		rd, rs := slices.Clone(d0), slices.Clone(s0)
		ShiftAccumGeneric(rd, rs, exp)
		for _, impl := range nonGeneric() {
			d, s := slices.Clone(d0), slices.Clone(s0)
			impl.ShiftAccum(d, s, exp)
			if diffI32(rd, d) != "" || diffI32(rs, s) != "" {
				t.Fatalf("%s differs: exp=%d dst=%v src=%v", impl.Name, exp, d0, s0)
			}
		}
	})
}
