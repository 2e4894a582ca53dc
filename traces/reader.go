package traces

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// SpikeTable holds a spikes table in columns, sorted by (step, population
// index, neuron) when read from a dalesim run.
type SpikeTable struct {
	Meta        Meta     // from the file footer (for a partitioned run, the first file)
	Populations []string // population names; Pop values index this (Meta.Populations order first)
	Step        []int64
	Pop         []int32
	Neuron      []int32
}

// Len returns the number of spikes.
func (t *SpikeTable) Len() int { return len(t.Step) }

// TimeMS returns the time of spike i in ms (Step[i]*Meta.DtMS).
func (t *SpikeTable) TimeMS(i int) float64 { return float64(t.Step[i]) * t.Meta.DtMS }

// StateTable holds a states table in columns (long format).
type StateTable struct {
	Meta        Meta
	Populations []string // Pop values index this
	Vars        []string // Var values index this
	Step        []int64
	Pop         []int32
	Neuron      []int32
	Var         []int32
	Value       []float32
}

// Len returns the number of samples.
func (t *StateTable) Len() int { return len(t.Step) }

// WeightTable holds weight snapshots in columns.
type WeightTable struct {
	Meta        Meta
	Projections []string // Proj values index this (Meta.Projections order first)
	Step        []int64
	Proj        []int32
	Pre         []int32
	Post        []int32
	Weight      []float32
	Sign        []int8
}

// Len returns the number of rows (synapse snapshots).
func (t *WeightTable) Len() int { return len(t.Step) }

// Snapshot returns the weights (magnitudes) of projection proj at the last
// snapshot step <= step (use math.MaxInt64 for the last snapshot), and that
// step; ok is false when there is none.
func (t *WeightTable) Snapshot(proj int, step int64) (w []float64, at int64, ok bool) {
	at = -1
	for i := range t.Step {
		if int(t.Proj[i]) == proj && t.Step[i] <= step && t.Step[i] > at {
			at = t.Step[i]
		}
	}
	if at < 0 {
		return nil, -1, false
	}
	for i := range t.Step {
		if int(t.Proj[i]) == proj && t.Step[i] == at {
			w = append(w, float64(t.Weight[i]))
		}
	}
	return w, at, true
}

// RateTable holds population rates in columns.
type RateTable struct {
	Meta        Meta
	Populations []string
	Step        []int64
	Pop         []int32
	BinMS       []float64
	RateHz      []float32
}

// Len returns the number of bins.
func (t *RateTable) Len() int { return len(t.Step) }

// ReadSpikes reads the spikes table of path: a spikes Parquet file, a run
// directory (flat, or DIR/run=<id> when partitioned), or a directory of
// partitioned runs holding exactly one run.
func ReadSpikes(path string) (*SpikeTable, error) {
	files, err := resolve(path, TableSpikes)
	if err != nil {
		return nil, err
	}
	// The parts of one directory (a population's, or a flat run's) follow
	// each other in step order: they are appended; the directories'
	// tables are then merged.
	var parts []*SpikeTable
	for i, f := range files {
		t, err := readFile(f, func(name string, r io.ReaderAt, size int64) (*SpikeTable, error) {
			return decodeSpikes(name, r, size)
		})
		if err != nil {
			return nil, err
		}
		if i > 0 && filepath.Dir(f) == filepath.Dir(files[i-1]) {
			appendSpikes(parts[len(parts)-1], t)
			continue
		}
		parts = append(parts, t)
	}
	return mergeSpikes(parts), nil
}

// appendSpikes appends the spikes of a later part to out.
func appendSpikes(out, t *SpikeTable) {
	pop := remapNames(&out.Populations, t.Populations)
	out.Step = append(out.Step, t.Step...)
	out.Neuron = append(out.Neuron, t.Neuron...)
	for _, p := range t.Pop {
		out.Pop = append(out.Pop, pop[p])
	}
	lastMeta(&out.Meta, t.Meta)
}

