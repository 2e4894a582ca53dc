package neuron

import (
	"fmt"
	"io"
	"math"

	"dalesim/internal/csvio"
)

// ReadSpikeTimes reads spike times for a spike source: CSV with a header
// naming the columns neuron,t_ms ('#' starts a comment), converted to steps
// of dt ms (a spike at t falls into step round(t/dt)).
func ReadSpikeTimes(r io.Reader, dt float64) ([]Event, error) {
	if !(dt > 0) {
		return nil, fmt.Errorf("dt_ms = %g: must be > 0", dt)
	}
	var out []Event
	err := csvio.Table(r, []string{"neuron", "t_ms"}, nil, func(v []float64, line int) error {
		n, err := csvio.Index("neuron", v[0])
		if err != nil {
			return err
		}
		if v[1] < 0 || v[1]/dt > 1<<53 {
			return fmt.Errorf("t_ms = %g: must be in [0, %g]", v[1], dt*(1<<53))
		}
		out = append(out, Event{Step: int64(math.Round(v[1] / dt)), Neuron: n})
		return nil
	})
	return out, err
}
