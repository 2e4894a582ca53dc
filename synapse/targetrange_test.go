package synapse

import (
	"math"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
)

// TestTargetRange checks that a projection restricted to a target range
// holds exactly the whole projection's synapses onto those targets, row by
// row in the same order, with the same weights and delays: what a rank of a
// distributed network keeps.
func TestTargetRange(t *testing.T) {
	all := append([]Conn{{Rule: OneToOne}, {Rule: List, Pairs: []Pair{
		{Pre: 3, Post: 9, Weight: nan(), DelayMS: nan()}, {Pre: 0, Post: 2, Weight: 1.5, DelayMS: 0.3},
		{Pre: 3, Post: 1, Weight: nan(), DelayMS: 0.5}, {Pre: 7, Post: 7, Weight: 0.25, DelayMS: nan()},
		{Pre: 3, Post: 9, Weight: 2, DelayMS: nan()}}}}, conns...)
	delays := []rng.Dist{rng.Const(0.2), {Kind: rng.Uniform, Low: 0.1, High: 1}}
	for ci, c := range all {
		for wi, w := range weightDists {
			for di, d := range delays {
				src := pop(t, "S", neuron.Excitatory, 30)
				tgt := src
				if ci%2 == 1 {
					tgt = pop(t, "T", neuron.Inhibitory, 30)
				}
				s := Spec{Name: "p", Conn: c, Weight: w, Delay: d, Key: rng.Key(uint64(ci), uint64(wi), uint64(di))}
				whole, err := New(src, tgt, s)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range [][2]int{{0, 30}, {0, 13}, {13, 30}, {5, 6}, {16, 16}, {29, 30}} {
					s.TargetLo, s.TargetHi = r[0], r[1]
					part, err := New(src, tgt, s)
					if err != nil {
						t.Fatal(err)
					}
					checkPart(t, whole, part, r[0], r[1])
				}
			}
		}
	}
}

func checkPart(t *testing.T, whole, part *Projection, lo, hi int) {
	t.Helper()
	for i := 0; i < whole.Source().Len(); i++ {
		wt, wk := whole.Row(i)
		pt, pk := part.Row(i)
		var want []int
		for m, j := range wt {
			if int(j) >= lo && int(j) < hi {
				want = append(want, wk+m)
			}
		}
		if len(want) != len(pt) {
			t.Fatalf("%s [%d, %d) row %d: %d synapses, want %d", whole.Name(), lo, hi, i, len(pt), len(want))
		}
		for m, k := range want {
			if pt[m] != whole.Targets()[k] || part.Weight(pk+m) != whole.Weight(k) || part.Delay(pk+m) != whole.Delay(k) {
				t.Fatalf("%s [%d, %d) row %d synapse %d: (%d, %g, %d), want (%d, %g, %d)", whole.Name(), lo, hi, i, m,
					pt[m], part.Weight(pk+m), part.Delay(pk+m), whole.Targets()[k], whole.Weight(k), whole.Delay(k))
			}
		}
	}
}

func nan() float64 { return math.NaN() }
