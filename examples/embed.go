// Package examples ships dalesim's example spec files inside the binary, so
// that commands such as `dalesim train` work from any directory.
package examples

import _ "embed"

// MNIST is examples/mnist.toml: the default network of `dalesim train`.
//
//go:embed mnist.toml
var MNIST []byte
