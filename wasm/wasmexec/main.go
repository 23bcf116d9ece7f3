//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// main runs the program named by the first argument in Chromium and exits
// with its exit code. A signal stops the run, and Chromium with it.
func main() {
	// Asking for SIGPIPE turns a closed stdout (wasmexec ... | head) from a
	// sudden death, which would leave Chromium's profile behind, into a
	// write error that ends the run through the normal cleanup.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "wasmexec: %v\n", err)
	}
	os.Exit(code)
}
