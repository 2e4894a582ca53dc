//go:build linux

package synapse

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks the kernel to back the 2 MiB pages that lie wholly inside
// s's memory with transparent huge pages (madvise MADV_HUGEPAGE: a hint,
// which matters where the THP mode is "madvise", Debian's and Ubuntu's
// default; "always" needs no hint and "never" ignores it). It does nothing
// for arrays under hugeMin. Call it right after allocating s, before
// anything touches it: a fresh large allocation is not yet backed by memory,
// so its pages are then huge from their first touch. Synapse arrays of
// gigabytes are read and written at random places (the placement of
// fixed_indegree at build time, the spiking rows at delivery); with 4 KiB
// pages nearly every such access also misses the TLB.
func adviseHuge[T any](s []T) {
	var z T
	n := uintptr(cap(s)) * unsafe.Sizeof(z)
	if n < hugeMin {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	skip := (hugePage - uintptr(p)%hugePage) % hugePage
	if n <= skip {
		return
	}
	if m := (n - skip) &^ (hugePage - 1); m > 0 {
		_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, skip)), m), syscall.MADV_HUGEPAGE) // a hint: an error changes nothing
	}
}
