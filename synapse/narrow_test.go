package synapse

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// buildNarrow builds the same projection with two-byte and with four-byte
// targets.
func buildNarrow(t *testing.T, src, tgt *neuron.Population, s Spec) (narrow, wide *Projection) {
	t.Helper()
	p, err := New(src, tgt, s)
	if err != nil {
		t.Fatal(err)
	}
	narrowTargets = false
	defer func() { narrowTargets = true }()
	q, err := New(src, tgt, s)
	if err != nil {
		t.Fatal(err)
	}
	if p.narrow == nil || p.targets != nil || q.narrow != nil {
		t.Fatalf("%s: narrow %v/%v, wide %v", s.Conn.Rule, p.narrow != nil, p.targets == nil, q.narrow == nil)
	}
	return p, q
}

// TestNarrowTargets: a projection with two-byte targets has the same
// synapses (TargetAt, Len) and row runs as one with four-byte targets, holds
// two bytes less per synapse (of the same room), and delivers the same bits, whole, by the
// parts of a split and by target ranges, with the reference scatter and
// with scatter kernels; Row and Targets widen it for good, and it then
// still delivers the same.
func TestNarrowTargets(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	conns := []Conn{
		{Rule: FixedProbability, P: 0.2},
		{Rule: FixedIndegree, K: 30, Multapses: true},
		{Rule: FixedIndegree, K: 20},
		{Rule: FixedOutdegree, K: 25, Multapses: true},
		{Rule: AllToAll},
		{Rule: OneToOne},
	}
	for trial := range 24 {
		c := conns[trial%len(conns)]
		ns, nt := 40+r.IntN(150), 1+r.IntN(300)
		if c.Rule == OneToOne {
			nt = ns
		}
		if c.Rule == FixedIndegree && !c.Multapses {
			ns = max(ns, c.K)
		}
		if trial == 5 { // the largest target population that narrows
			c, nt = Conn{Rule: FixedIndegree, K: 1, Multapses: true}, maxNarrowTargets
		}
		src, tgt := pop(t, "S", neuron.Identity(1+r.IntN(2)), ns), pop(t, "T", neuron.Excitatory, nt)
		w := rng.Const(0.5)
		if trial%2 == 1 {
			w = rng.Dist{Kind: rng.LogNormal, Mu: -1, Sigma: 1}
		}
		s := Spec{Name: "p", Conn: c, Weight: w, Delay: rng.Const(1.5), Key: r.Uint64(), Threads: 1 + trial%3}
		p, q := buildNarrow(t, src, tgt, s)
		if p.Len() != q.Len() || !slices.Equal(p.runFirst, q.runFirst) {
			t.Fatalf("trial %d %s: %d synapses, want %d, or other row runs", trial, c.Rule, p.Len(), q.Len())
		}
		for k := range p.Len() {
			if p.TargetAt(k) != q.TargetAt(k) {
				t.Fatalf("trial %d %s: synapse %d: target %d, want %d", trial, c.Rule, k, p.TargetAt(k), q.TargetAt(k))
			}
		}
		if d := q.Bytes() - p.Bytes(); cap(p.narrow) != cap(q.targets) || d != 2*int64(cap(q.targets)) {
			t.Errorf("trial %d %s: two-byte targets saved %d bytes for %d synapses (room for %d, wide %d)", trial, c.Rule, d, p.Len(), cap(p.narrow), cap(q.targets))
		}
		var spikes []int32
		for i := range ns {
			if r.IntN(3) == 0 {
				spikes = append(spikes, int32(i))
			}
		}
		bounds := []int{0, r.IntN(nt + 1), r.IntN(nt + 1), nt}
		slices.Sort(bounds)
		deliver := func(x *Projection, how string, impl *simd.Impl) ([]float32, int64) {
			clear(tgt.Ring(false))
			clear(tgt.Ring(true))
			step := int64(3)
			var ev int64
			switch how {
			case "whole":
				ev = x.Deliver(step, spikes, impl)
			case "parts":
				sp, err := x.NewSplit(bounds)
				if err != nil {
					t.Fatal(err)
				}
				for w := range sp.Parts() {
					ev += x.DeliverPart(step, spikes, impl, sp, w)
				}
			case "ranges":
				for w := 0; w+1 < len(bounds); w++ {
					ev += x.DeliverRange(step, spikes, impl, bounds[w], bounds[w+1])
				}
			}
			return append(slices.Clone(tgt.Ring(false)), tgt.Ring(true)...), ev
		}
		same := func(how string, got, want []float32) {
			t.Helper()
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d %s, %s: ring[%d] = %v, want %v", trial, c.Rule, how, i, got[i], want[i])
				}
			}
		}
		for _, impl := range []*simd.Impl{perRow, simd.Current()} {
			for _, how := range []string{"whole", "parts", "ranges"} {
				want, wantEv := deliver(q, how, impl)
				got, ev := deliver(p, how, impl)
				if ev != wantEv {
					t.Fatalf("trial %d %s, %s: %d events, want %d", trial, c.Rule, how, ev, wantEv)
				}
				same(how, got, want)
			}
		}
		// A split made before widening stays valid after it.
		sp, err := p.NewSplit(bounds)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Targets(), q.Targets()) || p.narrow != nil || p.Bytes() != q.Bytes()-4*int64(cap(q.targets)-p.Len()) {
			t.Fatalf("trial %d %s: Targets did not widen to the same targets (%d bytes, want %d)", trial, c.Rule, p.Bytes(), q.Bytes())
		}
		want, _ := deliver(q, "parts", perRow)
		clear(tgt.Ring(false))
		clear(tgt.Ring(true))
		for w := range sp.Parts() {
			p.DeliverPart(3, spikes, perRow, sp, w)
		}
		same("parts after widening", append(slices.Clone(tgt.Ring(false)), tgt.Ring(true)...), want)
	}
}

// TestNarrowFixed: fixed-point delivery from two-byte targets adds the same
// integers as from four-byte ones.
func TestNarrowFixed(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for trial := range 6 {
		ns, nt := 40+r.IntN(100), 1+r.IntN(200)
		src := pop(t, "S", neuron.Identity(1+trial%2), ns)
		var fin [2][]int32
		for k, narrow := range []bool{true, false} {
			tgt, err := neuron.NewLoihiLIF("T", neuron.Excitatory, nt, neuron.FixedParams{Du: 100, Dv: 100, Vth: 100}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			w := rng.Dist{Kind: rng.Uniform, Low: 1, High: 200}
			if trial%3 == 2 {
				w = rng.Const(77)
			}
			narrowTargets = narrow
			p, err := New(src, tgt, Spec{Name: "p", Conn: Conn{Rule: FixedProbability, P: 0.3}, Weight: w,
				Delay: rng.Const(2), Key: uint64(trial)})
			narrowTargets = true
			if err != nil {
				t.Fatal(err)
			}
			if (p.narrow != nil) != narrow {
				t.Fatalf("trial %d: narrow %v, want %v", trial, p.narrow != nil, narrow)
			}
			tgt.SetSlots(p.MaxDelay() + 1)
			var spikes []int32
			for i := range ns {
				if (i*7+trial)%3 == 0 {
					spikes = append(spikes, int32(i))
				}
			}
			for _, step := range []int64{0, 5} {
				p.Deliver(step, spikes, perRow)
			}
			fin[k] = slices.Clone(p.fin.Ring())
		}
		if !slices.Equal(fin[0], fin[1]) {
			t.Fatalf("trial %d: fixed-point accumulators differ", trial)
		}
	}
}
