//go:build !js

package e2e

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

	"github.com/w3ws/w3ws/e2e/parity"
	"github.com/w3ws/w3ws/internal/scenario"
	"github.com/w3ws/w3ws/wasm/browser"
)

// parityHarnessJS is the JavaScript version of the scenarios: the reference.
//
//go:embed parity_harness.js
var parityHarnessJS []byte

// The three ways each scenario runs.
const (
	parityJS     = "js"     // plain JavaScript and the browser's WebSocket: the reference
	parityWasm   = "wasm"   // package websocket compiled to wasm, in the same browser
	parityNative = "native" // package websocket natively, in this process
)

// parityModes are the modes compared with the reference.
var parityModes = []string{parityWasm, parityNative}

// parityPageWait bounds the run of all scenarios in one page.
const parityPageWait = 75 * time.Second

// parityWireFrames is the number of client frames from which a wire log is
// summarised (count, digest, last frame) instead of listed.
const parityWireFrames = 12

// parityException is a difference from the browser that DESIGN.md decides:
// in modes, the scenario's log is edit(the js log) instead of the js log.
type parityException struct {
	modes  []string
	reason string
	edit   func(ref []string) []string
}

// parityReplace returns an edit that replaces the line old with new.
func parityReplace(old, new string) func([]string) []string {
	return func(ref []string) []string {
		out := slices.Clone(ref)
		if i := slices.Index(out, old); i >= 0 {
			out[i] = new
		}
		return out
	}
}

// parityLog returns an edit that gives this log, whatever the reference.
func parityLog(lines ...string) func([]string) []string {
	return func([]string) []string { return lines }
}

// utf8CloseCode is the exception for the Close code sent on invalid UTF-8.
var utf8CloseCode = parityException{
	modes: []string{parityNative},
	reason: `DESIGN "Protocol violations": the engine sends 1007 for bad UTF-8 (RFC 6455 §7.4.1), ` +
		`where Chrome sends 1002; the script sees 1006 either way`,
	edit: parityReplace("wire#1: close 1002 (reason not compared)", "wire#1: close 1007 (reason not compared)"),
}

// parityExceptions are the listed differences, by scenario.
var parityExceptions = map[string]parityException{
	"violation-invalid-utf8":                  utf8CloseCode,
	"violation-invalid-utf8-across-fragments": utf8CloseCode,
	"violation-close-reason-invalid-utf8":     utf8CloseCode,
	"ctor-url-space-in-host": {
		modes: []string{parityWasm, parityNative},
		reason: `DESIGN "Constructor" / websocket-api-rules §5: a space is a forbidden host code point, so the URL ` +
			`standard (and WPT) say SyntaxError, which both Go builds throw (the URL is parsed in Go); Chrome's ` +
			`GURL accepts "ws://foo bar/" as ws://foo%20bar/ and then fails to connect`,
		edit: parityLog("new -> SyntaxError"),
	},
	"ctor-url-relative": {
		modes: []string{parityNative},
		reason: `DESIGN "Constructor": relative URLs resolve against Options.BaseURL natively (ErrSyntax without ` +
			`one); in the browser they resolve against the page (ctor-url-relative-base passes BaseURL)`,
		edit: parityLog("new -> SyntaxError"),
	},
}

