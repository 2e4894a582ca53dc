package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "simulate the network of a TOML spec file",
		ArgsUsage: "SPEC | --resume DIR",
		Flags: append(append([]cli.Flag{durationFlag("the spec's duration_ms"), seedFlag(), dtFlag(), jsonFlag(), simdFlag(), threadsFlag(), estimateFlag()},
			recordFlags()...), partEveryFlag(), checkpointEveryFlag(), resumeFlag()),
		Action: func(c *cli.Context) error {
			if c.IsSet("resume") {
				return resumeRun(c, c.String("resume"))
			}
			if c.NArg() != 1 {
				return badInput("run takes one argument, the spec file (got %d)", c.NArg())
			}
			s, err := spec.Load(c.Args().First())
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

// createProfile creates the file of --cpuprofile (nil without the flag). It
// refuses a file that exists, so a profile never replaces anything.
func createProfile(c *cli.Context) (*os.File, error) {
	name := c.String("cpuprofile")
	if name == "" {
		return nil, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, badInput("--cpuprofile %s: the file exists; choose another name or remove it", name)
	}
	if err != nil {
		return nil, badInput("--cpuprofile %s: %v", name, err)
	}
	return f, nil
}

// simulate builds and runs a spec, records its traces with --out (in
// parts with --part-every, with checkpoints with --checkpoint-every), and
// prints the summary. On SIGINT/SIGTERM the run stops at the end of a step
// (the current one, or a few later on several threads: see network's
// engine); the traces are closed (status interrupted) before the error
// that gives exit status 130 is returned. Under mpirun each rank simulates
// its part of the network (see ranks).
func simulate(c *cli.Context, name string, s *spec.Spec) error {
	rk, err := openRanks()
	if err != nil {
		return err
	}
	return rk.finish(simulateOn(c, name, s, rk))
}

func simulateOn(c *cli.Context, name string, s *spec.Spec, rk *ranks) error {
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	threads = rk.threads(c, threads)
	if c.Bool("estimate") {
		return printEstimate(c, name, s, threads, rk.comm())
	}
	out, err := parseOut(c, s)
	if err != nil {
		return err
	}
	plan, err := parsePlan(c, s.Dt(), out)
	if err != nil {
		return err
	}
	if rk != nil && plan.rolls() {
		return badInput("--part-every and --checkpoint-every are not supported over MPI ranks yet")
	}
	if err := rk.outDir(out, s); err != nil {
		return err
	}
	prof, err := createProfile(c)
	if err != nil {
		return err
	}
	defer discardProfile(&prof)
	t0 := time.Now()
	net, err := network.Build(s, network.Options{Kernels: impl, Threads: threads, Comm: rk.comm()})
	if err != nil {
		return err
	}
	build := time.Since(t0).Seconds()
	defer net.Close()
	end := network.StepsFor(s.Duration(), s.Dt())
	st := runState{rk: rk, name: name, s: s, net: net, out: out.dirOrEmpty(), end: end, plan: plan, build: build}
	if plan.ckptEvery > 0 {
		// Refuse before the run directory is created.
		if mons, err := monitor.FromSpec(s, s.Monitors, net); err == nil {
			if err := monitor.CanResume(mons); err != nil {
				return badInput("--checkpoint-every: %v", strings.TrimPrefix(err.Error(), "monitor: "))
			}
		}
	}
	if out != nil {
		if st.rec, err = openRecording(c, out, name, net, plan.rolls()); err != nil {
			return err
		}
	}
	if plan.ckptEvery > 0 {
		// The first checkpoint, at the first step: a run killed before
		// the next one resumes from the start.
		st.ckMeta = checkpointMeta(name, s, st.rec.Meta().Spec, end, plan, net.Step())
		st.ckMeta[ckPart] = strconv.Itoa(st.rec.Part())
		if _, err := net.SaveCheckpointFile(filepath.Join(st.rec.Dir(), ckCheckpoint), st.ckMeta); err != nil {
			_ = st.rec.Close(true)
			return fmt.Errorf("--out %s: %w", out.dir, err)
		}
	}
	st.prof, prof = prof, nil // execute owns it
	return execute(c, st)
}
