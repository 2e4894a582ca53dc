package traces

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Defaults for Options.
const (
	DefaultRowGroupRows = 1 << 20 // rows per Parquet row group
	DefaultBatchRows    = 1 << 13 // rows buffered before they are handed to the encoder
)

// Compression selects the zstd level of all trace files.
type Compression int

// Compression levels. ZstdFastest (the default) costs about half the CPU of
// ZstdDefault for ~2 % larger spike files.
const (
	ZstdFastest Compression = iota
	ZstdDefault
	ZstdBetter
)

var codecs = [...]zstd.Codec{
	ZstdFastest: {Level: zstd.SpeedFastest},
	ZstdDefault: {Level: zstd.SpeedDefault},
	ZstdBetter:  {Level: zstd.SpeedBetterCompression},
}

// Codec returns the Parquet codec of level c (shared, not to be modified),
// for other Parquet files written like the traces (such as analysis
// summaries). It panics for a level that is not one of the constants.
func (c Compression) Codec() compress.Codec { return &codecs[c] }

// Options configures Create.
type Options struct {
	// Force replaces dalesim's files of a run already in the directory (flat
	// layout) or of the same run id (partitioned layout). Without it Create
	// refuses to touch an existing run.
	Force bool
	// Partition selects the hive-partitioned layout:
	//	DIR/run=<RunID>/run.json
	//	DIR/run=<RunID>/spikes/population=<name>/part-0.parquet
	//	DIR/run=<RunID>/{states,weights,rates}/part-0.parquet
	Partition bool
	// RunID names the run in the partitioned layout (letters, digits, - _ . + @).
	// Empty: "<start time, UTC, 20060102T150405Z>-s<seed>".
	RunID string

	// Tables to record. A file is created (possibly with zero rows) for each
	// table enabled here; calling the method of a table not enabled is an error.
	Spikes, States, Weights, Rates bool

	RowGroupRows int // rows per row group; 0 means DefaultRowGroupRows
	BatchRows    int // rows per hand-off to the encoder; 0 means DefaultBatchRows

	// Synchronous encodes and compresses on the caller's goroutine. By default
	// each file has a goroutine that encodes full batches while the caller
	// fills the next one (two batches per file in memory at most).
	Synchronous bool
	Compression Compression

	// PartRolling names the files as parts that Writer.Roll closes and
	// replaces by the next: DIR/<table>-part-<k>.parquet in the flat
	// layout, .../part-<k>.parquet in the partitioned one (which is named
	// so even without rolling). Without it a flat run has one
	// <table>.parquet per table.
	PartRolling bool
}

// Errors returned by the Writer.
var (
	ErrClosed      = errors.New("traces: recorder is closed")
	ErrNotRecorded = errors.New("traces: table not enabled in Options")
	ErrOrder       = errors.New("traces: rows out of order")
)

// Writer streams the traces of one run to Parquet files. It is not safe for
// concurrent use: the engine calls it from the goroutine that runs the steps.
type Writer struct {
	dir    string // run directory (DIR, or DIR/run=<id>)
	layout string
	meta   Meta
	opt    Options

	popNames  []string
	popSize   []int32
	projNames []string
	projSign  []int8
	projSrc   []int32 // source population size, or MaxInt32 when unknown
	projTgt   []int32

	spikes  []*sink[SpikeRow] // flat: 1 sink; partitioned: one per population
	states  *sink[StateRow]
	weights *sink[WeightRow]
	rates   *sink[RateRow]
	sinks   []closer

	part int            // number of the part being written
	done []ManifestFile // the files of the parts closed by Roll (or found by Resume)

	spkStep   int64
	spkPop    int
	spkNeuron int32
	stStep    int64
	wStep     int64
	rStep     int64
	maxStep   int64
	closed    bool
}

type closer interface {
	close(kv map[string]string) error
	abort()
	info() ManifestFile
}

