package cli

import (
	"context"
	"dalesim/spec"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
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
			experimentCommand(),
			exportCommand(),
			deployCheckCommand(),
			sweepCommand(),
		},
		HideHelpCommand:      false,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageError{err}
		},
	}
	var setup func([]*cli.Command)
	setup = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.OnUsageError = app.OnUsageError
			for _, f := range c.Flags {
				defaultOnce(f)
			}
			setup(c.Subcommands)
		}
	}
	setup(app.Commands)
	return app
}

// reDefault finds a default stated in a flag's usage text: "(default 5)",
// "(default: the spec's)", or "; default: ..." closing a parenthesis.
var reDefault = regexp.MustCompile(`(?:\s*\(default:? ([^()]*)\)|; default:? ([^()]*)(\)))$`)

// defaultOnce moves a default that a flag's usage text states into the
// flag's DefaultText, so that help prints it once, as "(default: ...)".
// Flags whose usage states none keep urfave/cli's own default text.
func defaultOnce(f cli.Flag) {
	var usage, def *string
	switch f := f.(type) {
	case *cli.StringFlag:
		usage, def = &f.Usage, &f.DefaultText
	case *cli.Float64Flag:
		usage, def = &f.Usage, &f.DefaultText
	case *cli.IntFlag:
		usage, def = &f.Usage, &f.DefaultText
	case *cli.Int64Flag:
		usage, def = &f.Usage, &f.DefaultText
	default:
		return
	}
	m := reDefault.FindStringSubmatchIndex(*usage)
	if m == nil {
		return
	}
	u := *usage
	if m[2] >= 0 { // "(default X)"
		*def = u[m[2]:m[3]]
		*usage = u[:m[0]]
	} else { // "; default: X)"
		*def = u[m[4]:m[5]]
		*usage = u[:m[0]] + ")"
	}
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
	cmds, n := app.Commands, 1
	var cmd *cli.Command
	// Descend through subcommands ("experiment fewshot").
	for n < len(args) {
		var next *cli.Command
		for _, c := range cmds {
			if c.Name == args[n] || slices.Contains(c.Aliases, args[n]) {
				next = c
			}
		}
		if next == nil {
			break
		}
		cmd, cmds, n = next, next.Subcommands, n+1
	}
	if cmd == nil {
		return args
	}
	head, rest := args[:n], args[n:]
	// Help wins wherever it stands: "dalesim bench brunel --help" is the
	// help of bench, not a help topic named brunel.
	for _, a := range rest {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return append(slices.Clone(head), "--help")
		}
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, pos []string
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
	out := append(slices.Clone(head), flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}
