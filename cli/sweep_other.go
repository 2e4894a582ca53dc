//go:build !unix

package cli

import (
	"os"
	"os/exec"
)

func setProcessGroup(*exec.Cmd) {}

// interrupt stops p (no SIGINT to forward here: the run is killed and its
// directory redone on resume).
func interrupt(p *os.Process) { _ = p.Kill() }