// Create prepares the run directory dir and opens the trace files selected in
// opt. It refuses (with an error naming dir and suggesting --force) to write
// where a run already is unless opt.Force is set, in which case only
// dalesim's files of that run are replaced.
func Create(dir string, opt Options, meta Meta) (*Writer, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	if opt.RowGroupRows <= 0 {
		opt.RowGroupRows = DefaultRowGroupRows
	}
	if opt.BatchRows <= 0 {
		opt.BatchRows = DefaultBatchRows
	}
	if opt.Compression < 0 || int(opt.Compression) >= len(codecs) {
		return nil, fmt.Errorf("traces: Options.Compression = %d: unknown level", opt.Compression)
	}
	meta.Populations = slices.Clone(meta.Populations)
	meta.Projections = slices.Clone(meta.Projections)
	if meta.Start.IsZero() {
		meta.Start = time.Now().UTC()
	}
	meta.Status, meta.LastStep, meta.RunID = StatusRunning, -1, ""
	r := newWriter(meta, opt)

	if err := r.prepareDir(dir); err != nil {
		return nil, err
	}
	err := r.openSinks()
	if err == nil {
		err = writeManifest(r.dir, r.manifest(StatusRunning, -1, nil, nil))
	}
	if err != nil {
		for _, s := range r.sinks {
			s.abort()
		}
		_ = os.Remove(filepath.Join(r.dir, manifestName))
		if opt.Partition {
			_ = removePartitionedRun(r.dir)
			_ = os.Remove(r.dir)
		}
		return nil, fmt.Errorf("traces: creating run in %s: %w", dir, err)
	}
	return r, nil
}

// newWriter returns a Writer of meta and opt without files.
func newWriter(meta Meta, opt Options) *Writer {
	r := &Writer{meta: meta, opt: opt, layout: LayoutFlat,
		spkStep: -1, stStep: -1, wStep: -1, rStep: -1, maxStep: -1}
	for _, p := range meta.Populations {
		r.popNames = append(r.popNames, p.Name)
		r.popSize = append(r.popSize, int32(p.Size))
	}
	for _, p := range meta.Projections {
		r.projNames = append(r.projNames, p.Name)
		r.projSign = append(r.projSign, int8(p.Sign))
		r.projSrc = append(r.projSrc, r.sizeOf(p.Source))
		r.projTgt = append(r.projTgt, r.sizeOf(p.Target))
	}
	return r
}

// Resume reopens the run in runDir (the directory of its run.json: DIR, or
// DIR/run=<id>) to continue it from part: the files of parts part and later
// (complete, or .inprogress ones left by a killed run) and the run's
// summary.json are removed, the parts before part are kept, and the files of
// part are opened. The layout, run id and metadata are the run's own (from
// run.json); opt gives the tables and the writer's settings. The run must
// have rolled parts (Options.PartRolling or the partitioned layout). first
// is the first step of part (the step after the last of the kept parts):
// rows of earlier steps are refused.
func Resume(runDir string, part int, first int64, opt Options) (*Writer, error) {
	m, err := ReadManifest(filepath.Join(runDir, manifestName))
	if err != nil {
		return nil, err
	}
	if part < 0 {
		return nil, fmt.Errorf("traces: Resume: part = %d: must be >= 0", part)
	}
	opt.Partition = m.Layout == LayoutPartitioned
	opt.RunID = m.RunID
	opt.Force = false
	if !opt.Partition {
		if !slices.ContainsFunc(m.Files, func(f ManifestFile) bool { _, ok := PartIndex(f.Path); return ok }) && len(m.Files) > 0 {
			return nil, fmt.Errorf("traces: the run in %s was not written in parts (its files are %s); it cannot be resumed", runDir, m.Files[0].Path)
		}
		opt.PartRolling = true
	}
	if opt.RowGroupRows <= 0 {
		opt.RowGroupRows = DefaultRowGroupRows
	}
	if opt.BatchRows <= 0 {
		opt.BatchRows = DefaultBatchRows
	}
	meta := m.Meta
	meta.Status, meta.LastStep, meta.RunID = StatusRunning, -1, m.RunID
	if first < 0 {
		return nil, fmt.Errorf("traces: Resume: first step = %d: must be >= 0", first)
	}
	r := newWriter(meta, opt)
	r.dir, r.layout, r.part = runDir, m.Layout, part
	// Rows of the kept parts' steps are out of order (ErrOrder).
	r.spkStep, r.spkPop = first-1, math.MaxInt
	r.stStep, r.wStep, r.rStep, r.maxStep = first, first, first, first-1
	if err := removeParts(runDir, part); err != nil {
		return nil, fmt.Errorf("traces: resuming %s: %w", runDir, err)
	}
	_ = os.Remove(filepath.Join(runDir, SummaryFile))
	for _, f := range m.Files {
		k, ok := PartIndex(f.Path)
		if !ok || k >= part {
			continue
		}
		if _, err := os.Stat(filepath.Join(runDir, filepath.FromSlash(f.Path))); err != nil {
			return nil, fmt.Errorf("traces: resuming %s at part %d: part file %s is listed in %s but missing: %v", runDir, part, f.Path, manifestName, err)
		}
		r.done = append(r.done, f)
	}
	err = r.openSinks()
	if err == nil {
		err = writeManifest(r.dir, r.manifest(StatusRunning, first-1, nil, nil))
	}
	if err != nil {
		for _, s := range r.sinks {
			s.abort()
		}
		return nil, fmt.Errorf("traces: resuming %s: %w", runDir, err)
	}
	return r, nil
}

