package network

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"dalesim/synapse"
)

// engine runs the fixed per-step schedule:
//  1. every population integrates its input and emits this step's spikes;
//  2. each population's spikes are delivered through its outgoing
//     projections into the targets' ring buffers (arrival step >= step+1).
//
// With T threads the neurons are shared among T workers (see cutLine): a
// worker steps its own neurons and makes every delivery into them, walking
// all spikes but adding only into its own targets. So every target receives
// its inputs in the same order whatever T is, the spikes are the same bit for
// bit, and the inputs a worker reads are the ones it wrote (they stay in its
// core's cache). The calling goroutine is worker 0.
//
// The workers are persistent goroutines that meet at a barrier (see barrier
// for why it spins). A step run alone (stepOnce: the caller looks at the
// network between steps) meets three times: start, spikes complete,
// deliveries complete. A run without monitors (run) meets once per step:
// a worker's neurons read only inputs that the worker itself delivered, so
// it steps them to s+1 as soon as it has delivered step s.
//
// The engine measures each worker's busy time and moves the cuts between
// the workers' neurons when one is consistently slower (balance), and it
// measures the wall time per step with all workers and with worker 0 alone
// and keeps the faster (check). Neither changes the results.
type engine struct {
	n      *Network
	t      int
	cost   [][]float64    // cost[pop][j]: cumulative cost of neurons 0..j (see neuronCosts)
	bounds [][]int        // bounds[pop][w]..bounds[pop][w+1]: worker w's neurons (multiples of 16)
	plan   [][]delivery   // plan[w]: worker w's deliveries, in the single-threaded order
	ws     []*workerState // per worker
	step   int64          // the (first) step being run (written by worker 0 before the start barrier)
	last   atomic.Int64   // the last step of a run (see run); < step: one step (stepOnce)
	quit   bool           // set by close before the start barrier
	bar    *barrier

	done <-chan struct{} // run's cancellation (worker 0 only)

	steps     int   // steps since the last check (see check)
	window    int   // steps between checks
	rebalance int   // number of rebalances made
	planned   int64 // ns spent planning (cuts, splits), for tests

	// One worker or all (see check).
	solo       bool          // worker 0 steps the network alone; the others wait at the start barrier
	wall       time.Duration // wall time of the steps since the last check
	perStep    [2]float64    // [solo]: the last measured wall time per step, ns (0: not measured)
	probing    bool          // this window tries the other mode
	checks     int           // checks made
	sinceProbe int           // steps since the last probe
	reprobe    int           // steps between probes
	probes     int           // probes made, for tests
}

// workerState is one worker's scratch: its spikes of the step per population,
// its event count and its busy time. Each worker's state is a separate
// allocation, padded so that two workers' fields never share a cache line.
type workerState struct {
	_      [64]byte
	bufs   [spikeBufs][][]int32 // [step % spikeBufs][population]: the spikes of the worker's neurons
	counts [spikeBufs][]int     // [step % spikeBufs][population]
	events int64
	busy   time.Duration // time spent stepping and delivering since the last check
	_      [64]byte
}

const chunkAlign = 16

// spikeBufs is the number of steps whose spikes a worker keeps: in a run,
// the spikes of step s-1 are merged and observed while other workers step
// their neurons to s+1.
const spikeBufs = 3

// slot returns the spike buffer of step.
func slot(step int64) int { return int(uint64(step) % spikeBufs) }

// Checks: the first after balanceWindow steps, then at doubling intervals
// up to maxBalanceWindow. A rebalance is made when the slowest worker would
// gain more than balanceGain of its time. After the third check (896
// steps, past the onset of most networks), and then at intervals that
// double from firstReprobe to maxReprobe steps, the other mode (one worker
// or all) is tried for probeWindow steps; it is kept if it was faster by
// more than soloGain.
const (
	balanceWindow    = 128
	maxBalanceWindow = 8192
	balanceGain      = 0.03
	probeWindow      = 128
	firstReprobe     = 4096
	maxReprobe       = 1 << 16
	soloGain         = 0.05
)

