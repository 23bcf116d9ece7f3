package websocket_test

// Event dispatch (websocket-api-rules §1.4, §1.9, §1.15; DESIGN "Events"):
// handlers from Options see every event, setters affect later events,
// listener order, no concurrent and no re-entrant dispatch, and the state
// and protocol changing just before open.

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestOptionsHandlersSeeOpen: handlers given in Options are in place before
// the connection starts, so they see open even from a server that answers
// at once, and every event after it, with the right Type and Target.
func TestOptionsHandlersSeeOpen(t *testing.T) {
	u, _ := route(t, "/close", "code=4000&reason=x")
	var ws *websocket.WebSocket
	got := make(chan string, 10)
	check := func(e websocket.Event, typ string) {
		if e.Target() != ws || e.Type() != typ {
			got <- fmt.Sprintf("bad event %q %p", e.Type(), e.Target())
			return
		}
		got <- typ
	}
	ready := make(chan struct{})
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		OnOpen:    func(e websocket.Event) { <-ready; check(e, "open") },
		OnMessage: func(e *websocket.MessageEvent) { check(e, "message") },
		OnError:   func(e websocket.Event) { check(e, "error") },
		OnClose:   func(e *websocket.CloseEvent) { check(e, "close") },
	})
	require.NoError(t, err)
	closeAtEnd(t, ws)
	close(ready) // ws is set: handlers may look at it
	assert.Equal(t, "open", <-got)
	assert.Equal(t, "close", <-got)
}

// TestSettersAffectLaterEvents: a setter called on the dispatcher affects the
// next event already; nil clears; setting a handler for an event that has
// passed does not replay it.
func TestSettersAffectLaterEvents(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.noMessage = true
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.SetOnOpen(func(websocket.Event) { r.log("late open handler") })
		ws.SetOnMessage(func(e *websocket.MessageEvent) {
			r.log("first handler %s", describe(e.Data))
			ws.SetOnMessage(func(e *websocket.MessageEvent) {
				r.log("second handler %s", describe(e.Data))
				ws.SetOnMessage(nil)
			})
		})
		ws.Send("1")
		ws.Send("2")
		ws.Send("3")
		ws.Send("Goodbye") // the server closes after echoing it
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `first handler text "1"`, `second handler text "2"`, `close rs=3 1000 "" true`}, r.wait())
}

// TestSetOnCloseReplacesOptionsHandler: the setters replace the handler
// given in Options.
func TestSetOnCloseReplacesOptionsHandler(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	done := make(chan string, 1)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.SetOnClose(func(e *websocket.CloseEvent) { done <- fmt.Sprintf("replaced %d", e.Code) })
		ws.SetOnError(nil)
		ws.Close(4000, "")
	}
	ws := r.dial(u, nil)
	ev, err := ws.WaitClosed(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 4000, ev.Code)
	assert.Equal(t, "replaced 4000", <-done)
	assert.Equal(t, []string{"open rs=1"}, r.snapshot(), "the Options handler was replaced")
}

