package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
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

var reRunID = regexp.MustCompile(`^[A-Za-z0-9_+@-][A-Za-z0-9_.+@-]{0,199}$`)

// parseOut reads the trace flags and checks, before anything is built, that
// the directory may receive the run: without --force an existing run is
// never touched (exit status 2).
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
			o.runID = o.start.Format("20060102T150405Z") + "-s" + strconv.FormatUint(s.SeedValue(), 10)
		}
		if !reRunID.MatchString(o.runID) {
			return nil, badInput("--run-id %q: use 1 to 200 letters, digits and - _ . + @ (not starting with a dot)", o.runID)
		}
		for _, p := range s.Populations {
			if !reRunID.MatchString(p.Name) {
				return nil, badInput("--partition: population name %q cannot name a directory population=%s; partitioned runs need names of letters, digits and - _ . + @", p.Name, p.Name)
			}
		}
	}
	return o, o.check()
}

// flatRunFiles are the files of a flat run (the traces' own and summary.json).
var flatRunFiles = []string{"run.json", "run.json.tmp", "spikes.parquet", "states.parquet", "weights.parquet", "rates.parquet", "summary.json"}

func (o *outConfig) check() error {
	st, err := os.Stat(o.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return badInput("--out %s: %v", o.dir, err)
	}
	if !st.IsDir() {
		return badInput("--out %s: not a directory", o.dir)
	}
	ents, err := os.ReadDir(o.dir)
	if err != nil {
		return badInput("--out %s: %v", o.dir, err)
	}
	var flat, other, runs []string
	for _, e := range ents {
		n := e.Name()
		switch {
		case e.IsDir() && strings.HasPrefix(n, "run="):
			runs = append(runs, n)
		case !e.IsDir() && slices.Contains(flatRunFiles, strings.TrimSuffix(n, ".inprogress")):
			flat = append(flat, n)
		case !e.IsDir() && (strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".parquet.inprogress")):
			other = append(other, n)
		}
	}
	if !o.partition {
		if len(runs) > 0 {
			return badInput("--out %s holds partitioned runs (%s): add --partition (and --run-id) to add a run to them, or choose another directory",
				o.dir, short(runs))
		}
		if len(flat)+len(other) > 0 && !o.force {
			return badInput("--out %s already holds a run (%s): nothing was written; pass --force to replace it, or choose another directory",
				o.dir, short(append(flat, other...)))
		}
		return nil
	}
	if len(flat) > 0 {
		return badInput("--out %s holds a flat (unpartitioned) run (%s): partitioned runs need a directory of their own", o.dir, short(flat))
	}
	base := filepath.Join(o.dir, "run="+o.runID)
	if ents, err := os.ReadDir(base); err == nil && len(ents) > 0 && !o.force {
		return badInput("--out %s already holds run %q (%s): nothing was written; pass --force to replace it, or choose another --run-id",
			o.dir, o.runID, base)
	}
	return nil
}

func short(names []string) string {
	slices.Sort(names)
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(", ... %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}

// openRecording creates the run directory and its trace files.
func openRecording(c *cli.Context, o *outConfig, name string, net *network.Network) (*monitor.Recording, error) {
	extra := map[string]string{"dalesim.name": name, "dalesim.command": commandLine(c)}
	rec, err := monitor.Open(o.dir, net, monitor.Options{
		Version: Version, Force: o.force, Partition: o.partition, RunID: o.runID, Start: o.start, Extra: extra,
	})
	if err != nil {
		if spec.IsError(err) {
			return nil, err
		}
		return nil, fmt.Errorf("--out %s: %w", o.dir, err)
	}
	if o.force {
		// summary.json belongs to the run being replaced.
		_ = os.Remove(filepath.Join(rec.Dir(), summaryFile))
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

const summaryFile = "summary.json"

// writeSummary saves the run summary (the --json object) as DIR/summary.json.
func writeSummary(dir string, s summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, summaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, summaryFile))
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
