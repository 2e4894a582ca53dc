package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"dalesim/internal/duckdbtest"
	"dalesim/sweep"
	"dalesim/traces"
)

func writeSweep(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSweepBadFile(t *testing.T) {
	f := writeSweep(t, "base = \"brunel\"\n[grid]\n\"builtin.g\" = [4, -1]\n")
	code, _, errs := runCLI(t, "sweep", f, "--out", filepath.Join(t.TempDir(), "out"), "--dry-run")
	if code != ExitBadInput || !strings.Contains(errs, `grid."builtin.g" = -1: builtin.g must be >= 0`) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	f = writeSweep(t, "base = \"brunel\"\n[grid]\n\"population.E.tau_m_ms\" = [20, 0]\n")
	code, _, errs = runCLI(t, "sweep", f, "--out", filepath.Join(t.TempDir(), "out"), "--dry-run")
	if code != ExitBadInput || !strings.Contains(errs, `grid."population.E.tau_m_ms" = 0: the spec is invalid: population "E": `) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, "sweep", "status", t.TempDir())
	if code != ExitBadInput || !strings.Contains(errs, "not a sweep directory") {
		t.Errorf("status: exit %d, stderr %q", code, errs)
	}
}

func TestSweepDryRunAndScript(t *testing.T) {
	f := writeSweep(t, "base = \"brunel\"\nthreads = 2\nseeds = [1, 2]\n[set]\n\"builtin.scale\" = 0.1\n[grid]\n\"builtin.g\" = [4, 5, 6]\n")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI(t, "sweep", f, "--out", out, "--dry-run")
	if code != 0 || !strings.Contains(stdout, "6 runs of brunel (grid builtin.g, seed seed)") || !strings.Contains(stdout, "0005-") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	code, stdout, errs = runCLI(t, "sweep", f, "--out", out, "--slurm", "--dalesim", os.Args[0], "--max-tasks", "3")
	if code != 0 || !strings.Contains(stdout, "6 array task(s), 2 CPU(s)") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	b, err := os.ReadFile(filepath.Join(out, sweep.ScriptFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --array=0-5%3", "#SBATCH --cpus-per-task=2", "#SBATCH --requeue", "#SBATCH --mem="} {
		if !strings.Contains(string(b), want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

type sweepRow struct {
	Run      string   `parquet:"run"`
	G        *float64 `parquet:"builtin.g"`
	Seed     *int64   `parquet:"seed"`
	Status   string   `parquet:"status"`
	RateE    *float64 `parquet:"rate_hz_E"`
	CVE      *float64 `parquet:"cv_isi_E"`
	Spikes   *int64   `parquet:"spikes"`
	Checksum *string  `parquet:"spike_checksum"`
}

func readSweepTable(t *testing.T, dir string) []sweepRow {
	t.Helper()
	rows, err := parquet.ReadFile[sweepRow](filepath.Join(dir, sweep.TableFile))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

const tinySweep = "name = \"tiny\"\nbase = \"brunel\"\nseeds = [1, 2]\n[set]\nduration_ms = 100\n\"builtin.scale\" = 0.1\n[grid]\n\"builtin.g\" = [4, 6]\n"

// TestSweepLocal runs a sweep of 4 runs, resumes it after one run is made
// interrupted, and checks sweep.parquet against each run's summary.
func TestSweepLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	f := writeSweep(t, tinySweep)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI(t, "sweep", f, "--out", out, "--jobs", "2", "--dalesim", bin)
	if code != 0 || !strings.Contains(stdout, "4 run(s) done now, 0 already complete") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	rows := readSweepTable(t, out)
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Status != "complete" || *r.Spikes == 0 || r.Checksum == nil {
			t.Errorf("%+v", r)
		}
		// The run's own metadata agrees.
		m, err := traces.ReadManifest(filepath.Join(out, "run="+r.Run))
		if err != nil || m.Status != traces.StatusComplete || m.RunID != r.Run || m.Meta.Seed != uint64(*r.Seed) {
			t.Errorf("run %s: %+v %v", r.Run, m, err)
		}
	}
	// DuckDB reads the traces of every run and the table as one data set.
	q := fmt.Sprintf(`SELECT s.run, s.spikes, count(*) AS n FROM read_parquet('%s/run=*/spikes/**/*.parquet', hive_partitioning=1) t
		JOIN read_parquet('%s/sweep.parquet') s USING (run) GROUP BY ALL ORDER BY s.run`, out, out)
	if got := duckdbtest.QueryOrNil(t, q); got != nil {
		if len(got) != 4 {
			t.Errorf("DuckDB: %d runs", len(got))
		}
		for i, r := range got {
			if r["run"] != rows[i].Run || duckdbtest.Num(t, r["n"]) != float64(*rows[i].Spikes) {
				t.Errorf("DuckDB row %d: %v; sweep.parquet %s %d spikes", i, r, rows[i].Run, *rows[i].Spikes)
			}
		}
	}
	// Make run 1 look interrupted: it is redone, the others are skipped.
	p, err := sweep.ReadPlan(out)
	if err != nil {
		t.Fatal(err)
	}
	man := filepath.Join(sweep.RunDir(out, p.Points[1]), "run.json")
	b, _ := os.ReadFile(man)
	os.WriteFile(man, bytes.Replace(b, []byte(`"status": "complete"`), []byte(`"status": "interrupted"`), 1), 0o644)
	code, stdout, _ = runCLI(t, "sweep", "status", out)
	if code != 0 || !strings.Contains(stdout, "3 complete, 1 interrupted") {
		t.Errorf("status: %s", stdout)
	}
	sum0 := filepath.Join(sweep.RunDir(out, p.Points[0]), traces.SummaryFile)
	st0, _ := os.Stat(sum0)
	code, stdout, errs = runCLI(t, "sweep", f, "--out", out, "--jobs", "2", "--dalesim", bin)
	if code != 0 || !strings.Contains(stdout, "1 run(s) done now, 3 already complete") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, stdout, errs)
	}
	if st, _ := os.Stat(sum0); !st.ModTime().Equal(st0.ModTime()) {
		t.Error("a complete run was redone")
	}
	again := readSweepTable(t, out)
	for i := range rows {
		if *again[i].Checksum != *rows[i].Checksum || *again[i].RateE != *rows[i].RateE {
			t.Errorf("run %d: %+v then %+v", i, rows[i], again[i])
		}
	}
	// collect rebuilds the same table; plot draws the grid (one parameter:
	// refused).
	os.Remove(filepath.Join(out, sweep.TableFile))
	if code, _, errs := runCLI(t, "sweep", "collect", out); code != 0 || len(readSweepTable(t, out)) != 4 {
		t.Errorf("collect: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "sweep", "plot", out); code != ExitBadInput || !strings.Contains(errs, "1 grid parameter") {
		t.Errorf("plot: %d %s", code, errs)
	}
}

// TestSweepInterrupt sends SIGINT to dalesim sweep during its second run:
// exit status 130, the first run complete, the second interrupted (valid
// traces), sweep.parquet written; the same command then finishes the sweep.
func TestSweepInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for seconds")
	}
	bin := buildBinary(t)
	f := writeSweep(t, "base = \"brunel\"\nseeds = [1, 2, 3]\n[set]\nduration_ms = 20000\n\"builtin.scale\" = 0.1\n")
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, "sweep", f, "--out", out, "--jobs", "1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(out, "run=0001-*", "run.json"))
		if len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second run did not start in 60 s: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30 s after SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit %v\n%s", err, stderr.String())
	}
	p, err := sweep.ReadPlan(out)
	if err != nil {
		t.Fatal(err)
	}
	sts := sweep.Scan(out, p)
	if sts[0].State != sweep.StateComplete || sts[1].State != sweep.StateInterrupted || sts[2].State != sweep.StateMissing {
		t.Fatalf("states %s %s %s\n%s", sts[0].State, sts[1].State, sts[2].State, stderr.String())
	}
	if _, err := traces.ReadSpikes(sweep.RunDir(out, p.Points[1])); err != nil {
		t.Errorf("the interrupted run's traces: %v", err)
	}
	rows := readSweepTable(t, out)
	if len(rows) != 3 || rows[0].Status != "complete" || rows[1].Status != "interrupted" || rows[2].Status != "missing" {
		t.Errorf("sweep.parquet: %+v", rows)
	}
	code, so, errs := runCLI(t, "sweep", f, "--out", out, "--jobs", "2", "--dalesim", bin)
	if code != 0 || !strings.Contains(so, "2 run(s) done now, 1 already complete") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, so, errs)
	}
}

