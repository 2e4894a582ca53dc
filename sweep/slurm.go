package sweep

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// ScriptOptions are the settings of SlurmScript beyond the sweep file's [slurm] table.
type ScriptOptions struct {
	Dalesim  string // absolute path of the dalesim binary the tasks run
	Dir      string // the sweep directory (made absolute)
	Indices  []int  // the points to run (nil: all)
	MaxTasks int    // at most this many tasks at once (the %N of --array; 0: no limit)
}

// MemMB is the --mem of the job array in MiB: the largest memory estimate
// of the plan's runs (network.EstimateMemory) times the margin, plus 256 MiB
// for the process itself.
func (p *Plan) MemMB() int {
	var hi float64
	for _, pt := range p.Points {
		hi = math.Max(hi, pt.MemBytes)
	}
	margin := p.Slurm.MemMargin
	if margin < 1 {
		margin = 1.5
	}
	return int(math.Ceil(hi*margin/(1<<20))) + 256
}

// arraySpec writes indices as Slurm's --array value: ranges where they run
// on ("0-23", "1,4-6,9").
func arraySpec(idx []int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// shellQuote quotes s for bash.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// SlurmScript returns an sbatch script running the plan as a job array: one
// task per point, SLURM_ARRAY_TASK_ID being the point's index in
// sweep-plan.json. Each task runs "dalesim sweep task DIR INDEX", which skips
// a complete run and redoes an interrupted one; --requeue lets Slurm restart
// a preempted task, and a restarted task whose run directory holds a
// checkpoint continues it with "dalesim run --resume RUNDIR" when this
// dalesim has that flag.
func SlurmScript(p *Plan, opt ScriptOptions) (string, error) {
	idx := opt.Indices
	if idx == nil {
		for i := range p.Points {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return "", fmt.Errorf("no runs to submit")
	}
	if !filepath.IsAbs(opt.Dir) || !filepath.IsAbs(opt.Dalesim) {
		return "", fmt.Errorf("the sweep directory and the dalesim binary need absolute paths")
	}
	array := arraySpec(idx)
	if opt.MaxTasks > 0 {
		array += "%" + strconv.Itoa(opt.MaxTasks)
	}
	name := p.Name
	if name == "" {
		name = "sweep"
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("#!/bin/bash")
	w("# dalesim sweep %q: %d runs of %s (written by dalesim sweep --slurm).", name, len(p.Points), p.Base)
	w("# Submit with: sbatch %s", shellQuote(filepath.Join(opt.Dir, ScriptFile)))
	w("#SBATCH --job-name=dalesim-%s", sanitizeJobName(name))
	w("#SBATCH --array=%s", array)
	w("#SBATCH --ntasks=1")
	w("#SBATCH --cpus-per-task=%d", max(p.Threads, 1))
	w("#SBATCH --mem=%dM", p.MemMB())
	w("#SBATCH --requeue")
	w("#SBATCH --output=%s", filepath.Join(opt.Dir, LogDir, "slurm-%A_%a.out"))
	if p.Slurm.Partition != "" {
		w("#SBATCH --partition=%s", p.Slurm.Partition)
	}
	if p.Slurm.Time != "" {
		w("#SBATCH --time=%s", p.Slurm.Time)
	}
	if p.Slurm.Account != "" {
		w("#SBATCH --account=%s", p.Slurm.Account)
	}
	for _, e := range p.Slurm.Extra {
		w("#SBATCH %s", e)
	}
	w("set -u")
	w("DALESIM=${DALESIM:-%s}", shellQuote(opt.Dalesim))
	w("OUT=%s", shellQuote(opt.Dir))
	w("IDX=${SLURM_ARRAY_TASK_ID:?not a Slurm array task}")
	ids := make([]string, len(p.Points))
	for i, pt := range p.Points {
		ids[i] = pt.RunID
	}
	w("RUN_IDS=(%s)", strings.Join(ids, " "))
	w("RUNDIR=\"$OUT/run=${RUN_IDS[$IDX]}\"")
	w("export DALESIM_THREADS=%d", max(p.Threads, 1))
	w("# A requeued task whose run left a checkpoint continues it; otherwise the")
	w("# task (re)runs the point (a complete run is skipped, a partial one redone).")
	w("if [ -d \"$RUNDIR\" ] && [ -f \"$RUNDIR/checkpoint.bin\" ] && \"$DALESIM\" run --help 2>/dev/null | grep -q -- '--resume'; then")
	w("  \"$DALESIM\" run --resume \"$RUNDIR\" --quiet || echo \"dalesim sweep: resuming $RUNDIR failed; running it again\" >&2")
	w("fi")
	w("exec \"$DALESIM\" sweep task \"$OUT\" \"$IDX\"")
	return b.String(), nil
}

func sanitizeJobName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
