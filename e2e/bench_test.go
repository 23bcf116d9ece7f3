//go:build !js

package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/jsbridge"
	"github.com/w3ws/w3ws/wasm/browser"
	"github.com/w3ws/w3ws/websocket"
)

// envBenchReps sets how many interleaved repetitions
// BenchmarkBrowserThroughput measures; the default is 5.
const envBenchReps = "W3WS_BENCH_REPS"

// The method of BenchmarkBrowserThroughput, as in
// shared/reference/browser-notes.md §4: each run keeps a mode's binary
// messages in flight, lets benchWarmUp pass, and counts the echoes of the
// next benchWindow.
const (
	benchWarmUp = 250 * time.Millisecond
	benchWindow = time.Second
)

// benchModes are the ways of keeping messages in flight: pipelined keeps
// 64 (a new message for each echo), pingpong one (the next message only
// after the echo of the last).
var benchModes = []struct {
	name     string
	inFlight int
}{{"pipelined", 64}, {"pingpong", 1}}

// benchSizes are the message sizes measured.
var benchSizes = []struct {
	name string
	n    int
}{{"16B", 16}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

// benchImpls are the implementations measured, each a function of the
// page: jsBench is plain JavaScript, goBench is e2e/benchpage with the
// page's w3ws.js (jsbridge.ShimJS), goPlainBench the same without it.
var benchImpls = []string{"js", "go", "goPlain"}

// benchPageHTML loads both implementations. jsBench does in plain
// JavaScript what goBench (e2e/benchpage) does with package websocket; both
// return {count, seconds, total, bad}.
const benchPageHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws throughput</title>
<link rel="icon" href="data:,">
<script src="w3ws.js"></script>
<script src="wasm_exec.js"></script>
<script>
"use strict";
// goPlainBench is goBench on a socket made without w3ws.js: the socket
// looks for it when it is made, which goBench does before it returns.
function goPlainBench(...args) {
	const bridge = globalThis.w3wsBridge;
	globalThis.w3wsBridge = undefined;
	try {
		return goBench(...args);
	} finally {
		globalThis.w3wsBridge = bridge;
	}
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function jsBench(url, size, inFlight, warmUpMs, windowMs) {
	const payload = new Uint8Array(size);
	const ws = new WebSocket(url);
	ws.binaryType = "arraybuffer";
	await new Promise((resolve, reject) => {
		ws.onopen = resolve;
		ws.onerror = () => reject(new Error("jsBench: cannot open " + url));
	});
	let received = 0, sent = 0, bad = 0, sending = true, drained;
	const drainedP = new Promise((resolve) => (drained = resolve));
	ws.onmessage = (e) => {
		if (!(e.data instanceof ArrayBuffer) || e.data.byteLength !== size) bad++;
		received++;
		if (sending) {
			ws.send(payload);
			sent++;
		} else if (received === sent) {
			drained();
		}
	};
	for (let i = 0; i < inFlight; i++) {
		ws.send(payload);
		sent++;
	}
	await sleep(warmUpMs);
	const c0 = received, t0 = performance.now();
	await sleep(windowMs);
	const c1 = received, t1 = performance.now();
	sending = false;
	if (received === sent) drained();
	await Promise.race([drainedP, sleep(10000).then(() => {
		throw new Error("jsBench: " + (sent - received) + " of " + sent + " echoes missing");
	})]);
	const closed = new Promise((resolve) => (ws.onclose = resolve));
	ws.close(1000);
	const ev = await closed;
	if (ev.code !== 1000) throw new Error("jsBench: closed with " + ev.code);
	return { count: c1 - c0, seconds: (t1 - t0) / 1000, total: received, bad };
}

window.loadError = null;
const go = new Go();
w3wsBridge.attach(go);
WebAssembly.instantiateStreaming(fetch("bench.wasm"), go.importObject)
	.then((r) => go.run(r.instance).then(() => (window.loadError = "the Go program exited")))
	.catch((err) => (window.loadError = "loading bench.wasm: " + ((err && err.stack) || err)));
</script>
`

// benchRun is what jsBench and goBench return.
type benchRun struct {
	Count   int64   `json:"count"`   // echoes in the window
	Seconds float64 `json:"seconds"` // the window, measured
	Total   int64   `json:"total"`   // echoes of the whole run
	Bad     int64   `json:"bad"`     // echoes of the wrong type or size
	Shim    bool    `json:"shim"`    // goBench: the page had w3ws.js when the socket was made
}

// benchSample is one measured run.
type benchSample struct {
	rate float64 // messages per second in the window
	// CPU time per message (over the whole run) of Chromium's renderer
	// processes and of its network service, in µs; NaN without /proc.
	rendererUS, networkUS float64
}

// BenchmarkBrowserThroughput compares package websocket compiled to
// WebAssembly (e2e/benchpage) with plain JavaScript in the same page of one
// headless Chromium, against an echo server (websocket.Upgrade) in the test
// process: binary messages, pipelined (64 in flight) or ping-pong (1 in
// flight), the echoes of a benchWindow counted after a benchWarmUp. Every
// rep runs both implementations in every mode at every size, in an order
// that rotates with each rep. Sub-benchmarks
// impl=js|go/mode=pipelined|pingpong/size=... report the medians: msgs/s,
// renderer-us/msg (renderer CPU per message, from /proc) and, for go, the
// go/js ratios of the median rates (go/js) and of the median renderer CPU
// per message (go/js-cpu). A markdown table is logged too.
//
//	go test -run '^$' -bench BrowserThroughput -benchtime=1x ./e2e/
//
// It takes about 1.5 s per run, 18 runs per rep, plus about 10 s to start.
// With $W3WS_BENCH_PROFILE set (go/pingpong/16B, say) it profiles that run
// and js's instead, and logs where the renderer's time went (with
// $W3WS_BENCH_TRACE set to trace categories, from a trace of its main
// thread instead: see traceExpr); with $W3WS_BENCH_THREADS=1 it also logs
// the renderer's CPU per message by thread (see threadLog).
func BenchmarkBrowserThroughput(b *testing.B) {
	require.NoError(b, browser.Require(), "BenchmarkBrowserThroughput needs Chromium")
	reps := benchReps(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute+time.Duration(reps)*30*time.Second)
	defer cancel()

	goroot := wasmGOROOT(b)
	wasm := buildWasmProgram(b, ctx, goroot, "github.com/w3ws/w3ws/e2e/benchpage", "bench.wasm")
	wasmExecJS := readWasmExecJS(b, goroot)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", staticHandler("text/html; charset=utf-8", []byte(benchPageHTML)))
	mux.Handle("GET /wasm_exec.js", staticHandler("text/javascript; charset=utf-8", wasmExecJS))
	mux.Handle("GET /w3ws.js", staticHandler("text/javascript; charset=utf-8", []byte(jsbridge.ShimJS())))
	mux.Handle("GET /bench.wasm", staticHandler("application/wasm", wasm))
	mux.HandleFunc("GET /echo", benchEcho)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	echoURL := "ws" + strings.TrimPrefix(hs.URL, "http") + "/echo"

	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(b.TempDir())...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer closeBrowser(b, bctx, bcancel)
	console := recordConsole(b, bctx)
	require.NoError(b, chromedp.Do(bctx, browser.DisableNetwork(), chromedp.Navigate(hs.URL+"/")), "opening the page")
	loaded, err := chromedp.Run(bctx, chromedp.Poll[string](
		`window.loadError !== null ? window.loadError : typeof goBench === "function" && "ok"`,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil || loaded != "ok" {
		b.Fatalf("loading the page: %v %s\nthe page's console:\n%s", err, loaded, console())
	}
	cpu := chromiumCPU{pid: chromedp.FromContext(bctx).Browser.Process().Pid}
	cpu.waitIdle(b)
	if p := os.Getenv(envBenchProfile); p != "" {
		profileRun(b, bctx, echoURL, p)
		return
	}

	threads := newThreadLog()
	run := func(impl string, size, inFlight int) benchSample {
		b.Helper()
		expr := benchExpr(impl, echoURL, size, inFlight)
		rctx, rcancel := context.WithTimeout(bctx, 30*time.Second)
		defer rcancel()
		th0 := threads.sample(cpu)
		r0, n0, ok0 := cpu.sample()
		r, err := chromedp.Run(rctx, chromedp.Evaluate[benchRun](expr, chromedp.EvalAwaitPromise))
		r1, n1, ok1 := cpu.sample()
		if err == nil && r.Total > 0 {
			threads.add(fmt.Sprintf("in flight %d, %d B, %s", inFlight, size, impl), th0, threads.sample(cpu), r.Total)
		}
		if err != nil {
			b.Fatalf("%s: %v\nthe page's console:\n%s", expr, err, console())
		}
		if wantShim := impl == "go"; impl != "js" && r.Shim != wantShim {
			b.Fatalf("%s: ran with w3ws.js %v, want %v", expr, r.Shim, wantShim)
		}
		if r.Bad != 0 || r.Count <= 0 || r.Seconds <= 0 {
			b.Fatalf("%s: %+v: no echoes, or %d of the wrong type or size", expr, r, r.Bad)
		}
		s := benchSample{rate: float64(r.Count) / r.Seconds, rendererUS: math.NaN(), networkUS: math.NaN()}
		if ok0 && ok1 {
			s.rendererUS = float64((r1 - r0).Microseconds()) / float64(r.Total)
			s.networkUS = float64((n1 - n0).Microseconds()) / float64(r.Total)
		}
		return s
	}

	// An unrecorded round first, for the JITs and the server.
	for _, impl := range benchImpls {
		for _, mode := range benchModes {
			run(impl, benchSizes[0].n, mode.inFlight)
		}
	}
	samples := map[string][]benchSample{} // by impl/mode/size
	for rep := range reps {
		for _, mode := range benchModes {
			for _, size := range benchSizes {
				for i := range benchImpls {
					impl := benchImpls[(i+rep)%len(benchImpls)]
					key := impl + "/" + mode.name + "/" + size.name
					samples[key] = append(samples[key], run(impl, size.n, mode.inFlight))
				}
			}
		}
	}
	table := benchTable(samples, reps)
	if threads != nil {
		table += threads.String()
	}

	for _, impl := range benchImpls {
		b.Run("impl="+impl, func(b *testing.B) {
			for j, mode := range benchModes {
				b.Run("mode="+mode.name, func(b *testing.B) {
					for i, size := range benchSizes {
						b.Run("size="+size.name, func(b *testing.B) {
							if impl == benchImpls[len(benchImpls)-1] && j == len(benchModes)-1 && i == len(benchSizes)-1 {
								// go test prints the log of a benchmark that
								// has sub-benchmarks only with -v: the last
								// one logs.
								b.Log("\n" + table)
							}
							for b.Loop() {
							}
							s := samples[impl+"/"+mode.name+"/"+size.name]
							js := samples["js/"+mode.name+"/"+size.name]
							b.ReportMetric(0, "ns/op") // no meaning here
							b.ReportMetric(benchMedian(s, benchSample.getRate), "msgs/s")
							us := benchMedian(s, benchSample.getRenderer)
							if !math.IsNaN(us) {
								b.ReportMetric(us, "renderer-us/msg")
							}
							if impl != "js" {
								b.ReportMetric(benchMedian(s, benchSample.getRate)/benchMedian(js, benchSample.getRate), "go/js")
								if !math.IsNaN(us) {
									b.ReportMetric(us/benchMedian(js, benchSample.getRenderer), "go/js-cpu")
								}
							}
						})
					}
				})
			}
		})
	}
}

// profileRun runs the run named by $W3WS_BENCH_PROFILE (impl/mode/size)
// and the same run of js twice each, then each under the profiler
// (profileExpr), twice in turn, and logs the profiles: one browser's, so
// that they compare (separate launches of Chromium on a shared machine
// differ by 2x in what the browser's own functions cost).
func profileRun(b *testing.B, ctx context.Context, echoURL, name string) {
	b.Helper()
	parts := strings.Split(name, "/")
	inFlight, size := -1, -1
	for _, m := range benchModes {
		if len(parts) == 3 && m.name == parts[1] {
			inFlight = m.inFlight
		}
	}
	for _, z := range benchSizes {
		if len(parts) == 3 && z.name == parts[2] {
			size = z.n
		}
	}
	if inFlight < 0 || size < 0 || !slices.Contains(benchImpls, parts[0]) {
		b.Fatalf("%s=%q: want impl/mode/size, as go/pingpong/16B", envBenchProfile, name)
	}
	var exprs []string
	for _, impl := range slices.Compact([]string{parts[0], "js"}) {
		exprs = append(exprs, benchExpr(impl, echoURL, size, inFlight))
	}
	for _, expr := range append(exprs, exprs...) { // the JITs
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[benchRun](expr, chromedp.EvalAwaitPromise)); err != nil {
			b.Fatalf("%s: %v", expr, err)
		}
	}
	var sb strings.Builder
	for _, expr := range append(exprs, exprs...) {
		if c := os.Getenv(envBenchTrace); c != "" {
			sb.WriteString("\n" + traceExpr(b, ctx, expr, c))
			continue
		}
		sb.WriteString("\n" + profileExpr(b, ctx, expr))
	}
	b.Log(sb.String())
	for b.Loop() {
	}
}

// benchExpr is the page's call of one run of impl.
func benchExpr(impl, echoURL string, size, inFlight int) string {
	return fmt.Sprintf("%sBench(%s, %d, %d, %d, %d)", impl, strconv.Quote(echoURL), size, inFlight,
		benchWarmUp.Milliseconds(), benchWindow.Milliseconds())
}

func (s benchSample) getRate() float64     { return s.rate }
func (s benchSample) getRenderer() float64 { return s.rendererUS }
func (s benchSample) getNetwork() float64  { return s.networkUS }

// benchReps returns $W3WS_BENCH_REPS, or 5.
func benchReps(b *testing.B) int {
	v := os.Getenv(envBenchReps)
	if v == "" {
		return 5
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number of repetitions", envBenchReps, v)
	}
	return n
}

// benchEcho is the echo server: every message goes back as it came (Send
// copies it, so its bytes can be released at once).
func benchEcho(w http.ResponseWriter, r *http.Request) {
	websocket.Upgrade(w, r, &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnMessage: func(e *websocket.MessageEvent) {
			e.Target().Send(e.Data)
			e.Release()
		},
	})
}

// benchTable formats the medians as a markdown table: a row per mode,
// size and Go implementation, with its ratios to js in the same reps.
func benchTable(samples map[string][]benchSample, reps int) string {
	var sb strings.Builder
	// go test keeps 10 lines of a benchmark's log: one line of legend.
	fmt.Fprintf(&sb, "medians of %d interleaved reps, binary, %v windows; CPU: renderer µs/msg over the whole run; go is with w3ws.js, goPlain without; /js CPU is the cost ÷ js's\n",
		reps, benchWindow)
	sb.WriteString("| mode | size | impl | js msgs/s | msgs/s | **/js** | per rep | js CPU | CPU | **/js CPU** | per rep | js network | network |\n")
	sb.WriteString("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, mode := range benchModes {
		for _, size := range benchSizes {
			js := samples["js/"+mode.name+"/"+size.name]
			for _, impl := range benchImpls[1:] {
				gs := samples[impl+"/"+mode.name+"/"+size.name]
				var rates, cpus []float64 // impl/js of each rep
				for i := range js {
					rates = append(rates, gs[i].rate/js[i].rate)
					cpus = append(cpus, gs[i].rendererUS/js[i].rendererUS)
				}
				jr, gr := benchMedian(js, benchSample.getRenderer), benchMedian(gs, benchSample.getRenderer)
				fmt.Fprintf(&sb, "| %s | %s | %s | %.0f | %.0f | **%.2f** | %.2f–%.2f | %.0f | %.0f | **%.2f** | %.2f–%.2f | %.0f | %.0f |\n",
					mode.name, size.name, impl, benchMedian(js, benchSample.getRate), benchMedian(gs, benchSample.getRate),
					benchMedian(gs, benchSample.getRate)/benchMedian(js, benchSample.getRate),
					slices.Min(rates), slices.Max(rates), jr, gr, gr/jr, slices.Min(cpus), slices.Max(cpus),
					benchMedian(js, benchSample.getNetwork), benchMedian(gs, benchSample.getNetwork))
			}
		}
	}
	return sb.String()
}

// benchMedian returns the median of f over s.
func benchMedian(s []benchSample, f func(benchSample) float64) float64 {
	v := make([]float64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return math.NaN()
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// chromiumCPU reads the CPU time of the processes of the Chromium whose
// browser process is pid, from /proc (Linux).
type chromiumCPU struct {
	pid int
}

// procClockTick is the unit of /proc/PID/stat's times: USER_HZ, 100 on every
// Linux that Go runs on.
const procClockTick = 10 * time.Millisecond

// sample returns the CPU time used so far by the renderer processes and by
// the network service; ok is false if /proc cannot be read.
func (c chromiumCPU) sample() (renderer, network time.Duration, ok bool) {
	stats, err := procStats()
	if err != nil {
		return 0, 0, false
	}
	renderers, networks := c.processes(stats)
	for _, pid := range renderers {
		renderer += stats[pid].cpu
	}
	for _, pid := range networks {
		network += stats[pid].cpu
	}
	return renderer, network, true
}

// processes returns the renderer processes and the network service's
// among the descendants of the browser process.
func (c chromiumCPU) processes(stats map[int]procStat) (renderers, networks []int) {
	children := map[int][]int{}
	for pid, st := range stats {
		children[st.ppid] = append(children[st.ppid], pid)
	}
	queue := []int{c.pid}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		switch {
		case strings.Contains(string(cmdline), "--type=renderer"):
			renderers = append(renderers, pid)
		case strings.Contains(string(cmdline), "network.mojom.NetworkService"):
			networks = append(networks, pid)
		}
	}
	return renderers, networks
}

// waitIdle waits until the renderer uses under 5% of a core (V8 compiles
// and tiers a fresh wasm module in the background for a few seconds), for
// at least 1 s and at most 20 s; without /proc it waits 3 s.
func (c chromiumCPU) waitIdle(b *testing.B) {
	start := time.Now()
	if _, err := procStats(); err != nil {
		b.Logf("cannot read /proc (%v): waiting 3 s for the wasm compilation", err)
		time.Sleep(3 * time.Second)
		return
	}
	const step = 500 * time.Millisecond
	prev, _, _ := c.sample()
	for {
		time.Sleep(step)
		cur, _, _ := c.sample()
		if time.Since(start) >= time.Second && cur-prev <= step/20 {
			b.Logf("the renderer was idle %v after the page loaded", time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > 20*time.Second {
			b.Logf("the renderer is still busy (%v of CPU in %v) after 20 s: measuring anyway", cur-prev, step)
			return
		}
		prev = cur
	}
}

// procStat is what chromiumCPU needs of /proc/PID/stat.
type procStat struct {
	ppid int
	cpu  time.Duration // utime + stime
}

// parseStat parses a /proc/PID/stat or /proc/PID/task/TID/stat line:
// pid (comm) state ppid ... utime stime are its fields 1, 2, 3, 4, 14 and
// 15; comm may hold spaces and parentheses, so the rest is split after
// the last ')'.
func parseStat(raw []byte) (st procStat, comm string, ok bool) {
	i, j := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
	if i < 0 || j < i {
		return procStat{}, "", false
	}
	f := strings.Fields(string(raw[j+1:]))
	if len(f) < 13 {
		return procStat{}, "", false
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return procStat{ppid: ppid, cpu: time.Duration(utime+stime) * procClockTick}, string(raw[i+1 : j]), true
}

// procStats reads /proc/PID/stat of every process.
func procStats() (map[int]procStat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	stats := map[int]procStat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // it exited
		}
		if st, _, ok := parseStat(raw); ok {
			stats[pid] = st
		}
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("no process in /proc")
	}
	return stats, nil
}
