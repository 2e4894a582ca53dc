package traces

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"dalesim/internal/synth"
)

var (
	brunelOnce  sync.Once
	brunelSteps []synth.StepSpikes
)

// brunelSecond is one simulated second of a Brunel-like network: 12,500
// neurons, dt 0.1 ms, ~38 spikes per step (~380,000 spikes).
func brunelSecond() []synth.StepSpikes {
	brunelOnce.Do(func() { brunelSteps = synth.BrunelStream(1, synth.Brunel(1).PopulationSizes(), 10000, 38) })
	return brunelSteps
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSpikeWriter streams b.N simulated seconds of a Brunel-like
// network (12,500 neurons, dt 0.1 ms, ~38 spikes per step, ~380,000 spikes
// per second) into one Writer, Close included, and reports wall ns/spike on
// the caller, process CPU ns/spike (which includes the background encoder and
// zstd) and file bytes/spike.
func BenchmarkSpikeWriter(b *testing.B) {
	stream := brunelSecond()
	n := synth.CountSpikes(stream)
	meta := brunelMeta(1)
	for _, bc := range []struct {
		name string
		opt  Options
	}{
		{"mode=async", Options{Spikes: true}},
		{"mode=sync", Options{Spikes: true, Synchronous: true}},
		{"mode=async-zstd-default", Options{Spikes: true, Compression: ZstdDefault}},
		{"mode=partitioned", Options{Spikes: true, Partition: true, RunID: "b"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rec, err := Create(b.TempDir(), bc.opt, meta)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				off := int64(i) * 10000
				for _, s := range stream {
					if err := rec.Spikes(off+s.Step, s.Pop, s.Neurons); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := rec.Close(Status{}); err != nil {
				b.Fatal(err)
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			var size int64
			filepath.WalkDir(rec.Dir(), func(p string, d os.DirEntry, err error) error {
				if err == nil && filepath.Ext(p) == ".parquet" {
					if st, err := d.Info(); err == nil {
						size += st.Size()
					}
				}
				return nil
			})
			spikes := float64(b.N) * float64(n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/spikes, "ns/spike")
			b.ReportMetric(float64(cpu.Nanoseconds())/spikes, "cpu-ns/spike")
			b.ReportMetric(float64(size)/spikes, "bytes/spike")
		})
	}
}

// BenchmarkSpikesCall measures the caller's cost of Spikes alone in steady
// state (no Create/Close); it must not allocate.
func BenchmarkSpikesCall(b *testing.B) {
	stream := brunelSecond()
	rec, err := Create(b.TempDir(), Options{Spikes: true}, brunelMeta(1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	spikes := 0
	for i := 0; i < b.N; i++ {
		s := stream[i%len(stream)]
		step := int64(i/len(stream))*10000 + s.Step
		if err := rec.Spikes(step, s.Pop, s.Neurons); err != nil {
			b.Fatal(err)
		}
		spikes += len(s.Neurons)
	}
	b.StopTimer()
	rec.Close(Status{})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spikes), "ns/spike")
}

// BenchmarkReadSpikes reads one simulated second of a Brunel-like network.
func BenchmarkReadSpikes(b *testing.B) {
	stream := brunelSecond()
	n := synth.CountSpikes(stream)
	dir := b.TempDir()
	rec, err := Create(dir, Options{Spikes: true}, brunelMeta(1))
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range stream {
		rec.Spikes(s.Step, s.Pop, s.Neurons)
	}
	if err := rec.Close(Status{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := ReadSpikes(dir)
		if err != nil {
			b.Fatal(err)
		}
		if t.Len() != n {
			b.Fatalf("read %d spikes, want %d", t.Len(), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/spike")
}

// simWork stands in for the simulation of one step of a 12,500-neuron
// network: a few vector passes over the membrane potentials.
func simWork(v []float32, passes int) {
	for p := 0; p < passes; p++ {
		for i := range v {
			v[i] = v[i]*0.999 + 0.01
		}
	}
}

// BenchmarkRecordingOverhead runs b.N simulated seconds of stand-in work
// (calibrated to ~0.3 s per simulated second) with and without recording
// every spike, and reports the relative wall-time overhead of recording.
func BenchmarkRecordingOverhead(b *testing.B) {
	stream := brunelSecond()
	v := make([]float32, 12500)
	// Calibrate passes so that one simulated second takes ~0.3 s.
	passes := 1
	for {
		t0 := time.Now()
		for s := 0; s < 1000; s++ {
			simWork(v, passes)
		}
		if el := time.Since(t0); el >= 30*time.Millisecond || passes > 1<<12 {
			break
		}
		passes *= 2
	}
	run := func(rec *Writer, seconds int) time.Duration {
		t0 := time.Now()
		si := 0
		for sec := 0; sec < seconds; sec++ {
			off := int64(sec) * 10000
			si = 0
			for step := int64(0); step < 10000; step++ {
				simWork(v, passes)
				for si < len(stream) && stream[si].Step == step {
					if rec != nil {
						if err := rec.Spikes(off+step, stream[si].Pop, stream[si].Neurons); err != nil {
							b.Fatal(err)
						}
					}
					si++
				}
			}
		}
		if rec != nil {
			if err := rec.Close(Status{}); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(t0)
	}
	b.ResetTimer()
	base := run(nil, b.N)
	rec, err := Create(b.TempDir(), Options{Spikes: true}, brunelMeta(1))
	if err != nil {
		b.Fatal(err)
	}
	with := run(rec, b.N)
	b.ReportMetric(base.Seconds()/float64(b.N), "s/simsec-base")
	b.ReportMetric(100*(with.Seconds()-base.Seconds())/base.Seconds(), "overhead-%")
}
