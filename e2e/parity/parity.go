// Package parity holds the Go side of w3ws's browser-parity tests: one
// portable implementation of every scenario, written against package
// websocket only, that runs unchanged natively (inside the e2e test process)
// and compiled to WebAssembly in a browser page (paritywasm). Each scenario
// writes a log: the events with readyState read inside each handler, the
// results and exception names of calls, bufferedAmount readings. The e2e
// test (e2e/parity_test.go) runs the same scenarios in plain JavaScript
// (e2e/parity_harness.js, which mirrors this file line by line), adds what
// the scenario server saw on the wire, and compares the three logs.
//
// The log lines are the contract with the JavaScript harness:
//
//	new -> ok url=ws://127.0.0.1:PORT/echo?id=ID     new -> SyntaxError
//	open rs=1 protocol="" extensions=""
//	message rs=1 text "hi"     message rs=1 blob 5 type=""     message rs=1 arraybuffer 3 010203
//	error rs=3
//	close rs=3 code=1006 reason="" clean=false
//	send(text "x") -> InvalidStateError     send(binary 3) -> ok
//	close(1001) -> InvalidAccessError       close(4001,"bye") -> ok rs=2
//	bufferedAmount=6
//
// Strings are quoted as JSON; a string or binary payload over 64 bytes is
// shown as its length and FNV-1a 32 hash instead. A line that starts with
// "FAIL" reports a broken run (a wait that timed out), whatever the other
// modes did.
package parity

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// Env says where the scenarios of one run connect and how their connection
// ids are made.
type Env struct {
	// Base is the scenario server's base URL, "http://127.0.0.1:PORT".
	Base string
	// Prefix starts every connection id of the run; it must be unique per
	// mode and run, since all modes share one server ("native-1a2b3c").
	Prefix string
	// Page is the URL relative WebSocket URLs resolve against when a
	// scenario passes Options.BaseURL: the page's URL in the browser.
	Page string
}

// Result is the log of one scenario.
type Result struct {
	Name string   `json:"name"`
	Log  []string `json:"log"`
	// IDs are the connection ids the scenario's sockets used, in order,
	// for the caller to fetch the server's wire logs (ID1, ID2... once
	// normalized).
	IDs []string `json:"ids"`
}

// Scenario is one scenario: a name and its body.
type Scenario struct {
	Name string
	run  func(t *T)
}

// waitTimeout bounds every wait of a scenario: for a close event, for the
// server to see a request.
const waitTimeout = 12 * time.Second

// maxShown is the longest string or binary payload logged in full.
const maxShown = 64

// Names returns the scenario names in run order.
func Names() []string {
	all := allScenarios()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	return names
}

// Run runs every scenario (only those named, when names is not empty), one
// after the other, and returns their logs.
func Run(env Env, names ...string) []Result {
	var out []Result
	for _, s := range allScenarios() {
		if len(names) > 0 && !contains(names, s.Name) {
			continue
		}
		out = append(out, runOne(env, s))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runOne runs a scenario's body as the browser runs a script: the body holds
// the event loop (T's task lock) except while it waits, and every handler
// takes the lock, so no handler runs while the body's synchronous steps do,
// as in JavaScript. Natively, events may otherwise be dispatched before New
// returns.
func runOne(env Env, s Scenario) Result {
	// The lock is free when its channel holds a token; the body starts
	// with it held.
	t := &T{env: env, name: s.Name, lock: make(chan struct{}, 1)}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.logf("FAIL: panic: %v", r)
			}
		}()
		s.run(t)
	}()
	t.lock <- struct{}{}
	// Sockets left open (a failed wait) are closed so that they do not
	// disturb later scenarios; their events are no longer logged.
	t.mu.Lock()
	t.done = true
	open, streams := t.sockets, t.streams
	t.mu.Unlock()
	for _, ws := range open {
		ws.Close(0, "")
	}
	for _, s := range streams {
		s.Close(websocket.CloseInfo{})
	}
	return Result{Name: s.Name, Log: t.snapshot(), IDs: t.ids}
}

// T is a running scenario: its log, its connection ids and its task lock.
type T struct {
	env  Env
	name string
	lock chan struct{} // the task lock: held by the body or one handler

	mu      sync.Mutex
	lines   []string
	ids     []string
	n       int
	sockets []*websocket.WebSocket
	streams []*websocket.WebSocketStream
	done    bool // the scenario ended: handlers no longer log
}

// logf appends a line to the log.
func (t *T) logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.done {
		t.lines = append(t.lines, fmt.Sprintf(format, args...))
	}
}

func (t *T) snapshot() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string{}, t.lines...)
}

