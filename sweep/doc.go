// Package sweep runs parameter sweeps of dalesim networks: a sweep file
// names a base spec and the parameters to vary, Expand turns it into a Plan
// of runs (every point validated by the spec package before anything runs),
// Execute runs the plan on a local worker pool, SlurmScript writes it as a
// Slurm job array, and Collect gathers the finished runs into sweep.parquet.
//
// # Sweep files
//
//	name = "brunel-g-eta"
//	base = "brunel"   # a spec file (relative to the sweep file), a built-in
//	                  # benchmark (coba, cuba, brunel) or "mnist" (the training spec)
//	threads = 1       # threads of each run (and Slurm's --cpus-per-task)
//	seeds = [1, 2]    # optional: every point is run with each seed
//
//	[set]             # fixed values for every run
//	duration_ms = 500
//	"builtin.scale" = 0.2
//
//	[grid]            # cartesian product, first key slowest
//	"builtin.g" = [3, 4, 5, 6, 7, 8]
//	"builtin.eta" = [1, 2, 3, 4]
//
//	[lists]           # zipped: all lists have the same length
//	"drive.ext->E.rate_hz" = [10, 20]
//	"drive.ext->I.rate_hz" = [10, 20]
//
// # Paths
//
// A parameter is addressed by its TOML path in the spec: root keys (seed,
// duration_ms, dt_ms), keys of tables (fixed_point.weight_bits,
// training.epochs) and keys of the named arrays of tables [[population]],
// [[drive]] and [[projection]], whose element is picked by name:
// population.E.tau_m_ms, drive.ext->E.rate_hz, projection.I->E.weight
// (a projection without a name is called source->target, a drive without one
// drive<N>-><target>, as in the spec package). The bracket forms
// population[name=E].tau_m_ms and population[0].tau_m_ms do the same; names
// that hold a dot need the first. Paths go in quotes in the sweep file, or
// as dotted TOML keys (population.E.tau_m_ms = [...] under [grid]).
// builtin.g, builtin.eta, builtin.delay, builtin.scale, builtin.brian2_timing
// and builtin.fixed_point are the knobs of a built-in base (dalesim bench's
// --g, --eta, ...). A value replaces the spec's value: an integer where the
// spec has a float is taken as that float; a number may replace a
// distribution table and the reverse; every other change of type is refused.
//
// # Order and run ids
//
// Points are enumerated grid first (row-major, the first grid key varying
// slowest), then the zipped lists, then the seeds (fastest). A point's run id
// is its index and a hash of its expanded spec (0007-1a2b3c4d), so ids are the
// same every time the same sweep file is expanded, and a point whose spec
// changes gets a new id instead of being taken for finished.
//
// # Output
//
// Every run goes to OUT/run=<id>/ in the hive-partitioned layout of dalesim
// run --out --run-id; OUT/sweep-plan.json holds the plan (one row per run,
// with its full spec) and OUT/sweep.parquet one row per run: run_id, index,
// a column per varied parameter (named by its path), status and the run's
// summary figures.
package sweep
