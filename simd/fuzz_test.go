package simd

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Fuzz targets: every implementation against the reference on values the
// fuzzer chooses, decoded from raw bytes (4 per float32 or int32, so every
// bit pattern occurs: NaN, ±Inf, subnormals, ±0).
//
// Exactness: when every input is finite, results must have the reference's
// bits. When an input is NaN or ±Inf, the comparison treats any two NaNs as
// equal (and requires everything else, spikes included, to be identical):
// for an operation with two NaN operands, x86 returns the first one, and
// which one is "first" in the reference is the Go compiler's choice for
// commutative operations, not part of the reference's semantics. Non-NaN
// results, including ±Inf, must still match bit for bit.

func words(b []byte) []uint32 {
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

func floats(b []byte) []float32 {
	w := words(b)
	f := make([]float32, len(w))
	for i, x := range w {
		f[i] = math.Float32frombits(x)
	}
	return f
}

func allFinite(xs ...float32) bool {
	for _, x := range xs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

func putFloats(xs ...float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func putWords(xs ...uint32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

const fuzzMaxN = 300

// FuzzLIF: constants (16 float32, then NRef and RefInput) and per-neuron
// state (v, ge, gi, inE, inI, theta as float32, ref as int32) from bytes.
func FuzzLIF(f *testing.F) {
	for seed := uint64(0); seed < 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		c := randLIF(r)
		n := int(seed * 7)
		s := randState(r, &c, n, true)
		cb := putFloats(c.PV, c.VInf, c.PE, c.PI, c.KE, c.KI, c.EE, c.EI, c.GL, c.GLVInf, c.GMin, c.NegDtTau,
			c.VReset, c.VThresh, c.ThDecay, c.ThStep)
		cb = append(cb, putWords(uint32(c.NRef), uint32(seed&1))...)
		var sb []byte
		for i := 0; i < n; i++ {
			sb = append(sb, putFloats(s.V[i], s.GE[i], s.GI[i], s.InE[i], s.InI[i], s.Theta[i])...)
			sb = append(sb, putWords(uint32(s.Ref[i]))...)
		}
		f.Add(uint8(seed%3), cb, sb, int32(seed*1000))
	}
	f.Fuzz(func(t *testing.T, model uint8, cb, sb []byte, base int32) {
		cf := floats(cb)
		cf = append(cf, make([]float32, max(0, 18-len(cf)))...)
		cw := words(cb)
		cw = append(cw, make([]uint32, max(0, 18-len(cw)))...)
		c := LIF{PV: cf[0], VInf: cf[1], PE: cf[2], PI: cf[3], KE: cf[4], KI: cf[5], EE: cf[6], EI: cf[7], GL: cf[8],
			GLVInf: cf[9], GMin: cf[10], NegDtTau: cf[11], VReset: cf[12], VThresh: cf[13], ThDecay: cf[14], ThStep: cf[15],
			NRef: int32(cw[16]), RefInput: cw[17]&1 != 0}
		finite := allFinite(cf[:16]...)
		st := floats(sb)
		n := min(len(st)/7, fuzzMaxN)
		s := State{V: make([]float32, n), GE: make([]float32, n), GI: make([]float32, n), InE: make([]float32, n),
			InI: make([]float32, n), Theta: make([]float32, n), Ref: make([]int32, n)}
		for i := 0; i < n; i++ {
			v := st[7*i : 7*i+7]
			s.V[i], s.GE[i], s.GI[i], s.InE[i], s.InI[i], s.Theta[i] = v[0], v[1], v[2], v[3], v[4], v[5]
			s.Ref[i] = int32(math.Float32bits(v[6]))
			finite = finite && allFinite(v[:6]...)
		}
		m := lifModels[int(model)%3]
		if m == "delta" {
			s.GE, s.GI = nil, nil
		}
		for _, impl := range nonGeneric() {
			checkLIF(t, impl, m, &c, &s, base, int(model/3)%8, !finite, impl.Name+" "+m)
		}
	})
}

// FuzzPoisson: PoissonDrive with a table of sorted fuzzer words (and its
// LUT), PoissonSpikes with fuzzer thresholds.
func FuzzPoisson(f *testing.F) {
	f.Add(uint64(1), uint32(0), int32(0), putWords(1<<30, 1<<31), putWords(1<<20, 1<<31, 0, math.MaxUint32), float32(0.5), putFloats(1, 2, 3))
	f.Add(uint64(0xdeadbeef12345678), uint32(math.MaxUint32-3), int32(math.MaxInt32-2), putWords(0, 0, 5, 1<<20, 1<<20+1, math.MaxUint32),
		putWords(), float32(-0.0), putFloats(-0.0, 0, float32(math.Inf(1)), 7, 8, 9, 10, 11, 12))
	f.Fuzz(func(t *testing.T, key uint64, base uint32, outBase int32, tb, thb []byte, w float32, inb []byte) {
		tab := words(tb)
		slices.Sort(tab)
		tab = tab[:min(len(tab), 254)]
		lut := PoissonLUT(tab)
		in := floats(inb)
		in = in[:min(len(in), fuzzMaxN)]
		nanEq := !allFinite(w) || !allFinite(in...)
		want := slices.Clone(in)
		PoissonDriveGeneric(key, base, tab, lut, w, want)
		thr := words(thb)
		thr = thr[:min(len(thr), fuzzMaxN)]
		wantOut := make([]int32, len(thr))
		wk := PoissonSpikesGeneric(key, base, thr, wantOut, outBase)
		for _, m := range nonGeneric() {
			got := slices.Clone(in)
			m.PoissonDrive(key, base, tab, lut, w, got)
			if d := diffF32(want, got, nanEq); d != "" {
				t.Fatalf("%s: PoissonDrive in%s", m.Name, d)
			}
			out := make([]int32, len(thr))
			k := m.PoissonSpikes(key, base, thr, out, outBase)
			if d := diffI32(wantOut[:wk], out[:k]); d != "" {
				t.Fatalf("%s: PoissonSpikes out%s", m.Name, d)
			}
		}
	})
}

// FuzzScatter: ScatterAdd and ScatterAddConst with fuzzer indices (reduced
// modulo len(acc); sorted when asked, as CSR rows are), weights and acc.
func FuzzScatter(f *testing.F) {
	f.Add(putFloats(1, 2, 3, 4), putWords(0, 1, 1, 3, 2, 0), putFloats(1, 2, 3, 4, 5, 6), float32(0.25), true)
	f.Add(putFloats(make([]float32, 20)...), putWords(5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5), putFloats(), float32(1e-45), false)
	f.Fuzz(func(t *testing.T, accb, idxb, wb []byte, cw float32, sorted bool) {
		acc := floats(accb)
		acc = acc[:min(len(acc), 5000)]
		if len(acc) == 0 {
			return
		}
		raw := words(idxb)
		raw = raw[:min(len(raw), 2000)]
		idx := make([]int32, len(raw))
		for i, x := range raw {
			idx[i] = int32(x % uint32(len(acc)))
		}
		if sorted {
			slices.Sort(idx)
		}
		w := floats(wb)
		w = append(w, make([]float32, max(0, len(idx)-len(w)))...)[:len(idx)]
		nanEq := !allFinite(acc...) || !allFinite(w...) || !allFinite(cw)
		want := slices.Clone(acc)
		ScatterAddGeneric(want, idx, w)
		wantC := slices.Clone(acc)
		ScatterAddConstGeneric(wantC, idx, cw)
		for _, m := range nonGeneric() {
			got := slices.Clone(acc)
			m.ScatterAdd(got, idx, w)
			if d := diffF32(want, got, nanEq); d != "" {
				t.Fatalf("%s: ScatterAdd acc%s", m.Name, d)
			}
			got = slices.Clone(acc)
			m.ScatterAddConst(got, idx, cw)
			if d := diffF32(wantC, got, nanEq); d != "" {
				t.Fatalf("%s: ScatterAddConst acc%s", m.Name, d)
			}
		}
	})
}

// FuzzDecayHebb: Decay on fuzzer values and factor; HebbRow with fuzzer
// weights, activities, indices (reduced modulo len(y)) and constants.
func FuzzDecayHebb(f *testing.F) {
	f.Add(putFloats(1, -1, 1e-30, -1e-30, 0, 3), float32(0.5), putFloats(0, 0.5, 1.5, 0.2), putWords(0, 1, 2, 3, 3), putFloats(0.1, 0.9, 0.4),
		float32(0.1), float32(0.01), float32(0.05), float32(1), true)
	f.Fuzz(func(t *testing.T, xb []byte, fac float32, wb, idxb, yb []byte, a, b, c, wmax float32, keep bool) {
		x := floats(xb)
		x = x[:min(len(x), fuzzMaxN)]
		nanEq := !allFinite(x...) || !allFinite(fac)
		want := slices.Clone(x)
		DecayGeneric(want, fac)
		for _, m := range nonGeneric() {
			got := slices.Clone(x)
			m.Decay(got, fac)
			if d := diffF32(want, got, nanEq); d != "" {
				t.Fatalf("%s: Decay x%s", m.Name, d)
			}
		}

		y := floats(yb)
		y = y[:min(len(y), 2000)]
		if len(y) == 0 {
			return
		}
		raw := words(idxb)
		raw = raw[:min(len(raw), 2000)]
		idx := make([]int32, len(raw))
		for i, v := range raw {
			idx[i] = int32(v % uint32(len(y)))
		}
		w := floats(wb)
		w = append(w, make([]float32, max(0, len(idx)-len(w)))...)[:len(idx)]
		nanEq = !allFinite(y...) || !allFinite(w...) || !allFinite(a, b, c, wmax)
		wantW := slices.Clone(w)
		HebbRowGeneric(wantW, idx, y, a, b, c, wmax, keep)
		for _, m := range nonGeneric() {
			got := slices.Clone(w)
			m.HebbRow(got, idx, y, a, b, c, wmax, keep)
			if d := diffF32(wantW, got, nanEq); d != "" {
				t.Fatalf("%s: HebbRow w%s", m.Name, d)
			}
		}
	})
}
