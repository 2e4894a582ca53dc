package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

// Runs that survive a kill: rolling trace parts (--part-every), network
// checkpoints at part boundaries (--checkpoint-every) and --resume.

// Checkpoint metadata keys written by run (network.SaveCheckpointFile's meta).
const (
	ckPart       = "traces.part"      // the trace part that begins at the checkpoint's step
	ckSpecSHA    = "spec.sha256"      // SHA-256 of the spec text recorded in run.json
	ckSpecFile   = "spec.file"        // the spec's path (absolute): anchors its relative file names
	ckEndStep    = "run.end_step"     // the step the run stops before
	ckPartEvery  = "run.part_every"   // steps between part boundaries (0: only at checkpoints)
	ckCkptEvery  = "run.ckpt_every"   // steps between checkpoints
	ckFirst      = "run.first_step"   // the first step of the run
	ckName       = "run.name"         // the run's name in the summary
	ckVersion    = "dalesim.version"  // Version of the binary that wrote the checkpoint
	ckRevision   = "dalesim.revision" // VCS revision of that binary ("" if unknown)
	ckCheckpoint = traces.CheckpointFile
)

func partEveryFlag() cli.Flag {
	return &cli.Float64Flag{Name: "part-every", Usage: "with --out: close the trace files every `MS` of simulated time and continue in new parts (part-0, part-1, ...), so that a run killed with SIGKILL loses at most MS of traces; 0: one file per table, or parts only at checkpoints with --checkpoint-every"}
}

func checkpointEveryFlag() cli.Flag {
	return &cli.Float64Flag{Name: "checkpoint-every", Usage: "with --out: save the network state to DIR/checkpoint.bin every `MS` of simulated time (atomically, where a trace part ends) so that --resume can continue the run after a kill"}
}

func resumeFlag() cli.Flag {
	return &cli.StringFlag{Name: "resume", Usage: "continue the run recorded in `DIR` (its --out) from its last checkpoint, with the spec it recorded: the spikes and spike checksum are those of a run never interrupted"}
}

// rollPlan is when a run rolls its trace parts and saves checkpoints.
type rollPlan struct {
	partEvery, ckptEvery int64 // steps; 0: never
}

// boundary returns the first step after step (exclusive) at which the plan
// rolls, or end.
func (p rollPlan) next(step, end int64) int64 {
	n := end
	for _, e := range []int64{p.partEvery, p.ckptEvery} {
		if e > 0 {
			n = min(n, (step/e+1)*e)
		}
	}
	return n
}

func (p rollPlan) rolls() bool { return p.partEvery > 0 || p.ckptEvery > 0 }

// parsePlan reads --part-every and --checkpoint-every.
func parsePlan(c *cli.Context, dt float64, out *outConfig) (rollPlan, error) {
	var p rollPlan
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"part-every", &p.partEvery}, {"checkpoint-every", &p.ckptEvery}} {
		if !c.IsSet(f.name) {
			continue
		}
		ms := c.Float64(f.name)
		if !(ms >= 0) || math.IsInf(ms, 0) {
			return p, badInput("--%s = %g: must be a number of ms >= 0", f.name, ms)
		}
		if out == nil {
			return p, badInput("--%s needs --out DIR", f.name)
		}
		if ms > 0 {
			*f.dst = max(network.StepsFor(ms, dt), 1)
		}
	}
	return p, nil
}

// specSHA is the hash of a spec text that a checkpoint is bound to.
func specSHA(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// revision is the VCS revision of this binary, if it was built with one.
func revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, mod string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			mod = s.Value
		}
	}
	if mod == "true" {
		rev += "+modified"
	}
	return rev
}

