package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRunnerGoOrder runs groups on three workers that finish in reverse
// order: the results keep the order in which the groups were started, and
// a second runner on the same directory reuses every unit.
func TestRunnerGoOrder(t *testing.T) {
	dir := t.TempDir()
	run := func(jobs int) ([]Result, int) {
		r, err := NewRunner(dir, "order", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Jobs = jobs
		calls := 0
		for g := range 6 {
			r.Go(func(do DoFunc) error {
				for u := range 2 {
					id := fmt.Sprintf("g%d/u%d", g, u)
					if _, err := do(id, func() ([]Result, error) {
						time.Sleep(time.Duration(6-g) * time.Millisecond)
						return []Result{{Model: id, Value: float64(10*g + u)}}, nil
					}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		r.Do("last", func() ([]Result, error) { calls++; return []Result{{Model: "last", Value: 99}}, nil })
		if err := r.Wait(); err != nil {
			t.Fatal(err)
		}
		return r.Results(), r.reused
	}
	got, reused := run(3)
	var want []float64
	for g := range 6 {
		want = append(want, float64(10*g), float64(10*g+1))
	}
	want = append(want, 99)
	var vals []float64
	for _, r := range got {
		vals = append(vals, r.Value)
	}
	if !slices.Equal(vals, want) || reused != 0 {
		t.Fatalf("values %v (reused %d): want %v (0)", vals, reused, want)
	}
	again, reused := run(1)
	if !slices.Equal(again, got) || reused != 13 {
		t.Fatalf("resumed run: reused %d of 13 units, results equal %v", reused, slices.Equal(again, got))
	}
}

// TestRunnerGoError: a failing group is reported by Wait, no group starts
// after it, and the units finished before it are kept on disk.
func TestRunnerGoError(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRunner(dir, "fail", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	ran := 0
	for g := range 4 {
		r.Go(func(do DoFunc) error {
			ran++
			_, err := do(fmt.Sprintf("u%d", g), func() ([]Result, error) {
				if g == 1 {
					return nil, boom
				}
				return []Result{{Value: float64(g)}}, nil
			})
			return err
		})
	}
	if err := r.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait: %v, want %v", err, boom)
	}
	if ran != 2 {
		t.Fatalf("%d groups ran: want 2 (none after the failure)", ran)
	}
	if _, err := os.Stat(filepath.Join(dir, "units", "u0.json")); err != nil {
		t.Fatalf("finished unit not kept: %v", err)
	}
}
