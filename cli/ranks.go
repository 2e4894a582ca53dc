package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"dalesim/internal/mpi"
	"dalesim/network"
	"dalesim/spec"
	"dalesim/traces"
)

// ranks is run's and bench's side of a network distributed over the ranks
// of mpirun (dalesim built with -tags mpi, started by mpirun with more than
// one rank): each rank builds and steps its part (see network.Comm), writes
// its traces into DIR/rank=<r>/ (the same layout: read DIR/**/*.parquet
// with hive partitioning for the whole run), and rank 0 alone prints the
// summary, whose spike counts and checksum are the whole network's. nil:
// one process.
type ranks struct{ c *mpi.Comm }

// openRanks initialises MPI when dalesim runs under mpirun with more than
// one rank; a dalesim built without MPI refuses to run there (each rank
// would simulate the whole network).
func openRanks() (*ranks, error) {
	if !mpi.Launched() {
		return nil, nil
	}
	c, err := mpi.Init()
	if err != nil {
		return nil, err
	}
	return &ranks{c}, nil
}

func (r *ranks) comm() network.Comm {
	if r == nil {
		return nil
	}
	return r.c
}

func (r *ranks) rank() int {
	if r == nil {
		return 0
	}
	return r.c.Rank()
}

// threads is the number of threads of each rank: --threads when it is set,
// else the CPUs shared among the ranks on this machine.
func (r *ranks) threads(c *cli.Context, t int) int {
	if r == nil || c.IsSet("threads") {
		return t
	}
	local, _ := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
	return max(1, runtime.NumCPU()/max(local, 1))
}

// writer is where this rank prints its summary: rank 0's is the run's.
func (r *ranks) writer(w io.Writer) io.Writer {
	if r.rank() > 0 {
		return io.Discard
	}
	return w
}

// outDir makes the trace directory this rank's: DIR/rank=<r>. Only spikes
// are recorded over ranks: a state, weights or rate monitor would record
// only the rank's part in a table of another shape (not done yet).
func (r *ranks) outDir(o *outConfig, s *spec.Spec) error {
	if r == nil || o == nil {
		return nil
	}
	for _, m := range s.Monitors {
		if m.Kind != "spikes" {
			return badInput("--out under mpirun: a %s monitor is not supported over MPI ranks yet (spikes monitors are)", m.Kind)
		}
	}
	dir := o.dir
	o.dir = filepath.Join(dir, fmt.Sprintf("rank=%d", r.rank()))
	if err := traces.Check(o.dir, traces.Options{Partition: o.partition, RunID: o.runID, Force: o.force}); err != nil {
		return badInput("--out %s: %v", dir, strings.TrimPrefix(err.Error(), "traces: "))
	}
	return nil
}

// finish ends MPI after a run that every rank completed (or that every rank
// stopped on a signal); after an error it leaves MPI as it is: the process
// exits with the error and mpirun ends the other ranks.
func (r *ranks) finish(err error) error {
	if r == nil || (err != nil && !errors.Is(err, errInterrupted)) {
		return err
	}
	if ferr := r.c.Finalize(); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}
