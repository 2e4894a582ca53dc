package network

import (
	"context"
	"fmt"
	"math"
	"time"

	"dalesim/neuron"
	"dalesim/simd"
	"dalesim/spec"
	"dalesim/synapse"
)

// Network is a built network: populations, projections and the run loop.
type Network struct {
	dt      float64
	seed    uint64
	pops    []*neuron.Population
	projs   []*synapse.Projection
	out     [][]*synapse.Projection // outgoing projections per population
	index   map[string]int
	step    int64
	impl    *simd.Impl
	threads int
	stats   *stats
	events  int64
	spec    *spec.Spec
	eng     *engine
	dist    *dist // nil: one process (see dist.go)
}

// New returns an empty network with time step dt (ms) and a seed.
// It uses the fastest SIMD implementation the CPU has until SetKernels.
func New(dt float64, seed uint64) *Network {
	fastest, _ := simd.Lookup("auto")
	return &Network{dt: dt, seed: seed, index: map[string]int{}, impl: fastest, threads: 1}
}

// Dt returns the time step in ms.
func (n *Network) Dt() float64 { return n.dt }

// Seed returns the seed.
func (n *Network) Seed() uint64 { return n.seed }

// Spec returns the spec the network was built from (nil if built by code).
func (n *Network) Spec() *spec.Spec { return n.spec }

// Step returns the number of steps run so far.
func (n *Network) Step() int64 { return n.step }

// Populations returns the populations in the order they were added.
func (n *Network) Populations() []*neuron.Population { return n.pops }

// Projections returns the projections in the order they were added.
func (n *Network) Projections() []*synapse.Projection { return n.projs }

// SynapseBytes returns the memory the projections' arrays hold.
func (n *Network) SynapseBytes() int64 {
	var b int64
	for _, p := range n.projs {
		b += p.Bytes()
	}
	return b
}

// MemoryEstimate returns the estimate that Build checked against the memory
// available (EstimateFor the network's spec, threads and ranks); zero for a
// network built by code.
func (n *Network) MemoryEstimate() Memory {
	if n.spec == nil {
		return Memory{}
	}
	return EstimateFor(n.spec, Options{Threads: n.threads, Comm: n.Comm()})
}

// Population returns the population of the given name, or nil.
func (n *Network) Population(name string) *neuron.Population {
	if i, ok := n.index[name]; ok {
		return n.pops[i]
	}
	return nil
}

// PopulationIndex returns the index of the named population, or -1.
func (n *Network) PopulationIndex(name string) int {
	if i, ok := n.index[name]; ok {
		return i
	}
	return -1
}

