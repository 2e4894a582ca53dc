package synapse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

func pop(t testing.TB, name string, id neuron.Identity, n int) *neuron.Population {
	par := neuron.Params{TauM: 20, TauE: 5, TauI: 10, VRest: -60, VReset: -60, VThresh: -50, GLeak: 10, EE: 0, EI: -80}
	p, err := neuron.NewLIF(name, id, neuron.COBA, n, par, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var weightDists = []rng.Dist{
	rng.Const(0.5),
	{Kind: rng.Uniform, Low: 0, High: 2},
	{Kind: rng.Normal, Mean: 0.1, SD: 1}, // mostly truncated
	{Kind: rng.LogNormal, Mu: -1, Sigma: 1.5},
}

var conns = []Conn{
	{Rule: FixedProbability, P: 0.1},
	{Rule: FixedProbability, P: 0.3, Autapses: false},
	{Rule: FixedIndegree, K: 7, Multapses: true, Autapses: true},
	{Rule: FixedIndegree, K: 5},
	{Rule: FixedOutdegree, K: 6, Multapses: true},
	{Rule: FixedOutdegree, K: 4},
	{Rule: AllToAll},
	{Rule: AllToAll, Autapses: false},
}

// TestDaleProperty builds projections through every rule, weight
// distribution and delay form, from excitatory and inhibitory sources, and
// checks that no synapse can act with a sign other than its source's: every
// magnitude is >= 0 and a spike of the source changes only the channel of the
// source's identity, only upwards.
func TestDaleProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	for trial := 0; trial < 60; trial++ {
		seed := r.Uint64()
		id := neuron.Identity(1 + r.IntN(2))
		ns, nt := 5+r.IntN(40), 5+r.IntN(40)
		src := pop(t, "S", id, ns)
		tgt := src
		if r.IntN(3) > 0 {
			tgt = pop(t, "T", neuron.Identity(1+r.IntN(2)), nt)
		}
		c := conns[r.IntN(len(conns))]
		if c.Rule == FixedOutdegree && !c.Multapses {
			c.K = min(c.K, tgt.Len()-1)
		}
		if c.Rule == FixedIndegree && !c.Multapses {
			c.K = min(c.K, src.Len()-1)
		}
		delay := rng.Const(0.1 * float64(1+r.IntN(4)))
		if r.IntN(2) == 0 {
			delay = rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 1}
		}
		s := Spec{Name: "p", Conn: c, Weight: weightDists[r.IntN(len(weightDists))], Delay: delay, Key: seed}
		p, err := New(src, tgt, s)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		tgt.SetSlots(p.MaxDelay() + 1)
		if p.DaleViolations() != 0 {
			t.Fatalf("seed %d: %d Dale violations", seed, p.DaleViolations())
		}
		if p.Inhibitory() != (id == neuron.Inhibitory) || p.Sign() != id.Sign() {
			t.Fatalf("seed %d: source %s, projection inhibitory=%v sign=%d", seed, id, p.Inhibitory(), p.Sign())
		}
		for k := 0; k < p.Len(); k++ {
			if w := p.Weight(k); !(w >= 0) {
				t.Fatalf("seed %d: synapse %d has magnitude %v", seed, k, w)
			}
		}
		// Deliver every source neuron's spike and watch both channels.
		all := make([]int32, ns)
		for i := range all {
			all[i] = int32(i)
		}
		own, other := tgt.Ring(p.Inhibitory()), tgt.Ring(!p.Inhibitory())
		before := append([]float32(nil), own...)
		p.Deliver(0, all, simd.Generic)
		for i := range own {
			if own[i] < before[i] {
				t.Fatalf("seed %d: a spike of a %s source lowered its own channel", seed, id)
			}
		}
		for i, x := range other {
			if x != 0 {
				t.Fatalf("seed %d: a %s source wrote %v into the other channel at %d", seed, id, x, i)
			}
		}
		if err := p.SetWeight(0, -1); p.Len() > 0 && (err == nil || !strings.Contains(err.Error(), "must be a finite magnitude >= 0")) {
			t.Fatalf("SetWeight(-1) = %v", err)
		}
	}
}

func TestNegativeWeightRejected(t *testing.T) {
	a, b := pop(t, "A", neuron.Inhibitory, 10), pop(t, "B", neuron.Excitatory, 10)
	for _, d := range []rng.Dist{rng.Const(-0.5), {Kind: rng.Uniform, Low: -1, High: 1}} {
		_, err := New(a, b, Spec{Name: "A->B", Conn: Conn{Rule: AllToAll}, Weight: d, Delay: rng.Const(0.1)})
		if err == nil || !strings.Contains(err.Error(), `projection "A->B"`) || !strings.Contains(err.Error(), ">= 0") {
			t.Fatalf("%+v: got %v", d, err)
		}
	}
	_, err := New(a, b, Spec{Name: "L", Conn: Conn{Rule: List, Pairs: []Pair{{0, 1, -2, math.NaN()}}}, Weight: rng.Const(1), Delay: rng.Const(0.1)})
	if err == nil || !strings.Contains(err.Error(), "weight = -2") {
		t.Fatalf("negative list weight: %v", err)
	}
}

