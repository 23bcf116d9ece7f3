//go:build !js

package e2e

import (
	"context"
	"crypto/sha256"
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

	"github.com/w3ws/w3ws/internal/wirerelay"
	"github.com/w3ws/w3ws/wasm/browser"
	"github.com/w3ws/w3ws/websocket"
)

// deflateWait bounds each wait of TestDeflateChromium: the page's run and
// the end of the relayed connection.
const deflateWait = 60 * time.Second

// chromeDeflateOffer is the Sec-WebSocket-Extensions Chrome sends on every
// connection, which the native client copies.
const chromeDeflateOffer = "permessage-deflate; client_max_window_bits"

// deflateAnswer is what Upgrade answers with Options.Compression (and no
// CompressionContextTakeover).
const deflateAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// deflateThreshold is native.DefaultCompressionThreshold: the server sends
// smaller messages uncompressed.
const deflateThreshold = 128

// deflatePageHTML connects Chromium's own WebSocket (no Go in the page) to
// the URL in the query parameter ws, and sends one message of each kind and
// size in turn, waiting for its echo, which it compares with what it sent
// byte for byte. Kinds: compressible text (with a 3-byte "✓" so that the
// server checks UTF-8 after inflating), random printable text, compressible
// binary, random binary. Everything lands in window.result, which the test
// polls until done.
const deflatePageHTML = `<!doctype html>
<meta charset="utf-8">
<title>w3ws: permessage-deflate with Chromium's WebSocket</title>
<link rel="icon" href="data:,">
<script>
"use strict";
window.result = { done: false, extensions: null, protocol: null, messages: [], close: null, errors: [] };
window.addEventListener("error", (e) => result.errors.push("uncaught: " + e.message + " (line " + e.lineno + ")"));
window.addEventListener("unhandledrejection", (e) => result.errors.push("unhandled rejection: " + ((e.reason && e.reason.stack) || e.reason)));

const sizes = [16, 1024, 65536, 1048576];
const kinds = ["text", "text-random", "binary", "binary-random"];
const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const enc = new TextEncoder();

// compressible returns n bytes of ASCII that deflate shrinks well.
function compressible(n, seed) {
	const parts = [];
	let len = 0;
	for (let i = 0; len < n; i++) {
		const p = words[(i * 5 + seed) % words.length] + " " + (i % 97) + ", ";
		parts.push(p);
		len += p.length;
	}
	return parts.join("").slice(0, n);
}

function randomBytes(n) {
	const b = new Uint8Array(n);
	for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
	return b;
}

// make returns a message of kind and exactly n bytes.
function make(kind, n) {
	switch (kind) {
	case "text": return "\u2713" + compressible(n - 3, n);
	case "text-random": return "\u2713" + new TextDecoder().decode(randomBytes(n - 3).map((x) => 33 + (x % 94)));
	case "binary": return enc.encode(compressible(n, n + 1));
	case "binary-random": return randomBytes(n);
	}
	throw new Error("unknown kind " + kind);
}

function bytesOf(d) {
	if (typeof d === "string") return enc.encode(d);
	if (d instanceof ArrayBuffer) return new Uint8Array(d);
	return d;
}

function sameBytes(a, b) {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) {
		if (a[i] !== b[i]) return false;
	}
	return true;
}

async function sha256(b) {
	const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b));
	return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

async function run() {
	const ws = new WebSocket(new URLSearchParams(location.search).get("ws"));
	ws.binaryType = "arraybuffer";
	const queue = [];
	let wake = () => {};
	let closed = null;
	ws.onmessage = (e) => { queue.push(e.data); wake(); };
	ws.onerror = () => result.errors.push("error event at readyState " + ws.readyState);
	const closeEvent = new Promise((resolve) => {
		ws.onclose = (e) => {
			closed = { code: e.code, reason: e.reason, wasClean: e.wasClean };
			wake();
			resolve(closed);
		};
	});
	await new Promise((resolve) => { ws.onopen = resolve; wake = resolve; });
	if (closed) {
		result.close = closed;
		throw new Error("the socket did not open");
	}
	result.extensions = ws.extensions;
	result.protocol = ws.protocol;
	for (const size of sizes) {
		for (const kind of kinds) {
			const data = make(kind, size);
			const sent = bytesOf(data);
			const m = { kind, size, sentLen: sent.length, sentHash: await sha256(sent) };
			ws.send(data);
			while (queue.length === 0) {
				if (closed) throw new Error("closed before the echo of " + kind + " " + size);
				await new Promise((resolve) => { wake = resolve; });
			}
			const got = queue.shift();
			const gotBytes = bytesOf(got);
			m.type = typeof got === "string" ? "text" : (got instanceof ArrayBuffer ? "arraybuffer" : String(got));
			m.receivedLen = gotBytes.length;
			m.receivedHash = await sha256(gotBytes);
			m.same = typeof data === "string" ? got === data : sameBytes(sent, gotBytes);
			result.messages.push(m);
		}
	}
	ws.close(1000, "done");
	result.close = await closeEvent;
}

run()
	.catch((e) => result.errors.push("run: " + ((e && e.stack) || e)))
	.finally(() => { result.done = true; });
</script>
`