// Projection returns the projection of the given name, or nil.
func (n *Network) Projection(name string) *synapse.Projection {
	for _, p := range n.projs {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// AddPopulation adds a population; names must be unique and the time step
// must be the network's.
func (n *Network) AddPopulation(p *neuron.Population) error {
	if _, dup := n.index[p.Name()]; dup {
		return fmt.Errorf("population %q: name used twice", p.Name())
	}
	if p.Dt() != n.dt {
		return fmt.Errorf("population %q: dt = %g ms differs from the network's %g ms", p.Name(), p.Dt(), n.dt)
	}
	n.index[p.Name()] = len(n.pops)
	n.pops = append(n.pops, p)
	n.out = append(n.out, nil)
	n.resetEngine()
	return nil
}

// Connect builds a projection between two populations of the network.
func (n *Network) Connect(src, tgt string, s synapse.Spec) (*synapse.Projection, error) {
	sp, tp := n.Population(src), n.Population(tgt)
	if sp == nil {
		return nil, fmt.Errorf("projection %q: source = %q: no such population", s.Name, src)
	}
	if tp == nil {
		return nil, fmt.Errorf("projection %q: target = %q: no such population", s.Name, tgt)
	}
	if s.Name == "" {
		s.Name = src + "->" + tgt
	}
	if n.Projection(s.Name) != nil {
		return nil, fmt.Errorf("projection %q: name used twice", s.Name)
	}
	if s.Threads == 0 {
		s.Threads = n.threads
	}
	p, err := synapse.New(sp, tp, s)
	if err != nil {
		return nil, err
	}
	n.AddProjection(p)
	return p, nil
}

// AddProjection adds a built projection (its populations must be in n).
func (n *Network) AddProjection(p *synapse.Projection) {
	n.projs = append(n.projs, p)
	i := n.index[p.Source().Name()]
	n.out[i] = append(n.out[i], p)
	if d := p.MaxDelay() + 1; d > p.Target().Slots() {
		p.Target().SetSlots(d)
	}
	n.resetEngine()
}

// SetKernels selects the SIMD implementation used by this network.
func (n *Network) SetKernels(impl *simd.Impl) { n.impl = impl }

// Kernels returns the name of the SIMD implementation in use.
func (n *Network) Kernels() string { return n.impl.Name }

// Impl returns the SIMD implementation in use (for code that runs kernels
// on the network's behalf, such as plasticity rules).
func (n *Network) Impl() *simd.Impl { return n.impl }

// SetThreads sets the number of worker threads (>= 1).
func (n *Network) SetThreads(t int) {
	n.threads = max(t, 1)
	n.resetEngine()
}

// Close releases the network's worker threads (it can still run; workers
// start again when needed).
func (n *Network) Close() { n.resetEngine() }

func (n *Network) resetEngine() {
	if n.eng != nil {
		n.eng.close()
		n.eng = nil
	}
}

// Threads returns the number of worker threads.
func (n *Network) Threads() int { return n.threads }

// Events returns the number of synaptic events delivered so far.
func (n *Network) Events() int64 { return n.events }

// Monitor observes the network after every step (spikes of the step are in
// each population's Spikes()).
type Monitor interface {
	Observe(step int64, net *Network) error
}

// Ticker is a Monitor that needs only the number of the step that ended,
// never the network's state (a progress bar, a step counter). A run whose
// monitors are all Tickers calls Tick instead of Observe and keeps the
// multi-threaded engine's pipelined schedule, between whose steps the
// network's state is never complete; any other Monitor makes the engine
// stop at the end of every step.
type Ticker interface {
	Monitor
	Tick(step int64)
}

// SpikeMonitor is a Monitor whose Observe reads only the spikes of the step
// that ended (each population's Spikes()) and what a run does not change
// (sizes, weights), never the neurons' state, when SpikesOnly reports
// true. A run whose monitors are all such SpikeMonitors or Tickers keeps the
// multi-threaded engine's pipelined schedule: Observe(s) is then called
// while the workers already integrate step s+1.
type SpikeMonitor interface {
	Monitor
	SpikesOnly() bool
}

// MonitorFunc adapts a function to Monitor.
type MonitorFunc func(step int64, net *Network) error

// Observe calls f.
func (f MonitorFunc) Observe(step int64, net *Network) error { return f(step, net) }

// RunSteps advances the network by steps time steps (or until ctx is
// cancelled, at the end of the current step) and returns the summary of the
// whole run so far.
func (n *Network) RunSteps(ctx context.Context, steps int64, mons ...Monitor) (*Result, error) {
	if n.stats == nil {
		n.stats = newStats(n)
	}
	start := time.Now()
	interrupted, err := n.loop(ctx, steps, n.stats, mons)
	n.stats.wall += time.Since(start)
	r := n.stats.result(n)
	r.Interrupted = interrupted
	if n.dist != nil {
		x := n.dist.stats
		r.Ranks, r.Exchange = n.dist.comm.Size(), &x
	}
	return r, err
}

// Advance is RunSteps without the run summary (spike counts, CV, checksum):
// the same loop, for callers that keep their own statistics, such as the
// presentations of a training run. It reports whether ctx interrupted it.
func (n *Network) Advance(ctx context.Context, steps int64, mons ...Monitor) (interrupted bool, err error) {
	return n.loop(ctx, steps, nil, mons)
}

// loop is the run loop: steps (or until ctx ends) of the engine, each
// followed by the summary st (nil: none) and the monitors.
func (n *Network) loop(ctx context.Context, steps int64, st *stats, mons []Monitor) (interrupted bool, err error) {
	if n.dist != nil {
		return n.distLoop(ctx, steps, st, mons)
	}
	if n.eng == nil {
		n.eng = newEngine(n)
	}
	// A monitor that fails during a pipelined run stops it through rctx,
	// which is then not an interruption.
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	done := rctx.Done()
	end := n.step + steps
	if steps > 0 && end < n.step {
		end = math.MaxInt64 // steps past the end of int64: run until ctx ends
	}
	pipelined := n.eng.threads > 1 // every monitor is a Ticker or reads only spikes
	for _, m := range mons {
		switch m := m.(type) {
		case Ticker:
		case SpikeMonitor:
			pipelined = pipelined && m.SpikesOnly()
		default:
			pipelined = false
		}
	}
	observe := func(s int64) {
		if st != nil {
			st.observe(s, n.pops)
		}
		for _, m := range mons {
			if t, ok := m.(Ticker); ok {
				t.Tick(s)
			} else if err == nil {
				if err = m.Observe(s, n); err != nil {
					stop()
				}
			}
		}
	}
	for n.step < end {
		select {
		case <-done:
			interrupted = ctx.Err() != nil
		default:
		}
		if interrupted || err != nil {
			break
		}
		if pipelined {
			// No monitor looks at the neurons' state between steps:
			// the workers may run ahead (see engine.run).
			n.step += n.eng.run(n.step, end-n.step, done, observe)
			continue
		}
		n.eng.stepOnce(n.step)
		if st != nil {
			st.observe(n.step, n.pops)
		}
		for _, m := range mons {
			if err = m.Observe(n.step, n); err != nil {
				break
			}
		}
		n.step++
	}
	return interrupted, err
}

// Run advances the network by ms milliseconds (rounded to whole steps).
func (n *Network) Run(ctx context.Context, ms float64, mons ...Monitor) (*Result, error) {
	return n.RunSteps(ctx, StepsFor(ms, n.dt), mons...)
}

// StepsFor returns the number of steps of dt in ms milliseconds.
func StepsFor(ms, dt float64) int64 { return int64(ms/dt + 0.5) }

// ResetStats starts a new summary (spike counts, CV, checksum) from the next step.
func (n *Network) ResetStats() { n.stats = nil }

// SetStep sets the step counter: the next step run is step s. Random
// numbers of Poisson sources and drives depend on the step, so a caller
// that presents samples can make each presentation's randomness a function
// of its own index.
func (n *Network) SetStep(s int64) { n.step = s }