// TestSweepSlurm runs the same sweep locally and on a single-node Slurm
// cluster that sweep/testdata/slurm-up.sh starts, and compares the two
// sweep.parquet tables. It needs root, slurm-wlm and munge
// (apt-get install -y slurm-wlm munge), and runs only with
// DALESIM_SLURM_TESTS=1.
func TestSweepSlurm(t *testing.T) {
	if os.Getenv("DALESIM_SLURM_TESTS") != "1" {
		t.Skip("set DALESIM_SLURM_TESTS=1 to start a Slurm cluster on this machine (needs root, slurm-wlm and munge)")
	}
	bin := buildBinary(t)
	script, err := filepath.Abs(filepath.Join("..", "sweep", "testdata", "slurm-up.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cluster := t.TempDir()
	up, err := exec.Command("bash", script, cluster).CombinedOutput()
	if err != nil {
		t.Fatalf("slurm-up.sh: %v\n%s", err, up)
	}
	t.Cleanup(func() { exec.Command("bash", script, cluster, "stop").Run() })
	t.Setenv("SLURM_CONF", filepath.Join(cluster, "slurm.conf"))

	f := writeSweep(t, tinySweep)
	local := filepath.Join(t.TempDir(), "local")
	if code, so, errs := runCLI(t, "sweep", f, "--out", local, "--jobs", "2", "--dalesim", bin); code != 0 {
		t.Fatalf("local: exit %d\n%s\n%s", code, so, errs)
	}
	remote := filepath.Join(t.TempDir(), "slurm")
	code, so, errs := runCLI(t, "sweep", f, "--out", remote, "--slurm", "--submit", "--dalesim", bin)
	if code != 0 || !strings.Contains(so, "submitted job") {
		t.Fatalf("slurm: exit %d\n%s\n%s", code, so, errs)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		_, err := os.Stat(filepath.Join(remote, sweep.TableFile)) // written by the collect job
		p, perr := sweep.ReadPlan(remote)
		if perr != nil {
			t.Fatal(perr)
		}
		if err == nil && len(sweep.Pending(sweep.Scan(remote, p))) == 0 {
			break
		}
		if time.Now().After(deadline) {
			_, st, _ := runCLI(t, "sweep", "status", remote)
			q, _ := exec.Command("squeue").CombinedOutput()
			t.Fatalf("the Slurm sweep did not finish in 5 min:\n%s\n%s", st, q)
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(time.Second) // the collect job may still be renaming
	a, b := readSweepTable(t, local), readSweepTable(t, remote)
	if len(a) != len(b) || len(a) != 4 {
		t.Fatalf("%d local rows, %d Slurm rows", len(a), len(b))
	}
	for i := range a {
		if a[i].Run != b[i].Run || *a[i].Checksum != *b[i].Checksum || *a[i].RateE != *b[i].RateE ||
			*a[i].Spikes != *b[i].Spikes || b[i].Status != "complete" {
			t.Errorf("row %d: local %+v, Slurm %+v", i, a[i], b[i])
		}
	}
}

// TestSweepCheckpoints: checkpoint_every_ms makes every run of a sweep
// keep a checkpoint (what a requeued Slurm task resumes from), and the
// sweep's figures are those of the same sweep without checkpoints.
func TestSweepCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	plain := writeSweep(t, tinySweep)
	ck := writeSweep(t, "checkpoint_every_ms = 20\n"+tinySweep)
	outs := []string{filepath.Join(t.TempDir(), "plain"), filepath.Join(t.TempDir(), "ck")}
	for i, f := range []string{plain, ck} {
		if code, so, errs := runCLI(t, "sweep", f, "--out", outs[i], "--jobs", "2", "--dalesim", bin); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, so, errs)
		}
	}
	a, b := readSweepTable(t, outs[0]), readSweepTable(t, outs[1])
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d rows", len(a), len(b))
	}
	for i := range a {
		if *a[i].Checksum != *b[i].Checksum {
			t.Errorf("run %d: checksum %s without checkpoints, %s with", i, *a[i].Checksum, *b[i].Checksum)
		}
		if _, err := os.Stat(filepath.Join(outs[1], "run="+b[i].Run, "checkpoint.bin")); err != nil {
			t.Errorf("run %s: %v", b[i].Run, err)
		}
	}
}
