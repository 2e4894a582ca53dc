package traces

// Spike lists: spike trains that dalesim did not record (a recording, or the
// output of another simulator), read into the same SpikeTable as a run so
// that analysis and plot treat both alike.

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Columns of a spike list.
const (
	ListNeuron = "neuron" // integer id of the neuron (unit), >= 0
	ListTimeMS = "t_ms"   // spike time in ms, >= 0; empty (null) declares a neuron without spikes
	ListGroup  = "group"  // optional: the population of the neuron
)

// DefaultGroup is the population of the spikes of a list without a group
// column.
const DefaultGroup = "all"

// KeyDurationMS is an optional key of a Parquet spike list: the recorded
// time in ms (the analysed window ends there by default). The NWB converter
// writes it from the Units table's observation intervals.
const KeyDurationMS = "dalesim.duration_ms"

// Time grids tried, coarsest first, when a spike list gives no dalesim.dt_ms:
// the first on which every spike time lies (within 1e-6 of a step) becomes
// Meta.DtMS. FinestListDtMS is the last resort: times are then rounded to
// 1 µs, far below the precision of any spike time.
var listGrids = []float64{1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.025, 0.02, 0.01, 0.005, 0.0025, 0.002, FinestListDtMS}

// FinestListDtMS is the finest time step given to a spike list (1 µs).
const FinestListDtMS = 0.001

// maxListMS bounds spike times (about 31 years) so that steps fit in int64.
const maxListMS = 1e12

// IsSpikeList reports whether path names a spike list rather than a dalesim
// trace: a .csv file, or a Parquet file with t_ms and neuron columns and no
// step column.
func IsSpikeList(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return true
	case ".parquet":
	default:
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	res, err := safeDecode(path, f, st.Size(), func(name string, r io.ReaderAt, size int64) (*bool, error) {
		pf, err := openParquet(name, r, size)
		if err != nil {
			return nil, err
		}
		s := pf.Schema()
		_, hasStep := s.Lookup("step")
		_, hasT := s.Lookup(ListTimeMS)
		_, hasN := s.Lookup(ListNeuron)
		ok := !hasStep && hasT && hasN
		return &ok, nil
	})
	return err == nil && *res
}

// ReadSpikeList reads a spike list: a CSV file (a header line naming the
// columns neuron, t_ms and optionally group; other columns are ignored) or a
// Parquet file with those columns. The result is a SpikeTable like a run's:
//
//   - each group is a population (one population "all" without a group
//     column), in the order of first appearance (or of the dalesim.populations
//     key of a Parquet list, which also gives identities);
//   - the distinct neuron ids of a group, in increasing order, become the
//     neuron indices 0..n-1; a row with an empty t_ms declares a neuron that
//     did not spike;
//   - times become steps of Meta.DtMS: the dalesim.dt_ms key of a Parquet
//     list, else the coarsest grid of 1, 0.5, 0.25, 0.2, 0.1, ... 0.002 ms
//     holding every spike time, else 1 µs (times rounded to it);
//   - Meta.LastStep is the step before dalesim.duration_ms when given, and
//     -1 otherwise (the analysis then ends one step after the last spike).
//
// Times must be >= 0 and sorted for each neuron. Errors name the file and,
// for CSV, the line.
func ReadSpikeList(path string) (*SpikeTable, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, notFound(path, err)
		}
		defer f.Close()
		return ParseSpikeCSV(path, f)
	case ".parquet":
		return readFile(path, decodeSpikeList)
	}
	return nil, fmt.Errorf("traces: %s: a spike list must be a .csv or .parquet file", path)
}

