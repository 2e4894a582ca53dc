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

// buildTwice builds the same projection with the layout option *opt on
// (the default) and off (packDelays, narrowTargets).
func buildTwice(t *testing.T, src, tgt *neuron.Population, s Spec, opt *bool) (on, off *Projection) {
	t.Helper()
	p, err := New(src, tgt, s)
	if err != nil {
		t.Fatal(err)
	}
	*opt = false
	defer func() { *opt = true }()
	q, err := New(src, tgt, s)
	if err != nil {
		t.Fatal(err)
	}
	return p, q
}

// deliverBy clears the rings of x's target, delivers spikes at step, whole
// ("whole"), by the parts of a split at bounds ("parts") or by the target
// ranges between bounds ("ranges"), and returns a copy of both rings and the
// number of events.
func deliverBy(t *testing.T, x *Projection, how string, step int64, spikes []int32, bounds []int, impl *simd.Impl) ([]float32, int64) {
	t.Helper()
	tgt := x.Target()
	clear(tgt.Ring(false))
	clear(tgt.Ring(true))
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
	default:
		t.Fatalf("deliverBy %q", how)
	}
	return append(slices.Clone(tgt.Ring(false)), tgt.Ring(true)...), ev
}

// TestPackedDelays: a projection whose one-byte delays are packed with its
// targets has the same synapses (TargetAt, Delay, MinDelay, MaxDelay) as one
// that keeps them apart, holds one byte less per synapse, and delivers the
// same bits into the same ring slots, whole, by the parts of a split and
// by target ranges; Row and Targets unpack it for good, and then it still
// delivers the same.
func TestPackedDelays(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for trial := range 12 {
		ns, nt := 50+r.IntN(200), 1+r.IntN(400)
		src, tgt := pop(t, "S", neuron.Identity(1+r.IntN(2)), ns), pop(t, "T", neuron.Excitatory, nt)
		w := rng.Const(0.5)
		if trial%2 == 1 {
			w = rng.Dist{Kind: rng.LogNormal, Mu: -1, Sigma: 1}
		}
		s := Spec{Name: "p", Conn: Conn{Rule: FixedProbability, P: 0.3}, Weight: w,
			Delay: rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 25.5}, Key: r.Uint64(), Threads: 1 + trial%3}
		p, q := buildTwice(t, src, tgt, s, &packDelays)
		if !p.delays.packed || q.delays.packed || q.delays.short == nil {
			t.Fatalf("trial %d: packed %v / %v", trial, p.delays.packed, q.delays.packed)
		}
		if p.Len() != q.Len() || p.MaxDelay() != q.MaxDelay() || p.MinDelay() != q.MinDelay() {
			t.Fatalf("trial %d: %d synapses, delays %d..%d; unpacked %d, %d..%d", trial, p.Len(), p.MinDelay(), p.MaxDelay(), q.Len(), q.MinDelay(), q.MaxDelay())
		}
		for k := range p.Len() {
			if p.TargetAt(k) != q.TargetAt(k) || p.Delay(k) != q.Delay(k) {
				t.Fatalf("trial %d: synapse %d: target %d delay %d, unpacked %d %d", trial, k, p.TargetAt(k), p.Delay(k), q.TargetAt(k), q.Delay(k))
			}
		}
		if d := q.Bytes() - p.Bytes(); d != int64(p.Len()) {
			t.Errorf("trial %d: packing saved %d bytes for %d synapses", trial, d, p.Len())
		}
		tgt.SetSlots(p.MaxDelay() + 1)
		var spikes []int32
		for i := range ns {
			if r.IntN(4) == 0 {
				spikes = append(spikes, int32(i))
			}
		}
		bounds := []int{0, r.IntN(nt + 1), nt}
		slices.Sort(bounds)
		deliver := func(x *Projection, how string) ([]float32, int64) {
			return deliverBy(t, x, how, 7, spikes, bounds, perRow)
		}
		for _, how := range []string{"whole", "parts", "ranges"} {
			want, wantEv := deliver(q, how)
			got, ev := deliver(p, how)
			if ev != wantEv {
				t.Fatalf("trial %d, %s: %d events, want %d", trial, how, ev, wantEv)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d, %s: ring[%d] = %v, want %v", trial, how, i, got[i], want[i])
				}
			}
		}
		// Row unpacks: the same rows as the unpacked projection's.
		for i := range ns {
			row, first := p.Row(i)
			want, wfirst := q.Row(i)
			if first != wfirst || !slices.Equal(row, want) {
				t.Fatalf("trial %d: row %d differs after unpacking", trial, i)
			}
		}
		if p.delays.packed || p.Bytes() != q.Bytes() {
			t.Fatalf("trial %d: still packed after Row (%d bytes, want %d)", trial, p.Bytes(), q.Bytes())
		}
		want, _ := deliver(q, "parts")
		got, _ := deliver(p, "parts")
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: delivery differs after unpacking", trial)
		}
	}
}

