package cli

import (
	"context"
	"dalesim/spec"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Version is dalesim's version, reported by every command and in trace metadata.
var Version = "0.1.0-dev"

// Exit statuses.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitBadInput    = 2
	ExitInterrupted = 130
)

// usageError marks bad input (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errInterrupted marks a run stopped by a signal (exit status 130).
var errInterrupted = errors.New("interrupted")

// NewApp returns the dalesim command-line application writing to stdout and stderr.
func NewApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "dalesim",
		Usage:     "spiking neuromorphic simulator: LIF populations under Dale's law, event-driven delivery, SIMD kernels",
		Version:   Version,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			runCommand(),
			benchCommand(),
			infoCommand(),
			trainCommand(),
			evalCommand(),
			analyzeCommand(),
			plotCommand(),
		},
		HideHelpCommand:      false,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageError{err}
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
	}
	return app
}

// Main runs the application with args (os.Args form) and returns the exit status.
func Main(ctx context.Context, args []string) int {
	return run(ctx, args, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	err := app.RunContext(ctx, permute(app, args))
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "dalesim:", err)
	var ue usageError
	switch {
	case errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &ue), spec.IsError(err):
		return ExitBadInput
	}
	return ExitFailure
}

// permute moves a command's flags in front of its positional arguments, so
// that "dalesim bench coba --json" works as well as "dalesim bench --json
// coba" (urfave/cli v2 stops reading flags at the first positional argument).
func permute(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.Name == args[1] || slices.Contains(c.Aliases, args[1]) {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, pos []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				flags = append(flags, rest[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}
