// Package plot draws PNG figures of runs recorded with package traces:
// spike raster, population rate, ISI distributions and weight histograms
// with their lognormal fits (Plot). It reads the runs with package traces
// and takes its statistics from package analysis.
//
// It is dalesim's only package that imports gonum.org/v1/plot (with its
// fonts and LaTeX text handling), so that reading traces and computing
// statistics do not link them. Inside this package the name plot refers to
// gonum.org/v1/plot.
//
// Figures have one colour per population: reds for excitatory, blues for
// inhibitory populations. The weights figure leaves out projections whose
// recorded weights all have the same value (see Plot).
package plot
