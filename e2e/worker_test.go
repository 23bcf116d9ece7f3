//go:build !js

package e2e

import (
	"context"
	"encoding/hex"
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

// workerWait bounds each wait of TestWebsocketInWorker: the worker's run,
// Chromium's start and the server's view of the close.
const workerWait = 15 * time.Second

// workerPageHTML starts the worker and collects what it posts in
// window.result, which the test polls until done.
const workerPageHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws in a worker</title>
<link rel="icon" href="data:,">
<script>
"use strict";
window.result = { done: false, log: null, output: "", errors: [] };
const w = new Worker("worker/worker.js");
w.onmessage = (e) => {
	const m = e.data;
	if ("output" in m) result.output += m.output;
	if ("log" in m) result.log = m.log;
	if ("exit" in m) result.errors.push("the Go program exited with code " + m.exit);
	if ("error" in m) result.errors.push(m.error);
	result.done = result.log !== null || result.errors.length > 0;
};
w.onerror = (e) => {
	result.errors.push("uncaught in the worker: " + e.message + " (" + e.filename + ":" + e.lineno + ")");
	result.done = true;
};
</script>
`

// workerJS runs e2e/workerpage in the worker, with w3ws.js
// (jsbridge.ShimJS), which sockets in a worker use as in a page. The Go program's stdout and
// stderr (a panic's trace) go to the page, as does its exit, which is an
// error: the program posts its log and keeps running.
const workerJS = `"use strict";
importScripts("w3ws.js", "wasm_exec.js");
const dec = new TextDecoder("utf-8");
globalThis.fs.writeSync = (fd, buf) => {
	postMessage({ output: dec.decode(buf, { stream: true }) });
	return buf.length;
};
const go = new Go();
w3wsBridge.attach(go);
go.exit = (code) => postMessage({ exit: code });
WebAssembly.instantiateStreaming(fetch("worker.wasm"), go.importObject)
	.then((r) => go.run(r.instance))
	.catch((err) => postMessage({ error: "running worker.wasm: " + ((err && err.stack) || err) }));
`

// workerResult is window.result of workerPageHTML.
type workerResult struct {
	Done   bool     `json:"done"`
	Log    []string `json:"log"`
	Output string   `json:"output"`
	Errors []string `json:"errors"`
}

// TestWebsocketInWorker runs package websocket inside a dedicated Web
// Worker, where there is no window: e2e/workerpage, compiled to
// WebAssembly, connects with the relative URL "echo" (resolved against the
// worker script's URL, /worker/worker.js, so the server is reached at
// /worker/echo), sends text and binary, reads binary back as a Blob and then
// as an ArrayBuffer, closes with 1000 "bye", and posts its event log, with
// readyState in every handler, to the page. The test checks that log line by
// line, and what the echo server saw.
func TestWebsocketInWorker(t *testing.T) {
	require.NoError(t, browser.Require(), "TestWebsocketInWorker needs Chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	goroot := wasmGOROOT(t)
	wasm := buildWasmProgram(t, ctx, goroot, "github.com/w3ws/w3ws/e2e/workerpage", "worker.wasm")
	wasmExecJS := readWasmExecJS(t, goroot)

	// The echo server records what it receives, and its close event.
	var (
		mu       sync.Mutex
		received []string
	)
	serverClosed := make(chan string, 1)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", staticHandler("text/html; charset=utf-8", []byte(workerPageHTML)))
	mux.Handle("GET /worker/worker.js", staticHandler("text/javascript; charset=utf-8", []byte(workerJS)))
	mux.Handle("GET /worker/wasm_exec.js", staticHandler("text/javascript; charset=utf-8", wasmExecJS))
	mux.Handle("GET /worker/w3ws.js", staticHandler("text/javascript; charset=utf-8", []byte(jsbridge.ShimJS())))
	mux.Handle("GET /worker/worker.wasm", staticHandler("application/wasm", wasm))
	mux.HandleFunc("GET /worker/echo", func(w http.ResponseWriter, r *http.Request) {
		_, err := websocket.Upgrade(w, r, &websocket.Options{
			BinaryType: websocket.BinaryTypeArrayBuffer,
			OnMessage: func(e *websocket.MessageEvent) {
				mu.Lock()
				switch d := e.Data.(type) {
				case string:
					received = append(received, fmt.Sprintf("text %q", d))
				case websocket.ArrayBuffer:
					received = append(received, "binary "+hex.EncodeToString(d))
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
	hs := httptest.NewServer(mux)
	defer hs.Close()

	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(t.TempDir())...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer closeBrowser(t, bctx, bcancel)
	console := recordConsole(t, bctx)
	start := time.Now()
	require.NoError(t, chromedp.Do(bctx, browser.DisableNetwork(), chromedp.Navigate(hs.URL+"/")), "opening the page")
	res, err := chromedp.Run(bctx, chromedp.Poll[workerResult](`window.result && window.result.done && window.result`,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(workerWait)))
	if err != nil {
		t.Fatalf("waiting for the worker's log: %v\nthe page's console:\n%s", err, console())
	}
	t.Logf("the worker ran in %v", time.Since(start).Round(time.Millisecond))
	if res.Output != "" {
		t.Logf("the Go program wrote:\n%s", res.Output)
	}
	require.Empty(t, res.Errors, "the worker failed; its log: %q\nthe page's console:\n%s", res.Log, console())

	host := strings.TrimPrefix(hs.URL, "http://")
	text := "hello from a worker, wörld ✓"
	want := []string{
		"global window=undefined WorkerGlobalScope=function",
		"new url=ws://" + host + "/worker/echo readyState=0",
		`open readyState=1 protocol="" binaryType=blob`,
		"send text err=<nil>",
		// bufferedAmount does not fall while a handler runs.
		fmt.Sprintf("send binary err=<nil> bufferedAmount=%d", len(text)+6),
		fmt.Sprintf("message text %q origin=ws://%s readyState=1", text, host),
		`message blob size=6 type="" bytes=000102fdfeff err=<nil> readyState=1`,
		"send binary err=<nil> binaryType=arraybuffer",
		"message arraybuffer len=4 bytes=cafe0042 readyState=1",
		"close() err=<nil> readyState=2",
		`close code=1000 reason="bye" wasClean=true readyState=3`,
	}
	assert.Equal(t, want, res.Log, "the worker's event log")

	select {
	case got := <-serverClosed:
		assert.Equal(t, `close code=1000 reason="bye" wasClean=true`, got, "the echo server's close event")
	case <-time.After(workerWait):
		t.Fatal("the echo server saw no close")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{fmt.Sprintf("text %q", text), "binary 000102fdfeff", "binary cafe0042"}, received,
		"what the echo server received")
}

// closeBrowser closes the Chromium of its first tab's context ctx
// gracefully (a killed Chromium leaves its singleton directory in $TMPDIR),
// then cancels ctx.
func closeBrowser(tb testing.TB, ctx context.Context, cancel context.CancelFunc) {
	tb.Helper()
	defer cancel()
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	if err := chromedp.Cancel(cctx); err != nil {
		tb.Errorf("closing Chromium: %v", err)
	}
}

// staticHandler serves body with contentType, uncached.
func staticHandler(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})
}

// recordConsole records the console of the page in ctx (not its workers')
// and returns a func that gives it so far, one message a line.
func recordConsole(tb testing.TB, ctx context.Context) func() string {
	tb.Helper()
	var (
		mu    sync.Mutex
		lines []string
	)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the tab closed
			}
			mu.Lock()
			lines = append(lines, fmt.Sprintf("\t%s: %s", m.Type, m.Text))
			mu.Unlock()
		}
	}()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(lines) == 0 {
			return "\t(nothing)"
		}
		return strings.Join(lines, "\n")
	}
}