// removeParts removes the trace files of parts >= from (and their
// .inprogress forms) of the run in runDir.
func removeParts(runDir string, from int) error {
	var files []string
	for _, pat := range []string{"*-part-*.parquet*", "*/part-*.parquet*", TableSpikes + "/" + popPrefix + "*/part-*.parquet*"} {
		m, err := filepath.Glob(filepath.Join(runDir, filepath.FromSlash(pat)))
		if err != nil {
			return err
		}
		files = append(files, m...)
	}
	for _, f := range files {
		if k, ok := PartIndex(f); ok && k >= from {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func (r *Writer) sizeOf(pop string) int32 {
	if i := r.meta.PopulationIndex(pop); i >= 0 {
		return int32(r.meta.Populations[i].Size)
	}
	return math.MaxInt32
}

// Dir returns the run directory (DIR, or DIR/run=<id> when partitioned).
func (r *Writer) Dir() string { return r.dir }

// Meta returns the run metadata as written (with Start and RunID filled in).
func (r *Writer) Meta() Meta { return r.meta }

func (r *Writer) manifest(status string, last int64, end *time.Time, err error) *Manifest {
	m := &Manifest{Format: ManifestFormat, Layout: r.layout, RunID: r.meta.RunID,
		Status: status, LastStep: last, EndTime: end, Meta: r.meta, Files: []ManifestFile{}}
	m.Meta.Status, m.Meta.LastStep = status, last
	if err != nil {
		m.Error = err.Error()
	}
	m.Files = append(m.Files, r.done...)
	for _, s := range r.sinks {
		m.Files = append(m.Files, s.info())
	}
	return m
}

// KeyPart is the footer key of a rolled part: its number (decimal).
const KeyPart = "dalesim.part"

// Part returns the number of the part being written (0 until Roll).
func (r *Writer) Part() int { return r.part }

// Roll closes the files of the current part (each a complete Parquet file
// with footer; dalesim.status "running", dalesim.last_step lastStep and
// dalesim.part), opens those of the next part and rewrites run.json to list
// the closed parts. Rows recorded after Roll go to the new part; a run
// killed later loses none of the rows recorded before it. Roll needs
// Options.PartRolling or the partitioned layout.
func (r *Writer) Roll(lastStep int64) error {
	if r.closed {
		return ErrClosed
	}
	if !r.opt.PartRolling && !r.opt.Partition {
		return errors.New("traces: Roll: the flat layout rolls parts only with Options.PartRolling")
	}
	last := max(lastStep, r.maxStep)
	kv := map[string]string{KeyStatus: StatusRunning, KeyLastStep: strconv.FormatInt(last, 10), KeyPart: strconv.Itoa(r.part)}
	var errs []error
	for _, s := range r.sinks {
		if err := s.close(kv); err != nil {
			errs = append(errs, err)
		}
		r.done = append(r.done, s.info())
	}
	r.sinks, r.spikes, r.states, r.weights, r.rates = nil, nil, nil, nil, nil
	if err := errors.Join(errs...); err != nil {
		r.closed = true
		return err
	}
	r.part++
	if err := r.openSinks(); err != nil {
		r.closed = true
		for _, s := range r.sinks {
			s.abort()
		}
		return fmt.Errorf("traces: opening part %d: %w", r.part, err)
	}
	if err := writeManifest(r.dir, r.manifest(StatusRunning, last, nil, nil)); err != nil {
		return fmt.Errorf("traces: writing %s: %w", manifestName, err)
	}
	return nil
}

func (r *Writer) check(step int64) error {
	if step < 0 {
		return fmt.Errorf("traces: step %d is negative", step)
	}
	if step > r.maxStep {
		r.maxStep = step
	}
	return nil
}

// Spikes records the spikes of population pop (index into Meta.Populations)
// at step. neurons must be strictly ascending and within the population.
// Calls must come in non-decreasing (step, pop) order; several calls for the
// same (step, pop) are allowed if the neurons keep ascending. It does not
// allocate in steady state.
func (r *Writer) Spikes(step int64, pop int, neurons []int32) error {
	if r.closed {
		return ErrClosed
	}
	if r.spikes == nil {
		return fmt.Errorf("%w: spikes", ErrNotRecorded)
	}
	if uint(pop) >= uint(len(r.popNames)) {
		return fmt.Errorf("traces: Spikes: population index %d out of range [0,%d)", pop, len(r.popNames))
	}
	if step < r.spkStep || (step == r.spkStep && pop < r.spkPop) {
		return fmt.Errorf("%w: Spikes(step %d, pop %d) after (step %d, pop %d)", ErrOrder, step, pop, r.spkStep, r.spkPop)
	}
	if err := r.check(step); err != nil {
		return err
	}
	prev, size := int32(-1), r.popSize[pop]
	if step == r.spkStep && pop == r.spkPop {
		prev = r.spkNeuron
	}
	for _, n := range neurons {
		if n <= prev || n >= size {
			if n >= size {
				return fmt.Errorf("traces: Spikes(step %d): neuron %d out of range for population %q of size %d", step, n, r.popNames[pop], size)
			}
			return fmt.Errorf("%w: Spikes(step %d, population %q): neuron %d after %d; neurons must be strictly ascending", ErrOrder, step, r.popNames[pop], n, prev)
		}
		prev = n
	}
	r.spkStep, r.spkPop, r.spkNeuron = step, pop, prev
	s := r.spikes[0]
	if len(r.spikes) > 1 {
		s = r.spikes[pop]
	}
	name := r.popNames[pop]
	for len(neurons) > 0 {
		free := s.buf[len(s.buf):cap(s.buf)]
		if len(free) == 0 {
			if err := s.flush(); err != nil {
				return err
			}
			continue
		}
		k := min(len(free), len(neurons))
		free = free[:k]
		for i, n := range neurons[:k] {
			free[i] = SpikeRow{Step: step, Population: name, Neuron: n}
		}
		s.buf = s.buf[:len(s.buf)+k]
		neurons = neurons[k:]
	}
	return nil
}

// State records one state variable (varName, e.g. "v") of the given neurons
// of population pop at step. Steps must be non-decreasing across calls.
func (r *Writer) State(step int64, pop int, varName string, neurons []int32, values []float32) error {
	if r.closed {
		return ErrClosed
	}
	s := r.states
	if s == nil {
		return fmt.Errorf("%w: states", ErrNotRecorded)
	}
	if uint(pop) >= uint(len(r.popNames)) {
		return fmt.Errorf("traces: State: population index %d out of range [0,%d)", pop, len(r.popNames))
	}
	if len(neurons) != len(values) {
		return fmt.Errorf("traces: State(%q): %d neurons but %d values", varName, len(neurons), len(values))
	}
	if varName == "" {
		return errors.New("traces: State: empty variable name")
	}
	if step < r.stStep {
		return fmt.Errorf("%w: State(step %d) after step %d", ErrOrder, step, r.stStep)
	}
	if err := r.check(step); err != nil {
		return err
	}
	size := r.popSize[pop]
	for _, n := range neurons {
		if n < 0 || n >= size {
			return fmt.Errorf("traces: State(step %d, %q): neuron %d out of range for population %q of size %d", step, varName, n, r.popNames[pop], size)
		}
	}
	r.stStep = step
	t := float64(step) * r.meta.DtMS
	name := r.popNames[pop]
	for i, n := range neurons {
		if len(s.buf) == cap(s.buf) {
			if err := s.flush(); err != nil {
				return err
			}
		}
		s.buf = append(s.buf, StateRow{Step: step, TMS: t, Population: name, Neuron: n, Var: varName, Value: values[i]})
	}
	return nil
}

// Weights records a snapshot of projection proj (index into
// Meta.Projections): synapse i goes from pre[i] to post[i] with magnitude
// w[i] >= 0. The sign column is taken from the projection. Steps must be
// non-decreasing across calls.
func (r *Writer) Weights(step int64, proj int, pre, post []int32, w []float32) error {
	if r.closed {
		return ErrClosed
	}
	s := r.weights
	if s == nil {
		return fmt.Errorf("%w: weights", ErrNotRecorded)
	}
	if uint(proj) >= uint(len(r.projNames)) {
		return fmt.Errorf("traces: Weights: projection index %d out of range [0,%d)", proj, len(r.projNames))
	}
	if len(pre) != len(w) || len(post) != len(w) {
		return fmt.Errorf("traces: Weights(%q): lengths differ: %d pre, %d post, %d weights", r.projNames[proj], len(pre), len(post), len(w))
	}
	if step < r.wStep {
		return fmt.Errorf("%w: Weights(step %d) after step %d", ErrOrder, step, r.wStep)
	}
	if err := r.check(step); err != nil {
		return err
	}
	src, tgt := r.projSrc[proj], r.projTgt[proj]
	for i := range w {
		if pre[i] < 0 || pre[i] >= src || post[i] < 0 || post[i] >= tgt {
			return fmt.Errorf("traces: Weights(step %d, %q): synapse %d (%d -> %d) out of range", step, r.projNames[proj], i, pre[i], post[i])
		}
		if !(w[i] >= 0) || math.IsInf(float64(w[i]), 0) {
			return fmt.Errorf("traces: Weights(step %d, %q): synapse %d has weight %v; weights are finite magnitudes >= 0", step, r.projNames[proj], i, w[i])
		}
	}
	r.wStep = step
	t := float64(step) * r.meta.DtMS
	name, sign := r.projNames[proj], r.projSign[proj]
	for i := range w {
		if len(s.buf) == cap(s.buf) {
			if err := s.flush(); err != nil {
				return err
			}
		}
		s.buf = append(s.buf, WeightRow{Step: step, TMS: t, Projection: name, Pre: pre[i], Post: post[i], Weight: w[i], Sign: sign})
	}
	return nil
}

// Rate records the population-averaged rate of population pop in the bin of
// width binMS starting at step. Steps must be non-decreasing across calls.
func (r *Writer) Rate(step int64, pop int, binMS float64, rateHz float32) error {
	if r.closed {
		return ErrClosed
	}
	s := r.rates
	if s == nil {
		return fmt.Errorf("%w: rates", ErrNotRecorded)
	}
	if uint(pop) >= uint(len(r.popNames)) {
		return fmt.Errorf("traces: Rate: population index %d out of range [0,%d)", pop, len(r.popNames))
	}
	if !(binMS > 0) || math.IsInf(binMS, 0) {
		return fmt.Errorf("traces: Rate: bin width %v ms must be positive", binMS)
	}
	if step < r.rStep {
		return fmt.Errorf("%w: Rate(step %d) after step %d", ErrOrder, step, r.rStep)
	}
	if err := r.check(step); err != nil {
		return err
	}
	r.rStep = step
	if len(s.buf) == cap(s.buf) {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.buf = append(s.buf, RateRow{Step: step, TMS: float64(step) * r.meta.DtMS, Population: r.popNames[pop], BinMS: binMS, RateHz: rateHz})
	return nil
}

// Close flushes every buffered row, writes the footers (with dalesim.status
// and dalesim.last_step), renames the files to their final names and rewrites
// run.json. It is safe to call after any error, and must be called exactly
// once, also on SIGINT (with Interrupted set): the files then hold every row
// passed before Close. Later calls return ErrClosed.
func (r *Writer) Close(st Status) error {
	if r.closed {
		return ErrClosed
	}
	r.closed = true
	status := StatusComplete
	if st.Interrupted {
		status = StatusInterrupted
	}
	last := max(st.LastStep, r.maxStep)
	kv := map[string]string{KeyStatus: status, KeyLastStep: strconv.FormatInt(last, 10)}
	if r.opt.PartRolling {
		kv[KeyPart] = strconv.Itoa(r.part)
	}
	var errs []error
	for k, v := range st.Extra {
		if isReservedKey(k) {
			errs = append(errs, fmt.Errorf("traces: metadata key %q is reserved", k))
			continue
		}
		kv[k] = v
		if r.meta.Extra == nil {
			r.meta.Extra = map[string]string{}
		}
		r.meta.Extra[k] = v
	}
	for _, s := range r.sinks {
		errs = append(errs, s.close(kv))
	}
	err := errors.Join(errs...)
	end := time.Now().UTC()
	r.meta.Status, r.meta.LastStep = status, last
	if merr := writeManifest(r.dir, r.manifest(status, last, &end, err)); merr != nil {
		err = errors.Join(err, fmt.Errorf("traces: writing %s: %w", manifestName, merr))
	}
	return err
}

// sink streams rows of one table to one file. Rows accumulate in buf; a full
// buf is written by the background goroutine (or inline when synchronous)
// while the caller fills the other buffer.
type sink[T any] struct {
	table string
	rel   string // slash path relative to the run directory
	path  string
	tmp   string
	f     *os.File
	w     *parquet.GenericWriter[T]
	buf   []T
	rows  int64
	bytes int64

	async bool
	work  chan []T
	free  chan []T
	done  chan struct{}

	mu  sync.Mutex
	err error // first write error; sticky
}

func newSink[T any](r *Writer, table, rel string, sorting []parquet.SortingColumn, extra ...parquet.WriterOption) (*sink[T], error) {
	s := &sink[T]{table: table, rel: rel, path: filepath.Join(r.dir, filepath.FromSlash(rel))}
	s.tmp = s.path + inProgressExt
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	s.f = f
	opts := []parquet.WriterOption{
		parquet.Compression(&codecs[r.opt.Compression]),
		parquet.MaxRowsPerRowGroup(int64(r.opt.RowGroupRows)),
		parquet.CreatedBy("dalesim", r.meta.Version, ""),
		parquet.SortingWriterConfig(parquet.SortingColumns(sorting...)),
	}
	kv := r.meta.KeyValues(table)
	keys := slices.Sorted(maps.Keys(kv))
	for _, k := range keys {
		opts = append(opts, parquet.KeyValueMetadata(k, kv[k]))
	}
	opts = append(opts, extra...)
	s.w = parquet.NewGenericWriter[T](f, opts...)
	s.buf = make([]T, 0, r.opt.BatchRows)
	if !r.opt.Synchronous {
		s.async = true
		s.work = make(chan []T, 1)
		s.free = make(chan []T, 1)
		s.free <- make([]T, 0, r.opt.BatchRows)
		s.done = make(chan struct{})
		go s.loop()
	}
	return s, nil
}

func (s *sink[T]) loop() {
	defer close(s.done)
	for b := range s.work {
		if s.getErr() == nil {
			if _, err := s.w.Write(b); err != nil {
				s.setErr(err)
			}
		}
		clear(b) // drop string references
		s.free <- b[:0]
	}
}

func (s *sink[T]) getErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *sink[T]) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = fmt.Errorf("traces: writing %s: %w", s.tmp, err)
	}
}

// flush hands buf to the encoder. It reports a previous write error.
func (s *sink[T]) flush() error {
	if len(s.buf) == 0 {
		return s.getErr()
	}
	s.rows += int64(len(s.buf))
	if s.async {
		s.work <- s.buf
		s.buf = <-s.free
		return s.getErr()
	}
	if s.getErr() == nil {
		if _, err := s.w.Write(s.buf); err != nil {
			s.setErr(err)
		}
	}
	s.buf = s.buf[:0]
	return s.getErr()
}

func (s *sink[T]) close(kv map[string]string) error {
	_ = s.flush()
	if s.async {
		close(s.work)
		<-s.done
	}
	var errs []error
	if err := s.getErr(); err != nil {
		errs = append(errs, err)
	}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		s.w.SetKeyValueMetadata(k, kv[k])
	}
	if err := s.w.Close(); err != nil {
		errs = append(errs, fmt.Errorf("traces: closing %s: %w", s.tmp, err))
	}
	if err := s.f.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("traces: syncing %s: %w", s.tmp, err))
	}
	if err := s.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("traces: closing %s: %w", s.tmp, err))
	}
	if len(errs) > 0 {
		return errors.Join(append(errs, fmt.Errorf("traces: %s left incomplete", s.tmp))...)
	}
	if st, err := os.Stat(s.tmp); err == nil {
		s.bytes = st.Size()
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		return fmt.Errorf("traces: %w", err)
	}
	return nil
}

