package traces

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Key-value metadata keys written to the footer of every Parquet file.
const (
	KeyVersion     = "dalesim.version"     // dalesim version string
	KeySpec        = "dalesim.spec"        // the run's spec file, TOML text
	KeySeed        = "dalesim.seed"        // decimal uint64
	KeyDtMS        = "dalesim.dt_ms"       // time step in ms, decimal float
	KeyKernel      = "dalesim.kernel"      // SIMD implementation used
	KeyThreads     = "dalesim.threads"     // decimal int
	KeyStartTime   = "dalesim.start_time"  // RFC 3339 with nanoseconds
	KeyPopulations = "dalesim.populations" // JSON array of PopulationInfo
	KeyProjections = "dalesim.projections" // JSON array of ProjectionInfo
	KeyRunID       = "dalesim.run_id"      // run identifier (partitioned layout)
	KeyTable       = "dalesim.table"       // "spikes", "states", "weights" or "rates"
	KeyStatus      = "dalesim.status"      // "complete" or "interrupted", set at Close
	KeyLastStep    = "dalesim.last_step"   // last simulated step, set at Close
)

// Run status values (Meta.Status, run.json "status").
const (
	StatusRunning     = "running"     // run.json of a run whose Writer is still open (or was killed)
	StatusComplete    = "complete"    // closed after the last step
	StatusInterrupted = "interrupted" // closed early (e.g. SIGINT)
)

// Population identities.
const (
	Excitatory = "excitatory"
	Inhibitory = "inhibitory"
)

// PopulationInfo describes one population of the run. Neuron indices in the
// traces run from 0 to Size-1.
type PopulationInfo struct {
	Name     string `json:"name"`
	Size     int    `json:"size"`
	Identity string `json:"identity"` // Excitatory or Inhibitory
}

// ProjectionInfo describes one projection (a set of synapses from Source to
// Target). Weights are stored as magnitudes; Sign (+1 or -1) is the sign of
// the source population.
type ProjectionInfo struct {
	Name   string `json:"name"` // e.g. "E->I"
	Source string `json:"source"`
	Target string `json:"target"`
	Sign   int    `json:"sign"`
}

// Meta is the run description stored in every trace file (as key-value
// metadata, see the Key constants) and in run.json.
//
// Create fills Start with the current time when it is zero. Status, LastStep
// and RunID are set by the Writer; values passed to Create are ignored.
type Meta struct {
	Version     string            `json:"version"`
	Spec        string            `json:"spec"` // TOML text
	Kernel      string            `json:"kernel"`
	Seed        uint64            `json:"seed"`
	DtMS        float64           `json:"dt_ms"`
	Threads     int               `json:"threads"`
	Start       time.Time         `json:"start_time"`
	Populations []PopulationInfo  `json:"populations"`
	Projections []ProjectionInfo  `json:"projections"`
	Extra       map[string]string `json:"extra,omitempty"` // other keys, written verbatim

	RunID    string `json:"run_id,omitempty"`
	Status   string `json:"status,omitempty"` // StatusComplete, StatusInterrupted or StatusRunning
	LastStep int64  `json:"last_step"`        // -1 when no step ran
}