// ReadStates reads the states table (see ReadSpikes for path); the parts of
// a rolled run are joined in part order.
func ReadStates(path string) (*StateTable, error) {
	files, err := resolve(path, TableStates)
	if err != nil {
		return nil, err
	}
	return readParts(files, decodeStates, func(out, t *StateTable) {
		pop, vars := remapNames(&out.Populations, t.Populations), remapNames(&out.Vars, t.Vars)
		out.Step = append(out.Step, t.Step...)
		out.Neuron = append(out.Neuron, t.Neuron...)
		out.Value = append(out.Value, t.Value...)
		for i := range t.Pop {
			out.Pop = append(out.Pop, pop[t.Pop[i]])
			out.Var = append(out.Var, vars[t.Var[i]])
		}
		lastMeta(&out.Meta, t.Meta)
	})
}

// ReadWeights reads the weights table (see ReadSpikes for path); the parts
// of a rolled run are joined in part order.
func ReadWeights(path string) (*WeightTable, error) {
	files, err := resolve(path, TableWeights)
	if err != nil {
		return nil, err
	}
	return readParts(files, decodeWeights, func(out, t *WeightTable) {
		proj := remapNames(&out.Projections, t.Projections)
		out.Step = append(out.Step, t.Step...)
		out.Pre = append(out.Pre, t.Pre...)
		out.Post = append(out.Post, t.Post...)
		out.Weight = append(out.Weight, t.Weight...)
		out.Sign = append(out.Sign, t.Sign...)
		for _, p := range t.Proj {
			out.Proj = append(out.Proj, proj[p])
		}
		lastMeta(&out.Meta, t.Meta)
	})
}

// ReadRates reads the rates table (see ReadSpikes for path); the parts of a
// rolled run are joined in part order.
func ReadRates(path string) (*RateTable, error) {
	files, err := resolve(path, TableRates)
	if err != nil {
		return nil, err
	}
	return readParts(files, decodeRates, func(out, t *RateTable) {
		pop := remapNames(&out.Populations, t.Populations)
		out.Step = append(out.Step, t.Step...)
		out.BinMS = append(out.BinMS, t.BinMS...)
		out.RateHz = append(out.RateHz, t.RateHz...)
		for _, p := range t.Pop {
			out.Pop = append(out.Pop, pop[p])
		}
		lastMeta(&out.Meta, t.Meta)
	})
}

// readParts decodes the files of a table (in part order) and appends every
// one after the first to the first.
func readParts[T any](files []string, decode func(name string, r io.ReaderAt, size int64) (*T, error), join func(out, t *T)) (*T, error) {
	var out *T
	for _, f := range files {
		t, err := readFile(f, decode)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = t
		} else {
			join(out, t)
		}
	}
	return out, nil
}

// remapNames adds the names of a later part to a table's and returns, for
// each of the part's name indices, the table's.
func remapNames(names *[]string, part []string) []int32 {
	m := make([]int32, len(part))
	for i, n := range part {
		j := slices.Index(*names, n)
		if j < 0 {
			j = len(*names)
			*names = append(*names, n)
		}
		m[i] = int32(j)
	}
	return m
}

// lastMeta takes the status and last step of the part that ends last.
func lastMeta(m *Meta, part Meta) {
	if part.LastStep >= m.LastStep {
		m.LastStep, m.Status = part.LastStep, part.Status
	}
}

// ReadMeta returns the run metadata of path: a trace file (its footer), a run
// directory (run.json), or a directory holding exactly one partitioned run.
func ReadMeta(path string) (Meta, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Meta{}, notFound(path, err)
	}
	if st.IsDir() {
		dir, err := runDir(path)
		if err != nil {
			return Meta{}, err
		}
		mp := filepath.Join(dir, manifestName)
		if _, err := os.Stat(mp); err == nil {
			m, err := ReadManifest(mp)
			if err != nil {
				return Meta{}, err
			}
			return m.Meta, nil
		}
		found := ""
		for _, t := range tableNames {
			if files, err := resolve(dir, t); err == nil {
				found = files[0]
				break
			}
		}
		if found == "" {
			return Meta{}, fmt.Errorf("traces: %s holds no dalesim run (no %s and no trace file)", dir, manifestName)
		}
		path = found
	} else if filepath.Base(path) == manifestName {
		m, err := ReadManifest(path)
		if err != nil {
			return Meta{}, err
		}
		return m.Meta, nil
	}
	type metaOnly struct{ Meta }
	res, err := readFile(path, func(name string, r io.ReaderAt, size int64) (*metaOnly, error) {
		f, err := openParquet(name, r, size)
		if err != nil {
			return nil, err
		}
		m, _, _, err := fileMeta(name, f)
		return &metaOnly{m}, err
	})
	if err != nil {
		return Meta{}, err
	}
	return res.Meta, nil
}

