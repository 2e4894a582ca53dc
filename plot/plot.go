package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"dalesim/analysis"
	"dalesim/traces"
)

// PlotOptions configures Plot. Zero values select the defaults.
type PlotOptions struct {
	FromMS     float64 // start of the plotted window
	ToMS       float64 // end; 0: the end of the run (the raster stops RasterMS after FromMS)
	RasterMS   float64 // raster length when ToMS is 0; default 1000 ms
	MaxNeurons int     // neurons per population in the raster (the first ones); default 200
	RateBinMS  float64 // bin of the rate computed from spikes when no rates table exists; default 5 ms
	ISIMaxMS   float64 // ISI histogram range; 0: the 99th percentile
	Bins       int     // histogram bins; default 60
	WidthCM    float64 // default 16
	HeightCM   float64 // default 10 (per projection panel for weights.png: 6)
	DPI        int     // default 150
	Overwrite  bool    // replace existing PNG files (otherwise Plot refuses)
}

func (o *PlotOptions) defaults() {
	def := func(x *float64, v float64) {
		if !(*x > 0) {
			*x = v
		}
	}
	def(&o.RasterMS, 1000)
	def(&o.RateBinMS, 5)
	def(&o.WidthCM, 16)
	def(&o.HeightCM, 10)
	if o.MaxNeurons <= 0 {
		o.MaxNeurons = 200
	}
	if o.Bins <= 0 {
		o.Bins = 60
	}
	if o.DPI <= 0 {
		o.DPI = 150
	}
}

// Plot draws the run in dir as PNG files in outDir and returns their paths:
// raster.png (spike raster, one colour per population), rate.png
// (population rate vs time, from the rates table or else from the spikes),
// isi.png (ISI distributions) and weights.png (histogram of log10 w of the
// last snapshot of each projection with the fitted lognormal density). A
// file is drawn only when the table it needs exists.
//
// weights.png leaves out the projections whose recorded weights (every
// synapse in every snapshot) all have the same value, such as fixed weights
// shared by all synapses of a projection: their histogram would be a single
// bar. When every projection is constant, Plot draws no weights.png (and
// returns no path for it) rather than failing.
func Plot(dir, outDir string, opt PlotOptions) ([]string, error) {
	sp, err := traces.ReadSpikes(dir)
	if err != nil && !errors.Is(err, traces.ErrNoTable) {
		return nil, err
	}
	rates, err := traces.ReadRates(dir)
	if err != nil && !errors.Is(err, traces.ErrNoTable) {
		return nil, err
	}
	weights, err := traces.ReadWeights(dir)
	if err != nil && !errors.Is(err, traces.ErrNoTable) {
		return nil, err
	}
	return plotTables(sp, rates, weights, outDir, opt)
}

// PlotSpikes draws raster.png, rate.png (from the spikes) and isi.png of sp,
// from any source: a run or a recording (traces.ReadSpikeList, an NWB
// file's Units table).
func PlotSpikes(sp *traces.SpikeTable, outDir string, opt PlotOptions) ([]string, error) {
	return plotTables(sp, nil, nil, outDir, opt)
}

