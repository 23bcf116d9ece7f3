//go:build !js

package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"
)

// soak is one run of the parent: its settings, the server child, the
// client sockets, the tables printed so far and the verdict.
type soak struct {
	c     config
	ch    *child
	f     *fleet
	v     verdict
	rows  []row
	phase atomic.Pointer[string]

	cBase, sBase Stats
	lastSrv      serverReport
}

// run runs every phase and returns the exit code.
func run(c config) int {
	start := time.Now()
	need := fdsNeeded(c.n, c.churnFrac)
	lim, err := raiseNoFile(need)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: client:", err)
		return 1
	}
	ch, err := startChild(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	s := &soak{c: c, ch: ch, v: verdict{w: os.Stdout}}
	s.f = newFleet("ws://"+ch.hello.Addr+"/ws", c.batch)
	s.setPhase("start")
	watchdog := time.AfterFunc(c.timeout, s.timedOut)
	defer watchdog.Stop()

	fmt.Printf("# w3ws soak: %d sockets, batches of %d, echo %v, churn %d x %.0f%%\n\n", c.n, c.batch, c.echo, c.churnRounds, c.churnFrac*100)
	fmt.Printf("- %s, %s/%s, GOMAXPROCS %d, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Printf("- server %s (pid %d); client pid %d\n", ch.hello.Addr, ch.cmd.Process.Pid, os.Getpid())
	fmt.Printf("- RLIMIT_NOFILE: client %s; server %s; each process needs %d\n", lim, ch.hello.NoFile, need)
	fmt.Printf("- client sockets: Options.ParallelHandshakes (a load generator); server sockets: Upgrade's defaults\n")
	fmt.Printf("- figures after runtime.GC; per conn = growth over the baseline / sockets open in that process\n")

	code := s.phases(context.Background())
	if err := ch.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "soak: server exit:", err)
		code = 1
	}
	fmt.Printf("\nwhole run: %.1f s\n", time.Since(start).Seconds())
	return code
}

