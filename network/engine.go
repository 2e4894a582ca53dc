package network

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
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
// it steps them to s+1 as soon as it has delivered step s. When every delay
// is longer than a step, a run meets at no barrier per step: a worker
// delivers step s once every worker has stepped to s, up to lag steps
// later (see pipelineLagged).
//
// The engine measures each worker's busy time and moves the cuts between
// the workers' neurons when one is consistently slower (balance), and it
// measures the wall time per step with all workers and with worker 0 alone
// and keeps the faster (check). Neither changes the results.
type engine struct {
	net *Network
	// threads is the number of workers, the calling goroutine included;
	// 1: no workers, every step runs on the caller (stepAlone).
	threads int
	lag     int            // see engineLag
	bufs    int            // spike buffers per worker (spikeBufs)
	cumCost [][]float64    // cumCost[pop][j]: cumulative cost of neurons 0..j (see neuronCosts)
	bounds  [][]int        // bounds[pop][w]..bounds[pop][w+1]: worker w's neurons (multiples of cutAlign)
	plan    [][]delivery   // plan[w]: worker w's deliveries, in the single-threaded order
	workers []*workerState // workers[w]: worker w's spikes, events and busy time
	barrier *barrier       // where the workers meet (see barrier)

	firstStep int64        // the (first) step being run (written by worker 0 before the start barrier)
	lastStep  atomic.Int64 // the last step of a run (see run); < firstStep: one step (stepOnce)
	closed    bool         // set by close before the start barrier: the workers return

	done <-chan struct{} // run's cancellation (worker 0 only)

	// Checks (see check).
	windowSteps int // steps since the last check
	windowLen   int // steps between checks
	rebalances  int // number of rebalances made

	// One worker or all (see check).
	solo            bool          // worker 0 steps the network alone; the others wait at the start barrier
	wallTime        time.Duration // wall time of the steps since the last check
	nsPerStep       [2]float64    // [solo]: the last measured wall time per step, ns (0: not measured)
	probing         bool          // this window tries the other mode
	checks          int           // checks made
	stepsSinceProbe int           // steps since the last probe
	reprobeEvery    int           // steps between probes
	probes          int           // probes made, for tests
	warm            int           // steps of a probe of all workers still to run unmeasured (probeWarm)
}

// workerState is one worker's scratch: its spikes of the step per population,
// its event count and its busy time. Each worker's state is a separate
// allocation, padded so that two workers' fields never share a cache line.
type workerState struct {
	_          [64]byte
	spikes     [][][]int32   // [e.slot(step)][population]: buffers for the spikes of the worker's neurons
	spikeCount [][]int       // [e.slot(step)][population]: the number of spikes in each buffer
	events     int64         // synaptic events delivered since the last collect
	busy       time.Duration // time spent stepping and delivering since the last check
	_          [64]byte
	updated    atomic.Int64 // the last step whose spikes are in spikes (pipelineLagged)
	_          [64]byte
}

// maxLag bounds the lag of pipelined runs (see engineLag).
const maxLag = 4

// spikeBufs returns the number of steps whose spikes a worker keeps: 3
// without lag (the spikes of step s-1 are merged and observed while other
// workers step their neurons to s+1), 2*lag+3 with lag (a worker delivers a
// step lag steps after stepping it, and another worker may then be lag+1
// steps further).
func spikeBufs(lag int) int {
	if lag > 0 {
		return 2*lag + 3
	}
	return 3
}

// slot returns the index of step's spike buffers (workerState.spikes).
func (e *engine) slot(step int64) int { return int(uint64(step) % uint64(e.bufs)) }

