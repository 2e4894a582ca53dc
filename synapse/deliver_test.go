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

// perRow is simd.Generic with scatter kernels that are not the reference
// functions (and ReferenceScatter false), so that delivery calls them row by
// row: the path taken for an implementation with kernels of its own.
var perRow = func() *simd.Impl {
	m := *simd.Generic
	m.Name = "per-row"
	m.ReferenceScatter = false
	m.ScatterAdd = func(acc []float32, idx []int32, w []float32) { simd.ScatterAddGeneric(acc, idx, w) }
	m.ScatterAddConst = func(acc []float32, idx []int32, w float32) { simd.ScatterAddConstGeneric(acc, idx, w) }
	return &m
}()

// TestDeliverParts delivers random spikes through projections of every
// kind (constant and per-synapse weights, one delay and per-synapse delays,
// multapses) whole, by parts of random splits and by ranges, with the fused
// loops and row by row, and checks that every way adds the same bits into
// the same places and counts the same events.
func TestDeliverParts(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	weights := []rng.Dist{rng.Const(0.7), {Kind: rng.LogNormal, Mu: -1, Sigma: 1}}
	delays := []rng.Dist{rng.Const(0.3), {Kind: rng.Uniform, Low: 0.1, High: 0.6}}
	conns := []Conn{
		{Rule: FixedProbability, P: 0.2},
		{Rule: FixedIndegree, K: 30, Multapses: true, Autapses: true},
		{Rule: AllToAll},
		{Rule: AllToAll},
	}
	for trial := 0; trial < 40; trial++ {
		ns, nt := 20+r.IntN(100), 1+r.IntN(300)
		src, tgt := pop(t, "S", neuron.Identity(1+r.IntN(2)), ns), pop(t, "T", neuron.Excitatory, nt)
		c := conns[r.IntN(len(conns))]
		p, err := New(src, tgt, Spec{Name: "p", Conn: c, Weight: weights[r.IntN(2)], Delay: delays[r.IntN(2)], Key: r.Uint64()})
		if err != nil {
			t.Fatal(err)
		}
		tgt.SetSlots(p.MaxDelay() + 1)
		var spikes []int32
		for s := 0; s < ns; s++ {
			if r.IntN(3) == 0 {
				spikes = append(spikes, int32(s))
			}
		}
		parts := 1 + r.IntN(4)
		bounds := []int{0}
		for w := 1; w < parts; w++ {
			bounds = append(bounds, r.IntN(nt+1))
		}
		bounds = append(bounds, nt)
		slices.Sort(bounds)
		sp, err := p.NewSplit(bounds)
		if err != nil {
			t.Fatal(err)
		}
		ring := func() []float32 { return append(tgt.Ring(false), tgt.Ring(true)...) }
		clearRing := func() {
			clear(tgt.Ring(false))
			clear(tgt.Ring(true))
		}
		step := int64(r.IntN(50))
		// The reference: the scalar kernels row by row (never the
		// contiguous-row path of scatterRows).
		want := p.Deliver(step, spikes, perRow)
		ref := ring()
		for _, impl := range append([]*simd.Impl{perRow}, allImpls(t)...) {
			for _, how := range []string{"whole", "parts", "ranges"} {
				clearRing()
				var got int64
				switch how {
				case "whole":
					got = p.Deliver(step, spikes, impl)
				case "parts":
					// In reverse: the parts are independent.
					for w := sp.Parts() - 1; w >= 0; w-- {
						got += p.DeliverPart(step, spikes, impl, sp, w)
					}
				case "ranges":
					for w := 0; w+1 < len(bounds); w++ {
						got += p.DeliverRange(step, spikes, impl, bounds[w], bounds[w+1])
					}
				}
				if got != want {
					t.Fatalf("trial %d, %s, %s: %d events, want %d", trial, impl.Name, how, got, want)
				}
				for i, x := range ring() {
					if math.Float32bits(x) != math.Float32bits(ref[i]) {
						t.Fatalf("trial %d, %s, %s, bounds %v: input %d = %v, want %v", trial, impl.Name, how, bounds, i, x, ref[i])
					}
				}
			}
		}
	}
}

