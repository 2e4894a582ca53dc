package learn

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"

	"dalesim/synapse"
)

// ReceptiveFields draws each target neuron's incoming weights from a
// projection whose source is a rows x cols image as a tile of a grid (white:
// the largest weight of that neuron; black: zero, a silent synapse), with a
// one-pixel border, and writes a PNG.
func ReceptiveFields(path string, p *synapse.Projection, rows, cols int) error {
	n := p.Target().Len()
	gridCols := int(math.Ceil(math.Sqrt(float64(n))))
	gridRows := (n + gridCols - 1) / gridCols
	const scale = 2
	tw, th := cols*scale+1, rows*scale+1
	img := image.NewGray(image.Rect(0, 0, gridCols*tw+1, gridRows*th+1))
	for i := range img.Pix {
		img.Pix[i] = 60
	}
	field := make([][]float32, n)
	for j := range field {
		field[j] = make([]float32, rows*cols)
	}
	for i := 0; i < p.Source().Len() && i < rows*cols; i++ {
		tg, first := p.Row(i)
		for k, j := range tg {
			field[j][i] = p.Weight(first + k)
		}
	}
	for j, f := range field {
		var mx float32
		for _, v := range f {
			mx = max(mx, v)
		}
		ox, oy := (j%gridCols)*tw+1, (j/gridCols)*th+1
		for y := 0; y < rows; y++ {
			for x := 0; x < cols; x++ {
				var g uint8
				if mx > 0 {
					g = uint8(255 * f[y*cols+x] / mx)
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.SetGray(ox+x*scale+dx, oy+y*scale+dy, color.Gray{Y: g})
					}
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
