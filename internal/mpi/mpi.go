//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>
#include <stdint.h>

static int dalesim_init(int *rank, int *size) {
	int provided, rc;
	rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
	if (rc != MPI_SUCCESS) return rc;
	return MPI_Comm_size(MPI_COMM_WORLD, size);
}

static int dalesim_counts(int n, int *counts) {
	return MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
}

static int dalesim_allgatherv(int32_t *send, int n, int32_t *recv, int *counts, int *displs) {
	return MPI_Allgatherv(send, n, MPI_INT32_T, recv, counts, displs, MPI_INT32_T, MPI_COMM_WORLD);
}

static int dalesim_finalize(void) { return MPI_Finalize(); }

static void dalesim_errstr(int rc, char *buf, int *len) {
	if (MPI_Error_string(rc, buf, len) != MPI_SUCCESS) *len = 0;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Available reports whether this build has MPI (built with -tags mpi).
const Available = true

// ErrNotBuilt is never returned in this build.
var ErrNotBuilt = errors.New("unused")

// Comm is MPI_COMM_WORLD. Its methods may be called from any goroutine,
// one at a time.
type Comm struct {
	rank, size int
	timeout    time.Duration
	calls      chan func()
	broken     atomic.Pointer[error] // set when a call failed or timed out: no more calls
	bytes      atomic.Int64
	finalized  sync.Once
}

var (
	initOnce sync.Once
	world    *Comm
	initErr  error
)

// Init initialises MPI (once per process) and returns MPI_COMM_WORLD.
func Init() (*Comm, error) {
	initOnce.Do(func() {
		c := &Comm{timeout: Timeout(), calls: make(chan func())}
		ready := make(chan error)
		go func() {
			runtime.LockOSThread() // every MPI call on this thread
			var rank, size C.int
			if rc := C.dalesim_init(&rank, &size); rc != C.MPI_SUCCESS {
				ready <- mpiError("MPI_Init_thread", rc)
				return
			}
			c.rank, c.size = int(rank), int(size)
			ready <- nil
			for f := range c.calls {
				f()
			}
		}()
		if initErr = <-ready; initErr == nil {
			world = c
		}
	})
	return world, initErr
}

func mpiError(what string, rc C.int) error {
	buf := make([]byte, C.MPI_MAX_ERROR_STRING)
	var n C.int
	C.dalesim_errstr(rc, (*C.char)(unsafe.Pointer(&buf[0])), &n)
	return fmt.Errorf("%s: MPI error %d: %s", what, int(rc), string(buf[:int(n)]))
}

// Rank returns this process's rank.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of ranks.
func (c *Comm) Size() int { return c.size }

// BytesExchanged returns the bytes this rank received in Allgather so far
// (its own buffers included).
func (c *Comm) BytesExchanged() int64 { return c.bytes.Load() }

// do runs f on the MPI thread and waits for it, for ctx or for the timeout.
// A call that does not end in time leaves the Comm broken: the MPI thread
// is still in it.
func (c *Comm) do(ctx context.Context, what string, f func() error) error {
	if p := c.broken.Load(); p != nil {
		return *p
	}
	done := make(chan error, 1)
	select {
	case c.calls <- func() { done <- f() }:
	case <-ctx.Done():
		return ctx.Err()
	}
	var timer <-chan time.Time
	if c.timeout > 0 {
		t := time.NewTimer(c.timeout)
		defer t.Stop()
		timer = t.C
	}
	var err error
	select {
	case err = <-done:
		if err == nil {
			return nil
		}
	case <-ctx.Done():
		err = fmt.Errorf("%s: %w", what, ctx.Err())
	case <-timer:
		err = fmt.Errorf("%s: no answer from every rank within %v (DALESIM_MPI_TIMEOUT): a rank has probably died", what, c.timeout)
	}
	c.broken.CompareAndSwap(nil, &err)
	return err
}

// Allgather implements network.Comm with MPI_Allgather of the lengths and
// MPI_Allgatherv of the buffers.
func (c *Comm) Allgather(ctx context.Context, local []int32) ([]int32, []int, error) {
	var all []int32
	var counts []int
	err := c.do(ctx, "spike exchange", func() error {
		cc := make([]C.int, c.size)
		if rc := C.dalesim_counts(C.int(len(local)), &cc[0]); rc != C.MPI_SUCCESS {
			return mpiError("MPI_Allgather", rc)
		}
		displs := make([]C.int, c.size)
		counts = make([]int, c.size)
		total := 0
		for r, n := range cc {
			displs[r] = C.int(total)
			counts[r] = int(n)
			total += int(n)
		}
		all = make([]int32, max(total, 1))
		send := local
		if len(send) == 0 {
			send = []int32{0}
		}
		// The buffers are Go memory without pointers, held by this closure
		// for the whole call.
		if rc := C.dalesim_allgatherv((*C.int32_t)(unsafe.Pointer(&send[0])), C.int(len(local)),
			(*C.int32_t)(unsafe.Pointer(&all[0])), &cc[0], &displs[0]); rc != C.MPI_SUCCESS {
			return mpiError("MPI_Allgatherv", rc)
		}
		all = all[:total]
		c.bytes.Add(4 * int64(total+c.size))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return all, counts, nil
}

// Finalize ends MPI (once); on a broken Comm it does nothing (the process
// should exit with an error: MPI_Finalize would wait for the dead rank).
func (c *Comm) Finalize() error {
	var err error
	c.finalized.Do(func() {
		if c.broken.Load() != nil {
			return
		}
		err = c.do(context.Background(), "MPI_Finalize", func() error {
			if rc := C.dalesim_finalize(); rc != C.MPI_SUCCESS {
				return mpiError("MPI_Finalize", rc)
			}
			return nil
		})
	})
	return err
}
