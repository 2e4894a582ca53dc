// Package tracetest records synthetic trace runs for the tests of the
// packages that read traces (analysis, plot). It is a copy of the
// generators of package traces' own tests (helpers_test.go, writer_test.go,
// duckdb_test.go), which cannot import it: tracetest imports traces.
package tracetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dalesim/traces"
)

// BrunelMeta describes a Brunel-like network: 10,000 E + 2,500 I neurons,
// four projections E->E, E->I, I->E, I->I.
func BrunelMeta(seed uint64) traces.Meta {
	return traces.Meta{
		Version: "test",
		Spec:    "[network]\nname = \"brunel\"\n# \"quoted\" and\nmultiline = true\n",
		Kernel:  "generic",
		Seed:    seed,
		DtMS:    0.1,
		Threads: 2,
		Start:   time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC),
		Populations: []traces.PopulationInfo{
			{Name: "E", Size: 10000, Identity: traces.Excitatory},
			{Name: "I", Size: 2500, Identity: traces.Inhibitory},
		},
		Projections: []traces.ProjectionInfo{
			{Name: "E->E", Source: "E", Target: "E", Sign: 1},
			{Name: "E->I", Source: "E", Target: "I", Sign: 1},
			{Name: "I->E", Source: "I", Target: "E", Sign: -1},
			{Name: "I->I", Source: "I", Target: "I", Sign: -1},
		},
		Extra: map[string]string{"user.note": "synthetic"},
	}
}

// stepSpikes is the spikes of one population at one step.
type stepSpikes struct {
	step    int64
	pop     int
	neurons []int32
}

