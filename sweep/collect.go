package sweep

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/parquet-go/parquet-go"

	"dalesim/traces"
)

// PopSummary is one population's figures in a run's summary.json.
type PopSummary struct {
	RateHz  *float64 `json:"rate_hz"`
	CVISI   *float64 `json:"cv_isi"` // null when no neuron fired 3 spikes
	Spikes  int64    `json:"spikes"`
	SyncCV  *float64 `json:"pop_rate_cv_1ms"`
	Neurons int      `json:"neurons"`
}

// RunSummary is the summary.json that dalesim run --out writes (the object of
// run --json).
type RunSummary struct {
	Name           string                 `json:"name"`
	SimSeconds     float64                `json:"sim_seconds"`
	WallSeconds    float64                `json:"wall_seconds"`
	SynapticEvents int64                  `json:"synaptic_events"`
	Populations    map[string]*PopSummary `json:"populations"`
	SpikeChecksum  string                 `json:"spike_checksum"`
	Seed           uint64                 `json:"seed"`
	Kernel         string                 `json:"kernel"`
	Threads        int                    `json:"threads"`
	Steps          int64                  `json:"steps"`
	BuildSeconds   float64                `json:"build_seconds"`
	Synapses       int64                  `json:"synapses"`
}

// Row is one run of a collected sweep.
type Row struct {
	Status
	Summary *RunSummary // nil unless complete
	Pops    []string    // population order of the run (run.json)
}

// Spikes is the total spike count of a complete run.
func (r Row) Spikes() int64 {
	var n int64
	if r.Summary != nil {
		for _, p := range r.Summary.Populations {
			n += p.Spikes
		}
	}
	return n
}

