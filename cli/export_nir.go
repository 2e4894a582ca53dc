package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/learn"
	"dalesim/network"
	"dalesim/nirexport"
	"dalesim/spec"
)

// exportSourceFlags select what is exported: a trained model or a spec.
func exportSourceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "model directory written by train"},
		&cli.StringFlag{Name: "spec", Usage: "spec file (instead of --model): the network as built, before any run"},
		&cli.StringFlag{Name: "outputs", Usage: "comma-separated output populations (default: a model's readout; a spec's LIF populations that project nowhere)"},
	}
}

// exportNetwork builds the network that --model or --spec names.
func exportNetwork(c *cli.Context) (*network.Network, []string, *nirexport.Classifier, error) {
	model, file := c.String("model"), c.String("spec")
	if (model == "") == (file == "") {
		return nil, nil, nil, badInput("give exactly one of --model (a trained model directory) and --spec (a spec file)")
	}
	var outputs []string
	if o := c.String("outputs"); o != "" {
		for _, s := range strings.Split(o, ",") {
			outputs = append(outputs, strings.TrimSpace(s))
		}
	}
	if model != "" {
		m, _, err := learn.Load(model, network.Options{Threads: 1})
		if err != nil {
			if spec.IsError(err) {
				return nil, nil, nil, err
			}
			return nil, nil, nil, badInput("--model: %v", err)
		}
		if outputs == nil {
			outputs = []string{m.Readout.Name()}
		}
		cls := &nirexport.Classifier{Input: m.Input.Name(), Readout: m.Readout.Name(), Classes: m.Classes,
			ReadoutPerClass: m.Group(), InputRateHz: m.InputRateHz(), PresentationMS: m.PresentationMS(),
			Decision: "input neuron i fires as a Poisson process at intensity_i x input_rate_hz for presentation_ms from rest; " +
				"the class whose readout neurons fire most wins (ties: the most synaptic charge)"}
		return m.Net, outputs, cls, nil
	}
	s, err := spec.Load(file)
	if err != nil {
		return nil, nil, nil, err
	}
	net, err := network.Build(s, network.Options{Threads: 1})
	if err != nil {
		return nil, nil, nil, err
	}
	return net, outputs, nil, nil
}

func exportParamsCommand() *cli.Command {
	return &cli.Command{
		Name:  "params",
		Usage: "write a model's or spec's network as plain Parquet + TOML (weights, delays, parameters, thresholds)",
		Description: "Writes OUT/network.toml (dt, units, populations with their parameters and identities, projections with\n" +
			"their sign, delays and files), OUT/projections/*.parquet (one row per synapse: pre, post, weight magnitude,\n" +
			"delay_steps) and OUT/populations/*.parquet (per LIF neuron: theta_mV, v_mV).",
		Flags: append(exportSourceFlags(),
			&cli.StringFlag{Name: "out", Required: true, Usage: "output directory"}),
		Action: func(c *cli.Context) error {
			net, outputs, cls, err := exportNetwork(c)
			if err != nil {
				return err
			}
			defer net.Close()
			if _, err := nirexport.WriteParams(c.String("out"), net, outputs, cls, Version); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %s\n", c.String("out"))
			return nil
		},
	}
}

func exportNIRCommand() *cli.Command {
	return &cli.Command{
		Name:  "nir",
		Usage: "write a model's or spec's network as a NIR graph (Neuromorphic Intermediate Representation, nir 1.0.x)",
		Description: "Writes the network as plain parameters (as `export params`) and converts them with a Python script shipped\n" +
			"in dalesim, which builds the graph with the official nir package and writes it with nir.write (needs Python\n" +
			">= 3.11 with nir, numpy and pyarrow). Populations become Input, LIF (delta) or CubaLIF (cuba) nodes, projections\n" +
			"Linear nodes of one sign each. NIR cannot carry refractoriness, delays, plasticity or adaptive thresholds: they\n" +
			"are dropped from the dynamics and kept in the nodes' metadata, and the command lists what was dropped.",
		Flags: append(exportSourceFlags(),
			&cli.StringFlag{Name: "out", Usage: "NIR file to write (required unless --print-script)"},
			&cli.StringFlag{Name: "params-out", Usage: "also keep the intermediate Parquet + TOML parameters in this directory"},
			&cli.StringFlag{Name: "python", EnvVars: []string{"DALESIM_PYTHON"}, Usage: "Python interpreter with nir (default: python3)"},
			&cli.BoolFlag{Name: "relative", Usage: "potentials relative to each population's v_rest (v_leak = 0 without i_ext; the form snnTorch and Norse assume)"},
			&cli.BoolFlag{Name: "print-script", Usage: "print the converter (Python) and exit"}),
		Action: func(c *cli.Context) error {
			if c.Bool("print-script") {
				_, err := fmt.Fprint(c.App.Writer, nirexport.Script)
				return err
			}
			out := c.String("out")
			if out == "" {
				return badInput("--out: the NIR file to write is required")
			}
			py := nirexport.Python(c.String("python"))
			if err := nirexport.CheckPython(py); err != nil {
				return err
			}
			net, outputs, cls, err := exportNetwork(c)
			if err != nil {
				return err
			}
			defer net.Close()
			params := c.String("params-out")
			if params == "" {
				tmp, err := os.MkdirTemp("", "dalesim-params")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				params = tmp
			}
			if _, err := nirexport.WriteParams(params, net, outputs, cls, Version); err != nil {
				return err
			}
			abs, _ := filepath.Abs(out)
			notes, err := nirexport.Convert(py, params, abs, c.Bool("relative"))
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(c.App.ErrWriter, "not in NIR:", n)
			}
			fmt.Fprintf(c.App.Writer, "wrote %s\n", out)
			return nil
		},
	}
}
