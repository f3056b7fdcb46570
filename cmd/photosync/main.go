// Command photosync keeps local photo folders and a Google Photos account in
// step, in both directions. Run "photosync --help" for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	tuneGC()
	// SIGINT and SIGTERM cancel the context that every command runs
	// under, so that commands can stop and save their state.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
