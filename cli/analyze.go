package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/analysis"
)

const analysisFile = "analysis.parquet"

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Usage:     "spike-train and weight statistics of a recorded run (rates, CV and LV of ISIs, Fano, correlations, synchrony, lognormal fits)",
		ArgsUsage: "DIR | RECORDING",
		Description: "DIR is a run directory written by run/bench --out (flat, or DIR/run=ID, or a partitioned DIR holding one run).\n" +
			"RECORDING is spike trains dalesim did not make: an NWB file's Units table (FILE.nwb, read with pynwb), or a\n" +
			"spike list FILE.csv or FILE.parquet with the columns neuron, t_ms and optionally group (group -> population);\n" +
			"the same statistics and tables, the summary in FILE.analysis.parquet. See README, \"Recordings and NWB\".\n" +
			"Prints a table (or --json) and saves one row per statistic to DIR/" + analysisFile + " (or --parquet FILE);\n" +
			"an existing " + analysisFile + " is kept unless --force is given.",
		Flags: []cli.Flag{
			&cli.Float64Flag{Name: "from", Usage: "start of the analysed window in `MS`"},
			&cli.Float64Flag{Name: "until", Usage: "end of the analysed window in `MS` (default: the end of the run)"},
			&cli.Float64Flag{Name: "fano-window", Usage: "Fano factor counting window in `MS` (default 100)"},
			&cli.Float64Flag{Name: "corr-bin", Usage: "bin of the pairwise spike-count correlations in `MS` (default 5)"},
			&cli.IntFlag{Name: "pairs", Usage: "`N` pairs of neurons sampled per population for the correlations (default 500)"},
			&cli.Int64Flag{Name: "seed", Usage: "seed of the pair sample (default 1)"},
			&cli.Float64Flag{Name: "sync-bin", Usage: "bin of the synchrony measures in `MS` (default 1)"},
			&cli.StringFlag{Name: "ccg-a", Usage: "first group of the cross-correlogram, `POP[:N]` (the first N neurons; default: the first population)"},
			&cli.StringFlag{Name: "ccg-b", Usage: "second group, `POP[:N]` (default: the second population)"},
			&cli.Float64Flag{Name: "ccg-bin", Usage: "cross-correlogram bin in `MS` (default 1)"},
			&cli.Float64Flag{Name: "ccg-window", Usage: "cross-correlogram half-width in `MS` (default 50)"},
			&cli.BoolFlag{Name: "no-ccg", Usage: "skip the cross-correlogram"},
			&cli.BoolFlag{Name: "no-weights", Usage: "do not read the weights table"},
			&cli.Int64Flag{Name: "weights-step", Usage: "analyse the last weight snapshot at or before `STEP` (default: the last)"},
			jsonFlag(),
			&cli.StringFlag{Name: "parquet", Usage: "write the summary rows to `FILE` (default: DIR/" + analysisFile + ")"},
			&cli.BoolFlag{Name: "no-parquet", Usage: "write no Parquet summary"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing Parquet summary"},
		},
		Action: analyzeAction,
	}
}

func analyzeAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return badInput("analyze takes one argument, the run directory or a recording file (got %d)", c.NArg())
	}
	dir := c.Args().First()
	opt, err := analyzeOptions(c)
	if err != nil {
		return err
	}
	if c.Bool("no-parquet") && c.IsSet("parquet") {
		return badInput("--parquet and --no-parquet exclude each other")
	}
	recording := isRecording(dir)
	if !recording {
		if err := checkRunDir(dir); err != nil {
			return err
		}
	}
	out, keep, err := analyzeSummaryFile(c, dir, recording)
	if err != nil {
		return err
	}
	a, err := analyzeInput(dir, recording, opt)
	if err != nil {
		return err
	}
	return writeAnalyzeResult(c, a, out, keep)
}

// analyzeOptions reads and checks the options of analyze.
func analyzeOptions(c *cli.Context) (analysis.AnalyzeOptions, error) {
	opt := analysis.AnalyzeOptions{
		FromMS: c.Float64("from"), ToMS: c.Float64("until"),
		FanoWindowMS: c.Float64("fano-window"), CorrBinMS: c.Float64("corr-bin"), PairsSample: c.Int("pairs"),
		SyncBinMS: c.Float64("sync-bin"), CCGBinMS: c.Float64("ccg-bin"), CCGWindowMS: c.Float64("ccg-window"),
		SkipCCG: c.Bool("no-ccg"), SkipWeights: c.Bool("no-weights"), WeightsAtStep: c.Int64("weights-step"),
	}
	for _, f := range []string{"from", "until", "fano-window", "corr-bin", "sync-bin", "ccg-bin", "ccg-window"} {
		if v := c.Float64(f); c.IsSet(f) && (!(v >= 0) || math.IsInf(v, 0) || (v == 0 && f != "from")) {
			return opt, badInput("--%s = %g: must be a finite number of ms > 0 (>= 0 for --from)", f, v)
		}
	}
	if c.IsSet("pairs") && opt.PairsSample < 1 {
		return opt, badInput("--pairs = %d: must be >= 1", opt.PairsSample)
	}
	if c.IsSet("weights-step") && opt.WeightsAtStep < 0 {
		return opt, badInput("--weights-step = %d: must be >= 0", opt.WeightsAtStep)
	}
	if c.IsSet("seed") {
		s := c.Int64("seed")
		if s < 1 {
			return opt, badInput("--seed = %d: must be >= 1", s)
		}
		opt.Seed = uint64(s)
	}
	var err error
	if opt.CCGA, err = parseGroup("ccg-a", c.String("ccg-a")); err != nil {
		return opt, err
	}
	if opt.CCGB, err = parseGroup("ccg-b", c.String("ccg-b")); err != nil {
		return opt, err
	}
	return opt, nil
}

