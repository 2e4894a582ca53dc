//go:build !mpi

package mpi

import (
	"context"
	"errors"
)

// Available reports whether this build has MPI (built with -tags mpi).
const Available = false

// ErrNotBuilt is Init's error in a build without the mpi tag.
var ErrNotBuilt = errors.New("this dalesim was built without MPI: build it with `go build -tags mpi` (needs libopenmpi-dev) to run one network over mpirun's ranks")

// Comm is MPI_COMM_WORLD (never made in this build).
type Comm struct{}

// Init fails: this build has no MPI.
func Init() (*Comm, error) { return nil, ErrNotBuilt }

// Rank returns 0.
func (c *Comm) Rank() int { return 0 }

// Size returns 1.
func (c *Comm) Size() int { return 1 }

// Allgather fails.
func (c *Comm) Allgather(context.Context, []int32) ([]int32, []int, error) {
	return nil, nil, ErrNotBuilt
}

// BytesExchanged returns 0.
func (c *Comm) BytesExchanged() int64 { return 0 }

// Finalize does nothing.
func (c *Comm) Finalize() error { return nil }