// engineLag returns the lag of a network's pipelined runs: the steps by
// which a worker may deliver behind its updates (see pipelineLagged). A
// spike of step s arrives at step s+d at the earliest, d the smallest delay
// in steps of any projection, so its delivery may wait until the update of
// step s+d-1 is done. Per-synapse delays count as one step (their smallest
// is not looked up).
func engineLag(n *Network) int {
	lag := maxLag
	for _, out := range n.out {
		for _, pr := range out {
			d := 1
			if !pr.HasSynapseDelays() {
				d = pr.MinDelay()
			}
			lag = min(lag, d-1)
		}
	}
	return max(lag, 0)
}

func newEngine(n *Network) *engine {
	e := &engine{net: n, threads: max(n.threads, 1)}
	if len(n.pops) == 0 {
		e.threads = 1 // nothing to share
	}
	if e.threads == 1 {
		return e
	}
	e.cumCost = neuronCosts(n)
	speed := make([]float64, e.threads)
	for w := range speed {
		speed[w] = 1
	}
	e.setBounds(cutLine(e.cumCost, speed))
	e.lag = engineLag(n)
	e.bufs = spikeBufs(e.lag)
	e.workers = make([]*workerState, e.threads)
	for w := range e.workers {
		ws := &workerState{spikes: make([][][]int32, e.bufs), spikeCount: make([][]int, e.bufs)}
		for k := range ws.spikes {
			ws.spikes[k] = make([][]int32, len(n.pops))
			ws.spikeCount[k] = padded[int](len(n.pops))
			for i, p := range n.pops {
				ws.spikes[k][i] = make([]int32, p.Len())
			}
		}
		e.workers[w] = ws
	}
	e.windowLen = balanceWindow
	e.barrier = newBarrier(e.threads)
	for w := 1; w < e.threads; w++ {
		go e.worker(w)
	}
	return e
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
		e.barrier.wait() // start: e.firstStep, e.lastStep, the input slots and the plan are set
		if e.closed {
			return
		}
		if e.lastStep.Load() >= e.firstStep {
			if e.lag > 0 {
				e.pipelineLagged(w, nil)
			} else {
				e.pipeline(w, nil)
			}
			continue
		}
		t0 := time.Now()
		e.update(w, e.firstStep)
		t1 := time.Now()
		e.barrier.wait() // every worker's spikes are complete
		t2 := time.Now()
		e.deliver(w, e.firstStep)
		e.workers[w].busy += t1.Sub(t0) + time.Since(t2)
		e.barrier.wait() // every delivery is complete
	}
}

// update steps worker w's neurons of every population to step.
func (e *engine) update(w int, step int64) {
	ws := e.workers[w]
	k := e.slot(step)
	for i, p := range e.net.pops {
		ws.spikeCount[k][i] = 0
		if lo, hi := e.bounds[i][w], e.bounds[i][w+1]; lo < hi {
			ws.spikeCount[k][i] = p.StepRange(step, lo, hi, e.net.impl, ws.spikes[k][i][:hi-lo])
		}
	}
}

// deliver makes worker w's deliveries of step. The spikes of a population
// are the workers' ranges in order (ascending).
func (e *engine) deliver(w int, step int64) {
	n := e.net
	k := e.slot(step)
	var ev int64
	for _, d := range e.plan[w] {
		for _, v := range e.workers {
			if c := v.spikeCount[k][d.src]; c > 0 {
				spikes := v.spikes[k][d.src][:c]
				if d.split == nil {
					ev += d.proj.Deliver(step, spikes, n.impl)
				} else {
					ev += d.proj.DeliverPart(step, spikes, n.impl, d.split, d.part)
				}
			}
		}
	}
	e.workers[w].events += ev
}

// merge sets each population's spikes of step from the workers' buffers.
func (e *engine) merge(step int64) {
	k := e.slot(step)
	for i, p := range e.net.pops {
		buf := p.SpikeBuf()[:0]
		for _, v := range e.workers {
			buf = append(buf, v.spikes[k][i][:v.spikeCount[k][i]]...)
		}
		p.SetSpikes(buf)
	}
}

