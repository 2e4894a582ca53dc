package synapse

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"dalesim/internal/rng"
	"dalesim/neuron"
)

// Rule names a connectivity rule.
type Rule string

// The connectivity rules.
const (
	FixedProbability Rule = "fixed_probability"
	FixedIndegree    Rule = "fixed_indegree"
	FixedOutdegree   Rule = "fixed_outdegree"
	OneToOne         Rule = "one_to_one"
	AllToAll         Rule = "all_to_all"
	List             Rule = "list"
)

// Conn says which synapses a projection has.
type Conn struct {
	Rule      Rule
	P         float64 // fixed_probability
	K         int     // fixed_indegree, fixed_outdegree
	Autapses  bool    // allow i -> i when source and target are one population
	Multapses bool    // allow a pair more than once (fixed_indegree, fixed_outdegree)
	Pairs     []Pair  // list
}

// Pair is one synapse of an explicit list. A NaN Weight or DelayMS takes the
// projection's weight distribution or delay.
type Pair struct {
	Pre, Post int32
	Weight    float64
	DelayMS   float64
}

// Spec is everything needed to build a projection.
type Spec struct {
	Name   string
	Conn   Conn
	Weight rng.Dist // magnitudes, in the target model's weight unit
	Delay  rng.Dist // ms; a non-constant distribution gives per-synapse delays
	Key    uint64   // random stream of this projection (see rng.Key)
	// Fixed sets the integer weights of a projection onto a loihi_lif
	// population (nil there: 8 bits, exponent 0); others must leave it nil.
	Fixed *FixedWeights
	// TargetLo, TargetHi restrict the projection to the synapses onto
	// targets [TargetLo, TargetHi) (TargetHi == 0: every target), as a rank
	// of a distributed network holds them: the same synapses, weights and
	// delays as the whole projection's onto those targets, in the same order,
	// with global target indices. Rules drawn per source row (and the weights
	// and delays, drawn per row) still draw every row and keep the local
	// part; fixed_indegree draws only the local targets' sources unless
	// weights or delays are drawn (they then count the earlier targets' draws).
	TargetLo, TargetHi int
	// Threads is the number of goroutines that may draw the synapses (<= 1:
	// one); the projection is the same for every value.
	Threads int
}

// restricted reports whether the spec keeps only some targets of nt.
func (s *Spec) restricted(nt int) bool {
	return s.TargetHi != 0 && (s.TargetLo > 0 || s.TargetHi < nt)
}

// narrowTargets selects two-byte targets (see narrows); tests turn it off
// to compare.
var narrowTargets = true

// maxNarrowTargets is the largest target population whose indices fit in
// two bytes.
const maxNarrowTargets = 1 << 16

// narrows reports whether a projection of spec s onto nt neurons stores its
// targets in two bytes each instead of four: when every index fits, when
// its synapses share one delay (per-synapse delays are packed with four-byte
// targets, see delays), and when it is not an explicit list or a target
// range whose rows are drawn whole first (those are built as int32).
// Delivery reads half the bytes; Row, Targets, the plasticity rules and the
// backward index widen the targets to int32 for good (TargetAt does not).
func (s *Spec) narrows(nt int) bool {
	if !narrowTargets || nt > maxNarrowTargets || !s.Delay.IsConstant() || s.Conn.Rule == List {
		return false
	}
	// A target range keeps whole rows (keptRows, int32) except for
	// fixed_indegree with one weight and one delay, which draws only its
	// targets' sources.
	return !s.restricted(nt) || (s.Conn.Rule == FixedIndegree && s.Weight.IsConstant())
}

// MaxDelaySteps is the longest delay a synapse can have, in steps.
const MaxDelaySteps = math.MaxUint16

// MaxSynapses is the largest number of synapses of one projection.
const MaxSynapses = math.MaxInt32

