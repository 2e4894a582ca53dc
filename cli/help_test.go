package cli

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestHelpEverywhere: every command's help works wherever --help stands
// (before, after or between arguments), and states each default once.
func TestHelpEverywhere(t *testing.T) {
	app := NewApp(nil, nil)
	for _, cmd := range app.Commands {
		for _, args := range [][]string{
			{cmd.Name, "--help"},
			{cmd.Name, "brunel", "--help"},
			{cmd.Name, "-h", "some/dir"},
			{"help", cmd.Name},
		} {
			code, out, errs := runCLI(t, args...)
			if code != 0 || strings.Contains(errs, "No help topic") || !strings.Contains(out, "dalesim "+cmd.Name) {
				t.Errorf("%v: exit %d, stderr %q, stdout %.80q", args, code, errs, out)
				continue
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Count(line, "(default") > 1 {
					t.Errorf("%v: a default stated twice: %q", args, strings.TrimSpace(line))
				}
			}
		}
	}
}

// TestDefaultOnce: a default stated in a usage text moves to DefaultText.
func TestDefaultOnce(t *testing.T) {
	for _, c := range []struct{ usage, wantUsage, wantDef string }{
		{"Fano window in `MS` (default 100)", "Fano window in `MS`", "100"},
		{"seed (default: the spec's)", "seed", "the spec's"},
		{"group `POP[:N]` (the first N; default: the first population)", "group `POP[:N]` (the first N)", "the first population"},
		{"no default here", "no default here", ""},
	} {
		f := stringFlag(c.usage)
		defaultOnce(f)
		if f.Usage != c.wantUsage || f.DefaultText != c.wantDef {
			t.Errorf("%q: usage %q default %q, want %q and %q", c.usage, f.Usage, f.DefaultText, c.wantUsage, c.wantDef)
		}
	}
}

func stringFlag(usage string) *cli.StringFlag { return &cli.StringFlag{Name: "x", Usage: usage} }