func (e *engine) stepOnce(step int64) {
	if e.threads == 1 {
		e.stepAlone(step)
		return
	}
	t0 := time.Now()
	if e.solo {
		e.stepAlone(step)
	} else {
		e.stepAll(step)
	}
	e.wallTime += time.Since(t0)
	e.collect(1)
}

// stepAlone runs one step on the calling goroutine only.
func (e *engine) stepAlone(step int64) {
	n := e.net
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
	n := e.net
	e.firstStep = step
	e.lastStep.Store(step - 1)
	for _, p := range n.pops {
		p.BeginStep(step)
	}
	e.barrier.wait()
	t0 := time.Now()
	e.update(0, step)
	t1 := time.Now()
	e.barrier.wait()
	// The workers read the spikes from their buffers, not from the
	// populations, so worker 0 merges them while the others deliver.
	t2 := time.Now()
	e.merge(step)
	e.deliver(0, step)
	e.workers[0].busy += t1.Sub(t0) + time.Since(t2)
	e.barrier.wait()
}

// collect adds the workers' events to the network's and checks after every
// window of steps.
func (e *engine) collect(steps int) {
	for _, v := range e.workers {
		e.net.events += v.events
		v.events = 0
	}
	if e.warm > 0 { // the first steps of a probe of all workers: not measured
		e.warm = max(e.warm-steps, 0)
		e.wallTime = 0
		for _, v := range e.workers {
			v.busy = 0
		}
		return
	}
	if e.windowSteps += steps; e.windowSteps >= e.windowLen || e.slowWindow() || e.probeLost() {
		e.check()
	}
}

// run runs up to steps steps (at least one) from step with one barrier per
// step (none with lag) instead of three, calling observe(s) after each step
// s, and returns
// the number of steps run: fewer when done is closed (the run then stops at
// the end of the step during which it was closed, or with lag up to lag+2
// steps later than worker 0's step: see pipelineLagged; observe lags that
// step by up to lag). Nothing else may look at
// or change the network meanwhile: a worker steps its neurons to step s+1 as
// soon as it has made its deliveries of step s, which write the only inputs
// its neurons read, while other workers are still delivering step s. Only
// the spikes of step s (Spikes) are complete when observe(s) is called.
func (e *engine) run(step, steps int64, done <-chan struct{}, observe func(int64)) int64 {
	steps = min(steps, int64(e.windowLen-e.windowSteps)) // checks between runs
	if e.warm > 0 {
		steps = min(steps, int64(e.warm)) // see probeWarm
	} else if e.probing && e.solo && e.windowSteps < probeMin {
		steps = min(steps, int64(probeMin-e.windowSteps)) // see probeLost
	}
	steps = max(steps, 1)
	if !e.solo {
		steps = min(steps, e.chunk()) // see slowWindow
	}
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
		e.wallTime += time.Since(t0)
		e.collect(int(ran))
		return ran
	}
	e.firstStep = step
	e.lastStep.Store(step + steps - 1)
	e.done = done
	for _, p := range e.net.pops {
		p.BeginStep(step) // the shared input slot is no longer set during the run
	}
	if e.lag > 0 {
		for _, v := range e.workers {
			v.updated.Store(step - 1) // see pipelineLagged
		}
	}
	e.barrier.wait()
	var ran int64
	if e.lag > 0 {
		ran = e.pipelineLagged(0, observe)
	} else {
		ran = e.pipeline(0, observe)
	}
	e.done = nil
	e.wallTime += time.Since(t0)
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
	ws := e.workers[w]
	first := e.firstStep
	// Busy time: stepping (t0 to t), worker 0's merge and observe (from
	// t), delivering (t1 to the next t0); the end of one step's delivery is
	// the start of the next step's update, so three clock reads a step
	// (four for worker 0).
	t0 := time.Now()
	for s := first; ; s++ {
		e.update(w, s)
		t := time.Now()
		busy := t.Sub(t0)
		if w == 0 {
			e.stopAt(s, s)
			g := e.barrier.arrive()
			if s > first {
				e.merge(s - 1)
				observe(s - 1)
				busy += time.Since(t)
			}
			e.barrier.await(g)
		} else {
			e.barrier.wait()
		}
		// Worker 0 stores the last step before the barrier of that step
		// and stops storing then, so every worker stops there.
		last := e.lastStep.Load()
		t1 := time.Now()
		e.deliver(w, s)
		t0 = time.Now()
		ws.busy += busy + t0.Sub(t1)
		if s == last {
			e.barrier.wait() // every delivery is complete
			if w == 0 {
				e.merge(s)
				observe(s)
			}
			return s - first + 1
		}
	}
}

