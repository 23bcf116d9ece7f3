package websocket_test

// Test helpers shared by the native and the browser (js/wasm) builds: URLs of
// the scenario server (internal/scenario), its wire log, and a recorder of
// events. The scenario server's base URL is set by TestMain, in
// scenario_native_test.go (in-process) or scenario_js_test.go (from the
// environment).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/scenario"
	"github.com/w3ws/w3ws/websocket"
)

// scenarioURL is the scenario server's base URL, "http://127.0.0.1:PORT".
var scenarioURL string

// waitTimeout bounds every wait for an event.
const waitTimeout = 10 * time.Second

// scenarioHost returns "127.0.0.1:PORT" of the scenario server.
func scenarioHost() string { return strings.TrimPrefix(scenarioURL, "http://") }

// newID returns a fresh token to tag a connection's wire log.
func newID(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "_", "#", "-").Replace(t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return url.QueryEscape(name) + "-" + hex.EncodeToString(b[:])
}

// route returns the ws URL of a scenario route with the extra query
// parameters params ("k=v", already escaped), tagged with a new id.
func route(t testing.TB, path string, params ...string) (wsURL, id string) {
	id = newID(t)
	q := append([]string{"id=" + id}, params...)
	return "ws://" + scenarioHost() + path + "?" + strings.Join(q, "&"), id
}

// logClient fetches wire logs without keeping connections alive, so no
// goroutine outlives a test.
var logClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}

// fetchLog returns the scenario server's wire log of id, waiting up to wait
// for its connections to end.
func fetchLog(t testing.TB, id string, wait time.Duration) *scenario.Log {
	t.Helper()
	resp, err := logClient.Get(fmt.Sprintf("%s/log?id=%s&wait=%d", scenarioURL, id, wait.Milliseconds()))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var l scenario.Log
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&l))
	return &l
}

// wireLog returns the wire log of id once its connections have ended; it
// fails the test if they do not end within waitTimeout.
func wireLog(t testing.TB, id string) *scenario.Log {
	t.Helper()
	l := fetchLog(t, id, waitTimeout)
	require.True(t, l.Ended, "the scenario server's connection %s did not end: %+v", id, l)
	return l
}

// requireNoConnection checks that the scenario server saw no request tagged
// id. It waits a little, since a connection would start asynchronously.
func requireNoConnection(t testing.TB, id string) {
	t.Helper()
	l := fetchLog(t, id, 100*time.Millisecond)
	require.Zero(t, l.Conns, "the server saw a connection for %s", id)
}

// describe formats message data: `text "hi"`, `blob 3`, `arraybuffer 3`.
func describe(data any) string {
	switch d := data.(type) {
	case string:
		if len(d) > 256 {
			return fmt.Sprintf("text %d", len(d))
		}
		return fmt.Sprintf("text %q", d)
	case *websocket.Blob:
		return fmt.Sprintf("blob %d", d.Size())
	case websocket.ArrayBuffer:
		return fmt.Sprintf("arraybuffer %d", len(d))
	}
	return fmt.Sprintf("%T", data)
}

// recorder logs the events of one socket as strings such as "open rs=1",
// `message rs=1 text "hi"`, "error rs=3", `close rs=3 1006 "" false`, with
// readyState read inside the handler, and checks that handlers never run
// concurrently. Its hooks run on the dispatcher after the event is logged.
type recorder struct {
	t testing.TB

	onOpen    func(ws *websocket.WebSocket)
	onMessage func(ws *websocket.WebSocket, e *websocket.MessageEvent)
	onError   func(ws *websocket.WebSocket, e websocket.Event)
	onClose   func(ws *websocket.WebSocket, e *websocket.CloseEvent)
	// noMessage leaves Options.OnMessage alone (tests of handler order).
	noMessage bool

	mu       sync.Mutex
	events   []string
	errs     []error // ErrorEvent.Err of each error event
	closeEv  *websocket.CloseEvent
	goids    map[uint64]bool // goroutines handlers ran on
	closed   chan struct{}
	inside   atomic.Int32
	overlaps atomic.Int32
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, closed: make(chan struct{}), goids: map[uint64]bool{}}
}

// log appends an entry; hooks use it to interleave their own entries.
func (r *recorder) log(format string, args ...any) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// enter and leave bracket every handler: they count overlapping handlers
// and note the goroutine.
func (r *recorder) enter() {
	if r.inside.Add(1) != 1 {
		r.overlaps.Add(1)
	}
	id := goid()
	r.mu.Lock()
	r.goids[id] = true
	r.mu.Unlock()
	runtime.Gosched() // widen the window in which an overlap would show
}

