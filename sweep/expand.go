package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"dalesim/examples"
	"dalesim/network"
	"dalesim/spec"
)

// PlanFormat is the format tag of sweep-plan.json.
const PlanFormat = "dalesim-sweep-plan/1"

// Plan is an expanded sweep: every run with its full spec.
type Plan struct {
	Format    string `json:"format"`
	Name      string `json:"name"`
	SweepFile string `json:"sweep_file,omitempty"`
	Base      string `json:"base"`
	BaseFile  string `json:"base_file"` // the file a run's relative paths resolve against ("builtin:NAME" for a built-in)
	Threads   int    `json:"threads"`
	// CheckpointEveryMS is the sweep file's checkpoint_every_ms.
	CheckpointEveryMS float64      `json:"checkpoint_every_ms,omitempty"`
	Slurm             SlurmOptions `json:"slurm"`
	Params            []PlanParam  `json:"params"` // the varied parameters, in column order
	Points            []Point      `json:"points"`
}

// PlanParam is a varied parameter: its canonical path (the column of
// sweep.parquet), its kind and the type of its values.
type PlanParam struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	Type string `json:"type"` // integer, float, string, boolean or table
}

// Point is one run of the plan.
type Point struct {
	Index    int     `json:"index"`
	RunID    string  `json:"run_id"`
	Values   []any   `json:"values"` // one per Plan.Params
	Spec     string  `json:"spec"`   // the run's spec, TOML
	MemBytes float64 `json:"mem_bytes"`
}

// base is a resolved base spec.
type base struct {
	builtin string // built-in benchmark name, or ""
	text    []byte // spec text (files and examples)
	file    string // spec.File of every run
}

func (s *Sweep) resolveBase() (*base, error) {
	if f := s.baseFile(); fileExists(f) {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &Error{File: s.File, Entry: "base", Value: show(s.Base), Msg: err.Error()}
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			abs = f
		}
		return &base{text: data, file: abs}, nil
	}
	if slices.Contains(spec.Builtins(), s.Base) {
		return &base{builtin: s.Base, file: "builtin:" + s.Base}, nil
	}
	if s.Base == "mnist" {
		return &base{text: examples.MNIST, file: "examples/mnist.toml"}, nil
	}
	return nil, &Error{File: s.File, Entry: "base", Value: show(s.Base),
		Msg: fmt.Sprintf("no such spec file (%s), nor a built-in (%s, mnist)", s.baseFile(), strings.Join(spec.Builtins(), ", "))}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// assign is a parameter set to one value.
type assign struct {
	p *Param
	v any
}

// errAt is an error of one assignment while building a spec.
type errAt struct {
	i   int // index in the assignment list; -1: the spec as a whole
	err error
}

func (e *errAt) Error() string { return e.err.Error() }

var builtinKeys = map[string]string{"g": "float", "eta": "float", "delay": "float", "scale": "float", "brian2_timing": "boolean", "fixed_point": "boolean"}

// build makes the spec of one point: the base with the assignments applied,
// validated by the spec package. It returns the TOML text, the parsed spec
// and the canonical path of each assignment.
func (b *base) build(as []assign) (string, *spec.Spec, []string, error) {
	canon := make([]string, len(as))
	text := b.text
	if b.builtin != "" {
		var p spec.BuiltinParams
		for i, a := range as {
			if a.p.steps[0].key != "builtin" {
				continue
			}
			canon[i] = a.p.Path
			k := a.p.steps[1].key
			if k != "brian2_timing" && b.builtin != "brunel" {
				return "", nil, nil, &errAt{i, fmt.Errorf("only the brunel benchmark takes %s", k)}
			}
			switch k {
			case "brian2_timing", "fixed_point":
				v, ok := a.v.(bool)
				if !ok {
					return "", nil, nil, &errAt{i, fmt.Errorf("wrong type: builtin.%s is a boolean", k)}
				}
				if k == "fixed_point" {
					p.FixedPoint = v
				} else {
					p.Brian2Timing = v
				}
			default:
				f, ok := toFloat(a.v)
				if !ok {
					return "", nil, nil, &errAt{i, fmt.Errorf("wrong type: builtin.%s is a number", k)}
				}
				switch {
				case k == "scale" && !(f > 0 && f <= 1):
					return "", nil, nil, &errAt{i, fmt.Errorf("builtin.scale must be in (0, 1] (the fraction of the full network)")}
				case !(f >= 0):
					return "", nil, nil, &errAt{i, fmt.Errorf("builtin.%s must be >= 0", k)}
				case k != "scale" && f == 0:
					return "", nil, nil, &errAt{i, fmt.Errorf("builtin.%s must be > 0 (0 would mean the benchmark's default)", k)}
				}
				switch k {
				case "g":
					p.G = f
				case "eta":
					p.Eta = f
				case "delay":
					p.DelayMS = f
				case "scale":
					p.Scale = f
				}
			}
		}
		t, err := spec.BuiltinTOML(b.builtin, p)
		if err != nil {
			return "", nil, nil, &errAt{-1, err}
		}
		text = []byte(t)
	}
	var tree map[string]any
	if _, err := toml.Decode(string(text), &tree); err != nil {
		return "", nil, nil, &errAt{-1, fmt.Errorf("the base spec: %v", err)}
	}
	for i, a := range as {
		if a.p.steps[0].key == "builtin" {
			if b.builtin == "" {
				return "", nil, nil, &errAt{i, fmt.Errorf("builtin.* parameters need a built-in base (base = \"brunel\"), not a spec file")}
			}
			continue
		}
		c, v, err := set(tree, a.p.steps, a.v)
		if err != nil {
			return "", nil, nil, &errAt{i, err}
		}
		canon[i] = c
		if typeName(v) != typeName(a.v) {
			as[i].v = v // as the spec has it (an integer where the spec has a float)
		}
	}
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(tree); err != nil {
		return "", nil, nil, &errAt{-1, err}
	}
	s, err := spec.Parse(buf.Bytes(), b.file)
	if err != nil {
		return "", nil, canon, &errAt{-1, specMsg(err)}
	}
	return buf.String(), s, canon, nil
}