func plotTables(sp *traces.SpikeTable, rates *traces.RateTable, weights *traces.WeightTable, outDir string, opt PlotOptions) ([]string, error) {
	opt.defaults()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	var out []string
	save := func(name string, render func(path string) error) error {
		path := filepath.Join(outDir, name)
		if _, err := os.Stat(path); err == nil && !opt.Overwrite {
			return fmt.Errorf("traces: %s exists; pass --force (PlotOptions.Overwrite) to replace it or choose another directory", path)
		}
		if err := render(path); err != nil {
			return fmt.Errorf("traces: drawing %s: %w", path, err)
		}
		out = append(out, path)
		return nil
	}
	w, h := vg.Length(opt.WidthCM)*vg.Centimeter, vg.Length(opt.HeightCM)*vg.Centimeter
	if sp != nil {
		end := opt.ToMS
		if end <= 0 {
			end = sp.Meta.DurationMS()
			if end == 0 && sp.Len() > 0 {
				end = float64(sp.Step[sp.Len()-1]+1) * sp.Meta.DtMS
			}
		}
		rasterEnd := end
		if opt.ToMS <= 0 {
			rasterEnd = min(end, opt.FromMS+opt.RasterMS)
		}
		if err := save("raster.png", func(p string) error {
			return savePlot(rasterPlot(sp, opt.FromMS, rasterEnd, opt.MaxNeurons), w, h, opt.DPI, p)
		}); err != nil {
			return out, err
		}
		if rates == nil {
			if err := save("rate.png", func(p string) error {
				return savePlot(rateFromSpikes(sp, opt.FromMS, end, opt.RateBinMS), w, h, opt.DPI, p)
			}); err != nil {
				return out, err
			}
		}
		if err := save("isi.png", func(p string) error {
			pl, err := isiPlot(sp, opt.FromMS, end, opt.ISIMaxMS, opt.Bins)
			if err != nil {
				return err
			}
			return savePlot(pl, w, h, opt.DPI, p)
		}); err != nil {
			return out, err
		}
	}
	if rates != nil {
		if err := save("rate.png", func(p string) error {
			return savePlot(rateFromTable(rates, opt.FromMS, opt.ToMS), w, h, opt.DPI, p)
		}); err != nil {
			return out, err
		}
	}
	if weights != nil && weights.Len() > 0 {
		if vary := varying(weights); slices.Contains(vary, true) {
			if err := save("weights.png", func(p string) error {
				return weightsPlot(weights, vary, opt, p)
			}); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// popColor returns the colour of population i: reds for excitatory,
// blues for inhibitory, the plotutil palette otherwise.
func popColor(m traces.Meta, name string, i int) color.Color {
	reds := []color.RGBA{{200, 40, 40, 255}, {230, 120, 30, 255}, {150, 20, 90, 255}}
	blues := []color.RGBA{{30, 80, 200, 255}, {20, 150, 170, 255}, {90, 60, 180, 255}}
	e, in := 0, 0
	for _, p := range m.Populations {
		if p.Name == name {
			switch p.Identity {
			case traces.Excitatory:
				return reds[e%len(reds)]
			case traces.Inhibitory:
				return blues[in%len(blues)]
			}
			break
		}
		switch p.Identity {
		case traces.Excitatory:
			e++
		case traces.Inhibitory:
			in++
		}
	}
	pal := []color.RGBA{{0, 0, 0, 255}, {60, 150, 60, 255}, {140, 90, 40, 255}, {120, 120, 120, 255}}
	return pal[i%len(pal)]
}

func rasterPlot(sp *traces.SpikeTable, from, to float64, maxN int) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Spike raster"
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = fmt.Sprintf("population (first %d neurons each)", maxN)
	var ticks []plot.Tick
	offset := 0
	for pi, name := range sp.Populations {
		trains := analysis.SpikeTrains(sp, pi, from, to)
		n := min(len(trains), maxN)
		var pts plotter.XYs
		for i := 0; i < n; i++ {
			for _, t := range trains[i] {
				pts = append(pts, plotter.XY{X: t, Y: float64(offset + i)})
			}
		}
		if n > 0 {
			ticks = append(ticks, plot.Tick{Value: float64(offset) - 0.5},
				plot.Tick{Value: float64(offset) + float64(n)/2, Label: name})
		}
		offset += n
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			continue
		}
		s.GlyphStyle.Shape = draw.BoxGlyph{}
		s.GlyphStyle.Radius = vg.Points(0.6)
		s.GlyphStyle.Color = popColor(sp.Meta, name, pi)
		p.Add(s)
	}
	ticks = append(ticks, plot.Tick{Value: float64(offset) - 0.5})
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = from, to
	p.Y.Min, p.Y.Max = -0.5, float64(offset)-0.5
	return p
}

func rateFromSpikes(sp *traces.SpikeTable, from, to, bin float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Population rate (%g ms bins)", bin)
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "rate (Hz)"
	p.Legend.Top = true
	nb := analysis.NumBins(from, to, bin)
	for pi, name := range sp.Populations {
		counts := make([]float64, nb)
		size := 0
		for i := range sp.Step {
			if int(sp.Pop[i]) != pi {
				continue
			}
			size = max(size, int(sp.Neuron[i])+1)
			if k := analysis.BinIndex(sp.TimeMS(i), from, bin); k >= 0 && k < nb {
				counts[k]++
			}
		}
		if j := sp.Meta.PopulationIndex(name); j >= 0 {
			size = sp.Meta.Populations[j].Size
		}
		if size == 0 || nb == 0 {
			continue
		}
		pts := make(plotter.XYs, nb)
		for k := range counts {
			pts[k] = plotter.XY{X: from + (float64(k)+0.5)*bin, Y: counts[k] / float64(size) / (bin / 1000)}
		}
		addLine(p, pts, name, popColor(sp.Meta, name, pi))
	}
	p.Y.Min = 0
	headroom(p)
	return p
}

func rateFromTable(rt *traces.RateTable, from, to float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Population rate"
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "rate (Hz)"
	p.Legend.Top = true
	for pi, name := range rt.Populations {
		var pts plotter.XYs
		for i := range rt.Step {
			t := float64(rt.Step[i])*rt.Meta.DtMS + rt.BinMS[i]/2
			if int(rt.Pop[i]) == pi && t >= from && (to <= 0 || t < to) {
				pts = append(pts, plotter.XY{X: t, Y: float64(rt.RateHz[i])})
			}
		}
		if len(pts) > 0 {
			addLine(p, pts, name, popColor(rt.Meta, name, pi))
		}
	}
	p.Y.Min = 0
	headroom(p)
	return p
}

func addLine(p *plot.Plot, pts plotter.XYs, name string, c color.Color) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1)
	p.Add(l)
	p.Legend.Add(name, l)
}

