// Package traces writes and reads dalesim's simulation traces as Parquet
// files, and computes spike-train and weight statistics and plots from them.
// It does not depend on the engine packages.
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
//	         No t_ms column: it costs ~0.3 bytes and ~30 ns per spike (40 % of the
//	         writer); compute it as step * dt_ms.
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
// Measured on a Brunel-like stream (12,500 neurons, dt 0.1 ms, ~38 spikes
// per step, ~380,000 spikes per simulated second) on 2 cores: 1.91 bytes
// per spike (1.81 partitioned; 1.87 with ZstdDefault) and 25-35 ns of CPU
// per spike for encoding and zstd (BenchmarkSpikeWriter), spent on a
// background goroutine; recording added 1-6 % to a single-threaded
// stand-in simulation of ~0.47 s per simulated second
// (BenchmarkRecordingOverhead). Reading back costs ~55 ns per spike.
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
//
// # Statistics
//
// The definitions follow Elephant (Denker et al. 2018, elephant.readthedocs.io)
// where it has one:
//
//   - CV: std/mean of the inter-spike intervals, population std (ddof 0), as
//     elephant.statistics.cv. The per-population value is the mean over the
//     neurons with at least 3 spikes.
//   - LV: local variation (Shinomoto, Shima & Tanji 2003, Neural Comput
//     15:2823), 3/(n-1) sum ((I_i - I_{i+1})/(I_i + I_{i+1}))^2, as
//     elephant.statistics.lv; same neurons as CV.
//   - Fano factor: var/mean (ddof 0) of spike counts, as
//     elephant.statistics.fanofactor, per neuron over consecutive windows of
//     AnalyzeOptions.FanoWindowMS, averaged over neurons that fired.
//   - Pairwise correlation: Pearson correlation of binned spike counts, as
//     elephant.spike_train_correlation.correlation_coefficient, on a seeded
//     sample of pairs of neurons that fired.
//   - Cross-correlogram: CCG[k] = sum_t A[t] B[t+k] of two groups' summed
//     binned trains, as elephant.spike_train_correlation.cross_correlation_histogram.
//   - Synchrony: CV of the population spike count at 1 ms bins, and Golomb's
//     chi (Golomb 2007, Scholarpedia 2(1):1347) on binned counts.
//   - Weights (FitWeights): fraction of zeros, mean, sd; lognormal fit
//     (mean and sd of ln w), a one-sample Kolmogorov-Smirnov test of ln w
//     against the fitted normal with the asymptotic Kolmogorov p-value
//     (conservative since the parameters are fitted), and the AIC of the
//     lognormal, gamma (maximum likelihood, Minka 2002 start + Newton) and
//     exponential fits.
//
// Analyze gathers all of these for a run (text, JSON, Parquet summary) and
// Plot draws raster, rate, ISI and weight-distribution PNGs.
package traces
