package spec

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite examples/ from the built-in benchmarks")

// TestExamplesMatchBuiltins keeps examples/*.toml identical to the built-in
// benchmarks (go test ./spec -run Examples -update rewrites them).
func TestExamplesMatchBuiltins(t *testing.T) {
	for _, name := range Builtins() {
		text, err := BuiltinTOML(name, BuiltinParams{})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "examples", name+".toml")
		if *update {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./spec -run Examples -update)", err)
		}
		if string(got) != text {
			t.Errorf("%s differs from the built-in %q (run go test ./spec -run Examples -update)", path, name)
		}
		if _, err := Load(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestCheckMissingSpec(t *testing.T) {
	_, err := Load("testdata/none.toml")
	if err == nil || !IsError(err) {
		t.Fatalf("got %v", err)
	}
}