// enter takes the task lock for a handler; it gives up after waitTimeout
// (logging the failure) so that a dispatch from inside New, Send or Close,
// which would wait for the body forever, shows in the log instead of
// hanging the run.
func (t *T) enter() (leave func()) {
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	select {
	case <-t.lock:
		return func() { t.lock <- struct{}{} }
	case <-timer.C:
		t.logf("FAIL: a handler waited %v for the task lock (an event dispatched synchronously?)", waitTimeout)
		return func() {}
	}
}

// await releases the task lock while f waits, as an await does.
func (t *T) await(f func()) {
	t.lock <- struct{}{}
	defer func() { <-t.lock }()
	f()
}

// wsBase is the scenario server's base URL with the ws scheme.
func (t *T) wsBase() string { return "ws" + strings.TrimPrefix(t.env.Base, "http") }

// newID returns the scenario's next connection id.
func (t *T) newID() string {
	t.n++
	return fmt.Sprintf("%s-%s-%d", t.env.Prefix, t.name, t.n)
}

// url returns the ws URL of a scenario route, with a new id and the extra
// query (already escaped, without the leading "&"), and the id.
func (t *T) url(path, query string) (string, string) {
	id := t.newID()
	u := t.wsBase() + path + "?id=" + id
	if query != "" {
		u += "&" + query
	}
	return u, id
}

// hooks are what a scenario adds to the standard handlers, which log every
// event first.
type hooks struct {
	protocols  []string
	binaryType websocket.BinaryType // set right after the constructor
	baseURL    string
	quiet      bool // do not log message events (the hook logs a digest)
	open       func(ws *websocket.WebSocket)
	error      func(ws *websocket.WebSocket)
	message    func(ws *websocket.WebSocket, e *websocket.MessageEvent)
	close      func(ws *websocket.WebSocket, e *websocket.CloseEvent)
}

// dial creates a socket as new WebSocket(u, protocols) with logging handlers
// and logs the outcome. id, when not "", is recorded for the wire log once
// the constructor succeeded. It returns nil when the constructor threw.
func (t *T) dial(u, id string, h hooks) *websocket.WebSocket {
	opts := &websocket.Options{
		Protocols: h.protocols,
		BaseURL:   h.baseURL,
		OnOpen: func(e websocket.Event) {
			defer t.enter()()
			ws := e.Target()
			t.logf("open rs=%d protocol=%s extensions=%s", ws.ReadyState(), quote(ws.Protocol()), quote(ws.Extensions()))
			if h.open != nil {
				h.open(ws)
			}
		},
		OnMessage: func(e *websocket.MessageEvent) {
			defer t.enter()()
			ws := e.Target()
			if !h.quiet {
				t.logf("message rs=%d %s", ws.ReadyState(), describe(e.Data))
			}
			if h.message != nil {
				h.message(ws, e)
			}
		},
		OnError: func(e websocket.Event) {
			defer t.enter()()
			ws := e.Target()
			t.logf("error rs=%d", ws.ReadyState())
			if h.error != nil {
				h.error(ws)
			}
		},
		OnClose: func(e *websocket.CloseEvent) {
			defer t.enter()()
			ws := e.Target()
			t.logf("close rs=%d code=%d reason=%s clean=%v", ws.ReadyState(), e.Code, quote(e.Reason), e.WasClean)
			if h.close != nil {
				h.close(ws, e)
			}
		},
	}
	ws, err := websocket.NewWithOptions(u, opts)
	if err != nil {
		t.logf("new -> %s", errName(err))
		return nil
	}
	t.mu.Lock()
	if id != "" {
		t.ids = append(t.ids, id)
	}
	t.sockets = append(t.sockets, ws)
	t.mu.Unlock()
	// readyState is not logged here: natively the handshake runs on another
	// goroutine and may complete before this line; scenarios that read it
	// while CONNECTING delay the handshake (/delay).
	t.logf("new -> ok url=%s", ws.URL())
	if h.binaryType != "" {
		ws.SetBinaryType(h.binaryType)
	}
	return ws
}

// wait waits for ws's close event (and its handlers), as "await closed".
func (t *T) wait(ws *websocket.WebSocket) {
	if ws == nil {
		return
	}
	t.await(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if _, err := ws.WaitClosed(ctx); err != nil {
			t.logf("FAIL: no close event within %v", waitTimeout)
		}
	})
}

// waitRequest waits until the scenario server has seen a request tagged id.
func (t *T) waitRequest(id string) {
	t.await(func() {
		deadline := time.Now().Add(waitTimeout)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for time.Now().Before(deadline) {
			if n, err := t.conns(id); err == nil && n > 0 {
				return
			}
			<-tick.C
		}
		t.logf("FAIL: the server saw no request for %s within %v", id, waitTimeout)
	})
}

// logClient fetches the scenario server's wire logs.
var logClient = &http.Client{Timeout: waitTimeout}

