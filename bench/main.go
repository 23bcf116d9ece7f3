// Command bench measures w3ws side by side with coder/websocket,
// gorilla/websocket, gobwas/ws and lxzan/gws over loopback (make bench).
//
// The echo part runs client and server in separate processes on 127.0.0.1:
// this program is the client, and it re-executes itself with the serve
// subcommand for each echo server. Binary messages of each -sizes are echoed
// in two modes: pingpong (one message in flight: messages per second and the
// round trip's p50 and p99) and stream (a writer keeps 64 messages in flight:
// messages and megabytes per second). Two sets of servers: ref, every client
// against one fixed reference server (a minimal frame echo on gobwas/ws
// primitives), so that only the client differs; and pairs, each
// implementation at both ends.
//
// The idle part measures what an open, idle socket costs its client: for
// each implementation, a fresh process (the idle subcommand) opens -n
// sockets to the reference server in another process and reports the growth
// of its RSS, Go heap, goroutine stacks and goroutines, per socket.
//
// The deflate part (not run by default: -parts deflate, or make
// bench-deflate) measures permessage-deflate: each implementation that
// supports it at both ends, with compression on at both, echoes text
// messages of JSON records (-deflate-sizes) in the same two modes, once
// per -deflate setting (no context takeover, context takeover, or off for
// a baseline). Beside msg/s it reports the bytes on the wire per message in
// each direction, which the server child reads from its socket's TCP_INFO.
//
// Every part runs in -rounds rounds. A round measures every implementation
// once per cell (set or compression, mode, size), in an order shuffled per
// cell, so that other load on the machine spreads over all of them. The
// tables show medians over rounds, the median over rounds of each row's
// ratio to the best of the peers in the same round, and a spread column.
//
//	go run . -rounds 1 -dur 1s -parts echo -sizes 16,64K
//	go run . -rounds 1 -dur 1s -parts deflate -deflate-sizes 1K
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// config holds the flags of a benchmark run.
type config struct {
	parts        []string
	sets         []string
	modes        []string
	impls        []impl.Impl
	sizes        []int
	deflates     []impl.Deflate
	deflateSizes []int
	rounds       int
	warm         time.Duration
	dur          time.Duration
	n            int
	seed         uint64
	timeout      time.Duration
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			os.Exit(serveMain(os.Args[2:]))
		case "idle":
			os.Exit(idleMain(os.Args[2:]))
		}
	}
	c, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	os.Exit(run(c, os.Stdout, os.Stderr))
}

// parseFlags parses the flags of a benchmark run.
func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	parts := fs.String("parts", "echo,idle", "parts to run: echo, idle, deflate")
	sets := fs.String("sets", "ref,pairs", "echo sets: ref (every client against the reference server), pairs (each implementation at both ends)")
	modes := fs.String("modes", "pingpong,stream", "echo modes: pingpong, stream")
	impls := fs.String("impls", "", "implementations, comma-separated (default all: "+strings.Join(implNames(impl.All()), ",")+")")
	sizes := fs.String("sizes", "16,1K,64K,1M", "message sizes in bytes, with an optional K or M suffix (KiB, MiB)")
	deflates := fs.String("deflate", "no-takeover,takeover", "the deflate part's compression settings: "+strings.Join(impl.DeflateNames(), ", ")+" (off: uncompressed, a baseline)")
	deflateSizes := fs.String("deflate-sizes", "1K,64K", "the deflate part's message sizes, as -sizes")
	fs.IntVar(&c.rounds, "rounds", 5, "rounds; medians are taken over rounds")
	fs.DurationVar(&c.warm, "warm", 100*time.Millisecond, "warm-up of each echo cell, before it is measured")
	fs.DurationVar(&c.dur, "dur", 500*time.Millisecond, "measured time of each echo cell per round")
	fs.IntVar(&c.n, "n", 5000, "sockets per implementation in the idle part")
	fs.Uint64Var(&c.seed, "seed", 0, "seed of the shuffled order (0: from the clock; the report prints it)")
	fs.DurationVar(&c.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.parts, err = choose("-parts", *parts, []string{"echo", "idle", "deflate"}); err != nil {
		return c, err
	}
	if c.sets, err = choose("-sets", *sets, []string{"ref", "pairs"}); err != nil {
		return c, err
	}
	if c.modes, err = choose("-modes", *modes, []string{"pingpong", "stream"}); err != nil {
		return c, err
	}
	names := implNames(impl.All())
	if *impls != "" {
		if names, err = choose("-impls", *impls, names); err != nil {
			return c, err
		}
	}
	for _, name := range names {
		im, _ := impl.Lookup(name)
		c.impls = append(c.impls, im)
	}
	if c.sizes, err = parseSizes("-sizes", *sizes); err != nil {
		return c, err
	}
	names, err = choose("-deflate", *deflates, impl.DeflateNames())
	if err != nil {
		return c, err
	}
	for _, name := range names {
		d, _ := impl.ParseDeflate(name)
		c.deflates = append(c.deflates, d)
	}
	if c.deflateSizes, err = parseSizes("-deflate-sizes", *deflateSizes); err != nil {
		return c, err
	}
	if c.rounds < 1 || c.dur <= 0 || c.warm < 0 || c.n < 1 || c.timeout <= 0 {
		return c, fmt.Errorf("need -rounds >= 1, -dur > 0, -warm >= 0, -n >= 1 and -timeout > 0")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

// choose splits a comma-separated flag value and checks each element
// against allowed, keeping allowed's order.
func choose(name, value string, allowed []string) ([]string, error) {
	picked := map[string]bool{}
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(allowed, v) {
			return nil, fmt.Errorf("%s: unknown value %q (choose among %s)", name, v, strings.Join(allowed, ","))
		}
		picked[v] = true
	}
	var out []string
	for _, a := range allowed {
		if picked[a] {
			out = append(out, a)
		}
	}
	return out, nil
}

// implNames returns the implementations' names.
func implNames(ims []impl.Impl) []string {
	names := make([]string, len(ims))
	for i, im := range ims {
		names[i] = im.Name
	}
	return names
}

// parseSizes parses the value of flag name, "16,1K,64K,1M": bytes, KiB or
// MiB, at most impl.MaxMessage each.
func parseSizes(name, value string) ([]int, error) {
	var sizes []int
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		unit := 1
		switch {
		case strings.HasSuffix(v, "K"):
			unit, v = 1<<10, strings.TrimSuffix(v, "K")
		case strings.HasSuffix(v, "M"):
			unit, v = 1<<20, strings.TrimSuffix(v, "M")
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n*unit > impl.MaxMessage {
			return nil, fmt.Errorf("%s: %q is not a size from 1 byte to %s", name, v, sizeLabel(impl.MaxMessage))
		}
		sizes = append(sizes, n*unit)
	}
	return sizes, nil
}

// sizeLabel writes a size as the tables' column heads do: 16 B, 1 KiB, 1 MiB.
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
