package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/internal/nwbconv"
	"dalesim/traces"
)

// exportCommand is `dalesim export FORMAT`: a run in another format, one
// subcommand per format.
func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a recorded run in another format (nwb)",
		ArgsUsage: "FORMAT RUN",
		Description: "Subcommands: nwb (a run's spikes as Neurodata Without Borders 2.x, the format of DANDI recordings),\n" +
			"nir (a trained model or a spec as a NIR graph) and params (weights and parameters as Parquet + TOML).",
		Subcommands: []*cli.Command{exportNWBCommand(), exportNIRCommand(), exportParamsCommand()},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return badInput("export needs a format: dalesim export nwb RUN")
			}
			return badInput("export: unknown format %q (have: nwb)", c.Args().First())
		},
	}
}

func exportNWBCommand() *cli.Command {
	return &cli.Command{
		Name:      "nwb",
		Usage:     "write a run's spikes as an NWB 2.x file (a Units table, one unit per neuron)",
		ArgsUsage: "RUN",
		Description: "RUN is a run directory written by run/bench --out (or its spikes file). Writes RUN/spikes.nwb\n" +
			"(or --out FILE): one unit per neuron, silent ones too, with its spike times in seconds and the columns\n" +
			"population, identity (excitatory/inhibitory) and neuron (index in the population); obs_intervals\n" +
			"cover the run. The spec is in /general/source_script, the dalesim version, dt and seed in /general/notes.\n" +
			"Runs the converter embedded in dalesim with the Python of DALESIM_PYTHON (default python3), which needs\n" +
			"pynwb: " + nwbconv.InstallHint + ".",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the NWB file to `FILE` (default: RUN/spikes.nwb)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing file"},
		},
		Action: exportNWBAction,
	}
}

func exportNWBAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return badInput("export nwb takes one argument, the run directory (got %d)", c.NArg())
	}
	dir := c.Args().First()
	if err := checkRunDir(dir); err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join(runDirOf(dir), "spikes.nwb")
	}
	if !strings.HasSuffix(out, ".nwb") {
		return badInput("--out %s: an NWB file name ends in .nwb", out)
	}
	if st, err := os.Stat(out); err == nil {
		if st.IsDir() || !c.Bool("force") {
			return badInput("%s exists: pass --force to replace it, or --out another file", out)
		}
	}
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		return usageError{err}
	}
	tmp := out + ".tmp.nwb"
	os.Remove(tmp)
	if err := nwbconv.Export(sp, tmp, Version); err != nil {
		os.Remove(tmp)
		var be *nwbconv.BadInputError
		if errors.As(err, &be) {
			return usageError{err}
		}
		return fmt.Errorf("export nwb: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s: %d spikes of %d populations\n", out, sp.Len(), len(sp.Populations))
	return nil
}