// conns returns how many connections the server saw for id so far.
func (t *T) conns(id string) (int, error) {
	resp, err := logClient.Get(t.env.Base + "/log?wait=0&id=" + id)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var l struct {
		Conns int `json:"conns"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		return 0, err
	}
	return l.Conns, nil
}

// send calls ws.Send(data) and logs the outcome.
func (t *T) send(ws *websocket.WebSocket, data any) { t.sendAs(ws, data, sendDesc(data)) }

// sendAs is send with the argument described as desc.
func (t *T) sendAs(ws *websocket.WebSocket, data any, desc string) {
	if err := ws.Send(data); err != nil {
		t.logf("send(%s) -> %s", desc, errName(err))
		return
	}
	t.logf("send(%s) -> ok", desc)
}

// close calls ws.Close(code, reason) (code 0: close() without arguments)
// and logs the outcome with readyState right after it.
func (t *T) close(ws *websocket.WebSocket, code int, reason string) {
	args := ""
	switch {
	case code == 0:
	case reason == "":
		args = fmt.Sprint(code)
	default:
		args = fmt.Sprintf("%d,%s", code, quote(reason))
	}
	t.closeAs(ws, code, reason, args)
}

// closeAs is close with the arguments described as args.
//
// A close while CONNECTING logs CLOSING when the socket reads CLOSED at once:
// natively the aborted handshake may already have dispatched CLOSED on
// another goroutine, which DESIGN allows (readyState changes on the
// dispatcher, and this call runs on none), where a browser's script, run
// to completion, still sees CLOSING (see closeAgain).
func (t *T) closeAs(ws *websocket.WebSocket, code int, reason, args string) {
	connecting := ws.ReadyState() == websocket.CONNECTING
	if err := ws.Close(code, reason); err != nil {
		t.logf("close(%s) -> %s", args, errName(err))
		return
	}
	rs := ws.ReadyState()
	if connecting && rs == websocket.CLOSED {
		rs = websocket.CLOSING
	}
	t.logf("close(%s) -> ok rs=%d", args, rs)
}

// closeAgain is close for a socket already closing while CONNECTING, without
// reading readyState: natively the aborted handshake may already have
// dispatched CLOSED on another goroutine, which DESIGN allows (readyState
// changes on the dispatcher), where a browser's script, run to completion,
// still sees CLOSING.
func (t *T) closeAgain(ws *websocket.WebSocket, code int, reason string) {
	if err := ws.Close(code, reason); err != nil {
		t.logf("close(%d,%s) -> %s", code, quote(reason), errName(err))
		return
	}
	t.logf("close(%d,%s) -> ok", code, quote(reason))
}

// state logs ws.ReadyState().
func (t *T) state(ws *websocket.WebSocket) {
	t.logf("readyState=%d", ws.ReadyState())
}

// buffered logs ws.BufferedAmount().
func (t *T) buffered(ws *websocket.WebSocket) {
	t.logf("bufferedAmount=%d", ws.BufferedAmount())
}

// errName returns the name of a DOMException, as JavaScript's e.name.
func errName(err error) string {
	var de *websocket.DOMException
	if errors.As(err, &de) {
		return de.Name
	}
	return "error: " + err.Error()
}

// quote returns s as a JSON string (as JSON.stringify does), or its UTF-8
// length and hash when it is longer than maxShown bytes.
func quote(s string) string {
	if len(s) > maxShown {
		return fmt.Sprintf("len=%d fnv=%s", len(s), fnvHex([]byte(s)))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// bytesDesc describes binary data: its length, then its bytes in hex (up to
// 16 bytes) or their hash.
func bytesDesc(b []byte) string {
	switch n := len(b); {
	case n == 0:
		return "0"
	case n <= 16:
		return fmt.Sprintf("%d %s", n, hex.EncodeToString(b))
	default:
		return fmt.Sprintf("%d fnv=%s", n, fnvHex(b))
	}
}

// describe describes a message event's data.
func describe(data any) string {
	switch d := data.(type) {
	case string:
		return "text " + quote(d)
	case websocket.ArrayBuffer:
		return "arraybuffer " + bytesDesc(d)
	case *websocket.Blob:
		return fmt.Sprintf("blob %d type=%s", d.Size(), quote(d.Type()))
	}
	return fmt.Sprintf("unknown data %T", data)
}

// sendDesc describes the argument of a send.
func sendDesc(data any) string {
	switch d := data.(type) {
	case string:
		return "text " + quote(d)
	case []byte:
		return fmt.Sprintf("binary %d", len(d))
	case *websocket.Blob:
		return fmt.Sprintf("blob %d", d.Size())
	}
	return fmt.Sprintf("%T", data)
}

// fnvHex returns the FNV-1a 32 hash of b in 8 hex digits.
func fnvHex(b []byte) string {
	h := fnv.New32a()
	h.Write(b)
	return fmt.Sprintf("%08x", h.Sum32())
}