// stairs turns a normalised histogram into a step line.
func stairs(values []float64, lo, hi float64, bins int) plotter.XYs {
	counts := make([]float64, bins)
	w := (hi - lo) / float64(bins)
	n := 0.0
	for _, v := range values {
		if v < lo || v > hi {
			continue
		}
		k := min(int((v-lo)/w), bins-1)
		counts[k]++
		n++
	}
	var pts plotter.XYs
	for k, c := range counts {
		d := 0.0
		if n > 0 {
			d = c / n / w
		}
		x0 := lo + float64(k)*w
		pts = append(pts, plotter.XY{X: x0, Y: d}, plotter.XY{X: x0 + w, Y: d})
	}
	return pts
}

func isiPlot(sp *traces.SpikeTable, from, to, maxMS float64, bins int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Inter-spike intervals"
	p.X.Label.Text = "ISI (ms)"
	p.Y.Label.Text = "density (1/ms)"
	p.Legend.Top = true
	all := make([][]float64, len(sp.Populations))
	var pooled []float64
	for pi := range sp.Populations {
		for _, tr := range analysis.SpikeTrains(sp, pi, from, to) {
			all[pi] = append(all[pi], analysis.ISIs(tr)...)
		}
		pooled = append(pooled, all[pi]...)
	}
	if len(pooled) == 0 {
		p.Title.Text += " (no neuron fired twice)"
		return p, nil
	}
	if maxMS <= 0 {
		slices.Sort(pooled)
		maxMS = stat.Quantile(0.99, stat.Empirical, pooled, nil)
		if maxMS <= 0 {
			maxMS = pooled[len(pooled)-1]
		}
	}
	for pi, name := range sp.Populations {
		if len(all[pi]) > 0 {
			addLine(p, stairs(all[pi], 0, maxMS, bins), fmt.Sprintf("%s (CV %s)", name, analysis.FormatStat(analysis.ISIStats(analysis.SpikeTrains(sp, pi, from, to)).CV)),
				popColor(sp.Meta, name, pi))
		}
	}
	p.X.Min, p.Y.Min = 0, 0
	headroom(p)
	return p, nil
}

