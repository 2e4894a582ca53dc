//go:build unix

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in a process group of its own, so that a
// terminal's SIGINT reaches only dalesim sweep, which forwards one.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// interrupt sends p one SIGINT.
func interrupt(p *os.Process) { _ = p.Signal(os.Interrupt) }
