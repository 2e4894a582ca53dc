package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/deploy"
	"dalesim/learn"
	"dalesim/network"
	"dalesim/spec"
)

func deployCheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "deploy-check",
		Usage: "accuracy of a trained model at reduced weight widths, with spikes, SynOps, latency and an energy estimate per inference",
		Description: "Evaluates the model on the MNIST test set with float32 weights and with each projection's weights quantised\n" +
			"to --widths bits (magnitudes only: the sign is the source population's; one power-of-two step per projection;\n" +
			"round to nearest), and writes deploy.md, deploy.json and deploy.parquet into --out. Energies are estimates from\n" +
			"published per-operation figures (Loihi: Davies et al. 2018; TrueNorth: Merolla et al. 2014), not measurements.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Required: true, Usage: "model directory written by train"},
			&cli.StringFlag{Name: "out", Usage: "output directory (default: MODEL/deploy)"},
			&cli.StringFlag{Name: "widths", Value: "8,6,4,2", Usage: "weight widths in bits, besides float32"},
			&cli.IntFlag{Name: "test-samples", Value: 1000, Usage: "test samples per width (0: all of the model's digits)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			jsonFlag(), dataFlag(), simdFlag(),
			&cli.IntFlag{Name: "threads", Value: 1, EnvVars: []string{"DALESIM_THREADS"}, Usage: "worker threads"},
		},
		Action: deployCheckAction,
	}
}

// deployCheckAction evaluates a model at each weight width, writes the
// results into --out and prints them.
func deployCheckAction(c *cli.Context) error {
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	widths, err := parseWidths(c.String("widths"))
	if err != nil {
		return err
	}
	if c.Int("test-samples") < 0 {
		return badInput("--test-samples = %d: must be >= 0", c.Int("test-samples"))
	}
	dir := c.String("model")
	m, _, err := learn.Load(dir, network.Options{Kernels: impl, Threads: threads})
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
	opt := deploy.Options{Widths: widths}
	if p := sampleProgress(c); p != nil {
		opt.Progress = func(cfg string, done, total int) { p(cfg, done, total, 0) }
	}
	r, err := deploy.Check(c.Context, m, test, opt)
	if errors.Is(err, learn.ErrInterrupted) {
		return errInterrupted
	}
	if err != nil {
		return err
	}
	r.Model = dir
	out := c.String("out")
	if out == "" {
		out = filepath.Join(dir, "deploy")
	}
	if err := r.Write(out, Version); err != nil {
		return err
	}
	if c.Bool("json") {
		return json.NewEncoder(c.App.Writer).Encode(r)
	}
	printDeployTable(c.App.Writer, r, out)
	return nil
}

// parseWidths reads --widths: comma-separated widths in bits, 1 to 24
// (empty fields are skipped).
func parseWidths(s string) ([]int, error) {
	var widths []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		b, err := strconv.Atoi(f)
		if err != nil || b < 1 || b > 24 {
			return nil, badInput("--widths: %q: want widths in bits between 1 and 24, e.g. 8,6,4,2", f)
		}
		widths = append(widths, b)
	}
	return widths, nil
}

// printDeployTable prints one line per weight width of r, written to out.
func printDeployTable(w io.Writer, r *deploy.Report, out string) {
	fmt.Fprintf(w, "%-8s %9s %10s %12s %9s %9s %12s %14s\n", "weights", "accuracy", "spikes", "SynOps(w≠0)", "first_ms", "decide_ms", "Loihi_nJ*", "TrueNorth_nJ*")
	for _, x := range r.Results {
		fmt.Fprintf(w, "%-8s %8.1f%% %10.0f %12.0f %9.1f %9.1f %12.1f %14.1f\n", x.Precision, 100*x.Accuracy,
			x.InputSpikes+x.NeuronSpikes, x.SynOpsNonzero, x.FirstSpikeMS, x.DecisionMS, x.LoihiNJ, x.TrueNorthNJ)
	}
	fmt.Fprintf(w, "* estimates from published per-operation energies (see %s)\nwrote %s\n", filepath.Join(out, deploy.MarkdownFile), out)
}
