package synapse

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"dalesim/internal/rng"
	"dalesim/neuron"
)

// referenceFixedIndegree draws each target's sources as fixedIndegree does
// and sorts the (source, target) pairs by source, stably: the CSR arrays
// that fixedIndegree must produce, whatever its number of threads.
func referenceFixedIndegree(c *Conn, key uint64, ns, nt int, same bool) ([]int64, []int32) {
	type pair struct{ src, tgt int32 }
	var all []pair
	for j := 0; j < nt; j++ {
		st := rng.NewStream(rng.Key(key, tagCols, uint64(j)))
		excl := -1
		if same && !c.Autapses {
			excl = j
		}
		for _, i := range drawK(st, nil, c.K, ns, excl, c.Multapses) {
			all = append(all, pair{i, int32(j)})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].src < all[b].src })
	ptr := make([]int64, ns+1)
	targets := make([]int32, len(all))
	for k, p := range all {
		ptr[p.src+1]++
		targets[k] = p.tgt
	}
	for i := range ns {
		ptr[i+1] += ptr[i]
	}
	return ptr, targets
}

// TestFixedIndegreeThreads: the two-pass, chunked build gives the reference
// arrays for every number of threads, with and without autapses and
// multapses, and for a rank's target range (with the counts of the
// earlier targets' synapses that per-row weights need).
func TestFixedIndegreeThreads(t *testing.T) {
	const ns, nt = 3000, 20000 // five chunks of at least 4096 targets at most
	for _, c := range []Conn{
		{Rule: FixedIndegree, K: 7, Multapses: true, Autapses: true},
		{Rule: FixedIndegree, K: 5},
		{Rule: FixedIndegree, K: 0},
	} {
		for _, same := range []bool{false, true} {
			n := nt
			if same {
				n = ns
			}
			wantPtr, wantT := referenceFixedIndegree(&c, 42, ns, n, same)
			for _, threads := range []int{1, 2, 3, 8} {
				ptr, tg := fixedIndegree[int32](&c, 42, ns, 0, n, same, nil, threads)
				if !slices.Equal(ptr, wantPtr) || !slices.Equal(tg, wantT) {
					t.Fatalf("%+v same=%v threads=%d: arrays differ from the reference", c, same, threads)
				}
				ptr, t16 := fixedIndegree[uint16](&c, 42, ns, 0, n, same, nil, threads)
				if !slices.Equal(ptr, wantPtr) || !slices.Equal(widen(t16), wantT) {
					t.Fatalf("%+v same=%v threads=%d: two-byte arrays differ from the reference", c, same, threads)
				}
			}
			// A target range [lo, hi): the reference's synapses onto it, and
			// per row the number before them.
			lo, hi := n/3, n/3+n/2
			skip := make([]int32, ns)
			ptr, tg := fixedIndegree[int32](&c, 42, ns, lo, hi, same, skip, 2)
			for i := range ns {
				row := wantT[wantPtr[i]:wantPtr[i+1]]
				a, _ := slices.BinarySearch(row, int32(lo))
				b, _ := slices.BinarySearch(row, int32(hi))
				if int(skip[i]) != a || !slices.Equal(tg[ptr[i]:ptr[i+1]], row[a:b]) {
					t.Fatalf("%+v same=%v: row %d of the range [%d, %d) differs (skip %d, want %d)", c, same, i, lo, hi, skip[i], a)
				}
			}
		}
	}
}