func notFound(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("traces: %s: no such file or directory", path)
	}
	return fmt.Errorf("traces: %w", err)
}

// runDir turns a directory of partitioned runs holding one run into that
// run's directory; other directories are returned unchanged.
func runDir(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return dir, nil
	}
	runs, _ := filepath.Glob(filepath.Join(dir, runPrefix+"*"))
	var ds []string
	for _, r := range runs {
		if st, err := os.Stat(r); err == nil && st.IsDir() {
			ds = append(ds, r)
		}
	}
	switch len(ds) {
	case 0:
		return dir, nil
	case 1:
		return ds[0], nil
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = filepath.Base(d)
	}
	return "", fmt.Errorf("traces: %s holds %d runs (%s); pass one run directory, e.g. %s",
		dir, len(ds), listShort(names), ds[0])
}

// resolve returns the Parquet files holding table under path.
func resolve(path, table string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, notFound(path, err)
	}
	if !st.IsDir() {
		if strings.HasSuffix(path, inProgressExt) {
			return nil, fmt.Errorf("traces: %s was never closed: it has no Parquet footer (the run was killed before Writer.Close)", path)
		}
		if filepath.Base(path) == manifestName {
			return resolve(filepath.Dir(path), table)
		}
		return []string{path}, nil
	}
	dir, err := runDir(path)
	if err != nil {
		return nil, err
	}
	flat := filepath.Join(dir, flatFile(table))
	if _, err := os.Stat(flat); err == nil {
		return []string{flat}, nil
	}
	// The parts of a rolled flat run, or of a partitioned run. A killed
	// run's last part is still .inprogress: the complete parts are read.
	flatParts := filepath.Join(dir, table+flatPartInfix+"*.parquet")
	pattern := filepath.Join(dir, table, partPrefix+"*.parquet")
	if table == TableSpikes {
		pattern = filepath.Join(dir, table, popPrefix+"*", partPrefix+"*.parquet")
	}
	var files []string
	for _, pat := range []string{flatParts, pattern} {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			if _, ok := PartIndex(f); ok {
				files = append(files, f)
			}
		}
	}
	if len(files) > 0 {
		sortParts(files)
		return files, nil
	}
	// Explain why nothing was found.
	unfinished, _ := filepath.Glob(pattern + inProgressExt)
	more, _ := filepath.Glob(flatParts + inProgressExt)
	unfinished = append(unfinished, more...)
	if _, err := os.Stat(flat + inProgressExt); err == nil {
		unfinished = append(unfinished, flat+inProgressExt)
	}
	if len(unfinished) > 0 {
		return nil, fmt.Errorf("traces: the run in %s was not closed: %s has no Parquet footer (the run was killed before Writer.Close)",
			dir, unfinished[0])
	}
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return nil, &noTableError{fmt.Sprintf("traces: the run in %s has no %s table (it was not recorded)", dir, table)}
	}
	return nil, fmt.Errorf("traces: %s holds no dalesim run (no %s, %s or %s<id>/ directory)", dir, manifestName, flatFile(table), runPrefix)
}

// ErrNoTable is matched (errors.Is) by the error of a reader asked for a
// table that the run did not record.
var ErrNoTable = errors.New("traces: table not recorded")

type noTableError struct{ msg string }

func (e *noTableError) Error() string        { return e.msg }
func (e *noTableError) Is(target error) bool { return target == ErrNoTable }

// readFile opens path and decodes it, turning a panic in the Parquet library
// (possible on corrupt input) into an error.
func readFile[T any](path string, decode func(name string, r io.ReaderAt, size int64) (*T, error)) (*T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, notFound(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("traces: %s is a directory", path)
	}
	return safeDecode(path, f, st.Size(), decode)
}

