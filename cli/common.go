package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
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

func estimateFlag() cli.Flag {
	return &cli.BoolFlag{Name: "estimate", Usage: "print the memory estimate (synapses, bytes per synapse, neurons, peak) and exit without building the network"}
}

// printEstimate prints the memory estimate of a build of s on threads
// threads (--estimate).
func printEstimate(c *cli.Context, name string, s *spec.Spec, threads int, comm network.Comm) error {
	m := network.EstimateFor(s, network.Options{Threads: threads, Comm: comm})
	w := c.App.Writer
	if c.Bool("json") {
		return json.NewEncoder(w).Encode(map[string]any{
			"name": name, "threads": threads, "memory_estimate_bytes": int64(m.Total), "synapse_bytes": int64(m.Synapses),
			"synapses": int64(m.NumSynapses), "bytes_per_synapse": m.PerSynapse(), "neuron_bytes": int64(m.Neurons),
			"transient_bytes": int64(m.Transient)})
	}
	fmt.Fprintf(w, "%s: peak memory about %s with %d thread(s)\n", name, mib(int64(m.Total)), threads)
	fmt.Fprintf(w, "  synapses: %s for about %.4g synapses (%.2f bytes per synapse, row pointers included)\n",
		mib(int64(m.Synapses)), m.NumSynapses, m.PerSynapse())
	fmt.Fprintf(w, "  neurons:  %s (state, input rings, run statistics, worker buffers)\n", mib(int64(m.Neurons)))
	if m.Transient > 0 {
		fmt.Fprintf(w, "  build:    %s held for a while (connection lists)\n", mib(int64(m.Transient)))
	}
	return nil
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
	// Memory: the projections' arrays, per synapse, the estimate that the
	// build checked, and the process's peak resident set (0 where unknown).
	SynapseBytes    int64   `json:"synapse_bytes"`
	BytesPerSynapse float64 `json:"bytes_per_synapse"`
	MemoryEstimate  int64   `json:"memory_estimate_bytes"`
	PeakRSS         int64   `json:"peak_rss_bytes"`
}

// newSummary returns the JSON summary of a run (printed by --json and saved
// as summary.json with --out).
func newSummary(name string, r *network.Result, net *network.Network, build float64) summary {
	var syn int64
	for _, p := range net.Projections() {
		syn += int64(p.Len())
	}
	sum := summary{Name: name, Result: r, BuildSeconds: build, Synapses: syn,
		SynapseBytes: net.SynapseBytes(), MemoryEstimate: int64(net.MemoryEstimate().Total), PeakRSS: peakRSS()}
	if syn > 0 {
		sum.BytesPerSynapse = float64(sum.SynapseBytes) / float64(syn)
	}
	return sum
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
	fmt.Fprintf(w, "memory: synapses %s (%.2f bytes per synapse), estimate %s, peak RSS %s\n",
		mib(sum.SynapseBytes), sum.BytesPerSynapse, mib(sum.MemoryEstimate), mib(sum.PeakRSS))
	fmt.Fprintf(w, "spike checksum: %s\n", r.SpikeChecksum)
	if r.Interrupted {
		fmt.Fprintf(w, "interrupted after %d steps\n", r.Steps)
	}
	return nil
}

func mib(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM in
// /proc/self/status), or 0 where that is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
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
