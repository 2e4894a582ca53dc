// Command dalesim is a spiking neuromorphic simulator: populations of LIF
// neurons under Dale's law, event-driven delivery through sparse projections
// with delays, SIMD kernels chosen at run time, Parquet traces, and a
// biologically inspired learning rule trained on MNIST.
//
// Usage:
//
//	dalesim train                   train the MNIST network of examples/mnist.toml
//	dalesim eval --model DIR        score a trained model
//	dalesim run SPEC                simulate a TOML spec file
//	dalesim bench coba|cuba|brunel  run a standard benchmark network
//	dalesim analyze DIR             statistics of recorded traces
//	dalesim plot DIR                raster, rate, ISI and weight plots
//	dalesim info                    CPU features and SIMD kernels
//
// `dalesim help COMMAND` (or `dalesim COMMAND --help`) lists a command's flags;
// README.md explains them.
package main
