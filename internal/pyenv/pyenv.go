// Package pyenv finds the Python environment that tests use as the
// independent check a user would trust (pandas, pyarrow, polars, Elephant,
// Neo, pynwb, nwbinspector, nir, NEST, Brian2): the interpreter named by
// DALESIM_PYTHON, else the venv .venv at the module root, which .ci/run
// creates from tools/python/requirements.txt. Tests that need it skip with
// a message that says how to create it, so `go test ./...` runs without
// Python.
package pyenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Root returns the module root (the directory holding go.mod), found from
// the working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Interpreter returns the Python of the test environment, or an error
// saying why there is none.
func Interpreter() (string, error) {
	if p := os.Getenv("DALESIM_PYTHON"); p != "" {
		return p, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no Python test environment: create it with `python3 -m venv .venv && .venv/bin/pip install -r tools/python/requirements.txt` (.ci/run does), or set DALESIM_PYTHON")
	}
	return p, nil
}

// Require returns the interpreter after checking that it imports every
// module in modules; otherwise the test is skipped with the reason.
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	py, err := Interpreter()
	if err != nil {
		t.Skip(err)
	}
	if len(modules) > 0 {
		code := "import " + strings.Join(modules, ", ")
		if out, err := exec.Command(py, "-c", code).CombinedOutput(); err != nil {
			t.Skipf("the Python test environment lacks %v (%v): %s", modules, err, lastLine(out))
		}
	}
	return py
}

// Run runs a Python script (its text) with args and returns its standard
// output; a failure fails the test with the script's standard error.
func Run(t testing.TB, py, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\n%s", err, errb.String())
	}
	return out.String()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// Long skips a long test (minutes of simulation and Python) unless
// DALESIM_LONG_TESTS=1, which .ci/run sets: `go test ./...` stays quick on
// a user's machine, and CI runs the whole suite.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() || os.Getenv("DALESIM_LONG_TESTS") != "1" {
		t.Skip("a long test: set DALESIM_LONG_TESTS=1 to run it (.ci/run does)")
	}
}