// varying reports, for each projection of wt, whether its recorded weights
// (every synapse in every snapshot) take more than one value.
func varying(wt *traces.WeightTable) []bool {
	first := make([]float32, len(wt.Projections))
	seen := make([]bool, len(wt.Projections))
	vary := make([]bool, len(wt.Projections))
	for i, p := range wt.Proj {
		switch {
		case !seen[p]:
			seen[p], first[p] = true, wt.Weight[i]
		case wt.Weight[i] != first[p]:
			vary[p] = true
		}
	}
	return vary
}

// weightsPlot draws one panel per projection pi with vary[pi] set.
func weightsPlot(wt *traces.WeightTable, vary []bool, opt PlotOptions, path string) error {
	var plots [][]*plot.Plot
	for pi, name := range wt.Projections {
		if !vary[pi] {
			continue
		}
		ws, step, ok := wt.Snapshot(pi, math.MaxInt64)
		if !ok {
			continue
		}
		fit := analysis.FitWeights(ws)
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s weights at step %d (n=%d, %s zero)", name, step, fit.N, analysis.FormatPercent(fit.FracZero))
		p.X.Label.Text = "log10 weight"
		p.Y.Label.Text = "density"
		p.Legend.Top = true
		var logs []float64
		for _, w := range ws {
			if w > 0 {
				logs = append(logs, math.Log10(w))
			}
		}
		if len(logs) > 0 {
			lo, hi := slices.Min(logs), slices.Max(logs)
			if hi == lo {
				lo, hi = lo-0.5, hi+0.5
			}
			addLine(p, stairs(logs, lo, hi, opt.Bins), "positive weights", color.RGBA{60, 60, 60, 255})
			if !math.IsNaN(fit.LogMu) && fit.LogSigma > 0 {
				// ln w ~ N(mu, sigma) means log10 w ~ N(mu/ln 10, sigma/ln 10).
				nd := distuv.Normal{Mu: fit.LogMu / math.Ln10, Sigma: fit.LogSigma / math.Ln10}
				f := plotter.NewFunction(nd.Prob)
				f.Color = color.RGBA{200, 40, 40, 255}
				f.Width = vg.Points(1.5)
				f.XMin, f.XMax = lo, hi
				p.Add(f)
				p.Legend.Add(fmt.Sprintf("lognormal fit (KS p %s, best AIC: %s)", analysis.FormatStat(fit.KSP), analysis.OrDash(fit.Best)), f)
			}
		}
		p.Y.Min = 0
		headroom(p)
		plots = append(plots, []*plot.Plot{p})
	}
	if len(plots) == 0 {
		return errors.New("no weight snapshot")
	}
	w := vg.Length(opt.WidthCM) * vg.Centimeter
	panelH := vg.Length(min(opt.HeightCM, 6)) * vg.Centimeter
	c := vgimg.NewWith(vgimg.UseWH(w, panelH*vg.Length(len(plots))), vgimg.UseDPI(opt.DPI))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	return writePNG(c, path)
}

func savePlot(p *plot.Plot, w, h vg.Length, dpi int, path string) error {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	p.Draw(draw.New(c))
	return writePNG(c, path)
}

func writePNG(c *vgimg.Canvas, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// headroom raises the y range so that the legend (top right) does not cover
// the data.
func headroom(p *plot.Plot) {
	p.Y.Max = p.Y.Min + 1.35*(p.Y.Max-p.Y.Min)
}
