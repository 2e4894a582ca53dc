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
		p, q := buildTwice(t, src, tgt, s, &narrowTargets)
		if p.narrow == nil || p.targets != nil || q.narrow != nil {
			t.Fatalf("trial %d %s: two-byte %v/%v, four-byte %v", trial, c.Rule, p.narrow != nil, p.targets == nil, q.narrow == nil)
		}
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
			return deliverBy(t, x, how, 3, spikes, bounds, impl)
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

// TestAddRow: addConst and addWeights, which index without bounds checks,
// add what a plain loop adds, in the same order, for every row length
// around their unrolling by four and for both target widths.
func TestAddRow(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 9))
	for n := range 11 {
		row32 := make([]int32, n)
		row16 := make([]uint16, n)
		ws := make([]float32, n)
		for k := range n {
			row32[k] = int32(r.IntN(7)) // repeats: the order of additions into one target matters
			row16[k] = uint16(row32[k])
			ws[k] = r.Float32()
		}
		want := make([]float32, 7)
		for k, x := range row32 {
			want[x] += ws[k]
		}
		wantC := make([]float32, 7)
		for _, x := range row32 {
			wantC[x] += 0.3
		}
		for _, c := range []struct {
			add  func([]float32)
			want []float32
		}{
			{func(a []float32) { addWeights(a, row32, ws) }, want},
			{func(a []float32) { addWeights(a, row16, ws) }, want},
			{func(a []float32) { addConst(a, row32, 0.3) }, wantC},
			{func(a []float32) { addConst(a, row16, 0.3) }, wantC},
		} {
			got := make([]float32, 7)
			c.add(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("n=%d: %v, want %v", n, got, c.want)
			}
		}
	}
}