// TestProjectionBytes: Bytes counts the arrays a projection holds: 2 bytes a
// synapse (4 onto more than 65,536 targets) and 8 a row with one weight and
// delay; 4 more with per-synapse weights; with per-synapse delays 4 bytes
// of target, none more for delays of at most 255 steps (packed with the
// targets), 1 more when they are not packed, 2 with longer or unbounded
// ones; and fixed_probability's targets are allocated at about their final
// length. BytesPerSynapse (the memory estimate) agrees.
func TestProjectionBytes(t *testing.T) {
	a, b := pop(t, "a", neuron.Excitatory, 2000), pop(t, "b", neuron.Excitatory, 3000)
	big := pop(t, "big", neuron.Excitatory, maxNarrowTargets+1)
	for _, tc := range []struct {
		conn          Conn
		weight, delay rng.Dist
		perSyn        float64
		tgt           *neuron.Population
	}{
		{Conn{Rule: FixedIndegree, K: 100, Multapses: true}, rng.Const(1), rng.Const(1), 2, b},
		{Conn{Rule: FixedIndegree, K: 3, Multapses: true}, rng.Const(1), rng.Const(1), 4, big},
		{Conn{Rule: FixedProbability, P: 0.05}, rng.Const(1), rng.Const(1), 2, b},
		{Conn{Rule: FixedIndegree, K: 100, Multapses: true}, rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, rng.Const(1), 6, b},
		{Conn{Rule: FixedProbability, P: 0.05}, rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, rng.Dist{Kind: rng.Uniform, Low: 0.5, High: 2}, 8, b},
		{Conn{Rule: FixedProbability, P: 0.05}, rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, rng.Dist{Kind: rng.Uniform, Low: 0.5, High: 30}, 10, b},
		{Conn{Rule: FixedIndegree, K: 100, Multapses: true}, rng.Const(1), rng.Dist{Kind: rng.LogNormal, Mu: 0, Sigma: 0.3}, 6, b},
	} {
		p, err := New(a, tc.tgt, Spec{Conn: tc.conn, Weight: tc.weight, Delay: tc.delay, Key: 3, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		if est := (&Spec{Conn: tc.conn, Weight: tc.weight, Delay: tc.delay}).BytesPerSynapse(false, a.Dt(), tc.tgt.Len()); est != tc.perSyn {
			t.Errorf("%s onto %d: BytesPerSynapse %g, want %g", tc.conn.Rule, tc.tgt.Len(), est, tc.perSyn)
		}
		rows := 8 * float64(a.Len()+1)
		got := (float64(p.Bytes()) - rows) / float64(p.Len())
		if got < tc.perSyn || got > tc.perSyn*1.02 {
			t.Errorf("%s onto %d: %.3f bytes per synapse besides the row pointers, want %g (at most 2 %% more)", tc.conn.Rule, tc.tgt.Len(), got, tc.perSyn)
		}
	}
}

// TestRowRulesThreads: the rules drawn per source row, and per-synapse
// weights and delays, give the same projection for every number of threads
// (the rows are drawn in chunks in parallel).
func TestRowRulesThreads(t *testing.T) {
	a, b := pop(t, "a", neuron.Excitatory, 6000), pop(t, "b", neuron.Excitatory, 5000)
	c := pop(t, "c", neuron.Excitatory, 100)
	w := rng.Dist{Kind: rng.LogNormal, Mu: -1, Sigma: 0.5}
	d := rng.Dist{Kind: rng.Uniform, Low: 0.5, High: 3}
	for _, tc := range []struct {
		src, tgt *neuron.Population
		conn     Conn
	}{
		{b, a, Conn{Rule: FixedProbability, P: 0.03}},
		{a, a, Conn{Rule: FixedProbability, P: 0.03}}, // onto itself: no autapses
		{b, a, Conn{Rule: FixedOutdegree, K: 60}},
		{b, a, Conn{Rule: FixedOutdegree, K: 60, Multapses: true}},
		{b, c, Conn{Rule: AllToAll}},
	} {
		var want *Projection
		for _, threads := range []int{1, 2, 3, 8} {
			p, err := New(tc.src, tc.tgt, Spec{Conn: tc.conn, Weight: w, Delay: d, Key: 9, Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = p
				if n := rowChunks(len(p.rowPtr)-1, float64(p.Len()), 8); n < 3 {
					t.Fatalf("%+v: %d chunks with 8 threads: the test does not split the rows", tc.conn, n)
				}
				continue
			}
			if !slices.Equal(p.rowPtr, want.rowPtr) || !slices.Equal(p.targets, want.targets) || !slices.Equal(p.narrow, want.narrow) ||
				!slices.Equal(p.weights, want.weights) || !slices.Equal(p.delays.short, want.delays.short) ||
				!slices.Equal(p.delays.long, want.delays.long) {
				t.Fatalf("%+v: %d threads give another projection than 1", tc.conn, threads)
			}
		}
	}
}

// TestRowsOverflow: a chunk that draws more synapses than its region holds
// (the rare case beyond six standard deviations) still gives the rows of a
// sequential draw, as does one that draws fewer.
func TestRowsOverflow(t *testing.T) {
	const n, mean = 8192, 4 << 16 // four chunks of 2048 rows, 64 synapses a row
	for _, per := range []func(i int) int{
		func(i int) int { return 64 + 40*(i&1) }, // every chunk overflows
		func(i int) int {
			if i < n/4 {
				return 100 // the first chunk overflows
			}
			return 10
		},
		func(i int) int { return i % 64 }, // all fit, with room left
	} {
		gen := func(i int, row []int32) []int32 {
			for k := range per(i) {
				row = append(row, int32(i*7+k))
			}
			return row
		}
		wantPtr, wantT := rows[int32](n, mean, 1, gen)
		for _, threads := range []int{2, 4} {
			ptr, tg := rows[int32](n, mean, threads, gen)
			if !slices.Equal(ptr, wantPtr) || !slices.Equal(tg, wantT) {
				t.Fatalf("threads=%d: rows differ from the sequential draw", threads)
			}
			ptr, t16 := rows[uint16](n, mean, threads, gen)
			if !slices.Equal(ptr, wantPtr) || !slices.Equal(widen(t16), wantT) {
				t.Fatalf("threads=%d: two-byte rows differ from the sequential draw", threads)
			}
		}
	}
}

// BenchmarkBuildRows: fixed_probability (COBA's p = 0.02 on 20,000 neurons,
// 8e6 synapses) and fixed_indegree (K = 400), constant weight and delay, with
// 1 and 2 threads; reports synapses built per second.
func BenchmarkBuildRows(b *testing.B) {
	a := pop(b, "a", neuron.Excitatory, 20000)
	for _, c := range []Conn{{Rule: FixedProbability, P: 0.02}, {Rule: FixedIndegree, K: 400, Multapses: true}} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("rule=%s/threads=%d", c.Rule, threads), func(b *testing.B) {
				var n int
				for b.Loop() {
					p, err := New(a, a, Spec{Conn: c, Weight: rng.Const(1), Delay: rng.Const(1), Key: 5, Threads: threads})
					if err != nil {
						b.Fatal(err)
					}
					n = p.Len()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
			})
		}
	}
}

// TestDelayWidth: per-synapse delays take one byte up to 255 steps (here
// packed with the targets) and two beyond, and read back the same steps either way (the bound is the
// distribution's, not the draws').
func TestDelayWidth(t *testing.T) {
	a := pop(t, "a", neuron.Excitatory, 500) // dt 0.1 ms
	for _, tc := range []struct {
		high  float64
		short bool
	}{{25.5, true}, {25.6, false}} {
		p, err := New(a, a, Spec{Conn: Conn{Rule: FixedIndegree, K: 50}, Weight: rng.Const(1),
			Delay: rng.Dist{Kind: rng.Uniform, Low: 25.4, High: tc.high}, Key: 2})
		if err != nil {
			t.Fatal(err)
		}
		short := p.delays.short != nil || p.delays.packed
		if short != tc.short || (p.delays.long != nil) == tc.short {
			t.Fatalf("high %g ms: one byte %v, want %v", tc.high, short, tc.short)
		}
		want := int(math.Round(tc.high / 0.1))
		if p.MaxDelay() > want || p.MinDelay() < 254 {
			t.Fatalf("high %g ms: delays %d..%d steps, want 254..%d", tc.high, p.MinDelay(), p.MaxDelay(), want)
		}
		for k := range p.Len() {
			if d := p.Delay(k); d != int(p.delayAt(int64(k))) || d < 254 || d > want {
				t.Fatalf("high %g ms: synapse %d has delay %d", tc.high, k, d)
			}
		}
	}
}

// widen returns two-byte targets as int32.
func widen(t []uint16) []int32 {
	w := make([]int32, len(t))
	for k, x := range t {
		w[k] = int32(x)
	}
	return w
}
