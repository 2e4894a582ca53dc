// Command dalesim is a spiking neuromorphic simulator: LIF populations under
// Dale's law with event-driven delivery and SIMD kernels. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"dalesim/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args)
	stop()
	os.Exit(code)
}
