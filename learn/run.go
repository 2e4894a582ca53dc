package learn

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"dalesim/mnist"
	"dalesim/plot"
)

// RunOptions configure Model.Run.
type RunOptions struct {
	Epochs  int    // total epochs: a resumed model trains from cp.Epochs up to Epochs
	Dir     string // model directory, saved after every epoch ("": not saved)
	Version string // dalesim version for the metadata
	// TracePresentations test presentations are recorded into
	// Dir/presentations (0: none).
	TracePresentations int
	// Progress, if set, is called after every presentation with what runs
	// ("epoch 1/2" or "test").
	Progress func(what string, done, total int, acc float64)
	// Epoch, if set, is called after every epoch with its record.
	Epoch func(EpochRecord)
}

// RunResult is what Model.Run produced.
type RunResult struct {
	Train  *Eval // running accuracy of the last epoch trained (nil if none)
	Test   *Eval
	Report *Report
	// Predictions of the recorded test presentations.
	Predictions []int
}

// InterruptedError is returned when the context ends a Run: the model in
// the directory is the one after the last complete epoch.
type InterruptedError struct {
	Epoch    int // the epoch that was running (1-based), 0 in evaluation
	Complete int // complete epochs saved
	Dir      string
}

func (e *InterruptedError) Error() string {
	if e.Epoch == 0 {
		return "interrupted during evaluation"
	}
	return fmt.Sprintf("interrupted during epoch %d; %s holds the model after %d complete epoch(s)", e.Epoch, e.Dir, e.Complete)
}

// Unwrap returns ErrInterrupted.
func (e *InterruptedError) Unwrap() error { return ErrInterrupted }

// Run trains the model epoch by epoch on train, evaluates it on test after
// every epoch, saves it into opt.Dir after every epoch, and finally records
// a few test presentations and writes the report (WriteReport). cp holds
// the model's history (a new Checkpoint for a new model); it is updated.
func (m *Model) Run(ctx context.Context, cp *Checkpoint, train, test *mnist.Set, opt RunOptions) (*RunResult, error) {
	cp.TrainSamples, cp.TestSamples = train.Len(), test.Len()
	res := &RunResult{}
	progress := func(what string) Progress {
		if opt.Progress == nil {
			return nil
		}
		return func(done, total int, acc float64) { opt.Progress(what, done, total, acc) }
	}
	for epoch := cp.Epochs; epoch < opt.Epochs; epoch++ {
		ev, err := m.TrainEpoch(ctx, train, epoch, progress(fmt.Sprintf("epoch %d/%d", epoch+1, opt.Epochs)))
		if errors.Is(err, ErrInterrupted) {
			// The checkpoint on disk is the last complete one.
			return nil, &InterruptedError{Epoch: epoch + 1, Complete: cp.Epochs, Dir: opt.Dir}
		}
		if err != nil {
			return nil, err
		}
		cp.Samples += int64(train.Len())
		m.ResetStats()
		te, err := m.Evaluate(ctx, test, progress("test"))
		if errors.Is(err, ErrInterrupted) {
			return nil, &InterruptedError{Epoch: epoch + 1, Complete: cp.Epochs, Dir: opt.Dir}
		}
		if err != nil {
			return nil, err
		}
		res.Train, res.Test = ev, te
		cp.Epochs = epoch + 1
		rec := EpochRecord{Epoch: epoch + 1, TrainAccuracy: ev.Accuracy, TestAccuracy: JSONFloat(te.Accuracy),
			TrainPerSecond: ev.PerSecond, EvalPerSecond: te.PerSecond, SilentFraction: JSONFloat(m.SilentFraction()), MeanError: ev.MeanError}
		cp.History = append(cp.History, rec)
		if opt.Epoch != nil {
			opt.Epoch(rec)
		}
		if opt.Dir != "" {
			if err := m.Save(opt.Dir, opt.Version, cp); err != nil {
				return nil, fmt.Errorf("saving the model: %w", err)
			}
		}
	}
	if res.Test == nil {
		// Nothing left to train (a resumed model at its last epoch): evaluate only.
		te, err := m.Evaluate(ctx, test, progress("test"))
		if errors.Is(err, ErrInterrupted) {
			return nil, &InterruptedError{Dir: opt.Dir}
		}
		if err != nil {
			return nil, err
		}
		res.Test = te
	}
	if n := min(opt.TracePresentations, test.Len()); n > 0 && opt.Dir != "" {
		preds, err := m.RecordPresentations(filepath.Join(opt.Dir, PresentationsDir), opt.Version, test, n)
		if err != nil {
			return nil, fmt.Errorf("tracing test presentations: %w", err)
		}
		res.Predictions = preds
	}
	res.Report = m.BuildReport(cp, res.Train, res.Test)
	if opt.Dir != "" {
		if err := m.WriteReport(opt.Dir, res.Report, cp); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// SilentFraction returns the fraction of silent synapses of the hidden
// rule's projection (NaN when it has none).
func (m *Model) SilentFraction() float64 {
	if m.InHid.Len() == 0 {
		return math.NaN()
	}
	return float64(m.InHid.Silent()) / float64(m.InHid.Len())
}

// Files of a model directory written by WriteReport and Run.
const (
	PresentationsDir    = "presentations"
	ReportJSON          = "report.json"
	ReportMarkdown      = "report.md"
	ReceptiveFieldsFile = "receptive_fields.png"
	CurvesFile          = "curves.csv"
)

// WriteReport writes report.json, report.md, receptive_fields.png,
// weights.png (the plastic projections' weight histograms) and curves.csv
// into dir.
func (m *Model) WriteReport(dir string, r *Report, cp *Checkpoint) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReportJSON), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReportMarkdown), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	if err := ReceptiveFields(filepath.Join(dir, ReceptiveFieldsFile), m.InHid, 28, 28); err != nil {
		return err
	}
	if _, err := plot.Plot(filepath.Join(dir, WeightsDir), dir, plot.PlotOptions{Overwrite: true}); err != nil {
		return fmt.Errorf("weight histogram: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, CurvesFile))
	if err != nil {
		return err
	}
	if err := WriteCurves(f, cp.History); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteCurves writes the training curve as CSV.
func WriteCurves(w io.Writer, h []EpochRecord) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"epoch", "train_accuracy", "test_accuracy", "silent_fraction", "mean_error", "train_samples_per_second", "eval_samples_per_second"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	for _, e := range h {
		cw.Write([]string{strconv.Itoa(e.Epoch), f(e.TrainAccuracy), f(float64(e.TestAccuracy)), f(float64(e.SilentFraction)), f(e.MeanError), f(e.TrainPerSecond), f(e.EvalPerSecond)})
	}
	cw.Flush()
	return cw.Error()
}
