package network

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/simd"
	"dalesim/spec"
)

// TestBadSpecs checks that every malformed spec in testdata/bad is rejected
// with the message its "# want:" lines give.
func TestBadSpecs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.toml")
	if len(files) < 12 {
		t.Fatalf("only %d bad specs", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wants []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if w, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
				wants = append(wants, strings.ReplaceAll(w, filepath.Base(f), f))
			}
		}
		if len(wants) == 0 {
			t.Fatalf("%s has no '# want:' line", f)
		}
		s, err := spec.Load(f)
		if err == nil {
			_, err = Build(s, Options{MaxMemory: 1 << 30})
		}
		if err == nil {
			t.Errorf("%s: accepted", f)
			continue
		}
		if !spec.IsError(err) {
			t.Errorf("%s: error is not a spec error: %v", f, err)
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n got: %v\nwant: %s", f, err, w)
			}
		}
	}
}

func runSpec(t testing.TB, s *spec.Spec, ms float64) *Result { return runWith(t, s, Options{}, ms) }

// runWith builds s with o, runs it for ms and closes the network.
func runWith(t testing.TB, s *spec.Spec, o Options, ms float64) *Result {
	n, err := Build(s, o)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	r, err := n.Run(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDeterminism: the same seed gives the same spikes, another seed others.
func TestDeterminism(t *testing.T) {
	for _, name := range []string{"coba", "cuba", "brunel"} {
		p := spec.BuiltinParams{Scale: 0.1}
		if name != "brunel" {
			p.Scale = 0
		}
		sum := func(seed int64) string {
			p.Seed = seed
			s, err := spec.Builtin(name, p)
			if err != nil {
				t.Fatal(err)
			}
			return runSpec(t, s, 200).SpikeChecksum
		}
		a, b, c := sum(7), sum(7), sum(8)
		if a != b {
			t.Errorf("%s: seed 7 gave checksums %s and %s", name, a, b)
		}
		if a == c {
			t.Errorf("%s: seeds 7 and 8 gave the same checksum %s", name, a)
		}
	}
}

// Brian2 2.5.1 cpp_standalone on this machine (bench/brian2/results-2026-11-27.txt):
// rates over 1 s of the reference scripts.
var brian2Rates = map[string]map[string]float64{
	"coba":      {"E": 20.09, "I": 19.93}, // 10 s run
	"cuba":      {"E": 5.69, "I": 5.66},
	"brunel-AI": {"E": 37.06, "I": 37.06}, // one population in Brian
}

// TestBrunelRegimes runs the four regimes of Brunel (2000) model A and
// checks their signatures as Brian2 shows them: SR fires regularly (CV ISI
// near 0) at a high rate; AI is irregular (CV >= 0.4) with weak synchrony and
// its rate is Brian2's within 10 %; SI-fast and SI-slow show strong
// population-rate oscillations (CV of the 1 ms population count).
func TestBrunelRegimes(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size Brunel network (12,500 neurons) in -short mode")
	}
	type sig struct {
		g, eta           float64
		cvMin, cvMax     float64
		syncMin, syncMax float64
	}
	regimes := map[string]sig{
		"AI":      {5, 2, 0.35, 0.7, 0, 0.7},
		"SR":      {3, 2, 0, 0.05, 0, 10},
		"SI-fast": {6, 4, 0.5, 10, 0.8, 10},
		"SI-slow": {4.5, 0.9, 0.3, 10, 1.5, 10},
	}
	for name, rg := range regimes {
		s, err := spec.Builtin("brunel", spec.BuiltinParams{G: rg.g, Eta: rg.eta})
		if err != nil {
			t.Fatal(err)
		}
		r := runSpec(t, s, 500)
		e := r.Populations["E"]
		t.Logf("%s: rate %.2f Hz, CV ISI %.3f, synchrony %.3f", name, e.RateHz, e.CVISI, e.Synchrony)
		if !(e.CVISI >= rg.cvMin && e.CVISI <= rg.cvMax) || !(e.Synchrony >= rg.syncMin && e.Synchrony <= rg.syncMax) {
			t.Errorf("%s: CV %.3f (want [%g, %g]), synchrony %.3f (want [%g, %g])", name, e.CVISI, rg.cvMin, rg.cvMax, e.Synchrony, rg.syncMin, rg.syncMax)
		}
		if name == "AI" {
			for _, p := range []string{"E", "I"} {
				checkRate(t, "brunel-AI", p, r.Populations[p].RateHz)
			}
		}
	}
}

func checkRate(t *testing.T, bench, pop string, got float64) {
	want := brian2Rates[bench][pop]
	if rel := math.Abs(got-want) / want; rel > 0.10 {
		t.Errorf("%s %s: rate %.2f Hz, Brian2 %.2f Hz (%.1f %% off, want <= 10 %%)", bench, pop, got, want, 100*rel)
	}
}

// TestBenchmarkRates compares COBA and CUBA with Brian2's rates.
func TestBenchmarkRates(t *testing.T) {
	if testing.Short() {
		t.Skip("1 s of COBA and CUBA in -short mode")
	}
	for _, name := range []string{"coba", "cuba"} {
		s, err := spec.Builtin(name, spec.BuiltinParams{})
		if err != nil {
			t.Fatal(err)
		}
		r := runSpec(t, s, 1000)
		for _, p := range []string{"E", "I"} {
			t.Logf("%s %s: %.2f Hz, CV ISI %.3f", name, p, r.Populations[p].RateHz, r.Populations[p].CVISI)
			checkRate(t, name, p, r.Populations[p].RateHz)
		}
	}
}

func TestMemoryRefusal(t *testing.T) {
	s, err := spec.Builtin("brunel", spec.BuiltinParams{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(s, Options{MaxMemory: 32 << 20})
	if err == nil || !strings.Contains(err.Error(), "the network needs about") || !strings.Contains(err.Error(), "only 32.0 MiB is available") {
		t.Fatalf("got %v", err)
	}
	m := EstimateMemory(s)
	if m.NumSynapses != 12500*1250 {
		t.Fatalf("estimated %g synapses, want %d", m.NumSynapses, 12500*1250)
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, name := range spec.Builtins() {
		text, _ := spec.BuiltinTOML(name, spec.BuiltinParams{Scale: 0.01})
		f.Add(text)
	}
	files, _ := filepath.Glob("testdata/bad/*.toml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := spec.Parse([]byte(text), "fuzz.toml")
		if err != nil {
			if !spec.IsError(err) {
				t.Fatalf("error is not a spec error: %v", err)
			}
			return
		}
		if m := EstimateMemory(s); math.IsNaN(m.Total) {
			t.Fatal("NaN memory estimate")
		}
		n, err := Build(s, Options{MaxMemory: 128 << 20})
		if err != nil {
			if !spec.IsError(err) {
				t.Fatalf("build error is not a spec error: %v", err)
			}
			return
		}
		// A few steps must run without a panic.
		n.RunSteps(context.Background(), 3)
	})
}

// TestKernelsSameSpikes: every kernel implementation the CPU has, with 1 and
// 2 threads, gives the spikes and synaptic events of the generic kernels on
// one thread, for the three benchmarks and the spec that uses every feature.
// Brunel runs at full size (12,500 neurons) unless -short; -short also
// runs only generic and the fastest implementation, for 30 ms.
func TestKernelsSameSpikes(t *testing.T) {
	specs := map[string]func() (*spec.Spec, error){
		"coba":     func() (*spec.Spec, error) { return spec.Builtin("coba", spec.BuiltinParams{Seed: 7}) },
		"cuba":     func() (*spec.Spec, error) { return spec.Builtin("cuba", spec.BuiltinParams{Seed: 7}) },
		"features": func() (*spec.Spec, error) { return spec.Load("../examples/features.toml") },
		"brunel": func() (*spec.Spec, error) {
			p := spec.BuiltinParams{Seed: 7}
			if testing.Short() {
				p.Scale = 0.1
			}
			return spec.Builtin("brunel", p)
		},
	}
	kernels, ms := append([]string{"generic"}, simd.Implementations()...), 100.0
	if testing.Short() {
		kernels, ms = []string{"generic", simd.Implementations()[0]}, 30
	}
	for name, spec := range specs {
		var want string
		for _, kn := range kernels {
			impl, err := simd.Lookup(kn)
			if err != nil {
				t.Fatal(err)
			}
			for _, threads := range []int{1, 2} {
				s, err := spec()
				if err != nil {
					t.Fatal(err)
				}
				r := runWith(t, s, Options{Kernels: impl, Threads: threads}, ms)
				if r.Kernel != kn {
					t.Errorf("%s: asked for %s, ran %s", name, kn, r.Kernel)
				}
				var spikes int64
				for _, p := range r.Populations {
					spikes += p.Spikes
				}
				got := fmt.Sprintf("%s, %d spikes, %d events", r.SpikeChecksum, spikes, r.SynapticEvents)
				if want == "" {
					if spikes == 0 || r.SynapticEvents == 0 {
						t.Fatalf("%s: %s: nothing to compare", name, got)
					}
					want = got
				} else if got != want {
					t.Errorf("%s, %s, %d threads: %s; generic, 1 thread: %s", name, kn, threads, got, want)
				}
			}
		}
	}
}

// TestThreadsSameSpikes: every thread count gives the same spikes.
func TestThreadsSameSpikes(t *testing.T) {
	for _, name := range []string{"coba", "cuba", "brunel"} {
		p := spec.BuiltinParams{Seed: 3}
		if name == "brunel" {
			p.Scale = 0.1
		}
		var first string
		for _, threads := range []int{1, 2, 3, 4} {
			s, err := spec.Builtin(name, p)
			if err != nil {
				t.Fatal(err)
			}
			r := runWith(t, s, Options{Threads: threads}, 100)
			if threads == 1 {
				first = r.SpikeChecksum
			} else if r.SpikeChecksum != first {
				t.Errorf("%s: %d threads give checksum %s, 1 thread %s", name, threads, r.SpikeChecksum, first)
			}
		}
	}
}

// TestMemoryCountsWorkers: each worker's spike lists are part of the
// estimate, so a network that fits with one thread can be refused with
// 1024 of them.
func TestMemoryCountsWorkers(t *testing.T) {
	s, err := spec.Parse([]byte(`dt_ms = 0.1
[[population]]
name = "P"
size = 1000000
identity = "excitatory"
model = "poisson"
rate_hz = 1.0
`), "big.toml")
	if err != nil {
		t.Fatal(err)
	}
	if m := EstimateMemory(s); m.Total > 1<<30 {
		t.Fatalf("one thread: %.0f bytes, want well under 1 GiB", m.Total)
	}
	_, err = Build(s, Options{Threads: 1024, MaxMemory: 1 << 30})
	if err == nil || !strings.Contains(err.Error(), "the network needs about") {
		t.Fatalf("1024 threads: %v", err)
	}
}
