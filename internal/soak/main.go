//go:build !js

// Command soak is w3ws's soak and scale test of the W3C API on loopback
// (make soak; not part of make test).
//
// The parent process is the client. It re-executes itself with the serve
// subcommand to start the server in a child process, which accepts
// WebSockets with websocket.Upgrade on 127.0.0.1:0 and echoes every message
// from its OnMessage handler with SendContext. The parent then opens -n
// client sockets with websocket.NewWithOptions in bounded batches, makes
// every socket echo messages (16 B and 1 KiB in turn, one in flight per
// socket) for -echo, closes and replaces a fraction of them for -churn
// rounds, and finally closes everything. After each phase it prints, for
// both processes, RSS, Go heap, goroutine stacks and goroutines, in total
// and per open socket, and the echo rate.
//
// It exits 1, listing what failed, when an echo was lost or corrupted, a
// socket failed to open, a close was not clean (1000, WasClean), or once
// everything is closed goroutines or heap in either process are not back
// within -goroutine-margin and -heap-margin of their baseline. It exits 2
// when the whole run exceeds -timeout.
//
// Some heap stays after every socket closed without any leak: the Go runtime
// keeps the descriptor of every goroutine it ever ran for reuse, about
// 490 B each, so a process that peaked at 12,000 goroutines keeps about
// 6 MiB. The default -heap-margin (16 MiB) covers that up to about 30,000
// sockets; raise it beyond.
//
// Each process needs a file descriptor per socket it holds plus those of a
// churn round's replacements (fdsNeeded); both raise RLIMIT_NOFILE to its
// hard limit and stop with a message if that is too low.
//
//	go run ./internal/soak -n 500 -echo 10s
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// config holds the parent's flags.
type config struct {
	n               int
	batch           int
	echo            time.Duration
	churnRounds     int
	churnFrac       float64
	openTimeout     time.Duration
	drainTimeout    time.Duration
	closeTimeout    time.Duration
	settle          time.Duration
	timeout         time.Duration
	goroutineMargin int
	heapMarginMiB   int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serve(os.Args[2:]))
	}
	var c config
	flag.IntVar(&c.n, "n", 10000, "concurrent client sockets")
	flag.IntVar(&c.batch, "batch", 200, "sockets opened in parallel per batch")
	flag.DurationVar(&c.echo, "echo", 20*time.Second, "length of the echo phase")
	flag.IntVar(&c.churnRounds, "churn", 3, "churn rounds")
	flag.Float64Var(&c.churnFrac, "churn-frac", 0.2, "fraction of the sockets closed and replaced per churn round")
	flag.DurationVar(&c.openTimeout, "open-timeout", 30*time.Second, "bound on opening one batch")
	flag.DurationVar(&c.drainTimeout, "drain-timeout", 15*time.Second, "bound on waiting for the echoes in flight")
	flag.DurationVar(&c.closeTimeout, "close-timeout", 60*time.Second, "bound on waiting for close events")
	flag.DurationVar(&c.settle, "settle", 10*time.Second, "bound on waiting for goroutines to end after the last close")
	flag.DurationVar(&c.timeout, "timeout", 4*time.Minute, "bound on the whole run")
	flag.IntVar(&c.goroutineMargin, "goroutine-margin", 10, "goroutines allowed above the baseline at the end")
	flag.IntVar(&c.heapMarginMiB, "heap-margin", 16, "MiB of heap allowed above the baseline at the end")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "soak: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if c.n < 1 || c.batch < 1 || c.churnRounds < 0 || c.churnFrac < 0 || c.churnFrac > 1 {
		fmt.Fprintln(os.Stderr, "soak: need -n >= 1, -batch >= 1, -churn >= 0 and 0 <= -churn-frac <= 1")
		os.Exit(2)
	}
	os.Exit(run(c))
}
