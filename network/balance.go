// Load balancing of the threaded engine: the cost estimate of each neuron,
// the cuts between the workers' neurons, the plan of each worker's
// deliveries, and the periodic check that moves the cuts (balance) and picks
// one worker or all.

package network

import (
	"sort"
	"time"

	"dalesim/synapse"
)

// cutAlign: the cuts between workers' neurons fall on multiples of this
// many neurons of a population (see cutLine).
const cutAlign = 16

// Checks: the first after balanceWindow steps, then at doubling intervals
// up to maxBalanceWindow. A rebalance is made when the slowest worker would
// gain more than balanceGain of its time. After the third check (896
// steps, past the onset of most networks), and then at intervals that
// double from firstReprobe to maxReprobe steps, the other mode (one worker
// or all) is tried for probeWindow steps; it is kept if it was faster by
// more than soloGain.
//
// A probe of one worker alone ends after probeMin steps when it is slower
// per step than all workers by more than probeGiveUp: Brunel's network on
// two threads ran its probes (twice a simulated second) at 1.7x the time
// per step for 128 steps each, 2 % of the run. A probe of all workers runs
// its whole window, after probeWarm steps that are not measured: they pay
// for waking the workers, which sleep while one works alone. (16 steps
// after them still vary with how fast the other cores wake, and a probe
// lost on them would keep one worker until the next probe.)
const (
	probeMin    = 16
	probeGiveUp = 1.25
	probeWarm   = 8
)

const (
	balanceWindow    = 128
	maxBalanceWindow = 8192
	balanceGain      = 0.03
	probeWindow      = 128
	firstReprobe     = 4096
	maxReprobe       = 1 << 16
	soloGain         = 0.05
)

// A window whose mode turns out much slower than the other mode was (by
// more than slowFactor per step, after at least slowTime of wall time)
// ends early and probes the other mode at once, instead of running on to
// its end and the next scheduled probe. This happens when the machine's
// other work takes a core away from a worker: each barrier then waits for
// the OS to schedule the worker again, and a step with all workers took
// 1-3 ms instead of 4 µs for COBA on 2 busy cores (one worker alone: 4 µs),
// for thousands of steps (seconds) at a time. With all workers, run makes
// at most allChunk steps per call, so that collect sees such a window
// early: allChunk steps before the first window with all workers is
// measured, then about slowTime/2 of them (at most probeWindow).
const (
	slowFactor = 2
	idleFactor = 4
	slowTime   = 20 * time.Millisecond
	allChunk   = 16
)

// chunk returns the most steps that run makes per call with all workers
// (see slowWindow).
func (e *engine) chunk() int64 {
	ns := e.nsPerStep[0]
	if ns == 0 {
		return allChunk
	}
	return int64(min(max(float64(slowTime/2)/ns, 1), probeWindow))
}

// slowWindow reports whether the window so far, after slowTime, is much
// slower per step than the other mode's last measurement (see slowFactor;
// this also ends a probe early) or, with all workers outside a probe, whether even the busiest worker was busy for less
// than 1/idleFactor of it (the workers mostly waited for each other: before
// the first probe there is no measurement of one worker alone).
func (e *engine) slowWindow() bool {
	if e.wallTime <= slowTime {
		return false
	}
	other := e.nsPerStep[0]
	if !e.solo {
		other = e.nsPerStep[1]
	}
	if other > 0 && float64(e.wallTime)/float64(max(e.windowSteps, 1)) > slowFactor*other {
		return true
	}
	if e.solo || e.probing {
		return false
	}
	var busiest time.Duration
	for _, v := range e.workers {
		busiest = max(busiest, v.busy)
	}
	return busiest*idleFactor < e.wallTime
}

// probeLost reports whether a probe of one worker alone has run probeMin
// steps at more than probeGiveUp times all workers' time per step.
func (e *engine) probeLost() bool {
	if !e.probing || !e.solo || e.windowSteps < probeMin {
		return false
	}
	other := e.nsPerStep[0]
	return other > 0 && float64(e.wallTime) > probeGiveUp*other*float64(e.windowSteps)
}

