package traces

import (
	"testing"

	"dalesim/internal/synth"
)

// metaOf returns the Meta of a synthetic network.
func metaOf(n synth.Network) Meta {
	m := Meta{Version: n.Version, Spec: n.Spec, Kernel: n.Kernel, Seed: n.Seed, DtMS: n.DtMS,
		Threads: n.Threads, Start: n.Start, Extra: n.Extra}
	for _, p := range n.Populations {
		m.Populations = append(m.Populations, PopulationInfo(p))
	}
	for _, p := range n.Projections {
		m.Projections = append(m.Projections, ProjectionInfo(p))
	}
	return m
}

// brunelMeta describes a Brunel-like network: 10,000 E + 2,500 I neurons.
func brunelMeta(seed uint64) Meta { return metaOf(synth.Brunel(seed)) }

// testRun is everything one synthetic run records (a synth.Run) with its
// Meta.
type testRun struct {
	*synth.Run
	meta Meta
}

func newTestRun(seed uint64, steps int) *testRun {
	r := synth.NewRun(seed, steps)
	return &testRun{Run: r, meta: metaOf(r.Net)}
}

func allTables(o Options) Options {
	o.Spikes, o.States, o.Weights, o.Rates = true, true, true, true
	return o
}

// record writes tr with opt into dir; it closes with status complete unless
// stopAt >= 0, in which case it stops after step stopAt and closes as
// interrupted.
func (tr *testRun) record(t *testing.T, dir string, opt Options, stopAt int64) *Writer {
	t.Helper()
	rec, err := Create(dir, opt, tr.meta)
	if err != nil {
		t.Fatal(err)
	}
	last, err := tr.Play(rec, synth.Tables{States: opt.States, Rates: opt.Rates, Weights: opt.Weights}, stopAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(Status{Interrupted: stopAt >= 0, LastStep: last}); err != nil {
		t.Fatal(err)
	}
	return rec
}
