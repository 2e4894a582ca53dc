package network

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"dalesim/neuron"
	"dalesim/synapse"
	"dalesim/traces"
)

// RecordOptions configures NewRecorder.
type RecordOptions struct {
	Version   string // dalesim version written to the metadata
	Force     bool   // replace a run already in the directory (traces.Options.Force)
	Partition bool   // hive-partitioned layout DIR/run=<RunID>/...
	RunID     string // run id of the partitioned layout ("" : start time and seed)
	// Monitors replaces the spec's [[monitor]] entries when not nil. When the
	// list in use is empty, every spike of every population is recorded.
	Monitors []MonitorSpec
	Extra    map[string]string // other metadata keys (not "dalesim.*" reserved ones)
	Start    time.Time         // start time in the metadata; zero: now

	Synchronous bool // encode on the simulation goroutine (traces.Options.Synchronous)
	BatchRows   int  // rows buffered per file before encoding (traces.Options.BatchRows; 0: its default)
}

// Recorder is a Monitor that streams the traces asked for by a spec's
// [[monitor]] entries to Parquet files through a traces.Recorder.
//
// Create it right before RunSteps (it samples the initial state) and pass it
// to RunSteps; call Close once after the run, also when the run was
// interrupted or failed. What each monitor kind records, and when:
//
//   - spikes: every spike of the listed populations (populations = [...];
//     none listed: all), stamped with the step it was emitted in.
//   - state: the variables vars (v in mV; ge, gi: the synaptic currents of
//     cuba in mV or the conductances of coba in nS; theta, the threshold
//     offset in mV) of neurons (default: every neuron of the population)
//     every interval_ms (default: every step). The sample stamped with step
//     s is the value at t = s*dt, before step s integrates (as Brian2's
//     StateMonitor); the first sample is the initial state.
//   - weights: a snapshot of every synapse of the projection at the first
//     step, at the last step, and every interval_ms in between when given.
//     RunSteps does not change weights, so a snapshot stamped with step s
//     holds the weights during step s.
//   - rate: the population rate (spikes per neuron per second) in bins of
//     bin_ms (default 1 ms) starting at the first step; the last, partial bin
//     is written by Close with its true width.
//
// Intervals and bins are rounded to whole steps and counted from the step
// the recorder was created at. In steady state Observe does not allocate:
// spikes are copied into the traces batches, state samples into buffers
// sized at creation.
type Recorder struct {
	rec   *traces.Recorder
	net   *Network
	first int64 // first step of the recording
	last  int64 // last step observed (-1 before the first)

	spikePops []int // population indices, ascending

	states []*stateMon
	wmons  []*weightMon
	wpre   []int32   // chunk buffers of weight snapshots
	wconst []float32 // a chunk of a constant weight

	rgroups []*rateGroup
	pending []pendingRate // rate rows waiting for the smaller steps of slower bins
	closed  bool
}

type stateMon struct {
	pop     int
	p       *neuron.Population
	vars    []string
	cols    [][]float32 // the population's state column of each var
	neurons []int32     // the sampled neurons, in the spec's order
	all     bool        // neurons is 0..n-1
	every   int64
	buf     [][]float32 // captured values per var
	at      int64       // step of the captured sample, or -1
}

type weightMon struct {
	proj  int
	p     *synapse.Projection
	every int64 // 0: first and last step only
	done  int64 // step of the last snapshot, or -1
}

type rateGroup struct {
	steps  int64 // bin width in steps
	pops   []int
	counts []int64
	start  int64 // first step of the open bin
}

type pendingRate struct {
	step  int64
	pop   int
	binMS float64
	rate  float32
}

// weightChunk is the number of synapses handed to the traces recorder at a
// time, so that snapshots of large projections need little memory.
const weightChunk = 1 << 16

