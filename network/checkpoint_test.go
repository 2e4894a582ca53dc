package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dalesim/simd"
	"dalesim/spec"
)

// ckptSpecs are small networks of every kind the checkpoint covers: COBA
// and CUBA (conductances, currents), Brunel (delta synapses, delays of
// several steps, an external drive), the features example (Poisson and
// spike sources, adaptive thresholds, per-synapse delays) and fixed-point
// Brunel (loihi_lif accumulators).
func ckptSpecs(t testing.TB) map[string]*spec.Spec {
	t.Helper()
	out := map[string]*spec.Spec{}
	add := func(name string, s *spec.Spec, err error) {
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	s, err := spec.Builtin("coba", spec.BuiltinParams{Seed: 1})
	add("coba", s, err)
	s, err = spec.Builtin("cuba", spec.BuiltinParams{Seed: 2})
	add("cuba", s, err)
	s, err = spec.Builtin("brunel", spec.BuiltinParams{Seed: 3, Scale: 0.1})
	add("brunel", s, err)
	s, err = spec.Load("../examples/features.toml")
	add("features", s, err)
	s, err = spec.Builtin("brunel", spec.BuiltinParams{FixedPoint: true, Scale: 0.05, Seed: 4})
	add("brunel-fixed", s, err)
	return out
}

// ckptLog records every spike as (step, population, neuron).
type ckptLog [][3]int64

func (l *ckptLog) Observe(step int64, net *Network) error {
	for i, p := range net.Populations() {
		for _, k := range p.Spikes() {
			*l = append(*l, [3]int64{step, int64(i), int64(k)})
		}
	}
	return nil
}

func buildOpt(t testing.TB, s *spec.Spec, o Options) *Network {
	t.Helper()
	n, err := Build(s, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// summaryKey is what a resumed run must reproduce of a run summary.
func summaryKey(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "checksum %s steps %d events %d", r.SpikeChecksum, r.Steps, r.SynapticEvents)
	for _, name := range r.Order() {
		p := r.Populations[name]
		fmt.Fprintf(&b, "; %s: %d spikes, rate %g, cv %g, sync %g", name, p.Spikes, p.RateHz, p.CVISI, p.Synchrony)
	}
	return b.String()
}

// TestCheckpointRoundTrip: N steps, a checkpoint, a fresh network restored
// from it and M more steps give the spikes, the summary and the state of a
// straight N+M run, for every kernel and thread count of the restored run.
func TestCheckpointRoundTrip(t *testing.T) {
	const first, second = 120, 130
	kernels := []*simd.Impl{simd.Generic}
	if fast, _ := simd.Lookup("auto"); fast != simd.Generic {
		kernels = append(kernels, fast)
	}
	ctx := context.Background()
	for name, s := range ckptSpecs(t) {
		t.Run(name, func(t *testing.T) {
			ref := buildOpt(t, s, Options{Kernels: simd.Generic, Threads: 1})
			var want ckptLog
			r, err := ref.RunSteps(ctx, first+second, &want)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("no spikes")
			}
			wantSum := summaryKey(r)
			var refCk bytes.Buffer
			if err := ref.SaveCheckpoint(&refCk, nil); err != nil {
				t.Fatal(err)
			}

			a := buildOpt(t, s, Options{Kernels: simd.Generic, Threads: 2})
			var got ckptLog
			if _, err := a.RunSteps(ctx, first, &got); err != nil {
				t.Fatal(err)
			}
			var ck bytes.Buffer
			if err := a.SaveCheckpoint(&ck, map[string]string{"part": "3"}); err != nil {
				t.Fatal(err)
			}
			c, err := ParseCheckpoint(ck.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if c.Step != first || c.Meta["part"] != "3" {
				t.Fatalf("checkpoint step %d meta %v", c.Step, c.Meta)
			}
			for _, impl := range kernels {
				for _, threads := range []int{1, 2} {
					b := buildOpt(t, s, Options{Kernels: impl, Threads: threads})
					if err := b.Restore(c); err != nil {
						t.Fatal(err)
					}
					log := slices.Clone(got)
					r2, err := b.RunSteps(ctx, second, &log)
					if err != nil {
						t.Fatal(err)
					}
					what := fmt.Sprintf("%s, %d threads", impl.Name, threads)
					if !slices.Equal(log, want) {
						t.Fatalf("%s: %d spikes after restoring, want %d (straight run)", what, len(log), len(want))
					}
					if gs := summaryKey(r2); gs != wantSum {
						t.Errorf("%s: summary\n got %s\nwant %s", what, gs, wantSum)
					}
					// The whole state (and summary) is the straight run's.
					var end bytes.Buffer
					if err := b.SaveCheckpoint(&end, nil); err != nil {
						t.Fatal(err)
					}
					if !sameState(t, end.Bytes(), refCk.Bytes()) {
						t.Errorf("%s: the state after restoring and running differs from the straight run's", what)
					}
				}
			}
		})
	}
}

// sameState compares two checkpoints field by field, except the wall time.
func sameState(t *testing.T, a, b []byte) bool {
	ca, err := ParseCheckpoint(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ParseCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	same := len(ca.fields) == len(cb.fields)
	for name, f := range ca.fields {
		if name == "stats/wall_ns" {
			continue
		}
		g, ok := cb.fields[name]
		if !ok || g.kind != f.kind || !bytes.Equal(g.data, f.data) {
			t.Logf("field %s differs", name)
			same = false
		}
	}
	return same
}

// TestCheckpointPlasticWeights: weights stored per synapse (changed by a
// plasticity rule or by hand) are restored into a network whose build set
// one constant weight.
func TestCheckpointPlasticWeights(t *testing.T) {
	s, err := spec.Builtin("coba", spec.BuiltinParams{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref := buildOpt(t, s, Options{Threads: 1})
	a := buildOpt(t, s, Options{Threads: 1})
	change := func(n *Network) {
		for _, p := range n.Projections() {
			w := p.Weights()
			for k := range w {
				w[k] *= 1 + float32(k%7)/10
			}
		}
	}
	change(ref)
	change(a)
	var want, got ckptLog
	rr, err := ref.RunSteps(ctx, 200, &want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RunSteps(ctx, 100, &got); err != nil {
		t.Fatal(err)
	}
	var ck bytes.Buffer
	if err := a.SaveCheckpoint(&ck, nil); err != nil {
		t.Fatal(err)
	}
	c, err := ParseCheckpoint(ck.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b := buildOpt(t, s, Options{Threads: 2})
	if _, constant := b.Projections()[0].ConstWeight(); !constant {
		t.Fatal("the fresh build has per-synapse weights already; the test needs a constant")
	}
	if err := b.Restore(c); err != nil {
		t.Fatal(err)
	}
	r2, err := b.RunSteps(ctx, 100, &got)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || r2.SpikeChecksum != rr.SpikeChecksum {
		t.Fatalf("restored plastic weights: checksum %s (%d spikes), want %s (%d)", r2.SpikeChecksum, len(got), rr.SpikeChecksum, len(want))
	}
}

// TestCheckpointRefusals: a checkpoint does not go into another network,
// and a failed Restore changes nothing.
func TestCheckpointRefusals(t *testing.T) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Seed: 3, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	a := buildOpt(t, s, Options{Threads: 1})
	if _, err := a.RunSteps(context.Background(), 50); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checkpoint.bin")
	size, err := a.SaveCheckpointFile(path, map[string]string{"k": "v"})
	if err != nil || size == 0 {
		t.Fatal(size, err)
	}
	c, err := ReadCheckpointFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := spec.Builtin("brunel", spec.BuiltinParams{Seed: 4, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	b := buildOpt(t, other, Options{Threads: 1})
	err = b.Restore(c)
	var ce *CheckpointError
	if !errors.As(err, &ce) || ce.Field != "net/seed" || !strings.Contains(err.Error(), "value = 3") {
		t.Fatalf("seed 4 network: %v", err)
	}
	bigger, err := spec.Builtin("brunel", spec.BuiltinParams{Seed: 3, Scale: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	b = buildOpt(t, bigger, Options{Threads: 1})
	if err := b.Restore(c); err == nil || !strings.Contains(err.Error(), "net/fingerprint") || !strings.Contains(err.Error(), "spec changed") {
		t.Fatalf("larger network: %v", err)
	}
	if b.Step() != 0 {
		t.Fatalf("a failed Restore moved the step to %d", b.Step())
	}
}

// TestCheckpointCorrupt: every truncation and many single-byte changes of a
// checkpoint are rejected with an error.
func TestCheckpointCorrupt(t *testing.T) {
	s, err := spec.Builtin("coba", spec.BuiltinParams{Seed: 1, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	n := buildOpt(t, s, Options{Threads: 1})
	if _, err := n.RunSteps(context.Background(), 20); err != nil {
		t.Fatal(err)
	}
	var ck bytes.Buffer
	if err := n.SaveCheckpoint(&ck, nil); err != nil {
		t.Fatal(err)
	}
	b := ck.Bytes()
	for _, k := range []int{0, 5, 12, 16, len(b) / 2, len(b) - 1} {
		if _, err := ParseCheckpoint(b[:k]); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", k, len(b))
		}
	}
	for i := 0; i < len(b); i += max(len(b)/97, 1) {
		c := bytes.Clone(b)
		c[i] ^= 0x40
		if _, err := ParseCheckpoint(c); err == nil {
			t.Errorf("byte %d changed: accepted", i)
		} else if !strings.HasPrefix(err.Error(), "checkpoint: ") {
			t.Errorf("byte %d changed: error %q", i, err)
		}
	}
}

// FuzzParseCheckpoint: the parser never panics and rejects what it cannot
// use; what it accepts either restores or gives an error.
func FuzzParseCheckpoint(f *testing.F) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Seed: 3, Scale: 0.01})
	if err != nil {
		f.Fatal(err)
	}
	n, err := Build(s, Options{Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer n.Close()
	if _, err := n.RunSteps(context.Background(), 10); err != nil {
		f.Fatal(err)
	}
	var ck bytes.Buffer
	if err := n.SaveCheckpoint(&ck, map[string]string{"a": "b"}); err != nil {
		f.Fatal(err)
	}
	f.Add(ck.Bytes())
	f.Add([]byte(checkpointMagic))
	f.Add(append([]byte(checkpointMagic), 1, 0, 0, 0, 1, 0, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			var ce *CheckpointError
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = n.Restore(c) // may fail, must not panic
	})
}

// TestCheckpointBadValues: values that pass the parser (a well-formed file)
// are checked by Restore, which names the field, the value and the rule.
func TestCheckpointBadValues(t *testing.T) {
	s, err := spec.Load("../examples/features.toml")
	if err != nil {
		t.Fatal(err)
	}
	n := buildOpt(t, s, Options{Threads: 1})
	var ck bytes.Buffer
	if err := n.SaveCheckpoint(&ck, nil); err != nil {
		t.Fatal(err)
	}
	c, err := ParseCheckpoint(ck.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range c.fields {
		if strings.HasSuffix(name, "/rates") {
			bad := bytes.Clone(f.data)
			copy(bad, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0xff}) // NaN
			c.fields[name] = field{kind: f.kind, n: f.n, data: bad}
			err := n.Restore(c)
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "finite rate") {
				t.Fatalf("NaN rate: %v", err)
			}
			return
		}
	}
	t.Fatal("features has no Poisson population")
}

func BenchmarkCheckpoint(b *testing.B) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	n, err := Build(s, Options{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	if _, err := n.RunSteps(context.Background(), 100); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "checkpoint.bin")
	b.Run("save", func(b *testing.B) {
		for b.Loop() {
			size, err := n.SaveCheckpointFile(path, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			c, err := ReadCheckpointFile(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := n.Restore(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
