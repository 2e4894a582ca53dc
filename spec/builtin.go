package spec

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// BuiltinParams are the knobs of the built-in benchmark networks; zero
// values take each benchmark's defaults.
type BuiltinParams struct {
	DurationMS float64
	Seed       int64
	DtMS       float64
	G          float64 // brunel: relative inhibitory strength
	Eta        float64 // brunel: external rate relative to threshold rate
	DelayMS    float64 // brunel: synaptic delay D
	Scale      float64 // brunel: fraction of the 12,500 neurons (tests); 0 or 1: full size
	// Brian2Timing shifts the refractory period and delays by one step so
	// that they mean what the same numbers mean in Brian2 (see timing below).
	Brian2Timing bool
	// FixedPoint (brunel): the same network of loihi_lif neurons with 8-bit
	// integer weights (see brunelFixedPop).
	FixedPoint bool
}

// timing returns the refractory period and delay (ms) that dalesim needs to
// reproduce what tRef and delay mean in the benchmark's source. dalesim (like
// NEST) holds a neuron for round(t_ref/dt) steps after the step it spiked in
// and applies an input d/dt steps after the step it was sent in; Brian2 holds
// for one step less and applies inputs one step later (its delay 0 is
// dalesim's minimum, one step). With Brian2 timing, t_ref - dt and delay + dt
// are dalesim's equivalents.
func (p BuiltinParams) timing(tRef, delay float64) (float64, float64) {
	if p.Brian2Timing {
		return tRef - p.DtMS, delay + p.DtMS
	}
	return tRef, delay
}

type builtin struct {
	doc  string
	text func(p BuiltinParams) string
}

var builtins = map[string]builtin{
	"coba": {"Brette et al. 2007 benchmark 1 (COBA), parameters of Brian's classic COBA example", cobaTOML},
	"cuba": {"Brette et al. 2007 benchmark 2 (CUBA), parameters of Brian's classic CUBA example", cubaTOML},
	"brunel": {"Brunel 2000 model A, 12,500 delta-synapse LIF neurons; --g and --eta pick the regime " +
		"(AI: g=5 eta=2, SR: g=3 eta=2, SI-fast: g=6 eta=4, SI-slow: g=4.5 eta=0.9)", brunelTOML},
}