// deflatePageResult is window.result of deflatePageHTML.
type deflatePageResult struct {
	Done       bool                 `json:"done"`
	Extensions *string              `json:"extensions"`
	Protocol   *string              `json:"protocol"`
	Messages   []deflatePageMessage `json:"messages"`
	Close      *struct {
		Code     int    `json:"code"`
		Reason   string `json:"reason"`
		WasClean bool   `json:"wasClean"`
	} `json:"close"`
	Errors []string `json:"errors"`
}

// deflatePageMessage is one message the page sent and its echo.
type deflatePageMessage struct {
	Kind         string `json:"kind"`
	Size         int    `json:"size"`
	SentLen      int    `json:"sentLen"`
	SentHash     string `json:"sentHash"`
	Type         string `json:"type"`
	ReceivedLen  int    `json:"receivedLen"`
	ReceivedHash string `json:"receivedHash"`
	Same         bool   `json:"same"`
}

// compressible reports whether the page made the message of kind to
// compress well.
func (m deflatePageMessage) compressible() bool { return m.Kind == "text" || m.Kind == "binary" }

// text reports whether the message is a text message.
func (m deflatePageMessage) text() bool { return strings.HasPrefix(m.Kind, "text") }

// serverMessage is what the echo server received.
type serverMessage struct {
	text bool
	len  int
	hash string
}

