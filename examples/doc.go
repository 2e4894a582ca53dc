// Package examples ships dalesim's example spec files inside the binary, so
// that commands such as `dalesim train` work from any directory.
package examples