// TestParity runs every scenario of package parity three ways against one
// scenario server: in plain JavaScript in a Chromium tab (the reference),
// in Go compiled to wasm in another tab of the same Chromium, and in Go
// natively in this process. Each run logs events (with readyState read in
// the handlers), call results and exception names, bufferedAmount; the test
// adds what the server saw on the wire. The three logs of each scenario
// must be identical, but for the differences listed in parityExceptions,
// which DESIGN.md decides.
func TestParity(t *testing.T) {
	if err := browser.Require(); err != nil {
		t.Fatalf("TestParity needs Chromium: %v", err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Build the wasm program while Chromium starts.
	goroot := wasmGOROOT(t)
	wasmPath := filepath.Join(t.TempDir(), "parity.wasm")
	built := make(chan error, 1)
	go func() { built <- buildParityWasm(ctx, goroot, wasmPath) }()

	scen := scenario.NewServer()
	base, stop := startParityServer(t, scen, wasmPath, wasmExecJSPath(t, goroot))
	defer stop()
	token := make([]byte, 4)
	rand.Read(token)
	run := hex.EncodeToString(token)
	prefix := func(mode string) string { return mode + "-" + run }

	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(t.TempDir())...)
	defer acancel()
	jsTab := newParityTab(t, actx, parityJS)
	defer jsTab.close()
	wasmTab := newParityTab(t, jsTab.ctx, parityWasm)
	defer wasmTab.close()

	var (
		mu      sync.Mutex
		results = map[string][]parity.Result{}
		errs    []string
		wg      sync.WaitGroup
	)
	record := func(mode string, res []parity.Result, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", mode, err))
			return
		}
		results[mode] = res
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		res, err := jsTab.run(base + "/parity/js.html?prefix=" + prefix(parityJS))
		record(parityJS, res, err)
	}()
	go func() {
		defer wg.Done()
		if err := <-built; err != nil {
			record(parityWasm, nil, err)
			return
		}
		res, err := wasmTab.run(base + "/parity/wasm.html?prefix=" + prefix(parityWasm))
		record(parityWasm, res, err)
	}()
	go func() {
		defer wg.Done()
		res := parity.Run(parity.Env{Base: base, Prefix: prefix(parityNative), Page: base + "/parity/native.html"})
		record(parityNative, res, nil)
	}()
	wg.Wait()
	if len(errs) > 0 {
		jsTab.logConsole()
		wasmTab.logConsole()
		t.Fatalf("a mode did not complete:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("all three modes ran in %v", time.Since(start).Round(time.Millisecond))

	// Normalize the logs and add the wire logs.
	logs := map[string]map[string][]string{}
	for mode, res := range results {
		logs[mode] = map[string][]string{}
		for _, r := range res {
			logs[mode][r.Name] = normalizeParity(base, prefix(mode), append(r.Log, wireLines(t, base, r.IDs)...))
		}
	}

	names := parity.Names()
	var jsNames []string
	for _, r := range results[parityJS] {
		jsNames = append(jsNames, r.Name)
	}
	if !assert.Equal(t, names, jsNames, "parity_harness.js must run the scenarios of e2e/parity, in the same order") {
		return
	}

	identical, excepted, differing := 0, 0, 0
	var used []string
	for _, name := range names {
		outcome := ""
		t.Run(name, func(t *testing.T) {
			outcome = compareParity(t, name, logs)
		})
		switch outcome {
		case "identical":
			identical++
		case "excepted":
			excepted++
			ex := parityExceptions[name]
			used = append(used, fmt.Sprintf("%s (%s): %s", name, strings.Join(ex.modes, ", "), ex.reason))
		default:
			differing++
		}
	}
	if t.Failed() {
		jsTab.logConsole()
		wasmTab.logConsole()
	}
	if len(used) > 0 {
		t.Logf("listed exceptions:\n\t%s", strings.Join(used, "\n\t"))
	}
	t.Logf("parity: %d scenarios, %d identical in all three modes, %d with listed exceptions, %d differing (%v)",
		len(names), identical, excepted, differing, time.Since(start).Round(time.Millisecond))
}

// compareParity compares the scenario's logs in every mode with the js log
// and reports "identical", "excepted" (differences as listed only) or
// "differing".
func compareParity(t *testing.T, name string, logs map[string]map[string][]string) string {
	ref, ok := logs[parityJS][name]
	if !ok {
		t.Fatalf("no js log for %s", name)
	}
	outcome := "identical"
	for _, mode := range append([]string{parityJS}, parityModes...) {
		for _, line := range logs[mode][name] {
			if strings.HasPrefix(line, "FAIL") || strings.Contains(line, ": FAIL") {
				t.Errorf("%s: the run failed: %s", mode, line)
				outcome = "differing"
			}
		}
	}
	ex, hasEx := parityExceptions[name]
	for _, mode := range parityModes {
		got, ok := logs[mode][name]
		if !ok {
			t.Errorf("no %s log", mode)
			outcome = "differing"
			continue
		}
		if hasEx && slices.Contains(ex.modes, mode) {
			if slices.Equal(got, ref) {
				t.Errorf("%s behaves as js: remove the listed exception (%s)", mode, ex.reason)
				outcome = "differing"
				continue
			}
			if !assert.Equal(t, ex.edit(ref), got, "%s: not the listed difference from js (%s)\njs log:\n\t%s",
				mode, ex.reason, strings.Join(ref, "\n\t")) {
				outcome = "differing"
			} else if outcome == "identical" {
				outcome = "excepted"
			}
			continue
		}
		if !assert.Equal(t, ref, got, "%s differs from js (the browser's own WebSocket)", mode) {
			outcome = "differing"
		}
	}
	if outcome != "differing" {
		t.Logf("%s", strings.Join(ref, "\n"))
	}
	return outcome
}

// normalizeParity replaces in every line what differs between modes and
// runs: the server's host:port (also as localhost:port) and the mode's id
// prefix.
func normalizeParity(base, prefix string, lines []string) []string {
	host := strings.TrimPrefix(base, "http://")
	_, port, _ := strings.Cut(host, ":")
	r := strings.NewReplacer(host, "HOST", "localhost:"+port, "localhost:PORT", prefix, "ID")
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = r.Replace(l)
	}
	return out
}

// wireLines describes what the scenario server saw for each id: the request,
// the client's frames, whether the client dropped TCP.
func wireLines(t *testing.T, base string, ids []string) []string {
	var out []string
	for i, id := range ids {
		tag := fmt.Sprintf("wire#%d: ", i+1)
		l, err := fetchParityLog(base, id, 0)
		if err == nil && l.Conns > 0 && !l.Ended {
			l, err = fetchParityLog(base, id, 10*time.Second)
		}
		switch {
		case err != nil:
			out = append(out, tag+"FAIL "+err.Error())
			continue
		case l.Conns == 0:
			out = append(out, tag+"no connection")
			continue
		case !l.Ended:
			out = append(out, tag+"FAIL the connection did not end")
		}
		if l.Conns != 1 {
			out = append(out, fmt.Sprintf("%sconns=%d", tag, l.Conns))
		}
		req := tag + "GET " + l.Path + "?" + l.Query
		if p := l.Header.Values("Sec-WebSocket-Protocol"); len(p) > 0 {
			req += fmt.Sprintf(" protocols=%q", strings.Join(p, ", "))
		}
		if a := l.Header.Get("Authorization"); a != "" {
			req += fmt.Sprintf(" authorization=%q", a)
		}
		out = append(out, req)
		frames := make([]string, len(l.Frames))
		for j, f := range l.Frames {
			frames[j] = wireFrame(f)
		}
		if len(frames) > parityWireFrames {
			h := fnv.New32a()
			h.Write([]byte(strings.Join(frames, "\n")))
			out = append(out, fmt.Sprintf("%s%d frames, digest=%08x, last: %s", tag, len(frames), h.Sum32(), frames[len(frames)-1]))
		} else {
			for _, f := range frames {
				out = append(out, tag+f)
			}
		}
		if l.ClientDropped {
			out = append(out, tag+"dropped")
		}
	}
	return out
}

// wireFrame describes a client frame. The reason of a Close the client
// sends on its own when it fails the connection (1002, 1007, 1009, 1011) is
// free text of each implementation, so it is not compared.
func wireFrame(f scenario.Frame) string {
	if f.Op == "close" && slices.Contains([]int{1002, 1007, 1009, 1011}, f.Code) {
		g := f
		g.Reason = ""
		return strings.Replace(g.String(), `""`, "(reason not compared)", 1)
	}
	return f.String()
}

var parityLogClient = &http.Client{Timeout: 20 * time.Second}

// fetchParityLog returns the scenario server's wire log of id, waiting up
// to wait for its connections to end.
func fetchParityLog(base, id string, wait time.Duration) (*scenario.Log, error) {
	resp, err := parityLogClient.Get(fmt.Sprintf("%s/log?id=%s&wait=%d", base, id, wait.Milliseconds()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var l scenario.Log
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		return nil, err
	}
	return &l, nil
}

// buildParityWasm compiles e2e/parity/paritywasm to out.
func buildParityWasm(ctx context.Context, goroot, out string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), "build", "-o", out, "github.com/w3ws/w3ws/e2e/parity/paritywasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building paritywasm: %v\n%s", err, msg)
	}
	return nil
}

