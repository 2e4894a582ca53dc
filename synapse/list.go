package synapse

import (
	"fmt"
	"io"
	"math"

	"dalesim/internal/csvio"
)

// ReadPairs reads an explicit connection list: CSV with a header naming the
// columns pre,post and optionally weight (a magnitude >= 0) and delay_ms;
// lines starting with '#' are comments. Indices are checked against the
// populations when the projection is built.
func ReadPairs(r io.Reader) ([]Pair, error) {
	var out []Pair
	err := csvio.Table(r, []string{"pre", "post"}, []string{"weight", "delay_ms"}, func(v []float64, line int) error {
		pre, err := csvio.Index("pre", v[0])
		if err != nil {
			return err
		}
		post, err := csvio.Index("post", v[1])
		if err != nil {
			return err
		}
		if !math.IsNaN(v[2]) && v[2] < 0 {
			return fmt.Errorf("weight = %g: must be >= 0 (a magnitude; the sign comes from the source population)", v[2])
		}
		if !math.IsNaN(v[3]) && v[3] <= 0 {
			return fmt.Errorf("delay_ms = %g: must be > 0", v[3])
		}
		if len(out) >= MaxSynapses {
			return fmt.Errorf("more than %d connections", MaxSynapses)
		}
		out = append(out, Pair{Pre: pre, Post: post, Weight: v[2], DelayMS: v[3]})
		return nil
	})
	return out, err
}
