// Command plot draws the curves of the scaling study (bench/scaling/run.sh)
// from its CSV into PNG files:
//
//	go run ./bench/scaling/plot bench/scaling/results-DATE.csv docs/scaling
//
// time.png (seconds per simulated second), events.png (synaptic events per
// wall second, dalesim and the plain-C scatter), memory.png (peak RSS and
// dalesim's estimate) and build.png (millions of synapses built per second).
package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"dalesim/plot"
)

type row struct {
	model                            string
	neurons, threads                 int
	synapses, sPerSim, events, build float64
	estimate, rss, cConst            float64
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: plot RESULTS.csv OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		return err
	}
	if len(recs) < 2 {
		return fmt.Errorf("%s: no rows", in)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []row
	for _, rec := range recs[1:] {
		num := func(name string) float64 {
			v, err := strconv.ParseFloat(rec[col[name]], 64)
			if err != nil {
				return 0
			}
			return v
		}
		rows = append(rows, row{model: rec[col["model"]], neurons: int(num("neurons")), threads: int(num("threads")),
			synapses: num("synapses"), sPerSim: num("s_per_sim_s"), events: num("events_per_s"), build: num("build_s"),
			estimate: num("estimate_bytes"), rss: num("peak_rss_bytes"), cConst: num("c_constant_events_per_s")})
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// series collects y(x) of the rows of one model and thread count.
	series := func(name, model string, threads int, x, y func(row) float64) plot.Series {
		s := plot.Series{Name: name}
		for _, r := range rows {
			if r.model == model && (threads == 0 || r.threads == threads) {
				s.X = append(s.X, x(r))
				s.Values = append(s.Values, []float64{y(r)})
			}
		}
		return s
	}
	neurons := func(r row) float64 { return float64(r.neurons) }
	synapses := func(r row) float64 { return r.synapses }
	figs := []struct {
		file   string
		opt    plot.CurveOptions
		series []plot.Series
	}{
		{"time.png", plot.CurveOptions{Title: "Seconds per simulated second", XLabel: "neurons", YLabel: "s / simulated s", LogX: true, LogY: true},
			[]plot.Series{
				series("Brunel A, 1 thread", "brunel", 1, neurons, func(r row) float64 { return r.sPerSim }),
				series("Brunel A, 2 threads", "brunel", 2, neurons, func(r row) float64 { return r.sPerSim }),
				series("COBA, 1 thread", "coba", 1, neurons, func(r row) float64 { return r.sPerSim }),
				series("COBA, 2 threads", "coba", 2, neurons, func(r row) float64 { return r.sPerSim }),
			}},
		{"events.png", plot.CurveOptions{Title: "Synaptic events per wall second", XLabel: "synapses", YLabel: "events / s", LogX: true, LogY: true},
			[]plot.Series{
				series("Brunel A, dalesim 1 thread", "brunel", 1, synapses, func(r row) float64 { return r.events }),
				series("Brunel A, dalesim 2 threads", "brunel", 2, synapses, func(r row) float64 { return r.events }),
				series("Brunel A, C scatter alone", "brunel", 1, synapses, func(r row) float64 { return r.cConst }),
				series("COBA, dalesim 1 thread", "coba", 1, synapses, func(r row) float64 { return r.events }),
				series("COBA, C scatter alone", "coba", 1, synapses, func(r row) float64 { return r.cConst }),
			}},
		{"memory.png", plot.CurveOptions{Title: "Memory (1 thread)", XLabel: "synapses", YLabel: "GiB", LogX: true, LogY: true},
			[]plot.Series{
				series("Brunel A, peak RSS", "brunel", 1, synapses, func(r row) float64 { return r.rss / (1 << 30) }),
				series("Brunel A, estimate", "brunel", 1, synapses, func(r row) float64 { return r.estimate / (1 << 30) }),
				series("COBA, peak RSS", "coba", 1, synapses, func(r row) float64 { return r.rss / (1 << 30) }),
				series("COBA, estimate", "coba", 1, synapses, func(r row) float64 { return r.estimate / (1 << 30) }),
			}},
		{"build.png", plot.CurveOptions{Title: "Build speed", XLabel: "synapses", YLabel: "million synapses built / s", LogX: true, LegendTop: true},
			[]plot.Series{
				series("Brunel A, 1 thread", "brunel", 1, synapses, func(r row) float64 { return r.synapses / r.build / 1e6 }),
				series("Brunel A, 2 threads", "brunel", 2, synapses, func(r row) float64 { return r.synapses / r.build / 1e6 }),
				series("COBA, 1 thread", "coba", 1, synapses, func(r row) float64 { return r.synapses / r.build / 1e6 }),
				series("COBA, 2 threads", "coba", 2, synapses, func(r row) float64 { return r.synapses / r.build / 1e6 }),
			}},
	}
	for _, fg := range figs {
		if err := plot.Curves(filepath.Join(out, fg.file), fg.series, fg.opt); err != nil {
			return fmt.Errorf("%s: %v", fg.file, err)
		}
	}
	return nil
}