func safeDecode[T any](name string, r io.ReaderAt, size int64, decode func(name string, r io.ReaderAt, size int64) (*T, error)) (t *T, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("traces: %s: corrupt Parquet file: %v", name, p)
		}
	}()
	return decode(name, r, size)
}

// openParquet checks the magic bytes and footer length (so that garbage gets
// a clear message and no huge allocation) and opens the file.
func openParquet(name string, r io.ReaderAt, size int64) (*parquet.File, error) {
	if size == 0 {
		return nil, fmt.Errorf("traces: %s is empty, not a Parquet file", name)
	}
	var head [4]byte
	if size < 4 {
		return nil, fmt.Errorf("traces: %s is not a Parquet file (%d bytes, no PAR1 magic)", name, size)
	}
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("traces: reading %s: %w", name, err)
	}
	if string(head[:]) != "PAR1" {
		return nil, fmt.Errorf("traces: %s is not a Parquet file (it starts with %q, not the PAR1 magic)", name, head[:])
	}
	var tail [8]byte
	if size < 12 {
		return nil, fmt.Errorf("traces: %s is a truncated Parquet file (%d bytes, no footer)", name, size)
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, fmt.Errorf("traces: reading %s: %w", name, err)
	}
	if string(tail[4:]) != "PAR1" {
		return nil, fmt.Errorf("traces: %s is a truncated Parquet file: the footer is missing (file cut short, or the writer was killed before Close)", name)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return nil, fmt.Errorf("traces: %s is a corrupt or truncated Parquet file: footer length %d exceeds the file size %d", name, n, size)
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("traces: %s is a corrupt Parquet file: %w", name, err)
	}
	return f, nil
}

// fileMeta parses the dalesim metadata of f.
func fileMeta(name string, f *parquet.File) (m Meta, table string, hasMeta bool, err error) {
	kvs := f.Metadata().KeyValueMetadata
	keys := make([]string, len(kvs))
	for i, kv := range kvs {
		keys[i] = kv.Key
	}
	m, table, hasMeta, err = metaFromKeyValues(f.Lookup, keys)
	if err != nil {
		err = fmt.Errorf("traces: %s: %w", name, err)
	}
	return
}

// open opens a file of table: footer, metadata and schema.
func open(name string, r io.ReaderAt, size int64, table string) (*parquet.File, Meta, []int, error) {
	f, err := openParquet(name, r, size)
	if err != nil {
		return nil, Meta{}, nil, err
	}
	m, ftable, _, err := fileMeta(name, f)
	if err != nil {
		return nil, Meta{}, nil, err
	}
	cols, err := checkSchema(name, f, table, ftable)
	if err != nil {
		return nil, Meta{}, nil, err
	}
	if err := checkPages(name, f, r, size, cols); err != nil {
		return nil, Meta{}, nil, err
	}
	return f, m, cols, nil
}

// prealloc bounds the capacity reserved from a row count read in a footer
// that may be corrupt.
func prealloc(rows, size int64) int {
	return int(max(0, min(rows, 4*size+1024, 1<<26)))
}

// names maps strings of a dictionary column to indices.
type names struct {
	list []string
	m    map[string]int32
}

func newNames(init []string) *names {
	n := &names{m: map[string]int32{}}
	for _, s := range init {
		n.index([]byte(s))
	}
	return n
}

func (n *names) index(b []byte) int32 {
	if i, ok := n.m[string(b)]; ok {
		return i
	}
	i := int32(len(n.list))
	s := string(b)
	n.list = append(n.list, s)
	n.m[s] = i
	return i
}

// column decoding ---------------------------------------------------------

// eachPage calls fn with the values of every page of column col of rg.
func eachPage(name string, rg parquet.RowGroup, col int, fn func(parquet.ValueReader) error) error {
	cc := rg.ColumnChunks()[col]
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("traces: %s is a corrupt Parquet file: %w", name, err)
		}
		err = fn(p.Values())
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

const chunk = 4096

var errNull = errors.New("null value")

