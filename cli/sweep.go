package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/plot"
	"dalesim/spec"
	"dalesim/sweep"
)

// Sweeps: "dalesim sweep SWEEP.toml" expands a sweep file (package sweep)
// and runs every point as its own process, "dalesim sweep task OUT INDEX"
// (also what each Slurm array task runs). A process per run isolates the
// runs (a crash or an out-of-memory kill takes one run, not the sweep) and
// makes SIGINT clean: the children run in their own process group, so a
// terminal's Ctrl-C reaches only dalesim sweep, which stops starting runs
// and forwards one SIGINT to each running child; each closes its traces as
// interrupted (valid, and redone on resume) and sweep.parquet is rewritten
// for what finished.

func sweepCommand() *cli.Command {
	dalesimFlag := &cli.StringFlag{Name: "dalesim", EnvVars: []string{"DALESIM_BIN"},
		Usage: "the dalesim binary that runs each point (default: this one)"}
	return &cli.Command{
		Name:      "sweep",
		Usage:     "run a parameter sweep (grid, zipped lists, seeds) locally or as a Slurm job array",
		ArgsUsage: "SWEEP.toml",
		Description: "Expands SWEEP.toml (see the README, \"Sweeps and Slurm\"), validates every point with the spec's own rules,\n" +
			"writes OUT/sweep-plan.json and runs each point into OUT/run=<id>/ (the layout of run --out --run-id);\n" +
			"runs already complete are skipped, interrupted ones redone. OUT/sweep.parquet gets one row per run.\n" +
			"With --slurm it writes OUT/sweep.sbatch, a job array of the runs not yet complete (--submit: sbatch it).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "sweep directory (default: the sweep file's name without .toml, in the current directory)"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 1, Usage: "runs at once (local); each uses the sweep's threads"},
			&cli.BoolFlag{Name: "slurm", Usage: "write OUT/sweep.sbatch (a Slurm job array) instead of running"},
			&cli.BoolFlag{Name: "submit", Usage: "with --slurm: submit the script with sbatch and print the job id"},
			&cli.IntFlag{Name: "max-tasks", Usage: "with --slurm: at most this many array tasks at once (0: no limit)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "validate, write the plan and print the points; run nothing"},
			dalesimFlag,
		},
		Action: sweepAction,
		Subcommands: []*cli.Command{
			{
				Name: "task", Hidden: true, ArgsUsage: "OUT INDEX",
				Usage:  "run point INDEX of the sweep in OUT (what each local worker and Slurm array task runs)",
				Flags:  append([]cli.Flag{simdFlag(), threadsFlag(), jsonFlag(), partEveryFlag(), checkpointEveryFlag()}, recordFlags()...),
				Action: sweepTask,
			},
			{
				Name: "status", ArgsUsage: "OUT", Usage: "say which runs of a sweep are complete, failed, interrupted or missing",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "resubmit", Usage: "then submit to Slurm the runs that are not complete (as sweep resubmit)"},
					&cli.IntFlag{Name: "max-tasks", Usage: "with --resubmit: at most this many array tasks at once (0: no limit)"},
					dalesimFlag,
				},
				Action: func(c *cli.Context) error {
					dir, p, err := sweepDir(c)
					if err != nil {
						return err
					}
					sts := sweep.Scan(dir, p)
					printStatus(c, dir, p, sts, true)
					if c.Bool("resubmit") {
						return slurmSubmit(c, dir, p, true)
					}
					return nil
				},
			},
			{
				Name: "collect", ArgsUsage: "OUT", Usage: "rebuild OUT/sweep.parquet from the run directories",
				Action: func(c *cli.Context) error {
					dir, p, err := sweepDir(c)
					if err != nil {
						return err
					}
					rows, err := sweep.CollectTable(dir, p)
					if err != nil {
						return err
					}
					printRows(c, p, rows)
					fmt.Fprintf(c.App.Writer, "wrote %s\n", filepath.Join(dir, sweep.TableFile))
					return nil
				},
			},
			{
				Name: "resubmit", ArgsUsage: "OUT", Usage: "submit to Slurm the runs of a sweep that are not complete",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "max-tasks", Usage: "at most this many array tasks at once (0: no limit)"},
					&cli.BoolFlag{Name: "dry-run", Usage: "write OUT/sweep.sbatch but do not submit it"},
					dalesimFlag,
				},
				Action: func(c *cli.Context) error {
					dir, p, err := sweepDir(c)
					if err != nil {
						return err
					}
					return slurmSubmit(c, dir, p, !c.Bool("dry-run"))
				},
			},
			{
				Name: "plot", ArgsUsage: "OUT", Usage: "phase diagrams of a two-parameter grid: mean rate and CV ISI per point (PNG)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "population", Usage: "population to plot (default: every population together)"},
					&cli.StringFlag{Name: "to", Usage: "directory of the PNG files (default: OUT/sweep-plots)"},
				},
				Action: sweepPlot,
			},
		},
	}
}

