package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"dalesim/network"
	"dalesim/simd"
	"dalesim/spec"
)

func simdFlag() cli.Flag {
	return &cli.StringFlag{Name: "simd", Value: "auto", EnvVars: []string{"DALESIM_SIMD"},
		Usage: "kernel implementation: auto, avx512, avx2 or generic"}
}

func threadsFlag() cli.Flag {
	return &cli.IntFlag{Name: "threads", Value: runtime.NumCPU(), EnvVars: []string{"DALESIM_THREADS"},
		Usage: "worker threads (results are identical for every value)"}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print the summary as one JSON object"}
}

func durationFlag(def string) cli.Flag {
	return &cli.Float64Flag{Name: "duration", Usage: "simulated time in ms (default: " + def + ")"}
}

func seedFlag() cli.Flag {
	return &cli.Int64Flag{Name: "seed", Usage: "random seed (default: the spec's)"}
}

func dtFlag() cli.Flag {
	return &cli.Float64Flag{Name: "dt", Usage: "time step in ms (default: the spec's)"}
}

// kernels resolves --simd and --threads.
func kernels(c *cli.Context) (*simd.Impl, int, error) {
	impl, err := simd.Lookup(c.String("simd"))
	if err != nil {
		return nil, 0, badInput("--simd %q: %v", c.String("simd"), err)
	}
	t := c.Int("threads")
	if t < 1 || t > 1024 {
		return nil, 0, badInput("--threads = %d: must be between 1 and 1024", t)
	}
	return impl, t, nil
}

// override applies --duration, --seed and --dt to a spec.
func override(c *cli.Context, s *spec.Spec) error {
	if c.IsSet("duration") {
		d := c.Float64("duration")
		if !(d >= 0) || math.IsInf(d, 0) {
			return badInput("--duration = %g: must be a number of ms >= 0", d)
		}
		s.DurationMS = &d
	}
	if c.IsSet("seed") {
		v := c.Int64("seed")
		if v < 0 {
			return badInput("--seed = %d: must be >= 0", v)
		}
		s.Seed = &v
	}
	if c.IsSet("dt") {
		v := c.Float64("dt")
		s.DtMS = &v
	}
	return s.Validate()
}

// summary is the JSON form of a run.
type summary struct {
	Name string `json:"name"`
	*network.Result
	BuildSeconds float64 `json:"build_seconds"`
	Synapses     int64   `json:"synapses"`
}

// newSummary returns the JSON summary of a run (printed by --json and saved
// as summary.json with --out).
func newSummary(name string, r *network.Result, net *network.Network, build float64) summary {
	var syn int64
	for _, p := range net.Projections() {
		syn += int64(p.Len())
	}
	return summary{Name: name, Result: r, BuildSeconds: build, Synapses: syn}
}

func printSummary(w io.Writer, c *cli.Context, name string, r *network.Result, net *network.Network, build float64) error {
	sum := newSummary(name, r, net, build)
	syn := sum.Synapses
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		return enc.Encode(sum)
	}
	fmt.Fprintf(w, "%s: %.3f s simulated in %.3f s (%.3f s per simulated second; build %.2f s), kernel %s, %d thread(s), seed %d\n",
		name, r.SimSeconds, r.WallSeconds, r.WallPerSimSecond, build, r.Kernel, r.Threads, r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "population\tneurons\trate (Hz)\tCV ISI\tsync (1 ms)\tspikes")
	for _, p := range r.Order() {
		pr := r.Populations[p]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%s\t%s\t%d\n", p, pr.N, pr.RateHz, num(pr.CVISI), num(pr.Synchrony), pr.Spikes)
	}
	tw.Flush()
	fmt.Fprintf(w, "synapses: %d; synaptic events: %d (%.3g per wall second)\n", syn, r.SynapticEvents, r.EventsPerSecond)
	fmt.Fprintf(w, "spike checksum: %s\n", r.SpikeChecksum)
	if r.Interrupted {
		fmt.Fprintf(w, "interrupted after %d steps\n", r.Steps)
	}
	return nil
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.3f", x)
}

func stderrf(c *cli.Context, format string, a ...any) {
	w := c.App.ErrWriter
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, format, a...)
}

var _ = strings.TrimSpace
