package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"dalesim/internal/rng"
)

// poissonTables returns threshold tables (with their LUTs) of several
// means, including the empty table, plus tables whose thresholds crowd into
// few buckets (many "mixed" LUT buckets, adjacent ones and bucket 0 and 4095).
func poissonTables() (tabs [][]uint32, names []string) {
	for _, lambda := range []float64{0, 0.002, 0.5, 2, 7, 30, 100} {
		tabs = append(tabs, rng.PoissonTable(lambda))
		names = append(names, fmt.Sprintf("lambda=%g", lambda))
	}
	r := rand.New(rand.NewPCG(5, 5))
	for k := 0; k < 6; k++ {
		var t []uint32
		m := 1 + r.IntN(200)
		for i := 0; i < m; i++ {
			switch r.IntN(4) {
			case 0:
				t = append(t, r.Uint32()>>12) // low buckets
			case 1:
				t = append(t, ^(r.Uint32() >> 12)) // high buckets
			default:
				t = append(t, r.Uint32())
			}
		}
		slices.Sort(t)
		tabs = append(tabs, t)
		names = append(names, fmt.Sprintf("random%d", k))
	}
	tabs = append(tabs, []uint32{0, 0, 1, 0xffffffff}, []uint32{0xffffffff}, nil)
	names = append(names, "edges", "max", "drawn") // drawn: replaced by thresholds equal to drawn u
	return
}

func TestPoissonDrive(t *testing.T) {
	tabs, names := poissonTables()
	luts := make([][]uint8, len(tabs))
	for i, tab := range tabs {
		luts[i] = PoissonLUT(tab)
	}
	for _, m := range nonGeneric() {
		for ti, tab := range tabs {
			for _, n := range testLengths() {
				for _, off := range testOffsets {
					seed := uint64(ti)<<40 | uint64(n)<<8 | uint64(off)
					r := rand.New(rand.NewPCG(seed, 11))
					key := r.Uint64()
					base := r.Uint32()
					if r.IntN(3) == 0 {
						base = math.MaxUint32 - uint32(r.IntN(50)) // counters wrap
					}
					tab, lut := tab, luts[ti]
					if ti == len(tabs)-1 && n > 0 {
						// thresholds equal to some of the u drawn (u == tab[j] counts)
						tab = nil
						for i := 0; i < n; i += 1 + r.IntN(3) {
							tab = append(tab, rng.Uniform32(key, base+uint32(i))+uint32(r.IntN(2)))
						}
						slices.Sort(tab)
						lut = PoissonLUT(tab)
					}
					w := f32(r, 0, 2)
					in := make([]float32, n)
					for i := range in {
						in[i] = f32(r, -5, 5)
					}
					want := slices.Clone(in)
					PoissonDriveGeneric(key, base, tab, lut, w, want)
					g := newGuardedF32(n, off)
					copy(g.data, in)
					lutc := slices.Clone(lut)
					tabc := slices.Clone(tab)
					m.PoissonDrive(key, base, tabc, lutc, w, g.data)
					what := fmt.Sprintf("%s %s n=%d off=%d seed=%#x", m.Name, names[ti], n, off, seed)
					g.check(t, what)
					if d := diffF32(want, g.data, false); d != "" {
						t.Fatalf("%s: in%s", what, d)
					}
					if !slices.Equal(lutc, lut) || !slices.Equal(tabc, tab) {
						t.Fatalf("%s: tab or lut modified", what)
					}
				}
			}
		}
	}
}

