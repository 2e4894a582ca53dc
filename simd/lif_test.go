package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

var lifModels = []string{"cuba", "coba", "delta"}

func lifKernel(m *Impl, model string) func(*LIF, *State, []int32, int32) int {
	switch model {
	case "cuba":
		return m.Cuba
	case "coba":
		return m.Coba
	}
	return m.Delta
}

// randLIF draws the constants of a population: realistic most of the time,
// sometimes extreme (exp clamped at -80, GMin floor active, no decay) and
// sometimes arbitrary finite values.
func randLIF(r *rand.Rand) LIF {
	c := LIF{
		PV: 1 - 0.1*r.Float32(), VInf: -70 + 30*r.Float32(),
		PE: 0.5 + 0.5*r.Float32(), PI: 0.5 + 0.5*r.Float32(), KE: r.Float32(), KI: r.Float32(),
		EE: 0, EI: -80, GL: 1 + 20*r.Float32(), GMin: 0.01,
		NegDtTau: -(0.0001 + 0.05*r.Float32()), VReset: -65 + 10*r.Float32(), VThresh: -50,
		ThDecay: 0.9 + 0.1*r.Float32(), ThStep: 0.5 * r.Float32(), NRef: int32(r.IntN(30)),
		RefInput: r.IntN(2) == 0,
	}
	c.GLVInf = c.GL * c.VInf
	switch r.IntN(8) {
	case 0: // exp argument below -80 for most G
		c.NegDtTau = -(1 + 100*r.Float32())
	case 1: // GMin floor active for negative conductances, no threshold dynamics
		c.GMin, c.ThDecay, c.ThStep = 5+10*r.Float32(), 1, 0
	case 2: // arbitrary finite constants
		for _, p := range []*float32{&c.PV, &c.VInf, &c.PE, &c.PI, &c.KE, &c.KI, &c.EE, &c.EI, &c.GL, &c.GLVInf,
			&c.GMin, &c.NegDtTau, &c.VReset, &c.VThresh, &c.ThDecay, &c.ThStep} {
			*p = f32(r, -100, 100)
		}
		c.NRef = int32(r.IntN(100)) - 10
	}
	return c
}

// randState draws n neurons with v around the threshold (so that some
// spike), ~10 % refractory (and a few negative counters), and inputs,
// conductances and thresholds that include zeros, tiny values (flush) and
// huge ones.
func randState(r *rand.Rand, c *LIF, n int, synapses bool) State {
	s := State{V: make([]float32, n), InE: make([]float32, n), InI: make([]float32, n),
		Theta: make([]float32, n), Ref: make([]int32, n)}
	if synapses {
		s.GE, s.GI = make([]float32, n), make([]float32, n)
	}
	for i := 0; i < n; i++ {
		s.Theta[i] = f32(r, 0, 3)
		s.V[i] = f32(r, c.VThresh+s.Theta[i]-6, c.VThresh+s.Theta[i]+2)
		s.InE[i] = f32(r, 0, 5)
		s.InI[i] = f32(r, 0, 5)
		if synapses {
			s.GE[i] = f32(r, 0, 30)
			s.GI[i] = f32(r, 0, 60)
			if r.IntN(20) == 0 { // below the GMin floor
				s.GE[i], s.GI[i] = -c.GL*r.Float32(), -c.GL*r.Float32()
			}
		}
		switch k := r.IntN(20); {
		case k < 2:
			s.Ref[i] = 1 + int32(r.IntN(int(max(c.NRef, 1))))
		case k == 2:
			s.Ref[i] = 1
		case k == 3:
			s.Ref[i] = -int32(r.IntN(5))
		}
	}
	return s
}

func cloneState(s *State) State {
	t := State{V: append([]float32(nil), s.V...), InE: append([]float32(nil), s.InE...),
		InI: append([]float32(nil), s.InI...), Theta: append([]float32(nil), s.Theta...),
		Ref: append([]int32(nil), s.Ref...)}
	if s.GE != nil {
		t.GE, t.GI = append([]float32(nil), s.GE...), append([]float32(nil), s.GI...)
	}
	return t
}

// guardedState copies s into guarded buffers at offset off.
type guardedState struct {
	v, ge, gi, inE, inI, th *guardedF32
	ref                     *guardedI32
	s                       State
}

