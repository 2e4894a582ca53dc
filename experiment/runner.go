package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Result is one measured number: one row of an experiment's results table
// (results.parquet), one per model, seed, condition and metric.
type Result struct {
	Experiment string  `parquet:"experiment,dict" json:"experiment"`
	Dataset    string  `parquet:"dataset,dict" json:"dataset"`     // "digits 1,2,6" or "mnist"
	Model      string  `parquet:"model,dict" json:"model"`         // rule, backprop, backprop-nonneg-l1, ...
	Seed       int64   `parquet:"seed" json:"seed"`                // seed of the model and of its samples
	Condition  string  `parquet:"condition,dict" json:"condition"` // e.g. "k=5", "pgd eps=0.1 (transfer)"
	Param      float64 `parquet:"param" json:"param"`              // the condition's number: k, eps, synapses, H, task
	Metric     string  `parquet:"metric,dict" json:"metric"`       // accuracy, non_silent, forgetting, ...
	Value      float64 `parquet:"value" json:"value"`
}

// Runner runs the units of one experiment (a unit: one model trained for one
// seed and condition, and what is measured on it) and keeps each finished
// unit's results in DIR/units/, so that an interrupted experiment resumes
// without redoing finished units.
type Runner struct {
	Dir      string
	Name     string // experiment name
	Log      io.Writer
	Progress func(done, total int, unit string) // may be nil
	// Jobs is the number of unit groups that Go runs at once (<= 1: one
	// at a time, in the caller's goroutine).
	Jobs int

	mu      sync.Mutex
	slots   [][]Result // results, in the order Do and Go were called
	total   int
	done    int
	reused  int // units finished by an earlier run
	started time.Time
	sem     chan struct{}
	wg      sync.WaitGroup
	errs    []error // per slot: the error of a group started by Go
}

// DoFunc runs one unit as Runner.Do does.
type DoFunc func(id string, f func() ([]Result, error)) ([]Result, error)

// NewRunner prepares DIR for experiment name. An existing DIR is resumed
// when it holds the same experiment; force starts it afresh.
func NewRunner(dir, name string, force bool, log io.Writer) (*Runner, error) {
	if log == nil {
		log = io.Discard
	}
	man := filepath.Join(dir, "experiment.json")
	if b, err := os.ReadFile(man); err == nil {
		var m struct{ Experiment string }
		if json.Unmarshal(b, &m) == nil && m.Experiment != name {
			return nil, fmt.Errorf("--out %s holds the experiment %q, not %q: choose another directory", dir, m.Experiment, name)
		}
		if force {
			os.RemoveAll(filepath.Join(dir, "units"))
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "units"), 0o755); err != nil {
		return nil, err
	}
	js, _ := json.Marshal(map[string]string{"experiment": name})
	if err := os.WriteFile(man, js, 0o644); err != nil {
		return nil, err
	}
	return &Runner{Dir: dir, Name: name, Log: log, started: time.Now()}, nil
}

// Plan sets the number of units the experiment will run (for progress).
func (r *Runner) Plan(units int) { r.total = units }

var reUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.=+-]+`)

// unitFile is the file of a finished unit.
func (r *Runner) unitFile(id string) string {
	return filepath.Join(r.Dir, "units", reUnsafe.ReplaceAllString(id, "_")+".json")
}

// Do runs the unit id unless a previous run finished it, and keeps its
// results. The unit's results are saved before Do returns.
func (r *Runner) Do(id string, f func() ([]Result, error)) ([]Result, error) {
	return r.do(r.reserve(), id, f)
}

// reserve takes the next place in the results.
func (r *Runner) reserve() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slots = append(r.slots, nil)
	r.errs = append(r.errs, nil)
	return len(r.slots) - 1
}

// Go runs group, a sequence of units that call do one after the other, on
// one of Jobs workers, and returns as soon as a worker takes it (at once
// when Jobs <= 1: the group then runs in the caller's goroutine). The
// group's results take its place in Results whatever the order in which
// groups finish, so the results do not depend on Jobs. Groups must not
// share mutable state. After a group has failed, Go runs no more groups;
// Wait returns the error.
func (r *Runner) Go(group func(do DoFunc) error) {
	if r.failed() {
		return
	}
	slot := r.reserve()
	do := func(id string, f func() ([]Result, error)) ([]Result, error) { return r.do(slot, id, f) }
	if r.Jobs <= 1 {
		r.errs[slot] = group(do)
		return
	}
	if r.sem == nil {
		r.sem = make(chan struct{}, r.Jobs)
	}
	r.sem <- struct{}{}
	r.wg.Add(1)
	go func() {
		defer func() { <-r.sem; r.wg.Done() }()
		err := group(do)
		r.mu.Lock()
		r.errs[slot] = err
		r.mu.Unlock()
	}()
}

// failed reports whether a group has failed.
func (r *Runner) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, err := range r.errs {
		if err != nil {
			return true
		}
	}
	return false
}

// Wait waits for the groups started by Go and returns the error of the
// first failed one (in the order they were started), if any.
func (r *Runner) Wait() error {
	r.wg.Wait()
	for _, err := range r.errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) do(slot int, id string, f func() ([]Result, error)) ([]Result, error) {
	path := r.unitFile(id)
	if b, err := os.ReadFile(path); err == nil {
		var res []Result
		if err := json.Unmarshal(b, &res); err == nil {
			r.finish(slot, id, res, true)
			return res, nil
		}
	}
	t0 := time.Now()
	res, err := f()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	for i := range res {
		if res[i].Experiment == "" {
			res[i].Experiment = r.Name
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(path, b); err != nil {
		return nil, err
	}
	r.mu.Lock()
	fmt.Fprintf(r.Log, "%s: done in %.1f s\n", id, time.Since(t0).Seconds())
	r.mu.Unlock()
	r.finish(slot, id, res, false)
	return res, nil
}

func (r *Runner) finish(slot int, id string, res []Result, cached bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slots[slot] = append(r.slots[slot], res...)
	r.done++
	if cached {
		r.reused++
		fmt.Fprintf(r.Log, "%s: finished before, kept\n", id)
	}
	if r.Progress != nil {
		r.Progress(r.done, r.total, id)
	}
}

// Results returns every result so far, in the order Do and Go were called
// (within a group, in the order its units ran). Call Wait first.
func (r *Runner) Results() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Result
	for _, s := range r.slots {
		out = append(out, s...)
	}
	return out
}

// WriteParquet writes the results to DIR/results.parquet with the
// experiment's metadata (dalesim version, options, seeds, spec).
func (r *Runner) WriteParquet(meta map[string]string) error {
	path := filepath.Join(r.Dir, "results.parquet")
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[Result](f, parquet.Compression(&parquet.Zstd))
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.SetKeyValueMetadata(k, meta[k])
	}
	if _, err := w.Write(r.Results()); err != nil {
		f.Close()
		return err
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadResults reads a results.parquet file.
func ReadResults(path string) ([]Result, error) {
	return parquet.ReadFile[Result](path)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Select returns the values of the results that match (empty fields match
// everything), grouped by Param in ascending order.
type Select struct {
	Dataset, Model, Metric string
	Condition              func(string) bool
}

// Group collects the values of the matching results by Param.
func Group(rs []Result, s Select) (params []float64, values [][]float64) {
	by := map[float64][]float64{}
	for _, r := range rs {
		if (s.Dataset != "" && r.Dataset != s.Dataset) || (s.Model != "" && r.Model != s.Model) ||
			(s.Metric != "" && r.Metric != s.Metric) || (s.Condition != nil && !s.Condition(r.Condition)) {
			continue
		}
		by[r.Param] = append(by[r.Param], r.Value)
	}
	for p := range by {
		params = append(params, p)
	}
	slices.Sort(params)
	for _, p := range params {
		values = append(values, by[p])
	}
	return params, values
}

// Models lists the distinct models of the results, in first-seen order.
func Models(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Model) {
			out = append(out, r.Model)
		}
	}
	return out
}

// Datasets lists the distinct datasets of the results, in first-seen order.
func Datasets(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Dataset) {
			out = append(out, r.Dataset)
		}
	}
	return out
}

// errStop is returned by units when the context ends.
var errStop = errors.New("interrupted")

// fileName turns a label into a file name part.
func fileName(s string) string {
	return strings.Trim(reUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}
