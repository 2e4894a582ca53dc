package synapse

import (
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
				ptr, tg := fixedIndegree(&c, 42, ns, 0, n, same, nil, threads)
				if !slices.Equal(ptr, wantPtr) || !slices.Equal(tg, wantT) {
					t.Fatalf("%+v same=%v threads=%d: arrays differ from the reference", c, same, threads)
				}
			}
			// A target range [lo, hi): the reference's synapses onto it, and
			// per row the number before them.
			lo, hi := n/3, n/3+n/2
			skip := make([]int32, ns)
			ptr, tg := fixedIndegree(&c, 42, ns, lo, hi, same, skip, 2)
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

// TestProjectionBytes: Bytes counts the arrays a projection holds: 4 bytes a
// synapse and 8 a row with one weight and delay; 4 more with per-synapse
// weights, 2 more with per-synapse delays; and fixed_probability's targets
// are allocated at about their final length.
func TestProjectionBytes(t *testing.T) {
	a, b := pop(t, "a", neuron.Excitatory, 2000), pop(t, "b", neuron.Excitatory, 3000)
	for _, tc := range []struct {
		conn          Conn
		weight, delay rng.Dist
		perSyn        float64
	}{
		{Conn{Rule: FixedIndegree, K: 100, Multapses: true}, rng.Const(1), rng.Const(1), 4},
		{Conn{Rule: FixedIndegree, K: 100, Multapses: true}, rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, rng.Const(1), 8},
		{Conn{Rule: FixedProbability, P: 0.05}, rng.Dist{Kind: rng.Uniform, Low: 0, High: 1}, rng.Dist{Kind: rng.Uniform, Low: 0.5, High: 2}, 10},
	} {
		p, err := New(a, b, Spec{Conn: tc.conn, Weight: tc.weight, Delay: tc.delay, Key: 3, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		rows := 8 * float64(a.Len()+1)
		got := (float64(p.Bytes()) - rows) / float64(p.Len())
		if got < tc.perSyn || got > tc.perSyn*1.02 {
			t.Errorf("%s: %.3f bytes per synapse besides the row pointers, want %g (at most 2 %% more)", tc.conn.Rule, got, tc.perSyn)
		}
	}
}