func readInts[T int32 | int64 | int8](name string, rg parquet.RowGroup, col int, dst []T) ([]T, error) {
	var vbuf []parquet.Value
	err := eachPage(name, rg, col, func(vr parquet.ValueReader) error {
		switch r := vr.(type) {
		case parquet.Int64Reader:
			var tmp [chunk]int64
			for {
				n, err := r.ReadInt64s(tmp[:])
				for _, v := range tmp[:n] {
					if int64(T(v)) != v {
						return fmt.Errorf("value %d out of range", v)
					}
					dst = append(dst, T(v))
				}
				if err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
			}
		case parquet.Int32Reader:
			var tmp [chunk]int32
			for {
				n, err := r.ReadInt32s(tmp[:])
				for _, v := range tmp[:n] {
					if int32(T(v)) != v {
						return fmt.Errorf("value %d out of range", v)
					}
					dst = append(dst, T(v))
				}
				if err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
			}
		}
		if vbuf == nil {
			vbuf = make([]parquet.Value, chunk)
		}
		for {
			n, err := vr.ReadValues(vbuf)
			for _, v := range vbuf[:n] {
				var x int64
				switch v.Kind() {
				case parquet.Int32:
					x = int64(v.Int32())
				case parquet.Int64:
					x = v.Int64()
				default:
					if v.IsNull() {
						return errNull
					}
					return fmt.Errorf("unexpected %v value", v.Kind())
				}
				if int64(T(x)) != x {
					return fmt.Errorf("value %d out of range", x)
				}
				dst = append(dst, T(x))
			}
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	})
	return dst, colErr(name, rg, col, err)
}

func readFloats[T float32 | float64](name string, rg parquet.RowGroup, col int, dst []T) ([]T, error) {
	var vbuf []parquet.Value
	err := eachPage(name, rg, col, func(vr parquet.ValueReader) error {
		switch r := vr.(type) {
		case parquet.DoubleReader:
			var tmp [chunk]float64
			for {
				n, err := r.ReadDoubles(tmp[:])
				for _, v := range tmp[:n] {
					dst = append(dst, T(v))
				}
				if err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
			}
		case parquet.FloatReader:
			var tmp [chunk]float32
			for {
				n, err := r.ReadFloats(tmp[:])
				for _, v := range tmp[:n] {
					dst = append(dst, T(v))
				}
				if err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
			}
		}
		if vbuf == nil {
			vbuf = make([]parquet.Value, chunk)
		}
		for {
			n, err := vr.ReadValues(vbuf)
			for _, v := range vbuf[:n] {
				switch v.Kind() {
				case parquet.Float:
					dst = append(dst, T(v.Float()))
				case parquet.Double:
					dst = append(dst, T(v.Double()))
				default:
					if v.IsNull() {
						return errNull
					}
					return fmt.Errorf("unexpected %v value", v.Kind())
				}
			}
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	})
	return dst, colErr(name, rg, col, err)
}

func readNames(name string, rg parquet.RowGroup, col int, nm *names, dst []int32) ([]int32, error) {
	vbuf := make([]parquet.Value, chunk)
	err := eachPage(name, rg, col, func(vr parquet.ValueReader) error {
		for {
			n, err := vr.ReadValues(vbuf)
			for _, v := range vbuf[:n] {
				if v.Kind() != parquet.ByteArray {
					if v.IsNull() {
						return errNull
					}
					return fmt.Errorf("unexpected %v value", v.Kind())
				}
				dst = append(dst, nm.index(v.ByteArray()))
			}
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	})
	return dst, colErr(name, rg, col, err)
}

func colErr(name string, rg parquet.RowGroup, col int, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), "traces: ") {
		return err
	}
	c := rg.Schema().Columns()[col]
	if errors.Is(err, errNull) {
		return fmt.Errorf("traces: %s: column %q has null values", name, strings.Join(c, "."))
	}
	return fmt.Errorf("traces: %s: column %q: %w", name, strings.Join(c, "."), err)
}

// checkRows verifies that every column of a row group produced as many values
// as the row group has rows.
func checkRows(name string, want int64, got ...int) error {
	for _, g := range got {
		if int64(g) != want {
			return fmt.Errorf("traces: %s is a corrupt Parquet file: a column has %d values where the row groups hold %d rows", name, g, want)
		}
	}
	return nil
}

func decodeSpikes(name string, r io.ReaderAt, size int64) (*SpikeTable, error) {
	f, m, cols, err := open(name, r, size, TableSpikes)
	if err != nil {
		return nil, err
	}
	pops := make([]string, len(m.Populations))
	for i, p := range m.Populations {
		pops[i] = p.Name
	}
	nm := newNames(pops)
	n := prealloc(f.NumRows(), size)
	t := &SpikeTable{Meta: m, Step: make([]int64, 0, n), Pop: make([]int32, 0, n), Neuron: make([]int32, 0, n)}
	var total int64
	for _, rg := range f.RowGroups() {
		if t.Step, err = readInts(name, rg, cols[0], t.Step); err != nil {
			return nil, err
		}
		if t.Pop, err = readNames(name, rg, cols[1], nm, t.Pop); err != nil {
			return nil, err
		}
		if t.Neuron, err = readInts(name, rg, cols[2], t.Neuron); err != nil {
			return nil, err
		}
		total += rg.NumRows()
		if err := checkRows(name, total, len(t.Step), len(t.Pop), len(t.Neuron)); err != nil {
			return nil, err
		}
	}
	t.Populations = nm.list
	return t, nil
}

func decodeStates(name string, r io.ReaderAt, size int64) (*StateTable, error) {
	f, m, cols, err := open(name, r, size, TableStates)
	if err != nil {
		return nil, err
	}
	pops := make([]string, len(m.Populations))
	for i, p := range m.Populations {
		pops[i] = p.Name
	}
	pn, vn := newNames(pops), newNames(nil)
	t := &StateTable{Meta: m}
	var total int64
	for _, rg := range f.RowGroups() {
		if t.Step, err = readInts(name, rg, cols[0], t.Step); err != nil {
			return nil, err
		}
		if t.Pop, err = readNames(name, rg, cols[1], pn, t.Pop); err != nil {
			return nil, err
		}
		if t.Neuron, err = readInts(name, rg, cols[2], t.Neuron); err != nil {
			return nil, err
		}
		if t.Var, err = readNames(name, rg, cols[3], vn, t.Var); err != nil {
			return nil, err
		}
		if t.Value, err = readFloats(name, rg, cols[4], t.Value); err != nil {
			return nil, err
		}
		total += rg.NumRows()
		if err := checkRows(name, total, len(t.Step), len(t.Pop), len(t.Neuron), len(t.Var), len(t.Value)); err != nil {
			return nil, err
		}
	}
	t.Populations, t.Vars = pn.list, vn.list
	return t, nil
}

func decodeWeights(name string, r io.ReaderAt, size int64) (*WeightTable, error) {
	f, m, cols, err := open(name, r, size, TableWeights)
	if err != nil {
		return nil, err
	}
	projs := make([]string, len(m.Projections))
	for i, p := range m.Projections {
		projs[i] = p.Name
	}
	nm := newNames(projs)
	n := prealloc(f.NumRows(), size)
	t := &WeightTable{Meta: m, Step: make([]int64, 0, n), Proj: make([]int32, 0, n), Pre: make([]int32, 0, n),
		Post: make([]int32, 0, n), Weight: make([]float32, 0, n), Sign: make([]int8, 0, n)}
	var total int64
	for _, rg := range f.RowGroups() {
		if t.Step, err = readInts(name, rg, cols[0], t.Step); err != nil {
			return nil, err
		}
		if t.Proj, err = readNames(name, rg, cols[1], nm, t.Proj); err != nil {
			return nil, err
		}
		if t.Pre, err = readInts(name, rg, cols[2], t.Pre); err != nil {
			return nil, err
		}
		if t.Post, err = readInts(name, rg, cols[3], t.Post); err != nil {
			return nil, err
		}
		if t.Weight, err = readFloats(name, rg, cols[4], t.Weight); err != nil {
			return nil, err
		}
		if t.Sign, err = readInts(name, rg, cols[5], t.Sign); err != nil {
			return nil, err
		}
		total += rg.NumRows()
		if err := checkRows(name, total, len(t.Step), len(t.Proj), len(t.Pre), len(t.Post), len(t.Weight), len(t.Sign)); err != nil {
			return nil, err
		}
	}
	t.Projections = nm.list
	return t, nil
}

func decodeRates(name string, r io.ReaderAt, size int64) (*RateTable, error) {
	f, m, cols, err := open(name, r, size, TableRates)
	if err != nil {
		return nil, err
	}
	pops := make([]string, len(m.Populations))
	for i, p := range m.Populations {
		pops[i] = p.Name
	}
	nm := newNames(pops)
	t := &RateTable{Meta: m}
	var total int64
	for _, rg := range f.RowGroups() {
		if t.Step, err = readInts(name, rg, cols[0], t.Step); err != nil {
			return nil, err
		}
		if t.Pop, err = readNames(name, rg, cols[1], nm, t.Pop); err != nil {
			return nil, err
		}
		if t.BinMS, err = readFloats(name, rg, cols[2], t.BinMS); err != nil {
			return nil, err
		}
		if t.RateHz, err = readFloats(name, rg, cols[3], t.RateHz); err != nil {
			return nil, err
		}
		total += rg.NumRows()
		if err := checkRows(name, total, len(t.Step), len(t.Pop), len(t.BinMS), len(t.RateHz)); err != nil {
			return nil, err
		}
	}
	t.Populations = nm.list
	return t, nil
}

// mergeSpikes joins the tables of the files of one run (one per population
// when partitioned) into one table sorted by (step, population index, neuron).
func mergeSpikes(parts []*SpikeTable) *SpikeTable {
	if len(parts) == 1 {
		return parts[0]
	}
	out := &SpikeTable{Meta: parts[0].Meta}
	nm := newNames(parts[0].Populations)
	total := 0
	remap := make([][]int32, len(parts))
	for i, p := range parts {
		total += p.Len()
		remap[i] = make([]int32, len(p.Populations))
		for j, name := range p.Populations {
			remap[i][j] = nm.index([]byte(name))
		}
		lastMeta(&out.Meta, p.Meta)
	}
	out.Step = make([]int64, 0, total)
	out.Pop = make([]int32, 0, total)
	out.Neuron = make([]int32, 0, total)
	pos := make([]int, len(parts))
	less := func(a, ia, b, ib int) bool { // row ia of part a before row ib of part b?
		sa, sb := parts[a].Step[ia], parts[b].Step[ib]
		if sa != sb {
			return sa < sb
		}
		pa, pb := remap[a][parts[a].Pop[ia]], remap[b][parts[b].Pop[ib]]
		if pa != pb {
			return pa < pb
		}
		return parts[a].Neuron[ia] < parts[b].Neuron[ib]
	}
	for len(out.Step) < total {
		best := -1
		for k, p := range parts {
			if pos[k] < p.Len() && (best < 0 || less(k, pos[k], best, pos[best])) {
				best = k
			}
		}
		p, i := parts[best], pos[best]
		// Copy the run of rows of this part that share step and population.
		j := i + 1
		for j < p.Len() && p.Step[j] == p.Step[i] && p.Pop[j] == p.Pop[i] {
			j++
		}
		out.Step = append(out.Step, p.Step[i:j]...)
		for _, pi := range p.Pop[i:j] {
			out.Pop = append(out.Pop, remap[best][pi])
		}
		out.Neuron = append(out.Neuron, p.Neuron[i:j]...)
		pos[best] = j
	}
	out.Populations = nm.list
	return out
}

// readSpikesBytes decodes a spikes file held in memory (used by the fuzz
// target).
func readSpikesBytes(name string, b []byte) (*SpikeTable, error) {
	return safeDecode(name, bytes.NewReader(b), int64(len(b)), decodeSpikes)
}

// RunDir returns the directory of the run in dir: dir itself when it holds
// a flat run (or any run.json), or its only run=<id> directory. A
// directory of several partitioned runs is an error that names them.
func RunDir(dir string) (string, error) { return runDir(dir) }
