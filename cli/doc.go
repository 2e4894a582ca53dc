// Package cli is dalesim's command-line interface (urfave/cli v2): one
// command per file, with the work itself done by the library packages.
//
// Exit status: 0 on success, 1 on a run-time failure, 2 on bad input (a
// spec, a flag or a file that breaks a rule; the message names the field, the
// value and the rule), 130 when a run was interrupted by SIGINT or SIGTERM.
//
// run --part-every, --checkpoint-every and --resume (resume.go) make runs
// survive SIGKILL: the traces are written in parts that are each a complete
// Parquet file, the network state is checkpointed where a part ends, and
// --resume continues from the last checkpoint with the spec recorded in the
// run directory, giving the spikes and spike_checksum of a run never
// interrupted.
package cli