// abort closes the file and removes it (used when Create fails).
func (s *sink[T]) abort() {
	if s.async {
		close(s.work)
		<-s.done
	}
	_ = s.f.Close()
	_ = os.Remove(s.tmp)
}

func (s *sink[T]) info() ManifestFile {
	return ManifestFile{Table: s.table, Path: s.rel, Rows: s.rows, Bytes: s.bytes}
}

// prepareDir checks and prepares the run directory of the layout chosen by
// r.opt (see Check) and sets r.dir.
func (r *Writer) prepareDir(dir string) error {
	opt := r.opt
	if opt.Partition {
		r.layout = LayoutPartitioned
		if opt.RunID == "" {
			opt.RunID = DefaultRunID(r.meta.Start, r.meta.Seed)
		}
		if err := ValidRunID(opt.RunID); err != nil {
			return err
		}
		if opt.Spikes {
			for _, n := range r.popNames {
				if err := validName("population name", n); err != nil {
					return err
				}
			}
		}
		r.meta.RunID, r.opt.RunID = opt.RunID, opt.RunID
		base, err := preparePartitioned(dir, opt.RunID, opt.Force)
		if err != nil {
			return err
		}
		r.dir = base
	} else {
		if err := prepareFlat(dir, opt.Force); err != nil {
			return err
		}
		r.dir = dir
	}

	return nil
}