// runLoop runs net to end in segments that end where the plan rolls the
// trace parts (rec) and saves checkpoints; it returns the summary of the
// whole run (network.Result covers every step since the first, also those
// before a restored checkpoint).
func runLoop(ctx context.Context, net *network.Network, end int64, plan rollPlan, rec *monitor.Recording, ckMeta map[string]string, mons []network.Monitor) (*network.Result, error) {
	for {
		step := net.Step()
		next := plan.next(step, end)
		r, err := net.RunSteps(ctx, max(next-step, 0), mons...)
		if err != nil || r.Interrupted || net.Step() >= end {
			return r, err
		}
		if rec == nil || !plan.rolls() {
			continue
		}
		step = net.Step()
		if err := rec.Roll(); err != nil {
			return r, err
		}
		if plan.ckptEvery > 0 && step%plan.ckptEvery == 0 {
			ckMeta[ckPart] = strconv.Itoa(rec.Part())
			if _, err := net.SaveCheckpointFile(filepath.Join(rec.Dir(), ckCheckpoint), ckMeta); err != nil {
				return r, err
			}
		}
	}
}

// checkpointMeta is the metadata of the checkpoints of a run.
func checkpointMeta(name string, s *spec.Spec, specText string, end int64, plan rollPlan, first int64) map[string]string {
	file := s.File
	if abs, err := filepath.Abs(file); err == nil && file != "" {
		file = abs
	}
	return map[string]string{
		ckSpecSHA: specSHA(specText), ckSpecFile: file, ckEndStep: strconv.FormatInt(end, 10),
		ckPartEvery: strconv.FormatInt(plan.partEvery, 10), ckCkptEvery: strconv.FormatInt(plan.ckptEvery, 10),
		ckFirst: strconv.FormatInt(first, 10), ckName: name, ckVersion: Version, ckRevision: revision(),
	}
}

// resumeRun continues the run recorded in dir (--resume) from its last
// checkpoint.
func resumeRun(c *cli.Context, dir string) error {
	if c.NArg() != 0 {
		return badInput("--resume takes no SPEC argument (got %q): the run continues with the spec recorded in %s", c.Args().First(), dir)
	}
	for _, f := range []string{"duration", "seed", "dt", "out", "force", "partition", "run-id", "part-every", "checkpoint-every"} {
		if c.IsSet(f) {
			return badInput("--resume %s: --%s cannot be given: the run continues with the settings it recorded (only --simd, --threads, --json, --quiet and --cpuprofile may change)", dir, f)
		}
	}
	impl, threads, err := kernels(c)
	if err != nil {
		return err
	}
	runDir, err := traces.RunDir(dir)
	if err != nil {
		return badInput("--resume %s: %v", dir, err)
	}
	ckPath := filepath.Join(runDir, ckCheckpoint)
	if _, err := os.Stat(ckPath); err != nil {
		return badInput("--resume %s: no checkpoint (%s): the run was not started with --checkpoint-every, or was stopped before its first checkpoint; start it again", dir, ckPath)
	}
	m, err := traces.ReadManifest(runDir)
	if err != nil {
		return badInput("--resume %s: %v", dir, err)
	}
	if m.Status == traces.StatusComplete {
		return badInput("--resume %s: the run is complete (run.json status %q); nothing to resume", dir, m.Status)
	}
	ck, err := network.ReadCheckpointFile(ckPath)
	if err != nil {
		return badInput("--resume %s: %v", dir, err)
	}
	meta := ck.Meta
	if got := specSHA(m.Meta.Spec); got != meta[ckSpecSHA] {
		return badInput("--resume %s: %s: spec.sha256 = %.12s…, but the spec recorded in run.json hashes to %.12s… (rule: the spec must not change between the checkpoint and the resumed run)", dir, ckPath, meta[ckSpecSHA], got)
	}
	if meta[ckVersion] != Version || meta[ckRevision] != revision() {
		return badInput("--resume %s: %s: written by dalesim %s (revision %q), this is %s (revision %q) (rule: resume with the binary that wrote the checkpoint, whose arithmetic it assumes)",
			dir, ckPath, meta[ckVersion], meta[ckRevision], Version, revision())
	}
	ints := map[string]int64{}
	for _, k := range []string{ckPart, ckEndStep, ckPartEvery, ckCkptEvery, ckFirst} {
		v, err := strconv.ParseInt(meta[k], 10, 64)
		if err != nil || v < 0 {
			return badInput("--resume %s: %s: metadata %s = %q: must be an integer >= 0", dir, ckPath, k, meta[k])
		}
		ints[k] = v
	}
	s, err := spec.Parse([]byte(m.Meta.Spec), meta[ckSpecFile])
	if err != nil {
		return fmt.Errorf("--resume %s: the spec recorded in run.json: %w", dir, err)
	}
	end := network.StepsFor(s.Duration(), s.Dt())
	if end != ints[ckEndStep] {
		return badInput("--resume %s: %s: run.end_step = %d, but the recorded spec runs %d steps (rule: the spec must not change)", dir, ckPath, ints[ckEndStep], end)
	}
	if ck.Step > end {
		return badInput("--resume %s: %s: step = %d: beyond the run's end (%d steps)", dir, ckPath, ck.Step, end)
	}
	prof, err := createProfile(c)
	if err != nil {
		return err
	}
	defer discardProfile(&prof)
	t0 := time.Now()
	net, err := network.Build(s, network.Options{Kernels: impl, Threads: threads})
	if err != nil {
		return err
	}
	defer net.Close()
	if err := net.Restore(ck); err != nil {
		return badInput("--resume %s: %v", dir, err)
	}
	build := time.Since(t0).Seconds()
	rec, err := monitor.Resume(runDir, int(ints[ckPart]), ints[ckFirst], net, monitor.Options{Version: Version})
	if err != nil {
		if spec.IsError(err) {
			return err
		}
		return fmt.Errorf("--resume %s: %w", dir, err)
	}
	plan := rollPlan{partEvery: ints[ckPartEvery], ckptEvery: ints[ckCkptEvery]}
	name := meta[ckName]
	stderrf(c, "resuming %s at step %d of %d (t = %g ms), trace part %d\n", runDir, ck.Step, end, float64(ck.Step)*s.Dt(), ints[ckPart])
	st := runState{name: name, s: s, net: net, rec: rec, end: end, plan: plan, ckMeta: meta, build: build, prof: prof}
	prof = nil // execute owns it
	return execute(c, st)
}