func newEngine(n *Network) *engine {
	e := &engine{n: n, t: max(n.threads, 1)}
	if len(n.pops) == 0 {
		e.t = 1 // nothing to share
	}
	if e.t == 1 {
		return e
	}
	e.cost = neuronCosts(n)
	speed := make([]float64, e.t)
	for w := range speed {
		speed[w] = 1
	}
	e.setBounds(cutLine(e.cost, speed))
	e.ws = make([]*workerState, e.t)
	for w := range e.ws {
		ws := &workerState{}
		for k := range ws.bufs {
			ws.bufs[k] = make([][]int32, len(n.pops))
			ws.counts[k] = padded[int](len(n.pops))
			for i, p := range n.pops {
				ws.bufs[k][i] = make([]int32, p.Len())
			}
		}
		e.ws[w] = ws
	}
	e.window = balanceWindow
	e.bar = newBarrier(e.t)
	for w := 1; w < e.t; w++ {
		go e.worker(w)
	}
	return e
}

// setBounds makes bounds the workers' neurons and plans the deliveries.
func (e *engine) setBounds(bounds [][]int) {
	t0 := time.Now()
	e.bounds = bounds
	for i, p := range e.n.pops {
		p.SetRanges(bounds[i])
	}
	e.plan = planDeliveries(e.n, bounds)
	e.planned += int64(time.Since(t0))
}

// padded returns a slice of n elements with a cache line of unused memory on
// either side, so that no other allocation shares its cache lines.
func padded[T any](n int) []T {
	var x T
	pad := max(64/max(int(unsafe.Sizeof(x)), 1), 1)
	return make([]T, n+2*pad)[pad : pad+n : pad+n]
}

// worker runs worker w's part of every step until close.
func (e *engine) worker(w int) {
	for {
		e.bar.wait() // start: e.step, e.last, the input slots and the plan are set
		if e.quit {
			return
		}
		if e.last.Load() >= e.step {
			e.pipeline(w, nil)
			continue
		}
		t0 := time.Now()
		e.update(w, e.step)
		t1 := time.Now()
		e.bar.wait() // every worker's spikes are complete
		t2 := time.Now()
		e.deliver(w, e.step)
		e.ws[w].busy += t1.Sub(t0) + time.Since(t2)
		e.bar.wait() // every delivery is complete
	}
}

// update steps worker w's neurons of every population to step.
func (e *engine) update(w int, step int64) {
	ws := e.ws[w]
	k := slot(step)
	for i, p := range e.n.pops {
		ws.counts[k][i] = 0
		if lo, hi := e.bounds[i][w], e.bounds[i][w+1]; lo < hi {
			ws.counts[k][i] = p.StepRange(step, lo, hi, e.n.impl, ws.bufs[k][i][:hi-lo])
		}
	}
}

// deliver makes worker w's deliveries of step. The spikes of a population
// are the workers' ranges in order (ascending).
func (e *engine) deliver(w int, step int64) {
	n := e.n
	k := slot(step)
	var ev int64
	for _, d := range e.plan[w] {
		for _, v := range e.ws {
			if c := v.counts[k][d.src]; c > 0 {
				spikes := v.bufs[k][d.src][:c]
				if d.split == nil {
					ev += d.proj.Deliver(step, spikes, n.impl)
				} else {
					ev += d.proj.DeliverPart(step, spikes, n.impl, d.split, d.part)
				}
			}
		}
	}
	e.ws[w].events += ev
}

// merge sets each population's spikes of step from the workers' buffers.
func (e *engine) merge(step int64) {
	k := slot(step)
	for i, p := range e.n.pops {
		buf := p.SpikeBuf()[:0]
		for _, v := range e.ws {
			buf = append(buf, v.bufs[k][i][:v.counts[k][i]]...)
		}
		p.SetSpikes(buf)
	}
}

func (e *engine) stepOnce(step int64) {
	if e.t == 1 {
		e.stepAlone(step)
		return
	}
	t0 := time.Now()
	if e.solo {
		e.stepAlone(step)
	} else {
		e.stepAll(step)
	}
	e.wall += time.Since(t0)
	e.collect(1)
}

// stepAlone runs one step on the calling goroutine only.
func (e *engine) stepAlone(step int64) {
	n := e.n
	for _, p := range n.pops {
		p.Step(step, n.impl)
	}
	for i, p := range n.pops {
		sp := p.Spikes()
		if len(sp) == 0 {
			continue
		}
		for _, pr := range n.out[i] {
			n.events += pr.Deliver(step, sp, n.impl)
		}
	}
}