// Collect reads the state and, for complete runs, the summary of every
// point of the plan.
func Collect(dir string, p *Plan) ([]Row, error) {
	var rows []Row
	for _, st := range Scan(dir, p) {
		r := Row{Status: st}
		if st.Done() {
			rd := RunDir(dir, st.Point)
			b, err := os.ReadFile(filepath.Join(rd, traces.SummaryFile))
			if err != nil {
				return nil, err
			}
			var s RunSummary
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(rd, traces.SummaryFile), err)
			}
			r.Summary = &s
			if m, err := traces.ReadManifest(rd); err == nil {
				for _, pi := range m.Meta.Populations {
					r.Pops = append(r.Pops, pi.Name)
				}
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// column is one column of sweep.parquet.
type column struct {
	name string
	typ  reflect.Type // pointer type: every column is optional
	get  func(r Row) any
}

func ptr[T any](v T) *T { return &v }

// columns lays out sweep.parquet for these rows.
func columns(p *Plan, rows []Row) []column {
	cols := []column{
		{"run", reflect.TypeFor[*string](), func(r Row) any { return ptr(r.Point.RunID) }},
		{"index", reflect.TypeFor[*int64](), func(r Row) any { return ptr(int64(r.Point.Index)) }},
	}
	for i, pp := range p.Params {
		i := i
		var t reflect.Type
		switch pp.Type {
		case "integer":
			t = reflect.TypeFor[*int64]()
		case "float":
			t = reflect.TypeFor[*float64]()
		case "boolean":
			t = reflect.TypeFor[*bool]()
		default:
			t = reflect.TypeFor[*string]()
		}
		cols = append(cols, column{pp.Path, t, func(r Row) any { return paramValue(r.Point.Values[i], pp.Type) }})
	}
	f64 := reflect.TypeFor[*float64]()
	i64 := reflect.TypeFor[*int64]()
	str := reflect.TypeFor[*string]()
	sum := func(name string, t reflect.Type, f func(s *RunSummary) any) column {
		return column{name, t, func(r Row) any {
			if r.Summary == nil {
				return reflect.Zero(t).Interface()
			}
			return f(r.Summary)
		}}
	}
	cols = append(cols,
		column{"status", str, func(r Row) any { return ptr(r.State) }},
		column{"detail", str, func(r Row) any {
			if r.Detail == "" {
				return (*string)(nil)
			}
			return ptr(r.Detail)
		}},
	)
	if !slices.ContainsFunc(p.Params, func(pp PlanParam) bool { return pp.Path == "seed" }) {
		cols = append(cols, sum("seed", i64, func(s *RunSummary) any { return ptr(int64(s.Seed)) }))
	}
	cols = append(cols,
		sum("wall_seconds", f64, func(s *RunSummary) any { return ptr(s.WallSeconds) }),
		sum("build_seconds", f64, func(s *RunSummary) any { return ptr(s.BuildSeconds) }),
		sum("sim_seconds", f64, func(s *RunSummary) any { return ptr(s.SimSeconds) }),
		sum("steps", i64, func(s *RunSummary) any { return ptr(s.Steps) }),
		sum("threads", i64, func(s *RunSummary) any { return ptr(int64(s.Threads)) }),
		sum("kernel", str, func(s *RunSummary) any { return ptr(s.Kernel) }),
		sum("synapses", i64, func(s *RunSummary) any { return ptr(s.Synapses) }),
		sum("synaptic_events", i64, func(s *RunSummary) any { return ptr(s.SynapticEvents) }),
		column{"spikes", i64, func(r Row) any {
			if r.Summary == nil {
				return (*int64)(nil)
			}
			return ptr(r.Spikes())
		}},
		sum("spike_checksum", str, func(s *RunSummary) any { return ptr(s.SpikeChecksum) }),
	)
	// Populations, in the order of the first run that has them.
	var pops []string
	for _, r := range rows {
		for _, n := range r.Pops {
			if !slices.Contains(pops, n) {
				pops = append(pops, n)
			}
		}
	}
	for _, pop := range pops {
		pf := func(f func(ps *PopSummary) *float64) func(s *RunSummary) any {
			return func(s *RunSummary) any {
				ps := s.Populations[pop]
				if ps == nil {
					return (*float64)(nil)
				}
				return f(ps)
			}
		}
		cols = append(cols,
			sum("rate_hz_"+pop, f64, pf(func(ps *PopSummary) *float64 { return ps.RateHz })),
			sum("cv_isi_"+pop, f64, pf(func(ps *PopSummary) *float64 { return ps.CVISI })),
			sum("sync_"+pop, f64, pf(func(ps *PopSummary) *float64 { return ps.SyncCV })),
			sum("spikes_"+pop, i64, func(s *RunSummary) any {
				ps := s.Populations[pop]
				if ps == nil {
					return (*int64)(nil)
				}
				return ptr(ps.Spikes)
			}),
		)
	}
	return cols
}

// paramValue converts a plan value (as read back from JSON) to its column.
func paramValue(v any, typ string) any {
	switch typ {
	case "integer":
		switch x := v.(type) {
		case int64:
			return ptr(x)
		case float64:
			return ptr(int64(math.Round(x)))
		case json.Number:
			n, _ := x.Int64()
			return ptr(n)
		}
		return (*int64)(nil)
	case "float":
		f, ok := toFloat(v)
		if !ok {
			if n, isNum := v.(json.Number); isNum {
				f, _ = n.Float64()
			}
		}
		return ptr(f)
	case "boolean":
		b, _ := v.(bool)
		return ptr(b)
	case "string":
		s, _ := v.(string)
		return ptr(s)
	}
	return ptr(show(v))
}

// WriteTable writes the rows as DIR/sweep.parquet (atomically): one row per
// point of the plan, see columns.
func WriteTable(dir string, p *Plan, rows []Row) error {
	cols := columns(p, rows)
	fields := make([]reflect.StructField, len(cols))
	for i, c := range cols {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: c.typ,
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:%q`, c.name+",optional"))}
	}
	t := reflect.StructOf(fields)
	tmp := filepath.Join(dir, TableFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := parquet.NewWriter(f, parquet.SchemaOf(reflect.New(t).Interface()), parquet.Compression(&parquet.Zstd),
		parquet.KeyValueMetadata("dalesim.sweep", p.Name))
	for _, r := range rows {
		v := reflect.New(t).Elem()
		for i, c := range cols {
			if x := c.get(r); x != nil {
				v.Field(i).Set(reflect.ValueOf(x))
			}
		}
		if err := w.Write(v.Addr().Interface()); err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, TableFile))
}

// CollectTable is Collect followed by WriteTable.
func CollectTable(dir string, p *Plan) ([]Row, error) {
	rows, err := Collect(dir, p)
	if err != nil {
		return nil, err
	}
	return rows, WriteTable(dir, p, rows)
}