// discardProfile removes the file of --cpuprofile when the run did not
// start (*prof is set to nil once execute owns it).
func discardProfile(prof **os.File) {
	if *prof != nil {
		(*prof).Close()
		os.Remove((*prof).Name())
	}
}

// runState is a built (or restored) run ready to execute.
type runState struct {
	rk     *ranks // nil: one process
	name   string
	s      *spec.Spec
	net    *network.Network
	rec    *monitor.Recording // nil without --out
	out    string             // --out as given, for messages
	end    int64              // the step to stop before
	plan   rollPlan
	ckMeta map[string]string
	build  float64
	prof   *os.File
}

// execute runs st to its end (or a signal), closes its traces and prints
// and saves the summary, as simulate describes.
func execute(c *cli.Context, st runState) error {
	net, rec, prof := st.net, st.rec, st.prof
	if prof != nil {
		defer func() {
			if prof != nil { // never started: remove the empty file
				prof.Close()
				os.Remove(prof.Name())
			}
		}()
	}
	outName := st.out
	if outName == "" && rec != nil {
		outName = rec.Dir()
	}
	var mons []network.Monitor
	if rec != nil {
		mons = append(mons, rec.Monitors()...)
	}
	bar := newProgress(c, net, st.end-net.Step())
	if st.rk.rank() > 0 {
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
	r, runErr := runLoop(c.Context, net, st.end, st.plan, rec, st.ckMeta, mons)
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
			runErr = errors.Join(runErr, fmt.Errorf("--out %s: %w", outName, err))
		}
	}
	if runErr != nil {
		return runErr
	}
	if err := printSummary(st.rk.writer(c.App.Writer), c, st.name, r, net, st.build); err != nil {
		return err
	}
	if rec != nil {
		if err := writeSummary(rec.Dir(), newSummary(st.name, r, net, st.build)); err != nil {
			return fmt.Errorf("--out %s: writing %s: %w", outName, traces.SummaryFile, err)
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