// sweepDir reads the OUT argument of a subcommand and its plan.
func sweepDir(c *cli.Context) (string, *sweep.Plan, error) {
	if c.NArg() != 1 {
		return "", nil, badInput("%s takes one argument, the sweep directory (got %d)", c.Command.Name, c.NArg())
	}
	dir := c.Args().First()
	p, err := sweep.ReadPlan(dir)
	if err != nil {
		return "", nil, badInput("%v", err)
	}
	return dir, p, nil
}

func sweepAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return badInput("sweep takes one argument, the sweep file (got %d); see also sweep status|collect|resubmit|plot OUT", c.NArg())
	}
	if c.Bool("submit") && !c.Bool("slurm") {
		return badInput("--submit needs --slurm")
	}
	if c.Int("jobs") < 1 || c.Int("jobs") > 1024 {
		return badInput("--jobs = %d: must be between 1 and 1024", c.Int("jobs"))
	}
	file := c.Args().First()
	sw, err := sweep.Load(file)
	if err != nil {
		return usageError{err}
	}
	plan, err := sw.Expand()
	if err != nil {
		return usageError{err}
	}
	dir := c.String("out")
	if dir == "" {
		dir = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return badInput("--out %s is not a directory", dir)
	}
	if err := sweep.WritePlan(dir, plan); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	w := c.App.Writer
	fmt.Fprintf(w, "sweep %q: %d runs of %s (%s); plan in %s\n", plan.Name, len(plan.Points), plan.Base,
		paramList(plan), filepath.Join(dir, sweep.PlanFile))
	if strays := sweep.Strays(dir, plan); len(strays) > 0 {
		stderrf(c, "dalesim sweep: warning: %s holds %d run(s) not in this plan (%s): they are not in sweep.parquet but are in run=* globs\n",
			dir, len(strays), strings.Join(strays[:min(len(strays), 3)], ", "))
	}
	if c.Bool("dry-run") {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := []string{"index", "run"}
		for _, pp := range plan.Params {
			head = append(head, pp.Path)
		}
		fmt.Fprintln(tw, strings.Join(append(head, "memory (MiB)"), "\t"))
		for _, pt := range plan.Points {
			row := []string{strconv.Itoa(pt.Index), pt.RunID}
			for _, v := range pt.Values {
				row = append(row, fmt.Sprint(v))
			}
			fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprintf("%.0f", pt.MemBytes/(1<<20))), "\t"))
		}
		return tw.Flush()
	}
	if c.Bool("slurm") {
		return slurmSubmit(c, dir, plan, c.Bool("submit"))
	}
	exe, err := dalesimBinary(c)
	if err != nil {
		return err
	}
	res, runErr := sweep.Execute(c.Context, dir, plan, sweep.ExecOptions{
		Jobs: c.Int("jobs"), Run: execRun(exe, dir), Log: c.App.ErrWriter,
	})
	rows, err := sweep.CollectTable(dir, plan)
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("writing %s: %w", filepath.Join(dir, sweep.TableFile), err))
	}
	printRows(c, plan, rows)
	fmt.Fprintf(w, "%d run(s) done now, %d already complete, %d failed, %d interrupted, in %.1f s; wrote %s\n",
		res.Ran, res.Skipped, res.Failed, res.Interrupted, res.Wall.Seconds(), filepath.Join(dir, sweep.TableFile))
	if runErr != nil {
		return fmt.Errorf("sweep stopped; finished runs are valid, rerun the same command to resume: %w", errInterrupted)
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d run(s) failed: see dalesim sweep status %s and %s", res.Failed, dir, filepath.Join(dir, sweep.LogDir))
	}
	return nil
}

