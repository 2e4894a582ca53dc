package experiment

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDrawTriplets(t *testing.T) {
	a := drawTriplets(10, 2015)
	if len(a) != 10 {
		t.Fatalf("%d triplets: want 10", len(a))
	}
	for i, tr := range a {
		if len(tr) != 3 || !slices.IsSorted(tr) || tr[0] == tr[1] || tr[1] == tr[2] || tr[0] < 0 || tr[2] > 9 {
			t.Fatalf("triplet %v: want 3 distinct sorted digits", tr)
		}
		for _, u := range a[:i] {
			if slices.Equal(u, tr) {
				t.Fatalf("triplet %v drawn twice", tr)
			}
		}
	}
	b := drawTriplets(10, 2015)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatal("the draw depends on more than its seed")
		}
	}
}

// TestSizeQuick runs the quick experiment end to end.
func TestSizeQuick(t *testing.T) {
	needMNIST(t)
	if testing.Short() {
		t.Skip("-short")
	}
	out := t.TempDir()
	if err := Run(context.Background(), "size", Options{Out: out, Quick: true, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(out, "results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rs {
		if r.Metric == "accuracy" {
			count[r.Model+"/"+r.Condition]++
		}
	}
	// H = 10, 30 x 2 seeds, after each of 2 epochs; 3 triplets.
	want := map[string]int{"rule/1 epoch": 4, "rule/2 epochs": 4, "backprop/1 epoch": 4, "backprop/2 epochs": 4,
		"rule/triplet": 3, "backprop/triplet": 3}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d accuracy results: want %d (%v)", k, count[k], n, count)
		}
	}
	rep, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Diehl & Cook 2015", "Random digit triplets", "mean ± SD over triplets", "size-mnist.png"} {
		if !strings.Contains(string(rep), s) {
			t.Errorf("report has no %q", s)
		}
	}
	if strings.Contains(string(rep), "%!") {
		t.Error("report has a formatting error")
	}
}
