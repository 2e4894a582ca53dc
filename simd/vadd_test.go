package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAddRow compares AddRow of every implementation with AddRowGeneric
// on random rows of every length 0..70 (and a few longer ones), at
// unaligned offsets, inside guard cells, with and without weights; the
// results must have the same bits (the inputs include ±0, subnormals, huge
// values, ±Inf and NaN: see f32 and below), except that any two NaNs count
// as equal (see fuzz_test.go: which operand of a commutative addition is
// "first" is the Go compiler's choice in the reference).
func TestAddRow(t *testing.T) {
	var lengths []int
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 128, 129, 400, 1000, 4096+7)
	for _, m := range nonGeneric() {
		for _, n := range lengths {
			for _, off := range testOffsets {
				for _, constant := range []bool{false, true} {
					seed := uint64(n)<<8 | uint64(off)<<1
					if constant {
						seed |= 1
					}
					r := rand.New(rand.NewPCG(seed, 31))
					acc := make([]float32, n)
					w := make([]float32, n)
					for i := range acc {
						acc[i], w[i] = f32(r, -3, 3), f32(r, 0, 1)
						switch r.IntN(50) {
						case 0:
							acc[i] = float32(math.Inf(1 - 2*r.IntN(2)))
						case 1:
							w[i] = float32(math.Inf(1 - 2*r.IntN(2)))
						case 2:
							acc[i] = math.Float32frombits(0x7fc00000 | r.Uint32()&0x3fffff)
						case 3:
							w[i] = math.Float32frombits(0xffc00000 | r.Uint32()&0x3fffff)
						case 4:
							acc[i] = math.Float32frombits(0x7fc00000 | r.Uint32()&0x3fffff)
							w[i] = math.Float32frombits(0x7fc00000 | r.Uint32()&0x3fffff)
						}
					}
					c := f32(r, 0, 1)
					want := slices.Clone(acc)
					ga, gw := newGuardedF32(n, off), newGuardedF32(n, (off+1)%4)
					copy(ga.data, acc)
					copy(gw.data, w)
					what := fmt.Sprintf("%s n=%d off=%d const=%v seed=%#x", m.Name, n, off, constant, seed)
					if constant {
						AddRowGeneric(want, nil, c)
						m.AddRow(ga.data, nil, c)
					} else {
						AddRowGeneric(want, w, 0)
						m.AddRow(ga.data, gw.data, 0)
					}
					ga.check(t, what)
					gw.check(t, what)
					if d := diffF32(want, ga.data, true); d != "" {
						t.Fatalf("%s: acc%s", what, d)
					}
					if d := diffF32(w, gw.data, false); d != "" {
						t.Fatalf("%s: w changed: w%s", what, d)
					}
				}
			}
		}
	}
}

// TestAddRowIsScatter checks that AddRowGeneric is ScatterAddGeneric (and
// ScatterAddConstGeneric) for a contiguous ascending row, bit for bit.
func TestAddRowIsScatter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 70; n++ {
		nt := n + r.IntN(10)
		t0 := r.IntN(nt - n + 1)
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(t0 + i)
		}
		acc, w := make([]float32, nt), make([]float32, n)
		for i := range acc {
			acc[i] = f32(r, -3, 3)
		}
		for i := range w {
			w[i] = f32(r, 0, 1)
		}
		c := f32(r, 0, 1)
		want, got := slices.Clone(acc), slices.Clone(acc)
		ScatterAddGeneric(want, idx, w)
		AddRowGeneric(got[t0:t0+n], w, 0)
		if d := diffF32(want, got, false); d != "" {
			t.Fatalf("n=%d: acc%s", n, d)
		}
		want, got = slices.Clone(acc), slices.Clone(acc)
		ScatterAddConstGeneric(want, idx, c)
		AddRowGeneric(got[t0:t0+n], nil, c)
		if d := diffF32(want, got, false); d != "" {
			t.Fatalf("n=%d const: acc%s", n, d)
		}
	}
}

// FuzzAddRow: AddRow with fuzzer accumulators, weights and constant, at a
// fuzzer offset (unaligned), against AddRowGeneric. Every bit pattern
// occurs; results must match bit for bit, any two NaNs counting as equal
// when an input is NaN or ±Inf (see fuzz_test.go).
func FuzzAddRow(f *testing.F) {
	f.Add(putFloats(1, 2, 3, 4, 5), putFloats(0.5, 0.25, 0, 1, 2), float32(0.25), uint8(1), false)
	f.Add(putFloats(make([]float32, 37)...), putFloats(), float32(1e-45), uint8(3), true)
	f.Fuzz(func(t *testing.T, accb, wb []byte, c float32, off uint8, constant bool) {
		acc := floats(accb)
		acc = acc[:min(len(acc), 5000)]
		w := floats(wb)
		w = append(w, make([]float32, max(0, len(acc)-len(w)))...)[:len(acc)]
		o := int(off % 16)
		want := slices.Clone(acc)
		wa := w
		if constant {
			wa = nil
		}
		AddRowGeneric(want, wa, c)
		nanEq := !allFinite(acc...) || !allFinite(w...) || !allFinite(c)
		for _, m := range nonGeneric() {
			ga, gw := newGuardedF32(len(acc), o), newGuardedF32(len(w), (o+3)%16)
			copy(ga.data, acc)
			copy(gw.data, w)
			if constant {
				m.AddRow(ga.data, nil, c)
			} else {
				m.AddRow(ga.data, gw.data, c)
			}
			ga.check(t, m.Name)
			gw.check(t, m.Name)
			if d := diffF32(want, ga.data, nanEq); d != "" {
				t.Fatalf("%s: AddRow acc%s", m.Name, d)
			}
		}
	})
}

// BenchmarkAddRow: one row of n weights (400: a row of input->hidden at
// H = 400) added into the accumulators, on every implementation.
func BenchmarkAddRow(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		acc, w := make([]float32, n), make([]float32, n)
		for i := range w {
			w[i] = 1e-3 * float32(i%7)
		}
		return func(int) { m.AddRow(acc, w, 0) }, nil
	}, 50, 400, 4096)
}

// BenchmarkAddRowScatter is the same row delivered by the scatter kernel
// (ScatterAdd with idx = 0..n-1), for comparison.
func BenchmarkAddRowScatter(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		acc, w := make([]float32, n), make([]float32, n)
		idx := make([]int32, n)
		for i := range w {
			w[i] = 1e-3 * float32(i%7)
			idx[i] = int32(i)
		}
		return func(int) { m.ScatterAdd(acc, idx, w) }, nil
	}, 50, 400, 4096)
}
