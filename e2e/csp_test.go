//go:build !js

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/jsbridge"
	"github.com/w3ws/w3ws/wasm/browser"
	"github.com/w3ws/w3ws/websocket"
)

// strictCSP lets a page run scripts only from files of its own origin, and
// compile WebAssembly, which Go's wasm needs; it forbids eval, the Function
// constructor and inline scripts.
const strictCSP = "script-src 'self' 'wasm-unsafe-eval'"

// cspWait bounds each wait of TestWebsocketUnderCSP.
const cspWait = 15 * time.Second

// cspPageHTML runs e2e/csppage. It has no inline script: loader.js comes
// first, so that its listeners see everything, then w3ws.js
// (jsbridge.ShimJS), through which the program's messages come, then
// wasm_exec.js.
const cspPageHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws under a strict CSP</title>
<link rel="icon" href="data:,">
<script src="loader.js"></script>
<script src="w3ws.js"></script>
<script src="wasm_exec.js"></script>
`

// cspLoaderJS collects in window.result the CSP violations, uncaught
// errors and rejections of the page, the Go program's output and exit (the
// program must not exit), and the log it reports through w3wsReport. It
// starts the program once wasm_exec.js has run.
const cspLoaderJS = `"use strict";
window.result = { done: false, log: null, output: "", exit: null, violations: [], errors: [] };
document.addEventListener("securitypolicyviolation", (e) => {
	result.violations.push(e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber + " " + e.sample);
});
window.addEventListener("error", (e) => result.errors.push("uncaught: " + e.message + " (" + e.filename + ":" + e.lineno + ")"));
window.addEventListener("unhandledrejection", (e) => result.errors.push("unhandled rejection: " + ((e.reason && e.reason.stack) || e.reason)));
// finish marks the run done one task later, so that a violation event
// queued before it is in result.violations by then.
const finish = () => setTimeout(() => { result.done = true; }, 0);
window.w3wsReport = (log) => {
	result.log = log;
	finish();
};
document.addEventListener("DOMContentLoaded", () => {
	const dec = new TextDecoder("utf-8");
	globalThis.fs.writeSync = (fd, buf) => {
		result.output += dec.decode(buf, { stream: true });
		return buf.length;
	};
	const go = new Go();
	w3wsBridge.attach(go);
	go.exit = (code) => {
		result.exit = code;
		finish();
	};
	WebAssembly.instantiateStreaming(fetch("csp.wasm"), go.importObject)
		.then((r) => go.run(r.instance))
		.catch((err) => {
			result.errors.push("running csp.wasm: " + ((err && err.stack) || err));
			finish();
		});
});
`

// cspProbeJS checks that the policy is in force: the Function constructor
// must throw.
const cspProbeJS = `"use strict";
try {
	new Function("return 1")();
	window.probe = "the Function constructor ran";
} catch (e) {
	window.probe = e.name;
}
`

// cspResult is window.result of cspLoaderJS.
type cspResult struct {
	Done       bool     `json:"done"`
	Log        []string `json:"log"`
	Output     string   `json:"output"`
	Exit       *int     `json:"exit"`
	Violations []string `json:"violations"`
	Errors     []string `json:"errors"`
}

// TestWebsocketUnderCSP runs package websocket in a page served with
// Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval', the policy
// of a site that allows Go's WebAssembly but no eval, with w3ws.js loaded. e2e/csppage, compiled
// to WebAssembly, opens a socket to the echo server of the page's origin,
// sends a text and a binary message, checks the echoes and closes with 1000.
// The test first checks, in another tab, that the policy does forbid the
// Function constructor, then that the program ran to its end, and that the
// page saw no CSP violation, no uncaught exception and no console error.
func TestWebsocketUnderCSP(t *testing.T) {
	require.NoError(t, browser.Require(), "TestWebsocketUnderCSP needs Chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	goroot := wasmGOROOT(t)
	wasm := buildWasmProgram(t, ctx, goroot, "github.com/w3ws/w3ws/e2e/csppage", "csp.wasm")
	wasmExecJS := readWasmExecJS(t, goroot)

	var (
		mu       sync.Mutex
		received []string
	)
	serverClosed := make(chan string, 1)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", staticHandler("text/html; charset=utf-8", []byte(cspPageHTML)))
	mux.Handle("GET /loader.js", staticHandler("text/javascript; charset=utf-8", []byte(cspLoaderJS)))
	mux.Handle("GET /wasm_exec.js", staticHandler("text/javascript; charset=utf-8", wasmExecJS))
	mux.Handle("GET /w3ws.js", staticHandler("text/javascript; charset=utf-8", []byte(jsbridge.ShimJS())))
	mux.Handle("GET /csp.wasm", staticHandler("application/wasm", wasm))
	mux.Handle("GET /probe/{$}", staticHandler("text/html; charset=utf-8", []byte(`<!doctype html><link rel="icon" href="data:,"><script src="probe.js"></script>`)))
	mux.Handle("GET /probe/probe.js", staticHandler("text/javascript; charset=utf-8", []byte(cspProbeJS)))
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		_, err := websocket.Upgrade(w, r, &websocket.Options{
			BinaryType: websocket.BinaryTypeArrayBuffer,
			OnMessage: func(e *websocket.MessageEvent) {
				mu.Lock()
				switch d := e.Data.(type) {
				case string:
					received = append(received, fmt.Sprintf("text %q", d))
				case websocket.ArrayBuffer:
					received = append(received, fmt.Sprintf("binary %x", []byte(d)))
				}
				mu.Unlock()
				if err := e.Target().Send(e.Data); err != nil {
					t.Errorf("echo server: %v", err)
				}
			},
			OnClose: func(e *websocket.CloseEvent) {
				serverClosed <- fmt.Sprintf("close code=%d reason=%q wasClean=%v", e.Code, e.Reason, e.WasClean)
			},
		})
		if err != nil {
			t.Errorf("echo server: %v", err)
		}
	})
	hs := httptest.NewServer(withCSP(mux))
	defer hs.Close()

	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(t.TempDir())...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer closeBrowser(t, bctx, bcancel)
	console := recordConsoleMessages(t, bctx)
	require.NoError(t, chromedp.Do(bctx, browser.DisableNetwork()), "starting Chromium")

	// The probe, in a tab of its own so that its violation stays out of
	// the page's console.
	pctx, pcancel := chromedp.NewContext(bctx)
	require.NoError(t, chromedp.Do(pctx, browser.DisableNetwork(), chromedp.Navigate(hs.URL+"/probe/")), "opening the probe")
	probe, err := chromedp.Run(pctx, chromedp.Evaluate[string](`window.probe`))
	pcancel()
	require.NoError(t, err, "reading the probe")
	require.Equal(t, "EvalError", probe, "the policy must forbid the Function constructor, or this test proves nothing")

	start := time.Now()
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(hs.URL+"/")), "opening the page")
	res, err := chromedp.Run(bctx, chromedp.Poll[cspResult](`window.result && window.result.done && window.result`,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(cspWait)))
	if err != nil {
		t.Fatalf("waiting for the program's log: %v\nthe page's console:\n%s", err, console.text())
	}
	t.Logf("the program ran in %v", time.Since(start).Round(time.Millisecond))
	if res.Output != "" {
		t.Logf("the Go program wrote:\n%s", res.Output)
	}
	shim, err := chromedp.Run(bctx, chromedp.Evaluate[string](`typeof globalThis.w3wsBridge`))
	require.NoError(t, err, "looking for w3ws.js")
	assert.Equal(t, "object", shim, "w3ws.js ran under the policy")
	assert.Empty(t, res.Violations, "CSP violations in the page")
	assert.Empty(t, res.Errors, "errors in the page")
	if res.Exit != nil {
		t.Errorf("the Go program exited with code %d", *res.Exit)
	}
	// An uncaught exception, a console error or a browser log entry about
	// the policy fails too. (Chromium logs nothing for an eval that the
	// policy refused and the caller caught, as syscall/js catches it: the
	// securitypolicyviolation listener is what sees that one.)
	for _, m := range console.messages() {
		if m.IsException() || m.Type == chromedp.ConsoleError || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("the page's console: %s", m)
		}
	}
	logOK := assert.Equal(t, []string{
		"open readyState=1",
		"send text err=<nil>",
		"send binary err=<nil>",
		"message text same=true",
		"message binary same=true bytes=000102fdfeff",
		"close err=<nil>",
		`close code=1000 reason="done" wasClean=true`,
	}, res.Log, "the program's event log")
	if !logOK {
		t.FailNow() // the echo server saw nothing, or not all
	}

	select {
	case got := <-serverClosed:
		assert.Equal(t, `close code=1000 reason="done" wasClean=true`, got, "the echo server's close event")
	case <-time.After(cspWait):
		t.Fatal("the echo server saw no close")
	}
	mu.Lock()
	assert.Equal(t, []string{fmt.Sprintf("text %q", "hello under a strict CSP, wörld ✓"), "binary 000102fdfeff"}, received,
		"what the echo server received")
	mu.Unlock()
}

// withCSP serves h with the header Content-Security-Policy: strictCSP.
func withCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP)
		h.ServeHTTP(w, r)
	})
}

// consoleLog is the console of a page, as recordConsoleMessages records it.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// recordConsoleMessages records the console of the page in ctx: calls of
// the console API, uncaught exceptions and the browser's log entries.
func recordConsoleMessages(tb testing.TB, ctx context.Context) *consoleLog {
	tb.Helper()
	c := new(consoleLog)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the tab closed
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c
}

// messages returns the messages so far.
func (c *consoleLog) messages() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

// text returns the messages so far, one a line.
func (c *consoleLog) text() string {
	var b strings.Builder
	for _, m := range c.messages() {
		fmt.Fprintf(&b, "\t%s\n", m)
	}
	if b.Len() == 0 {
		return "\t(nothing)"
	}
	return b.String()
}