func newGuardedState(s *State, off int) *guardedState {
	n := len(s.V)
	cp := func(x []float32) *guardedF32 {
		g := newGuardedF32(n, off)
		copy(g.data, x)
		return g
	}
	g := &guardedState{v: cp(s.V), inE: cp(s.InE), inI: cp(s.InI), th: cp(s.Theta), ref: newGuardedI32(n, off)}
	copy(g.ref.data, s.Ref)
	g.s = State{V: g.v.data, InE: g.inE.data, InI: g.inI.data, Theta: g.th.data, Ref: g.ref.data}
	if s.GE != nil {
		g.ge, g.gi = cp(s.GE), cp(s.GI)
		g.s.GE, g.s.GI = g.ge.data, g.gi.data
	}
	return g
}

func (g *guardedState) check(t *testing.T, what string) {
	t.Helper()
	g.v.check(t, what+" v")
	g.inE.check(t, what+" inE")
	g.inI.check(t, what+" inI")
	g.th.check(t, what+" theta")
	g.ref.check(t, what+" ref")
	if g.ge != nil {
		g.ge.check(t, what+" ge")
		g.gi.check(t, what+" gi")
	}
}

// diffState compares every column of two states.
func diffState(want, got *State, nanEq bool) string {
	for _, col := range []struct {
		name string
		w, g []float32
	}{{"v", want.V, got.V}, {"ge", want.GE, got.GE}, {"gi", want.GI, got.GI}, {"inE", want.InE, got.InE},
		{"inI", want.InI, got.InI}, {"theta", want.Theta, got.Theta}} {
		if d := diffF32(col.w, col.g, nanEq); d != "" {
			return col.name + d
		}
	}
	if d := diffI32(want.Ref, got.Ref); d != "" {
		return "ref" + d
	}
	return ""
}

// lifBytes returns the memory of c (compares NaN constants bitwise).
func lifBytes(c *LIF) [unsafe.Sizeof(LIF{})]byte {
	return *(*[unsafe.Sizeof(LIF{})]byte)(unsafe.Pointer(c))
}

// checkLIF runs one model on one implementation against the reference, with
// the state and out at offset off inside guarded buffers.
func checkLIF(t *testing.T, m *Impl, model string, c *LIF, s *State, base int32, off int, nanEq bool, what string) {
	t.Helper()
	n := len(s.V)
	want := cloneState(s)
	wantOut := make([]int32, n)
	wk := lifKernel(Generic, model)(c, &want, wantOut, base)

	g := newGuardedState(s, off)
	out := newGuardedI32(n, off)
	for i := range out.data {
		out.data[i] = guardI32
	}
	cc := *c
	k := lifKernel(m, model)(&cc, &g.s, out.data, base)
	g.check(t, what)
	out.check(t, what+" out")
	if lifBytes(&cc) != lifBytes(c) {
		t.Fatalf("%s: constants modified", what)
	}
	if k != wk {
		t.Fatalf("%s: %d spikes, want %d (%v vs %v)", what, k, wk, out.data[:min(k, 20)], wantOut[:min(wk, 20)])
	}
	if d := diffI32(wantOut[:wk], out.data[:k]); d != "" {
		t.Fatalf("%s: spikes%s", what, d)
	}
	for i := k; i < n; i++ {
		if out.data[i] != guardI32 {
			t.Fatalf("%s: out[%d] written beyond the %d spikes", what, i, k)
		}
	}
	if d := diffState(&want, &g.s, nanEq); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
}

func TestLIFKernels(t *testing.T) {
	for _, m := range nonGeneric() {
		for mi, model := range lifModels {
			spikes := 0
			for _, n := range testLengths() {
				for _, off := range testOffsets {
					seed := uint64(mi)<<40 | uint64(n)<<8 | uint64(off)
					r := rand.New(rand.NewPCG(seed, 7))
					c := randLIF(r)
					s := randState(r, &c, n, model != "delta")
					base := int32(r.IntN(1 << 20))
					if r.IntN(4) == 0 {
						base = math.MaxInt32 - int32(r.IntN(40)) // indices wrap like the reference's
					}
					what := fmt.Sprintf("%s %s n=%d off=%d seed=%#x", m.Name, model, n, off, seed)
					checkLIF(t, m, model, &c, &s, base, off, false, what)
					if model == "delta" {
						c.RefInput = !c.RefInput
						checkLIF(t, m, model, &c, &s, base, off, false, what+" (RefInput flipped)")
					}
					wantOut := make([]int32, n)
					st := cloneState(&s)
					spikes += lifKernel(Generic, model)(&c, &st, wantOut, base)
				}
			}
			if spikes == 0 {
				t.Errorf("%s: the test states never spike", model)
			}
		}
	}
}

