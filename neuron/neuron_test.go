package neuron

import (
	"math"
	"strings"
	"testing"

	"dalesim/simd"
)

// lifParams returns parameters with rest 0 mV so that currents read as R*I.
func lifParams() Params {
	return Params{TauM: 20, TauE: 5, TauI: 10, VRest: 0, VReset: 10, VThresh: 20, TRef: 2, GLeak: 10, EE: 60, EI: -20}
}

// TestFICurve checks the firing rate of a single current-driven LIF neuron
// against f = 1/(t_ref + tau_m ln((RI - V_r)/(RI - theta))) for every LIF model.
func TestFICurve(t *testing.T) {
	const dt = 0.01
	const tol = 0.01
	for _, m := range []Model{CUBA, COBA, Delta} {
		for _, ri := range []float64{20.5, 21, 22, 25, 30, 40, 60, 100} {
			par := lifParams()
			par.IExt = ri
			p, err := NewLIF("n", Excitatory, m, 1, par, dt)
			if err != nil {
				t.Fatal(err)
			}
			var first, last int64 = -1, -1
			spikes := 0
			for step := int64(0); step < int64(3000/dt) && spikes < 40; step++ {
				if len(p.Step(step, simd.Generic)) == 1 {
					if first < 0 {
						first = step
					}
					last = step
					spikes++
				}
			}
			if spikes < 3 {
				t.Fatalf("%s RI=%g: only %d spikes", m, ri, spikes)
			}
			got := float64(spikes-1) / (float64(last-first) * dt / 1000)
			want := 1000 / (par.TRef + par.TauM*math.Log((ri-par.VReset)/(ri-par.VThresh)))
			if rel := math.Abs(got-want) / want; rel > tol {
				t.Errorf("%s RI=%g mV: rate %.4f Hz, analytic %.4f Hz (rel. error %.4f > %v)", m, ri, got, want, rel, tol)
			}
		}
	}
}

// TestCubaPSPExact compares the response to one input with the analytic
// PSP of the exponential current, w tau_s/(tau_s-tau_m) (e^{-t/tau_s} - e^{-t/tau_m}).
func TestCubaPSPExact(t *testing.T) {
	for _, tauE := range []float64{5, 20} { // 20: tau_e = tau_m, the singular case
		par := lifParams()
		par.VThresh, par.VReset = 1000, -1000
		par.TauE = tauE
		const dt, w = 0.1, 2.0
		p, _ := NewLIF("n", Excitatory, CUBA, 1, par, dt)
		p.Input(0, false)[0] = w
		for step := int64(0); step < 500; step++ {
			p.Step(step, simd.Generic)
			tm := float64(step+1) * dt
			var want float64
			if tauE == par.TauM {
				want = w * tm / par.TauM * math.Exp(-tm/par.TauM)
			} else {
				want = w * tauE / (tauE - par.TauM) * (math.Exp(-tm/tauE) - math.Exp(-tm/par.TauM))
			}
			if got := float64(p.State.V[0]); math.Abs(got-want) > 1e-5*w+1e-6*math.Abs(want) {
				t.Fatalf("tau_e=%g t=%g ms: v = %.7f, analytic %.7f", tauE, tm, got, want)
			}
		}
	}
}

// cobaError integrates one COBA neuron with decaying conductances at time
// step dt and returns the largest deviation (mV) of exponential Euler from a
// fine RK4 solution of the same ODE over 40 ms.
func cobaError(t *testing.T, dt float64) float64 {
	par := Params{TauM: 20, TauE: 5, TauI: 10, VRest: -60, VReset: -60, VThresh: -20, GLeak: 10, EE: 0, EI: -80}
	p, err := NewLIF("n", Excitatory, COBA, 1, par, dt)
	if err != nil {
		t.Fatal(err)
	}
	p.Input(0, false)[0] = 30 // nS
	p.Input(0, true)[0] = 20
	// reference: C dv/dt = -gL(v-El) + ge(Ee-v) + gi(Ei-v), C = tau_m gL
	v, ge, gi := -60.0, 30.0, 20.0
	f := func(t, v float64) float64 {
		e := ge * math.Exp(-t/par.TauE)
		i := gi * math.Exp(-t/par.TauI)
		return (-par.GLeak*(v-par.VRest) + e*(par.EE-v) + i*(par.EI-v)) / (par.TauM * par.GLeak)
	}
	h := dt / 100
	tt := 0.0
	maxErr := 0.0
	for step := int64(0); step < int64(40/dt+0.5); step++ {
		p.Step(step, simd.Generic)
		for k := 0; k < 100; k++ {
			k1 := f(tt, v)
			k2 := f(tt+h/2, v+h/2*k1)
			k3 := f(tt+h/2, v+h/2*k2)
			k4 := f(tt+h, v+h*k3)
			v += h / 6 * (k1 + 2*k2 + 2*k3 + k4)
			tt += h
		}
		maxErr = math.Max(maxErr, math.Abs(float64(p.State.V[0])-v))
	}
	return maxErr
}

