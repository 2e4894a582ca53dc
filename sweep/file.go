package sweep

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a problem with a sweep file: which entry, which value, and why.
type Error struct {
	File  string // the sweep file
	Entry string // e.g. grid."population.E.tau_m_ms"; "" for the file as a whole
	Value string // the offending value as written; "" when none
	Msg   string // the rule
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Entry != "" {
		b.WriteString(e.Entry)
		if e.Value != "" {
			b.WriteString(" = ")
			b.WriteString(e.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// IsError reports whether err holds a sweep-file problem (bad input).
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Kinds of parameters.
const (
	KindSet  = "set"  // one value for every run
	KindGrid = "grid" // cartesian product
	KindList = "list" // zipped
	KindSeed = "seed" // the seeds list
)

// Param is one entry of a sweep file.
type Param struct {
	Path   string // as canonicalised by Expand (as written until then)
	Kind   string
	Values []any // int64, float64, string, bool or map[string]any (a table)
	entry  string
	steps  []step
}

// Sweep is a parsed sweep file.
type Sweep struct {
	File    string // path of the sweep file ("" when parsed from text)
	Name    string
	Base    string // as written
	Threads int
	// CheckpointEveryMS, if > 0, makes every run save a checkpoint every
	// that many ms of simulated time (dalesim run --checkpoint-every), so
	// that a killed or requeued Slurm task resumes it (run --resume).
	CheckpointEveryMS float64
	Set               []Param
	Grid              []Param
	Lists             []Param
	Seeds             []int64
	Slurm             SlurmOptions
}

// SlurmOptions are the [slurm] table of a sweep file.
type SlurmOptions struct {
	Partition string   `json:"partition,omitempty"`
	Time      string   `json:"time,omitempty"`    // --time, e.g. "01:00:00"
	Account   string   `json:"account,omitempty"` // --account
	MemMargin float64  `json:"mem_margin"`        // --mem = estimate * margin + 256 MiB (default 1.5)
	Extra     []string `json:"extra,omitempty"`   // more "#SBATCH" options, e.g. "--qos=short"
}

// Varied returns the parameters that vary between runs: grid, lists, then
// the seed.
func (s *Sweep) Varied() []Param {
	v := slices.Concat(s.Grid, s.Lists)
	if len(s.Seeds) > 0 {
		vals := make([]any, len(s.Seeds))
		for i, x := range s.Seeds {
			vals[i] = x
		}
		v = append(v, Param{Path: "seed", Kind: KindSeed, Values: vals, entry: "seeds", steps: []step{{key: "seed"}}})
	}
	return v
}

// Load reads and parses a sweep file (see Parse).
func Load(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(data, path)
}

var topKeys = []string{"name", "base", "threads", "checkpoint_every_ms", "seeds", "set", "grid", "lists", "slurm"}

// Parse reads a sweep file's text; file names it in errors and anchors a
// relative base path. It checks the file's own rules (types, empty or
// uneven lists, duplicates, seeds, path syntax); Expand checks the paths
// and values against the base spec.
func Parse(data []byte, file string) (*Sweep, error) {
	bad := func(entry, value, format string, a ...any) error {
		return &Error{File: file, Entry: entry, Value: value, Msg: fmt.Sprintf(format, a...)}
	}
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		msg := err.Error()
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg = fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, &Error{File: file, Msg: "not a valid TOML file: " + msg}
	}
	s := &Sweep{File: file, Threads: 1, Slurm: SlurmOptions{MemMargin: 1.5}}
	for k := range raw {
		if !slices.Contains(topKeys, k) {
			return nil, bad(k, "", "unknown key (a sweep file has %s)", strings.Join(topKeys, ", "))
		}
	}
	str := func(k string) (string, error) {
		v, ok := raw[k]
		if !ok {
			return "", nil
		}
		x, ok := v.(string)
		if !ok {
			return "", bad(k, show(v), "must be a string")
		}
		return x, nil
	}
	if s.Name, err = str("name"); err != nil {
		return nil, err
	}
	if s.Base, err = str("base"); err != nil {
		return nil, err
	}
	if s.Base == "" {
		return nil, bad("base", "", "missing: name the base spec (a spec file, a built-in benchmark such as brunel, or mnist)")
	}
	if v, ok := raw["threads"]; ok {
		n, isInt := v.(int64)
		if !isInt || n < 1 || n > 1024 {
			return nil, bad("threads", show(v), "must be an integer between 1 and 1024")
		}
		s.Threads = int(n)
	}
	if v, ok := raw["checkpoint_every_ms"]; ok {
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			return nil, bad("checkpoint_every_ms", show(v), "must be a number of ms >= 0")
		}
		if !(f >= 0) || math.IsInf(f, 0) {
			return nil, bad("checkpoint_every_ms", show(v), "must be a number of ms >= 0 (0: no checkpoints)")
		}
		s.CheckpointEveryMS = f
	}
	if v, ok := raw["seeds"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			return nil, bad("seeds", show(v), "must be an array of integers >= 0, e.g. seeds = [1, 2, 3]")
		}
		if len(arr) == 0 {
			return nil, bad("seeds", "[]", "empty: give at least one seed, or leave seeds out")
		}
		seen := map[int64]bool{}
		for _, x := range arr {
			n, isInt := x.(int64)
			if !isInt || n < 0 {
				return nil, bad("seeds", show(x), "every seed must be an integer >= 0")
			}
			if seen[n] {
				return nil, bad("seeds", show(x), "the seed appears twice")
			}
			seen[n] = true
			s.Seeds = append(s.Seeds, n)
		}
	}
	if v, ok := raw["slurm"]; ok {
		if err := s.parseSlurm(v, bad); err != nil {
			return nil, err
		}
	}
	// Parameters, in file order (md.Keys), flattening dotted keys.
	for _, sect := range []string{"set", "grid", "lists"} {
		v, ok := raw[sect]
		if !ok {
			continue
		}
		tbl, isTbl := v.(map[string]any)
		if !isTbl {
			return nil, bad(sect, show(v), "must be a table ([%s])", sect)
		}
		if len(tbl) == 0 {
			return nil, bad("["+sect+"]", "", "empty table: give at least one parameter, or leave it out")
		}
		for _, key := range md.Keys() {
			if len(key) < 2 || key[0] != sect {
				continue
			}
			val, leaf := lookupLeaf(tbl, key[1:])
			if !leaf {
				continue
			}
			if _, isMap := val.(map[string]any); isMap {
				continue // a table on the way to a parameter ([set] takes leaves only)
			}
			var steps []step
			for _, part := range key[1:] {
				st, err := parsePath(part)
				if err != nil {
					return nil, bad(sect+"."+quoteKey(key[1:]), "", "%v", err)
				}
				steps = append(steps, st...)
			}
			p := Param{Path: pathString(steps), entry: sect + "." + quoteKey(key[1:]), steps: steps}
			switch sect {
			case "set":
				p.Kind, p.Values = KindSet, []any{val}
				s.Set = append(s.Set, p)
			case "grid", "lists":
				arr, isArr := val.([]any)
				if !isArr {
					return nil, bad(p.entry, show(val), "must be an array of values (%s varies a parameter over a list)", sect)
				}
				if len(arr) == 0 {
					return nil, bad(p.entry, "[]", "empty: a %s parameter needs at least one value", sect)
				}
				p.Values = arr
				if sect == "grid" {
					p.Kind = KindGrid
					s.Grid = append(s.Grid, p)
				} else {
					p.Kind = KindList
					s.Lists = append(s.Lists, p)
				}
			}
		}
	}
	// Every parameter once, values of one type, no duplicate grid values,
	// lists of one length.
	seen := map[string]string{}
	all := slices.Concat(s.Set, s.Grid, s.Lists)
	if len(s.Seeds) > 0 {
		all = append(all, Param{Path: "seed", entry: "seeds"})
	}
	for _, p := range all {
		if prev, ok := seen[p.Path]; ok {
			return nil, bad(p.entry, "", "duplicate parameter: %s already sets %s", prev, p.Path)
		}
		seen[p.Path] = p.entry
		if err := checkValues(p); err != nil {
			return nil, &Error{File: file, Entry: p.entry, Value: err.value, Msg: err.msg}
		}
	}
	for _, p := range s.Lists[min(1, len(s.Lists)):] {
		if len(p.Values) != len(s.Lists[0].Values) {
			return nil, bad(p.entry, "", "has %d values but %s has %d: the lists are zipped and need the same length",
				len(p.Values), s.Lists[0].entry, len(s.Lists[0].Values))
		}
	}
	if len(s.Grid)+len(s.Lists)+len(s.Seeds) == 0 {
		return nil, bad("", "", "nothing to vary: give a [grid], [lists] or seeds")
	}
	return s, nil
}

func (s *Sweep) parseSlurm(v any, bad func(entry, value, format string, a ...any) error) error {
	tbl, ok := v.(map[string]any)
	if !ok {
		return bad("slurm", show(v), "must be a table ([slurm])")
	}
	for k, x := range tbl {
		e := "slurm." + k
		switch k {
		case "partition", "time", "account":
			str, ok := x.(string)
			if !ok || strings.ContainsAny(str, "\n\r'\"\\$`") {
				return bad(e, show(x), "must be a string without quotes, newlines or $")
			}
			switch k {
			case "partition":
				s.Slurm.Partition = str
			case "time":
				s.Slurm.Time = str
			default:
				s.Slurm.Account = str
			}
		case "mem_margin":
			f, ok := toFloat(x)
			if !ok || !(f >= 1) || f > 100 {
				return bad(e, show(x), "must be a number between 1 and 100 (the factor on dalesim's memory estimate)")
			}
			s.Slurm.MemMargin = f
		case "extra":
			arr, ok := x.([]any)
			if !ok {
				return bad(e, show(x), "must be an array of sbatch options, e.g. [\"--qos=short\"]")
			}
			for _, o := range arr {
				str, ok := o.(string)
				if !ok || !strings.HasPrefix(str, "-") || strings.ContainsAny(str, "\n\r") {
					return bad(e, show(o), "each entry must be one sbatch option starting with -")
				}
				s.Slurm.Extra = append(s.Slurm.Extra, str)
			}
		default:
			return bad(e, "", "unknown key ([slurm] has partition, time, account, mem_margin, extra)")
		}
	}
	return nil
}

// lookupLeaf walks key through nested tables and reports the value and
// whether the walk stayed within tables (false: key is inside a value).
func lookupLeaf(tbl map[string]any, key []string) (any, bool) {
	var cur any = tbl
	for _, k := range key {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

type valueErr struct{ value, msg string }

// checkValues checks that a parameter's values are of one type (integers and
// floats mix as floats) and that grid values are not repeated.
func checkValues(p Param) *valueErr {
	kind := ""
	for _, v := range p.Values {
		k := typeName(v)
		if k == "" {
			return &valueErr{show(v), "unsupported value (want a number, string, boolean or table)"}
		}
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return &valueErr{show(v), "must be a finite number"}
		}
		switch {
		case kind == "", kind == k:
			kind = k
		case (kind == "float" && k == "integer") || (kind == "integer" && k == "float"):
			kind = "float"
		case (kind == "table" && (k == "integer" || k == "float")) || ((kind == "integer" || kind == "float") && k == "table"):
			// a distribution table and a number mix (weights, delays)
		default:
			return &valueErr{show(v), fmt.Sprintf("is a %s where the other values are %ss: a parameter's values must have one type", k, kind)}
		}
	}
	if p.Kind == KindGrid {
		for i, v := range p.Values {
			for _, w := range p.Values[:i] {
				if show(v) == show(w) {
					return &valueErr{show(v), "the value appears twice in the grid"}
				}
			}
		}
	}
	return nil
}

func typeName(v any) string {
	switch v.(type) {
	case int64:
		return "integer"
	case float64:
		return "float"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "table"
	}
	return ""
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// show formats a value as TOML would write it.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+" = "+show(x[k]))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, show(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// quoteKey writes a TOML key path, quoting the parts that need it.
func quoteKey(key []string) string {
	parts := make([]string, len(key))
	for i, k := range key {
		bare := k != ""
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				bare = false
			}
		}
		if bare {
			parts[i] = k
		} else {
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}

// baseFile resolves a base spec file against the sweep file's directory.
func (s *Sweep) baseFile() string {
	if filepath.IsAbs(s.Base) || s.File == "" {
		return s.Base
	}
	return filepath.Join(filepath.Dir(s.File), s.Base)
}