// TestDeflateChromium: Chromium's own WebSocket, in a plain JavaScript page,
// talks permessage-deflate with an echo server built on websocket.Upgrade
// with Options.Compression, through a TCP relay (internal/wirerelay) that
// parses the frames of both directions. It checks that
//   - Chromium offers exactly chromeDeflateOffer, the server answers
//     deflateAnswer, and the page's ws.extensions and the server socket's
//     Extensions() are that answer;
//   - text and binary messages of 16 B, 1 KiB, 64 KiB and 1 MiB, both
//     compressible and random, reach the server intact (SHA-256 against the
//     page's) and come back intact (compared byte for byte in the page);
//   - on the wire, every message Chromium sent has RSV1 (Chromium compresses
//     every message) and is masked, inflates on its own (no context
//     takeover) to exactly what the page sent, and compressible ones of
//     1 KiB and more are smaller than the message;
//   - the server's echoes of 1 KiB and more have RSV1 and inflate to the
//     message, compressible ones smaller; the 16 B ones, under the default
//     threshold of 128 B, go plain;
//   - RSV1 is only ever on a message's first frame, RSV2 and RSV3 never;
//   - the close is clean (1000 "done") on both sides.
//
// It fails, and does not skip, without Chromium.
func TestDeflateChromium(t *testing.T) {
	require.NoError(t, browser.Require(), "TestDeflateChromium needs Chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 2*deflateWait)
	defer cancel()

	var (
		mu               sync.Mutex
		received         []serverMessage
		serverExtensions []string
		echoErrs         []error
	)
	serverClosed := make(chan string, 1)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", staticHandler("text/html; charset=utf-8", []byte(deflatePageHTML)))
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Upgrade(w, r, &websocket.Options{
			Compression: true,
			BinaryType:  websocket.BinaryTypeArrayBuffer,
			// The page comes from the HTTP server, the socket goes to
			// the relay: another port, so another origin.
			OriginPatterns: []string{"127.0.0.1:*"},
			OnMessage: func(e *websocket.MessageEvent) {
				var m serverMessage
				switch d := e.Data.(type) {
				case string:
					m = serverMessage{text: true, len: len(d), hash: sha256Hex([]byte(d))}
				case websocket.ArrayBuffer:
					m = serverMessage{len: len(d), hash: sha256Hex(d)}
				}
				err := e.Target().Send(e.Data)
				mu.Lock()
				received = append(received, m)
				if err != nil {
					echoErrs = append(echoErrs, err)
				}
				mu.Unlock()
			},
			OnClose: func(e *websocket.CloseEvent) {
				serverClosed <- fmt.Sprintf("close code=%d reason=%q wasClean=%v", e.Code, e.Reason, e.WasClean)
			},
		})
		if err != nil {
			t.Errorf("echo server: %v", err)
			return
		}
		mu.Lock()
		serverExtensions = append(serverExtensions, ws.Extensions())
		mu.Unlock()
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	relay := wirerelay.Start(t, strings.TrimPrefix(hs.URL, "http://"))

	actx, acancel := chromedp.NewExecAllocator(ctx, browser.AllocatorOptions(t.TempDir())...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer closeBrowser(t, bctx, bcancel)
	console := recordConsoleMessages(t, bctx)
	require.NoError(t, chromedp.Do(bctx, browser.DisableNetwork()), "starting Chromium")

	start := time.Now()
	wsURL := "ws://" + relay.Addr() + "/echo"
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(hs.URL+"/?ws="+wsURL)), "opening the page")
	res, err := chromedp.Run(bctx, chromedp.Poll[deflatePageResult](`window.result && window.result.done && window.result`,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(deflateWait)))
	if err != nil {
		t.Fatalf("waiting for the page: %v\nthe page's console:\n%s", err, console.text())
	}
	t.Logf("the page ran in %v", time.Since(start).Round(time.Millisecond))

	// The page.
	require.Empty(t, res.Errors, "errors in the page; its console:\n%s", console.text())
	require.NotNil(t, res.Extensions, "the page never opened")
	assert.Equal(t, deflateAnswer, *res.Extensions, "the page's ws.extensions")
	assert.Equal(t, "", *res.Protocol, "the page's ws.protocol")
	require.Len(t, res.Messages, 16, "the page's messages")
	for _, m := range res.Messages {
		typ := "arraybuffer"
		if m.text() {
			typ = "text"
		}
		assert.Equal(t, m.Size, m.SentLen, "%s %d: the page made a message of the wrong size", m.Kind, m.Size)
		assert.True(t, m.Same, "%s %d: the echo differs from what the page sent", m.Kind, m.Size)
		assert.Equal(t, typ, m.Type, "%s %d: the echo's type", m.Kind, m.Size)
		assert.Equal(t, m.SentLen, m.ReceivedLen, "%s %d: the echo's length", m.Kind, m.Size)
		assert.Equal(t, m.SentHash, m.ReceivedHash, "%s %d: the echo's SHA-256", m.Kind, m.Size)
	}
	if assert.NotNil(t, res.Close, "the page saw no close") {
		assert.Equal(t, 1000, res.Close.Code, "the page's close code")
		assert.Equal(t, "done", res.Close.Reason, "the page's close reason")
		assert.True(t, res.Close.WasClean, "the page's close wasClean")
	}

	// The server.
	select {
	case got := <-serverClosed:
		assert.Equal(t, `close code=1000 reason="done" wasClean=true`, got, "the echo server's close event")
	case <-time.After(deflateWait):
		t.Fatal("the echo server saw no close")
	}
	mu.Lock()
	assert.Equal(t, []string{deflateAnswer}, serverExtensions, "the server socket's Extensions()")
	assert.Empty(t, echoErrs, "the echo server's Send errors")
	var want []serverMessage
	for _, m := range res.Messages {
		want = append(want, serverMessage{text: m.text(), len: m.Size, hash: m.SentHash})
	}
	assert.Equal(t, want, received, "what the echo server received (type, length, SHA-256)")
	mu.Unlock()

	// The wire.
	conns := relay.Connections()
	require.Len(t, conns, 1, "connections through the relay")
	c := conns[0]
	select {
	case <-c.Done():
	case <-time.After(deflateWait):
		t.Fatal("the relayed connection did not end")
	}
	up, down := &c.Up, &c.Down
	require.NoError(t, up.Err, "parsing what Chromium sent")
	require.NoError(t, down.Err, "parsing what the server sent")
	assert.True(t, strings.HasPrefix(up.Head, "GET /echo "), "the request line: %q", up.Head)
	assert.Equal(t, []string{chromeDeflateOffer}, up.Header.Values("Sec-WebSocket-Extensions"), "Chromium's offer")
	assert.Equal(t, "HTTP/1.1 101 Switching Protocols", down.Head, "the response's status line")
	assert.Equal(t, []string{deflateAnswer}, down.Header.Values("Sec-WebSocket-Extensions"), "the server's answer")

	upData, upControl := up.Split()
	downData, downControl := down.Split()
	require.Len(t, upData, len(res.Messages), "data messages from Chromium on the wire")
	require.Len(t, downData, len(res.Messages), "data messages from the server on the wire")
	var table strings.Builder
	fmt.Fprintf(&table, "%-14s %8s | %-30s | %-30s\n", "message", "size", "Chromium -> server (wire)", "server -> Chromium (wire)")
	for i, m := range res.Messages {
		name := fmt.Sprintf("%s %d", m.Kind, m.Size)
		op := byte(2)
		if m.text() {
			op = 1
		}
		u, d := upData[i], downData[i]
		fmt.Fprintf(&table, "%-14s %8d | %-30s | %-30s\n", m.Kind, m.Size, u, d)

		// Chromium to the server.
		assert.Equal(t, op, u.Op, "%s from Chromium: opcode", name)
		assert.True(t, u.Masked, "%s from Chromium: unmasked frame", name)
		assert.Equal(t, 4, u.RSV, "%s from Chromium: RSV bits of the first frame (RSV1 = 4)", name)
		assert.Zero(t, u.LaterRSV, "%s from Chromium: RSV bits on a continuation frame", name)
		if got, err := wirerelay.Inflate(u.Payload); assert.NoError(t, err, "%s from Chromium: inflating", name) {
			assert.Equal(t, m.SentHash, sha256Hex(got), "%s from Chromium: the inflated payload is not what the page sent (%d bytes)", name, len(got))
		}
		if m.compressible() && m.Size >= 1024 {
			assert.Less(t, len(u.Payload), m.Size, "%s from Chromium: compressed payload not smaller than the message", name)
		}

		// The server's echo.
		assert.Equal(t, op, d.Op, "%s from the server: opcode", name)
		assert.False(t, d.Masked, "%s from the server: masked frame", name)
		assert.Zero(t, d.LaterRSV, "%s from the server: RSV bits on a continuation frame", name)
		if m.Size < deflateThreshold {
			assert.Equal(t, 0, d.RSV, "%s from the server: under the threshold, it must go plain", name)
			assert.Equal(t, m.SentHash, sha256Hex(d.Payload), "%s from the server: the plain payload is not the message", name)
			continue
		}
		assert.Equal(t, 4, d.RSV, "%s from the server: RSV bits of the first frame (RSV1 = 4)", name)
		if got, err := wirerelay.Inflate(d.Payload); assert.NoError(t, err, "%s from the server: inflating", name) {
			assert.Equal(t, m.SentHash, sha256Hex(got), "%s from the server: the inflated payload is not the message (%d bytes)", name, len(got))
		}
		if m.compressible() {
			assert.Less(t, len(d.Payload), m.Size, "%s from the server: compressed payload not smaller than the message", name)
		}
	}
	t.Logf("the messages on the wire (payload bytes, frames, RSV bits):\n%s", table.String())

	// The closing handshake: Chromium's Close, then the server's.
	if assert.Len(t, upControl, 1, "control frames from Chromium") {
		assert.Equal(t, "close 1000 \"done\" rsv=0", upControl[0].CloseString(), "Chromium's Close")
	}
	if assert.Len(t, downControl, 1, "control frames from the server") {
		assert.Equal(t, "close 1000 \"done\" rsv=0", downControl[0].CloseString(), "the server's Close")
	}
}

// sha256Hex returns the SHA-256 of b in hex.
func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
