package experiment

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestFewshotQuick runs the --quick few-shot experiment with one and with
// two units at a time: the results must be the same, every accuracy in
// [0, 1], and more samples must not make backprop worse by much.
func TestFewshotQuick(t *testing.T) {
	needMNIST(t)
	if testing.Short() {
		t.Skip("-short")
	}
	read := func(jobs int) []Result {
		out := t.TempDir()
		if err := Run(context.Background(), "fewshot", Options{Out: out, Quick: true, Seeds: 1, Threads: 1, Jobs: jobs, Version: "test"}); err != nil {
			t.Fatal(err)
		}
		rs, err := ReadResults(filepath.Join(out, "results.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	one, two := read(1), read(2)
	if !slices.Equal(one, two) {
		t.Fatalf("results differ with --jobs 1 and 2:\n%v\n%v", one, two)
	}
	plan := newFewshotPlan(true)
	if len(one) != len(plan.ks)*3 {
		t.Fatalf("%d results: want %d", len(one), len(plan.ks)*3)
	}
	acc := map[string]float64{}
	for _, r := range one {
		if r.Metric != "accuracy" || r.Value < 0 || r.Value > 1 {
			t.Fatalf("bad result %+v", r)
		}
		acc[r.Model+" "+r.Condition] = r.Value
	}
	if acc["backprop full"] < 0.9 || acc["backprop full"]+0.02 < acc["backprop k=1"] {
		t.Fatalf("backprop: full %.3f, k=1 %.3f: want full >= 0.9 and not below k=1", acc["backprop full"], acc["backprop k=1"])
	}
}
