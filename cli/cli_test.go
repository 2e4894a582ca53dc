package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), append([]string{"dalesim"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

func TestBenchJSON(t *testing.T) {
	code, out, errs := runCLI(t, "bench", "cuba", "--duration", "100", "--json", "--seed", "3", "--threads", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"sim_seconds", "wall_seconds", "wall_per_sim_second", "synaptic_events", "events_per_second",
		"populations", "spike_checksum", "seed", "kernel", "threads"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	pops := m["populations"].(map[string]any)
	e := pops["E"].(map[string]any)
	for _, k := range []string{"rate_hz", "cv_isi", "spikes"} {
		if _, ok := e[k]; !ok {
			t.Errorf("population JSON lacks %q", k)
		}
	}
	if m["seed"].(float64) != 3 || m["sim_seconds"].(float64) != 0.1 {
		t.Errorf("seed %v sim_seconds %v", m["seed"], m["sim_seconds"])
	}
}

func TestSameSeedSameChecksum(t *testing.T) {
	sum := func(seed string) string {
		code, out, errs := runCLI(t, "bench", "coba", "--duration", "100", "--json", "--seed", seed)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var m struct {
			Sum string `json:"spike_checksum"`
		}
		json.Unmarshal([]byte(out), &m)
		return m.Sum
	}
	a, b, c := sum("5"), sum("5"), sum("6")
	if a != b || a == c || a == "" {
		t.Fatalf("checksums: seed 5: %s, %s; seed 6: %s", a, b, c)
	}
}

func TestBadInputExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "neg.toml")
	os.WriteFile(bad, []byte(`dt_ms = 0.1
[[population]]
name = "I"
size = 10
identity = "inhibitory"
model = "delta"
tau_m_ms = 20.0
v_rest_mV = 0.0
v_reset_mV = 10.0
v_thresh_mV = 20.0
[[projection]]
name = "I->I"
source = "I"
target = "I"
connectivity = { rule = "all_to_all" }
weight = -1.0
`), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", bad}, 2, `neg.toml:16: projection "I->I": weight: value = -1: must be >= 0`},
		{[]string{"run", filepath.Join(dir, "missing.toml")}, 2, "no such file"},
		{[]string{"run"}, 2, "run takes one argument"},
		{[]string{"bench", "hodgkin"}, 2, `unknown benchmark "hodgkin"`},
		{[]string{"bench", "coba", "--g", "3"}, 2, "--g: only the brunel benchmark takes it"},
		{[]string{"bench", "coba", "--simd", "sse9"}, 2, `unknown implementation "sse9"`},
		{[]string{"bench", "coba", "--threads", "0"}, 2, "--threads = 0"},
		{[]string{"bench", "coba", "--dt", "-1"}, 2, "dt_ms = -1: must be > 0"},
		{[]string{"bench", "coba", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"train", "--digits", "1", "--out", filepath.Join(dir, "m1")}, 2, `--digits "1": name at least two digits`},
		{[]string{"train", "--digits", "1,x", "--out", filepath.Join(dir, "m2")}, 2, `"x" is not a digit`},
		{[]string{"train", "--hidden", "-3", "--out", filepath.Join(dir, "m3")}, 2, "--hidden = -3"},
		{[]string{"eval", "--model", filepath.Join(dir, "none")}, 2, "not a dalesim model directory"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

func TestInfoJSON(t *testing.T) {
	code, out, errs := runCLI(t, "info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m struct {
		CPU      string   `json:"cpu"`
		Features []string `json:"features"`
		Kernels  []string `json:"kernels"`
		Selected string   `json:"selected"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Kernels) == 0 || m.Kernels[len(m.Kernels)-1] != "generic" || m.Selected != m.Kernels[0] {
		t.Fatalf("%+v", m)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	code, out, _ := runCLI(t, "bench", "coba", "--print-spec")
	if code != 0 || !strings.Contains(out, `name = "coba"`) {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestExampleSpecsRun(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.toml")
	for _, f := range files {
		if strings.Contains(f, "brunel") || strings.Contains(f, "mnist") {
			continue
		}
		code, _, errs := runCLI(t, "run", f, "--duration", "20")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", f, code, errs)
		}
	}
}

// TestCPUProfile: --cpuprofile writes a profile of the run; an existing file
// is refused with exit status 2 and left as it is, and a build that fails
// leaves no empty profile behind.
func TestCPUProfile(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	if code, _, errs := runCLI(t, "bench", "cuba", "--duration", "200", "--cpuprofile", prof, "--threads", "1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(prof)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // a gzipped protobuf
		t.Fatalf("profile: %d bytes, %v", len(b), err)
	}
	code, _, errs := runCLI(t, "bench", "cuba", "--duration", "10", "--cpuprofile", prof)
	if code != 2 || !strings.Contains(errs, "--cpuprofile") || !strings.Contains(errs, "exists") {
		t.Errorf("existing profile: exit %d, %q", code, errs)
	}
	if b2, _ := os.ReadFile(prof); !bytes.Equal(b, b2) {
		t.Error("the existing profile was changed")
	}
	spec := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(spec, []byte(`name = "x"
dt_ms = 0.1
[[population]]
name = "P"
size = 10
identity = "excitatory"
model = "poisson"
rate_hz = 1
[[population]]
name = "Q"
size = 10
identity = "excitatory"
model = "delta"
tau_m_ms = 20
v_rest_mV = 0
v_reset_mV = 0
v_thresh_mV = 20
t_ref_ms = 2
[[projection]]
source = "P"
target = "Q"
connectivity = { rule = "list", file = "missing.csv" }
weight = 1
`), 0o644)
	other := filepath.Join(t.TempDir(), "other.prof")
	if code, _, errs := runCLI(t, "run", spec, "--cpuprofile", other); code == 0 || !strings.Contains(errs, "missing.csv") {
		t.Fatalf("a spec whose list file is missing: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s (%v)", other, err)
	}
}