// stepAll runs one step on all workers, meeting at the barrier three times.
func (e *engine) stepAll(step int64) {
	n := e.n
	e.step = step
	e.last.Store(step - 1)
	for _, p := range n.pops {
		p.BeginStep(step)
	}
	e.bar.wait()
	t0 := time.Now()
	e.update(0, step)
	t1 := time.Now()
	e.bar.wait()
	// The workers read the spikes from their buffers, not from the
	// populations, so worker 0 merges them while the others deliver.
	t2 := time.Now()
	e.merge(step)
	e.deliver(0, step)
	e.ws[0].busy += t1.Sub(t0) + time.Since(t2)
	e.bar.wait()
}

// collect adds the workers' events to the network's and checks after every
// window of steps.
func (e *engine) collect(steps int) {
	for _, v := range e.ws {
		e.n.events += v.events
		v.events = 0
	}
	if e.steps += steps; e.steps >= e.window {
		e.check()
	}
}

// check ends a window of steps. It records the window's wall time per step
// for the mode it ran in and, with all workers, rebalances them. Then it
// picks the next window's mode: now and then a probe of the other mode;
// after a probe, the faster mode. A step of a small network (COBA's 4000
// neurons with AVX-512 kernels: 40 µs) can be slower on two cores than on
// one: the cores exchange the cache lines of the spikes, of the barrier and
// of the neurons next to a cut, which costs more than the work they share.
// The mode does not change the results.
func (e *engine) check() {
	mode := 0
	if e.solo {
		mode = 1
	}
	ns := float64(e.wall) / float64(max(e.steps, 1))
	e.perStep[mode] = ns
	e.sinceProbe += e.steps
	e.checks++
	if !e.solo {
		e.balance()
	}
	for _, v := range e.ws {
		v.busy = 0
	}
	e.steps, e.wall = 0, 0
	switch {
	case e.probing:
		e.probing = false
		if !(ns < (1-soloGain)*e.perStep[1-mode]) {
			e.solo = !e.solo
		}
	case e.checks == 3 || e.checks > 3 && e.sinceProbe >= e.reprobe:
		e.probing, e.solo = true, !e.solo
		e.sinceProbe = 0
		e.reprobe = min(max(2*e.reprobe, firstReprobe), maxReprobe)
		e.probes++
	}
	if e.probing {
		e.window = probeWindow
	} else {
		e.window = min(2*e.window, maxBalanceWindow)
	}
}

// run runs up to steps steps (at least one) from step with one barrier per
// step instead of three, calling observe(s) after each step s, and returns
// the number of steps run: fewer when done is closed (the run then stops at
// the end of the step during which it was closed). Nothing else may look at
// or change the network meanwhile: a worker steps its neurons to step s+1 as
// soon as it has made its deliveries of step s, which write the only inputs
// its neurons read, while other workers are still delivering step s. Only
// the spikes of step s (Spikes) are complete when observe(s) is called.
func (e *engine) run(step, steps int64, done <-chan struct{}, observe func(int64)) int64 {
	steps = min(steps, int64(e.window-e.steps)) // checks between runs
	steps = max(steps, 1)
	t0 := time.Now()
	if e.solo {
		ran := steps
	loop:
		for s := step; s < step+steps; s++ {
			if s > step {
				select {
				case <-done:
					ran = s - step
					break loop
				default:
				}
			}
			e.stepAlone(s)
			observe(s)
		}
		e.wall += time.Since(t0)
		e.collect(int(ran))
		return ran
	}
	e.step = step
	e.last.Store(step + steps - 1)
	e.done = done
	for _, p := range e.n.pops {
		p.BeginStep(step) // the shared input slot is no longer set during the run
	}
	e.bar.wait()
	ran := e.pipeline(0, observe)
	e.done = nil
	e.wall += time.Since(t0)
	e.collect(int(ran))
	return ran
}

// pipeline is worker w's part of run. Per step s: step the worker's neurons,
// meet at the barrier (every spike of s is complete), deliver s. Worker 0
// decides before the barrier whether s is the last step, and merges and
// observes the spikes of step s-1 between its arrival at the barrier and the
// others' (its arrival does not wait for them), so that this work fills
// time it would spend waiting when it is ahead.
func (e *engine) pipeline(w int, observe func(int64)) int64 {
	ws := e.ws[w]
	first := e.step
	for s := first; ; s++ {
		t0 := time.Now()
		e.update(w, s)
		busy := time.Since(t0)
		if w == 0 {
			if s < e.last.Load() {
				select {
				case <-e.done:
					e.last.Store(s)
				default:
				}
			}
			g := e.bar.arrive()
			if s > first {
				t := time.Now()
				e.merge(s - 1)
				observe(s - 1)
				busy += time.Since(t)
			}
			e.bar.await(g)
		} else {
			e.bar.wait()
		}
		// Worker 0 stores the last step before the barrier of that step
		// and stops storing then, so every worker stops there.
		last := e.last.Load()
		t1 := time.Now()
		e.deliver(w, s)
		ws.busy += busy + time.Since(t1)
		if s == last {
			e.bar.wait() // every delivery is complete
			if w == 0 {
				e.merge(s)
				observe(s)
			}
			return s - first + 1
		}
	}
}