// TestListenerOrder: listeners run in registration order; the on-handler
// keeps the position where it was first set when replaced, and moves to the
// end when cleared and set again (as in browsers); removed listeners stop;
// listeners of unknown types never run.
func TestListenerOrder(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.noMessage = true
	r.onOpen = func(ws *websocket.WebSocket) {
		removeL1 := ws.AddEventListener("message", func(e websocket.Event) {
			r.log("L1 %s", describe(e.(*websocket.MessageEvent).Data))
		})
		ws.SetOnMessage(func(e *websocket.MessageEvent) { r.log("H %s", describe(e.Data)) })
		ws.AddEventListener("message", func(e websocket.Event) {
			data := e.(*websocket.MessageEvent).Data
			r.log("L2 %s", describe(data))
			switch data {
			case "a":
				ws.SetOnMessage(func(e *websocket.MessageEvent) { r.log("H2 %s", describe(e.Data)) })
				removeL1()
				removeL1() // removing twice is harmless
				ws.Send("b")
			case "b":
				ws.SetOnMessage(nil)
				ws.SetOnMessage(func(e *websocket.MessageEvent) { r.log("H3 %s", describe(e.Data)) })
				ws.Send("c")
			case "c":
				ws.Close(1000, "")
			}
		})
		ws.AddEventListener("bogus", func(websocket.Event) { r.log("bogus listener") })
		ws.AddEventListener("message", nil)
		ws.AddEventListener("close", func(e websocket.Event) {
			ce := e.(*websocket.CloseEvent)
			r.log("close listener %d", ce.Code)
		})
		ws.Send("a")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1",
		`L1 text "a"`, `H text "a"`, `L2 text "a"`,
		`H2 text "b"`, `L2 text "b"`,
		`L2 text "c"`, `H3 text "c"`,
		`close rs=3 1000 "" true`, "close listener 1000"}, r.wait())
}

// TestSameListenerTwice: each AddEventListener call adds a listener, even
// for the same function, and each remove removes one.
func TestSameListenerTwice(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		fn := func(websocket.Event) { r.log("listener") }
		ws.AddEventListener("message", fn)
		remove := ws.AddEventListener("message", fn)
		ws.Send("1")
		ws.AddEventListener("message", func(e websocket.Event) {
			if e.(*websocket.MessageEvent).Data == "1" {
				remove()
				ws.Send("2")
			} else {
				ws.Close(1000, "")
			}
		})
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "1"`, "listener", "listener",
		`message rs=1 text "2"`, "listener", `close rs=3 1000 "" true`}, r.wait())
}

// TestNoReentrantDispatch: Send and Close called in a handler never run
// handlers before they return; Close's effects (CLOSING at once, the close
// event) show after the handler returns.
func TestNoReentrantDispatch(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send("a")
		r.log("sent")
	}
	r.onMessage = func(ws *websocket.WebSocket, _ *websocket.MessageEvent) {
		r.log("before close rs=%d", ws.ReadyState())
		ws.Close(4000, "x")
		r.log("after close rs=%d", ws.ReadyState())
		ws.Send("ignored")
		r.log("handler returns")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "sent", `message rs=1 text "a"`, "before close rs=1",
		"after close rs=2", "handler returns", `close rs=3 4000 "x" true`}, r.wait())
	assert.Equal(t, []string{`text "a"`, `close 4000 "x"`}, wireLog(t, id).Wire())
}

// TestEventsNotOnCallerGoroutine: Send and Close called from another
// goroutine never run handlers on that goroutine.
func TestEventsNotOnCallerGoroutine(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	opened := make(chan struct{})
	r.onOpen = func(*websocket.WebSocket) { close(opened) }
	ws := r.dial(u, nil)
	<-opened
	me := goid()
	for i := 0; i < 20; i++ {
		require.NoError(t, ws.Send(fmt.Sprint(i)))
	}
	require.NoError(t, ws.Close(1000, ""))
	events := r.wait()
	assert.Equal(t, "open rs=1", events[0])
	assert.Equal(t, `close rs=3 1000 "" true`, events[len(events)-1])
	assert.False(t, r.handlerGoroutines()[me], "a handler ran on the caller's goroutine")
}

// TestHandlersNeverConcurrent: with a burst of messages, writes completing
// and a sender goroutine, no two handlers ever run at once (the recorder
// counts overlaps), and messages keep their order.
func TestHandlersNeverConcurrent(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	const n = 200
	var want []string
	want = append(want, "open rs=1")
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("message rs=1 text %q", fmt.Sprint(i)))
	}
	want = append(want, `close rs=3 1000 "" true`)
	r.onMessage = closeOnMessages(n)
	ws := r.dial(u, nil)
	require.NoError(t, ws.WaitOpen(t.Context()))
	go func() {
		for i := 0; i < n; i++ {
			ws.Send(fmt.Sprint(i))
		}
	}()
	assert.Equal(t, want, r.wait())
}

// TestStateAndProtocolChangeAtOpen: before open, readyState is CONNECTING
// and protocol and extensions are ""; in the open handler they are already
// OPEN and the server's choice.
func TestStateAndProtocolChangeAtOpen(t *testing.T) {
	u, _ := route(t, "/delay", "ms=200")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		r.log("protocol %q extensions %q", ws.Protocol(), ws.Extensions())
		ws.Close(1000, "")
	}
	ws := r.dial(u, &websocket.Options{Protocols: []string{"chat", "echo"}})
	assert.Equal(t, websocket.CONNECTING, ws.ReadyState())
	assert.Equal(t, "", ws.Protocol())
	assert.Equal(t, "", ws.Extensions())
	assert.Equal(t, []string{"open rs=1", `protocol "echo" extensions ""`, `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, "echo", ws.Protocol(), "protocol stays after close")
}

