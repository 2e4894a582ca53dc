// Package analysis computes spike-train and synaptic-weight statistics of
// runs recorded with package traces, and gathers them into an analysis
// table (text, JSON, Parquet summary). It reads traces; traces does not
// depend on it.
//
// # Definitions
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
//     sample of pairs of neurons that fired (SamplePairs; Analysis lists them
//     as corr_pair_list so that other tools can evaluate the same pairs).
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
// # Conventions
//
// Spike times are in ms (step * dt_ms of the traces); a window [FromMS, ToMS)
// is half-open, and binned counts use the floor((ToMS-FromMS)/bin) full bins
// of it (NumBins, BinIndex), dropping spikes after the last full bin.
// The spike-train statistics (CV, LV, Fano factor, synchrony) use population
// variances (ddof 0), as Elephant; the spreads of summaries over neurons,
// pairs or synapses (RateDist.SD, PopulationStats.CorrSD, WeightStats.SD and
// LogSigma) are sample standard deviations (ddof 1). Statistics
// are NaN where undefined (a silent population, fewer than 2 distinct
// positive weights); the result types marshal NaN and ±Inf to JSON as null.
//
// # Analysis table
//
// Analyze reads a run with package traces and gathers all of these per
// population and projection; Analysis prints them as text (WriteText),
// marshals to JSON, and writes a long Parquet summary (Rows, WriteParquet).
// Package plot draws the figures.
package analysis