// NewRecorder creates the run directory dir and the trace files of the
// network's monitors (RecordOptions.Monitors, or the spec's [[monitor]]
// entries; none: every spike). Monitor fields that do not apply to a
// monitor's kind are rejected as spec errors.
func NewRecorder(dir string, net *Network, opt RecordOptions) (*Recorder, error) {
	mons := opt.Monitors
	var spec *Spec
	if mons == nil && net.spec != nil {
		spec = net.spec
		mons = spec.Monitors
	}
	if len(mons) == 0 {
		mons = []MonitorSpec{{Kind: "spikes"}}
	}
	r := &Recorder{net: net, first: net.step, last: -1}
	topt := traces.Options{Force: opt.Force, Partition: opt.Partition, RunID: opt.RunID, Synchronous: opt.Synchronous,
		BatchRows: opt.BatchRows}
	if err := r.plan(mons, spec, &topt); err != nil {
		return nil, err
	}
	meta := traces.Meta{
		Version: opt.Version,
		Kernel:  net.Kernels(),
		Seed:    net.seed,
		DtMS:    net.dt,
		Threads: net.threads,
		Start:   opt.Start,
		Extra:   opt.Extra,
	}
	if net.spec != nil {
		meta.Spec = EffectiveSource(net.spec)
	}
	for _, p := range net.pops {
		meta.Populations = append(meta.Populations, traces.PopulationInfo{Name: p.Name(), Size: p.Len(), Identity: p.Identity().String()})
	}
	for _, p := range net.projs {
		meta.Projections = append(meta.Projections, traces.ProjectionInfo{Name: p.Name(), Source: p.Source().Name(),
			Target: p.Target().Name(), Sign: int(p.Sign())})
	}
	rec, err := traces.Create(dir, topt, meta)
	if err != nil {
		return nil, err
	}
	r.rec = rec
	for _, m := range r.states {
		m.capture(r.first) // the first sample is the initial state
	}
	return r, nil
}

