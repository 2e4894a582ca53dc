package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"dalesim/simd"
	"dalesim/spec"
	"dalesim/traces"
)

// brunelSpec writes a Brunel spec of the given scale and duration into dir.
func brunelSpec(t *testing.T, dir string, scale, ms float64) string {
	t.Helper()
	text, err := spec.BuiltinTOML("brunel", spec.BuiltinParams{Scale: scale, DurationMS: ms, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "brunel.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checksumOf returns the spike_checksum of a --json summary.
func checksumOf(t *testing.T, out string) string {
	t.Helper()
	var m struct {
		SpikeChecksum string `json:"spike_checksum"`
		Steps         int64  `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.SpikeChecksum == "" {
		t.Fatalf("not a summary (%v): %q", err, out)
	}
	return m.SpikeChecksum
}

// simulateKill turns a complete run with checkpoints into one killed in
// its last part: that part's file (of population E when partitioned) is
// left .inprogress and truncated,
// run.json says running, and there is no summary.
func simulateKill(t *testing.T, dir string) {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, "spikes-part-*.parquet"))
	if len(parts) == 0 {
		parts, _ = filepath.Glob(filepath.Join(dir, "spikes", "population=E", "part-*.parquet"))
	}
	last, lastK := "", -1
	for _, p := range parts {
		if k, ok := traces.PartIndex(p); ok && k > lastK {
			last, lastK = p, k
		}
	}
	if last == "" {
		t.Fatalf("no parts in %s", dir)
	}
	if err := os.Rename(last, last+".inprogress"); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(last+".inprogress", 100); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "run.json")
	b, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["status"] = traces.StatusRunning
	b, _ = json.Marshal(m)
	if err := os.WriteFile(mp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, traces.SummaryFile))
}

// TestResumeSimulatedKill: a run killed after its last checkpoint (its last
// part stale) reads as its complete parts and, resumed with any kernel and
// thread count, ends with the spikes and checksum of a run never
// interrupted.
func TestResumeSimulatedKill(t *testing.T) {
	root := t.TempDir()
	sp := brunelSpec(t, root, 0.1, 300)
	refDir := filepath.Join(root, "ref")
	code, out, errs := runCLI(t, "run", sp, "--json", "--threads", "1", "--out", refDir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := checksumOf(t, out)
	ref, err := traces.ReadSpikes(refDir)
	if err != nil {
		t.Fatal(err)
	}
	kernels := []string{"generic"}
	for _, k := range simd.Implementations() {
		if k != "generic" {
			kernels = append(kernels, k)
		}
	}
	if testing.Short() {
		kernels = kernels[:min(len(kernels), 2)]
	}
	for ki, kn := range kernels {
		for _, threads := range []string{"1", "2"} {
			dir := filepath.Join(root, kn+"-"+threads)
			code, out, errs := runCLI(t, "run", sp, "--json", "--threads", threads, "--simd", kn, "--out", dir,
				"--checkpoint-every", "100", "--part-every", "40")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if got := checksumOf(t, out); got != want {
				t.Fatalf("%s, %s threads, with parts and checkpoints: checksum %s, want %s", kn, threads, got, want)
			}
			simulateKill(t, dir)
			killed, err := traces.ReadSpikes(dir)
			if err != nil {
				t.Fatalf("reading the killed run: %v", err)
			}
			if killed.Len() == 0 || killed.Len() >= ref.Len() || !reflect.DeepEqual(killed.Step, ref.Step[:killed.Len()]) {
				t.Fatalf("killed run: %d spikes, not a prefix of the %d of the complete run", killed.Len(), ref.Len())
			}
			// Resume with the other kernel and thread count.
			other := kernels[(ki+1)%len(kernels)]
			code, out, errs = runCLI(t, "run", "--resume", dir, "--json", "--simd", other, "--threads", map[string]string{"1": "2", "2": "1"}[threads])
			if code != 0 {
				t.Fatalf("resume: exit %d: %s", code, errs)
			}
			if got := checksumOf(t, out); got != want {
				t.Fatalf("%s, %s threads, resumed: checksum %s, want %s", kn, threads, got, want)
			}
			if !strings.Contains(errs, "resuming") || !strings.Contains(errs, "at step 2000 of 3000") {
				t.Errorf("resume message: %q", errs)
			}
			got, err := traces.ReadSpikes(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual([]any{got.Step, got.Pop, got.Neuron}, []any{ref.Step, ref.Pop, ref.Neuron}) {
				t.Fatalf("resumed run: %d spikes in the traces, the uninterrupted run has %d", got.Len(), ref.Len())
			}
			if got.Meta.Status != traces.StatusComplete || got.Meta.LastStep != 2999 {
				t.Fatalf("resumed run: status %s, last step %d", got.Meta.Status, got.Meta.LastStep)
			}
			if stale, _ := filepath.Glob(filepath.Join(dir, "*.inprogress")); len(stale) > 0 {
				t.Fatalf("stale files after resuming: %v", stale)
			}
		}
	}
}

// TestResumePartitioned: the partitioned layout rolls and resumes too.
func TestResumePartitioned(t *testing.T) {
	root := t.TempDir()
	sp := brunelSpec(t, root, 0.05, 200)
	code, out, errs := runCLI(t, "run", sp, "--json", "--threads", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := checksumOf(t, out)
	dir := filepath.Join(root, "sweep")
	code, _, errs = runCLI(t, "run", sp, "--json", "--out", dir, "--run-id", "a", "--checkpoint-every", "50")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	run := filepath.Join(dir, "run=a")
	for _, p := range []string{"spikes/population=E/part-3.parquet", "spikes/population=I/part-0.parquet", "checkpoint.bin"} {
		if _, err := os.Stat(filepath.Join(run, p)); err != nil {
			t.Fatal(err)
		}
	}
	simulateKill(t, run)
	code, out, errs = runCLI(t, "run", "--resume", dir, "--json")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	if got := checksumOf(t, out); got != want {
		t.Fatalf("resumed: checksum %s, want %s", got, want)
	}
}

// TestResumeRefusals: --resume says clearly why it cannot continue a run.
func TestResumeRefusals(t *testing.T) {
	root := t.TempDir()
	sp := brunelSpec(t, root, 0.05, 100)
	plain := filepath.Join(root, "plain")
	if code, _, errs := runCLI(t, "run", sp, "--out", plain, "-q"); code != 0 {
		t.Fatal(errs)
	}
	ck := filepath.Join(root, "ck")
	if code, _, errs := runCLI(t, "run", sp, "--out", ck, "-q", "--checkpoint-every", "30"); code != 0 {
		t.Fatal(errs)
	}
	copyRun := func(name string) string {
		dst := filepath.Join(root, name)
		if err := os.CopyFS(dst, os.DirFS(ck)); err != nil {
			t.Fatal(err)
		}
		simulateKill(t, dst)
		return dst
	}
	badSpec := copyRun("badspec")
	mp := filepath.Join(badSpec, "run.json")
	b, _ := os.ReadFile(mp)
	os.WriteFile(mp, bytes.Replace(b, []byte("seed = 5"), []byte("seed = 6"), 1), 0o644)
	corrupt := copyRun("corrupt")
	cp := filepath.Join(corrupt, "checkpoint.bin")
	b, _ = os.ReadFile(cp)
	os.WriteFile(cp, b[:len(b)/2], 0o644)
	rates := filepath.Join(root, "rates.toml")
	text, _ := os.ReadFile(sp)
	os.WriteFile(rates, append(text, "\n[[monitor]]\nkind = \"rate\"\n"...), 0o644)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--resume", plain}, "no checkpoint"},
		{[]string{"run", "--resume", filepath.Join(root, "missing")}, "--resume"},
		{[]string{"run", "--resume", ck}, "the run is complete"},
		{[]string{"run", "--resume", copyRun("arg"), sp}, "takes no SPEC argument"},
		{[]string{"run", "--resume", copyRun("seed"), "--seed", "3"}, "--seed cannot be given"},
		{[]string{"run", "--resume", badSpec}, "spec.sha256"},
		{[]string{"run", "--resume", corrupt}, "checkpoint: "},
		{[]string{"run", sp, "--checkpoint-every", "10"}, "--checkpoint-every needs --out"},
		{[]string{"run", sp, "--out", copyRun("again")}, "continue it with dalesim run --resume"},
		{[]string{"run", sp, "--out", filepath.Join(root, "neg"), "--part-every", "-1"}, "--part-every = -1"},
		{[]string{"run", rates, "--out", filepath.Join(root, "r"), "--checkpoint-every", "10"}, "rate monitor"},
	} {
		code, _, errs := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "r")); err == nil {
		t.Error("the refused --checkpoint-every run with a rate monitor left its directory")
	}
}

// TestSIGKILLResume kills the binary with SIGKILL at random points of a
// run with checkpoints, resumes it each time, and compares the final
// spike_checksum with an uninterrupted run's.
func TestSIGKILLResume(t *testing.T) {
	bin := buildBinary(t)
	root := t.TempDir()
	scale, ms, kills := 0.1, 1000.0, 2
	if !testing.Short() {
		scale, ms, kills = 0.2, 2000, 4
	}
	sp := brunelSpec(t, root, scale, ms)
	t0 := time.Now()
	out, err := exec.Command(bin, "run", sp, "--json", "-q", "--threads", "1").Output()
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(t0)
	want := checksumOf(t, string(out))
	dir := filepath.Join(root, "run")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	args := []string{"run", sp, "--out", dir, "--checkpoint-every", "100", "--threads", "1", "--json", "-q"}
	killed := 0
	for i := 0; i <= kills; i++ {
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if i < kills {
			time.Sleep(time.Duration(rng.Float64() * float64(wall)))
			if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
				killed++
			}
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
			if _, err := os.Stat(filepath.Join(dir, "checkpoint.bin")); err != nil {
				// Killed before the first checkpoint: start again.
				os.RemoveAll(dir)
				args = []string{"run", sp, "--out", dir, "--checkpoint-every", "100", "--threads", "1", "--json", "-q"}
			} else {
				args = []string{"run", "--resume", dir, "--threads", "1", "--json", "-q"}
			}
			continue
		}
		if err != nil {
			t.Fatalf("exit: %v: %s", err, stderr.String())
		}
		if got := checksumOf(t, stdout.String()); got != want {
			t.Fatalf("after %d kills: checksum %s, want %s", killed, got, want)
		}
		if _, err := traces.ReadSpikes(dir); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d SIGKILLs, %d runs: checksum %s", killed, i+1, want)
		return
	}
	t.Fatal("the last run did not finish")
}

// TestAnalyzePlotParts: analyze and plot read a run written in parts, and
// the complete parts of a killed one, as they read a single-file run.
func TestAnalyzePlotParts(t *testing.T) {
	root := t.TempDir()
	sp := brunelSpec(t, root, 0.05, 200)
	single, parts := filepath.Join(root, "single"), filepath.Join(root, "parts")
	if code, _, errs := runCLI(t, "run", sp, "-q", "--out", single); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, "run", sp, "-q", "--out", parts, "--part-every", "30"); code != 0 {
		t.Fatal(errs)
	}
	if files, _ := filepath.Glob(filepath.Join(parts, "spikes-part-*.parquet")); len(files) != 7 {
		t.Fatalf("%d parts, want 7 (200 ms in parts of 30 ms)", len(files))
	}
	body := func(dir string) string {
		code, out, errs := runCLI(t, "analyze", dir, "--no-parquet")
		if code != 0 {
			t.Fatalf("analyze %s: exit %d: %s", dir, code, errs)
		}
		_, rest, _ := strings.Cut(out, "\n") // the first line names the directory
		return rest
	}
	if a, b := body(parts), body(single); a != b {
		t.Fatalf("analyze of the parts:\n%s\nof the single file:\n%s", a, b)
	}
	if code, _, errs := runCLI(t, "plot", parts); code != 0 {
		t.Fatalf("plot: %s", errs)
	}
	simulateKill(t, parts)
	if out := body(parts); !strings.Contains(out, "running, last step 1799") {
		t.Fatalf("analyze of a killed run:\n%s", out)
	}
}