// ParseSpikeCSV reads a CSV spike list from r (see ReadSpikeList); name is
// used in errors.
func ParseSpikeCSV(name string, r io.Reader) (*SpikeTable, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	fail := func(line int, format string, a ...any) error {
		return fmt.Errorf("traces: %s line %d: %s", name, line, fmt.Sprintf(format, a...))
	}
	col, err := readSpikeCSVHeader(cr, name)
	if err != nil {
		return nil, err
	}
	b := newListBuilder(name)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fail(pe.Line, "%v", pe.Err)
			}
			return nil, fmt.Errorf("traces: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		group, id, t, err := parseSpikeCSVRecord(rec, col)
		if err == nil {
			err = b.add(group, id, t)
		}
		if err != nil {
			return nil, fail(line, "%v", err)
		}
	}
	return b.table(listHints{})
}

// readSpikeCSVHeader reads the header line of a CSV spike list and returns
// the field index of each of its columns (-1: absent; group is optional).
func readSpikeCSVHeader(cr *csv.Reader, name string) (map[string]int, error) {
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("traces: %s is empty: a spike list starts with a header line naming the columns neuron, t_ms[, group]", name)
	}
	if err != nil {
		return nil, fmt.Errorf("traces: %s: %w", name, err)
	}
	col := map[string]int{ListNeuron: -1, ListTimeMS: -1, ListGroup: -1}
	for j, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if i, ok := col[h]; ok {
			if i >= 0 {
				return nil, fmt.Errorf("traces: %s line %d: column %q appears twice", name, 1, h)
			}
			col[h] = j
		}
	}
	for _, c := range []string{ListNeuron, ListTimeMS} {
		if col[c] < 0 {
			return nil, fmt.Errorf("traces: %s line %d: the header lacks the column %q (a spike list has the columns neuron, t_ms and optionally group; the header is %q)",
				name, 1, c, truncate(strings.Join(head, ","), 80))
		}
	}
	return col, nil
}

// parseSpikeCSVRecord reads the group, neuron id and time (NaN: none, a
// neuron without spikes) of one record of a CSV spike list whose columns
// are at col. Its errors do not name the file or the line.
func parseSpikeCSVRecord(rec []string, col map[string]int) (group string, id int64, t float64, err error) {
	field := func(c string) (string, bool) {
		j := col[c]
		if j < 0 || j >= len(rec) {
			return "", false
		}
		return strings.TrimSpace(rec[j]), true
	}
	ns, ok := field(ListNeuron)
	if !ok {
		return "", 0, 0, fmt.Errorf("%d fields: the column %q is missing", len(rec), ListNeuron)
	}
	id, err = parseID(ns)
	if err != nil {
		return "", 0, 0, fmt.Errorf("neuron %q: %v", truncate(ns, 30), err)
	}
	ts, ok := field(ListTimeMS)
	if !ok {
		return "", 0, 0, fmt.Errorf("%d fields: the column %q is missing", len(rec), ListTimeMS)
	}
	t = math.NaN()
	if ts != "" {
		if t, err = strconv.ParseFloat(ts, 64); err != nil {
			return "", 0, 0, fmt.Errorf("t_ms %q is not a number", truncate(ts, 30))
		}
	}
	group = DefaultGroup
	if col[ListGroup] >= 0 {
		g, ok := field(ListGroup)
		if !ok || g == "" {
			return "", 0, 0, errors.New("the group is empty")
		}
		group = g
	}
	return group, id, t, nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// pandas writes integer columns holding nulls as floats ("3.0").
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, errors.New("not an integer")
		}
		id = int64(f)
	}
	if id < 0 {
		return 0, errors.New("must be >= 0")
	}
	return id, nil
}

// listHints are what a Parquet spike list's footer may say about itself.
type listHints struct {
	meta       Meta
	hasDt      bool
	durationMS float64
}

func decodeSpikeList(name string, r io.ReaderAt, size int64) (*SpikeTable, error) {
	f, err := openParquet(name, r, size)
	if err != nil {
		return nil, err
	}
	h, err := readListHints(f)
	if err != nil {
		return nil, fmt.Errorf("traces: %s: %w", name, err)
	}
	cols, err := spikeListColumns(f.Schema(), name)
	if err != nil {
		return nil, err
	}
	b := newListBuilder(name)
	if err := readSpikeListRows(f, name, cols, b); err != nil {
		return nil, err
	}
	return b.table(h)
}

