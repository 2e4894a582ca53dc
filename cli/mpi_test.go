//go:build mpi

package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dalesim/internal/pyenv"
	"dalesim/traces"
)

// Tests under a real mpirun (built with -tags mpi: go test -tags mpi -run MPI ./cli/).

// mpiBinary builds dalesim with MPI and returns it and mpirun's leading
// arguments, or skips without mpirun.
func mpiBinary(t *testing.T) (bin string, mpirun []string) {
	t.Helper()
	path, err := exec.LookPath("mpirun")
	if err != nil {
		t.Skip("mpirun is not on PATH (apt-get install openmpi-bin libopenmpi-dev)")
	}
	bin = filepath.Join(t.TempDir(), "dalesim-mpi")
	if out, err := exec.Command("go", "build", "-tags", "mpi", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	mpirun = []string{path, "--oversubscribe"}
	if os.Geteuid() == 0 {
		mpirun = append(mpirun, "--allow-run-as-root")
	}
	return bin, mpirun
}

// mpiRun runs dalesim on ranks ranks (ranks 0: one process, no mpirun).
func mpiCommand(bin string, mpirun []string, ranks int, args ...string) *exec.Cmd {
	if ranks == 0 {
		return exec.Command(bin, args...)
	}
	a := append(slices.Clone(mpirun[1:]), "-n", strconv.Itoa(ranks), bin)
	return exec.Command(mpirun[0], append(a, args...)...)
}

// TestMPIRanksSameRun: Brunel's network (a tenth) on 2 and 3 ranks of 2
// threads gives the one-process checksum and spike counts, printed once, and
// its traces, one partition per rank, read as one table are the
// one-process table.
func TestMPIRanksSameRun(t *testing.T) {
	bin, mpirun := mpiBinary(t)
	dir := t.TempDir()
	args := []string{"bench", "brunel", "--scale", "0.1", "--duration", "300", "--json", "--partition", "--run-id", "x"}
	run := func(ranks int) (map[string]any, string) {
		out := filepath.Join(dir, fmt.Sprintf("ranks%d", ranks))
		cmd := mpiCommand(bin, mpirun, ranks, append(args, "--threads", "2", "--out", out)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%d ranks: %v\n%s", ranks, err, stderr.String())
		}
		var sum map[string]any
		dec := json.NewDecoder(&stdout)
		if err := dec.Decode(&sum); err != nil {
			t.Fatalf("%d ranks: %v\n%s", ranks, err, stdout.String())
		}
		if dec.More() {
			t.Errorf("%d ranks: more than one summary printed", ranks)
		}
		return sum, out
	}
	want, oneDir := run(0)
	for _, ranks := range []int{2, 3} {
		got, out := run(ranks)
		if got["spike_checksum"] != want["spike_checksum"] || fmt.Sprint(got["populations"]) != fmt.Sprint(want["populations"]) {
			t.Errorf("%d ranks: checksum %v, populations %v; one process: %v, %v", ranks, got["spike_checksum"], got["populations"],
				want["spike_checksum"], want["populations"])
		}
		if got["ranks"] != float64(ranks) || got["spike_exchange"] == nil {
			t.Errorf("%d ranks: summary says ranks %v, exchange %v", ranks, got["ranks"], got["spike_exchange"])
		}
		// The ranks' tables together are the one-process table.
		one, err := traces.ReadSpikes(oneDir)
		if err != nil {
			t.Fatal(err)
		}
		var merged []string
		for r := range ranks {
			part, err := traces.ReadSpikes(filepath.Join(out, fmt.Sprintf("rank=%d", r)))
			if err != nil {
				t.Fatal(err)
			}
			merged = append(merged, spikeRows(part)...)
		}
		slices.Sort(merged)
		if rows := spikeRows(one); !slices.Equal(merged, rows) {
			t.Errorf("%d ranks: the rank partitions hold %d spikes, one process %d (or others)", ranks, len(merged), len(rows))
		}
		t.Run(fmt.Sprintf("pyarrow/ranks=%d", ranks), func(t *testing.T) {
			py := pyenv.Require(t, "pyarrow", "pandas")
			res := strings.TrimSpace(pyenv.Run(t, py, compareTables, oneDir, out))
			if res != "equal" {
				t.Errorf("read_parquet(DIR/**/*.parquet, hive) of %d ranks vs one process: %s", ranks, res)
			}
		})
	}
}

func spikeRows(t *traces.SpikeTable) []string {
	rows := make([]string, t.Len())
	for i := range rows {
		rows[i] = fmt.Sprintf("%012d %s %08d", t.Step[i], t.Populations[t.Pop[i]], t.Neuron[i])
	}
	slices.Sort(rows)
	return rows
}

// compareTables reads every Parquet file under each directory as one
// hive-partitioned table (as read_parquet('DIR/**/*.parquet',
// hive_partitioning=1) does) and compares them without the rank column.
const compareTables = `
import glob, sys
import pyarrow.dataset as ds
def table(d):
    files = sorted(glob.glob(d + "/**/*.parquet", recursive=True))
    t = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=d).to_table().to_pandas()
    return t.drop(columns=[c for c in ("rank",) if c in t.columns])
a, b = table(sys.argv[1]), table(sys.argv[2])
if sorted(a.columns) != sorted(b.columns):
    print("columns", list(a.columns), list(b.columns)); sys.exit()
cols = sorted(a.columns)
key = ["step", "population", "neuron"]
a = a[cols].astype(str).sort_values(key).reset_index(drop=True)
b = b[cols].astype(str).sort_values(key).reset_index(drop=True)
print("equal" if a.equals(b) else "different: %d rows vs %d" % (len(a), len(b)))
`

// TestMPIRankDies: a rank killed (SIGKILL) during a run ends the run on
// every rank: mpirun exits non-zero, and the surviving ranks' traces are
// closed as interrupted at the end of an interval of the minimum delay.
// mpirun sends the survivors SIGTERM, then SIGKILL after
// odls_base_sigkill_timeout seconds (default 1); on a loaded machine (the
// survivors' MPI threads spin in the exchange) a rank may need more than one
// second to give up the exchange and close its traces, so the test allows 5.
func TestMPIRankDies(t *testing.T) {
	bin, mpirun := mpiBinary(t)
	out := filepath.Join(t.TempDir(), "out")
	mpirun = append(mpirun, "--mca", "odls_base_sigkill_timeout", "5")
	cmd := mpiCommand(bin, mpirun, 3, "bench", "brunel", "--scale", "0.1", "--duration", "1e7", "--threads", "1",
		"--out", out, "--partition", "--run-id", "x", "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until every rank records, then kill rank 1.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n := 0
		for r := range 3 {
			if _, err := os.Stat(filepath.Join(out, fmt.Sprintf("rank=%d", r), "run=x", "run.json")); err == nil {
				n++
			}
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the ranks did not start: %s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	pid := rankPID(t, cmd.Process.Pid, 1)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("mpirun exited 0 after a rank was killed")
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("mpirun still runs a minute after rank 1 was killed\n%s", stderr.String())
	}
	for _, r := range []int{0, 2} {
		dir := filepath.Join(out, fmt.Sprintf("rank=%d", r), "run=x")
		b, err := os.ReadFile(filepath.Join(dir, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Status   string `json:"status"`
			LastStep int64  `json:"last_step"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Status != "interrupted" || (m.LastStep+1)%15 != 0 {
			t.Errorf("rank %d: traces %s at last step %d, want interrupted at the end of an interval of 15 steps\n%s", r, m.Status, m.LastStep, stderr.String())
		}
		sp, err := traces.ReadSpikes(dir)
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
		if sp.Len() == 0 || sp.Step[sp.Len()-1] > m.LastStep {
			t.Errorf("rank %d: %d spikes, the last at step %d (last step %d)", r, sp.Len(), sp.Step[max(sp.Len()-1, 0)], m.LastStep)
		}
	}
	t.Logf("mpirun's stderr:\n%s", stderr.String())
}

// rankPID returns the pid of the child of mpirun (pid) that is rank r.
func rankPID(t *testing.T, mpirunPID, r int) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(mpirunPID) {
			continue
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if slices.Contains(strings.Split(string(env), "\x00"), "OMPI_COMM_WORLD_RANK="+strconv.Itoa(r)) {
			return pid
		}
	}
	t.Fatalf("no rank %d among mpirun's children", r)
	return 0
}