// balance compares the workers' busy times since the last check and moves
// the cuts between their neurons when the slowest would gain more than
// balanceGain: worker w's share of the cost line becomes proportional to
// the cost it got through per second. Cores are not equally fast (on a
// shared or virtual machine least of all), and the cost of a neuron is only
// estimated. All workers are waiting at the start barrier.
func (e *engine) balance() {
	units := make([]float64, e.t)
	for i, c := range e.cost {
		for w := range e.t {
			units[w] += rangeCost(c, e.bounds[i][w], e.bounds[i][w+1])
		}
	}
	speed := make([]float64, e.t)
	var slowest time.Duration
	var total, rate float64
	for w, v := range e.ws {
		slowest = max(slowest, v.busy)
		total += units[w]
		if v.busy > 0 {
			speed[w] = units[w] / float64(v.busy)
			rate += speed[w]
		}
	}
	if rate == 0 || slowest == 0 {
		return
	}
	for w := range speed {
		if speed[w] == 0 { // an idle worker: give it an average share
			speed[w] = rate / float64(e.t)
		}
	}
	// Balanced, the workers would all take total/rate.
	if gain := 1 - total/rate/float64(slowest); gain < balanceGain {
		return
	}
	e.setBounds(cutLine(e.cost, speed))
	e.rebalance++
}

// rangeCost returns the cost of neurons [lo, hi) from cumulative costs c.
func rangeCost(c []float64, lo, hi int) float64 {
	if lo >= hi {
		return 0
	}
	x := c[hi-1]
	if lo > 0 {
		x -= c[lo-1]
	}
	return x
}

// delivery is one worker's share of one projection: its synapses onto the
// targets of part `part` of split (every synapse when split is nil).
type delivery struct {
	src   int // source population
	proj  *synapse.Projection
	split *synapse.Split
	part  int
}

// neuronCosts estimates the cost of stepping each neuron and making its
// deliveries: a unit for a LIF neuron, a tenth of one for a source, plus its
// incoming synapses relative to the mean over all LIF neurons (so a mean
// LIF neuron's synapses cost one unit). It returns, per population, the
// cumulative cost of neurons 0..j.
func neuronCosts(n *Network) [][]float64 {
	indeg := make([][]float64, len(n.pops))
	var syn, lif float64
	for i, p := range n.pops {
		indeg[i] = make([]float64, p.Len())
		if p.Receives() {
			lif += float64(p.Len())
		}
	}
	for _, out := range n.out {
		for _, pr := range out {
			d := indeg[n.index[pr.Target().Name()]]
			for _, j := range pr.Targets() {
				d[j]++
			}
			syn += float64(pr.Len())
		}
	}
	perSyn := 0.0
	if syn > 0 {
		perSyn = lif / syn
	}
	cum := make([][]float64, len(n.pops))
	for i, p := range n.pops {
		step := 0.1
		if p.Receives() {
			step = 1
		}
		c := indeg[i] // reused
		var sum float64
		for j := range c {
			sum += step + perSyn*c[j]
			c[j] = sum
		}
		cum[i] = c
	}
	return cum
}

// cutLine shares the neurons among workers with the given speeds: worker
// w's share of the total cost is proportional to speed[w]. The populations
// are laid end to end and the line is cut at multiples of 16 neurons, so a
// worker's piece may hold whole populations, whose incoming rows it walks
// alone as when single-threaded; only the rows of projections into a
// population that a cut falls in are walked by two workers, each for its
// part. It returns bounds[pop][w] (T+1 per population).
func cutLine(cost [][]float64, speed []float64) [][]int {
	t := len(speed)
	var total, sumSpeed float64
	for _, c := range cost {
		if len(c) > 0 {
			total += c[len(c)-1]
		}
	}
	for _, s := range speed {
		sumSpeed += s
	}
	bounds := make([][]int, len(cost))
	for i, c := range cost {
		bounds[i] = make([]int, t+1)
		bounds[i][t] = len(c)
	}
	var share, before float64 // share of workers < k; cost of populations < i
	for k := 1; k < t; k++ {
		share += speed[k-1] / sumSpeed
		goal := total * share
		before = 0
		for i, c := range cost {
			// Neurons of population i before cut k: those whose cumulative
			// cost along the line is below the goal, rounded to a multiple
			// of 16.
			j := sort.Search(len(c), func(j int) bool { return before+c[j] >= goal })
			if j < len(c) {
				j = (j + chunkAlign/2) / chunkAlign * chunkAlign
			}
			bounds[i][k] = max(min(j, len(c)), bounds[i][k-1])
			if len(c) > 0 {
				before += c[len(c)-1]
			}
		}
	}
	return bounds
}

