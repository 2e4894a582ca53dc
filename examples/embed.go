package examples

import _ "embed"

// MNIST is examples/mnist.toml: the default network of `dalesim train`.
//
//go:embed mnist.toml
var MNIST []byte