// Validate checks a spec against its source and target populations; the
// error names the projection, the field, the value and the rule.
func (s *Spec) Validate(src, tgt *neuron.Population) error {
	errf := func(format string, a ...any) error {
		return fmt.Errorf("projection %q: "+format, append([]any{s.Name}, a...)...)
	}
	if !tgt.Receives() {
		return errf("target = %q: a %s population takes no input", tgt.Name(), tgt.Model())
	}
	if err := s.Weight.Validate(true); err != nil {
		return errf("weight: %v", err)
	}
	if s.Fixed != nil && !tgt.Model().IsFixed() {
		return errf("weight_bits/weight_exp: only projections onto loihi_lif populations have integer weights")
	}
	if tgt.Model().IsFixed() && s.Weight.IsConstant() {
		if w := s.Weight.Sample(nil, true); w != math.Round(w) || w > MaxFixedWeight {
			return errf("weight = %g: onto loihi_lif population %q it must be an integer in [0, %d] (an 8-bit magnitude; scale with weight_exp)", w, tgt.Name(), MaxFixedWeight)
		}
	}
	if err := s.Delay.Validate(true); err != nil {
		return errf("delay: %v", err)
	}
	dt := tgt.Dt()
	if err := checkDelaySteps(s.Delay, dt); err != nil {
		return errf("%v", err)
	}
	ns, nt := src.Len(), tgt.Len()
	c := &s.Conn
	switch c.Rule {
	case FixedProbability:
		if !(c.P >= 0 && c.P <= 1) {
			return errf("connectivity.p = %g: must be a probability in [0, 1]", c.P)
		}
	case FixedIndegree, FixedOutdegree:
		if c.K < 0 {
			return errf("connectivity.k = %d: must be >= 0", c.K)
		}
		pool := ns
		if c.Rule == FixedOutdegree {
			pool = nt
		}
		if !c.Autapses && src == tgt {
			pool--
		}
		if !c.Multapses && c.K > pool {
			return errf("connectivity.k = %d: without multapses k must be at most %d (the number of candidate partners)", c.K, pool)
		}
		if c.K > 0 && pool <= 0 {
			return errf("connectivity.k = %d: there is no candidate partner", c.K)
		}
	case OneToOne:
		if ns != nt {
			return errf("connectivity.rule = one_to_one: source %q has %d neurons and target %q has %d; they must match", src.Name(), ns, tgt.Name(), nt)
		}
	case AllToAll:
	case List:
		for i, pr := range c.Pairs {
			if pr.Pre < 0 || int(pr.Pre) >= ns {
				return errf("connection %d: pre = %d: must be in [0, %d) (size of %q)", i+1, pr.Pre, ns, src.Name())
			}
			if pr.Post < 0 || int(pr.Post) >= nt {
				return errf("connection %d: post = %d: must be in [0, %d) (size of %q)", i+1, pr.Post, nt, tgt.Name())
			}
			if !math.IsNaN(pr.Weight) && !(pr.Weight >= 0 && !math.IsInf(pr.Weight, 0)) {
				return errf("connection %d: weight = %g: must be a finite magnitude >= 0 (the sign comes from the source population %q, %s)", i+1, pr.Weight, src.Name(), src.Identity())
			}
			if !math.IsNaN(pr.DelayMS) && !(math.Round(pr.DelayMS/dt) >= 1 && pr.DelayMS/dt <= MaxDelaySteps) {
				return errf("connection %d: delay_ms = %g: must be between one time step (%g ms) and %d steps", i+1, pr.DelayMS, dt, MaxDelaySteps)
			}
		}
	case "":
		return errf("connectivity.rule is missing (want fixed_probability, fixed_indegree, fixed_outdegree, one_to_one, all_to_all or list)")
	default:
		return errf("connectivity.rule = %q: unknown (want fixed_probability, fixed_indegree, fixed_outdegree, one_to_one, all_to_all or list)", c.Rule)
	}
	if n := EstimateSynapses(c, ns, nt); n > MaxSynapses {
		return errf("about %.3g synapses: a projection holds at most %d; split it", n, MaxSynapses)
	}
	return nil
}

// checkDelaySteps checks that delays drawn from d are at least one step
// of dt and at most MaxDelaySteps.
func checkDelaySteps(d rng.Dist, dt float64) error {
	if d.Kind == rng.Constant || d.Kind == rng.Uniform {
		lo := d.Value
		if d.Kind == rng.Uniform {
			lo = d.Low
		}
		if math.Round(lo/dt) < 1 {
			return fmt.Errorf("delay_ms = %g: must be at least one time step (dt = %g ms); a spike acts in the step after it is emitted at the earliest", lo, dt)
		}
	}
	hi := d.MeanValue()
	if d.Kind == rng.Uniform {
		hi = d.High // every draw must fit, not just the mean
	}
	if math.Round(hi/dt) > MaxDelaySteps {
		return fmt.Errorf("delay_ms = %g: must be at most %d steps (%g ms at dt = %g ms)", hi, MaxDelaySteps, MaxDelaySteps*dt, dt)
	}
	return nil
}