// TestCobaConvergence checks that exponential Euler converges to the exact
// solution at first order: the error halves with dt.
func TestCobaConvergence(t *testing.T) {
	e1, e2, e3 := cobaError(t, 0.1), cobaError(t, 0.05), cobaError(t, 0.01)
	t.Logf("max |v - v_RK4|: dt 0.1: %.4f mV, 0.05: %.4f mV, 0.01: %.5f mV", e1, e2, e3)
	if e1 > 0.15 || e3 > 0.015 {
		t.Fatalf("errors too large: %.4f mV at dt 0.1, %.5f mV at dt 0.01", e1, e3)
	}
	if r := e1 / e2; r < 1.7 || r > 2.3 {
		t.Fatalf("error ratio dt 0.1 / dt 0.05 = %.2f, want ~2 (first order)", r)
	}
}

func TestRefractoryAndReset(t *testing.T) {
	par := lifParams()
	par.IExt = 1e5 // crosses threshold in the first step it integrates
	par.TRef = 0.5
	const dt = 0.1
	p, _ := NewLIF("n", Excitatory, Delta, 1, par, dt)
	var steps []int64
	for s := int64(0); s < 30; s++ {
		if len(p.Step(s, simd.Generic)) > 0 {
			steps = append(steps, s)
			if p.State.V[0] != float32(par.VReset) {
				t.Fatalf("v after spike = %v, want reset %v", p.State.V[0], par.VReset)
			}
		}
	}
	// t_ref = 5 steps held at reset, then one integration step crosses threshold.
	for i := 1; i < len(steps); i++ {
		if d := steps[i] - steps[i-1]; d != 6 {
			t.Fatalf("inter-spike interval %d steps, want 6 (5 refractory + 1): %v", d, steps)
		}
	}
}

func TestAdaptiveThreshold(t *testing.T) {
	par := lifParams()
	par.IExt = 40
	par.ThetaStep, par.TauTheta = 2, 100
	p, _ := NewLIF("n", Excitatory, CUBA, 1, par, 0.1)
	q, _ := NewLIF("n", Excitatory, CUBA, 1, lifParamsWith(40), 0.1)
	np, nq := 0, 0
	for s := int64(0); s < 20000; s++ {
		np += len(p.Step(s, simd.Generic))
		nq += len(q.Step(s, simd.Generic))
	}
	if !(np < nq*8/10) || p.State.Theta[0] <= 0 {
		t.Fatalf("adaptation should lower the rate: %d spikes with, %d without; theta = %v", np, nq, p.State.Theta[0])
	}
}

func lifParamsWith(iext float64) Params {
	p := lifParams()
	p.IExt = iext
	return p
}

func TestParamsValidate(t *testing.T) {
	cases := []struct {
		m    Model
		mut  func(*Params)
		want string
	}{
		{CUBA, func(p *Params) { p.TauM = -5 }, "tau_m_ms = -5"},
		{CUBA, func(p *Params) { p.TauE = 0 }, "tau_e_ms = 0"},
		{Delta, func(p *Params) { p.VReset = 30 }, "v_reset_mV = 30: must be below v_thresh_mV"},
		{COBA, func(p *Params) { p.GLeak = 0 }, "g_leak_nS = 0"},
		{COBA, func(p *Params) { p.EI = 25 }, "e_rev_i_mV = 25"},
		{Delta, func(p *Params) { p.TRef = math.Inf(1) }, "t_ref_ms"},
		{CUBA, func(p *Params) { p.RefractoryInput = "accumulate" }, "only delta neurons"},
		{Delta, func(p *Params) { p.RefractoryInput = "keep" }, "refractory_input = \"keep\""},
		{Delta, func(p *Params) { p.ThetaStep = -1 }, "theta_step_mV = -1"},
	}
	for _, c := range cases {
		p := lifParams()
		c.mut(&p)
		err := p.Validate(c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.m, err, c.want)
		}
	}
	p := lifParams()
	if err := p.Validate(COBA); err != nil {
		t.Fatal(err)
	}
}

