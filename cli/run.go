package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "simulate the network of a TOML spec file",
		ArgsUsage: "SPEC",
		Flags: append([]cli.Flag{durationFlag("the spec's duration_ms"), seedFlag(), dtFlag(), jsonFlag(), simdFlag(), threadsFlag()},
			recordFlags()...),
		Action: func(c *cli.Context) error {
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

// simulate builds and runs a spec, records its traces with --out, and
// prints the summary. On SIGINT/SIGTERM the run stops at the end of the
// current step; the traces are closed (status interrupted) before the error
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
	out, err := parseOut(c, s)
	if err != nil {
		return err
	}
	if err := rk.outDir(out, s); err != nil {
		return err
	}
	prof, err := createProfile(c)
	if err != nil {
		return err
	}
	if prof != nil {
		defer func() {
			if prof != nil { // never started: remove the empty file
				prof.Close()
				os.Remove(prof.Name())
			}
		}()
	}
	t0 := time.Now()
	net, err := network.Build(s, network.Options{Kernels: impl, Threads: threads, Comm: rk.comm()})
	if err != nil {
		return err
	}
	build := time.Since(t0).Seconds()
	defer net.Close()
	steps := network.StepsFor(s.Duration(), s.Dt())
	var mons []network.Monitor
	var rec *monitor.Recording
	if out != nil {
		if rec, err = openRecording(c, out, name, net); err != nil {
			return err
		}
		mons = append(mons, rec.Monitors()...)
	}
	bar := newProgress(c, net, steps)
	if rk.rank() > 0 {
		bar = nil // rank 0's shows the run's progress
	}
	if bar != nil {
		mons = append(mons, bar)
	}
	if prof != nil {
		if err := pprof.StartCPUProfile(prof); err != nil {
			prof.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	r, runErr := net.RunSteps(c.Context, steps, mons...)
	if prof != nil {
		pprof.StopCPUProfile()
		if err := prof.Close(); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("--cpuprofile: %w", err))
		}
		prof = nil
	}
	bar.finish()
	if rec != nil {
		if err := rec.Close(r.Interrupted || runErr != nil); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("--out %s: %w", out.dir, err))
		}
	}
	if runErr != nil {
		return runErr
	}
	if err := printSummary(rk.writer(c.App.Writer), c, name, r, net, build); err != nil {
		return err
	}
	if rec != nil {
		if err := writeSummary(rec.Dir(), newSummary(name, r, net, build)); err != nil {
			return fmt.Errorf("--out %s: writing %s: %w", out.dir, traces.SummaryFile, err)
		}
	}
	if r.Interrupted {
		ie := &interruptedError{last: net.Step() - 1}
		ie.tMS = float64(ie.last) * net.Dt()
		if rec != nil {
			ie.traces, ie.spikes = rec.Dir(), rec.RecordsSpikes()
		}
		return ie
	}
	return nil
}
