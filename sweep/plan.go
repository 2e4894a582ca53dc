package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"dalesim/traces"
)

// Files of a sweep directory.
const (
	PlanFile    = "sweep-plan.json"
	TableFile   = "sweep.parquet"
	LogDir      = "sweep-logs"     // per-run logs and failure notes
	ScriptFile  = "sweep.sbatch"   // the Slurm job array
	JobsFile    = "sweep-jobs.txt" // Slurm job ids submitted, one a line
	failSuffix  = ".failed"
	logSuffix   = ".log"
	runDirStart = "run="
)

// WritePlan writes the plan as DIR/sweep-plan.json (atomically). A plan
// already there is replaced: the runs it shares with the new one (same run
// ids) are kept and count as done.
func WritePlan(dir string, p *Plan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, PlanFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, PlanFile))
}

// ReadPlan reads DIR/sweep-plan.json.
func ReadPlan(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: not a sweep directory (dalesim sweep SWEEP.toml --out %s writes it)", dir, PlanFile, dir)
	}
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PlanFile), err)
	}
	if p.Format != PlanFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", filepath.Join(dir, PlanFile), p.Format, PlanFormat)
	}
	for i, pt := range p.Points {
		if pt.Index != i || traces.ValidRunID(pt.RunID) != nil || len(pt.Values) != len(p.Params) {
			return nil, fmt.Errorf("%s: point %d is malformed", filepath.Join(dir, PlanFile), i)
		}
	}
	return &p, nil
}

// RunDir is the directory of a point's run in the sweep directory.
func RunDir(dir string, pt Point) string { return filepath.Join(dir, runDirStart+pt.RunID) }

// Run states (Status.State, the status column of sweep.parquet).
const (
	StateComplete    = "complete"    // run.json complete and summary.json written
	StateInterrupted = "interrupted" // stopped by a signal; redone on resume
	StateIncomplete  = "incomplete"  // run.json still says running (killed, or running now); redone on resume
	StateFailed      = "failed"      // the run returned an error (see sweep-logs/ID.failed)
	StateMissing     = "missing"     // never started
)

// Status is the state of one point's run.
type Status struct {
	Point  Point
	State  string
	Detail string // the failure message, or why the run is not complete
}

// Done reports whether the run is finished and valid (skipped on resume).
func (s Status) Done() bool { return s.State == StateComplete }

// Scan returns the state of every point of the plan in dir.
func Scan(dir string, p *Plan) []Status {
	out := make([]Status, len(p.Points))
	for i, pt := range p.Points {
		out[i] = RunStatus(dir, pt)
	}
	return out
}

// RunStatus returns the state of one point's run.
func RunStatus(dir string, pt Point) Status {
	st := Status{Point: pt, State: StateMissing}
	rd := RunDir(dir, pt)
	failed, ferr := os.ReadFile(filepath.Join(dir, LogDir, pt.RunID+failSuffix))
	m, err := traces.ReadManifest(rd)
	switch {
	case err == nil && m.Status == traces.StatusComplete && fileExists(filepath.Join(rd, traces.SummaryFile)):
		st.State = StateComplete
		return st
	case ferr == nil:
		st.State, st.Detail = StateFailed, strings.TrimSpace(string(failed))
	case err == nil && m.Status == traces.StatusInterrupted:
		st.State, st.Detail = StateInterrupted, fmt.Sprintf("stopped after step %d", m.LastStep)
	case err == nil && m.Status == traces.StatusComplete:
		st.State, st.Detail = StateIncomplete, "traces complete but no summary.json"
	case err == nil:
		st.State, st.Detail = StateIncomplete, "run.json says "+m.Status+" (killed, or still running)"
	default:
		if ents, e := os.ReadDir(rd); e == nil && len(ents) > 0 {
			st.State, st.Detail = StateIncomplete, "no run.json"
		}
	}
	return st
}

// Pending returns the indices of the points whose runs are not complete.
func Pending(sts []Status) []int {
	var idx []int
	for _, s := range sts {
		if !s.Done() {
			idx = append(idx, s.Point.Index)
		}
	}
	return idx
}

// MarkFailed records that a point's run failed (read by RunStatus); an
// empty msg clears the record (at the start of a new attempt).
func MarkFailed(dir string, pt Point, msg string) error {
	f := filepath.Join(dir, LogDir, pt.RunID+failSuffix)
	if msg == "" {
		err := os.Remove(f)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, LogDir), 0o755); err != nil {
		return err
	}
	return os.WriteFile(f, []byte(msg+"\n"), 0o644)
}

// LogPath is the file a point's output goes to.
func LogPath(dir string, pt Point) string {
	return filepath.Join(dir, LogDir, pt.RunID+logSuffix)
}

// Strays lists run=<id> directories in dir that the plan does not hold (from
// an earlier version of the sweep file).
func Strays(dir string, p *Plan) []string {
	ids := map[string]bool{}
	for _, pt := range p.Points {
		ids[pt.RunID] = true
	}
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if id, ok := strings.CutPrefix(e.Name(), runDirStart); ok && e.IsDir() && !ids[id] {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}
