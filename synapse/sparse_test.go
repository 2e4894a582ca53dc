package synapse

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// fullCompetitive is the reference: the row kernel over every synapse and
// scaling of every column, as Competitive.Apply did before it learned to
// update only the columns of targets that fired.
func fullCompetitive(r *Competitive, p *Projection, x, y []float32, impl *simd.Impl) {
	w := p.weightSlice()
	wmax, eta := float32(r.WMax), float32(r.Eta)
	for i := 0; i < p.src.Len(); i++ {
		a, b := p.rowPtr[i], p.rowPtr[i+1]
		ai := eta * float32(wmax*(x[i]-float32(r.Delta)))
		impl.HebbRow(w[a:b], p.Targets()[a:b], y, ai, 0, eta, wmax, !r.Regrow)
	}
	if r.ScaleSum > 0 {
		p.scaleColumns(float32(r.ScaleSum), wmax, y, r.ScaleNorm)
	}
}

// TestCompetitiveSparseSameBits: updating only the columns of the targets
// that fired gives the bits of the full pass, over many updates with few
// and many active targets, every norm, with and without regrowth, and with
// initial weights above w_max (which the first full scaling caps).
func TestCompetitiveSparseSameBits(t *testing.T) {
	for _, norm := range []Norm{L1, L2, Max} {
		for _, regrow := range []bool{false, true} {
			seed := uint64(11 + int(norm)*2)
			if regrow {
				seed++
			}
			t.Run(fmt.Sprintf("norm=%d/regrow=%v", norm, regrow), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 1))
				src, tgt := pop(t, "in", neuron.Excitatory, 50), pop(t, "h", neuron.Excitatory, 64)
				spec := Spec{Conn: Conn{Rule: FixedProbability, P: 0.7}, Weight: rng.Dist{Kind: rng.Uniform, Low: 0, High: 0.5}, Delay: rng.Const(0.1), Key: seed}
				a, _ := New(src, tgt, spec)
				b, _ := New(src, tgt, spec)
				rule := Competitive{Eta: 0.3, Delta: 0.2, WMax: 0.3, Regrow: regrow, ScaleSum: 1.1, ScaleNorm: norm}
				for it := 0; it < 300; it++ {
					x, y := make([]float32, 50), make([]float32, 64)
					for i := range x {
						x[i] = r.Float32() * float32(r.IntN(2))
					}
					active := 1 + r.IntN(4)
					if it%7 == 3 {
						active = 40 // the full path
					}
					for range active {
						y[r.IntN(64)] = r.Float32()
					}
					rule.Apply(a, x, y, simd.Generic)
					fullCompetitive(&rule, b, x, y, simd.Generic)
					wa, wb := a.weightSlice(), b.weightSlice()
					for k := range wa {
						if wa[k] != wb[k] {
							t.Fatalf("seed %d update %d (%d active): synapse %d: %v, full pass %v", seed, it, active, k, wa[k], wb[k])
						}
					}
				}
			})
		}
	}
}