// EstimateSynapses returns the expected number of synapses of a rule.
func EstimateSynapses(c *Conn, ns, nt int) float64 {
	switch c.Rule {
	case FixedProbability:
		return c.P * float64(ns) * float64(nt)
	case FixedIndegree:
		return float64(c.K) * float64(nt)
	case FixedOutdegree:
		return float64(c.K) * float64(ns)
	case OneToOne:
		return float64(ns)
	case AllToAll:
		return float64(ns) * float64(nt)
	case List:
		return float64(len(c.Pairs))
	}
	return 0
}

// BytesPerSynapse estimates the memory of one synapse of a spec whose
// target population has nt neurons and time step dt (ms).
func (s *Spec) BytesPerSynapse(plastic bool, dt float64, nt int) float64 {
	b := 4.0 // target
	if !plastic && s.narrows(nt) {
		b = 2 // (plasticity widens them)
	}
	if !s.Weight.IsConstant() || s.Conn.Rule == List || plastic {
		b += 4
	}
	switch {
	case s.Delay.IsConstant(): // (a list's own delays are not known here)
	case s.Conn.Rule == List:
		b += 2 // at most: the list's delays may fit in a byte
	case maxDelaySteps(s.Delay, nil, dt) <= math.MaxUint8:
		if plastic || !packs(nt) {
			b++ // else packed with the targets (see delays)
		}
	default:
		b += 2
	}
	if plastic {
		b += 4 + 4 // backward index and a trace or scratch value
	}
	return b
}

// maxDelaySteps bounds the delays in steps that a distribution d (ms) and
// the list delays listD (NaN: drawn from d) can give at step dt: a uniform
// distribution's upper end, a constant's value, MaxDelaySteps for the
// unbounded ones.
func maxDelaySteps(d rng.Dist, listD []float64, dt float64) int {
	steps := func(ms float64) int { return delaySteps(ms, dt) }
	m, fromDist := 0, len(listD) == 0
	for _, v := range listD {
		if math.IsNaN(v) {
			fromDist = true
		} else {
			m = max(m, steps(v))
		}
	}
	if fromDist {
		switch {
		case d.IsConstant():
			m = max(m, steps(d.Sample(nil, true)))
		case d.Kind == rng.Uniform:
			m = max(m, steps(d.High))
		default:
			m = MaxDelaySteps
		}
	}
	return m
}

// delaySteps converts a delay in ms to steps of dt: rounded, at least 1,
// at most MaxDelaySteps (clamped as a float: a huge draw gives the maximum,
// not 1).
func delaySteps(ms, dt float64) int { return int(min(max(math.Round(ms/dt), 1), MaxDelaySteps)) }

// stream tags
const (
	tagRows = iota + 1
	tagCols
	tagWeights
	tagDelays
)

