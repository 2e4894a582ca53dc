package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"dalesim/experiment"
	"dalesim/mnist"
)

func experimentCommand() *cli.Command {
	var subs []*cli.Command
	for _, name := range experiment.Names() {
		d, _ := experiment.Lookup(name)
		subs = append(subs, &cli.Command{
			Name:        d.Name,
			Usage:       "test the claim: " + d.Claim,
			Description: d.Doc + "\n\nWrites into --out: report.md, PNG figures, results.parquet (one row per model, seed, condition and\nmetric) and units/ (finished units: a rerun resumes after them).",
			Flags:       experimentFlags(d.Name),
			Action:      func(c *cli.Context) error { return experimentAction(c, d.Name) },
		})
	}
	return &cli.Command{
		Name:        "experiment",
		Usage:       "test a claim of the paper against backprop baselines: " + fmt.Sprint(experiment.Names()),
		Subcommands: subs,
	}
}

func experimentFlags(name string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Value: "experiment-" + name, Usage: "output directory (an interrupted experiment in it resumes)"},
		&cli.BoolFlag{Name: "quick", Usage: "CI size: small networks, few samples, two seeds"},
		&cli.IntFlag{Name: "seeds", Usage: "seeds per condition (default: 5; with --quick: 2)"},
		&cli.BoolFlag{Name: "force", Usage: "start afresh: forget the finished units in --out"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		dataFlag(), simdFlag(),
		&cli.IntFlag{Name: "threads", Value: 1, EnvVars: []string{"DALESIM_THREADS"}, Usage: "worker threads of each spiking network"},
		&cli.IntFlag{Name: "jobs", DefaultText: "CPUs / threads", Usage: "units (models with their measurements) run at once; results do not depend on it"},
	}
}

func experimentAction(c *cli.Context, name string) error {
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	if c.Int("seeds") < 0 || c.Int("seeds") > 100 {
		return badInput("--seeds = %d: must be between 1 and 100", c.Int("seeds"))
	}
	if _, err := mnist.LocateOrDownload(c.String("data"), func(msg string) { fmt.Fprintln(c.App.ErrWriter, msg) }); err != nil {
		return badInput("%v", err)
	}
	jobs := max(runtime.NumCPU()/threads, 1)
	if c.IsSet("jobs") {
		jobs = c.Int("jobs")
		if jobs < 1 || jobs > 256 {
			return badInput("--jobs = %d: must be between 1 and 256", jobs)
		}
	}
	out := c.String("out")
	opt := experiment.Options{Jobs: jobs, Out: out, Data: c.String("data"), Quick: c.Bool("quick"), Seeds: c.Int("seeds"),
		Threads: threads, Kernels: impl, Version: Version, Force: c.Bool("force"), Log: c.App.ErrWriter}
	if !c.Bool("quiet") && isTerminal(os.Stderr) {
		var bar *progressbar.ProgressBar
		opt.Log = nil
		opt.Progress = func(done, total int, unit string) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			bar.Describe(unit)
			bar.Set(done)
		}
	} else if c.Bool("quiet") {
		opt.Log = nil
	}
	err = experiment.Run(c.Context, name, opt)
	if errors.Is(err, experiment.ErrInterrupted) {
		fmt.Fprintf(c.App.ErrWriter, "interrupted; finished units are kept in %s and a rerun resumes after them\n", filepath.Join(out, "units"))
		return errInterrupted
	}
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s\nreport, figures and results.parquet written to %s\n", b, out)
	return nil
}