// parityWasmHTML is the page of the wasm mode: it runs paritywasm with the
// run's settings in its environment.
const parityWasmHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws parity: wasm</title>
<script src="wasm_exec.js"></script>
<script>
globalThis.parityDone = false;
const go = new Go();
go.env = {
  PARITY_BASE: location.origin,
  PARITY_PREFIX: new URLSearchParams(location.search).get("prefix"),
  PARITY_PAGE: location.href,
};
WebAssembly.instantiateStreaming(fetch("parity.wasm"), go.importObject)
  .then((r) => go.run(r.instance))
  .then(() => {
    if (!globalThis.parityDone) {
      globalThis.parityError = "the Go program exited (exit code " + go.exitCode + ")";
      globalThis.parityDone = true;
    }
  })
  .catch((e) => {
    globalThis.parityError = String(e);
    globalThis.parityDone = true;
  });
</script>
`

// parityJSHTML is the page of the js mode.
const parityJSHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws parity: js</title>
<script src="harness.js"></script>
`

// startParityServer serves the pages under /parity/ and everything else
// with the scenario server, on 127.0.0.1, and returns the base URL and a
// function that stops both.
func startParityServer(t *testing.T, scen *scenario.Server, wasmPath, wasmExecJS string) (string, func()) {
	t.Helper()
	mux := http.NewServeMux()
	page := func(typ string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", typ)
			w.Header().Set("Cache-Control", "no-store")
			w.Write(body)
		}
	}
	mux.Handle("GET /parity/js.html", page("text/html; charset=utf-8", []byte(parityJSHTML)))
	mux.Handle("GET /parity/harness.js", page("text/javascript; charset=utf-8", parityHarnessJS))
	mux.Handle("GET /parity/wasm.html", page("text/html; charset=utf-8", []byte(parityWasmHTML)))
	mux.HandleFunc("GET /parity/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, wasmExecJS)
	})
	mux.HandleFunc("GET /parity/parity.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, wasmPath)
	})
	mux.Handle("/", scen)
	return scen.StartHandler(mux)
}