// poisson draws from a Poisson distribution (Knuth for small means, normal
// approximation above 30).
func poisson(r *rand.Rand, lam float64) int {
	if lam > 30 {
		return max(0, int(math.Round(lam+math.Sqrt(lam)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lam), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// brunelStream generates a Brunel-like spike stream: perStep spikes per step
// on average over all populations, neurons drawn uniformly, sorted by
// (step, pop, neuron).
func brunelStream(seed uint64, meta traces.Meta, steps int, perStep float64) []stepSpikes {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	total := 0
	for _, p := range meta.Populations {
		total += p.Size
	}
	var out []stepSpikes
	seen := map[int32]bool{}
	for s := 0; s < steps; s++ {
		for pi, p := range meta.Populations {
			k := min(poisson(r, perStep*float64(p.Size)/float64(total)), p.Size)
			if k == 0 {
				continue
			}
			clear(seen)
			ns := make([]int32, 0, k)
			for len(ns) < k {
				n := int32(r.IntN(p.Size))
				if !seen[n] {
					seen[n] = true
					ns = append(ns, n)
				}
			}
			slices.Sort(ns)
			out = append(out, stepSpikes{int64(s), pi, ns})
		}
	}
	return out
}

// weightSnap is one projection snapshot.
type weightSnap struct {
	step      int64
	proj      int
	pre, post []int32
	w         []float32
}

func randomWeights(seed uint64, meta traces.Meta, steps []int64, perProj int) []weightSnap {
	r := rand.New(rand.NewPCG(seed, 0x3e1))
	var out []weightSnap
	for _, st := range steps {
		for pi, p := range meta.Projections {
			src := meta.Populations[meta.PopulationIndex(p.Source)].Size
			tgt := meta.Populations[meta.PopulationIndex(p.Target)].Size
			s := weightSnap{step: st, proj: pi}
			for i := 0; i < perProj; i++ {
				s.pre = append(s.pre, int32(r.IntN(src)))
				s.post = append(s.post, int32(r.IntN(tgt)))
				w := float32(math.Exp(-1 + 0.5*r.NormFloat64()))
				if r.IntN(10) == 0 {
					w = 0
				}
				s.w = append(s.w, w)
			}
			out = append(out, s)
		}
	}
	return out
}

// Run is everything one synthetic run records: BrunelMeta with 800 E and
// 200 I neurons, 5 spikes per step on average from uniformly drawn neurons,
// and two weight snapshots (steps 0 and steps/2) of 300 lognormal weights
// (10 % zeros) per projection.
type Run struct {
	Meta    traces.Meta
	spikes  []stepSpikes
	weights []weightSnap
	steps   int
}

// NewRun generates a run of steps steps from seed.
func NewRun(seed uint64, steps int) *Run {
	m := BrunelMeta(seed)
	// Smaller populations keep the tests fast.
	m.Populations[0].Size, m.Populations[1].Size = 800, 200
	return &Run{
		Meta:    m,
		spikes:  brunelStream(seed, m, steps, 5),
		weights: randomWeights(seed, m, []int64{0, int64(steps) / 2}, 300),
		steps:   steps,
	}
}

// SetWeight gives every synapse of projection proj weight w in every
// snapshot (a projection whose weights never change).
func (tr *Run) SetWeight(proj int, w float32) {
	for _, s := range tr.weights {
		if s.proj == proj {
			for i := range s.w {
				s.w[i] = w
			}
		}
	}
}

// AllTables returns o with every table recorded.
func AllTables(o traces.Options) traces.Options {
	o.Spikes, o.States, o.Weights, o.Rates = true, true, true, true
	return o
}

// Record writes tr with opt into dir; it closes with status complete unless
// stopAt >= 0, in which case it stops after step stopAt and closes as
// interrupted.
func (tr *Run) Record(t testing.TB, dir string, opt traces.Options, stopAt int64) *traces.Writer {
	t.Helper()
	rec, err := traces.Create(dir, opt, tr.Meta)
	if err != nil {
		t.Fatal(err)
	}
	wi, si := 0, 0
	last := int64(tr.steps - 1)
	for step := int64(0); step < int64(tr.steps); step++ {
		if stopAt >= 0 && step > stopAt {
			last = stopAt
			break
		}
		for si < len(tr.spikes) && tr.spikes[si].step == step {
			s := tr.spikes[si]
			if err := rec.Spikes(step, s.pop, s.neurons); err != nil {
				t.Fatal(err)
			}
			si++
		}
		if step%10 == 0 && opt.States {
			for p := range tr.Meta.Populations {
				ns := []int32{0, 3, 7}
				vs := []float32{float32(step), -65.5, float32(p)}
				if err := rec.State(step, p, "v", ns, vs); err != nil {
					t.Fatal(err)
				}
				if err := rec.State(step, p, "i_syn", ns[:1], vs[:1]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if step%10 == 0 && opt.Rates {
			for p := range tr.Meta.Populations {
				if err := rec.Rate(step, p, 1.0, float32(step)/10+float32(p)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for opt.Weights && wi < len(tr.weights) && tr.weights[wi].step == step {
			w := tr.weights[wi]
			if err := rec.Weights(step, w.proj, w.pre, w.post, w.w); err != nil {
				t.Fatal(err)
			}
			wi++
		}
	}
	if err := rec.Close(traces.Status{Interrupted: stopAt >= 0, LastStep: last}); err != nil {
		t.Fatal(err)
	}
	return rec
}

// SpikeSums returns per population: count, sum of steps and sum of neurons.
func (tr *Run) SpikeSums() map[string][3]int64 {
	out := map[string][3]int64{}
	for _, s := range tr.spikes {
		name := tr.Meta.Populations[s.pop].Name
		v := out[name]
		for _, n := range s.neurons {
			v[0]++
			v[1] += s.step
			v[2] += int64(n)
		}
		out[name] = v
	}
	return out
}

// DuckDB runs sql with DuckDB through tools/duckdb/query.mjs (an independent
// Parquet reader; the path is relative to a package directory one level
// below the module root) and returns the rows. It skips the test when node
// or the npm module is missing.
func DuckDB(t *testing.T, sql string) []map[string]any {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "tools", "duckdb", "query.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	const hint = "DuckDB not installed: run `npm ci --prefix tools/duckdb` (the CI does)"
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip(hint + "; node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip(hint)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", script, sql)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb %q: %v\n%s", sql, err, stderr.String())
	}
	var rows []map[string]any
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return rows
}

// DuckDBOrNil is DuckDB without skipping: nil when DuckDB is missing.
func DuckDBOrNil(t *testing.T, sql string) (rows []map[string]any) {
	t.Helper()
	ok := t.Run("duckdb", func(t *testing.T) { rows = DuckDB(t, sql) })
	if !ok {
		t.FailNow()
	}
	return rows
}

// Num converts a DuckDB JSON value (number, or string for BIGINT/HUGEINT)
// to float64.
func Num(t *testing.T, v any) float64 {
	t.Helper()
	s := fmt.Sprint(v)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// SQLPath quotes a file path for a SQL string literal.
func SQLPath(p string) string { return strings.ReplaceAll(filepath.ToSlash(p), "'", "''") }