func paramList(p *sweep.Plan) string {
	var s []string
	for _, pp := range p.Params {
		s = append(s, pp.Kind+" "+pp.Path)
	}
	return strings.Join(s, ", ")
}

// dalesimBinary is the binary that runs the points: --dalesim, else this one.
func dalesimBinary(c *cli.Context) (string, error) {
	exe := c.String("dalesim")
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("finding the dalesim binary: %w (pass --dalesim PATH)", err)
		}
	}
	abs, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", badInput("--dalesim %s: %v", exe, err)
	}
	return abs, nil
}

// execRun runs one point as "dalesim sweep task DIR INDEX" in its own
// process group, its output in OUT/sweep-logs/ID.log. When ctx is cancelled
// the child gets one SIGINT (it closes its traces and exits), and is killed
// if it has not exited a minute later.
func execRun(exe, dir string) sweep.RunFunc {
	return func(ctx context.Context, pt sweep.Point) error {
		if err := os.MkdirAll(filepath.Join(dir, sweep.LogDir), 0o755); err != nil {
			return err
		}
		log, err := os.Create(sweep.LogPath(dir, pt))
		if err != nil {
			return err
		}
		defer log.Close()
		cmd := exec.Command(exe, "sweep", "task", dir, strconv.Itoa(pt.Index))
		cmd.Stdout, cmd.Stderr = log, log
		setProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			interrupt(cmd.Process)
			select {
			case err := <-done:
				return err
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				return <-done
			}
		}
	}
}

