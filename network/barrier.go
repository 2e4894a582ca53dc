// The barrier at which the threaded engine's workers meet.

package network

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// barrier is a reusable barrier for a fixed number of goroutines. A waiter
// spins on the generation counter for up to spinTime (when there is a
// processor for every goroutine), then yields its processor a few times,
// then sleeps on a condition variable, so that idle workers (between runs,
// while worker 0 steps alone, or while the caller records or learns between
// steps) cost nothing.
type barrier struct {
	parties  int32         // the number of goroutines that meet
	spin     time.Duration // how long a waiter spins before yielding (spinTime)
	_        [64]byte
	count    atomic.Int32 // arrivals in this generation
	_        [60]byte
	gen      atomic.Uint32 // generation: incremented by the last arrival, which releases the waiters
	_        [60]byte
	sleepers atomic.Int32 // waiters asleep on cond (the last arrival wakes them only if any)
	mu       sync.Mutex
	cond     sync.Cond // on mu
}

// spinTime bounds a barrier's spinning. The usual wait is a few µs (a
// worker's lead over another in a step), but waking a goroutine that went to
// sleep took 0.1-1 ms on the machines measured, and each sleep makes the
// sleeper late for the next barrier, where its partner may then sleep in
// turn: with a limit of 50 µs the workers slept about 1000 times per
// simulated second of Brunel's network and it ran 20-25 % slower with 2
// threads than with a limit of 1 ms or more (no sleeps at all). Idle workers
// stop spinning after this.
const spinTime = 2 * time.Millisecond

// barrierYields is the number of runtime.Gosched calls between spinning
// and sleeping.
const barrierYields = 20

func newBarrier(n int) *barrier {
	b := &barrier{parties: int32(n), spin: spinTime}
	b.cond.L = &b.mu
	return b
}

// wait blocks until all b.parties goroutines have called wait (or arrive).
// Everything a goroutine wrote before its call happens before every
// goroutine's return.
func (b *barrier) wait() { b.await(b.arrive()) }

// arrive is the first half of wait: it counts the caller in and returns the
// generation to pass to await, without waiting for the others.
func (b *barrier) arrive() uint32 {
	g := b.gen.Load()
	if b.count.Add(1) == b.parties {
		b.count.Store(0)
		b.gen.Store(g + 1)
		if b.sleepers.Load() != 0 {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		}
	}
	return g
}

// await is the second half of wait: it blocks until every goroutine has
// arrived in generation g.
func (b *barrier) await(g uint32) {
	if b.gen.Load() != g {
		return
	}
	// With fewer processors than goroutines, a spinning waiter would hold
	// a processor that a goroutine it waits for needs.
	if b.spin > 0 && runtime.GOMAXPROCS(0) >= int(b.parties) {
		start := time.Now()
		for {
			for range 256 {
				if b.gen.Load() != g {
					return
				}
			}
			if time.Since(start) > b.spin {
				break
			}
		}
	}
	for range barrierYields {
		runtime.Gosched()
		if b.gen.Load() != g {
			return
		}
	}
	b.mu.Lock()
	b.sleepers.Add(1)
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.sleepers.Add(-1)
	b.mu.Unlock()
}