// TestLIFSteps runs many consecutive steps of a population (the kernel,
// then Decay on theta), so that refractory counters, resets and threshold
// adaptation evolve as in a simulation.
func TestLIFSteps(t *testing.T) {
	for _, m := range nonGeneric() {
		for mi, model := range lifModels {
			seed := uint64(100 + mi)
			r := rand.New(rand.NewPCG(seed, 1))
			const n = 1000 + 13
			c := LIF{PV: 0.99, VInf: -48, PE: 0.9, PI: 0.95, KE: 0.2, KI: 0.1, EE: 0, EI: -80, GL: 10, GLVInf: -480,
				GMin: 0.01, NegDtTau: -0.001, VReset: -60, VThresh: -50, ThDecay: 0.999, ThStep: 0.3, NRef: 20, RefInput: true}
			s := randState(r, &c, n, model != "delta")
			for i := range s.V {
				s.V[i] = -60 + 10*r.Float32()
			}
			want := cloneState(&s)
			got := cloneState(&s)
			wo, gout := make([]int32, n), make([]int32, n)
			total := 0
			for step := 0; step < 300; step++ {
				for i := 0; i < n; i++ {
					if r.IntN(3) == 0 {
						e, in := r.Float32()*3, r.Float32()*2
						want.InE[i], got.InE[i] = e, e
						want.InI[i], got.InI[i] = in, in
					}
				}
				wk := populationStep(Generic, model, &c, &want, wo, 17)
				gk := populationStep(m, model, &c, &got, gout, 17)
				total += wk
				what := fmt.Sprintf("%s %s step %d seed %d", m.Name, model, step, seed)
				if d := diffI32(wo[:wk], gout[:gk]); d != "" {
					t.Fatalf("%s: spikes%s", what, d)
				}
				if d := diffState(&want, &got, false); d != "" {
					t.Fatalf("%s: %s", what, d)
				}
			}
			if total == 0 {
				t.Errorf("%s: no spikes in 300 steps", model)
			}
		}
	}
}

// TestLIFShortOut checks that a too short out behaves as in the reference:
// spikes are written until out is full, then the kernel panics.
func TestLIFShortOut(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, model := range lifModels {
			r := rand.New(rand.NewPCG(3, 3))
			c := randLIF(r)
			c.VThresh = -1000 // everyone not refractory spikes
			s := randState(r, &c, 40, model != "delta")
			run := func(m *Impl, s *State) (out []int32, k int, panicked bool) {
				out = make([]int32, 5)
				defer func() {
					if recover() != nil {
						panicked = true
					}
				}()
				k = lifKernel(m, model)(&c, s, out, 0)
				return
			}
			want, got := cloneState(&s), cloneState(&s)
			wo, _, wp := run(Generic, &want)
			gout, _, gp := run(m, &got)
			if wp != gp || diffI32(wo, gout) != "" {
				t.Fatalf("%s %s: panicked %v, out %v; want %v, %v", m.Name, model, gp, gout, wp, wo)
			}
			if d := diffState(&want, &got, false); d != "" {
				t.Fatalf("%s %s: %s", m.Name, model, d)
			}
		}
	}
}

// TestLIFMismatchedState checks that a state slice shorter than V panics
// before anything is written, as in the reference.
func TestLIFMismatchedState(t *testing.T) {
	for _, m := range nonGeneric() {
		for _, model := range lifModels {
			r := rand.New(rand.NewPCG(4, 4))
			c := randLIF(r)
			s := randState(r, &c, 20, model != "delta")
			s.Theta = s.Theta[:19:19]
			before := cloneState(&s)
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", m.Name, model)
					}
				}()
				lifKernel(m, model)(&c, &s, make([]int32, 20), 0)
			}()
			if d := diffState(&before, &s, false); d != "" {
				t.Errorf("%s %s: state changed before the panic: %s", m.Name, model, d)
			}
		}
	}
}
