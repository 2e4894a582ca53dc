package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randRow draws a CSR row of n targets in [0, nt): ascending, with adjacent
// duplicates when multapses is set; unsorted (duplicates anywhere) when
// sorted is false, to check that the result never depends on the order
// assumption.
func randRow(r *rand.Rand, n, nt int, multapses, sorted bool) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(r.IntN(nt))
		if multapses && i > 0 && r.IntN(4) == 0 {
			idx[i] = idx[i-1]
		}
	}
	if sorted {
		slices.Sort(idx)
		if !multapses {
			idx = slices.Compact(idx)
		}
	}
	return idx
}

func rowLengths() []int { return append(testLengths(), 80, 1250) }

func TestScatterAdd(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, n := range rowLengths() {
			for _, off := range testOffsets {
				for mode := 0; mode < 4; mode++ {
					seed := uint64(n)<<8 | uint64(off)<<4 | uint64(mode)
					r := rand.New(rand.NewPCG(seed, 17))
					nt := 1 + r.IntN(3*n+20)
					if mode == 3 {
						nt = 1 + r.IntN(4) // many duplicates
					}
					idx := randRow(r, n, nt, mode >= 1, mode != 2)
					w := make([]float32, len(idx))
					for i := range w {
						w[i] = f32(r, 0, 2)
					}
					acc := make([]float32, nt)
					for i := range acc {
						acc[i] = f32(r, -10, 10)
					}
					cw := f32(r, 0, 1)
					what := fmt.Sprintf("%s n=%d off=%d mode=%d seed=%#x", m.Name, n, off, mode, seed)

					want := slices.Clone(acc)
					ScatterAddGeneric(want, idx, w)
					ga, gi, gw := newGuardedF32(nt, off), newGuardedI32(len(idx), off), newGuardedF32(len(w), off)
					copy(ga.data, acc)
					copy(gi.data, idx)
					copy(gw.data, w)
					m.ScatterAdd(ga.data, gi.data, gw.data)
					ga.check(t, what+" acc")
					gi.check(t, what+" idx")
					gw.check(t, what+" w")
					if d := diffF32(want, ga.data, false); d != "" {
						t.Fatalf("%s: ScatterAdd acc%s", what, d)
					}
					if !slices.Equal(gi.data, idx) || diffF32(w, gw.data, false) != "" {
						t.Fatalf("%s: idx or w modified", what)
					}

					want = slices.Clone(acc)
					ScatterAddConstGeneric(want, idx, cw)
					copy(ga.data, acc)
					m.ScatterAddConst(ga.data, gi.data, cw)
					ga.check(t, what+" const acc")
					if d := diffF32(want, ga.data, false); d != "" {
						t.Fatalf("%s: ScatterAddConst acc%s", what, d)
					}
				}
			}
		}
	}
}

// TestScatterAddBadIndex: an index outside acc panics, after the same
// additions as the reference.
func TestScatterAddBadIndex(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, bad := range []int32{-1, 100, 1 << 30, -1 << 31} {
			for _, at := range []int{0, 5, 17, 40} {
				idx := make([]int32, 41)
				for i := range idx {
					idx[i] = int32(i * 2)
				}
				idx[at] = bad
				w := make([]float32, len(idx))
				for i := range w {
					w[i] = float32(i + 1)
				}
				run := func(f func()) (panicked bool) {
					defer func() { panicked = recover() != nil }()
					f()
					return
				}
				for _, cst := range []bool{false, true} {
					want, got := make([]float32, 100), make([]float32, 100)
					var wp, gp bool
					if cst {
						wp = run(func() { ScatterAddConstGeneric(want, idx, 0.5) })
						gp = run(func() { m.ScatterAddConst(got, idx, 0.5) })
					} else {
						wp = run(func() { ScatterAddGeneric(want, idx, w) })
						gp = run(func() { m.ScatterAdd(got, idx, w) })
					}
					if !wp || !gp {
						t.Fatalf("%s bad=%d at=%d const=%v: panicked %v, reference %v", m.Name, bad, at, cst, gp, wp)
					}
					if d := diffF32(want, got, false); d != "" {
						t.Fatalf("%s bad=%d at=%d const=%v: acc%s", m.Name, bad, at, cst, d)
					}
				}
			}
		}
	}
}