// pipelineLagged is pipeline for a network whose smallest delay is more
// than one step (lag > 0): the workers meet at no barrier per step. Worker
// w steps its neurons to s, publishes their spikes (updated), and delivers
// step s-lag once every worker has published it (awaitSpikes); the inputs
// of step s+1 come from spikes of step s+1-lag-1 or earlier, which it has
// delivered. So the workers may drift up to lag+1 steps apart, and a
// worker slower in one step catches up in the next instead of holding up
// the others at once. Every target still receives its inputs in the
// single-threaded order: its worker delivers the steps in order and each
// step in plan order. Worker 0 merges and observes step d before it
// delivers d. At the last step each worker delivers the steps left, and
// all meet at the barrier.
func (e *engine) pipelineLagged(w int, observe func(int64)) int64 {
	ws := e.workers[w]
	first := e.firstStep
	next := first // the next step to deliver
	lag := int64(e.lag)
	t0 := time.Now()
	for s := first; ; s++ {
		e.update(w, s)
		ws.updated.Store(s)
		busy := time.Since(t0)
		if w == 0 {
			// The others may have stepped to s+lag+1 and read the last
			// step before a store; none can step to s+lag+2 before worker 0
			// publishes step s+1, after it.
			e.stopAt(s, s+lag+2)
		}
		last := e.lastStep.Load()
		upto := s - lag
		if s == last {
			upto = s
		}
		for ; next <= upto; next++ {
			e.awaitSpikes(next)
			t1 := time.Now()
			if w == 0 {
				e.merge(next)
				observe(next)
			}
			e.deliver(w, next)
			busy += time.Since(t1)
		}
		ws.busy += busy
		if s == last {
			e.barrier.wait() // every delivery is complete
			return s - first + 1
		}
		t0 = time.Now()
	}
}

// stopAt is worker 0's check after stepping to s: when the run's done
// channel is closed, the run's last step becomes at (if earlier), the first
// step at which every worker is sure to read it.
func (e *engine) stopAt(s, at int64) {
	if last := e.lastStep.Load(); s < last {
		select {
		case <-e.done:
			e.lastStep.Store(min(last, at))
		default:
		}
	}
}

// awaitSpikes waits until every worker has published its spikes of step
// d. It spins (when there is a processor for every worker) for up to
// spinTime, then yields, then sleeps in short naps (see barrier.await).
func (e *engine) awaitSpikes(d int64) {
	for _, v := range e.workers {
		if v.updated.Load() >= d {
			continue
		}
		if e.barrier.spin > 0 && runtime.GOMAXPROCS(0) >= e.threads {
			start := time.Now()
			for v.updated.Load() < d && time.Since(start) <= e.barrier.spin {
				for k := 0; k < 256 && v.updated.Load() < d; k++ {
				}
			}
		}
		for k := 0; v.updated.Load() < d; k++ {
			if k < barrierYields {
				runtime.Gosched()
			} else {
				time.Sleep(awaitNap)
			}
		}
	}
}

// awaitNap is awaitSpikes' sleep between checks once it has stopped
// spinning and yielding.
const awaitNap = 20 * time.Microsecond

// close stops the workers.
func (e *engine) close() {
	if e.closed || e.threads == 1 {
		return
	}
	e.closed = true
	e.barrier.wait()
}
