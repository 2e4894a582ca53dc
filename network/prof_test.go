package network

import (
	"context"
	"dalesim/spec"
	"fmt"
	"testing"
)

func benchBuiltin(b *testing.B, name string, ms float64) {
	s, _ := spec.Builtin(name, spec.BuiltinParams{DurationMS: ms})
	n, err := Build(s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Run(context.Background(), ms)
	}
}

func BenchmarkBrunelQuick(b *testing.B) { benchBuiltin(b, "brunel", 200) }
func BenchmarkCobaQuick(b *testing.B)   { benchBuiltin(b, "coba", 1000) }

// BenchmarkBuildBrunel builds Brunel's model A at fixed in-degree (C_E =
// 1000, C_I = 250) with four times the neurons (50,000; 62.5 million
// synapses): the build's speed in synapses per second.
func BenchmarkBuildBrunel(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			s, err := spec.Load("../examples/brunel.toml")
			if err != nil {
				b.Fatal(err)
			}
			for i := range s.Populations {
				s.Populations[i].Size *= 4
			}
			var syn int
			for b.Loop() {
				n, err := Build(s, Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				syn = 0
				for _, p := range n.Projections() {
					syn += p.Len()
				}
				n.Close()
			}
			b.ReportMetric(float64(syn)*float64(b.N)/b.Elapsed().Seconds(), "synapses/s")
		})
	}
}
