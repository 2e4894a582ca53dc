package traces

import (
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Table names (the value of the dalesim.table key and the file base names).
const (
	TableSpikes  = "spikes"
	TableStates  = "states"
	TableWeights = "weights"
	TableRates   = "rates"
)

var tableNames = []string{TableSpikes, TableStates, TableWeights, TableRates}

// SpikeRow is one row of the spikes table. Rows are sorted by (Step,
// population index in Meta.Populations, Neuron). The spike time is not
// stored: t_ms = step * dt_ms (key dalesim.dt_ms); storing it would cost ~0.3
// bytes and ~30 ns of encoding per spike, 40 % of the whole writer.
type SpikeRow struct {
	Step       int64  `parquet:"step,delta"`      // time step
	Population string `parquet:"population,dict"` // population name
	Neuron     int32  `parquet:"neuron,delta"`    // index within the population
}

// StateRow is one sample of one state variable of one neuron (long format).
// Rows are sorted by Step, then in the order the engine recorded them.
type StateRow struct {
	Step       int64   `parquet:"step,delta"`
	TMS        float64 `parquet:"t_ms,split"`
	Population string  `parquet:"population,dict"`
	Neuron     int32   `parquet:"neuron,delta"`
	Var        string  `parquet:"var,dict"`    // e.g. "v" (mV), "i_syn" (pA), "g_ex" (nS)
	Value      float32 `parquet:"value,split"` // in the variable's unit
}

// WeightRow is one synapse in one weight snapshot. Rows are sorted by Step,
// then in the engine's order (projection, then CSR order: pre, post).
type WeightRow struct {
	Step       int64   `parquet:"step,delta"`
	TMS        float64 `parquet:"t_ms,split"`
	Projection string  `parquet:"projection,dict"`
	Pre        int32   `parquet:"pre,delta"`    // index in the source population
	Post       int32   `parquet:"post,delta"`   // index in the target population
	Weight     float32 `parquet:"weight,split"` // magnitude >= 0
	Sign       int8    `parquet:"sign"`         // +1 or -1, the source population's sign
}

// RateRow is the population-averaged firing rate in one bin.
type RateRow struct {
	Step       int64   `parquet:"step,delta"` // first step of the bin
	TMS        float64 `parquet:"t_ms"`       // step*dt_ms, bin start
	Population string  `parquet:"population,dict"`
	BinMS      float64 `parquet:"bin_ms"`  // bin width, ms
	RateHz     float32 `parquet:"rate_hz"` // spikes per neuron per second
}

type colKind int

const (
	kindInt colKind = iota
	kindFloat
	kindString
)

func (k colKind) String() string {
	return [...]string{"integer", "floating-point", "string"}[k]
}

type colSpec struct {
	name string
	kind colKind
}

// Required columns per table (t_ms is optional: readers derive it).
var tableColumns = map[string][]colSpec{
	TableSpikes:  {{"step", kindInt}, {"population", kindString}, {"neuron", kindInt}},
	TableStates:  {{"step", kindInt}, {"population", kindString}, {"neuron", kindInt}, {"var", kindString}, {"value", kindFloat}},
	TableWeights: {{"step", kindInt}, {"projection", kindString}, {"pre", kindInt}, {"post", kindInt}, {"weight", kindFloat}, {"sign", kindInt}},
	TableRates:   {{"step", kindInt}, {"population", kindString}, {"bin_ms", kindFloat}, {"rate_hz", kindFloat}},
}

// checkSchema verifies that f has the columns of table (flat, required or
// optional without nulls checked later) and returns their leaf indices.
func checkSchema(path string, f *parquet.File, table, fileTable string) ([]int, error) {
	specs := tableColumns[table]
	idx := make([]int, len(specs))
	var names []string
	for _, c := range f.Schema().Fields() {
		names = append(names, c.Name())
	}
	hint := func() string {
		h := fmt.Sprintf(" (its columns: %s", strings.Join(names, ", "))
		if fileTable != "" && fileTable != table {
			h += fmt.Sprintf("; it is a dalesim %s table", fileTable)
		}
		return h + ")"
	}
	for i, c := range specs {
		leaf, ok := f.Schema().Lookup(c.name)
		if !ok {
			return nil, fmt.Errorf("traces: %s is not a %s table: column %q is missing%s", path, table, c.name, hint())
		}
		if leaf.Node.Repeated() {
			return nil, fmt.Errorf("traces: %s: column %q is repeated; the %s table needs a flat column", path, c.name, table)
		}
		var ok2 bool
		switch leaf.Node.Type().Kind() {
		case parquet.Int32, parquet.Int64:
			ok2 = c.kind == kindInt
		case parquet.Float, parquet.Double:
			ok2 = c.kind == kindFloat
		case parquet.ByteArray:
			ok2 = c.kind == kindString
		}
		if !ok2 {
			return nil, fmt.Errorf("traces: %s: column %q has Parquet type %v, the %s table needs %s values%s",
				path, c.name, leaf.Node.Type(), table, c.kind, hint())
		}
		idx[i] = leaf.ColumnIndex
	}
	return idx, nil
}
