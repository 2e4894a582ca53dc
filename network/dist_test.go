package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dalesim/spec"
)

// distSpecs are small networks: every population model, rule, weight
// distribution and per-synapse delays (features), Brunel's network (a tenth;
// also fixed point) and COBA.
func distSpecs(t *testing.T) map[string]func() *spec.Spec {
	builtin := func(name string, p spec.BuiltinParams) func() *spec.Spec {
		return func() *spec.Spec {
			s, err := spec.Builtin(name, p)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	return map[string]func() *spec.Spec{
		"features": func() *spec.Spec {
			s, err := spec.Load("../examples/features.toml")
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"brunel":       builtin("brunel", spec.BuiltinParams{Scale: 0.1}),
		"brunel-fixed": builtin("brunel", spec.BuiltinParams{Scale: 0.1, FixedPoint: true}),
		"coba":         builtin("coba", spec.BuiltinParams{}),
	}
}

// rankRun is one rank's run.
type rankRun struct {
	net *Network
	res *Result
	err error
}

// runRanks builds and runs a spec on ranks goroutines with threads each;
// mons(r) gives rank r's monitors, ctx(r) its context.
func runRanks(t *testing.T, mk func() *spec.Spec, ranks, threads int, steps int64, timeout time.Duration,
	mons func(r int) []Monitor, ctxOf func(r int) context.Context) []rankRun {
	comms := NewLocalComms(ranks, timeout)
	out := make([]rankRun, ranks)
	var wg sync.WaitGroup
	for r := range ranks {
		wg.Go(func() {
			n, err := Build(mk(), Options{Threads: threads, Comm: comms[r]})
			if err != nil {
				out[r].err = err
				comms[r].Fail(err)
				return
			}
			out[r].net = n
			var m []Monitor
			if mons != nil {
				m = mons(r)
			}
			ctx := context.Background()
			if ctxOf != nil {
				ctx = ctxOf(r)
			}
			out[r].res, out[r].err = n.RunSteps(ctx, steps, m...)
		})
	}
	wg.Wait()
	return out
}

// TestRanksSameSpikes: for R = 1..4 ranks of 1 or 2 threads, every rank's
// summary has the one-process checksum and spike counts, the ranks'
// synaptic events and synapses add up to the one-process ones, and the
// spikes that each rank's monitors see are its own neurons', which together
// are every spike.
func TestRanksSameSpikes(t *testing.T) {
	steps := int64(300)
	for name, mk := range distSpecs(t) {
		one, err := Build(mk(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		rec := &spikeRec{}
		want, err := one.RunSteps(context.Background(), steps, rec)
		if err != nil {
			t.Fatal(err)
		}
		var syn int
		for _, p := range one.Projections() {
			syn += p.Len()
		}
		if want.SynapticEvents == 0 {
			t.Fatalf("%s: no events", name)
		}
		for ranks := 1; ranks <= 4; ranks++ {
			for _, threads := range []int{1, 2} {
				if testing.Short() && name == "coba" && threads == 2 && ranks != 3 {
					continue
				}
				recs := make([]*spikeRec, ranks)
				runs := runRanks(t, mk, ranks, threads, steps, time.Minute,
					func(r int) []Monitor { recs[r] = &spikeRec{}; return []Monitor{recs[r]} }, nil)
				var events int64
				var syns int
				merged := &spikeRec{}
				for r, rr := range runs {
					if rr.err != nil {
						t.Fatalf("%s R=%d T=%d rank %d: %v", name, ranks, threads, r, rr.err)
					}
					if rr.res.SpikeChecksum != want.SpikeChecksum || rr.res.Steps != steps {
						t.Errorf("%s R=%d T=%d rank %d: checksum %s after %d steps, want %s", name, ranks, threads, r,
							rr.res.SpikeChecksum, rr.res.Steps, want.SpikeChecksum)
					}
					for p, pr := range want.Populations {
						if rr.res.Populations[p].Spikes != pr.Spikes {
							t.Errorf("%s R=%d T=%d rank %d: %s has %d spikes, want %d", name, ranks, threads, r, p, rr.res.Populations[p].Spikes, pr.Spikes)
						}
					}
					events += rr.res.SynapticEvents
					for _, p := range rr.net.Projections() {
						syns += p.Len()
					}
					for i := range rr.net.Populations() {
						lo, hi := rr.net.Owned(i)
						for _, s := range recs[r].spikes {
							if s.pop == i && (int(s.neuron) < lo || int(s.neuron) >= hi) {
								t.Fatalf("%s R=%d rank %d: its monitor saw neuron %d of population %d, outside its [%d, %d)", name, ranks, r, s.neuron, i, lo, hi)
							}
						}
					}
					merged.spikes = append(merged.spikes, recs[r].spikes...)
				}
				merged.sort()
				if events != want.SynapticEvents || syns != syn {
					t.Errorf("%s R=%d T=%d: %d events, %d synapses over the ranks; one process: %d, %d", name, ranks, threads, events, syns, want.SynapticEvents, syn)
				}
				if !slices.Equal(merged.spikes, rec.spikes) {
					t.Errorf("%s R=%d T=%d: the ranks' monitors saw %d spikes in all; one process %d (or others)", name, ranks, threads, len(merged.spikes), len(rec.spikes))
				}
			}
		}
	}
}

type spike struct {
	step   int64
	pop    int
	neuron int32
}

// spikeRec records every spike it sees.
type spikeRec struct{ spikes []spike }

func (m *spikeRec) SpikesOnly() bool { return true }
func (m *spikeRec) Observe(step int64, n *Network) error {
	for i, p := range n.Populations() {
		for _, j := range p.Spikes() {
			m.spikes = append(m.spikes, spike{step, i, j})
		}
	}
	return nil
}
func (m *spikeRec) sort() {
	slices.SortFunc(m.spikes, func(a, b spike) int {
		if a.step != b.step {
			return int(a.step - b.step)
		}
		if a.pop != b.pop {
			return a.pop - b.pop
		}
		return int(a.neuron - b.neuron)
	})
}

// TestRanksStateMonitor: a monitor that reads the neurons' state makes the
// ranks exchange every step; its rank's neurons then have the one-process
// state at every step.
func TestRanksStateMonitor(t *testing.T) {
	mk := distSpecs(t)["brunel"]
	steps := int64(60)
	var want [][]float32
	one, _ := Build(mk(), Options{})
	one.RunSteps(context.Background(), steps, MonitorFunc(func(s int64, n *Network) error {
		want = append(want, slices.Clone(n.Populations()[0].State.V))
		return nil
	}))
	got := make([][][]float32, 3)
	runs := runRanks(t, mk, 3, 1, steps, time.Minute, func(r int) []Monitor {
		return []Monitor{MonitorFunc(func(s int64, n *Network) error {
			got[r] = append(got[r], slices.Clone(n.Populations()[0].State.V))
			return nil
		})}
	}, nil)
	for r, rr := range runs {
		if rr.err != nil {
			t.Fatal(rr.err)
		}
		lo, hi := rr.net.Owned(0)
		for s := range want {
			if !slices.Equal(got[r][s][lo:hi], want[s][lo:hi]) {
				t.Fatalf("rank %d step %d: v of its neurons differs from one process", r, s)
			}
		}
		if rr.net.Exchange().Intervals != steps+1 {
			t.Errorf("rank %d: %d exchanges, want one per step and one more", r, rr.net.Exchange().Intervals)
		}
	}
}

// TestRanksInterrupt: one rank interrupted stops every rank at the end of
// the same interval, all interrupted, with the same spikes so far.
func TestRanksInterrupt(t *testing.T) {
	mk := distSpecs(t)["brunel"]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := runRanks(t, mk, 3, 1, 1_000_000, time.Minute, func(r int) []Monitor {
		if r != 1 {
			return nil
		}
		return []Monitor{spikeFunc(func(s int64, n *Network) error {
			if s == 100 {
				cancel()
			}
			return nil
		})}
	}, func(r int) context.Context {
		if r == 1 {
			return ctx
		}
		return context.Background()
	})
	for r, rr := range runs {
		if rr.err != nil || !rr.res.Interrupted {
			t.Fatalf("rank %d: %v, interrupted %v", r, rr.err, rr.res != nil && rr.res.Interrupted)
		}
		D := int64(rr.net.Exchange().MinDelay)
		if rr.res.Steps != runs[0].res.Steps || rr.res.Steps%D != 0 || rr.res.Steps <= 100 || rr.res.SpikeChecksum != runs[0].res.SpikeChecksum {
			t.Errorf("rank %d: stopped after %d steps (checksum %s); rank 0 after %d (%s); interval %d", r, rr.res.Steps, rr.res.SpikeChecksum,
				runs[0].res.Steps, runs[0].res.SpikeChecksum, D)
		}
	}
}

// TestRanksFailure: a rank whose monitor fails, and a rank that dies (stops
// exchanging), end every rank's run with an error, each at the end of an
// interval that every rank completed.
func TestRanksFailure(t *testing.T) {
	mk := distSpecs(t)["brunel"]
	boom := errors.New("disk full")
	runs := runRanks(t, mk, 3, 2, 1000, time.Minute, func(r int) []Monitor {
		if r != 2 {
			return nil
		}
		return []Monitor{spikeFunc(func(s int64, n *Network) error {
			if s == 200 {
				return boom
			}
			return nil
		})}
	}, nil)
	for r, rr := range runs {
		switch {
		case r == 2 && !errors.Is(rr.err, boom):
			t.Errorf("rank 2: %v, want its monitor's error", rr.err)
		case r != 2 && (rr.err == nil || !strings.Contains(rr.err.Error(), "rank 2 failed")):
			t.Errorf("rank %d: %v, want rank 2's failure", r, rr.err)
		case r != 2 && rr.net.Step()%int64(rr.net.Exchange().MinDelay) != 0:
			t.Errorf("rank %d: stopped at step %d, inside an interval", r, rr.net.Step())
		}
	}
	// Rank 1 dies after 150 steps: it makes no more exchanges.
	start := time.Now()
	comms := NewLocalComms(3, 2*time.Second)
	errs := make([]error, 3)
	steps := make([]int64, 3)
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			n, err := Build(mk(), Options{Comm: comms[r]})
			if err != nil {
				errs[r] = err
				return
			}
			todo := int64(1000)
			if r == 1 {
				todo = 150
			}
			_, errs[r] = n.RunSteps(context.Background(), todo)
			steps[r] = n.Step()
		})
	}
	wg.Wait()
	for r := range 3 {
		if r == 1 {
			continue
		}
		if errs[r] == nil || !strings.Contains(errs[r].Error(), "died") {
			t.Errorf("rank %d: %v, want a timeout", r, errs[r])
		}
		if steps[r] != 150 {
			t.Errorf("rank %d: at step %d, want 150 (the last interval exchanged)", r, steps[r])
		}
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("the ranks took %v to notice", el)
	}
}

func TestRankBounds(t *testing.T) {
	b := RankBounds([]int{10000, 2500, 7, 0}, 3)
	want := fmt.Sprint([][]int{{0, 3328, 6672, 10000}, {0, 832, 1664, 2500}, {0, 0, 0, 7}, {0, 0, 0, 0}})
	if fmt.Sprint(b) != want {
		t.Errorf("got %v, want %s", b, want)
	}
}

// spikeFunc is a MonitorFunc that reads only spikes.
type spikeFunc func(step int64, net *Network) error

func (f spikeFunc) Observe(step int64, net *Network) error { return f(step, net) }
func (f spikeFunc) SpikesOnly() bool                       { return true }