// plan turns the monitor entries into the recorder's schedule.
func (r *Recorder) plan(mons []MonitorSpec, spec *Spec, topt *traces.Options) error {
	n := r.net
	l := &errList{s: spec}
	if spec == nil {
		l.s = &Spec{}
	}
	steps := func(ms *float64, def int64) int64 {
		if ms == nil {
			return def
		}
		return max(int64(math.Round(*ms/n.dt)), 1)
	}
	popIndex := func(key, label, field, name string) int {
		i, ok := n.index[name]
		if !ok {
			l.addf(key+"."+field, label, "%s = %q: no population of that name", field, name)
			return -1
		}
		return i
	}
	spikeSet := map[int]bool{}
	rateBy := map[int64]*rateGroup{}
	for i := range mons {
		m := &mons[i]
		key := fmt.Sprintf("monitor[%d]", i)
		label := fmt.Sprintf("monitor #%d (%s)", i+1, m.Kind)
		unused := func(fields ...string) {
			for _, f := range fields {
				set := false
				switch f {
				case "populations":
					set = m.Populations != nil
				case "population":
					set = m.Population != ""
				case "vars":
					set = m.Vars != nil
				case "neurons":
					set = m.Neurons != nil
				case "interval_ms":
					set = m.IntervalMS != nil
				case "projection":
					set = m.Projection != ""
				case "bin_ms":
					set = m.BinMS != nil
				}
				if set {
					l.addf(key+"."+f, label, "%s: a %s monitor does not take it", f, m.Kind)
				}
			}
		}
		// pops lists the populations of a spikes or rate monitor
		// (populations = [...] or population = "..."; none: all).
		pops := func() []int {
			names := m.Populations
			if m.Population != "" {
				names = append(slices.Clone(names), m.Population)
			}
			var out []int
			if len(names) == 0 {
				for j := range n.pops {
					out = append(out, j)
				}
				return out
			}
			for k, name := range names {
				field := "populations"
				if k >= len(m.Populations) {
					field = "population"
				}
				if j := popIndex(key, label, field, name); j >= 0 {
					out = append(out, j)
				}
			}
			return out
		}
		switch m.Kind {
		case "spikes":
			unused("vars", "neurons", "interval_ms", "projection", "bin_ms")
			for _, j := range pops() {
				spikeSet[j] = true
			}
		case "rate":
			unused("vars", "neurons", "interval_ms", "projection")
			b := steps(m.BinMS, max(int64(math.Round(1/n.dt)), 1))
			g := rateBy[b]
			if g == nil {
				g = &rateGroup{steps: b, start: r.first}
				rateBy[b] = g
			}
			for _, j := range pops() {
				if !slices.Contains(g.pops, j) {
					g.pops = append(g.pops, j)
				}
			}
		case "state":
			unused("populations", "projection", "bin_ms")
			j := popIndex(key, label, "population", m.Population)
			if j < 0 {
				continue
			}
			p := n.pops[j]
			sm := &stateMon{pop: j, p: p, every: steps(m.IntervalMS, 1), at: -1}
			if len(m.Vars) == 0 {
				l.add(key, label, "vars is missing (e.g. vars = [\"v\"])")
			}
			for _, v := range m.Vars {
				col := stateColumn(p, v)
				if col == nil {
					l.addf(key+".vars", label, "vars: %q is not a state variable of population %q (model %q has %v)", v, p.Name(), p.Model(), p.Model().Vars())
					continue
				}
				sm.vars = append(sm.vars, v)
				sm.cols = append(sm.cols, col)
			}
			size := p.Len()
			if m.Neurons != nil {
				for _, k := range m.Neurons {
					if k < 0 || k >= p.Len() {
						l.addf(key+".neurons", label, "neurons: %d is not in [0, %d) (size of %q)", k, p.Len(), p.Name())
						continue
					}
					sm.neurons = append(sm.neurons, int32(k))
				}
				size = len(sm.neurons)
			} else {
				sm.all = true
				sm.neurons = make([]int32, p.Len())
				for k := range sm.neurons {
					sm.neurons[k] = int32(k)
				}
			}
			for range sm.vars {
				sm.buf = append(sm.buf, make([]float32, size))
			}
			r.states = append(r.states, sm)
			topt.States = true
		case "weights":
			unused("populations", "population", "vars", "neurons", "bin_ms")
			k := -1
			for pi, p := range n.projs {
				if p.Name() == m.Projection {
					k = pi
				}
			}
			if k < 0 {
				l.addf(key+".projection", label, "projection = %q: no projection of that name", m.Projection)
				continue
			}
			var every int64
			if m.IntervalMS != nil {
				every = steps(m.IntervalMS, 0)
			}
			r.wmons = append(r.wmons, &weightMon{proj: k, p: n.projs[k], every: every, done: -1})
			topt.Weights = true
		default:
			l.addf(key+".kind", label, "kind = %q: unknown (want spikes, state, weights or rate)", m.Kind)
		}
	}
	if err := l.err(); err != nil {
		return err
	}
	for j := range spikeSet {
		r.spikePops = append(r.spikePops, j)
	}
	slices.Sort(r.spikePops)
	topt.Spikes = len(r.spikePops) > 0
	var nrows int64
	for _, g := range rateBy {
		slices.Sort(g.pops)
		g.counts = make([]int64, len(n.pops))
		r.rgroups = append(r.rgroups, g)
	}
	slices.SortFunc(r.rgroups, func(a, b *rateGroup) int { return int(a.steps - b.steps) })
	if len(r.rgroups) > 0 {
		topt.Rates = true
		slowest := r.rgroups[len(r.rgroups)-1].steps
		for _, g := range r.rgroups {
			nrows += int64(len(g.pops)) * (slowest/g.steps + 2)
		}
		r.pending = make([]pendingRate, 0, nrows)
	}
	if len(r.wmons) > 0 {
		r.wpre = make([]int32, weightChunk)
		r.wconst = make([]float32, weightChunk)
	}
	return nil
}

// stateColumn returns the state column of variable v, or nil.
func stateColumn(p *neuron.Population, v string) []float32 {
	if !p.Model().HasVar(v) {
		return nil
	}
	switch v {
	case "v":
		return p.State.V
	case "ge":
		return p.State.GE
	case "gi":
		return p.State.GI
	case "theta":
		return p.State.Theta
	}
	return nil
}

