package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"dalesim/network"
)

// progress is a Monitor that shows a progress bar with the simulated time
// and the speed (simulated seconds per wall second) on a terminal. It looks
// at the clock every progressEvery steps only, and draws nothing for runs
// that end within progressDelay.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	first int64
	total int64
	dt    float64
	t0    time.Time
	// throttle is the least time between two redraws.
	throttle time.Duration
	last     time.Time
}

const (
	progressEvery = 1000
	progressDelay = 500 * time.Millisecond
)

// newProgress returns the progress monitor of a run of steps steps, or nil
// when stderr is not a terminal or --quiet or --json is set.
func newProgress(c *cli.Context, net *network.Network, steps int64) *progress {
	if c.Bool("quiet") || c.Bool("json") || steps < 2*progressEvery {
		return nil
	}
	f, ok := c.App.ErrWriter.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: f, first: net.Step(), total: steps, dt: net.Dt(), t0: time.Now(), throttle: 100 * time.Millisecond}
}

// Tick is Observe: the bar needs only the step (so a run with a progress
// bar keeps the engine's pipelined schedule; see network.Ticker).
func (p *progress) Tick(step int64) { p.Observe(step, nil) }

// Observe updates the bar every progressEvery steps, at most every
// throttle.
func (p *progress) Observe(step int64, _ *network.Network) error {
	done := step + 1 - p.first
	if done%progressEvery != 0 {
		return nil
	}
	now := time.Now()
	el := now.Sub(p.t0)
	if p.bar == nil {
		if el < progressDelay {
			return nil
		}
		p.bar = progressbar.NewOptions64(p.total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	} else if now.Sub(p.last) < p.throttle && done != p.total {
		return nil
	}
	p.last = now
	sim, total := float64(done)*p.dt/1000, float64(p.total)*p.dt/1000
	speed := sim / el.Seconds()
	eta := (total - sim) / speed
	p.bar.Describe(fmt.Sprintf("t = %.3f of %.3g s, %.3g sim-s/s, %s left", sim, total, speed,
		time.Duration(eta*float64(time.Second)).Round(time.Second)))
	_ = p.bar.Set64(done)
	return nil
}

// finish removes the bar.
func (p *progress) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Clear()
		_ = p.bar.Exit()
		fmt.Fprint(p.w, "\r\033[K")
	}
}
