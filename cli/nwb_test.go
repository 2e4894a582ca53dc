package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"dalesim/analysis"
	"dalesim/internal/pyenv"
	"dalesim/traces"
)

// nwbPython returns the test environment's Python with pynwb and
// nwbinspector (the test skips without it) and makes dalesim use it.
func nwbPython(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the NWB tests start Python (pynwb) about ten times")
	}
	py := pyenv.Require(t, "pynwb", "nwbinspector", "pyarrow")
	t.Setenv("DALESIM_PYTHON", py)
	return py
}

// recordRun simulates the test spec for 200 ms into root/run.
func recordRun(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(root, "run")
	if code, _, errs := runCLI(t, "run", tracesSpec, "--out", dir, "--duration", "200", "--threads", "1"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	return dir
}

// analyzeJSON runs analyze --json on path and decodes the result.
func analyzeJSON(t *testing.T, path string, args ...string) analysis.Analysis {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"analyze", path, "--json", "--no-parquet"}, args...)...)
	if code != 0 {
		t.Fatalf("analyze %s: exit %d: %s", path, code, errs)
	}
	// NaN statistics are null in the JSON and decode as 0 on both sides.
	var a analysis.Analysis
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("analyze %s: %v\n%s", path, err, out)
	}
	return a
}

// TestExportNWBRoundTrip: run -> export nwb -> pynwb reads the same spikes
// (count and times per unit), nwbinspector finds no CRITICAL or
// BEST_PRACTICE_VIOLATION problem but the subject's species (a simulation
// has none), and analyze on the NWB file gives the run's statistics.
func TestExportNWBRoundTrip(t *testing.T) {
	py := nwbPython(t)
	root := t.TempDir()
	dir := recordRun(t, root)
	nwb := filepath.Join(root, "out.nwb")
	code, out, errs := runCLI(t, "export", "nwb", dir, "--out", nwb)
	if code != 0 || !strings.Contains(out, nwb) {
		t.Fatalf("export nwb: exit %d: %s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "export", "nwb", dir, "--out", nwb); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("export onto an existing file: exit %d, %s", code, errs)
	}

	// pynwb reads the file: one unit per neuron, spike times in s.
	got := pyenv.Run(t, py, `
import json, sys
from pynwb import NWBHDF5IO
with NWBHDF5IO(sys.argv[1], "r") as io:
    f = io.read()
    u = f.units
    units = [{"population": u["population"][i], "identity": u["identity"][i], "neuron": int(u["neuron"][i]),
              "times": [float(x) for x in u["spike_times"][i]]} for i in range(len(u.id))]
    notes = json.loads(f.notes)
    print(json.dumps({"units": units, "notes": notes, "spec": f.source_script, "resolution": u.resolution}))
`, nwb)
	var file struct {
		Units []struct {
			Population, Identity string
			Neuron               int
			Times                []float64
		}
		Notes struct {
			Generator      string  `json:"generator"`
			DalesimVersion string  `json:"dalesim_version"`
			DtMS           float64 `json:"dt_ms"`
		}
		Spec       string
		Resolution float64
	}
	if err := json.Unmarshal([]byte(got), &file); err != nil {
		t.Fatal(err)
	}
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{} // "pop/neuron" -> times in s
	for i := range sp.Step {
		k := fmt.Sprintf("%s/%d", sp.Populations[sp.Pop[i]], sp.Neuron[i])
		want[k] = append(want[k], float64(sp.Step[i])*sp.Meta.DtMS/1000)
	}
	size := 0
	for _, p := range sp.Meta.Populations {
		size += p.Size
	}
	if len(file.Units) != size {
		t.Errorf("%d units, want %d (one per neuron)", len(file.Units), size)
	}
	spikes := 0
	for _, u := range file.Units {
		k := fmt.Sprintf("%s/%d", u.Population, u.Neuron)
		w := want[k]
		if len(u.Times) != len(w) {
			t.Fatalf("unit %s: %d spikes, want %d", k, len(u.Times), len(w))
		}
		for i := range w {
			if math.Abs(u.Times[i]-w[i]) > 1e-12 {
				t.Fatalf("unit %s spike %d at %v s, want %v s", k, i, u.Times[i], w[i])
			}
		}
		if i := sp.Meta.PopulationIndex(u.Population); i < 0 || sp.Meta.Populations[i].Identity != u.Identity {
			t.Errorf("unit %s: identity %q", k, u.Identity)
		}
		spikes += len(u.Times)
	}
	if spikes != sp.Len() {
		t.Errorf("%d spikes in the NWB file, %d in the run", spikes, sp.Len())
	}
	t.Logf("round trip: %d units, %d spikes, same times per unit", len(file.Units), spikes)
	if file.Notes.Generator != "dalesim" || file.Notes.DalesimVersion != Version || file.Notes.DtMS != sp.Meta.DtMS ||
		file.Spec != sp.Meta.Spec || file.Resolution != sp.Meta.DtMS/1000 {
		t.Errorf("notes %+v, resolution %v, spec in source_script: %v", file.Notes, file.Resolution, file.Spec == sp.Meta.Spec)
	}

	// nwbinspector: no CRITICAL or BEST_PRACTICE_VIOLATION but the species.
	report := pyenv.Run(t, py, `
import sys
from nwbinspector import inspect_nwbfile
for m in inspect_nwbfile(nwbfile_path=sys.argv[1]):
    print("%s\t%s\t%s" % (m.importance.name, m.check_function_name, m.message))
`, nwb)
	t.Logf("nwbinspector:\n%s", report)
	for _, line := range strings.Split(strings.TrimSpace(report), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) == 3 && (f[0] == "CRITICAL" || f[0] == "BEST_PRACTICE_VIOLATION") && f[1] != "check_subject_species_exists" {
			t.Errorf("nwbinspector: %s", line)
		}
	}

	// analyze on the NWB file: the run's statistics.
	ar, an := analyzeJSON(t, dir, "--no-weights"), analyzeJSON(t, nwb)
	if ar.ToMS != an.ToMS || an.Meta.DtMS != ar.Meta.DtMS {
		t.Errorf("window %g–%g ms, dt %g; the run's %g–%g, dt %g", an.FromMS, an.ToMS, an.Meta.DtMS, ar.FromMS, ar.ToMS, ar.Meta.DtMS)
	}
	if !reflect.DeepEqual(ar.Populations, an.Populations) {
		t.Errorf("statistics differ:\nrun %+v\nnwb %+v", ar.Populations, an.Populations)
	}
	for _, p := range an.Populations {
		t.Logf("NWB %s (%s): %d neurons, %d spikes, %.4g Hz, CV %.4g, Fano %.4g", p.Name, p.Identity, p.Size, p.Spikes, p.MeanRateHz, p.ISI.CV, p.Fano)
	}
}