// readListHints reads the keys of a Parquet spike list's footer; the error
// joins those of every key that does not parse.
func readListHints(f *parquet.File) (listHints, error) {
	var h listHints
	h.meta.LastStep = -1
	var errs []error
	if v, ok := f.Lookup(KeyDtMS); ok {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || !(d > 0) || d > 1e6 {
			errs = append(errs, fmt.Errorf("key %s = %q: not a time step in ms", KeyDtMS, truncate(v, 30)))
		}
		h.meta.DtMS, h.hasDt = d, true
	}
	if v, ok := f.Lookup(KeyDurationMS); ok {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || !(d >= 0) || d > maxListMS {
			errs = append(errs, fmt.Errorf("key %s = %q: not a duration in ms", KeyDurationMS, truncate(v, 30)))
		}
		h.durationMS = d
	}
	if v, ok := f.Lookup(KeyPopulations); ok {
		if err := json.Unmarshal([]byte(v), &h.meta.Populations); err != nil {
			errs = append(errs, fmt.Errorf("key %s: %w", KeyPopulations, err))
		}
	}
	if v, ok := f.Lookup(KeySeed); ok {
		h.meta.Seed, _ = strconv.ParseUint(v, 10, 64)
	}
	h.meta.Version, _ = f.Lookup(KeyVersion)
	h.meta.Spec, _ = f.Lookup(KeySpec)
	h.meta.RunID, _ = f.Lookup(KeyRunID)
	h.meta.Status, _ = f.Lookup(KeyStatus)
	return h, errors.Join(errs...)
}

// listColumns are the column indices of a Parquet spike list's leaves
// (-1: absent).
type listColumns struct {
	neuron, time, group int
}

// spikeListColumns finds the columns of a Parquet spike list and checks
// their types; neuron and t_ms must be there.
func spikeListColumns(s *parquet.Schema, name string) (listColumns, error) {
	leaf := func(c string, kinds ...parquet.Kind) (int, error) {
		l, ok := s.Lookup(c)
		if !ok {
			return -1, nil
		}
		if l.Node.Repeated() {
			return -1, fmt.Errorf("traces: %s: column %q is repeated; a spike list needs a flat column", name, c)
		}
		if !slices.Contains(kinds, l.Node.Type().Kind()) {
			return -1, fmt.Errorf("traces: %s: column %q has Parquet type %v, which a spike list does not accept there", name, c, l.Node.Type())
		}
		return l.ColumnIndex, nil
	}
	nc, err := leaf(ListNeuron, parquet.Int32, parquet.Int64)
	if err != nil {
		return listColumns{}, err
	}
	tc, err := leaf(ListTimeMS, parquet.Float, parquet.Double, parquet.Int32, parquet.Int64)
	if err != nil {
		return listColumns{}, err
	}
	gc, err := leaf(ListGroup, parquet.ByteArray, parquet.Int32, parquet.Int64)
	if err != nil {
		return listColumns{}, err
	}
	for c, i := range map[string]int{ListNeuron: nc, ListTimeMS: tc} {
		if i < 0 {
			var cols []string
			for _, fl := range s.Fields() {
				cols = append(cols, fl.Name())
			}
			return listColumns{}, fmt.Errorf("traces: %s is not a spike list: column %q is missing (its columns: %s; a spike list has neuron, t_ms and optionally group)",
				name, c, strings.Join(cols, ", "))
		}
	}
	return listColumns{nc, tc, gc}, nil
}