// PopulationIndex returns the index of the population named name, or -1.
func (m *Meta) PopulationIndex(name string) int {
	for i, p := range m.Populations {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// ProjectionIndex returns the index of the projection named name, or -1.
func (m *Meta) ProjectionIndex(name string) int {
	for i, p := range m.Projections {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// DurationMS is the simulated time covered by the run: (LastStep+1)*DtMS, or
// 0 when LastStep is negative.
func (m *Meta) DurationMS() float64 {
	if m.LastStep < 0 {
		return 0
	}
	return float64(m.LastStep+1) * m.DtMS
}

// Validate checks the fields Create relies on and returns an error naming the
// first bad field.
func (m *Meta) Validate() error {
	if !(m.DtMS > 0) || m.DtMS > 1e6 {
		return fmt.Errorf("traces: Meta.DtMS = %v: must be a positive number of milliseconds", m.DtMS)
	}
	if m.Threads < 0 {
		return fmt.Errorf("traces: Meta.Threads = %d: must be >= 0", m.Threads)
	}
	if len(m.Populations) > 1<<20 {
		return fmt.Errorf("traces: Meta.Populations: %d populations is too many", len(m.Populations))
	}
	seen := map[string]bool{}
	for i, p := range m.Populations {
		if p.Name == "" {
			return fmt.Errorf("traces: Meta.Populations[%d].Name is empty", i)
		}
		if seen[p.Name] {
			return fmt.Errorf("traces: Meta.Populations[%d].Name %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
		if p.Size <= 0 || p.Size > 1<<31-1 {
			return fmt.Errorf("traces: Meta.Populations[%d].Size = %d (population %q): must be in 1..2^31-1", i, p.Size, p.Name)
		}
	}
	seen = map[string]bool{}
	for i, p := range m.Projections {
		if p.Name == "" {
			return fmt.Errorf("traces: Meta.Projections[%d].Name is empty", i)
		}
		if seen[p.Name] {
			return fmt.Errorf("traces: Meta.Projections[%d].Name %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
		if p.Sign != 1 && p.Sign != -1 {
			return fmt.Errorf("traces: Meta.Projections[%d].Sign = %d (projection %q): must be +1 or -1", i, p.Sign, p.Name)
		}
	}
	for k := range m.Extra {
		if isReservedKey(k) {
			return fmt.Errorf("traces: Meta.Extra key %q is reserved for dalesim", k)
		}
	}
	return nil
}

var reservedKeys = []string{KeyVersion, KeySpec, KeySeed, KeyDtMS, KeyKernel, KeyThreads, KeyStartTime,
	KeyPopulations, KeyProjections, KeyRunID, KeyTable, KeyStatus, KeyLastStep, KeyPart}

func isReservedKey(k string) bool { return slices.Contains(reservedKeys, k) }

// KeyValues returns the key-value metadata written when a file of table
// table is created: Meta.Extra and the Key constants, with KeyStatus
// "running" and KeyLastStep -1 (the Recorder replaces both at Close). Other
// writers of Parquet files about a run (such as analysis summaries) use it to
// carry the run's metadata.
func (m *Meta) KeyValues(table string) map[string]string {
	kv := make(map[string]string, len(reservedKeys)+len(m.Extra))
	maps.Copy(kv, m.Extra)
	kv[KeyVersion] = m.Version
	kv[KeySpec] = m.Spec
	kv[KeySeed] = strconv.FormatUint(m.Seed, 10)
	kv[KeyDtMS] = strconv.FormatFloat(m.DtMS, 'g', -1, 64)
	kv[KeyKernel] = m.Kernel
	kv[KeyThreads] = strconv.Itoa(m.Threads)
	kv[KeyStartTime] = m.Start.Format(time.RFC3339Nano)
	kv[KeyPopulations] = mustJSON(nonNil(m.Populations))
	kv[KeyProjections] = mustJSON(nonNil(m.Projections))
	if m.RunID != "" {
		kv[KeyRunID] = m.RunID
	}
	kv[KeyTable] = table
	kv[KeyStatus] = StatusRunning
	kv[KeyLastStep] = "-1"
	return kv
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled
	}
	return string(b)
}

// metaFromKeyValues parses the dalesim keys of a file footer. It returns the
// table name too. hasMeta is false when the file carries no dalesim key at all
// (a Parquet file written by another program).
func metaFromKeyValues(lookup func(string) (string, bool), all []string) (m Meta, table string, hasMeta bool, err error) {
	m.LastStep = -1
	var errs []error
	str := func(key string, dst *string) {
		if v, ok := lookup(key); ok {
			*dst = v
			hasMeta = true
		}
	}
	str(KeyVersion, &m.Version)
	str(KeySpec, &m.Spec)
	str(KeyKernel, &m.Kernel)
	str(KeyRunID, &m.RunID)
	str(KeyTable, &table)
	str(KeyStatus, &m.Status)
	parse := func(key string, f func(string) error) {
		if v, ok := lookup(key); ok {
			hasMeta = true
			if err := f(v); err != nil {
				errs = append(errs, fmt.Errorf("metadata key %s = %q: %w", key, truncate(v, 40), err))
			}
		}
	}
	parse(KeySeed, func(v string) (err error) { m.Seed, err = strconv.ParseUint(v, 10, 64); return })
	parse(KeyDtMS, func(v string) (err error) { m.DtMS, err = strconv.ParseFloat(v, 64); return })
	parse(KeyThreads, func(v string) (err error) { m.Threads, err = strconv.Atoi(v); return })
	parse(KeyLastStep, func(v string) (err error) { m.LastStep, err = strconv.ParseInt(v, 10, 64); return })
	parse(KeyStartTime, func(v string) (err error) { m.Start, err = time.Parse(time.RFC3339Nano, v); return })
	parse(KeyPopulations, func(v string) error { return json.Unmarshal([]byte(v), &m.Populations) })
	parse(KeyProjections, func(v string) error { return json.Unmarshal([]byte(v), &m.Projections) })
	for _, k := range all {
		if isReservedKey(k) {
			continue
		}
		if v, ok := lookup(k); ok {
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = v
		}
	}
	return m, table, hasMeta, errors.Join(errs...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Status is passed to Writer.Close.
type Status struct {
	Interrupted bool  // true when the run stopped early (SIGINT, error)
	LastStep    int64 // last step that was simulated; the Writer uses the larger of this and the last recorded step
	// Extra adds metadata keys known only at the end of a run (for
	// example the predictions of recorded presentations); reserved
	// "dalesim.*" keys of Meta are not allowed.
	Extra map[string]string
}

// ManifestFormat identifies the run.json format.
const ManifestFormat = "dalesim-traces/1"

// Manifest is the content of run.json, written at Create (status "running")
// and rewritten at Close.
type Manifest struct {
	Format   string         `json:"format"`
	Layout   string         `json:"layout"` // "flat" or "partitioned"
	RunID    string         `json:"run_id,omitempty"`
	Status   string         `json:"status"`
	LastStep int64          `json:"last_step"`
	EndTime  *time.Time     `json:"end_time,omitempty"`
	Meta     Meta           `json:"meta"`
	Files    []ManifestFile `json:"files"`
	Error    string         `json:"error,omitempty"` // write errors reported by Close
}

// ManifestFile lists one trace file of the run.
type ManifestFile struct {
	Table string `json:"table"`
	Path  string `json:"path"` // slash-separated, relative to the directory of run.json
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// Layout names.
const (
	LayoutFlat        = "flat"
	LayoutPartitioned = "partitioned"
)

func validName(kind, s string) error {
	if s == "" || s == "." || s == ".." || len(s) > 200 {
		return fmt.Errorf("traces: %s %q cannot be used in a partitioned directory name", kind, s)
	}
	for _, c := range s {
		ok := c == '-' || c == '_' || c == '.' || c == '+' || c == '@' ||
			('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !ok {
			return fmt.Errorf("traces: %s %q has the character %q; partitioned layouts allow only letters, digits and - _ . + @", kind, s, c)
		}
	}
	if strings.HasPrefix(s, ".") {
		return fmt.Errorf("traces: %s %q must not start with a dot", kind, s)
	}
	return nil
}