func TestPoissonSpikes(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, n := range testLengths() {
			for _, off := range testOffsets {
				for mode := 0; mode < 5; mode++ {
					seed := uint64(n)<<8 | uint64(off)<<4 | uint64(mode)
					r := rand.New(rand.NewPCG(seed, 13))
					key := r.Uint64()
					base := r.Uint32()
					outBase := int32(r.Uint32())
					if mode == 1 {
						base = math.MaxUint32 - uint32(r.IntN(50))
						outBase = math.MaxInt32 - int32(r.IntN(50))
					}
					thr := newGuardedI32(n, off)
					th := make([]uint32, n)
					for i := range th {
						switch r.IntN(6) {
						case 0:
							th[i] = 0
						case 1:
							th[i] = math.MaxUint32
						case 2:
							th[i] = r.Uint32()
						default:
							th[i] = uint32(r.IntN(1 << 30)) // up to 25 %
						}
						if mode == 2 {
							th[i] = 1 << 31 // half of them, every bit pattern of a vector
						}
						if mode == 3 { // u itself and its neighbours: strict compare
							th[i] = rng.Uniform32(key, base+uint32(i)) + uint32(r.IntN(3)) - 1
						}
						if mode == 4 && (i/4)%3 != 0 { // runs of zero rates (skipped vectors), as in MNIST
							th[i] = 0
						}
						thr.data[i] = int32(th[i])
					}
					thrU := unsafeU32(thr.data)
					wantOut := make([]int32, n)
					wk := PoissonSpikesGeneric(key, base, th, wantOut, outBase)
					out := newGuardedI32(n, off)
					for i := range out.data {
						out.data[i] = guardI32
					}
					k := m.PoissonSpikes(key, base, thrU, out.data, outBase)
					what := fmt.Sprintf("%s n=%d off=%d mode=%d seed=%#x", m.Name, n, off, mode, seed)
					thr.check(t, what+" thr")
					out.check(t, what+" out")
					if k != wk {
						t.Fatalf("%s: %d spikes, want %d", what, k, wk)
					}
					if d := diffI32(wantOut[:wk], out.data[:k]); d != "" {
						t.Fatalf("%s: out%s", what, d)
					}
					for i := k; i < n; i++ {
						if out.data[i] != guardI32 {
							t.Fatalf("%s: out[%d] written beyond the %d spikes", what, i, k)
						}
					}
				}
			}
		}
	}
}

// TestPoissonSpikesShortOut: with out shorter than the spikes, every
// implementation writes what fits and panics like the reference.
func TestPoissonSpikesShortOut(t *testing.T) {
	thr := make([]uint32, 100)
	for i := range thr {
		thr[i] = math.MaxUint32
	}
	for _, m := range nonGeneric() {
		run := func(m *Impl) (out []int32, panicked bool) {
			out = make([]int32, 7)
			defer func() { panicked = recover() != nil }()
			m.PoissonSpikes(1, 2, thr, out, 3)
			return
		}
		wo, wp := run(Generic)
		gout, gp := run(m)
		if wp != gp || diffI32(wo, gout) != "" {
			t.Fatalf("%s: panicked %v, out %v; want %v, %v", m.Name, gp, gout, wp, wo)
		}
	}
}

// TestPoissonSpikesZeroRates: the kernels skip neurons (and vectors) of
// threshold 0; every implementation must still give exactly the spikes of
// drawing every neuron (here: the reference without the skip), since each
// neuron's number depends on its own index only.
func TestPoissonSpikesZeroRates(t *testing.T) {
	noSkip := func(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int {
		k := 0
		for i, th := range thr {
			if rng.Uniform32(stepKey, base+uint32(i)) < th {
				out[k] = outBase + int32(i)
				k++
			}
		}
		return k
	}
	r := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 300; trial++ {
		n := r.IntN(800)
		thr := make([]uint32, n)
		p := r.Float64()
		for i := range thr {
			if r.Float64() < p {
				thr[i] = uint32(r.IntN(1 << 31))
			}
		}
		// Runs of zeros, as at the borders of MNIST images.
		for z := r.IntN(5); z > 0 && n > 0; z-- {
			a := r.IntN(n)
			clear(thr[a:min(n, a+r.IntN(60))])
		}
		key, base, outBase := r.Uint64(), r.Uint32(), int32(r.IntN(1000))
		want := make([]int32, n)
		wk := noSkip(key, base, thr, want, outBase)
		for _, m := range append(nonGeneric(), Generic) {
			got := make([]int32, n)
			k := m.PoissonSpikes(key, base, thr, got, outBase)
			if k != wk || diffI32(want[:wk], got[:k]) != "" {
				t.Fatalf("trial %d, %s: %d spikes %v, want %d %v", trial, m.Name, k, got[:k], wk, want[:wk])
			}
		}
	}
}