func TestDecay(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, n := range testLengths() {
			for _, off := range testOffsets {
				seed := uint64(n)<<8 | uint64(off)
				r := rand.New(rand.NewPCG(seed, 19))
				x := make([]float32, n)
				for i := range x {
					x[i] = f32(r, -3, 3)
				}
				f := f32(r, 0.5, 1)
				switch r.IntN(5) {
				case 0:
					f = 1e-20 // pushes everything towards the flush
				case 1:
					// f = 1 and values at the flush boundary
					f = 1
					b := float32(FlushBelow)
					for i := range x {
						switch r.IntN(4) {
						case 0:
							x[i] = b
						case 1:
							x[i] = -b
						case 2:
							x[i] = math.Nextafter32(b, 0)
						case 3:
							x[i] = -math.Nextafter32(b, 1)
						}
					}
				}
				want := slices.Clone(x)
				DecayGeneric(want, f)
				g := newGuardedF32(n, off)
				copy(g.data, x)
				m.Decay(g.data, f)
				what := fmt.Sprintf("%s n=%d off=%d seed=%#x", m.Name, n, off, seed)
				g.check(t, what)
				if d := diffF32(want, g.data, false); d != "" {
					t.Fatalf("%s: x%s", what, d)
				}
			}
		}
	}
}

func TestHebbRow(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, n := range rowLengths() {
			for _, off := range testOffsets {
				for _, keep := range []bool{false, true} {
					seed := uint64(n)<<8 | uint64(off)<<4
					if keep {
						seed |= 1
					}
					r := rand.New(rand.NewPCG(seed, 23))
					ny := 1 + r.IntN(2*n+10)
					idx := randRow(r, n, ny, r.IntN(2) == 0, r.IntN(4) != 0)
					y := make([]float32, ny)
					for i := range y {
						y[i] = f32(r, 0, 1)
					}
					wmax := 1 + r.Float32()
					w := make([]float32, len(idx))
					for i := range w {
						w[i] = f32(r, -0.1, wmax+0.1)
					}
					a, b, c := f32(r, -0.1, 0.1), f32(r, -0.01, 0.01), f32(r, 0, 0.1)
					want := slices.Clone(w)
					HebbRowGeneric(want, idx, y, a, b, c, wmax, keep)
					gw, gi, gy := newGuardedF32(len(w), off), newGuardedI32(len(idx), off), newGuardedF32(ny, off)
					copy(gw.data, w)
					copy(gi.data, idx)
					copy(gy.data, y)
					m.HebbRow(gw.data, gi.data, gy.data, a, b, c, wmax, keep)
					what := fmt.Sprintf("%s n=%d off=%d keepSilent=%v seed=%#x", m.Name, n, off, keep, seed)
					gw.check(t, what+" w")
					gi.check(t, what+" idx")
					gy.check(t, what+" y")
					if d := diffF32(want, gw.data, false); d != "" {
						t.Fatalf("%s: w%s", what, d)
					}
					if !slices.Equal(idx, gi.data) || diffF32(y, gy.data, false) != "" {
						t.Fatalf("%s: idx or y modified", what)
					}
				}
			}
		}
	}
}

// TestHebbRowBadIndex: an index outside y panics after the same updates as
// the reference; a kept-silent synapse is not read, so its index may be
// anything.
func TestHebbRowBadIndex(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, bad := range []int32{-1, 50, 1 << 30} {
			for _, at := range []int{0, 7, 8, 16, 29} {
				for _, silent := range []bool{false, true} {
					idx := make([]int32, 30)
					w := make([]float32, 30)
					for i := range idx {
						idx[i] = int32(i)
						w[i] = 0.5
					}
					idx[at] = bad
					if silent {
						w[at] = 0
					}
					y := make([]float32, 50)
					for i := range y {
						y[i] = float32(i) / 50
					}
					run := func(f func()) (panicked bool) {
						defer func() { panicked = recover() != nil }()
						f()
						return
					}
					want, got := slices.Clone(w), slices.Clone(w)
					wp := run(func() { HebbRowGeneric(want, idx, y, 0.1, 0.01, 0.05, 1, true) })
					gp := run(func() { m.HebbRow(got, idx, y, 0.1, 0.01, 0.05, 1, true) })
					what := fmt.Sprintf("%s bad=%d at=%d silent=%v", m.Name, bad, at, silent)
					if wp != gp || wp == silent {
						t.Fatalf("%s: panicked %v, reference %v", what, gp, wp)
					}
					if d := diffF32(want, got, false); d != "" {
						t.Fatalf("%s: w%s", what, d)
					}
				}
			}
		}
	}
}