// TestPackedLimits: no packing for delays beyond one byte, for a target
// population above 2^24 neurons (the rule, checked without building one),
// or when packing is off; the estimate follows.
func TestPackedLimits(t *testing.T) {
	a := pop(t, "a", neuron.Excitatory, 300)
	long := Spec{Conn: Conn{Rule: FixedIndegree, K: 20}, Weight: rng.Const(1), Delay: rng.Dist{Kind: rng.Uniform, Low: 1, High: 30}, Key: 1}
	p, err := New(a, a, long)
	if err != nil {
		t.Fatal(err)
	}
	if p.delays.packed || p.delays.long == nil {
		t.Fatalf("delays up to 300 steps: packed %v, long %v", p.delays.packed, p.delays.long != nil)
	}
	short := long
	short.Delay = rng.Dist{Kind: rng.Uniform, Low: 1, High: 20}
	for _, tc := range []struct {
		plastic bool
		nt      int
		want    float64
	}{{false, 300, 4}, {false, maxPackedTargets, 4}, {false, maxPackedTargets + 1, 5}, {true, 300, 4 + 4 + 1 + 8}} {
		if got := short.BytesPerSynapse(tc.plastic, 0.1, tc.nt); got != tc.want {
			t.Errorf("BytesPerSynapse(plastic %v, %d targets) = %g, want %g", tc.plastic, tc.nt, got, tc.want)
		}
	}
}

// TestLowerBoundUnsigned: the binary search compares stored targets as
// unsigned, so packed targets of 2^23 and more (top bit set) order right.
func TestLowerBoundUnsigned(t *testing.T) {
	var row []int32
	for _, tg := range []uint32{5, 1 << 22, 1<<23 - 1, 1 << 23, 1<<23 + 9, 1<<24 - 1} {
		row = append(row, int32(tg<<packShift|200))
	}
	for i, bound := range []int{0, 6, 1 << 22, 1 << 23, 1<<23 + 9, 1<<24 - 1, 1 << 24} {
		want := int64(slices.IndexFunc(row, func(x int32) bool { return int(uint32(x)>>packShift) >= bound }))
		if want < 0 {
			want = int64(len(row))
		}
		if got := lowerBound(row, 0, int64(len(row)), bound<<packShift); got != want {
			t.Errorf("case %d: lowerBound(%d) = %d, want %d", i, bound, got, want)
		}
	}
}

// TestFixedDelays: delivery onto a loihi_lif population through synapses
// with their own integer weights and delays, packed or not, or with one
// delay and two- or four-byte targets, adds each synapse's signed weight
// into the slot of its arrival step, as a direct loop over the synapses does.
func TestFixedDelays(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2))
	for trial := range 6 {
		ns, nt := 40+r.IntN(100), 1+r.IntN(200)
		src := pop(t, "S", neuron.Identity(1+trial%2), ns)
		for _, v := range []struct {
			name  string
			delay rng.Dist
			opt   *bool
			on    bool
		}{
			{"packed", rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 3}, &packDelays, true},
			{"unpacked", rng.Dist{Kind: rng.Uniform, Low: 0.1, High: 3}, &packDelays, false},
			{"two-byte", rng.Const(2), &narrowTargets, true},
			{"four-byte", rng.Const(2), &narrowTargets, false},
		} {
			tgt, err := neuron.NewLoihiLIF("T", neuron.Excitatory, nt, neuron.FixedParams{Du: 100, Dv: 100, Vth: 100}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			w := rng.Dist{Kind: rng.Uniform, Low: 1, High: 200}
			if trial%3 == 2 {
				w = rng.Const(77)
			}
			*v.opt = v.on
			p, err := New(src, tgt, Spec{Name: "p", Conn: Conn{Rule: FixedProbability, P: 0.3}, Weight: w,
				Delay: v.delay, Key: uint64(trial)})
			*v.opt = true
			if err != nil {
				t.Fatal(err)
			}
			if p.delays.packed != (v.name == "packed") || (p.narrow != nil) != (v.name == "two-byte") {
				t.Fatalf("trial %d, %s: packed %v, two-byte %v", trial, v.name, p.delays.packed, p.narrow != nil)
			}
			tgt.SetSlots(p.MaxDelay() + 1)
			var spikes []int32
			for i := range ns {
				if r.IntN(3) == 0 {
					spikes = append(spikes, int32(i))
				}
			}
			ring := p.fin.Ring()
			slots := int64(len(ring) / nt)
			want := make([]int32, len(ring))
			for _, step := range []int64{0, 5, 123} {
				clear(ring)
				clear(want)
				p.Deliver(step, spikes, perRow)
				for _, i := range spikes {
					for k := p.rowPtr[i]; k < p.rowPtr[i+1]; k++ {
						q := p.fixedC
						if p.fixedW != nil {
							q = p.fixedW[k]
						}
						want[(step+int64(p.Delay(int(k))))%slots*int64(nt)+int64(p.TargetAt(int(k)))] += q
					}
				}
				if !slices.Equal(ring, want) {
					t.Fatalf("trial %d, %s, step %d: the accumulators differ from the direct loop", trial, v.name, step)
				}
			}
		}
	}
}
