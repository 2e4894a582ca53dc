package sweep

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// RunFunc runs one point of the plan into its run directory. It should stop
// soon after ctx is cancelled, leaving the run's traces closed (interrupted).
type RunFunc func(ctx context.Context, pt Point) error

// ExecOptions configure Execute.
type ExecOptions struct {
	Jobs int       // runs at once (default 1)
	Run  RunFunc   // required
	Log  io.Writer // one line per run started and finished (nil: none)
}

// ExecResult counts what Execute did.
type ExecResult struct {
	Skipped, Ran, Failed, Interrupted int
	Wall                              time.Duration
}

// Execute runs the points of the plan whose runs are not complete (runs
// already complete are skipped; interrupted, incomplete and failed ones are
// redone by Run), Jobs at a time. When ctx is cancelled no further run starts,
// the running ones are left to stop, and Execute returns ctx's error.
func Execute(ctx context.Context, dir string, p *Plan, opt ExecOptions) (ExecResult, error) {
	t0 := time.Now()
	var res ExecResult
	jobs := max(opt.Jobs, 1)
	logf := func(format string, a ...any) {}
	var logMu sync.Mutex
	if opt.Log != nil {
		logf = func(format string, a ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	var todo []Point
	for _, st := range Scan(dir, p) {
		if st.Done() {
			res.Skipped++
			continue
		}
		todo = append(todo, st.Point)
	}
	logf("sweep: %d runs, %d complete, %d to run, %d at a time", len(p.Points), res.Skipped, len(todo), jobs)
	queue := make(chan Point)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pt := range queue {
				t := time.Now()
				logf("sweep: start %s (%d/%d)", pt.RunID, pt.Index+1, len(p.Points))
				err := opt.Run(ctx, pt)
				st := RunStatus(dir, pt)
				mu.Lock()
				switch {
				case st.Done():
					res.Ran++
				case ctx.Err() != nil:
					res.Interrupted++
				default:
					res.Failed++
				}
				mu.Unlock()
				switch {
				case st.Done():
					logf("sweep: done  %s in %.1f s", pt.RunID, time.Since(t).Seconds())
				case err != nil:
					logf("sweep: %s %s: %v", st.State, pt.RunID, err)
				default:
					logf("sweep: %s %s: %s", st.State, pt.RunID, st.Detail)
				}
			}
		}()
	}
dispatch:
	for _, pt := range todo {
		if ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
			break dispatch
		case queue <- pt:
		}
	}
	close(queue)
	wg.Wait()
	res.Wall = time.Since(t0)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}
