package simd

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"dalesim/internal/rng"
)

// Benchmarks: every kernel on every implementation this CPU runs, generic
// always included, named Benchmark<Kernel>/impl=<name>/n=<size>. Besides
// ns/op (wall clock), each reports cpu-ns/op on Linux: the CPU time of the
// benchmarking thread, which is less disturbed than the wall clock when
// other processes compete for the cores.

var benchSizes = []int{1000, 4096, 16384}

// benchSetup prepares one benchmark and returns its operation (called with
// i = 0, 1, ..., b.N-1) and an optional function run after the timing.
type benchSetup func(b *testing.B, m *Impl, n int) (op func(i int), after func(b *testing.B))

func benchImpls(b *testing.B, setup benchSetup, sizes ...int) {
	benchImplList(b, impls, setup, sizes...)
}

func benchImplList(b *testing.B, ms []*Impl, setup benchSetup, sizes ...int) {
	for _, m := range ms {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", m.Name, n), func(b *testing.B) {
				b.ReportAllocs()
				op, after := setup(b, m, n)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ResetTimer()
				c0, ok := threadCPU()
				for i := 0; i < b.N; i++ {
					op(i)
				}
				c1, _ := threadCPU()
				b.StopTimer()
				if ok {
					b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
				}
				if after != nil {
					after(b)
				}
			})
		}
	}
}

// benchLIF returns a population in a steady regime: the effective rest
// (-45 mV) lies above the threshold (-50 mV), so every neuron fires
// periodically, desynchronised by the random initial v (a few spikes per
// thousand neurons per step, ~10 % refractory); v never approaches VInf, so
// no subnormal numbers slow down the scalar code. With adapt, the threshold
// adapts (ThStep 0.05 mV, ThDecay 0.999), otherwise it is fixed (ThStep 0,
// ThDecay 1, the common case).
func benchLIF(n int, synapses, adapt bool) (State, LIF) {
	r := rand.New(rand.NewPCG(1, 1))
	s := State{V: make([]float32, n), InE: make([]float32, n), InI: make([]float32, n),
		Theta: make([]float32, n), Ref: make([]int32, n)}
	if synapses {
		s.GE, s.GI = make([]float32, n), make([]float32, n)
	}
	for i := range s.V {
		s.V[i] = -60 + 10*r.Float32()
		if synapses {
			s.GE[i], s.GI[i] = 5*r.Float32(), 20*r.Float32()
		}
	}
	c := LIF{PV: 0.995, VInf: -45, PE: 0.98, PI: 0.99, KE: 0.01, KI: 0.01, EE: 0, EI: -80, GL: 10,
		GLVInf: -450, GMin: 0.01, NegDtTau: -0.0005, VReset: -60, VThresh: -50, ThDecay: 1, NRef: 25}
	if adapt {
		c.ThDecay, c.ThStep = 0.999, 0.05
	}
	return s, c
}

// benchLIFKernel times one step of a population as package neuron does it:
// the LIF kernel, then (with adapt) Decay on theta.
func benchLIFKernel(b *testing.B, model string, adapt bool) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		s, c := benchLIF(n, model != "delta", adapt)
		f := lifKernel(m, model)
		out := make([]int32, n)
		step := func() int {
			k := f(&c, &s, out, 0)
			if c.ThDecay != 1 {
				m.Decay(s.Theta, c.ThDecay)
			}
			return k
		}
		for range 500 { // reach the steady regime
			step()
		}
		if model == "delta" {
			b.SetBytes(int64(n) * 20) // v, inE, inI, theta, ref
		} else {
			b.SetBytes(int64(n) * 28) // and ge, gi
		}
		spikes := 0
		return func(int) { spikes += step() }, func(b *testing.B) {
			b.ReportMetric(float64(spikes)/float64(b.N)/float64(n)*1000, "spikes/1000n")
		}
	}, benchSizes...)
}

// BenchmarkCuba, BenchmarkCoba, BenchmarkDelta: populations with an
// adaptive threshold (the kernel and Decay on theta).
func BenchmarkCuba(b *testing.B)  { benchLIFKernel(b, "cuba", true) }
func BenchmarkCoba(b *testing.B)  { benchLIFKernel(b, "coba", true) }
func BenchmarkDelta(b *testing.B) { benchLIFKernel(b, "delta", true) }

// BenchmarkCubaFixed, BenchmarkCobaFixed, BenchmarkDeltaFixed: fixed
// thresholds (ThDecay 1: the kernel alone).
func BenchmarkCubaFixed(b *testing.B)  { benchLIFKernel(b, "cuba", false) }
func BenchmarkCobaFixed(b *testing.B)  { benchLIFKernel(b, "coba", false) }
func BenchmarkDeltaFixed(b *testing.B) { benchLIFKernel(b, "delta", false) }