// parityTab is a Chromium tab running one mode's page.
type parityTab struct {
	t      *testing.T
	mode   string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	console []string
	done    chan struct{}
}

// newParityTab opens a tab with the Network domain off and records its
// console. Under an allocator's context it starts Chromium; under a tab's
// context it opens another tab in the same Chromium.
func newParityTab(t *testing.T, parent context.Context, mode string) *parityTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	tab := &parityTab{t: t, mode: mode, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if err := chromedp.Do(ctx, browser.DisableNetwork()); err != nil {
		cancel()
		t.Fatalf("%s tab: starting: %v", mode, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(tab.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.console = append(tab.console, fmt.Sprintf("%s: %s", m.Type, m.Text))
			tab.mu.Unlock()
		}
	}()
	return tab
}

// run opens url in the tab, waits for the page to set parityDone and
// returns its results.
func (tab *parityTab) run(url string) ([]parity.Result, error) {
	if err := chromedp.Do(tab.ctx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("opening %s: %w", url, err)
	}
	if _, err := chromedp.Run(tab.ctx, chromedp.Poll[bool]("globalThis.parityDone === true",
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(parityPageWait))); err != nil {
		return nil, fmt.Errorf("waiting for the scenarios to finish: %w", err)
	}
	perr, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`String(globalThis.parityError ?? "")`))
	if err != nil {
		return nil, err
	}
	if perr != "" {
		return nil, fmt.Errorf("the page failed: %s", perr)
	}
	js, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`globalThis.parityResult`))
	if err != nil {
		return nil, err
	}
	var res []parity.Result
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		return nil, fmt.Errorf("decoding the results: %w", err)
	}
	return res, nil
}

// logConsole logs what the tab's console showed.
func (tab *parityTab) logConsole() {
	if tab == nil {
		return
	}
	tab.mu.Lock()
	defer tab.mu.Unlock()
	if len(tab.console) > 0 {
		tab.t.Logf("%s tab console:\n\t%s", tab.mode, strings.Join(tab.console, "\n\t"))
	}
}

// close closes the tab (and Chromium, for the first tab) gracefully and
// waits for its console to end.
func (tab *parityTab) close() {
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer cancel()
	chromedp.Cancel(ctx)
	tab.cancel()
	<-tab.done
}