// allImpls returns every kernel implementation this CPU runs.
func allImpls(t *testing.T) []*simd.Impl {
	var ms []*simd.Impl
	for _, name := range simd.Implementations() {
		m, err := simd.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// TestDeliverOrder: the fused loops add a target's inputs in spike order
// and, within a row, in CSR order, as the reference kernels called row by
// row do; with weights of very different sizes the order shows in the
// rounding.
func TestDeliverOrder(t *testing.T) {
	a, b := pop(t, "A", neuron.Excitatory, 64), pop(t, "B", neuron.Excitatory, 3)
	p, err := New(a, b, Spec{Conn: Conn{Rule: FixedIndegree, K: 200, Multapses: true}, Weight: rng.Dist{Kind: rng.LogNormal, Mu: 0, Sigma: 6}, Delay: rng.Const(0.1), Key: 9})
	if err != nil {
		t.Fatal(err)
	}
	b.SetSlots(2)
	all := make([]int32, 64)
	for i := range all {
		all[i] = int32(i)
	}
	p.Deliver(0, all, simd.Generic)
	got := slices.Clone(b.Input(1, false))
	want := make([]float32, 3)
	for _, s := range all {
		tg, k := p.Row(int(s))
		for j, x := range tg {
			want[x] += p.Weight(k + j)
		}
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("target %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestNewSplitBounds(t *testing.T) {
	a, b := pop(t, "A", neuron.Excitatory, 10), pop(t, "B", neuron.Excitatory, 50)
	p, err := New(a, b, Spec{Conn: Conn{Rule: AllToAll}, Weight: rng.Const(1), Delay: rng.Const(0.1), Key: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]int{nil, {0}, {1, 50}, {0, 49}, {0, 30, 20, 50}} {
		if _, err := p.NewSplit(bad); err == nil {
			t.Errorf("bounds %v accepted", bad)
		}
	}
	sp, err := p.NewSplit([]int{0, 0, 16, 50, 50})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Parts() != 4 {
		t.Fatalf("%d parts", sp.Parts())
	}
	b.SetSlots(2)
	all := []int32{0, 3, 9}
	for w, want := range []int64{0, 3 * 16, 3 * 34, 0} {
		if got := p.DeliverPart(0, all, simd.Generic, sp, w); got != want {
			t.Errorf("part %d: %d events, want %d", w, got, want)
		}
	}
}

// TestTouchAbove: rows are touched ahead of the scatter only in
// projections larger than touchAbove (a positive size), and touching
// changes no result:
// every connectivity, weight kind, delay kind and target width, delivered
// whole, by split parts and by target ranges, adds the same bits with every
// row touched (touchAbove 0) as with none.
func TestTouchAbove(t *testing.T) {
	if touchAbove <= 0 {
		t.Fatalf("touchAbove %d", touchAbove)
	}
	saved := touchAbove
	defer func() { touchAbove = saved }()
	src, tgt := pop(t, "S", neuron.Excitatory, 200), pop(t, "T", neuron.Excitatory, 300)
	r := rand.New(rand.NewPCG(3, 3))
	var spikes []int32
	for s := range int32(200) {
		if r.IntN(3) == 0 {
			spikes = append(spikes, s)
		}
	}
	for _, conn := range []Conn{
		{Rule: FixedIndegree, K: 40, Multapses: true, Autapses: true},
		{Rule: FixedProbability, P: 0.2},
		{Rule: AllToAll},
	} {
		for _, w := range []rng.Dist{rng.Const(0.5), {Kind: rng.LogNormal, Mu: -1, Sigma: 0.5}} {
			for _, d := range []rng.Dist{rng.Const(0.3), {Kind: rng.Uniform, Low: 0.1, High: 1}} {
				p, err := New(src, tgt, Spec{Conn: conn, Weight: w, Delay: d, Key: 5})
				if err != nil {
					t.Fatal(err)
				}
				tgt.SetSlots(p.MaxDelay() + 1)
				for _, how := range []string{"whole", "parts", "ranges"} {
					bounds := []int{0, 112, 300}
					touchAbove = 0
					touched, ev1 := deliverBy(t, p, how, 3, spikes, bounds, simd.Generic)
					touchAbove = 1 << 62
					plain, ev2 := deliverBy(t, p, how, 3, spikes, bounds, simd.Generic)
					if ev1 != ev2 || !slices.EqualFunc(touched, plain, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
						t.Errorf("%v, weight %v, delay %v, %s: touching the rows changed the inputs (%d vs %d events)", conn.Rule, w, d, how, ev1, ev2)
					}
				}
			}
		}
	}
}
