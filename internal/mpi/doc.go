// Package mpi is dalesim's binding to MPI (Open MPI through cgo), built only
// with the build tag mpi: `go build -tags mpi` needs Debian's libopenmpi-dev
// (and pkg-config); `mpirun` comes with openmpi-bin. Without the tag the
// package is a stub whose Init fails, and dalesim stays pure Go.
//
// Every MPI call is made on one goroutine locked to its OS thread (MPI is
// initialised with MPI_THREAD_FUNNELED), so the callers may be any
// goroutines. MPI_COMM_WORLD gets the MPI_ERRORS_RETURN handler: a failed
// call returns an error instead of aborting the job. A collective that waits
// longer than the timeout (a rank has died or hangs) fails with an error;
// the call itself cannot be cancelled, so the process must then end without
// Finalize (the caller closes what it can and exits; mpirun then ends the
// other ranks).
package mpi

import (
	"os"
	"strconv"
	"time"
)

// DefaultTimeout is how long a collective waits for the other ranks before
// it fails; the environment variable DALESIM_MPI_TIMEOUT (seconds, 0: no
// limit) overrides it.
const DefaultTimeout = 120 * time.Second

// Timeout returns the collective timeout in force.
func Timeout() time.Duration {
	if v := os.Getenv("DALESIM_MPI_TIMEOUT"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
	}
	return DefaultTimeout
}

// Launched reports whether this process was started by mpirun with more
// than one rank (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE).
func Launched() bool {
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 1 {
			return true
		}
	}
	return false
}
