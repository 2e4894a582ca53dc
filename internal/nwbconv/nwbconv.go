// Package nwbconv writes dalesim spikes as NWB 2.x files and reads the Units
// table of NWB files, through the Python script nwbconv.py embedded in the
// binary and run with pynwb.
//
// NWB is HDF5, and no pure-Go HDF5 library writes what NWB needs (scalar
// datasets with attributes, variable-length strings, object references; e.g.
// github.com/scigolib/hdf5 v0.14.0 cannot write scalar datasets). pynwb is the
// reference implementation that DANDI and nwbinspector use, so the files it
// writes are valid by construction.
//
// The interpreter is the one named by DALESIM_PYTHON, else python3; it needs
// pynwb and pyarrow: pip install -r tools/python/requirements.txt.
//
// Export writes a run's spikes (one unit per neuron, silent ones too, with
// the columns population, identity and neuron, and obs_intervals covering
// the run); the spec is in /general/source_script and the dalesim version, dt
// and seed are in /general/notes (JSON). Import turns a Units table into a
// traces spike list (neuron, t_ms, group) and reads it with
// traces.ReadSpikeList.
package nwbconv

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"dalesim/traces"
)

//go:embed nwbconv.py
var script []byte

// Script returns the text of the converter (nwbconv.py).
func Script() []byte { return bytes.Clone(script) }

// InstallHint says how to get the Python modules the converter needs.
const InstallHint = "pip install -r tools/python/requirements.txt"

// BadInputError is returned for input the converter rejects (not an NWB
// file, no Units table, negative or unsorted times).
type BadInputError struct{ Msg string }

func (e *BadInputError) Error() string { return e.Msg }

// Python returns the interpreter: DALESIM_PYTHON, else python3.
func Python() string {
	if p := os.Getenv("DALESIM_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// run runs the script with args in dir.
func run(dir string, args ...string) error {
	sp := filepath.Join(dir, "nwbconv.py")
	if err := os.WriteFile(sp, script, 0o644); err != nil {
		return err
	}
	py := Python()
	cmd := exec.Command(py, append([]string{sp}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("NWB support runs Python with pynwb, and there is no %s (set DALESIM_PYTHON to a Python that has it: %s)", py, InstallHint)
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return &BadInputError{lastLine(msg)}
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		return fmt.Errorf("%s (the Python is DALESIM_PYTHON, else python3)", lastLine(msg))
	}
	return fmt.Errorf("the NWB converter (%s nwbconv.py %s) failed: %v\n%s", py, args[0], err, msg)
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

type spikeRow struct {
	Population string `parquet:"population,dict"`
	Neuron     int32  `parquet:"neuron"`
	Step       int64  `parquet:"step"`
}

type exportMeta struct {
	Version     string                  `json:"version"`
	Spec        string                  `json:"spec"`
	Seed        uint64                  `json:"seed"`
	DtMS        float64                 `json:"dt_ms"`
	DurationMS  float64                 `json:"duration_ms"`
	StartTime   string                  `json:"start_time"`
	RunID       string                  `json:"run_id"`
	Status      string                  `json:"status"`
	Populations []traces.PopulationInfo `json:"populations"`
}

// Export writes the spikes of sp (read from a run) to the NWB file out,
// which must not exist; version is dalesim's version, used when the run's
// metadata has none. The file appears only when complete.
func Export(sp *traces.SpikeTable, out, version string) error {
	if _, err := os.Stat(out); err == nil {
		return &BadInputError{fmt.Sprintf("%s exists; remove it or choose another file", out)}
	}
	tmp, err := os.MkdirTemp("", "dalesim-nwb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m := sp.Meta
	if m.Version == "" {
		m.Version = version
	}
	pops := make([]traces.PopulationInfo, 0, len(sp.Populations))
	for _, name := range sp.Populations {
		p := traces.PopulationInfo{Name: name}
		if i := m.PopulationIndex(name); i >= 0 {
			p = m.Populations[i]
		}
		pops = append(pops, p)
	}
	rows := make([]spikeRow, sp.Len())
	var maxStep int64 = -1
	for i := range rows {
		pi := sp.Pop[i]
		rows[i] = spikeRow{sp.Populations[pi], sp.Neuron[i], sp.Step[i]}
		pops[pi].Size = max(pops[pi].Size, int(sp.Neuron[i])+1)
		maxStep = max(maxStep, sp.Step[i])
	}
	dur := m.DurationMS()
	if dur == 0 {
		dur = float64(maxStep+1) * m.DtMS
	}
	em := exportMeta{Version: m.Version, Spec: m.Spec, Seed: m.Seed, DtMS: m.DtMS, DurationMS: dur,
		RunID: m.RunID, Status: m.Status, Populations: pops}
	if !m.Start.IsZero() {
		em.StartTime = m.Start.Format(time.RFC3339Nano)
	}
	list, metaPath := filepath.Join(tmp, "spikes.parquet"), filepath.Join(tmp, "meta.json")
	if err := parquet.WriteFile(list, rows); err != nil {
		return err
	}
	b, err := json.Marshal(em)
	if err != nil {
		return err
	}
	if err := os.WriteFile(metaPath, b, 0o644); err != nil {
		return err
	}
	part := filepath.Join(tmp, "out.nwb")
	if err := run(tmp, "to-nwb", list, metaPath, part); err != nil {
		return err
	}
	if err := os.Rename(part, out); err != nil {
		// Another file system: copy.
		b, rerr := os.ReadFile(part)
		if rerr != nil {
			return rerr
		}
		if werr := os.WriteFile(out, b, 0o644); werr != nil {
			os.Remove(out)
			return werr
		}
	}
	return nil
}

// Import reads the Units table of the NWB file path as a SpikeTable (see
// traces.ReadSpikeList for how units become populations and neurons).
// Errors name path.
func Import(path string) (*traces.SpikeTable, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &BadInputError{fmt.Sprintf("%s: no such file", path)}
	}
	if st.IsDir() {
		return nil, &BadInputError{fmt.Sprintf("%s is a directory, not an NWB file", path)}
	}
	tmp, err := os.MkdirTemp("", "dalesim-nwb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	list := filepath.Join(tmp, "units.parquet")
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := run(tmp, "from-nwb", abs, list); err != nil {
		var be *BadInputError
		if errors.As(err, &be) {
			return nil, &BadInputError{fmt.Sprintf("%s: %s", path, be.Msg)}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sp, err := traces.ReadSpikeList(list)
	if err != nil {
		return nil, &BadInputError{strings.ReplaceAll(err.Error(), list, path+" (its Units table)")}
	}
	return sp, nil
}