// planDeliveries lists each worker's deliveries in the single-threaded
// order (populations, their projections), restricted to the worker's
// targets: additions into each target keep their order whatever the split.
func planDeliveries(n *Network, bounds [][]int) [][]delivery {
	t := len(bounds[0]) - 1
	plan := make([][]delivery, t)
	for i, out := range n.out {
		for _, pr := range out {
			b := bounds[n.index[pr.Target().Name()]]
			var sp *synapse.Split
			for w := range t {
				lo, hi := b[w], b[w+1]
				switch {
				case lo == hi:
				case lo == 0 && hi == pr.Target().Len():
					plan[w] = append(plan[w], delivery{src: i, proj: pr})
				default:
					if sp == nil {
						var err error
						if sp, err = pr.NewSplit(b); err != nil {
							panic(err) // the bounds come from the target's size
						}
					}
					plan[w] = append(plan[w], delivery{src: i, proj: pr, split: sp, part: w})
				}
			}
		}
	}
	return plan
}

// close stops the workers.
func (e *engine) close() {
	if e.quit || e.t == 1 {
		return
	}
	e.quit = true
	e.bar.wait()
}

// barrier is a reusable barrier for a fixed number of goroutines. A waiter
// spins on the generation counter for up to spinTime (when there is a
// processor for every goroutine), then yields its processor a few times,
// then sleeps on a condition variable, so that idle workers (between runs,
// while worker 0 steps alone, or while the caller records or learns between
// steps) cost nothing.
type barrier struct {
	n        int32
	spin     time.Duration
	_        [64]byte
	count    atomic.Int32 // arrivals in this generation
	_        [60]byte
	gen      atomic.Uint32
	_        [60]byte
	sleepers atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
}

// spinTime bounds a barrier's spinning. The usual wait is a few µs (a
// worker's lead over another in a step), but waking a goroutine that went to
// sleep took 0.1-1 ms on the machines measured, and each sleep makes the
// sleeper late for the next barrier, where its partner may then sleep in
// turn: with a limit of 50 µs the workers slept about 1000 times per
// simulated second of Brunel's network and it ran 20-25 % slower with 2
// threads than with a limit of 1 ms or more (no sleeps at all). Idle workers
// stop spinning after this.
const spinTime = 2 * time.Millisecond

// barrierYields is the number of runtime.Gosched calls between spinning
// and sleeping.
const barrierYields = 20

func newBarrier(n int) *barrier {
	b := &barrier{n: int32(n), spin: spinTime}
	b.cond.L = &b.mu
	return b
}

// wait blocks until all n goroutines have called wait (or arrive).
// Everything a goroutine wrote before its call happens before every
// goroutine's return.
func (b *barrier) wait() { b.await(b.arrive()) }

// arrive is the first half of wait: it counts the caller in and returns the
// generation to pass to await, without waiting for the others.
func (b *barrier) arrive() uint32 {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Store(g + 1)
		if b.sleepers.Load() != 0 {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		}
	}
	return g
}

// await is the second half of wait: it blocks until every goroutine has
// arrived in generation g.
func (b *barrier) await(g uint32) {
	if b.gen.Load() != g {
		return
	}
	// With fewer processors than goroutines, a spinning waiter would hold
	// a processor that a goroutine it waits for needs.
	if b.spin > 0 && runtime.GOMAXPROCS(0) >= int(b.n) {
		start := time.Now()
		for {
			for range 256 {
				if b.gen.Load() != g {
					return
				}
			}
			if time.Since(start) > b.spin {
				break
			}
		}
	}
	for range barrierYields {
		runtime.Gosched()
		if b.gen.Load() != g {
			return
		}
	}
	b.mu.Lock()
	b.sleepers.Add(1)
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.sleepers.Add(-1)
	b.mu.Unlock()
}
