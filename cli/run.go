package cli

import (
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/network"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "simulate the network of a TOML spec file",
		ArgsUsage: "SPEC",
		Flags:     []cli.Flag{durationFlag("the spec's duration_ms"), seedFlag(), dtFlag(), jsonFlag(), simdFlag(), threadsFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput("run takes one argument, the spec file (got %d)", c.NArg())
			}
			s, err := network.LoadSpec(c.Args().First())
			if err != nil {
				return err
			}
			if err := override(c, s); err != nil {
				return err
			}
			name := s.Name
			if name == "" {
				name = c.Args().First()
			}
			return simulate(c, name, s)
		},
	}
}

// simulate builds and runs a spec and prints the summary.
func simulate(c *cli.Context, name string, s *network.Spec) error {
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	t0 := time.Now()
	net, err := network.Build(s, network.Options{Kernels: impl, Threads: threads})
	if err != nil {
		return err
	}
	build := time.Since(t0).Seconds()
	defer net.Close()
	r, err := net.Run(c.Context, s.Duration())
	if err != nil {
		return err
	}
	if err := printSummary(c.App.Writer, c, name, r, net, build); err != nil {
		return err
	}
	if r.Interrupted {
		return errInterrupted
	}
	return nil
}