func (m *stateMon) capture(step int64) {
	for vi, col := range m.cols {
		b := m.buf[vi]
		if m.all {
			copy(b, col)
			continue
		}
		for i, k := range m.neurons {
			b[i] = col[k]
		}
	}
	m.at = step
}

// Dir returns the run directory (DIR, or DIR/run=<id> when partitioned).
func (r *Recorder) Dir() string { return r.rec.Dir() }

// Meta returns the metadata written to the trace files.
func (r *Recorder) Meta() traces.Meta { return r.rec.Meta() }

// SpikesOnly reports whether the recorder reads only spikes (and weights,
// which a run does not change): true unless it samples state variables. It
// makes the Recorder a SpikeMonitor, so recording spikes, rates and weights
// keeps the multi-threaded engine's pipelined schedule.
func (r *Recorder) SpikesOnly() bool { return len(r.states) == 0 }

// Observe records what the monitors ask for at step (after the step ran).
func (r *Recorder) Observe(step int64, net *Network) error {
	if r.closed {
		return traces.ErrClosed
	}
	r.last = step
	for _, i := range r.spikePops {
		if sp := net.pops[i].Spikes(); len(sp) > 0 {
			if err := r.rec.Spikes(step, i, sp); err != nil {
				return err
			}
		}
	}
	for _, m := range r.states {
		if m.at == step {
			for vi, v := range m.vars {
				if err := r.rec.State(step, m.pop, v, m.neurons, m.buf[vi]); err != nil {
					return err
				}
			}
			m.at = -1
		}
		if next := step + 1; (next-r.first)%m.every == 0 {
			m.capture(next)
		}
	}
	for _, m := range r.wmons {
		if m.done < 0 || (m.every > 0 && (step-r.first)%m.every == 0) {
			if err := r.snapshot(step, m); err != nil {
				return err
			}
		}
	}
	if len(r.rgroups) > 0 {
		return r.observeRates(step, net, false)
	}
	return nil
}

func (r *Recorder) observeRates(step int64, net *Network, final bool) error {
	minOpen := int64(math.MaxInt64)
	for _, g := range r.rgroups {
		if !final {
			for _, i := range g.pops {
				g.counts[i] += int64(len(net.pops[i].Spikes()))
			}
		}
		width := step + 1 - g.start
		if width == g.steps || (final && width > 0) {
			binMS := float64(width) * net.dt
			for _, i := range g.pops {
				rate := float64(g.counts[i]) / float64(net.pops[i].Len()) / (binMS / 1000)
				r.pushRate(pendingRate{step: g.start, pop: i, binMS: binMS, rate: float32(rate)})
				g.counts[i] = 0
			}
			g.start = step + 1
		}
		minOpen = min(minOpen, g.start)
	}
	if final {
		minOpen = math.MaxInt64
	}
	k := 0
	for ; k < len(r.pending) && r.pending[k].step <= minOpen; k++ {
		p := r.pending[k]
		if err := r.rec.Rate(p.step, p.pop, p.binMS, p.rate); err != nil {
			return err
		}
	}
	if k > 0 {
		r.pending = r.pending[:copy(r.pending, r.pending[k:])]
	}
	return nil
}

// pushRate inserts a row keeping pending sorted by step (stable).
func (r *Recorder) pushRate(p pendingRate) {
	r.pending = append(r.pending, p)
	for i := len(r.pending) - 1; i > 0 && r.pending[i-1].step > p.step; i-- {
		r.pending[i], r.pending[i-1] = r.pending[i-1], r.pending[i]
	}
}

// snapshot writes every synapse of m's projection, in CSR order, in chunks.
func (r *Recorder) snapshot(step int64, m *weightMon) error {
	p := m.p
	tg, rp := p.Targets(), p.RowPtr()
	cw, constant := p.ConstWeight()
	var ws []float32
	if !constant {
		ws = p.Weights()
	} else {
		for i := range r.wconst {
			r.wconst[i] = cw
		}
	}
	row := 0
	for lo := 0; lo < len(tg); lo += weightChunk {
		hi := min(lo+weightChunk, len(tg))
		pre := r.wpre[:hi-lo]
		for k := lo; k < hi; k++ {
			for int64(k) >= rp[row+1] {
				row++
			}
			pre[k-lo] = int32(row)
		}
		w := r.wconst[:hi-lo]
		if !constant {
			w = ws[lo:hi]
		}
		if err := r.rec.Weights(step, m.proj, pre, tg[lo:hi], w); err != nil {
			return err
		}
	}
	m.done = step
	return nil
}