func benchDrive(b *testing.B, lambda float64) {
	tab := rng.PoissonTable(lambda)
	lut := PoissonLUT(tab)
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		in := make([]float32, n)
		b.SetBytes(int64(n) * 4)
		return func(i int) {
			m.PoissonDrive(uint64(i)*0x9E3779B97F4A7C15, 0, tab, lut, 0.1, in)
			if i&1023 == 1023 {
				clear(in)
			}
		}, nil
	}, benchSizes...)
}

// BenchmarkPoissonDrive: Brunel's external drive, 1000 sources at 20 Hz,
// dt = 0.1 ms (lambda = 2 inputs per step).
func BenchmarkPoissonDrive(b *testing.B) { benchDrive(b, 2) }

// BenchmarkPoissonDriveLambda50: a dense drive (the table has ~100 entries).
func BenchmarkPoissonDriveLambda50(b *testing.B) { benchDrive(b, 50) }

// BenchmarkPoissonSpikes: Poisson sources at 20 Hz, dt = 0.1 ms.
func BenchmarkPoissonSpikes(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		thr := make([]uint32, n)
		for i := range thr {
			thr[i] = 8589935 // 0.002 * 2^32
		}
		out := make([]int32, n)
		b.SetBytes(int64(n) * 4)
		return func(i int) { m.PoissonSpikes(uint64(i)*0x9E3779B97F4A7C15, 0, thr, out, 0) }, nil
	}, benchSizes...)
}

// BenchmarkPoissonSpikesMNIST: 784 sources with the rates of an MNIST
// digit (a blob of lit pixels, 81 % at rate 0 in runs, as in the data set:
// 42 % of 16-pixel and 61 % of 8-pixel vectors are all zero) at up to
// 100 Hz, dt = 0.5 ms: the input of dalesim train.
func BenchmarkPoissonSpikesMNIST(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		thr := make([]uint32, n)
		for i := range thr {
			y, x := (i%784)/28, i%28
			if y >= 5 && y < 23 && x >= 9 && x < 17 || y >= 8 && y < 12 && x >= 7 && x < 21 {
				thr[i] = uint32(float64(1+i%4) / 4 * 0.05 * (1 << 32)) // 100 Hz * 0.5 ms
			}
		}
		out := make([]int32, n)
		return func(i int) { m.PoissonSpikes(uint64(i)*0x9E3779B97F4A7C15, 0, thr, out, 0) }, nil
	}, 784)
}

// benchRows draws 64 CSR rows of n sorted targets among 12500 neurons (the
// Brunel network's size); multapses allowed, so a few adjacent duplicates.
func benchRows(n int) (rows [][]int32, w []float32, acc []float32) {
	r := rand.New(rand.NewPCG(2, 2))
	for k := 0; k < 64; k++ {
		rows = append(rows, randRow(r, n, 12500, true, true))
	}
	w = make([]float32, n)
	for i := range w {
		w[i] = r.Float32()
	}
	return rows, w, make([]float32, 12500)
}

// BenchmarkScatterAdd: one CSR row per op, n synapses (~80: a sparse
// projection; ~1250: Brunel's out-degree); includes the experimental AVX-512
// gather/scatter kernel (impl=avx512-gather).
func BenchmarkScatterAdd(b *testing.B) {
	benchImplList(b, append(impls[:len(impls):len(impls)], experimental...), func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		rows, w, acc := benchRows(n)
		b.SetBytes(int64(n) * 8)
		return func(i int) {
			row := rows[i&63]
			m.ScatterAdd(acc, row, w[:len(row)])
		}, nil
	}, 80, 1250)
}

func BenchmarkScatterAddConst(b *testing.B) {
	benchImplList(b, append(impls[:len(impls):len(impls)], experimental...), func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		rows, _, acc := benchRows(n)
		b.SetBytes(int64(n) * 4)
		return func(i int) { m.ScatterAddConst(acc, rows[i&63], 0.1) }, nil
	}, 80, 1250)
}

func BenchmarkDecay(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i)
		}
		b.SetBytes(int64(n) * 4)
		return func(i int) {
			m.Decay(x, 0.999)
			if i&4095 == 4095 {
				for i := range x {
					x[i] = float32(i)
				}
			}
		}, nil
	}, benchSizes...)
}

// BenchmarkHebbRow: one plastic row per op, n synapses.
func BenchmarkHebbRow(b *testing.B) {
	benchImpls(b, func(b *testing.B, m *Impl, n int) (func(int), func(*testing.B)) {
		rows, w, _ := benchRows(n)
		y := make([]float32, 12500)
		for i := range y {
			y[i] = float32(i%100) / 100
		}
		ws := make([][]float32, len(rows))
		for k := range ws {
			ws[k] = slices.Clone(w[:len(rows[k])])
		}
		b.SetBytes(int64(n) * 12)
		return func(i int) {
			k := i & 63
			m.HebbRow(ws[k], rows[k], y, 0.01, -0.001, 0.02, 1, true)
		}, nil
	}, 80, 1250)
}
