// Package cli is dalesim's command-line interface (urfave/cli v2): one
// command per file, with the work itself done by the library packages.
//
// Exit status: 0 on success, 1 on a run-time failure, 2 on bad input (a
// spec, a flag or a file that breaks a rule; the message names the field, the
// value and the rule), 130 when a run was interrupted by SIGINT or SIGTERM.
package cli
