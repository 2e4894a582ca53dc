// Package traces writes and reads dalesim's simulation traces as Parquet
// files: schemas, the Recorder, the readers, metadata and the run layout. It
// does not depend on the engine packages. Statistics of the traces are in
// package analysis, figures in package plot.
//
// # Layout
//
// A run directory DIR holds, flat:
//
//	DIR/run.json          manifest: Meta as JSON, layout, status, last step, files
//	DIR/spikes.parquet    one file per recorded table (Options.Spikes, States, Weights, Rates)
//	DIR/states.parquet
//	DIR/weights.parquet
//	DIR/rates.parquet
//
// With Options.Partition, runs are hive-partitioned so that a sweep of runs
// written into one DIR reads as one data set per table:
//
//	DIR/run=<id>/run.json
//	DIR/run=<id>/spikes/population=<name>/part-0.parquet
//	DIR/run=<id>/states/part-0.parquet       (likewise weights/, rates/)
//
// In DuckDB:
//
//	SELECT run, population, count(*) FROM read_parquet('DIR/*/spikes/*/*.parquet', hive_partitioning=true) GROUP BY ALL;
//	SELECT run, projection, avg(weight) FROM read_parquet('DIR/*/weights/*.parquet', hive_partitioning=true) GROUP BY ALL;
//
// (A single glob over all tables, DIR/**/*.parquet, cannot work: the tables
// have different columns. The table is a plain directory level, not a
// key=value one, so that run= is the only partition key besides
// population=.) The population column is kept inside the spike files too, so
// each file is self-describing; DuckDB then uses the file's column.
//
// Run ids and, when partitioned, population names may use letters, digits
// and - _ . + @ only.
//
// # Schemas
//
// All files are zstd-compressed (Options.Compression), with row groups of
// Options.RowGroupRows rows (default 2^20). Integers that grow slowly are
// DELTA_BINARY_PACKED, strings are dictionary-encoded, floats use
// BYTE_STREAM_SPLIT. Times are integer steps; t_ms = step * dt_ms.
//
//	spikes   step int64 (delta), population string (dict), neuron int32 (delta)
//	         sorted by (step, population index in Meta.Populations, neuron); in a
//	         partitioned run each file holds one population, sorted by (step, neuron).
//	         No t_ms column: it would add a column per spike to the files and to
//	         the writer's work; compute it as step * dt_ms.
//	states   step int64, t_ms float64 (ms), population string, neuron int32,
//	         var string (dict), value float32 (the variable's unit: mV, pA, nS)
//	         long format: one row per (step, neuron, variable); sorted by step.
//	weights  step int64, t_ms float64, projection string (dict), pre int32,
//	         post int32, weight float32 (magnitude >= 0), sign int8 (+1/-1)
//	         one row per synapse per snapshot; sorted by step.
//	rates    step int64 (bin start), t_ms float64, population string,
//	         bin_ms float64, rate_hz float32 (spikes per neuron per second)
//
// States are long rather than wide because the variables differ between
// neuron models and populations (v, i_syn, g_ex, threshold, ...) and
// different neurons may be sampled for different variables: one schema fits
// every network, dictionary encoding makes the repeated population and var
// strings nearly free, and DuckDB's PIVOT turns it wide when needed.
//
// # Metadata
//
// Every file carries key-value metadata: dalesim.version, dalesim.spec (the
// TOML spec), dalesim.seed, dalesim.dt_ms, dalesim.kernel, dalesim.threads,
// dalesim.start_time (RFC 3339), dalesim.populations and
// dalesim.projections (JSON arrays of PopulationInfo and ProjectionInfo),
// dalesim.run_id (partitioned runs), dalesim.table, and, written at Close,
// dalesim.status ("complete" or "interrupted") and dalesim.last_step.
// Meta.Extra keys are written verbatim. ReadMeta reads them back; DuckDB
// shows them with parquet_kv_metadata('file').
//
// # Writing and interruption
//
// The engine calls Create once, then per step, in non-decreasing step order,
// Spikes / State / Weights / Rate, and finally Close. Spikes does not
// allocate: it copies the indices into a batch; full batches are encoded by
// one goroutine per file while the caller fills the next batch, so memory
// is bounded (two batches plus one row group per file) whatever the run
// length. Options.Synchronous encodes on the caller's goroutine instead.
//
// Files are written as NAME.parquet.inprogress and renamed at Close, so a
// NAME.parquet file is always complete; run.json says "running" until Close
// rewrites it. Close writes the footers, so the engine must call it on
// SIGINT/SIGTERM too, with Status{Interrupted: true}: the files then hold
// every row passed before Close. A run killed without Close leaves
// .inprogress files that no reader accepts (they have no footer), and the
// readers say so. Create refuses to write into a directory holding a run
// (run.json, a .parquet file, or for partitioned runs the same run=<id>)
// unless Options.Force is set; Force removes only dalesim's own files of
// that run.
//
// # Parts: surviving a kill
//
// With Options.PartRolling (or in the partitioned layout) Writer.Roll
// closes the files of the current part, each a complete Parquet file whose
// footer says dalesim.status "running", dalesim.last_step and dalesim.part,
// and opens the next part; run.json is rewritten to list the closed parts.
// The files of part k are
//
//	DIR/spikes-part-<k>.parquet                               flat (likewise states-, weights-, rates-)
//	DIR/run=<id>/spikes/population=<name>/part-<k>.parquet   partitioned
//	DIR/run=<id>/states/part-<k>.parquet
//
// so a run killed with SIGKILL loses only the rows of its last, .inprogress
// part: the readers read the complete parts (and ignore the .inprogress
// ones), and one glob still reads a spikes-only run as one table,
// read_parquet('DIR/**/*.parquet', hive_partitioning=1) in DuckDB. Parts
// of one table follow each other in step order; the readers join them
// (part-10 after part-9). Resume reopens a run at part k: it removes the
// files of parts >= k (the stale .inprogress ones included) and writes
// part k, so that a run continued from a network checkpoint taken when
// part k began (see dalesim run --checkpoint-every and --resume) reads as
// one that was never interrupted. A run without PartRolling writes one
// <table>.parquet per table, as before.
//
// # Reading
//
// ReadSpikes, ReadStates, ReadWeights, ReadRates and ReadMeta accept a trace
// file, a run directory, or a directory of partitioned runs holding exactly
// one run. They return columnar tables. Errors say what is wrong: not a
// Parquet file, truncated (no footer), corrupt, a missing column (naming
// the table the file really holds), a table that was not recorded
// (errors.Is(err, ErrNoTable)), an unclosed run. Corrupt input never panics:
// page headers are checked before parquet-go allocates for them, and any
// panic in the Parquet library is turned into an error.
package traces