// TestProtocolFirstOffered: the server picks the first of ["a", "b"] and
// says so; Protocol reports it.
func TestProtocolFirstOffered(t *testing.T) {
	u, id := route(t, "/protocol-first")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { r.log("protocol %q", ws.Protocol()) }
	r.onMessage = closeOnMessages(1)
	ws := r.dial(u, &websocket.Options{Protocols: []string{"a", "b"}})
	assert.Equal(t, []string{"open rs=1", `protocol "a"`, `message rs=1 text "a"`, `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, "a", ws.Protocol())
	assert.Equal(t, []string{"a, b"}, wireLog(t, id).Header.Values("Sec-WebSocket-Protocol"))
}

// TestServerClosingStateBeforeCloseEvent: a message that arrives before the
// server's Close is dispatched while still OPEN; the close follows.
func TestServerClosingStateBeforeCloseEvent(t *testing.T) {
	u, _ := route(t, "/raw", "frames=81026869"+"880203e8", "linger=0")
	r := newRecorder(t)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hi"`, `close rs=3 1000 "" true`}, r.wait())
}

// TestSettersFromAnotherGoroutine: handlers may be set, added and removed
// from any goroutine while events are dispatched (the race detector
// watches), and the handlers in place keep receiving events in order.
func TestSettersFromAnotherGoroutine(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	const n = 100
	r.onOpen = func(ws *websocket.WebSocket) {
		for i := 0; i < n; i++ {
			ws.Send(fmt.Sprint(i))
		}
	}
	r.onMessage = closeOnMessages(n)
	ws := r.dial(u, nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			remove := ws.AddEventListener("message", func(websocket.Event) {})
			ws.SetOnError(func(websocket.Event) {})
			ws.SetOnError(nil)
			ws.SetBinaryType(websocket.BinaryTypeArrayBuffer)
			_ = ws.ReadyState() + websocket.ReadyState(ws.BufferedAmount())
			remove()
			if inBrowser {
				// js/wasm has no preemption: let the browser run.
				time.Sleep(time.Millisecond)
			} else {
				runtime.Gosched()
			}
		}
	}()
	events := r.wait()
	close(stop)
	<-done
	require.Len(t, events, n+2)
	for i := 0; i < n; i++ {
		assert.Equal(t, fmt.Sprintf("message rs=1 text %q", fmt.Sprint(i)), events[i+1])
	}
}

// TestFramesInHandshakeWrite: frames the server sends in the same write as
// its 101 (WPT simple_handshake) are not lost.
func TestFramesInHandshakeWrite(t *testing.T) {
	u, id := route(t, "/raw", "frames=81026869"+"880603e9"+"50415353", "with101=1", "linger=0")
	r := newRecorder(t)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hi"`, `close rs=3 1001 "PASS" true`}, r.wait())
	assert.Equal(t, []string{`close 1001 "PASS"`}, wireLog(t, id).Wire())
}
