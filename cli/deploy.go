package cli

import (
	"encoding/json"
	"errors"
	"fmt"
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
		Action: func(c *cli.Context) error {
			impl, threads, err := kernels(c)
			if err != nil {
				return err
			}
			var widths []int
			for _, f := range strings.Split(c.String("widths"), ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				b, err := strconv.Atoi(f)
				if err != nil || b < 1 || b > 24 {
					return badInput("--widths: %q: want widths in bits between 1 and 24, e.g. 8,6,4,2", f)
				}
				widths = append(widths, b)
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
			w := c.App.Writer
			fmt.Fprintf(w, "%-8s %9s %10s %12s %9s %9s %12s %14s\n", "weights", "accuracy", "spikes", "SynOps(w≠0)", "first_ms", "decide_ms", "Loihi_nJ*", "TrueNorth_nJ*")
			for _, x := range r.Results {
				fmt.Fprintf(w, "%-8s %8.1f%% %10.0f %12.0f %9.1f %9.1f %12.1f %14.1f\n", x.Precision, 100*x.Accuracy,
					x.InputSpikes+x.NeuronSpikes, x.SynOpsNonzero, x.FirstSpikeMS, x.DecisionMS, x.LoihiNJ, x.TrueNorthNJ)
			}
			fmt.Fprintf(w, "* estimates from published per-operation energies (see %s)\nwrote %s\n", filepath.Join(out, deploy.MarkdownFile), out)
			return nil
		},
	}
}
