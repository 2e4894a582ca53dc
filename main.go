package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"dalesim/cli"
)

func main() {
	// The first SIGINT or SIGTERM cancels ctx: a run stops at the end of its
	// step and closes its traces. Default handling is then restored at once,
	// so a second signal ends the process immediately.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args)
	stop()
	os.Exit(code)
}