// openSinks opens a file (a sink) for every table r.opt asks for.
func (r *Writer) openSinks() error {
	opt := r.opt
	rel := func(table, pop string) string {
		switch {
		case opt.Partition:
			return partFile(table, pop, r.part)
		case opt.PartRolling:
			return flatPartFile(table, r.part)
		}
		return flatFile(table)
	}
	var err error
	if opt.Spikes {
		sorting := []parquet.SortingColumn{parquet.Ascending("step")}
		pops := []string{""}
		if opt.Partition {
			sorting = append(sorting, parquet.Ascending("neuron"))
			pops = r.popNames
		}
		for _, p := range pops {
			var s *sink[SpikeRow]
			s, err = newSink[SpikeRow](r, TableSpikes, rel(TableSpikes, p), sorting,
				parquet.SkipPageBounds("population"), parquet.SkipPageStatistics("population"))
			if err != nil {
				break
			}
			r.spikes = append(r.spikes, s)
			r.sinks = append(r.sinks, s)
		}
	}
	byStep := []parquet.SortingColumn{parquet.Ascending("step")}
	if err == nil && opt.States {
		r.states, err = newSink[StateRow](r, TableStates, rel(TableStates, ""), byStep)
		if err == nil {
			r.sinks = append(r.sinks, r.states)
		}
	}
	if err == nil && opt.Weights {
		r.weights, err = newSink[WeightRow](r, TableWeights, rel(TableWeights, ""), byStep)
		if err == nil {
			r.sinks = append(r.sinks, r.weights)
		}
	}
	if err == nil && opt.Rates {
		r.rates, err = newSink[RateRow](r, TableRates, rel(TableRates, ""), byStep)
		if err == nil {
			r.sinks = append(r.sinks, r.rates)
		}
	}
	return err
}
