package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"dalesim/traces"
)

const specText = `name = "tiny"
dt_ms = 0.1
duration_ms = 50
seed = 1

[[population]]
name = "E"
size = 20
identity = "excitatory"
model = "cuba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -49.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = 5.0

[[population]]
name = "I"
size = 5
identity = "inhibitory"
model = "cuba"
tau_m_ms = 20.0
tau_e_ms = 5.0
tau_i_ms = 10.0
v_rest_mV = -49.0
v_reset_mV = -60.0
v_thresh_mV = -50.0
t_ref_ms = 5.0

[[drive]]
name = "ext"
target = "E"
identity = "excitatory"
n = 10
rate_hz = 5.0
weight = 1.0

[[projection]]
source = "E"
target = "I"
connectivity = { rule = "fixed_probability", p = 0.1 }
weight = 1.0

[[projection]]
name = "ie"
source = "I"
target = "E"
connectivity = { rule = "fixed_probability", p = 0.1 }
weight = 2.0
`

// parse writes the spec beside a sweep file with body and parses it.
func parse(t *testing.T, body string) (*Sweep, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "net.toml"), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(f)
}

func expand(t *testing.T, body string) (*Plan, error) {
	t.Helper()
	s, err := parse(t, body)
	if err != nil {
		return nil, err
	}
	return s.Expand()
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"unknown path", "base = \"net.toml\"\n[grid]\n\"population.E.tau_mm\" = [10, 20]\n",
			`grid."population.E.tau_mm" = 10: the spec is invalid: population.tau_mm: unknown key`},
		{"unknown population", "base = \"net.toml\"\n[grid]\n\"population.X.tau_m_ms\" = [10, 20]\n",
			`grid."population.X.tau_m_ms" = 10: no population named "X" (the base spec has "E", "I")`},
		{"bad value", "base = \"net.toml\"\n[grid]\n\"population.E.tau_m_ms\" = [10, -5]\n",
			`grid."population.E.tau_m_ms" = -5: the spec is invalid: population "E": `},
		{"bad drive rate", "base = \"net.toml\"\n[lists]\n\"drive.ext.rate_hz\" = [5, -1]\n",
			`lists."drive.ext.rate_hz" = -1: the spec is invalid: drive "ext": rate_hz = -1: must be a finite number >= 0`},
		{"wrong type", "base = \"net.toml\"\n[grid]\nseed = [1.5, 2.5]\n",
			`grid.seed = 1.5: wrong type: the spec has an integer here (1), not a float like 1.5`},
		{"wrong type string", "base = \"net.toml\"\n[grid]\n\"projection.ie.weight\" = [\"heavy\", \"light\"]\n",
			`grid."projection.ie.weight" = "heavy": wrong type: the spec has a float here (2.0), not a string`},
		{"mixed types", "base = \"net.toml\"\n[grid]\nduration_ms = [10, \"x\"]\n",
			`grid.duration_ms = "x": is a string where the other values are integers`},
		{"empty grid", "base = \"net.toml\"\n[grid]\nduration_ms = []\n",
			`grid.duration_ms = []: empty: a grid parameter needs at least one value`},
		{"empty grid table", "base = \"net.toml\"\n[grid]\n",
			`[grid]: empty table: give at least one parameter, or leave it out`},
		{"nothing to vary", "base = \"net.toml\"\n[set]\nduration_ms = 10\n",
			`nothing to vary: give a [grid], [lists] or seeds`},
		{"duplicate parameter", "base = \"net.toml\"\n[grid]\n\"population.E.tau_m_ms\" = [10, 20]\n[lists]\n\"population[name=E].tau_m_ms\" = [10, 20]\n",
			`lists."population[name=E].tau_m_ms": duplicate parameter: grid."population.E.tau_m_ms" already sets population.E.tau_m_ms`},
		{"duplicate by index", "base = \"net.toml\"\n[grid]\n\"population.E.tau_m_ms\" = [10, 20]\n[lists]\n\"population[0].tau_m_ms\" = [10, 20]\n",
			`lists."population[0].tau_m_ms": duplicate parameter: grid."population.E.tau_m_ms" already sets population.E.tau_m_ms`},
		{"duplicate seed", "base = \"net.toml\"\nseeds = [1, 2]\n[grid]\nseed = [3, 4]\n",
			`seeds: duplicate parameter: grid.seed already sets seed`},
		{"duplicate grid value", "base = \"net.toml\"\n[grid]\nduration_ms = [10, 10]\n",
			`grid.duration_ms = 10: the value appears twice in the grid`},
		{"seeds negative", "base = \"net.toml\"\nseeds = [1, -2]\n", `seeds = -2: every seed must be an integer >= 0`},
		{"seeds float", "base = \"net.toml\"\nseeds = [1.5]\n", `seeds = 1.5: every seed must be an integer >= 0`},
		{"seeds repeated", "base = \"net.toml\"\nseeds = [3, 3]\n", `seeds = 3: the seed appears twice`},
		{"seeds empty", "base = \"net.toml\"\nseeds = []\n", `seeds = []: empty: give at least one seed`},
		{"seeds scalar", "base = \"net.toml\"\nseeds = 4\n", `seeds = 4: must be an array of integers >= 0`},
		{"uneven lists", "base = \"net.toml\"\n[lists]\nduration_ms = [10, 20]\nseed = [1, 2, 3]\n",
			`lists.seed: has 3 values but lists.duration_ms has 2: the lists are zipped and need the same length`},
		{"no base", "[grid]\nduration_ms = [10]\n", `base: missing`},
		{"missing base", "base = \"nope.toml\"\n[grid]\nduration_ms = [10]\n", `base = "nope.toml": no such spec file`},
		{"unknown key", "base = \"net.toml\"\ngird = 1\n", `gird: unknown key`},
		{"checkpoint negative", "base = \"net.toml\"\ncheckpoint_every_ms = -5\nseeds = [1]\n", `checkpoint_every_ms = -5: must be a number of ms >= 0`},
		{"checkpoint string", "base = \"net.toml\"\ncheckpoint_every_ms = \"often\"\nseeds = [1]\n", `checkpoint_every_ms = "often": must be a number of ms >= 0`},
		{"bad path syntax", "base = \"net.toml\"\n[grid]\n\"population[name=E\" = [1]\n", `'[' without ']'`},
		{"array without element", "base = \"net.toml\"\n[grid]\npopulation = [1]\n",
			`grid.population = 1: population is an array of tables: name an element and its key`},
		{"builtin on file", "base = \"net.toml\"\n[grid]\n\"builtin.g\" = [4, 5]\n",
			`grid."builtin.g": builtin.* parameters need a built-in base`},
		{"builtin unknown", "base = \"brunel\"\n[grid]\n\"builtin.gg\" = [4, 5]\n", `grid."builtin.gg": unknown path`},
		{"builtin bad scale", "base = \"brunel\"\n[grid]\n\"builtin.scale\" = [0.5, 2]\n",
			`grid."builtin.scale" = 2: builtin.scale must be in (0, 1]`},
		{"point invalid", "base = \"net.toml\"\n[grid]\ndt_ms = [0.1, 2]\n\"projection.ie.delay_ms\" = [0.5, 3]\n",
			`point 2 (dt_ms = 2.0, projection.ie.delay_ms = 0.5): the spec is invalid: projection "ie": delay_ms = 0.5: must be at least one time step`},
		{"threads", "base = \"net.toml\"\nthreads = 0\nseeds = [1]\n", `threads = 0: must be an integer between 1 and 1024`},
		{"toml", "base = \"net.toml\"\n[grid\n", `not a valid TOML file: line 3`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := expand(t, c.body)
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !IsError(err) {
				t.Errorf("%v is not a *sweep.Error", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

func TestExpandOrder(t *testing.T) {
	body := `base = "net.toml"
seeds = [7, 8]
[set]
duration_ms = 20
[grid]
"projection.ie.weight" = [1, 2.5]
population.E.tau_m_ms = [10, 20, 30]
[lists]
"drive[name=ext].rate_hz" = [4, 6]
"projection[1].connectivity.p" = [0.2, 0.3]
`
	p, err := expand(t, body)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, pp := range p.Params {
		paths = append(paths, pp.Path+":"+pp.Kind+":"+pp.Type)
	}
	want := "projection.ie.weight:grid:float population.E.tau_m_ms:grid:float drive.ext.rate_hz:list:float projection.ie.connectivity.p:list:float seed:seed:integer"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("params %s\nwant   %s", got, want)
	}
	if len(p.Points) != 2*3*2*2 {
		t.Fatalf("%d points", len(p.Points))
	}
	var got []string
	for _, pt := range p.Points[:9] {
		got = append(got, fmt.Sprint(pt.Values...))
	}
	wantPts := []string{"1 10 4 0.2 7", "1 10 4 0.2 8", "1 10 6 0.3 7", "1 10 6 0.3 8", "1 20 4 0.2 7",
		"1 20 4 0.2 8", "1 20 6 0.3 7", "1 20 6 0.3 8", "1 30 4 0.2 7"}
	if strings.Join(got, "|") != strings.Join(wantPts, "|") {
		t.Errorf("order\n%q\nwant\n%q", got, wantPts)
	}
	// The values reach the spec.
	last := p.Points[len(p.Points)-1]
	for _, s := range []string{"seed = 8", "duration_ms = 20", "rate_hz = 6.0", "p = 0.3", "weight = 2.5", "tau_m_ms = 30"} {
		if !strings.Contains(last.Spec, s) {
			t.Errorf("last spec lacks %q:\n%s", s, last.Spec)
		}
	}
	// Ids: deterministic, unique, valid.
	p2, err := expand(t, body)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\d{4}-[0-9a-f]{8}$`)
	seen := map[string]bool{}
	for i, pt := range p.Points {
		if pt.RunID != p2.Points[i].RunID || pt.Index != i {
			t.Errorf("point %d: id %s then %s", i, pt.RunID, p2.Points[i].RunID)
		}
		if !re.MatchString(pt.RunID) || traces.ValidRunID(pt.RunID) != nil || seen[pt.RunID] {
			t.Errorf("bad or repeated id %q", pt.RunID)
		}
		seen[pt.RunID] = true
	}
	// A changed value changes the id of its points only.
	p3, err := expand(t, strings.Replace(body, "[10, 20, 30]", "[10, 20, 31]", 1))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Points {
		changed := p.Points[i].Values[1] == float64(30)
		if (p3.Points[i].RunID != p.Points[i].RunID) != changed {
			t.Errorf("point %d (%v): id %s -> %s", i, p.Points[i].Values, p.Points[i].RunID, p3.Points[i].RunID)
		}
	}
}

func TestBuiltinBase(t *testing.T) {
	p, err := expand(t, "base = \"brunel\"\n[set]\n\"builtin.scale\" = 0.1\n[grid]\n\"builtin.g\" = [3, 6]\n\"builtin.eta\" = [1, 2]\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Points) != 4 || p.Params[0].Type != "float" || p.BaseFile != "builtin:brunel" {
		t.Fatalf("%+v", p.Params)
	}
	// g = 6 gives the inhibitory weight 0.6; eta = 2 the drive 2 * nu_thr = 200 Hz at scale 0.1.
	if s := p.Points[3].Spec; !strings.Contains(s, "weight = 0.6") || !strings.Contains(s, "rate_hz = 200") || !strings.Contains(s, "size = 1000") {
		t.Errorf("spec of g=6 eta=2:\n%s", s)
	}
	if p.Points[0].MemBytes <= 0 {
		t.Error("no memory estimate")
	}
}

// fakeRun writes what dalesim run --out --run-id leaves: run.json (status
// complete) and summary.json.
func fakeRun(dir string, pt Point, status string) error {
	rd := RunDir(dir, pt)
	if err := os.MkdirAll(rd, 0o755); err != nil {
		return err
	}
	m := traces.Manifest{Format: traces.ManifestFormat, Layout: traces.LayoutPartitioned, RunID: pt.RunID, Status: status,
		Meta: traces.Meta{Populations: []traces.PopulationInfo{{Name: "E", Size: 20}, {Name: "I", Size: 5}}}}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(rd, "run.json"), b, 0o644); err != nil {
		return err
	}
	if status != traces.StatusComplete {
		return nil
	}
	sum := fmt.Sprintf(`{"name":"x","sim_seconds":0.05,"wall_seconds":0.01,"populations":{"E":{"rate_hz":%d,"cv_isi":null,"spikes":%d,"pop_rate_cv_1ms":1,"neurons":20},"I":{"rate_hz":1,"cv_isi":0.5,"spikes":1,"pop_rate_cv_1ms":1,"neurons":5}},"spike_checksum":"%016x","seed":1,"kernel":"generic","threads":1,"steps":500}`,
		pt.Index, pt.Index*10, pt.Index)
	return os.WriteFile(filepath.Join(rd, traces.SummaryFile), []byte(sum), 0o644)
}

func TestResume(t *testing.T) {
	p, err := expand(t, "base = \"net.toml\"\nseeds = [1, 2, 3, 4, 5]\n")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	// 0 complete, 1 interrupted, 2 killed (running), 3 failed, 4 missing.
	for i, st := range []string{traces.StatusComplete, traces.StatusInterrupted, traces.StatusRunning, traces.StatusComplete} {
		if err := fakeRun(dir, p.Points[i], st); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(RunDir(dir, p.Points[3]), traces.SummaryFile))
	MarkFailed(dir, p.Points[3], "boom")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(RunDir(dir, p.Points[0]), traces.SummaryFile), old, old)
	var states []string
	for _, s := range Scan(dir, p) {
		states = append(states, s.State)
	}
	if got := strings.Join(states, " "); got != "complete interrupted incomplete failed missing" {
		t.Errorf("states %s", got)
	}
	var ran atomic.Int32
	res, err := Execute(context.Background(), dir, p, ExecOptions{Jobs: 2, Run: func(ctx context.Context, pt Point) error {
		ran.Add(1)
		MarkFailed(dir, pt, "")
		return fakeRun(dir, pt, traces.StatusComplete)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 4 || res.Skipped != 1 || res.Ran != 4 || res.Failed != 0 {
		t.Errorf("ran %d, result %+v", ran.Load(), res)
	}
	if st, _ := os.Stat(filepath.Join(RunDir(dir, p.Points[0]), traces.SummaryFile)); !st.ModTime().Equal(old) {
		t.Error("the complete run was rewritten")
	}
	// Everything is complete now: a second pass runs nothing.
	ran.Store(0)
	res, err = Execute(context.Background(), dir, p, ExecOptions{Jobs: 2, Run: func(ctx context.Context, pt Point) error {
		ran.Add(1)
		return nil
	}})
	if err != nil || ran.Load() != 0 || res.Skipped != 5 {
		t.Errorf("second pass: ran %d, %+v, %v", ran.Load(), res, err)
	}
	// sweep.parquet: one row per run, the parameter and summary columns.
	rows, err := CollectTable(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows", len(rows))
	}
	type rec struct {
		Run      string   `parquet:"run"`
		Seed     *int64   `parquet:"seed"`
		Status   string   `parquet:"status"`
		RateE    *float64 `parquet:"rate_hz_E"`
		CVE      *float64 `parquet:"cv_isi_E"`
		CVI      *float64 `parquet:"cv_isi_I"`
		Spikes   *int64   `parquet:"spikes"`
		Checksum *string  `parquet:"spike_checksum"`
	}
	got, err := parquet.ReadFile[rec](filepath.Join(dir, TableFile))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Run != p.Points[i].RunID || *r.Seed != int64(i+1) || r.Status != "complete" || *r.RateE != float64(i) ||
			r.CVE != nil || *r.CVI != 0.5 || *r.Spikes != int64(i*10+1) || *r.Checksum != fmt.Sprintf("%016x", i) {
			t.Errorf("row %d: %+v", i, r)
		}
	}
}

func TestExecuteInterrupted(t *testing.T) {
	p, err := expand(t, "base = \"net.toml\"\nseeds = [1, 2, 3, 4, 5, 6]\n")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	res, err := Execute(ctx, dir, p, ExecOptions{Jobs: 1, Run: func(ctx context.Context, pt Point) error {
		if n.Add(1) == 2 {
			cancel()
			return fakeRun(dir, pt, traces.StatusInterrupted)
		}
		return fakeRun(dir, pt, traces.StatusComplete)
	}})
	if err == nil || n.Load() != 2 || res.Ran != 1 || res.Interrupted != 1 {
		t.Errorf("err %v, ran %d, %+v", err, n.Load(), res)
	}
	st := Scan(dir, p)
	if !st[0].Done() || st[1].State != StateInterrupted || st[2].State != StateMissing {
		t.Errorf("%v %v %v", st[0].State, st[1].State, st[2].State)
	}
}

func TestSlurmScript(t *testing.T) {
	p, err := expand(t, "base = \"brunel\"\nthreads = 2\n[slurm]\npartition = \"debug\"\ntime = \"00:10:00\"\nextra = [\"--qos=short\"]\n[grid]\n\"builtin.g\" = [3, 4, 5]\n\"builtin.eta\" = [1, 2]\n")
	if err != nil {
		t.Fatal(err)
	}
	s, err := SlurmScript(p, ScriptOptions{Dalesim: "/opt/dalesim", Dir: "/data/sw"})
	if err != nil {
		t.Fatal(err)
	}
	mem := p.MemMB()
	if est := p.Points[0].MemBytes / (1 << 20); float64(mem) < 1.5*est || est < 30 { // 30 MiB: the synapses alone (two bytes each)
		t.Errorf("--mem %d MiB for an estimate of %.0f MiB", mem, est)
	}
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-5\n", "#SBATCH --cpus-per-task=2\n",
		fmt.Sprintf("#SBATCH --mem=%dM\n", mem), "#SBATCH --requeue\n", "#SBATCH --partition=debug\n", "#SBATCH --time=00:10:00\n",
		"#SBATCH --qos=short\n", "#SBATCH --output=/data/sw/sweep-logs/slurm-%A_%a.out\n", "IDX=${SLURM_ARRAY_TASK_ID:?",
		"RUN_IDS=(" + p.Points[0].RunID + " ", "run --resume \"$RUNDIR\"", "if [ -d \"$RUNDIR\" ]",
		"exec \"$DALESIM\" sweep task \"$OUT\" \"$IDX\"\n", "DALESIM=${DALESIM:-'/opt/dalesim'}"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	s, err = SlurmScript(p, ScriptOptions{Dalesim: "/opt/dalesim", Dir: "/data/sw", Indices: []int{0, 2, 3, 5}, MaxTasks: 2})
	if err != nil || !strings.Contains(s, "#SBATCH --array=0,2-3,5%2\n") {
		t.Errorf("%v:\n%s", err, s)
	}
	if _, err := SlurmScript(p, ScriptOptions{Dalesim: "dalesim", Dir: "/data/sw"}); err == nil {
		t.Error("a relative binary path was accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("base = \"brunel\"\nseeds = [1, 2]\n[grid]\n\"builtin.g\" = [3, 4]\n[lists]\nduration_ms = [10, 20]\n"))
	f.Add([]byte("base = \"x\"\n[grid]\npopulation.E.tau_m_ms = [10, 20.5]\n\"projection[name=I->E].weight\" = [{dist = \"normal\", mean = 1, sd = 0.1}, 2]\n"))
	f.Add([]byte("[slurm]\nextra = [\"--qos=a\"]\nmem_margin = 2\n[set]\na.b[0].c = 1\n"))
	f.Add([]byte("seeds = [-1]\n[grid]\n\"a[name=\" = []"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz.toml")
		if err != nil {
			if !IsError(err) {
				t.Fatalf("error of another type: %v", err)
			}
			return
		}
		if s.Size() < 1 {
			t.Fatalf("a sweep of %d points", s.Size())
		}
		if s.Size() <= 64 {
			_, _ = s.Expand() // a base that is a built-in expands; others fail cleanly
		}
	})
}

func BenchmarkExpand(b *testing.B) {
	s, err := Parse([]byte("base = \"brunel\"\n[grid]\n\"builtin.g\" = [2, 3, 4, 5, 6, 8]\n\"builtin.eta\" = [0.9, 1.5, 2, 4]\n"), "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Expand(); err != nil {
			b.Fatal(err)
		}
	}
}
