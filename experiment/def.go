package experiment

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"dalesim/mnist"
	"dalesim/simd"
)

// Options are the settings every experiment takes.
type Options struct {
	Out     string // output directory (results.parquet, report.md, PNG figures, units/)
	Data    string // MNIST directory ("": mnist.Locate's search)
	Quick   bool   // CI size: small networks, few samples, two seeds
	Seeds   int    // seeds per condition (0: 5, quick: 2); seed s uses s = 1..Seeds
	Threads int    // worker threads of each spiking network
	Jobs    int    // units run at once (<= 1: one at a time); results do not depend on it
	Kernels *simd.Impl
	Version string
	Force   bool      // start afresh instead of resuming the units in Out
	Log     io.Writer // one line per unit (nil: none)
	// Progress, if set, is called after every unit.
	Progress func(done, total int, unit string)
}

func (o *Options) seeds() []int64 {
	n := o.Seeds
	if n <= 0 {
		n = 5
		if o.Quick {
			n = 2
		}
	}
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i + 1)
	}
	return s
}

// Def is an experiment: one claim of the paper tested against backprop.
type Def struct {
	Name  string // command name
	Claim string // the claim, one line
	Doc   string // what it does, for --help
	Run   func(ctx context.Context, opt Options, env *Env) error
}

var defs = map[string]Def{}

func register(d Def) { defs[d.Name] = d }

// Names lists the experiments in alphabetical order.
func Names() []string {
	var n []string
	for k := range defs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Lookup returns the experiment of that name.
func Lookup(name string) (Def, bool) { d, ok := defs[name]; return d, ok }

// Env is what a running experiment works with: its runner and report, and
// the data sets loaded once.
type Env struct {
	Runner *Runner
	Report *Report
	opt    Options
	data   map[string]*Data
}

// Run runs the experiment name with opt: units resume from opt.Out, results
// go to results.parquet, figures and report.md to opt.Out.
func Run(ctx context.Context, name string, opt Options) error {
	d, ok := defs[name]
	if !ok {
		return fmt.Errorf("no experiment %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	r, err := NewRunner(opt.Out, name, opt.Force, opt.Log)
	if err != nil {
		return err
	}
	r.Progress = opt.Progress
	r.Jobs = opt.Jobs
	env := &Env{Runner: r, Report: NewReport(d.Name, d.Claim), opt: opt, data: map[string]*Data{}}
	start := time.Now()
	if err := d.Run(ctx, opt, env); err != nil {
		return err
	}
	meta := map[string]string{
		"dalesim.version":    opt.Version,
		"dalesim.experiment": name,
		"dalesim.seeds":      fmt.Sprint(opt.seeds()),
		"dalesim.quick":      fmt.Sprint(opt.Quick),
		"dalesim.start_time": start.UTC().Format(time.RFC3339),
	}
	if sp, err := defaultSpecText(); err == nil {
		meta["dalesim.spec"] = sp
	}
	if err := r.WriteParquet(meta); err != nil {
		return err
	}
	took := fmt.Sprintf("this run took %s", time.Since(start).Round(time.Second))
	if r.reused > 0 {
		took += fmt.Sprintf(" for %d of %d units (%d were kept from an earlier run)", r.done-r.reused, r.done, r.reused)
	}
	env.Report.Footer(fmt.Sprintf("dalesim %s; seeds %v; quick %v; %s. Raw results: `results.parquet` (one row per model, seed, condition and metric); the units of a run are kept in `units/`, so a rerun resumes and gives the same numbers.",
		opt.Version, opt.seeds(), opt.Quick, took))
	return env.Report.Write(opt.Out)
}

// Data loads (once) MNIST restricted to digits, with at most ntest test samples.
func (e *Env) Data(digits []int, ntest int) (*Data, error) {
	key := fmt.Sprint(digits, ntest)
	if d, ok := e.data[key]; ok {
		return d, nil
	}
	dir, err := mnist.Locate(e.opt.Data)
	if err != nil {
		return nil, err
	}
	d, err := LoadData(dir, digits, ntest)
	if err != nil {
		return nil, err
	}
	e.data[key] = d
	return d, nil
}

// Path returns a file of the experiment's output directory.
func (e *Env) Path(name string) string { return filepath.Join(e.opt.Out, name) }

// stopped turns a cancelled context into errStop.
func stopped(ctx context.Context) error {
	if ctx.Err() != nil {
		return errStop
	}
	return nil
}

// ErrInterrupted is returned when the context ends an experiment; finished
// units are kept and a rerun resumes after them.
var ErrInterrupted = errStop
