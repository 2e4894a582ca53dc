package network

import (
	"context"
	"dalesim/spec"
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
