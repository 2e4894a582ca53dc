package network

import (
	"sync"
)

// engine runs the fixed per-step schedule:
//  1. every population integrates its input and emits this step's spikes;
//  2. each population's spikes are delivered through its outgoing
//     projections into the targets' ring buffers (arrival step >= step+1).
//
// With T threads, phase 1 splits every population into T contiguous ranges
// and phase 2 splits every target population into T ranges: each worker walks
// all spikes but adds only into its own targets, so every target receives its
// inputs in the same order whatever T is, and the spikes are the same bit for
// bit. The calling goroutine is worker 0.
type engine struct {
	n       *Network
	t       int
	bounds  [][]int     // bounds[pop] = T+1 range starts (multiples of 16)
	bufs    [][][]int32 // bufs[w][pop]: spike scratch of worker w
	counts  [][]int     // counts[w][pop]
	events  []int64     // per worker
	merged  [][]int32   // per pop: the step's spikes in order
	step    int64
	phase   int
	start   []chan struct{}
	done    sync.WaitGroup
	stopped bool
}

const chunkAlign = 16

func newEngine(n *Network) *engine {
	e := &engine{n: n, t: max(n.threads, 1)}
	// Never split finer than the largest population allows.
	e.bounds = make([][]int, len(n.pops))
	for i, p := range n.pops {
		b := make([]int, e.t+1)
		for w := 0; w <= e.t; w++ {
			x := p.Len() * w / e.t
			if w < e.t {
				x = x / chunkAlign * chunkAlign
			}
			b[w] = x
		}
		e.bounds[i] = b
	}
	if e.t > 1 {
		e.bufs = make([][][]int32, e.t)
		e.counts = make([][]int, e.t)
		for w := range e.bufs {
			e.bufs[w] = make([][]int32, len(n.pops))
			e.counts[w] = make([]int, len(n.pops))
			for i := range n.pops {
				e.bufs[w][i] = make([]int32, e.bounds[i][w+1]-e.bounds[i][w])
			}
		}
		e.events = make([]int64, e.t)
		e.start = make([]chan struct{}, e.t)
		for w := 1; w < e.t; w++ {
			e.start[w] = make(chan struct{})
			go e.worker(w)
		}
	}
	return e
}

func (e *engine) worker(w int) {
	for range e.start[w] {
		e.work(w)
		e.done.Done()
	}
}

// run executes the current phase on every worker and waits for all.
func (e *engine) run() {
	e.done.Add(e.t - 1)
	for w := 1; w < e.t; w++ {
		e.start[w] <- struct{}{}
	}
	e.work(0)
	e.done.Wait()
}

func (e *engine) work(w int) {
	n := e.n
	if e.phase == 0 {
		for i, p := range n.pops {
			lo, hi := e.bounds[i][w], e.bounds[i][w+1]
			e.counts[w][i] = p.StepRange(e.step, lo, hi, n.impl, e.bufs[w][i])
		}
		return
	}
	var ev int64
	for i, p := range n.pops {
		sp := p.Spikes()
		if len(sp) == 0 {
			continue
		}
		for _, pr := range n.out[i] {
			b := e.bounds[n.index[pr.Target().Name()]]
			ev += pr.DeliverRange(e.step, sp, n.impl, b[w], b[w+1])
		}
	}
	e.events[w] = ev
}

func (e *engine) stepOnce(step int64) {
	n := e.n
	if e.t == 1 {
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
		return
	}
	e.step = step
	for _, p := range n.pops {
		p.BeginStep(step)
	}
	e.phase = 0
	e.run()
	for i, p := range n.pops {
		buf := p.SpikeBuf()[:0]
		for w := 0; w < e.t; w++ {
			buf = append(buf, e.bufs[w][i][:e.counts[w][i]]...)
		}
		p.SetSpikes(buf)
	}
	e.phase = 1
	e.run()
	for w := range e.events {
		n.events += e.events[w]
	}
}

// close stops the workers.
func (e *engine) close() {
	if e.stopped || e.t == 1 {
		return
	}
	e.stopped = true
	for w := 1; w < e.t; w++ {
		close(e.start[w])
	}
}
