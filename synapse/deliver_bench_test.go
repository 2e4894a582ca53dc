package synapse

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
)

// deliverCase is a projection and a stream of spiking rows for
// BenchmarkDeliver.
type deliverCase struct {
	p      *Projection
	spikes [][]int32 // per step, distinct sources, ascending
}

var deliverCases = map[string]*deliverCase{}

// deliverFixture builds (once per process) one of the delivery workloads:
//
//	long:  12,500 x 12,500, fixed in-degree 1250: rows of ~1250 targets
//	       (Brunel's; the C baseline of bench/c), 38 spikes per step
//	       (~30 Hz at dt = 0.1 ms); 62.5 MB of targets, so rows are not in cache
//	short: 4000 x 4000, p = 0.02: rows of ~80 targets (COBA's), 8 spikes per step
//
// weights "const" stores one weight; "var" a lognormal weight per synapse.
func deliverFixture(b testing.TB, rows, weights string) *deliverCase {
	return deliverFixtureDelays(b, rows, weights, "const")
}

// deliverFixtureDelays is deliverFixture with delays "const" (0.1 ms; the
// targets in two bytes), "wide" (the same with four-byte targets), or per
// synapse, uniform on [0.1, 2] ms: "packed" into the targets or kept apart
// in one byte each ("bytes").
func deliverFixtureDelays(b testing.TB, rows, weights, delays string) *deliverCase {
	key := rows + "/" + weights + "/" + delays
	if c := deliverCases[key]; c != nil {
		return c
	}
	var n, perStep int
	var conn Conn
	switch rows {
	case "long":
		n, perStep = 12500, 38
		conn = Conn{Rule: FixedIndegree, K: 1250, Multapses: true, Autapses: true}
	case "short":
		n, perStep = 4000, 8
		conn = Conn{Rule: FixedProbability, P: 0.02}
	}
	w := rng.Const(0.1)
	if weights == "var" {
		w = rng.Dist{Kind: rng.LogNormal, Mu: -2, Sigma: 0.5}
	}
	d := rng.Const(0.1)
	if delays != "const" && delays != "wide" {
		d = rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 2}
	}
	src, tgt := pop(b, "S", neuron.Excitatory, n), pop(b, "T", neuron.Excitatory, n)
	packDelays, narrowTargets = delays != "bytes", delays != "wide"
	p, err := New(src, tgt, Spec{Name: key, Conn: conn, Weight: w, Delay: d, Key: 1})
	packDelays, narrowTargets = true, true
	if err != nil {
		b.Fatal(err)
	}
	tgt.SetSlots(p.MaxDelay() + 1)
	r := rand.New(rand.NewPCG(1, 2))
	c := &deliverCase{p: p}
	for range 1000 {
		seen := map[int32]bool{}
		var sp []int32
		for len(sp) < perStep {
			if s := int32(r.IntN(n)); !seen[s] {
				seen[s] = true
				sp = append(sp, s)
			}
		}
		sortInt32(sp)
		c.spikes = append(c.spikes, sp)
	}
	deliverCases[key] = c
	return c
}

// BenchmarkDeliver measures delivery per synaptic event with the reference
// scatter (every implementation's), from two-byte and from four-byte
// targets: whole rows (Deliver, one thread), and the two halves of every
// row delivered one after the other, cut by a Split (DeliverPart, what each
// of 2 workers does) or by binary search (DeliverRange).
func BenchmarkDeliver(b *testing.B) {
	for _, rows := range []string{"long", "short"} {
		for _, weights := range []string{"const", "var"} {
			for _, mode := range []string{"whole", "split2", "search2"} {
				for _, width := range []int{2, 4} {
					b.Run(fmt.Sprintf("rows=%s/w=%s/%s/targets=%dB", rows, weights, mode, width), func(b *testing.B) {
						c := deliverFixtureDelays(b, rows, weights, map[int]string{2: "const", 4: "wide"}[width])
						nt := c.p.Target().Len()
						half := nt / 2 / 16 * 16
						sp, err := c.p.NewSplit([]int{0, half, nt})
						if err != nil {
							b.Fatal(err)
						}
						impl := simd.Current()
						var ev int64
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							spikes, step := c.spikes[i%len(c.spikes)], int64(i)
							switch mode {
							case "whole":
								ev += c.p.Deliver(step, spikes, impl)
							case "split2":
								ev += c.p.DeliverPart(step, spikes, impl, sp, 0)
								ev += c.p.DeliverPart(step, spikes, impl, sp, 1)
							case "search2":
								ev += c.p.DeliverRange(step, spikes, impl, 0, half)
								ev += c.p.DeliverRange(step, spikes, impl, half, nt)
							}
						}
						sec := b.Elapsed().Seconds()
						b.ReportMetric(float64(ev)/sec, "events/s")
						b.ReportMetric(sec*1e9/float64(ev), "ns/event")
					})
				}
			}
		}
	}
}

// BenchmarkDeliverDelays measures delivery with a weight and a delay per
// synapse, the delays packed into the targets or in an array of their own
// (one byte each): the packed form reads one array fewer.
func BenchmarkDeliverDelays(b *testing.B) {
	for _, rows := range []string{"long", "short"} {
		for _, delays := range []string{"packed", "bytes"} {
			b.Run(fmt.Sprintf("rows=%s/w=var/d=%s", rows, delays), func(b *testing.B) {
				c := deliverFixtureDelays(b, rows, "var", delays)
				impl := simd.Current()
				var ev int64
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					ev += c.p.Deliver(int64(i), c.spikes[i%len(c.spikes)], impl)
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(ev)/sec, "events/s")
				b.ReportMetric(sec*1e9/float64(ev), "ns/event")
				b.ReportMetric(float64(c.p.Bytes())/float64(c.p.Len()), "bytes/synapse")
			})
		}
	}
}

// BenchmarkNewSplit measures the cut table of a Split in two parts, the
// work of each rebalance of the threaded engine, per row: Brunel's rows
// (not in cache), with two-byte and four-byte targets.
func BenchmarkNewSplit(b *testing.B) {
	for _, delays := range []string{"const", "wide"} {
		b.Run("targets="+map[string]string{"const": "2B", "wide": "4B"}[delays], func(b *testing.B) {
			c := deliverFixtureDelays(b, "long", "const", delays)
			nt := c.p.Target().Len()
			rows := len(c.p.RowPtr()) - 1
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cut := nt/2 + 16*(i%64-32) // moves as rebalances do
				if _, err := c.p.NewSplit([]int{0, cut, nt}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
		})
	}
}
