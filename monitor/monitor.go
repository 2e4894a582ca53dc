package monitor

import (
	"errors"
	"fmt"
	"time"

	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

// Monitor is a network.Monitor that writes one table of a traces run.
// Start binds it to the Writer; the run then calls Observe after every step;
// Finish writes what is left (a last weight snapshot, a partial rate bin).
type Monitor interface {
	network.Monitor
	// Table names the table it writes (traces.TableSpikes, ...).
	Table() string
	// start binds the monitor to w; first is the first step it observes.
	start(w *traces.Writer, first int64)
	// finish is called once by Recording.Close with the last step observed
	// (first-1 when none was).
	finish(last int64) error
	// resume binds the monitor to w for a run resumed at step at from a
	// checkpoint, in a recording that began at step first: the monitor
	// then writes what it would have written from step at on. It fails
	// for a monitor whose state between steps a checkpoint does not hold.
	resume(w *traces.Writer, first, at int64) error
}

// Options configure Start and Open.
type Options struct {
	Version   string // dalesim version written to the metadata
	Force     bool   // replace a run already in the directory (traces.Options.Force)
	Partition bool   // hive-partitioned layout DIR/run=<RunID>/...
	RunID     string // run id of the partitioned layout ("": start time and seed)
	// Monitors replaces the spec's [[monitor]] entries in Open when not
	// nil. When the list in use is empty, every spike of every population is
	// recorded.
	Monitors []spec.Monitor
	Extra    map[string]string // other metadata keys (not reserved "dalesim.*" ones)
	// SpecText replaces the spec text of the metadata (default: the
	// network's spec with command-line overrides written in).
	SpecText string
	Start    time.Time // start time in the metadata; zero: now

	// PartRolling writes the traces in parts (traces.Options.PartRolling)
	// that Recording.Roll closes and replaces by the next.
	PartRolling bool

	Synchronous bool // encode on the simulation goroutine (traces.Options.Synchronous)
	BatchRows   int  // rows buffered per file before encoding (traces.Options.BatchRows; 0: its default)
}

// Recording is a traces run and the monitors that write it. Pass Monitors()
// to Network.RunSteps and call Close once after the run, also when the run
// was interrupted or failed.
type Recording struct {
	w      *traces.Writer
	net    *network.Network
	mons   []Monitor
	first  int64
	step   *stepMark
	closed bool
}

// stepMark is the first monitor of a recording: it notes the last step
// observed.
type stepMark struct{ last, offset int64 }

func (m *stepMark) Observe(step int64, _ *network.Network) error {
	m.last = step + m.offset
	return nil
}
func (m *stepMark) Tick(step int64) { m.last = step + m.offset }

// Meta returns the trace metadata of a network: version, spec (with
// command-line overrides written in), seed, time step, kernel, threads,
// populations and projections.
func Meta(net *network.Network, version string) traces.Meta {
	meta := traces.Meta{Version: version, Kernel: net.Kernels(), Seed: net.Seed(), DtMS: net.Dt(), Threads: net.Threads()}
	if s := net.Spec(); s != nil {
		meta.Spec = spec.EffectiveSource(s)
	}
	for _, p := range net.Populations() {
		meta.Populations = append(meta.Populations, traces.PopulationInfo{Name: p.Name(), Size: p.Len(), Identity: p.Identity().String()})
	}
	for _, p := range net.Projections() {
		meta.Projections = append(meta.Projections, traces.ProjectionInfo{Name: p.Name(), Source: p.Source().Name(),
			Target: p.Target().Name(), Sign: int(p.Sign())})
	}
	return meta
}

// Start creates the traces run dir for the given monitors of net, whose
// next step is the first recorded. Create it right before the run: a State
// monitor samples the initial state here.
func Start(dir string, net *network.Network, opt Options, mons ...Monitor) (*Recording, error) {
	topt := tableOptions(opt, mons)
	meta := Meta(net, opt.Version)
	meta.Start, meta.Extra = opt.Start, opt.Extra
	if opt.SpecText != "" {
		meta.Spec = opt.SpecText
	}
	w, err := traces.Create(dir, topt, meta)
	if err != nil {
		return nil, err
	}
	first := net.Step()
	for _, m := range mons {
		m.start(w, first)
	}
	return &Recording{w: w, net: net, mons: mons, first: first, step: &stepMark{last: first - 1}}, nil
}

// tableOptions are the traces options of opt for the tables of mons.
func tableOptions(opt Options, mons []Monitor) traces.Options {
	topt := traces.Options{Force: opt.Force, Partition: opt.Partition, RunID: opt.RunID, Synchronous: opt.Synchronous,
		BatchRows: opt.BatchRows, PartRolling: opt.PartRolling}
	for _, m := range mons {
		switch m.Table() {
		case traces.TableSpikes:
			topt.Spikes = true
		case traces.TableStates:
			topt.States = true
		case traces.TableWeights:
			topt.Weights = true
		case traces.TableRates:
			topt.Rates = true
		}
	}
	return topt
}

// Resume reopens the recording of the run in runDir (the directory of its
// run.json) to continue it from trace part `part`, for net restored from a
// checkpoint taken when that part began (net.Step() is its first step) in
// a recording that began at step first. The monitors are those of the
// spec's [[monitor]] entries, as in Open; the files of parts >= part are
// removed (see traces.Resume). Rate monitors cannot be resumed: their open
// bins are not in the checkpoint.
func Resume(runDir string, part int, first int64, net *network.Network, opt Options) (*Recording, error) {
	entries := opt.Monitors
	s := net.Spec()
	if entries == nil && s != nil {
		entries = s.Monitors
	}
	if s == nil {
		s = &spec.Spec{}
	}
	mons, err := FromSpec(s, entries, net)
	if err != nil {
		return nil, err
	}
	if err := CanResume(mons); err != nil {
		return nil, err
	}
	at := net.Step()
	w, err := traces.Resume(runDir, part, at, tableOptions(opt, mons))
	if err != nil {
		return nil, err
	}
	for _, m := range mons {
		if err := m.resume(w, first, at); err != nil {
			_ = w.Close(traces.Status{Interrupted: true, LastStep: at - 1})
			return nil, err
		}
	}
	return &Recording{w: w, net: net, mons: mons, first: first, step: &stepMark{last: at - 1}}, nil
}

// CanResume reports whether a run recorded by mons can be checkpointed and
// resumed: every monitor's state between steps follows from the step
// number, except a Rate monitor's open bins.
func CanResume(mons []Monitor) error {
	for _, m := range mons {
		if m.Table() == traces.TableRates {
			return errors.New("monitor: a rate monitor keeps its open bins between steps, which a checkpoint does not hold: runs that record rates cannot be checkpointed or resumed (record spikes and compute the rates with dalesim analyze)")
		}
	}
	return nil
}

// Roll closes the trace files of the current part and opens the next (see
// traces.Writer.Roll); call it between runs.
func (r *Recording) Roll() error { return r.w.Roll(r.step.last) }

// Part returns the number of the trace part being written.
func (r *Recording) Part() int { return r.w.Part() }

// Open creates the traces run dir for the monitors of a spec's [[monitor]]
// entries (Options.Monitors, or the network's spec; none: every spike).
func Open(dir string, net *network.Network, opt Options) (*Recording, error) {
	entries := opt.Monitors
	s := net.Spec()
	if entries == nil && s != nil {
		entries = s.Monitors
	}
	if s == nil {
		s = &spec.Spec{}
	}
	mons, err := FromSpec(s, entries, net)
	if err != nil {
		return nil, err
	}
	return Start(dir, net, opt, mons...)
}

// FromSpec builds the monitors of [[monitor]] entries (none: every spike)
// for net. Spike monitors are merged into one Spikes and rate monitors into
// one Rate, so that each table is written in step order.
func FromSpec(s *spec.Spec, entries []spec.Monitor, net *network.Network) ([]Monitor, error) {
	if len(entries) == 0 {
		entries = []spec.Monitor{{Kind: "spikes"}}
	}
	l := spec.NewErrorList(s)
	var spikes *Spikes
	var rate *Rate
	var states, weights []Monitor
	steps := func(ms *float64, def int64) int64 {
		if ms == nil {
			return def
		}
		return StepsOf(*ms, net.Dt())
	}
	for i := range entries {
		m := &entries[i]
		key := fmt.Sprintf("monitor[%d]", i)
		label := fmt.Sprintf("monitor #%d (%s)", i+1, m.Kind)
		bad := func(err error) {
			var fe *FieldError
			if errors.As(err, &fe) {
				l.Add(key+"."+fe.Field, label, fe.Error())
			} else {
				l.Add(key, label, err.Error())
			}
		}
		switch m.Kind {
		case "spikes":
			if spikes == nil {
				spikes = &Spikes{}
			}
			if err := spikes.add(net, m.PopulationNames()); err != nil {
				bad(err)
			}
		case "rate":
			if rate == nil {
				rate = &Rate{}
			}
			if err := rate.add(net, m.PopulationNames(), steps(m.BinMS, StepsOf(1, net.Dt()))); err != nil {
				bad(err)
			}
		case "state":
			sm, err := NewState(net, m.Population, m.Vars, m.Neurons, steps(m.IntervalMS, 1))
			if err != nil {
				bad(err)
				continue
			}
			states = append(states, sm)
		case "weights":
			wm, err := NewWeights(net, m.Projection, steps(m.IntervalMS, 0))
			if err != nil {
				bad(err)
				continue
			}
			weights = append(weights, wm)
		default:
			l.Addf(key+".kind", label, "kind = %q: unknown (want spikes, state, weights or rate)", m.Kind)
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	var mons []Monitor
	if spikes != nil {
		spikes.sort()
		mons = append(mons, spikes)
	}
	mons = append(mons, states...)
	mons = append(mons, weights...)
	if rate != nil {
		rate.sort(net)
		mons = append(mons, rate)
	}
	return mons, nil
}

// StepsOf returns the whole number of steps of dt closest to ms, at least one.
func StepsOf(ms, dt float64) int64 { return max(network.StepsFor(ms, dt), 1) }

// FieldError is a monitor argument that does not fit the network.
type FieldError struct {
	Field string // spec key: population, populations, vars, neurons, projection
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

func fieldErrorf(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Monitors returns what to pass to Network.RunSteps.
func (r *Recording) Monitors() []network.Monitor {
	out := make([]network.Monitor, 0, len(r.mons)+1)
	out = append(out, r.step)
	for _, m := range r.mons {
		out = append(out, m)
	}
	return out
}

// SetStepOffset makes the recording stamp engine step s as s + off, for
// runs whose engine steps are not the time axis of the recording (the
// presentations of package learn each start at a step of their own). Only
// Spikes monitors can be shifted: it fails when the recording has others.
func (r *Recording) SetStepOffset(off int64) error {
	for _, m := range r.mons {
		sp, ok := m.(*Spikes)
		if !ok {
			return fmt.Errorf("monitor: a %s monitor cannot shift its steps", m.Table())
		}
		sp.SetStepOffset(off)
	}
	r.step.offset = off
	return nil
}

// Dir returns the run directory (DIR, or DIR/run=<id> when partitioned).
func (r *Recording) Dir() string { return r.w.Dir() }

// Meta returns the metadata written to the trace files.
func (r *Recording) Meta() traces.Meta { return r.w.Meta() }

// RecordsSpikes reports whether the recording writes a spikes table.
func (r *Recording) RecordsSpikes() bool {
	for _, m := range r.mons {
		if m.Table() == traces.TableSpikes {
			return true
		}
	}
	return false
}

// LastStep returns the last step observed (first-1 if none).
func (r *Recording) LastStep() int64 { return r.step.last }

// Close writes the last weight snapshots and the last, partial rate bins,
// and closes the trace files with the run's status: interrupted (a signal or
// an error stopped the run early) or complete. It must be called once, from
// the goroutine that ran the steps.
func (r *Recording) Close(interrupted bool) error { return r.CloseWith(interrupted, nil) }

// CloseWith is Close with metadata keys known only at the end of the run.
func (r *Recording) CloseWith(interrupted bool, extra map[string]string) error {
	if r.closed {
		return traces.ErrClosed
	}
	r.closed = true
	var errs []error
	last := r.step.last
	for _, m := range r.mons {
		if err := m.finish(last); err != nil {
			errs = append(errs, err)
			break
		}
	}
	errs = append(errs, r.w.Close(traces.Status{Interrupted: interrupted || len(errs) > 0, LastStep: last, Extra: extra}))
	return errors.Join(errs...)
}