// sweepTask runs one point in this process: "dalesim run SPEC --out OUT
// --run-id ID --force" on the point's spec. A complete run is left alone.
func sweepTask(c *cli.Context) error {
	if c.NArg() != 2 {
		return badInput("sweep task takes two arguments, the sweep directory and the point's index (got %d)", c.NArg())
	}
	dir := c.Args().Get(0)
	p, err := sweep.ReadPlan(dir)
	if err != nil {
		return badInput("%v", err)
	}
	idx, err := strconv.Atoi(c.Args().Get(1))
	if err != nil || idx < 0 || idx >= len(p.Points) {
		return badInput("sweep task: index %q: must be an integer in [0, %d)", c.Args().Get(1), len(p.Points))
	}
	pt := p.Points[idx]
	if sweep.RunStatus(dir, pt).Done() {
		fmt.Fprintf(c.App.Writer, "run %s is complete; nothing to do\n", pt.RunID)
		return nil
	}
	if err := sweep.MarkFailed(dir, pt, ""); err != nil {
		return err
	}
	s, err := spec.Parse([]byte(pt.Spec), p.BaseFile)
	if err != nil {
		sweep.MarkFailed(dir, pt, err.Error())
		return err
	}
	if !c.IsSet("threads") {
		c.Set("threads", strconv.Itoa(max(p.Threads, 1)))
	}
	set := map[string]string{"out": dir, "run-id": pt.RunID, "force": "true", "quiet": "true", "json": "true"}
	if p.CheckpointEveryMS > 0 {
		set["checkpoint-every"] = strconv.FormatFloat(p.CheckpointEveryMS, 'g', -1, 64)
	}
	for k, v := range set {
		if err := c.Set(k, v); err != nil {
			return err
		}
	}
	name := p.Name + "/" + pt.RunID
	err = simulate(c, name, s)
	if err != nil && !errors.Is(err, errInterrupted) {
		if e := sweep.MarkFailed(dir, pt, err.Error()); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}

// slurmSubmit writes OUT/sweep.sbatch for the runs not complete and, with
// submit, submits it.
func slurmSubmit(c *cli.Context, dir string, p *sweep.Plan, submit bool) error {
	exe, err := dalesimBinary(c)
	if err != nil {
		return err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pending := sweep.Pending(sweep.Scan(dir, p))
	if len(pending) == 0 {
		fmt.Fprintf(c.App.Writer, "every run of %s is complete: nothing to submit\n", dir)
		return nil
	}
	script, err := sweep.SlurmScript(p, sweep.ScriptOptions{Dalesim: exe, Dir: absDir, Indices: pending, MaxTasks: c.Int("max-tasks")})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, sweep.LogDir), 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, sweep.ScriptFile)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s: %d array task(s), %d CPU(s) and %d MiB each\n", path, len(pending), max(p.Threads, 1), p.MemMB())
	if !submit {
		return nil
	}
	out, err := exec.Command("sbatch", "--parsable", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("sbatch %s: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	id := strings.TrimSpace(strings.Split(strings.TrimSpace(string(out)), ";")[0])
	f, err := os.OpenFile(filepath.Join(dir, sweep.JobsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintf(f, "%s %s %d\n", id, time.Now().UTC().Format(time.RFC3339), len(pending))
		f.Close()
	}
	fmt.Fprintf(c.App.Writer, "submitted job %s\n", id)
	// sweep.parquet is rebuilt when the array ends, however it ends.
	collect := fmt.Sprintf("%s sweep collect %s", shellQuote(exe), shellQuote(absDir))
	out, err = exec.Command("sbatch", "--parsable", "--dependency=afterany:"+id, "--job-name=dalesim-collect",
		"--ntasks=1", "--cpus-per-task=1", "--mem=512M", "--output="+filepath.Join(absDir, sweep.LogDir, "slurm-collect-%j.out"),
		"--wrap", collect).CombinedOutput()
	if err != nil {
		stderrf(c, "dalesim sweep: warning: submitting the collect job: %v: %s (run dalesim sweep collect %s when the array is done)\n",
			err, strings.TrimSpace(string(out)), dir)
		return nil
	}
	fmt.Fprintf(c.App.Writer, "submitted job %s: dalesim sweep collect when job %s ends\n", strings.TrimSpace(string(out)), id)
	return nil
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func printStatus(c *cli.Context, dir string, p *sweep.Plan, sts []sweep.Status, details bool) {
	w := c.App.Writer
	count := map[string]int{}
	for _, s := range sts {
		count[s.State]++
	}
	var parts []string
	for _, k := range []string{sweep.StateComplete, sweep.StateFailed, sweep.StateInterrupted, sweep.StateIncomplete, sweep.StateMissing} {
		if count[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[k], k))
		}
	}
	fmt.Fprintf(w, "sweep %q in %s: %d runs: %s\n", p.Name, dir, len(sts), strings.Join(parts, ", "))
	if details {
		for _, s := range sts {
			if s.Done() {
				continue
			}
			line := fmt.Sprintf("  %-11s %4d %s", s.State, s.Point.Index, s.Point.RunID)
			if s.Detail != "" {
				line += ": " + s.Detail
			}
			fmt.Fprintln(w, line)
		}
	}
	if strays := sweep.Strays(dir, p); len(strays) > 0 {
		fmt.Fprintf(w, "  not in the plan: %s\n", strings.Join(strays, ", "))
	}
}

// printRows prints the collected table: parameters, state, rate and CV ISI
// of each population.
func printRows(c *cli.Context, p *sweep.Plan, rows []sweep.Row) {
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	var pops []string
	for _, r := range rows {
		for _, n := range r.Pops {
			if !slices.Contains(pops, n) {
				pops = append(pops, n)
			}
		}
	}
	head := []string{"run"}
	for _, pp := range p.Params {
		head = append(head, pp.Path)
	}
	head = append(head, "status")
	for _, n := range pops {
		head = append(head, "rate "+n+" (Hz)", "CV ISI "+n)
	}
	head = append(head, "wall (s)", "spike checksum")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		line := []string{r.Point.RunID}
		for _, v := range r.Point.Values {
			line = append(line, fmt.Sprint(v))
		}
		line = append(line, r.State)
		for _, n := range pops {
			rate, cv := "-", "-"
			if r.Summary != nil && r.Summary.Populations[n] != nil {
				ps := r.Summary.Populations[n]
				if ps.RateHz != nil {
					rate = fmt.Sprintf("%.2f", *ps.RateHz)
				}
				if ps.CVISI != nil {
					cv = fmt.Sprintf("%.3f", *ps.CVISI)
				}
			}
			line = append(line, rate, cv)
		}
		if r.Summary != nil {
			line = append(line, fmt.Sprintf("%.2f", r.Summary.WallSeconds), r.Summary.SpikeChecksum)
		} else {
			line = append(line, "-", "-")
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	tw.Flush()
}

// sweepPlot draws the phase diagrams of a sweep with two grid parameters:
// rows the first, columns the second; each cell the mean over the other
// parameters (seeds, lists) of the complete runs.
func sweepPlot(c *cli.Context) error {
	dir, p, err := sweepDir(c)
	if err != nil {
		return err
	}
	var grid []int
	for i, pp := range p.Params {
		if pp.Kind == sweep.KindGrid {
			grid = append(grid, i)
		}
	}
	if len(grid) != 2 {
		return badInput("sweep plot draws a grid of two parameters; %s has %d grid parameter(s)", dir, len(grid))
	}
	rows, err := sweep.Collect(dir, p)
	if err != nil {
		return err
	}
	pop := c.String("population")
	axis := func(i int) []string {
		var vals []string
		for _, pt := range p.Points {
			v := fmt.Sprint(pt.Values[i])
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		return vals
	}
	ys, xs := axis(grid[0]), axis(grid[1])
	type acc struct{ rate, cv, nRate, nCV float64 }
	cells := make([][]acc, len(ys))
	for i := range cells {
		cells[i] = make([]acc, len(xs))
	}
	found := pop == ""
	for _, r := range rows {
		if r.Summary == nil {
			continue
		}
		yi := slices.Index(ys, fmt.Sprint(r.Point.Values[grid[0]]))
		xi := slices.Index(xs, fmt.Sprint(r.Point.Values[grid[1]]))
		rate, cv, ok := pointFigures(r, pop)
		if !ok {
			continue
		}
		found = true
		a := &cells[yi][xi]
		a.rate += rate
		a.nRate++
		if !math.IsNaN(cv) {
			a.cv += cv
			a.nCV++
		}
	}
	if !found {
		return badInput("--population %q: no run has it", pop)
	}
	rateM, cvM := make([][]float64, len(ys)), make([][]float64, len(ys))
	for i := range ys {
		rateM[i], cvM[i] = make([]float64, len(xs)), make([]float64, len(xs))
		for j := range xs {
			a := cells[i][j]
			rateM[i][j], cvM[i][j] = a.rate/a.nRate, a.cv/a.nCV // NaN where none
		}
	}
	to := c.String("to")
	if to == "" {
		to = filepath.Join(dir, "sweep-plots")
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	what := "all populations"
	if pop != "" {
		what = "population " + pop
	}
	yl, xl := p.Params[grid[0]].Path, p.Params[grid[1]].Path
	w := c.App.Writer
	for _, f := range []struct {
		name, title string
		m           [][]float64
	}{{"rate.png", "mean rate (Hz), " + what, rateM}, {"cv_isi.png", "CV ISI, " + what, cvM}} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range f.m {
			for _, v := range r {
				if !math.IsNaN(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		path := filepath.Join(to, f.name)
		if err := plot.Matrix(path, f.title, yl, xl, ys, xs, f.m, lo, hi); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (rows %s, columns %s):\n", f.title, yl, xl)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, yl+" \\ "+xl+"\t"+strings.Join(xs, "\t")+"\t")
		for i, y := range ys {
			line := []string{y}
			for _, v := range f.m[i] {
				line = append(line, fmt.Sprintf("%.2f", v))
			}
			fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
		}
		tw.Flush()
		fmt.Fprintf(w, "wrote %s\n", path)
	}
	return nil
}

// pointFigures returns a run's mean rate and CV ISI: of one population, or
// of all (rate: spikes per neuron and second; CV ISI: the mean of the
// populations' CVs weighted by their sizes).
func pointFigures(r sweep.Row, pop string) (rate, cv float64, ok bool) {
	s := r.Summary
	if pop != "" {
		ps := s.Populations[pop]
		if ps == nil || ps.RateHz == nil {
			return 0, 0, false
		}
		cv = math.NaN()
		if ps.CVISI != nil {
			cv = *ps.CVISI
		}
		return *ps.RateHz, cv, true
	}
	var spikes, n, cvSum, cvN float64
	for _, ps := range s.Populations {
		spikes += float64(ps.Spikes)
		n += float64(ps.Neurons)
		if ps.CVISI != nil {
			cvSum += *ps.CVISI * float64(ps.Neurons)
			cvN += float64(ps.Neurons)
		}
	}
	if n == 0 || s.SimSeconds <= 0 {
		return 0, 0, false
	}
	return spikes / n / s.SimSeconds, cvSum / cvN, true
}