// New builds the projection described by s from src to tgt.
func New(src, tgt *neuron.Population, s Spec) (*Projection, error) {
	if err := s.Validate(src, tgt); err != nil {
		return nil, err
	}
	if s.Name == "" {
		s.Name = src.Name() + "->" + tgt.Name()
	}
	p := &Projection{name: s.Name, src: src, tgt: tgt}
	ns, nt := src.Len(), tgt.Len()
	same := src == tgt
	c := &s.Conn
	var listW, listD []float64
	if s.TargetHi != 0 && (s.TargetLo < 0 || s.TargetLo > s.TargetHi || s.TargetHi > nt) {
		return nil, fmt.Errorf("projection %q: target range [%d, %d) outside [0, %d)", s.Name, s.TargetLo, s.TargetHi, nt)
	}
	lo, hi := 0, nt
	if s.restricted(nt) {
		lo, hi = s.TargetLo, s.TargetHi
	}
	var skip []int32 // with a target range: per row, the synapses before the kept ones
	if lo > 0 || hi < nt {
		skip = make([]int32, ns)
	}
	// The targets array is allocated once at about its final length (the
	// expected count plus six standard deviations of a binomial count), not
	// grown by appending, which would leave up to half of it unused.
	mean := EstimateSynapses(c, ns, nt) * float64(hi-lo) / float64(max(nt, 1))
	narrow := s.narrows(nt)
	rows := func(n int, gen func(i int, row []int32) []int32) {
		switch {
		case skip != nil:
			// keptRows holds a whole row before it keeps its part.
			row := 2*EstimateSynapses(c, ns, nt)/float64(max(ns, 1)) + 16
			p.rowPtr, p.targets = keptRows(n, slack(mean)+int(min(row, MaxSynapses)), gen, lo, hi, skip)
		case narrow:
			p.rowPtr, p.narrow = rows[uint16](n, mean, s.Threads, gen)
		default:
			p.rowPtr, p.targets = rows[int32](n, mean, s.Threads, gen)
		}
	}
	switch c.Rule {
	case FixedProbability:
		lnq := math.Log1p(-c.P) // (c.P == 1: -Inf, every Geometric draw 0)
		rows(ns, func(i int, row []int32) []int32 {
			if c.P == 0 {
				return row
			}
			st := rng.NewStream(rng.Key(s.Key, tagRows, uint64(i)))
			for j := st.GeometricLn(lnq); j < nt; j += 1 + st.GeometricLn(lnq) {
				if same && !c.Autapses && j == i {
					continue
				}
				row = append(row, int32(j))
			}
			return row
		})
	case FixedOutdegree:
		rows(ns, func(i int, row []int32) []int32 {
			st := rng.NewStream(rng.Key(s.Key, tagRows, uint64(i)))
			excl := -1
			if same && !c.Autapses {
				excl = i
			}
			start := len(row) // row holds every earlier row too
			row = drawK(st, row, c.K, nt, excl, c.Multapses)
			sortInt32(row[start:])
			return row
		})
	case FixedIndegree:
		if skip != nil && s.Weight.IsConstant() && s.Delay.IsConstant() {
			skip = nil // no per-row draws to replay
		}
		if narrow {
			p.rowPtr, p.narrow = fixedIndegree[uint16](c, s.Key, ns, lo, hi, same, skip, s.Threads)
		} else {
			p.rowPtr, p.targets = fixedIndegree[int32](c, s.Key, ns, lo, hi, same, skip, s.Threads)
		}
	case OneToOne:
		rows(ns, func(i int, row []int32) []int32 { return append(row, int32(i)) })
	case AllToAll:
		rows(ns, func(i int, row []int32) []int32 {
			for j := 0; j < nt; j++ {
				if !(same && !c.Autapses && j == i) {
					row = append(row, int32(j))
				}
			}
			return row
		})
	case List:
		p.rowPtr, p.targets, listW, listD = fromList(c.Pairs, ns)
		if skip != nil {
			p.rowPtr, p.targets, listW, listD = keepList(p.rowPtr, p.targets, listW, listD, lo, hi, skip)
		}
	}
	if narrow {
		p.runFirst = runFirsts(p.rowPtr, p.narrow)
	} else {
		p.runFirst = runFirsts(p.rowPtr, p.targets)
	}
	p.setWeights(&s, listW, skip)
	p.setDelays(&s, listD, skip)
	if tgt.Model().IsFixed() {
		f := FixedWeights{Bits: 8}
		if s.Fixed != nil {
			f = *s.Fixed
		}
		if err := p.setFixed(f); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// fixedIndegree draws the c.K sources of each target in [lo, hi) and lays
// them out as CSR by source, each row's targets ascending. It draws twice
// (the streams are counter-based, so a second draw costs only arithmetic):
// once to count each source's synapses, once to write each into its row, so
// that it holds no per-synapse array beside the result. The targets are cut
// into one contiguous chunk per worker (threads), each with its own counts;
// the part of a row drawn by chunk w follows those of the chunks before it,
// so the arrays are the same for every number of threads. With skip, it
// also draws the targets before lo and counts, per source, their synapses
// into skip.
func fixedIndegree[T int32 | uint16](c *Conn, key uint64, ns, lo, hi int, same bool, skip []int32, threads int) ([]int64, []T) {
	draw := func(j int, col []int32) []int32 {
		st := rng.StreamAt(rng.Key(key, tagCols, uint64(j)), 0)
		excl := -1
		if same && !c.Autapses {
			excl = j
		}
		return drawK(&st, col[:0], c.K, ns, excl, c.Multapses)
	}
	if skip != nil {
		var col []int32
		for j := 0; j < lo; j++ {
			col = draw(j, col)
			for _, i := range col {
				skip[i]++
			}
		}
	}
	// At least minChunk targets per worker: below that the counts cost more
	// than the draws.
	const minChunk = 4096
	w := max(1, min(threads, (hi-lo)/minChunk))
	cur := make([][]int64, w) // per chunk: counts, then the next free slot of each row
	chunk := func(k int) (int, int) { return lo + (hi-lo)*k/w, lo + (hi-lo)*(k+1)/w }
	parallel(w, func(k int) {
		cnt := make([]int64, ns)
		var col []int32
		a, b := chunk(k)
		for j := a; j < b; j++ {
			col = draw(j, col)
			for _, i := range col {
				cnt[i]++
			}
		}
		cur[k] = cnt
	})
	rowPtr := make([]int64, ns+1)
	var off int64
	for i := range ns {
		rowPtr[i] = off
		for k := range w {
			n := cur[k][i]
			cur[k][i] = off
			off += n
		}
	}
	rowPtr[ns] = off
	targets := makeHuge[T](int(off))
	parallel(w, func(k int) {
		next := cur[k]
		var col []int32
		var touch int32
		a, b := chunk(k)
		for j := a; j < b; j++ {
			col = draw(j, col)
			for t, i := range col {
				// Rows are written in random order, so nearly every write
				// misses the cache; reading the slot placeAhead synapses
				// ahead lets those misses overlap (a write that misses
				// holds up the writes behind it, a read does not).
				if t+placeAhead < len(col) {
					touch ^= int32(targets[next[col[t+placeAhead]]])
				}
				targets[next[i]] = T(j)
				next[i]++
			}
		}
		sink.Add(touch)
	})
	return rowPtr, targets
}

// placeAhead is how far ahead fixedIndegree's placement touches the slot
// it will write (a prefetch in plain Go): 16 to 64 gave the same speed.
const placeAhead = 32

// sink keeps the compiler from dropping the reads that prefetch.
var sink atomic.Int32

// parallel runs f(0), ..., f(n-1) on n goroutines and waits for them.
func parallel(n int, f func(k int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { f(k) })
	}
	wg.Wait()
}

// keptRows is rows keeping only the synapses onto targets [lo, hi) of each
// row (whose targets are ascending); skip[i] gets the number of row i's
// synapses before them.
func keptRows(n, hint int, gen func(i int, row []int32) []int32, lo, hi int, skip []int32) ([]int64, []int32) {
	ptr := make([]int64, n+1)
	all := make([]int32, 0, hint)
	for i := 0; i < n; i++ {
		start := int64(len(all))
		all = gen(i, all)
		a := lowerBound(all, start, int64(len(all)), lo)
		b := lowerBound(all, a, int64(len(all)), hi)
		skip[i] = int32(a - start)
		all = append(all[:start], all[a:b]...)
		ptr[i+1] = int64(len(all))
	}
	return ptr, all
}

// keepList restricts the CSR arrays of a list (rows sorted by target) to
// targets [lo, hi), setting skip as keptRows.
func keepList(ptr []int64, t []int32, w, d []float64, lo, hi int, skip []int32) ([]int64, []int32, []float64, []float64) {
	n := len(ptr) - 1
	out := make([]int64, n+1)
	var k int64
	for i := 0; i < n; i++ {
		a := lowerBound(t, ptr[i], ptr[i+1], lo)
		b := lowerBound(t, a, ptr[i+1], hi)
		skip[i] = int32(a - ptr[i])
		for m := a; m < b; m++ {
			t[k], w[k], d[k] = t[m], w[m], d[m]
			k++
		}
		out[i+1] = k
	}
	return out, t[:k:k], w[:k:k], d[:k:k]
}

// fromList returns the CSR arrays of a list of connections (sorted by
// source, then target, stably) and each connection's weight and delay (NaN:
// the spec's distribution).
func fromList(list []Pair, ns int) (rowPtr []int64, targets []int32, weights, delaysMS []float64) {
	pairs := append([]Pair(nil), list...)
	sort.SliceStable(pairs, func(a, b int) bool {
		if pairs[a].Pre != pairs[b].Pre {
			return pairs[a].Pre < pairs[b].Pre
		}
		return pairs[a].Post < pairs[b].Post
	})
	pre := make([]int32, len(pairs))
	targets = makeHuge[int32](len(pairs))
	weights, delaysMS = make([]float64, len(pairs)), make([]float64, len(pairs))
	for k, pr := range pairs {
		pre[k] = pr.Pre
		targets[k] = pr.Post
		weights[k], delaysMS[k] = pr.Weight, pr.DelayMS
	}
	return csrOffsets(ns, pre), targets, weights, delaysMS
}

// csrOffsets returns the CSR row offsets of elements whose rows are given
// (each in [0, n)): row i holds off[i+1]-off[i] elements, starting at off[i].
// It counts each row's elements, then sums the counts.
func csrOffsets(n int, row []int32) []int64 {
	off := make([]int64, n+1)
	for _, i := range row {
		off[i+1]++
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	return off
}

// groupByRow sorts elements by row with a stable counting sort: off as
// csrOffsets, and order[off[i]:off[i+1]] the indices k of row i's elements
// (row[k] == i), ascending.
func groupByRow(n int, row []int32) (off []int64, order []int32) {
	off = csrOffsets(n, row)
	order = make([]int32, len(row))
	next := append([]int64(nil), off[:n]...)
	for k, i := range row {
		order[next[i]] = int32(k)
		next[i]++
	}
	return off, order
}

// rowChunks is the number of workers for per-row work on n rows holding
// about mean synapses in all: at most threads, with at least minChunkRows
// rows and minChunkSynapses synapses each (below that a goroutine costs
// more than it saves).
func rowChunks(n int, mean float64, threads int) int {
	const minChunkRows, minChunkSynapses = 1024, 1 << 16
	return max(1, min(threads, n/minChunkRows, int(mean/minChunkSynapses)))
}

// chunkOf returns rows [a, b) of chunk k of w over n rows.
func chunkOf(n, w, k int) (int, int) { return n * k / w, n * (k + 1) / w }

// slack returns the room for a binomial-like count of mean m: the mean
// plus six standard deviations (and a little for small counts).
func slack(m float64) int { return int(min(m+6*math.Sqrt(m)+16, MaxSynapses)) }

// rows builds CSR arrays from a row generator, which appends row i to the
// slice it is given (for T = int32 the earlier rows of its chunk, written in
// place; for uint16 an empty scratch row, copied narrowed); mean is the expected
// number of synapses. The rows are cut into rowChunks contiguous chunks
// drawn in parallel, each into its own region of one array (room for its
// expected count plus six standard deviations), which are then moved
// together; the arrays are the same for every number of threads, since a
// row's draws depend only on its index.
func rows[T int32 | uint16](n int, mean float64, threads int, gen func(i int, row []int32) []int32) ([]int64, []T) {
	w := rowChunks(n, mean, threads)
	start := make([]int, w+1) // region of chunk k: all[start[k]:start[k+1]]
	for k := range w {
		a, b := chunkOf(n, w, k)
		start[k+1] = start[k] + slack(mean*float64(b-a)/float64(max(n, 1)))
	}
	ptr := make([]int64, n+1)
	all := makeHuge[T](start[w])
	part := make([][]T, w)
	parallel(w, func(k int) {
		buf := all[start[k]:start[k]:start[k+1]]
		direct, wide := any(&buf).(*[]int32) // int32: gen appends to buf itself
		var row []int32
		a, b := chunkOf(n, w, k)
		for i := a; i < b; i++ {
			if wide {
				*direct = gen(i, *direct)
			} else {
				row = gen(i, row[:0])
				for _, t := range row {
					buf = append(buf, T(t))
				}
			}
			ptr[i+1] = int64(len(buf)) // within the chunk for now
		}
		part[k] = buf
	})
	// Move the chunks together, in place unless one outgrew its region
	// (about one chance in 10^9): its rows then live in an array of their
	// own, and the chunks are copied into an exact new one.
	out := all
	for k := range w {
		if len(part[k]) > start[k+1]-start[k] {
			total := 0
			for _, p := range part {
				total += len(p)
			}
			out = makeHuge[T](total)
			break
		}
	}
	off := 0
	for k := range w {
		copy(out[off:], part[k]) // memmove: the destination never passes the source
		a, b := chunkOf(n, w, k)
		for i := a; i < b; i++ {
			ptr[i+1] += int64(off)
		}
		off += len(part[k])
	}
	return ptr, out[:off]
}

// drawK appends k distinct-or-not indices from [0, n) \ {excl}.
func drawK(st *rng.Stream, out []int32, k, n, excl int, multapses bool) []int32 {
	m := n
	if excl >= 0 {
		m--
	}
	if multapses {
		start := len(out)
		out = st.AppendIntn(out, k, m)
		if excl >= 0 {
			for t, j := range out[start:] {
				if int(j) >= excl {
					out[start+t] = j + 1
				}
			}
		}
		return out
	}
	// Floyd's algorithm: k distinct values with k draws.
	seen := make(map[int32]struct{}, k)
	for t := m - k; t < m; t++ {
		j := st.Intn(t + 1)
		v := int32(j)
		if _, ok := seen[v]; ok {
			v = int32(t)
		}
		seen[v] = struct{}{}
	}
	start := len(out)
	for v := range seen {
		if excl >= 0 && int(v) >= excl {
			v++
		}
		out = append(out, v)
	}
	sortInt32(out[start:])
	return out
}

func sortInt32(s []int32) { sort.Slice(s, func(a, b int) bool { return s[a] < s[b] }) }

// setWeights draws the weights row by row; skip (nil: none) is, per row,
// the number of draws of synapses that are not kept, which are discarded.
func (p *Projection) setWeights(s *Spec, listW []float64, skip []int32) {
	allFromDist := true
	for _, w := range listW {
		if !math.IsNaN(w) {
			allFromDist = false
			break
		}
	}
	if s.Weight.IsConstant() && allFromDist {
		p.constW = float32(s.Weight.Sample(nil, true))
		return
	}
	p.weights = makeHuge[float32](p.Len())
	p.eachRow(s.Threads, func(i int, a, b int64) {
		st := rng.NewStream(rng.Key(s.Key, tagWeights, uint64(i)))
		if skip != nil {
			for range skip[i] {
				s.Weight.Sample(st, true)
			}
		}
		for k := a; k < b; k++ {
			w := s.Weight.Sample(st, true)
			if listW != nil && !math.IsNaN(listW[k]) {
				w = listW[k]
			}
			p.weights[k] = float32(w)
		}
	})
}

// eachRow calls f(i, a, b) for every non-empty row i, whose synapses are
// [a, b), on rowChunks workers of contiguous rows.
func (p *Projection) eachRow(threads int, f func(i int, a, b int64)) {
	ns := len(p.rowPtr) - 1
	w := rowChunks(ns, float64(p.Len()), threads)
	parallel(w, func(k int) {
		lo, hi := chunkOf(ns, w, k)
		for i := lo; i < hi; i++ {
			if a, b := p.rowPtr[i], p.rowPtr[i+1]; a < b {
				f(i, a, b)
			}
		}
	})
}

func (p *Projection) setDelays(s *Spec, listD []float64, skip []int32) {
	dt := p.tgt.Dt()
	steps := func(ms float64) int { return delaySteps(ms, dt) }
	allFromSpec := true
	for _, d := range listD {
		if !math.IsNaN(d) {
			allFromSpec = false
			break
		}
	}
	if s.Delay.IsConstant() && allFromSpec {
		p.delay = steps(s.Delay.Sample(nil, true))
		return
	}
	switch {
	case maxDelaySteps(s.Delay, listD, dt) > math.MaxUint8:
		p.delays.long = makeHuge[uint16](p.Len())
	case packs(p.tgt.Len()):
		p.delays.packed = true // set writes each delay into its target
	default:
		p.delays.short = makeHuge[uint8](p.Len())
	}
	p.eachRow(s.Threads, func(i int, a, b int64) {
		st := rng.NewStream(rng.Key(s.Key, tagDelays, uint64(i)))
		if skip != nil {
			for range skip[i] {
				s.Delay.Sample(st, true)
			}
		}
		for k := a; k < b; k++ {
			d := s.Delay.Sample(st, true)
			if listD != nil && !math.IsNaN(listD[k]) {
				d = listD[k]
			}
			p.setDelay(k, steps(d))
		}
	})
	p.delay = p.MaxDelay()
}
