package cli

import (
	"dalesim/spec"
	"strings"

	"github.com/urfave/cli/v2"
)

func benchCommand() *cli.Command {
	var list []string
	for _, b := range spec.Builtins() {
		list = append(list, "  "+b+": "+spec.BuiltinDoc(b))
	}
	return &cli.Command{
		Name:      "bench",
		Usage:     "run a built-in benchmark network (coba, cuba, brunel)",
		ArgsUsage: "NAME",
		Description: "Built-in benchmarks (their specs are also in examples/):\n" + strings.Join(list, "\n") +
			"\n\nUse --print-spec to see a benchmark's spec file.",
		Flags: append([]cli.Flag{
			durationFlag("1000"), seedFlag(), dtFlag(), jsonFlag(), simdFlag(), threadsFlag(), estimateFlag(),
			&cli.Float64Flag{Name: "g", Usage: "brunel: relative strength of inhibition g (default 5)"},
			&cli.Float64Flag{Name: "eta", Usage: "brunel: external rate relative to the threshold rate (default 2)"},
			&cli.Float64Flag{Name: "delay", Usage: "brunel: synaptic delay D in ms (default 1.5)"},
			&cli.Float64Flag{Name: "scale", Usage: "brunel: fraction of the full network size (default 1)", Hidden: true},
			&cli.BoolFlag{Name: "brian2-timing", Usage: "shift t_ref and delays by one step to match what the same numbers mean in Brian2"},
			&cli.BoolFlag{Name: "fixed-point", Usage: "brunel: the fixed-point version (loihi_lif neurons, 8-bit weights)"},
			&cli.BoolFlag{Name: "print-spec", Usage: "print the benchmark's spec (TOML) and exit"},
		}, append(recordFlags(), partEveryFlag(), checkpointEveryFlag())...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput("bench takes one argument, the benchmark name (%s)", strings.Join(spec.Builtins(), ", "))
			}
			name := c.Args().First()
			p := spec.BuiltinParams{G: c.Float64("g"), Eta: c.Float64("eta"), DelayMS: c.Float64("delay"), Scale: c.Float64("scale"),
				Brian2Timing: c.Bool("brian2-timing"), FixedPoint: c.Bool("fixed-point")}
			if name != "brunel" {
				for _, f := range []string{"g", "eta", "delay", "scale", "fixed-point"} {
					if c.IsSet(f) {
						return badInput("--%s: only the brunel benchmark takes it", f)
					}
				}
			}
			if p.G < 0 || p.Eta < 0 || p.DelayMS < 0 || p.Scale < 0 || p.Scale > 1 {
				return badInput("--g, --eta, --delay must be >= 0 and --scale in (0, 1]")
			}
			text, err := spec.BuiltinTOML(name, p)
			if err != nil {
				return badInput("%v", err)
			}
			if c.Bool("print-spec") {
				_, err := c.App.Writer.Write([]byte(text))
				return err
			}
			s, err := spec.Parse([]byte(text), "builtin:"+name)
			if err != nil {
				return err
			}
			if err := override(c, s); err != nil {
				return err
			}
			return simulate(c, name, s)
		},
	}
}