// Builtins lists the built-in benchmark names.
func Builtins() []string {
	var n []string
	for k := range builtins {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// BuiltinDoc describes a built-in benchmark.
func BuiltinDoc(name string) string { return builtins[name].doc }

// BuiltinTOML returns the spec text of a built-in benchmark.
func BuiltinTOML(name string, p BuiltinParams) (string, error) {
	b, ok := builtins[name]
	if !ok {
		return "", fmt.Errorf("unknown benchmark %q (want %s)", name, strings.Join(Builtins(), ", "))
	}
	if p.Seed == 0 {
		p.Seed = 1
	}
	if p.DtMS == 0 {
		p.DtMS = 0.1
	}
	return b.text(p), nil
}

// Builtin returns the parsed spec of a built-in benchmark.
func Builtin(name string, p BuiltinParams) (*Spec, error) {
	text, err := BuiltinTOML(name, p)
	if err != nil {
		return nil, err
	}
	return Parse([]byte(text), "builtin:"+name)
}

func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func cobaTOML(p BuiltinParams) string {
	tRef, _ := p.timing(5, 0)
	pop := fmt.Sprintf(cobaPop, tRef)
	return fmt.Sprintf(`# Brette et al. (2007) benchmark 1: conductance-based LIF (COBA), with the
# parameters of Brian's classic COBA example (Brian2 port: shared/anchors/brian2/coba.py).
# 4000 neurons, 3200 E / 800 I, p = 0.02, conductance jumps 6 nS (E) and 67 nS (I)
# against a 10 nS leak. Brian's synapses without delay act in the next step:
# that is dalesim's minimum delay of one step (the default). "bench coba
# --brian2-timing" shortens t_ref by one step to match Brian2's refractoriness.
name = "coba"
dt_ms = %g
duration_ms = %g
seed = %d
%s
[[population]]
name = "E"
size = 3200
identity = "excitatory"
%s
[[population]]
name = "I"
size = 800
identity = "inhibitory"
%s
%s`, p.DtMS, or(p.DurationMS, 1000), p.Seed, "", pop, pop, eiProjections("6.0", "67.0", "nS"))
}

const cobaPop = `model = "coba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -60.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = %g
e_rev_e_mV = 0.0
e_rev_i_mV = -80.0
g_leak_nS = 10.0
# Brian: v = (randn()*5 - 5) mV above rest, ge = randn()*1.5 + 4, gi = randn()*12 + 20 (x 10 nS).
# Some initial gi are negative, as in the benchmark: they kick the network into its sustained state.
init.v_mV = { dist = "normal", mean = -65.0, sd = 5.0 }
init.ge = { dist = "normal", mean = 40.0, sd = 15.0 }
init.gi = { dist = "normal", mean = 200.0, sd = 120.0 }
`

func cubaTOML(p BuiltinParams) string {
	tRef, _ := p.timing(5, 0)
	pop := fmt.Sprintf(cubaPop, tRef)
	return fmt.Sprintf(`# Brette et al. (2007) benchmark 2: current-based LIF (CUBA) with exponential
# currents, integrated exactly; the parameters of Brian's classic CUBA example
# (bench/brian2/cuba.py): v_rest -49 mV above threshold, E weight 1.62 mV, I 9 mV.
name = "cuba"
dt_ms = %g
duration_ms = %g
seed = %d

[[population]]
name = "E"
size = 3200
identity = "excitatory"
%s
[[population]]
name = "I"
size = 800
identity = "inhibitory"
%s
%s`, p.DtMS, or(p.DurationMS, 1000), p.Seed, pop, pop, eiProjections("1.62", "9.0", "mV"))
}

const cubaPop = `model = "cuba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -49.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = %g
init.v_mV = { dist = "uniform", low = -60.0, high = -50.0 }
`

func brunelTOML(p BuiltinParams) string {
	g, eta := or(p.G, 5), or(p.Eta, 2)
	tRef, d := p.timing(2, or(p.DelayMS, 1.5))
	scale := or(p.Scale, 1)
	ne, ni := int(10000*scale+0.5), int(2500*scale+0.5)
	ce, ci := int(1000*scale+0.5), int(250*scale+0.5)
	const j, theta, tau = 0.1, 20.0, 20.0
	// nu_thr = theta / (J C_E tau): the external rate that alone brings the
	// mean input to threshold; the drive is eta * nu_thr per source, C_E sources.
	nuThr := theta / (j * float64(ce) * tau) * 1000
	pop := fmt.Sprintf(`model = "delta"
tau_m_ms = %g
v_rest_mV = 0.0
v_reset_mV = 10.0
v_thresh_mV = %g
t_ref_ms = %g
`, tau, theta, tRef)
	wJ, wI := fmt.Sprint(j), fmt.Sprint(g*j)
	if p.FixedPoint {
		pop, wJ, wI = brunelFixedPop(p.DtMS, tau, theta, j, g)
	}
	return fmt.Sprintf(`# Brunel (2000) model A: %d excitatory and %d inhibitory LIF neurons with delta
# synapses, fixed in-degree (C_E = %d, C_I = %d; multapses and autapses allowed),
# J = %g mV, inhibitory weight g*J with g = %g, delay D = %g ms, and an external
# Poisson drive of C_E sources at eta*nu_thr = %g * %g Hz each.
# Input arriving during the refractory period is discarded (Brunel 2000, NEST).
# dalesim's delay counts from the spike's step to the step the input acts in, and
# t_ref holds v for round(t_ref/dt) steps (as NEST); Brian2 applies inputs one step
# later and holds one step less ("bench brunel --brian2-timing" converts).
name = "brunel"
dt_ms = %g
duration_ms = %g
seed = %d

[[population]]
name = "E"
size = %d
identity = "excitatory"
%s
[[population]]
name = "I"
size = %d
identity = "inhibitory"
%s
[[drive]]
name = "ext->E"
target = "E"
identity = "excitatory"
n = %d
rate_hz = %g
weight = %s

[[drive]]
name = "ext->I"
target = "I"
identity = "excitatory"
n = %d
rate_hz = %g
weight = %s

[[projection]]
source = "E"
target = "E"
connectivity = { rule = "fixed_indegree", k = %d }
weight = %s
delay_ms = %g

[[projection]]
source = "E"
target = "I"
connectivity = { rule = "fixed_indegree", k = %d }
weight = %s
delay_ms = %g

[[projection]]
source = "I"
target = "E"
connectivity = { rule = "fixed_indegree", k = %d }
weight = %s
delay_ms = %g

[[projection]]
source = "I"
target = "I"
connectivity = { rule = "fixed_indegree", k = %d }
weight = %s
delay_ms = %g
`, ne, ni, ce, ci, j, g, d, eta, nuThr,
		p.DtMS, or(p.DurationMS, 1000), p.Seed,
		ne, pop, ni, pop,
		ce, eta*nuThr, wJ, ce, eta*nuThr, wJ,
		ce, wJ, d, ce, wJ, d, ci, wI, d, ci, wI, d)
}

// brunelFixedUnit is the integer weight of J in the fixed-point Brunel
// network: 1 mV is brunelFixedUnit/J input units (<< 6 in v).
const brunelFixedUnit = 20

// brunelFixedPop returns the loihi_lif population and the integer weights
// of J and g*J for the fixed-point version of Brunel's model A: delta
// synapses are du = 4095 (u holds only the step's input), the membrane decay
// dv = round(4096 (1 - exp(-dt/tau))), J = 20 units (1 mV = 200 input units
// = 12800 in v) and the threshold theta in those units >> 6. Loihi's neuron
// (as Lava's PyLifModelBitAcc) resets v to 0 and has no refractory period,
// so this network is Brunel's with v_reset = 0 and t_ref = 0.
func brunelFixedPop(dt, tau, theta, j, g float64) (string, string, string) {
	dv := math.Round(4096 * (1 - math.Exp(-dt/tau)))
	unit := brunelFixedUnit / j     // input units per mV
	vth := math.Round(theta * unit) // v > vth << 6 = theta in v units
	pop := fmt.Sprintf(`model = "loihi_lif"
du = 4095
dv = %d
vth = %d
`, int(dv), int(vth))
	return pop, fmt.Sprint(brunelFixedUnit), fmt.Sprint(math.Round(g * brunelFixedUnit))
}

// eiProjections is the random E/I connectivity of the Brette et al. (2007)
// benchmarks: every pair connected with probability 0.02, excitatory and
// inhibitory weights we and wi (unit in a comment).
func eiProjections(we, wi, unit string) string {
	var b strings.Builder
	for _, pr := range [][2]string{{"E", "E"}, {"E", "I"}, {"I", "E"}, {"I", "I"}} {
		w, comment := we, ""
		if pr[0] == "I" {
			w = wi
		}
		if pr == [2]string{"E", "E"} {
			comment = "      # " + unit
		}
		fmt.Fprintf(&b, "[[projection]]\nsource = %q\ntarget = %q\nconnectivity = { rule = \"fixed_probability\", p = 0.02 }\nweight = %s%s\n", pr[0], pr[1], w, comment)
		if pr != [2]string{"I", "I"} {
			b.WriteString("\n")
		}
	}
	return b.String()
}
