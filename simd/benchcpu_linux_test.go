//go:build linux

package simd

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time consumed by the calling OS thread, in ns
// (the benchmarks lock the goroutine to its thread while timing).
func threadCPU() (int64, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return ts.Nano(), true
}
