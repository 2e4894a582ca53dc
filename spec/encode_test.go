package spec_test

import (
	"context"
	"os"
	"testing"

	"dalesim/network"
	"dalesim/spec"
)

func run(t *testing.T, s *spec.Spec, ms float64) *network.Result {
	t.Helper()
	n, err := network.Build(s, network.Options{})
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

// TestEncodeRoundTrip: every example spec, written back, reads as the same spec.
func TestEncodeRoundTrip(t *testing.T) {
	for _, f := range []string{"../examples/coba.toml", "../examples/brunel.toml", "../examples/features.toml", "../examples/mnist.toml"} {
		s, err := spec.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		text, err := s.Encode()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s2, err := spec.Parse(text, f)
		if err != nil {
			os.WriteFile("/tmp/encoded.toml", text, 0o644)
			t.Fatalf("%s: re-reading the encoded spec: %v", f, err)
		}
		text2, _ := s2.Encode()
		if string(text) != string(text2) {
			t.Fatalf("%s: encoding is not stable", f)
		}
		if s.Training != nil {
			continue
		}
		a, b := run(t, s, 50), run(t, s2, 50)
		if a.SpikeChecksum != b.SpikeChecksum {
			t.Fatalf("%s: the encoded spec simulates differently (%s vs %s)", f, a.SpikeChecksum, b.SpikeChecksum)
		}
	}
}
