package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dalesim/traces"
)

const tracesSpec = "testdata/traces.toml"

// runSummary is the part of the --json summary the tests compare.
type runSummary struct {
	Populations map[string]struct {
		RateHz float64 `json:"rate_hz"`
		CVISI  float64 `json:"cv_isi"`
		Spikes int64   `json:"spikes"`
		Sync   float64 `json:"pop_rate_cv_1ms"`
	} `json:"populations"`
	Checksum    string `json:"spike_checksum"`
	Steps       int64  `json:"steps"`
	Interrupted bool   `json:"interrupted"`
	Seed        uint64 `json:"seed"`
}

func decodeSummary(t *testing.T, b []byte) runSummary {
	t.Helper()
	var s runSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary: %v\n%s", err, b)
	}
	return s
}

// spikeCounts counts the spikes of each population in a trace.
func spikeCounts(sp *traces.SpikeTable) map[string]int64 {
	c := map[string]int64{}
	for _, p := range sp.Pop {
		c[sp.Populations[p]]++
	}
	return c
}

// traceChecksum is the engine's spike checksum (FNV-1a over the sorted
// (step, population index, neuron) list) computed from a spike table.
func traceChecksum(sp *traces.SpikeTable) string {
	idx := map[string]uint32{}
	for i, p := range sp.Meta.Populations {
		idx[p.Name] = uint32(i)
	}
	h := uint64(14695981039346656037)
	var buf [16]byte
	for i := range sp.Step {
		binary.LittleEndian.PutUint64(buf[:8], uint64(sp.Step[i]))
		binary.LittleEndian.PutUint32(buf[8:12], idx[sp.Populations[sp.Pop[i]]])
		binary.LittleEndian.PutUint32(buf[12:16], uint32(sp.Neuron[i]))
		for _, c := range buf {
			h = (h ^ uint64(c)) * 1099511628211
		}
	}
	return fmt.Sprintf("%016x", h)
}

// dirHash hashes every file (name, size, content) under dir.
func dirHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		st, _ := d.Info()
		fmt.Fprintf(h, "%s %d %s\n", p, len(b), st.ModTime())
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestRunOutReadBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := runCLI(t, "run", tracesSpec, "--out", dir, "--json", "--duration", "300", "--threads", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("stderr not empty (no progress bar off a terminal): %q", errs)
	}
	sum := decodeSummary(t, []byte(out))
	saved, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	// summary.json is the --json object (indented).
	var a, b map[string]any
	json.Unmarshal([]byte(out), &a)
	json.Unmarshal(saved, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("summary.json differs from --json:\n%s\n%s", saved, out)
	}
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := spikeCounts(sp)
	for name, p := range sum.Populations {
		if counts[name] != p.Spikes {
			t.Errorf("%s: %d spikes in the trace, %d in the summary", name, counts[name], p.Spikes)
		}
	}
	if got := traceChecksum(sp); got != sum.Checksum {
		t.Errorf("trace checksum %s, summary %s", got, sum.Checksum)
	}
	m := sp.Meta
	if m.Status != traces.StatusComplete || m.LastStep != 2999 || m.Version != Version || m.Seed != 3 ||
		m.Extra["dalesim.name"] != "traces-demo" || !strings.Contains(m.Extra["dalesim.command"], "--out=") {
		t.Errorf("metadata: %+v", m)
	}
	// The spec in the metadata reproduces the run (duration from the command line).
	if !strings.Contains(m.Spec, "duration_ms = 300") {
		t.Errorf("metadata spec lacks the --duration override:\n%s", m.Spec)
	}
	for _, read := range []func(string) (int, error){
		func(d string) (int, error) { t, err := traces.ReadStates(d); return lenOr(t, err) },
		func(d string) (int, error) { t, err := traces.ReadWeights(d); return lenOr(t, err) },
		func(d string) (int, error) { t, err := traces.ReadRates(d); return lenOr(t, err) },
	} {
		if n, err := read(dir); err != nil || n == 0 {
			t.Errorf("table: %d rows, %v", n, err)
		}
	}
}