// readSpikeListRows adds every row of a Parquet spike list to b.
func readSpikeListRows(f *parquet.File, name string, cols listColumns, b *listBuilder) error {
	buf := make([]parquet.Row, 1024)
	row := int64(0)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				row++
				id, haveID, t, group := cols.values(r)
				where := fmt.Sprintf("row %d", row)
				if !haveID || id < 0 {
					rows.Close()
					return fmt.Errorf("traces: %s %s: the neuron is null or negative", name, where)
				}
				if group == "" {
					rows.Close()
					return fmt.Errorf("traces: %s %s: the group is empty or null", name, where)
				}
				if err := b.add(group, id, t); err != nil {
					rows.Close()
					return fmt.Errorf("traces: %s %s: %v", name, where, err)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("traces: %s is a corrupt Parquet file: %w", name, err)
			}
		}
		rows.Close()
	}
	return nil
}

// values reads the neuron id (haveID false: null or absent), time (NaN:
// null, a neuron without spikes) and group (DefaultGroup without a group
// column, "" when null) of one row.
func (c listColumns) values(r parquet.Row) (id int64, haveID bool, t float64, group string) {
	id, t, group = -1, math.NaN(), DefaultGroup
	for _, v := range r {
		switch v.Column() {
		case c.neuron:
			if !v.IsNull() {
				id, haveID = v.Int64(), true
				if v.Kind() == parquet.Int32 {
					id = int64(v.Int32())
				}
			}
		case c.time:
			switch {
			case v.IsNull():
			case v.Kind() == parquet.Float:
				t = float64(v.Float())
			case v.Kind() == parquet.Double:
				t = v.Double()
			case v.Kind() == parquet.Int32:
				t = float64(v.Int32())
			default:
				t = float64(v.Int64())
			}
		case c.group:
			switch {
			case v.IsNull():
				group = ""
			case v.Kind() == parquet.ByteArray:
				group = string(v.ByteArray())
			case v.Kind() == parquet.Int32:
				group = strconv.Itoa(int(v.Int32()))
			default:
				group = strconv.FormatInt(v.Int64(), 10)
			}
		}
	}
	return id, haveID, t, group
}

// listBuilder collects the rows of a spike list.
type listBuilder struct {
	name   string
	groups map[string]int32
	order  []string
	last   []map[int64]float64 // per group: neuron id -> last time (NaN: none yet)
	g      []int32
	id     []int64
	t      []float64
}

func newListBuilder(name string) *listBuilder {
	return &listBuilder{name: name, groups: map[string]int32{}}
}

// add adds a spike (or, with t NaN, declares a neuron).
func (b *listBuilder) add(group string, id int64, t float64) error {
	if math.IsInf(t, 0) || t < 0 || t > maxListMS {
		return fmt.Errorf("spike time %g ms: times must be finite, >= 0 and < %g ms", t, maxListMS)
	}
	gi, ok := b.groups[group]
	if !ok {
		if len(b.order) >= 1<<16 {
			return fmt.Errorf("more than %d groups", 1<<16)
		}
		gi = int32(len(b.order))
		b.groups[group] = gi
		b.order = append(b.order, group)
		b.last = append(b.last, map[int64]float64{})
	}
	prev, seen := b.last[gi][id]
	if !math.IsNaN(t) {
		if seen && t < prev {
			return fmt.Errorf("neuron %d (group %s): spike at %g ms after one at %g ms; spike times must be sorted for each neuron", id, group, t, prev)
		}
		b.last[gi][id] = t
	} else if !seen {
		b.last[gi][id] = math.Inf(-1)
	}
	b.g = append(b.g, gi)
	b.id = append(b.id, id)
	b.t = append(b.t, t)
	return nil
}

// onGrid reports whether every spike time lies on a multiple of dt.
func (b *listBuilder) onGrid(dt float64) bool {
	for _, t := range b.t {
		if math.IsNaN(t) {
			continue
		}
		x := t / dt
		if math.Abs(x-math.Round(x)) > 1e-6+1e-12*x {
			return false
		}
	}
	return true
}

