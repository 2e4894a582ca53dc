package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one line of a Curves figure: at each X, the values measured
// (one per seed); the line goes through their means and a band spans mean
// ± one standard deviation.
type Series struct {
	Name   string
	X      []float64
	Values [][]float64 // Values[i]: the measurements at X[i]
}

// CurveOptions style a Curves figure.
type CurveOptions struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	YMin, YMax            float64 // both 0: automatic
	// LegendTop puts the legend at the top right, above the data (the
	// y range gets a quarter more room), for curves that fall to the right.
	LegendTop         bool
	WidthCm, HeightCm float64 // 0: 16 x 10
	DPI               int     // 0: 150
}

// palette holds the colours of successive series.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 255}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 255},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 255}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 255},
}

// Curves draws accuracy-style curves with spread bands into a PNG file.
func Curves(path string, series []Series, opt CurveOptions) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = opt.Title, opt.XLabel, opt.YLabel
	if opt.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if opt.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	for si, s := range series {
		c := palette[si%len(palette)]
		var line, lo, hi plotter.XYs
		for i, x := range s.X {
			if i >= len(s.Values) || len(s.Values[i]) == 0 || (opt.LogX && x <= 0) {
				continue
			}
			m, sd := meanSD(s.Values[i])
			if opt.LogY && m-sd <= 0 {
				continue
			}
			line = append(line, plotter.XY{X: x, Y: m})
			lo = append(lo, plotter.XY{X: x, Y: m - sd})
			hi = append(hi, plotter.XY{X: x, Y: m + sd})
		}
		if len(line) == 0 {
			continue
		}
		band := make(plotter.XYs, 0, 2*len(lo))
		band = append(band, lo...)
		for i := len(hi) - 1; i >= 0; i-- {
			band = append(band, hi[i])
		}
		if poly, err := plotter.NewPolygon(band); err == nil {
			r, g, b, _ := c.RGBA()
			poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 50}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return err
		}
		l.Color, pts.Color = c, c
		pts.Radius = vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	p.Legend.Top = opt.LegendTop
	p.Legend.Left = false
	if opt.YMin != 0 || opt.YMax != 0 {
		p.Y.Min, p.Y.Max = opt.YMin, opt.YMax
	}
	if opt.LegendTop {
		p.Y.Max += 0.25 * float64(len(series)) / 3 * (p.Y.Max - p.Y.Min)
	}
	return save(p, opt.WidthCm, opt.HeightCm, opt.DPI, path)
}

func save(p *plot.Plot, wcm, hcm float64, dpi int, path string) error {
	if wcm <= 0 {
		wcm = 16
	}
	if hcm <= 0 {
		hcm = 10
	}
	if dpi <= 0 {
		dpi = 150
	}
	return savePlot(p, vg.Length(wcm)*vg.Centimeter, vg.Length(hcm)*vg.Centimeter, dpi, path)
}

// meanSD returns the mean and the sample standard deviation (n-1; 0 for a
// single value) of v.
func meanSD(v []float64) (m, sd float64) {
	if len(v) < 2 {
		if len(v) == 0 {
			return math.NaN(), math.NaN()
		}
		return v[0], 0
	}
	return stat.MeanStdDev(v, nil)
}