func (r *recorder) leave() { r.inside.Add(-1) }

// options returns a copy of o (nil: none) with the recorder's handlers.
func (r *recorder) options(o *websocket.Options) *websocket.Options {
	var c websocket.Options
	if o != nil {
		c = *o
	}
	c.OnOpen = func(e websocket.Event) {
		r.enter()
		defer r.leave()
		ws := e.Target()
		r.log("open rs=%d", ws.ReadyState())
		if e.Type() != "open" {
			r.log("open event has type %q", e.Type())
		}
		if r.onOpen != nil {
			r.onOpen(ws)
		}
	}
	if !r.noMessage {
		c.OnMessage = func(e *websocket.MessageEvent) {
			r.enter()
			defer r.leave()
			ws := e.Target()
			r.log("message rs=%d %s", ws.ReadyState(), describe(e.Data))
			if r.onMessage != nil {
				r.onMessage(ws, e)
			}
		}
	}
	c.OnError = func(e websocket.Event) {
		r.enter()
		defer r.leave()
		ws := e.Target()
		r.log("error rs=%d", ws.ReadyState())
		if ee, ok := e.(*websocket.ErrorEvent); ok {
			r.mu.Lock()
			r.errs = append(r.errs, ee.Err)
			r.mu.Unlock()
		} else {
			r.log("error event is a %T", e)
		}
		if r.onError != nil {
			r.onError(ws, e)
		}
	}
	c.OnClose = func(e *websocket.CloseEvent) {
		r.enter()
		defer r.leave()
		ws := e.Target()
		r.log("close rs=%d %d %q %v", ws.ReadyState(), e.Code, e.Reason, e.WasClean)
		if r.onClose != nil {
			r.onClose(ws, e)
		}
		r.mu.Lock()
		first := r.closeEv == nil
		r.closeEv = e
		r.mu.Unlock()
		if first {
			close(r.closed)
		} else {
			r.log("second close event")
		}
	}
	return &c
}

// dial creates a socket with the recorder's handlers (and o's other
// settings), failing the test on a constructor error. The socket is closed
// and waited for when the test ends.
func (r *recorder) dial(u string, o *websocket.Options) *websocket.WebSocket {
	r.t.Helper()
	ws, err := websocket.NewWithOptions(u, r.options(o))
	require.NoError(r.t, err)
	closeAtEnd(r.t, ws)
	return ws
}

// closeAtEnd closes ws when the test ends and waits for its close event, so
// that no socket outlives its test.
func closeAtEnd(t testing.TB, ws *websocket.WebSocket) {
	t.Cleanup(func() {
		ws.Close(0, "")
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if _, err := ws.WaitClosed(ctx); err != nil {
			t.Errorf("socket %s did not close: %v", ws.URL(), err)
		}
	})
}

// wait waits for the close event and returns every event logged.
func (r *recorder) wait() []string {
	r.t.Helper()
	select {
	case <-r.closed:
	case <-time.After(waitTimeout):
		r.t.Fatalf("no close event within %v; events so far: %q", waitTimeout, r.snapshot())
	}
	// Let the close listeners after the recorder's handler run too.
	r.mu.Lock()
	ws := r.closeEv.Target()
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, err := ws.WaitClosed(ctx)
	require.NoError(r.t, err)
	require.Zero(r.t, r.overlaps.Load(), "handlers ran concurrently")
	return r.snapshot()
}

// snapshot returns the events logged so far.
func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// errors returns ErrorEvent.Err of every error event so far.
func (r *recorder) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// handlerGoroutines returns the goroutines handlers ran on.
func (r *recorder) handlerGoroutines() map[uint64]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[uint64]bool, len(r.goids))
	for k := range r.goids {
		m[k] = true
	}
	return m
}

// goid returns the current goroutine's id (export_test.go).
func goid() uint64 { return websocket.Goid() }

// closeOnMessages returns an onMessage hook that closes the socket with
// code 1000 after n messages.
func closeOnMessages(n int) func(*websocket.WebSocket, *websocket.MessageEvent) {
	var seen int
	return func(ws *websocket.WebSocket, _ *websocket.MessageEvent) {
		if seen++; seen == n {
			ws.Close(1000, "")
		}
	}
}
