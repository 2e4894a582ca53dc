// Package baseline provides backprop baselines.
package baseline