func lenOr[T interface{ Len() int }](t T, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return t.Len(), nil
}

func TestOutRefusesExistingRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"run", tracesSpec, "--out", dir, "--duration", "50", "--threads", "1"}
	if code, _, errs := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	before := dirHash(t, dir)
	code, _, errs := runCLI(t, append(args, "--seed", "9")...)
	if code != 2 || !strings.Contains(errs, "already holds a run") || !strings.Contains(errs, "--force") {
		t.Fatalf("second run: exit %d, stderr %q; want 2 and a refusal naming --force", code, errs)
	}
	if dirHash(t, dir) != before {
		t.Fatal("the refused run changed the directory")
	}
	// A foreign Parquet file is not ours: refused too, and kept with --force.
	code, out, errs := runCLI(t, append(args, "--seed", "9", "--force", "--json")...)
	if code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errs)
	}
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Meta.Seed != 9 || traceChecksum(sp) != decodeSummary(t, []byte(out)).Checksum {
		t.Errorf("--force did not replace the run: seed %d", sp.Meta.Seed)
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if decodeSummary(t, saved).Seed != 9 {
		t.Error("summary.json not replaced")
	}

	// Other bad uses of --out.
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--force"}, "--force needs --out DIR"},
		{[]string{"--run-id", "a"}, "--run-id needs --out DIR"},
		{[]string{"--out", file}, "not a directory"},
		{[]string{"--out", dir, "--partition"}, "holds a flat (unpartitioned) run"},
		{[]string{"--out", t.TempDir(), "--run-id", "a/b"}, `--run-id "a/b"`},
	} {
		code, _, errs := runCLI(t, append([]string{"run", tracesSpec, "--duration", "10"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func TestOutPartitioned(t *testing.T) {
	dir := t.TempDir()
	sums := map[string]runSummary{}
	for i, id := range []string{"g4", "g5"} {
		code, out, errs := runCLI(t, "bench", "brunel", "--scale", "0.1", "--duration", "100", "--threads", "1",
			"--g", strconv.Itoa(4+i), "--out", dir, "--run-id", id, "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		sums[id] = decodeSummary(t, []byte(out))
	}
	for _, p := range []string{"run=g4/run.json", "run=g4/summary.json", "run=g4/spikes/population=E/part-0.parquet",
		"run=g5/spikes/population=I/part-0.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("layout: %v", err)
		}
	}
	for id, s := range sums {
		sp, err := traces.ReadSpikes(filepath.Join(dir, "run="+id))
		if err != nil {
			t.Fatal(err)
		}
		if sp.Meta.RunID != id || traceChecksum(sp) != s.Checksum {
			t.Errorf("run %s: run id %q, checksum %s, summary %s", id, sp.Meta.RunID, traceChecksum(sp), s.Checksum)
		}
	}
	if _, err := traces.ReadSpikes(dir); err == nil || !strings.Contains(err.Error(), "holds 2 runs") {
		t.Errorf("reading a sweep as one run: %v", err)
	}
	// The same run id again is refused; a flat run cannot join a partitioned directory.
	before := dirHash(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--run-id", "g4"}, `already holds run "g4"`},
		{nil, "holds partitioned runs"},
	} {
		args := append([]string{"bench", "brunel", "--scale", "0.1", "--duration", "10", "--out", dir}, c.args...)
		code, _, errs := runCLI(t, args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
	if dirHash(t, dir) != before {
		t.Fatal("a refused run changed the directory")
	}
	// DuckDB reads the sweep as one data set (hive partitioning).
	rows := duckdb(t, fmt.Sprintf(`SELECT run, population, count(*) AS n FROM read_parquet('%s/*/spikes/*/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL`,
		filepath.ToSlash(dir)))
	if len(rows) != 4 {
		t.Fatalf("DuckDB: %v", rows)
	}
	for _, r := range rows {
		id, pop := fmt.Sprint(r["run"]), fmt.Sprint(r["population"])
		if n, _ := strconv.ParseInt(fmt.Sprint(r["n"]), 10, 64); n != sums[id].Populations[pop].Spikes {
			t.Errorf("DuckDB: run %s population %s: %d spikes, summary %d", id, pop, n, sums[id].Populations[pop].Spikes)
		}
	}
}

// duckdb runs sql through tools/duckdb/query.mjs, skipping when DuckDB is
// not installed.
func duckdb(t *testing.T, sql string) []map[string]any {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "tools", "duckdb", "query.mjs"))
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("DuckDB check skipped: node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip("DuckDB check skipped: run `npm ci --prefix tools/duckdb` (the CI does)")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", script, sql)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb %q: %v\n%s", sql, err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return rows
}

// TestAnalyzeReproducesBench: analyze computes the rate and CV of the ISIs
// from the trace with the definitions bench uses, in the Brunel AI and SR
// regimes.
func TestAnalyzeReproducesBench(t *testing.T) {
	for _, regime := range []struct{ name, g, eta string }{{"AI", "5", "2"}, {"SR", "3", "2"}} {
		t.Run(regime.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			code, out, errs := runCLI(t, "bench", "brunel", "--g", regime.g, "--eta", regime.eta, "--scale", "0.2",
				"--duration", "300", "--threads", "2", "--out", dir, "--json")
			if code != 0 {
				t.Fatalf("bench: exit %d: %s", code, errs)
			}
			sum := decodeSummary(t, []byte(out))
			code, out, errs = runCLI(t, "analyze", dir, "--json")
			if code != 0 {
				t.Fatalf("analyze: exit %d: %s", code, errs)
			}
			var a struct {
				Populations []struct {
					Name       string  `json:"name"`
					Spikes     int64   `json:"spikes"`
					MeanRateHz float64 `json:"mean_rate_hz"`
					ISI        struct {
						CV float64 `json:"cv_isi"`
					} `json:"isi"`
					SyncCV float64 `json:"sync_cv"`
				} `json:"populations"`
			}
			if err := json.Unmarshal([]byte(out), &a); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			const rel = 1e-5 // bench prints 6 significant digits
			near := func(x, y float64) bool { return math.Abs(x-y) <= rel*math.Abs(y) }
			for _, p := range a.Populations {
				b := sum.Populations[p.Name]
				if p.Spikes != b.Spikes || !near(p.MeanRateHz, b.RateHz) || !near(p.ISI.CV, b.CVISI) || !near(p.SyncCV, b.Sync) {
					t.Errorf("%s: analyze spikes %d rate %.6g CV %.6g sync %.6g; bench %d %.6g %.6g %.6g",
						p.Name, p.Spikes, p.MeanRateHz, p.ISI.CV, p.SyncCV, b.Spikes, b.RateHz, b.CVISI, b.Sync)
				}
			}
			if len(a.Populations) != 2 {
				t.Errorf("%d populations", len(a.Populations))
			}
			// The Parquet summary went to DIR/analysis.parquet.
			if _, err := os.Stat(filepath.Join(dir, "analysis.parquet")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAnalyzeOutputAndErrors(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	if code, _, errs := runCLI(t, "run", tracesSpec, "--out", dir, "--duration", "200", "--threads", "1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "analyze", dir, "--ccg-a", "E:50", "--ccg-b", "I", "--fano-window", "50", "--pairs", "100")
	if code != 0 || !strings.Contains(out, "CV ISI") || !strings.Contains(out, "input->E") || !strings.Contains(out, "E[0:50] x I") {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	pq := filepath.Join(dir, "analysis.parquet")
	st1, err := os.Stat(pq)
	if err != nil {
		t.Fatal(err)
	}
	// The default summary is kept (with a note) unless --force.
	code, _, errs = runCLI(t, "analyze", dir)
	if st2, _ := os.Stat(pq); code != 0 || !strings.Contains(errs, "kept") || !st2.ModTime().Equal(st1.ModTime()) {
		t.Errorf("second analyze: exit %d, stderr %q", code, errs)
	}
	if code, _, errs = runCLI(t, "analyze", dir, "--force"); code != 0 || errs != "" {
		t.Errorf("--force: exit %d, stderr %q", code, errs)
	}
	// An explicit --parquet FILE is never replaced without --force.
	other := filepath.Join(root, "a.parquet")
	os.WriteFile(other, []byte("x"), 0o644)
	if code, _, errs = runCLI(t, "analyze", dir, "--parquet", other); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("--parquet onto a file: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(other); string(b) != "x" {
		t.Error("--parquet replaced a file without --force")
	}

	// Bad directories: exit 2 and a message naming the problem.
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	corrupt := filepath.Join(root, "corrupt")
	copyDir(t, dir, corrupt)
	sp := filepath.Join(corrupt, "spikes.parquet")
	b, _ := os.ReadFile(sp)
	os.WriteFile(sp, b[:len(b)/2], 0o644)
	unfinished := filepath.Join(root, "unfinished")
	copyDir(t, dir, unfinished)
	os.Rename(filepath.Join(unfinished, "spikes.parquet"), filepath.Join(unfinished, "spikes.parquet.inprogress"))
	for _, c := range []struct{ dir, want string }{
		{filepath.Join(root, "missing"), "no such run directory"},
		{empty, "holds no dalesim run"},
		{corrupt, "spikes.parquet"},
		{unfinished, "not closed"},
	} {
		for _, cmd := range []string{"analyze", "plot"} {
			code, _, errs := runCLI(t, cmd, c.dir)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", cmd, filepath.Base(c.dir), code, errs, c.want)
			}
		}
	}
	if code, _, errs := runCLI(t, "analyze", dir, "--ccg-a", "E:x"); code != 2 || !strings.Contains(errs, "POP:N") {
		t.Errorf("--ccg-a E:x: exit %d, stderr %q", code, errs)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	os.MkdirAll(to, 0o755)
	ents, _ := os.ReadDir(from)
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(to, e.Name()), b, 0o644)
	}
}

func TestPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, errs := runCLI(t, "run", tracesSpec, "--out", dir, "--duration", "200", "--threads", "1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "plot", dir, "--dpi", "60")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range plotFiles {
		p := filepath.Join(dir, "plots", f)
		if !strings.Contains(out, p) {
			t.Errorf("output does not list %s: %s", p, out)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(fh)
		fh.Close()
		if err != nil || cfg.Width < 100 || cfg.Height < 100 {
			t.Errorf("%s: %v %+v", f, err, cfg)
		}
	}
	before := dirHash(t, filepath.Join(dir, "plots"))
	code, _, errs = runCLI(t, "plot", dir)
	if code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("second plot: exit %d, stderr %q", code, errs)
	}
	if dirHash(t, filepath.Join(dir, "plots")) != before {
		t.Error("a refused plot changed the PNG files")
	}
	if code, _, errs = runCLI(t, "plot", dir, "--dpi", "60", "--force"); code != 0 {
		t.Errorf("--force: exit %d: %s", code, errs)
	}
	other := filepath.Join(t.TempDir(), "figs")
	if code, _, errs = runCLI(t, "plot", dir, "--dpi", "60", "--to", other, "--until", "100"); code != 0 {
		t.Errorf("--to: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(other, "raster.png")); err != nil {
		t.Error(err)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, total: 10 * progressEvery, dt: 0.1, t0: time.Now().Add(-time.Second), throttle: time.Nanosecond}
	for s := int64(0); s < 5*progressEvery; s++ {
		if (s+1)%progressEvery == 0 {
			time.Sleep(time.Millisecond)
		}
		p.Observe(s, nil)
	}
	p.finish()
	if s := buf.String(); !strings.Contains(s, "t = 0.500 of 1 s") || !strings.Contains(s, "sim-s/s") || !strings.Contains(s, "50%") {
		t.Errorf("progress output %q", s)
	}
	// Off a terminal there is no bar.
	code, _, errs := runCLI(t, "bench", "brunel", "--scale", "0.1", "--duration", "300")
	if code != 0 || errs != "" {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the binary that buildBinary compiled.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary compiles dalesim once into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "dalesim-cli-test")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "dalesim")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestInterruptBinary interrupts a long run with SIGINT: exit status 130,
// the message on stderr, valid Parquet files marked interrupted, and every
// spike up to the last step (the trace's checksum equals the summary's and
// that of a run of exactly last_step+1 steps).
func TestInterruptBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for seconds")
	}
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "bench", "brunel", "--scale", "0.2", "--duration", "100000", "--threads", "1",
		"--out", dir, "--quiet", "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "run.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no run.json after 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // simulate (and record) for a while
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15 s after SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v; want status 130\nstderr: %s", err, stderr.String())
	}
	re := regexp.MustCompile(`interrupted at step (\d+) \(t = [0-9.]+ ms\); traces in (.*) hold every spike up to that step`)
	m := re.FindStringSubmatch(stderr.String())
	if m == nil || m[2] != dir {
		t.Fatalf("stderr %q", stderr.String())
	}
	last, _ := strconv.ParseInt(m[1], 10, 64)
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Meta.Status != traces.StatusInterrupted || sp.Meta.LastStep != last || last < 100 {
		t.Fatalf("metadata: status %q last step %d; stderr says %d", sp.Meta.Status, sp.Meta.LastStep, last)
	}
	man, err := traces.ReadManifest(dir)
	if err != nil || man.Status != traces.StatusInterrupted || man.LastStep != last {
		t.Fatalf("run.json: %+v %v", man, err)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := decodeSummary(t, saved)
	if !sum.Interrupted || sum.Steps != last+1 || stdout.Len() == 0 {
		t.Fatalf("summary: interrupted %v steps %d, last step %d", sum.Interrupted, sum.Steps, last)
	}
	counts := spikeCounts(sp)
	for name, p := range sum.Populations {
		if counts[name] != p.Spikes {
			t.Errorf("%s: %d spikes in the trace, %d in the summary", name, counts[name], p.Spikes)
		}
	}
	if got := traceChecksum(sp); got != sum.Checksum {
		t.Errorf("trace checksum %s, summary %s", got, sum.Checksum)
	}
	// The same seed for exactly last+1 steps gives the same spikes.
	code, out, errs := runCLI(t, "bench", "brunel", "--scale", "0.2", "--threads", "2", "--json",
		"--duration", strconv.FormatFloat(float64(last+1)*0.1, 'f', 1, 64))
	if code != 0 {
		t.Fatalf("re-run: exit %d: %s", code, errs)
	}
	if re := decodeSummary(t, []byte(out)); re.Checksum != sum.Checksum || re.Steps != last+1 {
		t.Errorf("re-run of %d steps: checksum %s, interrupted run %s", re.Steps, re.Checksum, sum.Checksum)
	}
}

// TestSecondSignalExits: after the first SIGTERM (caught: the run would
// stop at the end of its step), a second one ends the process at once, here
// while it is still building the full-size Brunel network.
func TestSecondSignalExits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	// Brunel's network at four times its size: building its 62.5 million
	// synapses on one thread takes well over a second, while the signals
	// come at 0.1 and 0.2 s.
	src, err := os.ReadFile("../examples/brunel.toml")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Replace(strings.Replace(string(src), "\nsize = 10000\n", "\nsize = 40000\n", 1), "\nsize = 2500\n", "\nsize = 10000\n", 1)
	if big == string(src) {
		t.Fatal("examples/brunel.toml: population sizes not found")
	}
	spec := filepath.Join(t.TempDir(), "brunel4x.toml")
	if err := os.WriteFile(spec, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", spec, "--duration", "100000", "--threads", "1", "--quiet", "--out", filepath.Join(t.TempDir(), "out"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	start := time.Now()
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok {
		t.Skip("no wait status on this platform")
	}
	if !ws.Signaled() {
		// Building the network takes over a second, far longer than the
		// 0.2 s to the second signal: status 130 means the second signal
		// was swallowed.
		t.Fatalf("process exited with %v after %v, not killed by the second signal", err, time.Since(start))
	}
	if ws.Signal() != syscall.SIGTERM {
		t.Errorf("killed by %v", ws.Signal())
	}
}
