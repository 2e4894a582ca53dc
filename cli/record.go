package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

// recordFlags are the trace flags of run and bench.
func recordFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Usage: "record traces (Parquet) and the summary into `DIR`: the spec's [[monitor]] tables, or every spike when it has none"},
		&cli.BoolFlag{Name: "force", Usage: "with --out: replace the run already in DIR (or the run of the same --run-id)"},
		&cli.BoolFlag{Name: "partition", Usage: "with --out: hive-partitioned layout DIR/run=ID/..., so that a sweep of runs in one DIR reads as one data set"},
		&cli.StringFlag{Name: "run-id", Usage: "with --out: the run's `ID` in the partitioned layout (letters, digits, - _ . + @; implies --partition; default: start time and seed)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"},
		&cli.StringFlag{Name: "cpuprofile", Usage: "write a Go CPU profile of the run loop (not the build) to `FILE` (go tool pprof); an existing FILE is refused"},
	}
}

// outConfig is the resolved --out, --force, --partition and --run-id.
type outConfig struct {
	dir       string
	force     bool
	partition bool
	runID     string
	start     time.Time
}

// parseOut reads the trace flags and checks, before anything is built, that
// the directory may receive the run (traces.Check): without --force an
// existing run is never touched (exit status 2).
func parseOut(c *cli.Context, s *spec.Spec) (*outConfig, error) {
	dir := c.String("out")
	if dir == "" {
		for _, f := range []string{"force", "partition", "run-id"} {
			if c.IsSet(f) {
				return nil, badInput("--%s needs --out DIR", f)
			}
		}
		return nil, nil
	}
	o := &outConfig{dir: dir, force: c.Bool("force"), partition: c.Bool("partition") || c.IsSet("run-id"),
		runID: c.String("run-id"), start: time.Now().UTC()}
	if o.partition {
		if o.runID == "" {
			o.runID = traces.DefaultRunID(o.start, s.SeedValue())
		}
		if err := traces.ValidRunID(o.runID); err != nil {
			return nil, badInput("--run-id %q: %v", o.runID, strings.TrimPrefix(err.Error(), "traces: "))
		}
		for _, p := range s.Populations {
			if err := traces.ValidRunID(p.Name); err != nil {
				return nil, badInput("--partition: population name %q cannot name a directory population=%s; partitioned runs need names of letters, digits and - _ . + @", p.Name, p.Name)
			}
		}
	}
	if err := traces.Check(dir, traces.Options{Partition: o.partition, RunID: o.runID, Force: o.force}); err != nil {
		hint := ""
		if rd, rerr := traces.RunDir(dir); rerr == nil {
			if _, serr := os.Stat(filepath.Join(rd, traces.CheckpointFile)); serr == nil {
				if m, merr := traces.ReadManifest(rd); merr == nil && m.Status != traces.StatusComplete {
					hint = fmt.Sprintf("; its run stopped (status %s) after a checkpoint: continue it with dalesim run --resume %s", m.Status, dir)
				}
			}
		}
		return nil, badInput("--out %s: %v%s", dir, strings.TrimPrefix(err.Error(), "traces: "), hint)
	}
	return o, nil
}

// dirOrEmpty returns --out, or "" without it.
func (o *outConfig) dirOrEmpty() string {
	if o == nil {
		return ""
	}
	return o.dir
}

// openRecording creates the run directory and its trace files (in parts
// that Recording.Roll closes when parts is set).
func openRecording(c *cli.Context, o *outConfig, name string, net *network.Network, parts bool) (*monitor.Recording, error) {
	extra := map[string]string{"dalesim.name": name, "dalesim.command": commandLine(c)}
	rec, err := monitor.Open(o.dir, net, monitor.Options{
		Version: Version, Force: o.force, Partition: o.partition, RunID: o.runID, Start: o.start, Extra: extra,
		PartRolling: parts,
	})
	if err != nil {
		if spec.IsError(err) {
			return nil, err
		}
		return nil, fmt.Errorf("--out %s: %w", o.dir, err)
	}
	return rec, nil
}

// commandLine is the command as typed (program name, command, its arguments).
func commandLine(c *cli.Context) string {
	args := append([]string{"dalesim", c.Command.Name}, c.Args().Slice()...)
	var flags []string
	for _, n := range c.FlagNames() {
		if c.IsSet(n) {
			flags = append(flags, "--"+n+"="+fmt.Sprint(c.Value(n)))
		}
	}
	slices.Sort(flags)
	return strings.Join(append(args[:2], append(flags, args[2:]...)...), " ")
}

// writeSummary saves the run summary (the --json object) as DIR/summary.json.
func writeSummary(dir string, s summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, traces.SummaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, traces.SummaryFile))
}

// interruptedError reports a run stopped by SIGINT or SIGTERM (exit status 130).
type interruptedError struct {
	last   int64   // last step simulated, -1 if none
	tMS    float64 // its time
	traces string  // run directory, "" without --out
	spikes bool    // the traces hold the spikes
}

func (e *interruptedError) Error() string {
	var b strings.Builder
	if e.last < 0 {
		b.WriteString("interrupted before the first step")
	} else {
		fmt.Fprintf(&b, "interrupted at step %d (t = %g ms)", e.last, e.tMS)
	}
	if e.traces != "" {
		what := "every spike"
		if !e.spikes {
			what = "every row recorded"
		}
		if e.last < 0 {
			fmt.Fprintf(&b, "; traces in %s are valid and empty", e.traces)
		} else {
			fmt.Fprintf(&b, "; traces in %s hold %s up to that step", e.traces, what)
		}
	}
	return b.String()
}

func (e *interruptedError) Is(target error) bool { return target == errInterrupted }
