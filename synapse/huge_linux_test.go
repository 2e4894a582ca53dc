//go:build linux

package synapse

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestMakeHuge checks that the memory of a large array from makeHuge is
// advised for transparent huge pages: its mapping carries the "hg" flag
// (VM_HUGEPAGE) in /proc/self/smaps.
// Whether the kernel then finds huge pages depends on its THP mode and on
// free memory, so the test logs AnonHugePages but does not require it.
func TestMakeHuge(t *testing.T) {
	big := makeHuge[int32](16 << 20) // 64 MiB
	for i := 0; i < len(big); i += 1024 {
		big[i] = int32(i)
	}
	// The middle of the array: madvise splits the mapping where the first
	// whole huge page starts.
	m, ok := mappingOf(t, uint64(uintptr(unsafe.Pointer(&big[len(big)/2]))))
	if !ok {
		t.Fatal("no mapping in /proc/self/smaps holds the array")
	}
	if !m.flags["hg"] {
		t.Errorf("the mapping of a 64 MiB array from makeHuge lacks VmFlags hg (MADV_HUGEPAGE): %v", m.flags)
	}
	t.Logf("AnonHugePages of that mapping: %d kB", m.anonHugeKB)
	if big[1024] != 1024 || big[len(big)-1024] != int32(len(big)-1024) {
		t.Fatal("array contents lost")
	}
}

type mapping struct {
	anonHugeKB int
	flags      map[string]bool
}

// mappingOf returns the smaps entry of the mapping that contains addr.
func mappingOf(t *testing.T, addr uint64) (mapping, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, found := false, false
	var m mapping
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		// A mapping's first line: "lo-hi perms offset dev inode [path]".
		if lo, hi, ok := strings.Cut(f[0], "-"); ok {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				if found {
					break
				}
				in = a <= addr && addr < b
				found = in
				continue
			}
		}
		if !in {
			continue
		}
		switch f[0] {
		case "AnonHugePages:":
			if len(f) > 1 {
				m.anonHugeKB, _ = strconv.Atoi(f[1])
			}
		case "VmFlags:":
			m.flags = map[string]bool{}
			for _, x := range f[1:] {
				m.flags[x] = true
			}
		}
	}
	return m, found
}