// specMsg rewrites the spec package's errors without the file and line
// (which refer to the generated text): field and rule.
func specMsg(err error) error {
	var msgs []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var se *spec.Error
		if errors.As(e, &se) {
			m := se.Msg
			if se.Field != "" {
				m = se.Field + ": " + m
			}
			msgs = append(msgs, m)
			return
		}
		msgs = append(msgs, e.Error())
	}
	walk(err)
	return errors.New("the spec is invalid: " + strings.Join(msgs, "; "))
}

// Expand checks every parameter against the base spec and returns the plan:
// each value alone, then every point, is applied to the base and validated
// by the spec package; the first problem is returned as an *Error naming the
// sweep entry (or the point), the value and the rule.
func (s *Sweep) Expand() (*Plan, error) {
	b, err := s.resolveBase()
	if err != nil {
		return nil, err
	}
	for i := range s.Set {
		if err := s.checkBuiltinPath(b, &s.Set[i]); err != nil {
			return nil, err
		}
	}
	var sets []assign
	for i := range s.Set {
		sets = append(sets, assign{&s.Set[i], s.Set[i].Values[0]})
	}
	fail := func(as []assign, err error, entry, value string) error {
		var ea *errAt
		if errors.As(err, &ea) && ea.i >= 0 {
			a := as[ea.i]
			return &Error{File: s.File, Entry: a.p.entry, Value: show(a.v), Msg: ea.err.Error()}
		}
		return &Error{File: s.File, Entry: entry, Value: value, Msg: err.Error()}
	}
	_, _, canon, err := b.build(sets)
	if err != nil {
		return nil, fail(sets, err, "[set]", "")
	}
	for i := range s.Set {
		s.Set[i].Path = canon[i]
	}
	varied := s.Varied()
	for i := range varied {
		if err := s.checkBuiltinPath(b, &varied[i]); err != nil {
			return nil, err
		}
	}
	// Each value alone, on the base with [set] applied.
	for i := range varied {
		p := &varied[i]
		for _, v := range p.Values {
			as := append(slices.Clone(sets), assign{p, v})
			_, _, canon, err := b.build(as)
			if err != nil {
				return nil, fail(as, err, p.entry, show(v))
			}
			p.Path = canon[len(canon)-1]
			if f, ok := as[len(as)-1].v.(float64); ok && typeName(v) == "integer" {
				p.Values[slices.Index(p.Values, v)] = f
			}
		}
	}
	// Canonical paths are unique.
	seen := map[string]string{}
	for _, p := range slices.Concat(s.Set, varied) {
		if prev, ok := seen[p.Path]; ok {
			return nil, &Error{File: s.File, Entry: p.entry, Msg: fmt.Sprintf("duplicate parameter: %s already sets %s", prev, p.Path)}
		}
		seen[p.Path] = p.entry
	}
	plan := &Plan{Format: PlanFormat, Name: s.Name, Base: s.Base, BaseFile: b.file, Threads: s.Threads, CheckpointEveryMS: s.CheckpointEveryMS, Slurm: s.Slurm}
	if s.File != "" {
		if abs, err := filepath.Abs(s.File); err == nil {
			plan.SweepFile = abs
		}
	}
	if plan.Name == "" && s.File != "" {
		plan.Name = strings.TrimSuffix(filepath.Base(s.File), filepath.Ext(s.File))
	}
	for _, p := range varied {
		t := valuesType(p.Values)
		if t == "integer" && p.steps[0].key == "builtin" {
			t = "float" // g, eta, delay, scale are numbers however written
		}
		plan.Params = append(plan.Params, PlanParam{Path: p.Path, Kind: p.Kind, Type: t})
	}
	for idx, vals := range s.points(varied) {
		as := slices.Clone(sets)
		for i := range varied {
			as = append(as, assign{&varied[i], vals[i]})
		}
		text, sp, _, err := b.build(as)
		if err != nil {
			var parts []string
			for i, p := range varied {
				parts = append(parts, p.Path+" = "+show(vals[i]))
			}
			return nil, fail(as, err, fmt.Sprintf("point %d (%s)", idx, strings.Join(parts, ", ")), "")
		}
		h := fnv.New32a()
		h.Write([]byte(text))
		plan.Points = append(plan.Points, Point{
			Index: idx, RunID: fmt.Sprintf("%04d-%08x", idx, h.Sum32()), Values: normalize(vals, plan.Params),
			Spec: text, MemBytes: network.EstimateFor(sp, network.Options{Threads: s.Threads}).Total,
		})
	}
	return plan, nil
}