func TestIdentityFixed(t *testing.T) {
	if _, err := NewLIF("x", 0, Delta, 3, lifParams(), 0.1); err == nil {
		t.Fatal("a population without identity was created")
	}
	for _, s := range []string{"excitatory", "inhibitory"} {
		id, err := ParseIdentity(s)
		if err != nil || id.String() != s {
			t.Fatalf("ParseIdentity(%q) = %v, %v", s, id, err)
		}
	}
	if _, err := ParseIdentity("both"); err == nil {
		t.Fatal("identity \"both\" accepted")
	}
}

func TestPoissonSourceRate(t *testing.T) {
	const dt, rate, n = 0.1, 40.0, 2000
	p, err := NewPoisson("in", Excitatory, n, rate, dt, 12345)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	const steps = 5000
	for s := int64(0); s < steps; s++ {
		total += len(p.Step(s, simd.Generic))
	}
	want := rate * n * steps * dt / 1000
	if math.Abs(float64(total)-want) > 5*math.Sqrt(want) {
		t.Fatalf("key 12345: %d spikes, want %.0f +- %.0f", total, want, 5*math.Sqrt(want))
	}
	if err := p.SetRateOf(0, 20000); err == nil {
		t.Fatal("a rate above one spike per step was accepted")
	}
}

func TestPoissonDriveMean(t *testing.T) {
	par := lifParams()
	par.VThresh, par.VReset = 1e6, -1e6
	par.TauM = 1e9 // pure integrator
	p, _ := NewLIF("n", Excitatory, Delta, 500, par, 0.1)
	if err := p.AddDrive(&Drive{Name: "d", Identity: Excitatory, N: 1000, RateHz: 20, Weight: 0.1, Key: 99}); err != nil {
		t.Fatal(err)
	}
	const steps = 1000
	for s := int64(0); s < steps; s++ {
		p.Step(s, simd.Generic)
	}
	var sum float64
	for _, v := range p.State.V {
		sum += float64(v)
	}
	lambda := 1000 * 20 * 0.1 / 1000.0
	want := 0.1 * lambda * steps
	mean := sum / 500
	if math.Abs(mean-want) > 0.01*want {
		t.Fatalf("mean drive input %.3f mV, want %.3f", mean, want)
	}
	if err := p.AddDrive(&Drive{Name: "bad", Identity: Excitatory, N: 1, RateHz: 1, Weight: -1}); err == nil {
		t.Fatal("negative drive weight accepted")
	}
}

func TestSpikeSource(t *testing.T) {
	ev, err := ReadSpikeTimes(strings.NewReader("neuron,t_ms\n# comment\n2,0.3\n0,0.1\n1,0.1\n"), 0.1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewSpikeSource("s", Inhibitory, 3, ev, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int32
	for s := int64(0); s < 4; s++ {
		got = append(got, append([]int32(nil), p.Step(s, simd.Generic)...))
	}
	want := [][]int32{{}, {0, 1}, {}, {2}}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("step %d: %v, want %v", i, got[i], want[i])
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("step %d: %v, want %v", i, got[i], want[i])
			}
		}
	}
	if _, err := NewSpikeSource("s", Inhibitory, 3, []Event{{1, 0}, {1, 0}}, 0.1); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate spike accepted: %v", err)
	}
	if _, err := NewSpikeSource("s", Inhibitory, 3, []Event{{1, 3}}, 0.1); err == nil {
		t.Fatal("out-of-range neuron accepted")
	}
}

func TestReadSpikeTimesErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "empty file",
		"t_ms\n1\n":              "lacks the column \"neuron\"",
		"neuron,t_ms,x\n1,2,3\n": "unknown column \"x\"",
		"neuron,t_ms\n-1,2\n":    "line 2: neuron = -1",
		"neuron,t_ms\n1.5,2\n":   "neuron = 1.5",
		"neuron,t_ms\n1,abc\n":   "t_ms = \"abc\"",
		"neuron,t_ms\n1,-3\n":    "t_ms = -3",
		"neuron,t_ms\n1\n":       "1 fields, the header has 2",
	} {
		_, err := ReadSpikeTimes(strings.NewReader(in), 0.1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func FuzzReadSpikeTimes(f *testing.F) {
	f.Add("neuron,t_ms\n0,1.5\n3,2\n")
	f.Add("t_ms,neuron\n1e3,7\n")
	f.Add("neuron,t_ms\n\"1\",2\n")
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ReadSpikeTimes(strings.NewReader(s), 0.1)
		if err != nil {
			return
		}
		for _, e := range ev {
			if e.Neuron < 0 || e.Step < 0 {
				t.Fatalf("accepted a negative value: %+v", e)
			}
		}
	})
}