func (b *listBuilder) table(h listHints) (*SpikeTable, error) {
	if len(b.id) == 0 {
		return nil, fmt.Errorf("traces: %s holds no neurons and no spikes", b.name)
	}
	m := h.meta
	m.LastStep = -1
	m.DtMS = b.timeStep(h)
	names, pops := b.populations(m.Populations)
	m.Populations = pops
	popOf, index, err := b.neuronIndex(names, m.Populations)
	if err != nil {
		return nil, err
	}
	t := &SpikeTable{Meta: m, Populations: names}
	maxStep := b.spikes(t, m.DtMS, popOf, index)
	if h.durationMS > 0 {
		t.Meta.LastStep = max(int64(math.Ceil(h.durationMS/m.DtMS-1e-9))-1, maxStep)
	}
	return t, nil
}

// timeStep is the list's time step: the footer's when every spike time lies
// on it, else the coarsest of listGrids that holds them, else FinestListDtMS.
func (b *listBuilder) timeStep(h listHints) float64 {
	if h.hasDt && b.onGrid(h.meta.DtMS) {
		return h.meta.DtMS
	}
	for _, d := range listGrids {
		if b.onGrid(d) {
			return d
		}
	}
	return FinestListDtMS
}

// populations orders the groups: those the footer declares (with their
// identities, in its order, once each, if the list has them), then the
// other groups in order of first appearance. Sizes are left 0.
func (b *listBuilder) populations(declared []PopulationInfo) ([]string, []PopulationInfo) {
	var names []string
	var pops []PopulationInfo
	for _, p := range declared {
		if _, ok := b.groups[p.Name]; ok && !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
			pops = append(pops, PopulationInfo{Name: p.Name, Identity: p.Identity})
		}
	}
	for _, g := range b.order {
		if !slices.Contains(names, g) {
			names = append(names, g)
			pops = append(pops, PopulationInfo{Name: g})
		}
	}
	return names, pops
}

// neuronIndex maps each group to its population (in names) and each neuron
// id of a group to its index (the ids in increasing order become 0..n-1),
// and sets the size of every population in pops.
func (b *listBuilder) neuronIndex(names []string, pops []PopulationInfo) ([]int32, []map[int64]int32, error) {
	popOf := make([]int32, len(b.order)) // group index -> population index
	index := make([]map[int64]int32, len(b.order))
	for gi, g := range b.order {
		popOf[gi] = int32(slices.Index(names, g))
		ids := make([]int64, 0, len(b.last[gi]))
		for id := range b.last[gi] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if len(ids) > 1<<31-1 {
			return nil, nil, fmt.Errorf("traces: %s: group %s has too many neurons", b.name, g)
		}
		index[gi] = make(map[int64]int32, len(ids))
		for i, id := range ids {
			index[gi][id] = int32(i)
		}
		pops[popOf[gi]].Size = len(ids)
	}
	return popOf, index, nil
}

// spikes fills t's spikes, as steps of dt sorted by (step, population,
// neuron), and returns the last step (-1: no spike).
func (b *listBuilder) spikes(t *SpikeTable, dt float64, popOf []int32, index []map[int64]int32) int64 {
	type row struct {
		step   int64
		pop    int32
		neuron int32
	}
	rows := make([]row, 0, len(b.t))
	maxStep := int64(-1)
	for i, ts := range b.t {
		if math.IsNaN(ts) {
			continue
		}
		s := int64(math.Round(ts / dt))
		maxStep = max(maxStep, s)
		rows = append(rows, row{s, popOf[b.g[i]], index[b.g[i]][b.id[i]]})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.step != b.step {
			return cmpInt(a.step, b.step)
		}
		if a.pop != b.pop {
			return cmpInt(a.pop, b.pop)
		}
		return cmpInt(a.neuron, b.neuron)
	})
	t.Step = make([]int64, len(rows))
	t.Pop = make([]int32, len(rows))
	t.Neuron = make([]int32, len(rows))
	for i, r := range rows {
		t.Step[i], t.Pop[i], t.Neuron[i] = r.step, r.pop, r.neuron
	}
	return maxStep
}

func cmpInt[T int32 | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