// phases runs the phases in order and prints the summary and the verdict.
func (s *soak) phases(ctx context.Context) int {
	if err := s.baseline(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	err := s.open(ctx)
	if err == nil {
		err = s.echo(ctx)
	}
	for i := 1; err == nil && i <= s.c.churnRounds; i++ {
		err = s.churn(ctx, i)
	}
	if err == nil {
		err = s.closeAll(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	writeTable(os.Stdout, "## Summary", s.rows)
	fmt.Println()
	if p := s.f.problem.Load(); p != nil {
		fmt.Printf("client's first problem: %s\n", *p)
	}
	if p := s.lastSrv.Counters.FirstProblem; p != "" {
		fmt.Printf("server's first problem: %s\n", p)
	}
	if s.v.failed() {
		fmt.Printf("FAIL: %d checks failed:\n", len(s.v.failures))
		for _, f := range s.v.failures {
			fmt.Printf("  - %s\n", f)
		}
		return 1
	}
	fmt.Println("PASS: no leak, no lost or corrupted echo, every close clean")
	return 0
}

func (s *soak) setPhase(p string) { s.phase.Store(&p) }

// timedOut ends the run when it exceeds -timeout: it kills the server, says
// where the client was and what its goroutines were doing, and exits 2.
func (s *soak) timedOut() {
	s.ch.kill() // first, so that the server goes whatever happens to us
	f := s.f
	fmt.Fprintf(os.Stderr, "\nFAIL: soak did not finish within -timeout %v: stuck in phase %q; "+
		"%d open events, %d failed opens, %d sent, %d echoed, %d bad, %d error events, %d unexpected closes, %d goroutines\n",
		s.c.timeout, *s.phase.Load(), f.opened.Load(), f.openFails.Load(), f.sent.Load(), f.received.Load(), f.bad.Load(),
		f.errEvents.Load(), f.unexpected.Load(), runtime.NumGoroutine())
	if p := f.problem.Load(); p != nil {
		fmt.Fprintf(os.Stderr, "client's first problem: %s\n", *p)
	}
	fmt.Fprintln(os.Stderr, "client goroutines:")
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
	os.Exit(2)
}

// report samples both processes at the end of a phase, prints the phase's
// table and keeps its rows for the summary. cRate and sRate are the echo
// rates of the phase (0 for none).
func (s *soak) report(name string, c Stats, srv serverReport, cRate, sRate float64) {
	rows := []row{
		{phase: name, process: "client", st: c, base: s.cBase, rate: cRate},
		{phase: name, process: "server", st: srv.Stats, base: s.sBase, rate: sRate},
	}
	writeTable(os.Stdout, "### "+name, rows)
	s.rows = append(s.rows, rows...)
	s.lastSrv = srv
}

// sampleBoth samples the client, then the server.
func (s *soak) sampleBoth() (Stats, serverReport, error) {
	c := sample(len(s.f.open), s.f.received.Load())
	srv, err := s.ch.stats()
	return c, srv, err
}

// baseline samples both processes before any socket opens.
func (s *soak) baseline() error {
	s.setPhase("baseline")
	c, srv, err := s.sampleBoth()
	if err != nil {
		return err
	}
	s.cBase, s.sBase = c, srv.Stats
	s.report("baseline", c, srv, 0, 0)
	return nil
}

// open opens the -n sockets.
func (s *soak) open(ctx context.Context) error {
	s.setPhase("open")
	t0 := time.Now()
	opened, failed := s.f.openSockets(ctx, s.c.n, s.c.openTimeout)
	s.f.open, s.f.failed = opened, failed
	d := time.Since(t0)
	c, srv, err := s.sampleBoth()
	if err != nil {
		return err
	}
	s.report("open", c, srv, 0, 0)
	fmt.Printf("\nopened %d of %d sockets in %.1f s (%.0f/s); server saw %d open events\n",
		len(opened), s.c.n, d.Seconds(), float64(len(opened))/d.Seconds(), srv.Counters.Opened)
	s.v.check(len(opened) == s.c.n, "open: %d of %d sockets opened", len(opened), s.c.n)
	return nil
}

// echo runs the echo phase: every socket sends a message, waits for its
// echo and sends the next, for -echo; the figures are sampled while the
// traffic still runs, then the messages in flight are awaited.
func (s *soak) echo(ctx context.Context) error {
	s.setPhase("echo")
	f := s.f
	srv0 := s.lastSrv
	f.echoing.Store(true)
	t0, r0 := time.Now(), f.received.Load()
	for _, k := range f.open {
		k.send(k.ws)
	}
	const progressEvery = 5 * time.Second
	for end := t0.Add(s.c.echo); time.Now().Before(end); {
		time.Sleep(min(progressEvery, time.Until(end)))
		fmt.Printf("echo: %4.1f s, %d echoes, %.0f/s\n", time.Since(t0).Seconds(), f.received.Load()-r0,
			float64(f.received.Load()-r0)/time.Since(t0).Seconds())
	}
	d, r1 := time.Since(t0), f.received.Load()
	c, srv, err := s.sampleBoth() // under load
	f.echoing.Store(false)
	drained := f.drain(ctx, s.c.drainTimeout)
	if err != nil {
		return err
	}
	cRate := float64(r1-r0) / d.Seconds()
	sRate := float64(srv.Echoes-srv0.Echoes) / srv.At.Sub(srv0.At).Seconds()
	s.report("echo (under load)", c, srv, cRate, sRate)
	fmt.Printf("\necho: %d round trips in %.1f s by %d sockets (%.1f per socket); after the stop: %d sent, %d echoed, %d in flight\n",
		r1-r0, d.Seconds(), len(f.open), float64(r1-r0)/float64(max(1, len(f.open))), f.sent.Load(), f.received.Load(), f.inFlight())
	s.v.check(drained, "echo: every message echoed within -drain-timeout (%d in flight)", f.inFlight())
	s.v.check(f.bad.Load() == 0, "echo: %d echoes corrupted, out of order or unexpected", f.bad.Load())
	s.v.check(f.sendErrs.Load() == 0, "echo: %d Send errors", f.sendErrs.Load())
	s.v.check(r1 > r0, "echo: some echoes arrived")
	s.healthChecks("echo")
	return nil
}

// healthChecks asserts that no socket failed or closed on its own so far.
func (s *soak) healthChecks(phase string) {
	s.v.check(s.f.errEvents.Load() == 0, "%s: client error events: %d", phase, s.f.errEvents.Load())
	s.v.check(s.f.unexpected.Load() == 0, "%s: client sockets closed without our Close: %d", phase, s.f.unexpected.Load())
	sc := s.lastSrv.Counters
	s.v.check(sc.Errors == 0 && sc.EchoErrors == 0 && sc.UpgradeFails == 0,
		"%s: server: %d error events, %d echo failures, %d upgrade failures", phase, sc.Errors, sc.EchoErrors, sc.UpgradeFails)
}

// churn closes -churn-frac of the open sockets, chosen at random, while
// opening as many new ones, waits for the closes, and checks that each new
// socket echoes one message.
func (s *soak) churn(ctx context.Context, round int) error {
	name := fmt.Sprintf("churn %d/%d", round, s.c.churnRounds)
	s.setPhase(name)
	f := s.f
	k := int(math.Round(s.c.churnFrac * float64(len(f.open))))
	rng := rand.New(rand.NewPCG(uint64(round), 0x50a6))
	rng.Shuffle(len(f.open), func(i, j int) { f.open[i], f.open[j] = f.open[j], f.open[i] })
	victims, keep := f.open[:k:k], f.open[k:]
	t0 := time.Now()
	closeSockets(victims)
	opened, failed := f.openSockets(ctx, k, s.c.openTimeout)
	f.failed = append(f.failed, failed...)
	res := f.waitClosed(ctx, victims, s.c.closeTimeout)
	f.open = append(append(make([]*sock, 0, len(keep)+len(opened)), keep...), opened...)
	d := time.Since(t0)
	echoed := f.echoOnce(ctx, opened, s.c.drainTimeout)
	c, srv, err := s.sampleBoth()
	if err != nil {
		return err
	}
	s.report(name, c, srv, 0, 0)
	fmt.Printf("\n%s: closed %d and opened %d in %.1f s; %s\n", name, k, len(opened), d.Seconds(), res)
	s.v.check(res.ok(), "%s: %s", name, res)
	s.v.check(len(opened) == k, "%s: %d of %d new sockets opened", name, len(opened), k)
	s.v.check(echoed && f.bad.Load() == 0, "%s: every new socket echoed a message (%d in flight, %d bad)", name, f.inFlight(), f.bad.Load())
	s.healthChecks(name)
	return nil
}

// closeAll closes every socket, waits for the close events on both sides
// and for the goroutines to end, and asserts that nothing leaked.
func (s *soak) closeAll(ctx context.Context) error {
	s.setPhase("close")
	f := s.f
	t0 := time.Now()
	closeSockets(f.open)
	res := f.waitClosed(ctx, f.open, s.c.closeTimeout)
	d := time.Since(t0)
	failedRes := f.waitClosed(ctx, f.failed, s.c.closeTimeout) // sockets that never opened must end too
	f.open, f.failed = nil, nil                                // drop every socket before the last samples

	s.setPhase("settle")
	deadline := time.Now().Add(s.c.settle)
	var srv serverReport
	var err error
	// Each sample runs a GC; the figures kept come from the second sample
	// on, once the first GC has moved sync.Pool contents to the pools'
	// victim caches and the second has dropped them.
	for i := 0; ; i++ {
		srv, err = s.ch.stats()
		if err != nil {
			return err
		}
		sc := srv.Counters
		if i > 0 && sc.Closed >= sc.Opened && srv.Goroutines <= s.sBase.Goroutines+s.c.goroutineMargin || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var c Stats
	runtime.GC()
	for {
		c = sample(0, f.received.Load())
		if c.Goroutines <= s.cBase.Goroutines+s.c.goroutineMargin || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.report("closed", c, srv, 0, 0)
	sc := srv.Counters
	fmt.Printf("\nclose: %s in %.1f s; server: %d opened, %d closed, %d clean\n", res, d.Seconds(), sc.Opened, sc.Closed, sc.Clean)
	s.v.check(res.ok(), "close: %s", res)
	s.v.check(failedRes.Missing == 0, "close: %d sockets that failed to open never closed", failedRes.Missing)
	s.v.check(sc.Opened == f.opened.Load(), "server: %d sockets accepted, client saw %d open events", sc.Opened, f.opened.Load())
	s.v.check(sc.Closed == sc.Opened, "server: %d close events for %d sockets", sc.Closed, sc.Opened)
	s.v.check(sc.Clean == sc.Closed, "server: %d of %d close events clean with 1000", sc.Clean, sc.Closed)
	s.v.check(srv.Echoes == f.received.Load() && f.sent.Load() == f.received.Load(),
		"echoes: client sent %d, server echoed %d, client received %d", f.sent.Load(), srv.Echoes, f.received.Load())
	s.healthChecks("close")
	heapMargin := uint64(s.c.heapMarginMiB) << 20
	s.v.leakChecks("client", s.cBase, c, s.c.goroutineMargin, heapMargin)
	s.v.leakChecks("server", s.sBase, srv.Stats, s.c.goroutineMargin, heapMargin)
	return nil
}