func TestConnectivityStatistics(t *testing.T) {
	a, b := pop(t, "A", neuron.Excitatory, 400), pop(t, "B", neuron.Excitatory, 300)
	p, _ := New(a, b, Spec{Conn: Conn{Rule: FixedProbability, P: 0.05}, Weight: rng.Const(1), Delay: rng.Const(0.1), Key: 5})
	want := 0.05 * 400 * 300
	if math.Abs(float64(p.Len())-want) > 5*math.Sqrt(want) {
		t.Fatalf("fixed_probability: %d synapses, want %.0f", p.Len(), want)
	}
	p, _ = New(a, b, Spec{Conn: Conn{Rule: FixedIndegree, K: 17}, Weight: rng.Const(1), Delay: rng.Const(0.1), Key: 5})
	in := make([]int, 300)
	for _, t := range p.Targets() {
		in[t]++
	}
	for j, k := range in {
		if k != 17 {
			t.Fatalf("fixed_indegree: target %d has %d inputs", j, k)
		}
	}
	checkRowsSorted(t, p, false)
	p, _ = New(a, a, Spec{Conn: Conn{Rule: FixedOutdegree, K: 399}, Weight: rng.Const(1), Delay: rng.Const(0.1), Key: 5})
	for i := 0; i < 400; i++ {
		row, _ := p.Row(i)
		if len(row) != 399 {
			t.Fatalf("fixed_outdegree: row %d has %d", i, len(row))
		}
		for _, j := range row {
			if int(j) == i {
				t.Fatalf("autapse %d->%d without autapses", i, j)
			}
		}
	}
	checkRowsSorted(t, p, true)
	p, _ = New(a, a, Spec{Conn: Conn{Rule: OneToOne}, Weight: rng.Const(1), Delay: rng.Const(0.1)})
	if p.Len() != 400 {
		t.Fatalf("one_to_one: %d", p.Len())
	}
	if _, err := New(a, b, Spec{Conn: Conn{Rule: OneToOne}, Weight: rng.Const(1), Delay: rng.Const(0.1)}); err == nil {
		t.Fatal("one_to_one between sizes 400 and 300 accepted")
	}
}

func checkRowsSorted(t *testing.T, p *Projection, strict bool) {
	for i := 0; i < p.Source().Len(); i++ {
		row, _ := p.Row(i)
		for k := 1; k < len(row); k++ {
			if row[k] < row[k-1] || (strict && row[k] == row[k-1]) {
				t.Fatalf("row %d not ascending: %v", i, row)
			}
		}
	}
}

func TestDeterministicBuild(t *testing.T) {
	a := pop(t, "A", neuron.Excitatory, 200)
	mk := func(key uint64) *Projection {
		p, err := New(a, a, Spec{Conn: Conn{Rule: FixedProbability, P: 0.1}, Weight: rng.Dist{Kind: rng.LogNormal, Mu: 0, Sigma: 1},
			Delay: rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 2}, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, q, r := mk(1), mk(1), mk(2)
	if fmt.Sprint(p.Targets(), p.Weights()) != fmt.Sprint(q.Targets(), q.Weights()) {
		t.Fatal("same key, different projection")
	}
	if fmt.Sprint(p.Targets()) == fmt.Sprint(r.Targets()) {
		t.Fatal("different keys, same projection")
	}
}

func TestDeliverRangeSplits(t *testing.T) {
	a, b := pop(t, "A", neuron.Excitatory, 100), pop(t, "B", neuron.Excitatory, 97)
	p, _ := New(a, b, Spec{Conn: Conn{Rule: FixedProbability, P: 0.3}, Weight: rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, Delay: rng.Const(0.1), Key: 3})
	b.SetSlots(2)
	spikes := []int32{1, 5, 17, 50, 99}
	p.Deliver(3, spikes, simd.Generic)
	whole := append([]float32(nil), b.Ring(false)...)
	clear(b.Ring(false))
	var ev int64
	for _, cut := range [][2]int{{0, 13}, {13, 60}, {60, 97}} {
		ev += p.DeliverRange(3, spikes, simd.Generic, cut[0], cut[1])
	}
	for i := range whole {
		if whole[i] != b.Ring(false)[i] {
			t.Fatalf("split delivery differs at %d", i)
		}
	}
	if n := p.Deliver(3, spikes, simd.Generic); n != ev {
		t.Fatalf("events %d vs %d", n, ev)
	}
}

func TestReadPairs(t *testing.T) {
	pr, err := ReadPairs(strings.NewReader("pre,post,weight\n0,1,0.5\n# c\n2,0,1\n"))
	if err != nil || len(pr) != 2 || pr[1].Pre != 2 || pr[0].Weight != 0.5 || !math.IsNaN(pr[0].DelayMS) {
		t.Fatalf("%v %+v", err, pr)
	}
	for in, want := range map[string]string{
		"pre,post\n0,-1\n":           "post = -1",
		"pre,post,weight\n0,1,-3\n":  "weight = -3",
		"post\n1\n":                  "lacks the column \"pre\"",
		"pre,post,delay_ms\n0,1,0\n": "delay_ms = 0",
		"pre,pre,post\n":             "appears twice",
		"pre,post\n0,\"1\n":          "line 2",
		"pre,post\n0,1\"x\n":         "line 2",
	} {
		if _, err := ReadPairs(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func FuzzReadPairs(f *testing.F) {
	f.Add("pre,post,weight,delay_ms\n0,1,0.5,1\n3,2,0,0.1\n")
	f.Add("post,pre\n1,2\n")
	f.Add("pre,post\n0,\"1\n")
	f.Fuzz(func(t *testing.T, s string) {
		pr, err := ReadPairs(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, p := range pr {
			if p.Pre < 0 || p.Post < 0 || p.Weight < 0 {
				t.Fatalf("accepted %+v", p)
			}
		}
	})
}
