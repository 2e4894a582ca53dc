package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/plot"
	"dalesim/traces"
)

// plotFiles are the PNG files plot.Plot may draw.
var plotFiles = []string{"raster.png", "rate.png", "isi.png", "weights.png"}

func plotCommand() *cli.Command {
	return &cli.Command{
		Name:      "plot",
		Usage:     "draw a recorded run as PNG files: spike raster, population rate, ISI distributions, weight histograms",
		ArgsUsage: "DIR | RECORDING",
		Description: "Writes raster.png, rate.png, isi.png and (when weights were recorded) weights.png into DIR/plots\n" +
			"(or --to DIR2). Existing PNG files are never replaced without --force.\n" +
			"RECORDING (FILE.nwb, or a spike list FILE.csv or FILE.parquet: neuron, t_ms[, group]) is drawn into FILE-plots.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "write the PNG files into `DIR2` (default: DIR/plots)"},
			&cli.BoolFlag{Name: "force", Usage: "replace existing PNG files"},
			&cli.Float64Flag{Name: "from", Usage: "start of the plotted window in `MS`"},
			&cli.Float64Flag{Name: "until", Usage: "end of the plotted window in `MS` (default: the end of the run; the raster shows --raster-ms)"},
			&cli.Float64Flag{Name: "raster-ms", Usage: "raster length in `MS` when --until is not given (default 1000)"},
			&cli.IntFlag{Name: "neurons", Usage: "`N` neurons per population in the raster (the first ones; default 200)"},
			&cli.Float64Flag{Name: "rate-bin", Usage: "bin of the population rate computed from spikes, in `MS` (default 5)"},
			&cli.Float64Flag{Name: "isi-max", Usage: "ISI histogram range in `MS` (default: the 99th percentile)"},
			&cli.IntFlag{Name: "bins", Usage: "histogram bins (default 60)"},
			&cli.IntFlag{Name: "dpi", Usage: "resolution (default 150)"},
			&cli.Float64Flag{Name: "width-cm", Usage: "figure width in cm (default 16)"},
			&cli.Float64Flag{Name: "height-cm", Usage: "figure height in cm (default 10; weights.png: per projection, 6)"},
		},
		Action: plotAction,
	}
}

func plotAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return badInput("plot takes one argument, the run directory or a recording file (got %d)", c.NArg())
	}
	dir := c.Args().First()
	opt, err := plotOptions(c)
	if err != nil {
		return err
	}
	recording := isRecording(dir)
	rec, err := plotInput(dir, recording)
	if err != nil {
		return err
	}
	out, err := plotOutDir(c, dir, recording, opt.Overwrite)
	if err != nil {
		return err
	}
	var files []string
	if recording {
		files, err = plot.PlotSpikes(rec, out, opt)
	} else {
		files, err = plot.Plot(dir, out, opt)
	}
	for _, f := range files {
		fmt.Fprintln(c.App.Writer, f)
	}
	if err != nil {
		// Reading errors (a corrupt or unfinished run) are bad input;
		// drawing and writing errors are run-time failures.
		if strings.HasPrefix(err.Error(), "traces: drawing ") {
			return err
		}
		return usageError{err}
	}
	if len(files) == 0 {
		return badInput("%s: the run holds no spikes, rates or weights to plot", dir)
	}
	return nil
}

// plotOptions reads and checks the options of plot.
func plotOptions(c *cli.Context) (plot.PlotOptions, error) {
	opt := plot.PlotOptions{
		FromMS: c.Float64("from"), ToMS: c.Float64("until"), RasterMS: c.Float64("raster-ms"),
		MaxNeurons: c.Int("neurons"), RateBinMS: c.Float64("rate-bin"), ISIMaxMS: c.Float64("isi-max"),
		Bins: c.Int("bins"), DPI: c.Int("dpi"), WidthCM: c.Float64("width-cm"), HeightCM: c.Float64("height-cm"),
		Overwrite: c.Bool("force"),
	}
	for _, f := range []string{"from", "until", "raster-ms", "rate-bin", "isi-max", "width-cm", "height-cm"} {
		if v := c.Float64(f); c.IsSet(f) && (!(v >= 0) || math.IsInf(v, 0) || (v == 0 && f != "from")) {
			return opt, badInput("--%s = %g: must be a finite number > 0 (>= 0 for --from)", f, v)
		}
	}
	for _, f := range []string{"neurons", "bins", "dpi"} {
		if c.IsSet(f) && (c.Int(f) < 1 || c.Int(f) > 100000) {
			return opt, badInput("--%s = %d: must be between 1 and 100000", f, c.Int(f))
		}
	}
	if c.IsSet("until") && opt.ToMS <= opt.FromMS {
		return opt, badInput("--until = %g: must be after --from = %g", opt.ToMS, opt.FromMS)
	}
	return opt, nil
}

// plotInput reads a recording (and returns it), or checks a run directory
// and its metadata (and returns nil).
func plotInput(dir string, recording bool) (*traces.SpikeTable, error) {
	if recording {
		return readRecording(dir)
	}
	if err := checkRunDir(dir); err != nil {
		return nil, err
	}
	if _, err := traces.ReadMeta(dir); err != nil {
		return nil, usageError{err}
	}
	return nil, nil
}

// plotOutDir returns the directory of the figures (--to, else beside the
// recording or in the run directory); unless overwrite, it must hold none of
// plotFiles.
func plotOutDir(c *cli.Context, dir string, recording, overwrite bool) (string, error) {
	out := c.String("to")
	switch {
	case out != "":
	case recording:
		out = recordingStem(dir) + "-plots"
	default:
		out = filepath.Join(runDirOf(dir), "plots")
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return "", badInput("--to %s: not a directory", out)
	}
	if !overwrite {
		var exist []string
		for _, f := range plotFiles {
			if _, err := os.Stat(filepath.Join(out, f)); err == nil {
				exist = append(exist, f)
			}
		}
		if len(exist) > 0 {
			return "", badInput("%s already holds %s: nothing was drawn; pass --force to replace them, or --to another directory",
				out, strings.Join(exist, ", "))
		}
	}
	return out, nil
}