// Close writes the last weight snapshots and the last, partial rate bins,
// and closes the trace files with the run's status: interrupted (a signal or
// an error stopped the run early) or complete. The last step is the last one
// observed. It must be called once, from the goroutine that ran the steps.
func (r *Recorder) Close(interrupted bool) error {
	if r.closed {
		return traces.ErrClosed
	}
	r.closed = true
	var errs []error
	if r.last >= r.first {
		for _, m := range r.wmons {
			if m.done != r.last {
				if err := r.snapshot(r.last, m); err != nil {
					errs = append(errs, err)
					break
				}
			}
		}
		if len(r.rgroups) > 0 {
			if err := r.observeRates(r.last, r.net, true); err != nil {
				errs = append(errs, err)
			}
		}
	}
	last := r.last
	if last < 0 {
		last = r.first - 1
	}
	errs = append(errs, r.rec.Close(traces.Status{Interrupted: interrupted || len(errs) > 0, LastStep: last}))
	return errors.Join(errs...)
}

// RecordsSpikes reports whether the recorder writes a spikes table.
func (r *Recorder) RecordsSpikes() bool { return len(r.spikePops) > 0 }

// LastStep returns the last step observed (-1 if none).
func (r *Recorder) LastStep() int64 { return r.last }

var reRootKey = regexp.MustCompile(`^\s*(dt_ms|duration_ms|seed)\s*=`)

// EffectiveSource returns the spec's TOML text with the root keys dt_ms,
// duration_ms and seed set to the values the spec holds now, which differ
// from the text after command-line overrides (--dt, --duration, --seed).
// Everything else, comments included, is kept as written, so the text
// reproduces the run.
func EffectiveSource(s *Spec) string {
	if len(s.Source) == 0 {
		return ""
	}
	want := map[string]string{}
	if s.DtMS != nil {
		want["dt_ms"] = strconv.FormatFloat(*s.DtMS, 'g', -1, 64)
	}
	if s.DurationMS != nil {
		want["duration_ms"] = strconv.FormatFloat(*s.DurationMS, 'g', -1, 64)
	}
	if s.Seed != nil {
		want["seed"] = strconv.FormatInt(*s.Seed, 10)
	}
	orig, err := ParseSpec(s.Source, s.File)
	if err == nil {
		same := func(a, b *float64) bool { return a != nil && b != nil && *a == *b }
		if same(orig.DtMS, s.DtMS) {
			delete(want, "dt_ms")
		}
		if same(orig.DurationMS, s.DurationMS) {
			delete(want, "duration_ms")
		}
		if orig.Seed != nil && s.Seed != nil && *orig.Seed == *s.Seed {
			delete(want, "seed")
		}
	}
	if len(want) == 0 {
		return string(s.Source)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(s.Source))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	inRoot := true
	flushMissing := func() {
		for _, k := range []string{"dt_ms", "duration_ms", "seed"} {
			if v, ok := want[k]; ok {
				fmt.Fprintf(&out, "%s = %s  # set on the command line\n", k, v)
				delete(want, k)
			}
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if inRoot && strings.HasPrefix(strings.TrimSpace(line), "[") {
			flushMissing()
			inRoot = false
		}
		if inRoot {
			if m := reRootKey.FindStringSubmatch(line); m != nil {
				if v, ok := want[m[1]]; ok {
					fmt.Fprintf(&out, "%s = %s  # set on the command line\n", m[1], v)
					delete(want, m[1])
					continue
				}
			}
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if inRoot {
		flushMissing()
	}
	return out.String()
}
