package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// maxMsgs bounds the echoes of one measurement, whatever its time.
const maxMsgs = 1 << 24

// cell is one echo configuration, measured once per implementation per
// round.
type cell struct {
	set  string // "ref" or "pairs"
	mode string // "pingpong" or "stream"
	size int
}

// samples holds every round's measurement of every implementation in every
// cell: samples[cell][impl][round], nil where the measurement failed.
type samples map[cell]map[string][]*result

// idleSamples holds every round's idle figures per implementation:
// idleSamples[impl][round], nil where the child failed.
type idleSamples map[string][]*[4]float64

// run runs the parts of c, writes the report on out and progress and errors
// on log, and returns the exit code: 1 when a measurement failed.
func run(c config, out, log io.Writer) int {
	overrun := time.AfterFunc(c.timeout, func() {
		fmt.Fprintf(log, "bench: the run exceeded -timeout %v\n", c.timeout)
		os.Exit(2) // the server children exit as their standard input closes
	})
	defer overrun.Stop()
	start := time.Now()
	rng := rand.New(rand.NewPCG(c.seed, c.seed>>32))
	writeHeader(out, c)
	failed := 0
	for _, part := range c.parts {
		var n int
		var err error
		switch part {
		case "echo":
			n, err = runEcho(c, rng, out, log)
		case "idle":
			n, err = runIdlePart(c, rng, out, log)
		case "deflate":
			n, err = runDeflate(c, rng, out, log)
		}
		if err != nil {
			fmt.Fprintf(log, "bench: %s: %v\n", part, err)
			return 1
		}
		failed += n
	}
	fmt.Fprintf(out, "\nThe run took %s; load average at the end %s.\n", time.Since(start).Round(time.Second), loadAverage())
	if failed > 0 {
		fmt.Fprintf(log, "bench: %d measurements failed (see above); their cells are empty\n", failed)
		return 1
	}
	return 0
}

// runEcho runs the echo part and writes its tables; it returns the number
// of failed measurements.
func runEcho(c config, rng *rand.Rand, out, log io.Writer) (int, error) {
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	names := []string{}
	if slices.Contains(c.sets, "ref") {
		names = append(names, impl.Ref.Name)
	}
	if slices.Contains(c.sets, "pairs") {
		names = append(names, implNames(c.impls)...)
	}
	for _, name := range names {
		s, err := startServer(name, impl.DeflateOff, c.timeout)
		if err != nil {
			return 0, err
		}
		servers[name] = s
	}
	var cells []cell
	for _, set := range c.sets {
		for _, mode := range c.modes {
			for _, size := range c.sizes {
				cells = append(cells, cell{set, mode, size})
			}
		}
	}
	data := samples{}
	for _, cl := range cells {
		data[cl] = map[string][]*result{}
		for _, im := range c.impls {
			data[cl][im.Name] = make([]*result, c.rounds)
		}
	}
	l := limits{warm: c.warm, dur: c.dur, maxMsgs: maxMsgs, window: window}
	failed := 0
	for r := range c.rounds {
		t := time.Now()
		for _, cl := range cells {
			order := slices.Clone(c.impls)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, im := range order {
				srv := servers[impl.Ref.Name]
				if cl.set == "pairs" {
					srv = servers[im.Name]
				}
				runtime.GC() // the previous measurement's garbage is not this one's
				measure := pingPong
				if cl.mode == "stream" {
					measure = stream
				}
				res, err := measure(im, srv.url, binaryLoad(cl.size), l)
				if err != nil {
					failed++
					fmt.Fprintf(log, "round %d, %s %s %s, client %s against server %s: %v\n",
						r+1, cl.set, cl.mode, sizeLabel(cl.size), im.Name, srv.name, err)
					continue
				}
				data[cl][im.Name][r] = &res
			}
		}
		fmt.Fprintf(log, "echo round %d/%d: %d measurements in %s (load average %s)\n",
			r+1, c.rounds, len(cells)*len(c.impls), time.Since(t).Round(100*time.Millisecond), loadAverage())
	}
	writeEcho(out, c, data)
	return failed, nil
}

// runIdlePart runs the idle part and writes its table; it returns the number
// of failed children.
func runIdlePart(c config, rng *rand.Rand, out, log io.Writer) (int, error) {
	srv, err := startServer(impl.Ref.Name, impl.DeflateOff, c.timeout)
	if err != nil {
		return 0, err
	}
	defer srv.stop()
	data := idleSamples{}
	for _, im := range c.impls {
		data[im.Name] = make([]*[4]float64, c.rounds)
	}
	failed := 0
	for r := range c.rounds {
		t := time.Now()
		order := slices.Clone(c.impls)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, im := range order {
			res, err := runIdle(im, srv.url, c.n)
			if err != nil {
				failed++
				fmt.Fprintf(log, "idle round %d, %s: %v\n", r+1, im.Name, err)
				continue
			}
			per := res.perSocket()
			data[im.Name][r] = &per
		}
		fmt.Fprintf(log, "idle round %d/%d: %d processes of %d sockets in %s\n",
			r+1, c.rounds, len(order), c.n, time.Since(t).Round(100*time.Millisecond))
	}
	writeIdle(out, c, data)
	return failed, nil
}