// setBounds makes bounds the workers' neurons and plans the deliveries.
func (e *engine) setBounds(bounds [][]int) {
	e.bounds = bounds
	for i, p := range e.net.pops {
		p.SetRanges(bounds[i])
	}
	e.plan = planDeliveries(e.net, bounds)
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
	slow := e.slowWindow()
	mode := 0
	if e.solo {
		mode = 1
	}
	ns := float64(e.wallTime) / float64(max(e.windowSteps, 1))
	e.nsPerStep[mode] = ns
	e.stepsSinceProbe += e.windowSteps
	e.checks++
	if !e.solo {
		e.balance()
	}
	for _, v := range e.workers {
		v.busy = 0
	}
	e.windowSteps, e.wallTime = 0, 0
	switch {
	case e.probing: // (ended early when slow)
		e.probing = false
		if !(ns < (1-soloGain)*e.nsPerStep[1-mode]) {
			e.solo = !e.solo
		}
	case slow: // much slower than the other mode was: probe it now
		e.probing, e.solo = true, !e.solo
		e.stepsSinceProbe = 0
		e.probes++
	case e.checks == 3 || e.checks > 3 && e.stepsSinceProbe >= e.reprobeEvery:
		e.probing, e.solo = true, !e.solo
		e.stepsSinceProbe = 0
		e.reprobeEvery = min(max(2*e.reprobeEvery, firstReprobe), maxReprobe)
		e.probes++
	}
	if e.probing {
		e.windowLen = probeWindow
		if !e.solo {
			e.warm = probeWarm
		}
	} else {
		e.windowLen = min(2*e.windowLen, maxBalanceWindow)
	}
}

// balance compares the workers' busy times since the last check and moves
// the cuts between their neurons when the slowest would gain more than
// balanceGain: worker w's share of the cost line becomes proportional to
// the cost it got through per second. Cores are not equally fast (on a
// shared or virtual machine least of all), and the cost of a neuron is only
// estimated. All workers are waiting at the start barrier.
func (e *engine) balance() {
	units := make([]float64, e.threads)
	for i, c := range e.cumCost {
		for w := range e.threads {
			units[w] += rangeCost(c, e.bounds[i][w], e.bounds[i][w+1])
		}
	}
	speed := make([]float64, e.threads)
	var slowest time.Duration
	var total, rate float64
	for w, v := range e.workers {
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
			speed[w] = rate / float64(e.threads)
		}
	}
	// Balanced, the workers would all take total/rate.
	if gain := 1 - total/rate/float64(slowest); gain < balanceGain {
		return
	}
	e.setBounds(cutLine(e.cumCost, speed))
	e.rebalances++
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
//
// The incoming synapses are counted on every costStride-th row of each
// projection (every row up to costSample synapses in all): counting all
// 1.6 x 10^7 of Brunel's network took 13 ms, 4 % of a second's run on two
// threads, and the estimate only places the first cuts, which balance then
// moves by measured speed. The results never depend on it.
func neuronCosts(n *Network) [][]float64 {
	indeg := make([][]float64, len(n.pops))
	var syn, lif float64
	for i, p := range n.pops {
		indeg[i] = make([]float64, p.Len())
		if p.Receives() {
			lif += float64(p.Len())
		}
	}
	var total int
	for _, out := range n.out {
		for _, pr := range out {
			total += pr.Len()
		}
	}
	stride := costStride(total)
	for _, out := range n.out {
		for _, pr := range out {
			d := indeg[n.index[pr.Target().Name()]]
			ptr := pr.RowPtr()
			for i := 0; i+1 < len(ptr); i += stride {
				for k := ptr[i]; k < ptr[i+1]; k++ {
					d[pr.TargetAt(int(k))]++ // (Targets would unpack packed delays)
				}
				syn += float64(ptr[i+1] - ptr[i])
			}
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

// costSample is about the most synapses neuronCosts counts.
const costSample = 1 << 18

// costStride returns the row stride at which neuronCosts counts synapses
// when the projections hold total synapses.
func costStride(total int) int { return max(1, total/costSample) }

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
				j = (j + cutAlign/2) / cutAlign * cutAlign
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
