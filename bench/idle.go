package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// Bounds of the idle part.
const (
	// idleWarm sockets are opened before the baseline is taken, so that
	// one-time costs (pools, the first handshake's allocations) stay out
	// of the per-socket figures.
	idleWarm = 20
	// idleParallel dials run at once.
	idleParallel = 32
	// idleSettle lets the reading goroutines park before the snapshot.
	idleSettle = 300 * time.Millisecond
	// idleChildTimeout bounds one idle child process.
	idleChildTimeout = 3 * time.Minute
)

// snapshot is a process's memory at one point.
type snapshot struct {
	RSS        int64 `json:"rss"`
	Heap       int64 `json:"heap"`   // bytes of live heap objects, after a GC
	Stacks     int64 `json:"stacks"` // bytes of goroutine stacks
	Goroutines int64 `json:"goroutines"`
}

// idleResult is what an idle child reports: the growth from before to after
// opening n sockets.
type idleResult struct {
	N      int      `json:"n"`
	Before snapshot `json:"before"`
	After  snapshot `json:"after"`
	Err    string   `json:"err,omitempty"`
}

// perSocket returns the growth per socket of RSS, heap, stacks (bytes) and
// goroutines.
func (r idleResult) perSocket() [4]float64 {
	n := float64(r.N)
	return [4]float64{
		float64(r.After.RSS-r.Before.RSS) / n,
		float64(r.After.Heap-r.Before.Heap) / n,
		float64(r.After.Stacks-r.Before.Stacks) / n,
		float64(r.After.Goroutines-r.Before.Goroutines) / n,
	}
}

// runIdle runs the idle child of im against the server at url, a fresh
// process, and returns its report.
func runIdle(im impl.Impl, url string, n int) (idleResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return idleResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), idleChildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "idle", "-impl", im.Name, "-url", url, "-n", strconv.Itoa(n))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	runErr := cmd.Run()
	var res idleResult
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &res); err != nil {
		return res, fmt.Errorf("idle %s: %v; output %q: %w", im.Name, runErr, out.String(), err)
	}
	if res.Err != "" {
		return res, fmt.Errorf("idle %s: %s", im.Name, res.Err)
	}
	return res, runErr
}

// idleMain is the idle subcommand: it opens -n client sockets of -impl to
// -url, keeps each ready to receive (a goroutine in Receive for a pulled
// client; the library's own reader for an event-driven one), and writes the
// growth of its memory as JSON on standard output. It exits without closing
// them: the kernel does.
func idleMain(args []string) int {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	name := fs.String("impl", "", "the client implementation")
	url := fs.String("url", "", "the echo server's URL")
	n := fs.Int("n", 5000, "sockets")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res := idleResult{N: *n}
	err := idle(*name, *url, *n, &res)
	if err != nil {
		res.Err = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Printf("%s\n", b)
	if err != nil {
		return 1
	}
	return 0
}

// idle opens the sockets and fills res.
func idle(name, url string, n int, res *idleResult) error {
	im, err := impl.Lookup(name)
	if err != nil {
		return err
	}
	if err := checkLoopback(url); err != nil {
		return err
	}
	if err := checkNoFile(n + idleWarm + 100); err != nil {
		return err
	}
	var conns []impl.Conn
	if err := openIdle(im, url, idleWarm, &conns); err != nil {
		return err
	}
	time.Sleep(idleSettle)
	res.Before = take()
	if err := openIdle(im, url, n, &conns); err != nil {
		return err
	}
	time.Sleep(idleSettle)
	res.After = take()
	runtime.KeepAlive(conns)
	return nil
}

// openIdle opens n sockets, idleParallel at a time, and appends them to
// conns.
func openIdle(im impl.Impl, url string, n int, conns *[]impl.Conn) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, idleParallel)
	)
	ignore := impl.Handler{Message: func(impl.Sender, []byte) {}, End: func(error) {}}
	for range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			ctx, cancel := dialCtx()
			defer cancel()
			var c impl.Conn
			var err error
			if im.Pull != nil {
				var pc impl.PullConn
				if pc, err = im.Pull(ctx, url, impl.Config{}); err == nil {
					c = pc
					go func() {
						for { // until the process exits
							if _, err := pc.Receive(); err != nil {
								return
							}
						}
					}()
				}
			} else {
				c, err = im.Events(ctx, url, impl.Config{}, ignore)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			*conns = append(*conns, c)
		})
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("dial: %w", first)
	}
	return nil
}

// take collects garbage, returns freed memory to the system, and measures.
func take() snapshot {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snapshot{
		RSS:        rss(),
		Heap:       int64(ms.HeapAlloc),
		Stacks:     int64(ms.StackInuse),
		Goroutines: int64(runtime.NumGoroutine()),
	}
}

// rss returns this process's resident set size, from /proc/self/statm (0
// where there is none).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// checkLoopback fails unless rawURL's host is a loopback address: the idle
// part opens thousands of sockets, and only ever to this machine.
func checkLoopback(rawURL string) error {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: the host must be a loopback address such as 127.0.0.1", rawURL)
	}
	return nil
}

// checkNoFile fails unless this process may open need file descriptors (Go
// raises the soft limit to the hard one at start).
func checkNoFile(need int) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return err
	}
	if r.Cur < uint64(need) {
		return errors.New("RLIMIT_NOFILE is " + strconv.FormatUint(r.Cur, 10) + ", below the " + strconv.Itoa(need) +
			" file descriptors the sockets need: raise it (ulimit -n) or lower -n")
	}
	return nil
}