// Matrix draws a matrix of values in [lo, hi] as a grid of shaded cells
// with the value written in each (forgetting and accuracy matrices):
// rows from top to bottom, columns from left to right.
func Matrix(path, title, rowLabel, colLabel string, rows, cols []string, m [][]float64, lo, hi float64) error {
	p := plot.New()
	p.Title.Text, p.Y.Label.Text, p.X.Label.Text = title, rowLabel, colLabel
	nr, nc := len(rows), len(cols)
	for i := range nr {
		for j := range nc {
			v := math.NaN()
			if i < len(m) && j < len(m[i]) {
				v = m[i][j]
			}
			y := float64(nr - 1 - i)
			cell := plotter.XYs{{X: float64(j), Y: y}, {X: float64(j + 1), Y: y}, {X: float64(j + 1), Y: y + 1}, {X: float64(j), Y: y + 1}}
			poly, err := plotter.NewPolygon(cell)
			if err != nil {
				return err
			}
			poly.Color = shade(v, lo, hi)
			poly.LineStyle.Width = vg.Points(0.5)
			p.Add(poly)
			if !math.IsNaN(v) {
				lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(j) + 0.5, Y: y + 0.5}}, Labels: []string{fmt.Sprintf("%.2f", v)}})
				if err == nil {
					lab.TextStyle[0].XAlign, lab.TextStyle[0].YAlign = -0.5, -0.5
					p.Add(lab)
				}
			}
		}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(nc), 0, float64(nr)
	var xt, yt []plot.Tick
	for j, c := range cols {
		xt = append(xt, plot.Tick{Value: float64(j) + 0.5, Label: c})
	}
	for i, r := range rows {
		yt = append(yt, plot.Tick{Value: float64(nr-1-i) + 0.5, Label: r})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	return save(p, 4+1.6*float64(nc), 3+1.2*float64(nr), 0, path)
}

// shade maps v in [lo, hi] from white to a dark blue (NaN: light grey).
func shade(v, lo, hi float64) color.Color {
	if math.IsNaN(v) {
		return color.RGBA{R: 230, G: 230, B: 230, A: 255}
	}
	f := 0.0
	if hi > lo {
		f = math.Min(math.Max((v-lo)/(hi-lo), 0), 1)
	}
	return color.RGBA{R: uint8(255 - 200*f), G: uint8(255 - 150*f), B: uint8(255 - 60*f), A: 255}
}

// Density is a reference probability density over log10 x drawn beside a
// histogram.
type Density struct {
	Name string
	// PDF is the density of log10 x at u = log10 x.
	PDF func(u float64) float64
}

// LogHistograms draws, one panel per sample, the histogram of log10 x of
// the positive values of each sample, as a density, with the reference
// densities on top (for example the lognormal EPSP amplitudes of Song et
// al. 2005, rescaled to each sample's median).
func LogHistograms(path string, names []string, samples [][]float64, refs [][]Density, bins int) error {
	if bins <= 0 {
		bins = 50
	}
	var plots []*plot.Plot
	for k, s := range samples {
		var u []float64
		for _, x := range s {
			if x > 0 {
				u = append(u, math.Log10(x))
			}
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s (n=%d positive)", names[k], len(u))
		p.X.Label.Text, p.Y.Label.Text = "log10 value", "density"
		if len(u) > 0 {
			sort.Float64s(u)
			lo, hi := u[0], u[len(u)-1]
			if hi <= lo {
				hi = lo + 1
			}
			addLine(p, stairs(u, lo, hi, bins), "sample", color.Black)
			if k < len(refs) {
				for ri, r := range refs[k] {
					var pts plotter.XYs
					for i := 0; i <= 200; i++ {
						x := lo + (hi-lo)*float64(i)/200
						pts = append(pts, plotter.XY{X: x, Y: r.PDF(x)})
					}
					addLine(p, pts, r.Name, palette[(ri+1)%len(palette)])
				}
			}
		}
		plots = append(plots, p)
	}
	return stack(plots, path)
}

// stack draws plots one above the other, 6 cm each, into a PNG file.
func stack(plots []*plot.Plot, path string) error {
	if len(plots) == 0 {
		return fmt.Errorf("plot: nothing to draw into %s", path)
	}
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		p.Y.Min = 0
		headroom(p)
		grid[i] = []*plot.Plot{p}
	}
	w, panelH := 16*vg.Centimeter, 6*vg.Centimeter
	c := vgimg.NewWith(vgimg.UseWH(w, panelH*vg.Length(len(plots))), vgimg.UseDPI(150))
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(grid, tiles, draw.New(c))
	for i := range grid {
		grid[i][0].Draw(canvases[i][0])
	}
	return writePNG(c, path)
}