// knownTrains are spike trains (ms) of two groups, written as an NWB file
// by pynwb and as a CSV spike list.
var knownTrains = map[string][][]float64{
	"E": {{1.2, 10.5, 30.1, 50, 71.3, 90.9}, {5, 6.1, 40.2}, {}, {2.2, 22.2, 44.4, 66.6, 88.8}},
	"I": {{3.3, 13.3, 23.3, 33.3}, {0.1, 99.9}},
}

func TestAnalyzeNWBRecording(t *testing.T) {
	py := nwbPython(t)
	root := t.TempDir()
	nwb, csvPath := filepath.Join(root, "rec.nwb"), filepath.Join(root, "rec.csv")
	b, _ := json.Marshal(knownTrains)
	pyenv.Run(t, py, `
import datetime, json, sys
from pynwb import NWBFile, NWBHDF5IO
trains = json.loads(sys.argv[2])
f = NWBFile(session_description="known trains", identifier="known",
            session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
f.add_unit_column("population", "group of the unit")
uid = 100
for pop in ("E", "I"):
    for times in trains[pop]:
        f.add_unit(spike_times=[t / 1000 for t in times], population=pop, obs_intervals=[[0, 0.1]], id=uid)
        uid += 7
with NWBHDF5IO(sys.argv[1], "w") as io:
    io.write(f)
`, nwb, string(b))
	var csv strings.Builder
	csv.WriteString("neuron,t_ms,group\n")
	for _, pop := range []string{"E", "I"} {
		for n, tr := range knownTrains[pop] {
			if len(tr) == 0 {
				fmt.Fprintf(&csv, "%d,,%s\n", n, pop)
			}
			for _, x := range tr {
				fmt.Fprintf(&csv, "%d,%g,%s\n", n, x, pop)
			}
		}
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	an := analyzeJSON(t, nwb, "--fano-window", "20", "--corr-bin", "10")
	ac := analyzeJSON(t, csvPath, "--until", "100", "--fano-window", "20", "--corr-bin", "10")
	if an.ToMS != 100 || an.Meta.DtMS != 0.1 {
		t.Errorf("NWB: window to %g ms (want 100, the obs_intervals), dt %g (want 0.1)", an.ToMS, an.Meta.DtMS)
	}
	if !reflect.DeepEqual(an.Populations, ac.Populations) {
		t.Errorf("NWB and CSV statistics differ:\nnwb %+v\ncsv %+v", an.Populations, ac.Populations)
	}
	e := an.Populations[0]
	if e.Name != "E" || e.Size != 4 || e.Spikes != 14 || math.Abs(e.MeanRateHz-35) > 1e-9 || e.Rates.FractionSilent != 0.25 {
		t.Errorf("E: %+v; want 4 neurons, 14 spikes, 35 Hz, 25%% silent", e)
	}
	// CV of the ISIs of E/0 and E/3 (the neurons with >= 3 spikes), by hand.
	cv := func(tr []float64) float64 {
		var isi []float64
		for i := 1; i < len(tr); i++ {
			isi = append(isi, tr[i]-tr[i-1])
		}
		m, v := 0.0, 0.0
		for _, x := range isi {
			m += x
		}
		m /= float64(len(isi))
		for _, x := range isi {
			v += (x - m) * (x - m)
		}
		return math.Sqrt(v/float64(len(isi))) / m // population SD, as analysis.CV
	}
	wantCV := (cv(knownTrains["E"][0]) + cv(knownTrains["E"][1]) + cv(knownTrains["E"][3])) / 3
	if math.Abs(e.ISI.CV-wantCV) > 1e-9 || e.ISI.Neurons != 3 {
		t.Errorf("E CV ISI %v, want %v", e.ISI.CV, wantCV)
	}
	t.Logf("NWB recording: E %d spikes %.4g Hz CV %.4g LV %.4g; I %d spikes %.4g Hz", e.Spikes, e.MeanRateHz, e.ISI.CV, e.ISI.LV,
		an.Populations[1].Spikes, an.Populations[1].MeanRateHz)
	if code, out, errs := runCLI(t, "plot", nwb, "--dpi", "50"); code != 0 || !strings.Contains(out, "raster.png") {
		t.Errorf("plot %s: exit %d: %s%s", nwb, code, out, errs)
	}

	// Bad NWB files: exit 2 and a message naming the file and the problem.
	noUnits, unsorted, negative := filepath.Join(root, "nounits.nwb"), filepath.Join(root, "unsorted.nwb"), filepath.Join(root, "negative.nwb")
	pyenv.Run(t, py, `
import datetime, sys
from pynwb import NWBFile, NWBHDF5IO
def write(path, times):
    f = NWBFile(session_description="bad", identifier="bad",
                session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    if times is not None:
        f.add_unit(spike_times=times)
    with NWBHDF5IO(path, "w") as io:
        io.write(f)
write(sys.argv[1], None)
write(sys.argv[2], [0.3, 0.1, 0.2])
write(sys.argv[3], [-0.1, 0.2])
`, noUnits, unsorted, negative)
	junk := filepath.Join(root, "junk.nwb")
	os.WriteFile(junk, []byte("not HDF5"), 0o644)
	for _, c := range []struct{ path, want string }{
		{noUnits, "has no Units table"},
		{unsorted, "not sorted"},
		{negative, "negative spike time"},
		{junk, "not a readable NWB"},
		{filepath.Join(root, "missing.nwb"), "no such file"},
	} {
		cmds := []string{"analyze"} // each conversion starts Python: plot only once
		if c.path == noUnits {
			cmds = append(cmds, "plot")
		}
		for _, cmd := range cmds {
			code, _, errs := runCLI(t, cmd, c.path)
			if code != 2 || !strings.Contains(errs, c.path) || !strings.Contains(errs, c.want) {
				t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", cmd, filepath.Base(c.path), code, errs, c.want)
			}
		}
	}
}

// TestSpikeListBadInput needs no Python.
func TestSpikeListBadInput(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct{ name, text, want string }{
		{"nocol.csv", "neuron,group\n1,E\n", `lacks the column "t_ms"`},
		{"unsorted.csv", "neuron,t_ms\n1,5\n1,3\n", "must be sorted"},
		{"negative.csv", "neuron,t_ms\n1,-5\n", ">= 0"},
		{"empty.csv", "", "is empty"},
	} {
		p := filepath.Join(root, c.name)
		os.WriteFile(p, []byte(c.text), 0o644)
		for _, cmd := range []string{"analyze", "plot"} {
			code, _, errs := runCLI(t, cmd, p)
			if code != 2 || !strings.Contains(errs, p) || !strings.Contains(errs, c.want) {
				t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", cmd, c.name, code, errs, c.want)
			}
		}
	}
	// A good CSV list: the same table layout as for a run.
	p := filepath.Join(root, "ok.csv")
	os.WriteFile(p, []byte("neuron,t_ms\n0,1\n0,5\n0,12\n1,3\n"), 0o644)
	code, out, errs := runCLI(t, "analyze", p)
	if code != 0 || !strings.Contains(out, "recording "+p) || !strings.Contains(out, "CV ISI") {
		t.Errorf("analyze ok.csv: exit %d: %s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(root, "ok.analysis.parquet")); err != nil {
		t.Errorf("summary: %v", err)
	}
}

// TestNWBWithoutPython: without a Python the error says how to install
// pynwb.
func TestNWBWithoutPython(t *testing.T) {
	t.Setenv("DALESIM_PYTHON", filepath.Join(t.TempDir(), "no-python"))
	root := t.TempDir()
	dir := recordRun(t, root)
	code, _, errs := runCLI(t, "export", "nwb", dir)
	if code != 1 || !strings.Contains(errs, "pip install -r tools/python/requirements.txt") {
		t.Errorf("export nwb without Python: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "export", "parquet", dir); code != 2 || !strings.Contains(errs, "unknown format") {
		t.Errorf("export parquet: exit %d, %q", code, errs)
	}
}
