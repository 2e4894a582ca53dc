package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// readmeCommands returns every dalesim command line of README.md: the lines
// of its code blocks that start with "dalesim" or "go run .", and the
// inline `dalesim ...` spans, split at "&&", without comments, each as its
// arguments after the program name.
func readmeCommands(t *testing.T) [][]string {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	inBlock := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			if i := strings.Index(l, " #"); i >= 0 {
				l = l[:i]
			}
			lines = append(lines, l)
		}
	}
	for _, m := range regexp.MustCompile("`((?:dalesim|go run \\.) [^`]*)`").FindAllStringSubmatch(string(b), -1) {
		lines = append(lines, m[1])
	}
	var cmds [][]string
	for _, l := range lines {
		for _, part := range strings.Split(l, "&&") {
			f := strings.Fields(part)
			switch {
			case len(f) >= 2 && f[0] == "dalesim":
				cmds = append(cmds, f[1:])
			case len(f) >= 3 && f[0] == "go" && f[1] == "run" && f[2] == ".":
				cmds = append(cmds, f[3:])
			}
		}
	}
	return cmds
}

// flagNames returns the names (and aliases) of a command's flags.
func flagNames(c *cli.Command) []string {
	var names []string
	for _, f := range c.Flags {
		names = append(names, f.Names()...)
	}
	return names
}

// TestReadmeCommands checks that every command line in README.md names a
// real command and only flags that command has, and (without -short) runs
// the quick-start and traces examples that finish in seconds, in a
// temporary directory.
func TestReadmeCommands(t *testing.T) {
	app := NewApp(nil, nil)
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("found only %d command lines in README.md", len(cmds))
	}
	for _, args := range cmds {
		if len(args) == 0 {
			continue
		}
		if args[0] == "help" {
			if len(args) > 1 && app.Command(args[1]) == nil {
				t.Errorf("README: %q: no command %q", strings.Join(args, " "), args[1])
			}
			continue
		}
		c := app.Command(args[0])
		if c == nil {
			t.Errorf("README: %q: no command %q", strings.Join(args, " "), args[0])
			continue
		}
		// Subcommands: "export nir --model DIR".
		for _, a := range args[1:] {
			if sub := c.Command(a); sub != nil {
				c = sub
			}
		}
		names := append(flagNames(c), "help")
		for _, a := range args[1:] {
			if !strings.HasPrefix(a, "--") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !slices.Contains(names, name) {
				t.Errorf("README: %q: %s has no flag --%s", strings.Join(args, " "), c.Name, name)
			}
		}
	}
	if testing.Short() {
		return
	}
	// Run what finishes in seconds: info, bench, run and the traces
	// workflow; spec paths are the repository's, output directories go
	// to a temporary directory.
	dir := t.TempDir()
	ran := 0
	for _, args := range cmds {
		switch args[0] {
		case "info", "bench", "run", "analyze", "plot":
		default:
			continue
		}
		if args[0] != "info" && len(args) == 1 || slices.Contains(args, "SPEC") || slices.Contains(args, "NAME") || slices.Contains(args, "DIR") ||
			slices.Contains(args, "--help") {
			continue // a synopsis, not a command
		}
		args = slices.Clone(args)
		for i := 1; i < len(args); i++ {
			a := args[i]
			switch {
			case strings.HasPrefix(a, "examples/") || strings.HasPrefix(a, "cli/"):
				args[i] = filepath.Join("..", a)
			case args[i-1] == "--out" || (args[0] == "analyze" || args[0] == "plot") && !strings.HasPrefix(a, "-") && !strings.HasPrefix(args[i-1], "--"):
				args[i] = filepath.Join(dir, a)
			}
		}
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Errorf("README: dalesim %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		ran++
	}
	if ran < 8 {
		t.Errorf("ran only %d README commands", ran)
	}
}