// analyzeSummaryFile returns the summary Parquet file of analyze (--parquet,
// else beside the recording or in the run directory) and whether an existing
// default one is kept (with a note) because --force is not given.
func analyzeSummaryFile(c *cli.Context, dir string, recording bool) (out string, keep bool, err error) {
	out, explicit := c.String("parquet"), c.IsSet("parquet")
	switch {
	case explicit:
	case recording:
		out = recordingStem(dir) + "." + analysisFile
	default:
		out = filepath.Join(runDirOf(dir), analysisFile)
	}
	if !c.Bool("no-parquet") && !c.Bool("force") {
		if _, err := os.Stat(out); err == nil {
			if explicit {
				return "", false, badInput("--parquet %s exists: pass --force to replace it, or choose another file", out)
			}
			keep = true
		}
	}
	return out, keep, nil
}

// analyzeInput analyses a recording or a run directory.
func analyzeInput(dir string, recording bool, opt analysis.AnalyzeOptions) (*analysis.Analysis, error) {
	if !recording {
		a, err := analysis.Analyze(dir, opt)
		if err != nil {
			return nil, usageError{err}
		}
		return a, nil
	}
	sp, err := readRecording(dir)
	if err != nil {
		return nil, err
	}
	a, err := analysis.AnalyzeSpikes(sp, dir, opt)
	if err != nil {
		return nil, usageError{err}
	}
	a.Recording = true
	return a, nil
}

// writeAnalyzeResult prints the analysis (as text or JSON) and writes its
// summary to out unless --no-parquet or keep.
func writeAnalyzeResult(c *cli.Context, a *analysis.Analysis, out string, keep bool) error {
	w := c.App.Writer
	if c.Bool("json") {
		b, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if err := a.WriteText(w); err != nil {
		return err
	}
	switch {
	case c.Bool("no-parquet"):
	case keep:
		stderrf(c, "dalesim: %s exists and was kept; pass --force to replace it, or --parquet FILE\n", out)
	default:
		if err := writeAnalysis(a, out); err != nil {
			return err
		}
		if !c.Bool("json") {
			fmt.Fprintf(w, "\nsummary rows: %s\n", out)
		}
	}
	return nil
}

// writeAnalysis writes the Parquet summary through a temporary file, so an
// existing file is replaced only by a complete one.
func writeAnalysis(a *analysis.Analysis, path string) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := a.WriteParquet(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// parseGroup reads POP or POP:N.
func parseGroup(flag, s string) (analysis.Group, error) {
	if s == "" {
		return analysis.Group{}, nil
	}
	name, n, found := strings.Cut(s, ":")
	g := analysis.Group{Population: name}
	if found {
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 {
			return g, badInput("--%s %q: want POP or POP:N with N >= 1 (the first N neurons)", flag, s)
		}
		g.Neurons = k
	}
	if name == "" {
		return g, badInput("--%s %q: the population name is missing", flag, s)
	}
	return g, nil
}

// checkRunDir gives a clear error (exit status 2) for a path that cannot
// hold a run.
func checkRunDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return badInput("%s: no such run directory", dir)
	}
	if err != nil {
		return badInput("%s: %v", dir, err)
	}
	if !st.IsDir() && !strings.HasSuffix(dir, ".parquet") && filepath.Base(dir) != "run.json" {
		return badInput("%s: not a run directory (nor a trace file)", dir)
	}
	return nil
}

// runDirOf returns the directory of the run that a path names: the directory
// itself, its only run=ID directory, or the directory of a trace file.
func runDirOf(p string) string {
	st, err := os.Stat(p)
	if err != nil {
		return p
	}
	if !st.IsDir() {
		return filepath.Dir(p)
	}
	if _, err := os.Stat(filepath.Join(p, "run.json")); err == nil {
		return p
	}
	runs, _ := filepath.Glob(filepath.Join(p, "run=*"))
	if len(runs) == 1 {
		return runs[0]
	}
	return p
}
