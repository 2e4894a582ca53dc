package nirexport

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Script is the converter from a parameter directory to a NIR file: a
// Python program using the official nir package (nir.write).
//
//go:embed to_nir.py
var Script string

// Python returns the interpreter to run Script with: explicit if not
// empty, else $DALESIM_PYTHON, else python3 on the PATH.
func Python(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if p := os.Getenv("DALESIM_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// CheckPython reports whether py can import the converter's modules, with
// an error that says how to install them.
func CheckPython(py string) error {
	out, err := exec.Command(py, "-c", "import nir, numpy, pyarrow, tomllib").CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("the NIR converter needs Python >= 3.11 with nir, numpy and pyarrow (`%s -m pip install nir==1.0.8 pyarrow`, "+
			"or name an interpreter with --python or DALESIM_PYTHON): %v %s", py, err, msg)
	}
	return nil
}

// Convert runs Script with py on the parameter directory params and writes
// the NIR file out; with relative, potentials are measured from each
// population's v_rest (v_leak = i_ext, reset and threshold minus v_rest),
// the form most NIR consumers assume. It returns the converter's notes
// (what NIR could not carry), one per line.
func Convert(py, params, out string, relative bool) (notes []string, err error) {
	tmp, err := os.MkdirTemp("", "dalesim-nir")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "to_nir.py")
	if err := os.WriteFile(script, []byte(Script), 0o644); err != nil {
		return nil, err
	}
	args := []string{script, params, out}
	if relative {
		args = append(args, "--relative")
	}
	cmd := exec.Command(py, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("NIR converter (%s): %v: %s", py, err, strings.TrimSpace(stderr.String()))
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if s, ok := strings.CutPrefix(l, "note: "); ok {
			notes = append(notes, s)
		}
	}
	return notes, nil
}