// checkBuiltinPath checks a builtin.* path: two parts, a known key.
func (s *Sweep) checkBuiltinPath(b *base, p *Param) error {
	if p.steps[0].key != "builtin" {
		return nil
	}
	if len(p.steps) != 2 || p.steps[1].sel || builtinKeys[p.steps[1].key] == "" {
		return &Error{File: s.File, Entry: p.entry, Msg: "unknown path: the built-in parameters are builtin.g, builtin.eta, builtin.delay, builtin.scale, builtin.brian2_timing, builtin.fixed_point"}
	}
	if b.builtin == "" {
		return &Error{File: s.File, Entry: p.entry, Msg: "builtin.* parameters need a built-in base (base = \"brunel\"), not a spec file"}
	}
	return nil
}

// points enumerates the values of every point: grid row-major (first key
// slowest), then the zipped lists, then the seed (fastest).
func (s *Sweep) points(varied []Param) [][]any {
	nGrid, nList := len(s.Grid), len(s.Lists)
	listLen := 1
	if nList > 0 {
		listLen = len(s.Lists[0].Values)
	}
	seeds := max(len(s.Seeds), 1)
	var out [][]any
	idx := make([]int, nGrid)
	for {
		for l := range listLen {
			for sd := range seeds {
				vals := make([]any, 0, len(varied))
				for g := range nGrid {
					vals = append(vals, varied[g].Values[idx[g]])
				}
				for k := range nList {
					vals = append(vals, varied[nGrid+k].Values[l])
				}
				if len(s.Seeds) > 0 {
					vals = append(vals, s.Seeds[sd])
				}
				out = append(out, vals)
			}
		}
		// advance the grid odometer, last key fastest
		g := nGrid - 1
		for ; g >= 0; g-- {
			idx[g]++
			if idx[g] < len(varied[g].Values) {
				break
			}
			idx[g] = 0
		}
		if g < 0 {
			return out
		}
	}
}

// valuesType is the column type of a parameter's values.
func valuesType(vals []any) string {
	t := ""
	for _, v := range vals {
		k := typeName(v)
		switch {
		case t == "" || t == k:
			t = k
		case (t == "integer" && k == "float") || (t == "float" && k == "integer"):
			t = "float"
		default:
			return "table" // numbers mixed with distributions: written as text
		}
	}
	return t
}

// normalize converts a point's values to their column types (integers in a
// float column become floats).
func normalize(vals []any, params []PlanParam) []any {
	out := slices.Clone(vals)
	for i, v := range out {
		if params[i].Type == "float" {
			if n, ok := v.(int64); ok {
				out[i] = float64(n)
			}
		}
	}
	return out
}

// Size is the number of points the sweep expands to.
func (s *Sweep) Size() int {
	n := max(len(s.Seeds), 1)
	for _, p := range s.Grid {
		n *= len(p.Values)
	}
	if len(s.Lists) > 0 {
		n *= len(s.Lists[0].Values)
	}
	return n
}
