package simd

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

func TestDispatch(t *testing.T) {
	names := Implementations()
	if len(names) == 0 || names[len(names)-1] != "generic" {
		t.Fatalf("Implementations() = %v: generic must be last", names)
	}
	if Active() != names[0] && Active() != "generic" {
		t.Errorf("Active() = %q, want the fastest %q (or a prior Select)", Active(), names[0])
	}
	want := []string{"generic"}
	if asmBuild && cpuid.CPU.Supports(cpuid.AVX2) {
		want = append([]string{"avx2"}, want...)
		if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.POPCNT) {
			want = append([]string{"avx512"}, want...)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("Implementations() = %v, want %v on this CPU and build", names, want)
	}

	prev := Active()
	defer Select(prev)
	for _, name := range names {
		if err := Select(" " + strings.ToUpper(name) + " "); err != nil {
			t.Errorf("Select(%q): %v", name, err)
		}
		if Active() != name || Current().Name != name {
			t.Errorf("after Select(%q): Active() = %q, Current().Name = %q", name, Active(), Current().Name)
		}
		m, err := Lookup(name)
		if err != nil || m.Name != name {
			t.Errorf("Lookup(%q) = %v, %v", name, m, err)
		}
	}
	for _, auto := range []string{"", "auto"} {
		if m, err := Lookup(auto); err != nil || m.Name != names[0] {
			t.Errorf("Lookup(%q) = %v, %v; want %q", auto, m, err, names[0])
		}
	}
	// A known implementation this CPU lacks, and an unknown name: errors,
	// and the active implementation does not change.
	if err := Select(names[0]); err != nil {
		t.Fatal(err)
	}
	for _, name := range known {
		if slices.Contains(names, name) {
			continue
		}
		if _, err := Lookup(name); err == nil || !strings.Contains(err.Error(), "not available") {
			t.Errorf("Lookup(%q) on a CPU without it: err = %v", name, err)
		}
		if err := Select(name); err == nil || Active() != names[0] {
			t.Errorf("Select(%q) on a CPU without it: err = %v, active %q", name, err, Active())
		}
	}
	if err := Select("sse9"); err == nil || !strings.Contains(err.Error(), "unknown") || Active() != names[0] {
		t.Errorf("Select(sse9): err = %v, active %q", err, Active())
	}
	// Every registered implementation has every kernel.
	for _, m := range append(impls[:len(impls):len(impls)], experimental...) {
		if m.Cuba == nil || m.Coba == nil || m.Delta == nil || m.PoissonDrive == nil || m.PoissonSpikes == nil ||
			m.ScatterAdd == nil || m.ScatterAddConst == nil || m.Decay == nil || m.HebbRow == nil {
			t.Errorf("%s: missing kernel", m.Name)
		}
		// ReferenceScatter is true exactly when both scatter kernels are the
		// generic functions (package synapse then runs its own loop).
		ref := reflect.ValueOf(m.ScatterAdd).Pointer() == reflect.ValueOf(ScatterAddGeneric).Pointer() &&
			reflect.ValueOf(m.ScatterAddConst).Pointer() == reflect.ValueOf(ScatterAddConstGeneric).Pointer()
		if m.ReferenceScatter != ref {
			t.Errorf("%s: ReferenceScatter = %v, but the scatter kernels are the generic ones: %v", m.Name, m.ReferenceScatter, ref)
		}
	}
}

// TestNoAllocs: the kernels (and the Go wrappers around the assembly)
// allocate nothing.
func TestNoAllocs(t *testing.T) {
	s, c := benchLIF(1003, true, true)
	out := make([]int32, 1003)
	tab := []uint32{1 << 30, 1 << 31, 3 << 30}
	lut := PoissonLUT(tab)
	thr := make([]uint32, 1003)
	idx := []int32{1, 2, 2, 5, 9, 100}
	w := []float32{1, 2, 3, 4, 5, 6}
	for _, m := range append(impls[:len(impls):len(impls)], experimental...) {
		n := testing.AllocsPerRun(20, func() {
			m.Cuba(&c, &s, out, 0)
			m.Coba(&c, &s, out, 0)
			m.Delta(&c, &s, out, 0)
			m.PoissonDrive(1, 2, tab, lut, 0.5, s.InE)
			m.PoissonSpikes(1, 2, thr, out, 0)
			m.ScatterAdd(s.V, idx, w)
			m.ScatterAddConst(s.V, idx, 0.5)
			m.Decay(s.GE, 0.9)
			m.HebbRow(w, idx, s.V, 0.1, 0, 0.01, 1, true)
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per step", m.Name, n)
		}
	}
}
