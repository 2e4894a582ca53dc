package spec

import (
	"strings"
	"testing"
)

const srcSpec = `name = "src"
dt_ms = 0.1
duration_ms = 200
seed = 7

[[population]]
name = "in"
size = 50
identity = "excitatory"
model = "poisson"
rate_hz = 20.0

[[monitor]]
kind = "spikes"
`

func TestEffectiveSource(t *testing.T) {
	s, err := Parse([]byte(srcSpec), "src.toml")
	if err != nil {
		t.Fatal(err)
	}
	if EffectiveSource(s) != srcSpec {
		t.Error("the source changed without overrides")
	}
	d, seed, dt := 123.5, int64(99), 0.05
	s.DurationMS, s.Seed, s.DtMS = &d, &seed, &dt
	text := EffectiveSource(s)
	s2, err := Parse([]byte(text), "x.toml")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if *s2.DurationMS != d || *s2.Seed != seed || *s2.DtMS != dt || len(s2.Monitors) != len(s.Monitors) {
		t.Errorf("overrides not applied:\n%s", text)
	}
	// A key missing from the text is added before the first table.
	text2 := strings.Replace(srcSpec, "seed = 7\n", "", 1)
	s3, _ := Parse([]byte(text2), "src.toml")
	s3.Seed = &seed
	s4, err := Parse([]byte(EffectiveSource(s3)), "x.toml")
	if err != nil || *s4.Seed != seed {
		t.Errorf("missing seed not added: %v", err)
	}
}
