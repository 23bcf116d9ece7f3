//go:build js && wasm

package jsbridge

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait for an event.
const waitTimeout = 10 * time.Second

// events records the events a socket's Take returns.
type events chan Event

// dial opens the scenario route path (with its query) through New and
// returns the socket and its events. Its wake takes the events at once and
// never blocks: an event beyond the buffer panics, a bug of the test.
func dial(t *testing.T, path string, protocols ...string) (*WebSocket, events) {
	t.Helper()
	return dialWith(t, path, shim(), protocols...)
}

// dialWith is dial through open with bridge: the page's w3wsBridge, or
// undefined for a socket that does without it.
func dialWith(t *testing.T, path string, bridge js.Value, protocols ...string) (*WebSocket, events) {
	t.Helper()
	ch := make(events, 64)
	var ws *WebSocket
	ws, err := open("ws://"+strings.TrimPrefix(scenarioURL, "http://")+path, protocols, func() { forward(ws, ch) }, bridge)
	require.NoError(t, err)
	return ws, ch
}

// bridges are the three ways messages reach Go: through the page's
// w3ws.js, which the runner's page loads and attaches the program to (its
// listeners call the w3wsMessage export); through w3ws.js as a page that
// does not attach the program has it (they call a js.Func); and without
// it.
func bridges(t *testing.T) []struct {
	name string
	v    js.Value
} {
	t.Helper()
	b := shim()
	require.False(t, b.IsUndefined(), "the runner's page loads w3ws.js")
	return []struct {
		name string
		v    js.Value
	}{{"shim", b}, {"shimFunc", unattached(b)}, {"plain", js.Undefined()}}
}

// unattached returns a w3wsBridge that passes the page's w3ws.js (b) no
// program token, so that its listeners call Go through the js.Func, as in
// a page that did not call w3wsBridge.attach.
func unattached(b js.Value) js.Value {
	wrap := js.Global().Get("Function").New("b",
		"return Object.freeze({version: b.version, inbox: (go, code, msgs) => b.inbox(go, code, msgs)});")
	return wrap.Invoke(b)
}

// forward sends the events Take returns to ch until it returns none.
func forward(ws *WebSocket, ch events) {
	for {
		evs := ws.Take(nil)
		if len(evs) == 0 {
			return
		}
		for _, e := range evs {
			select {
			case ch <- e:
			default:
				panic("jsbridge test: more than 64 events queued") // a test bug
			}
		}
	}
}

// next returns the next event, failing the test after waitTimeout.
func (ch events) next(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(waitTimeout):
		t.Fatal("no event within", waitTimeout)
		return Event{}
	}
}

// open waits for the open event.
func (ch events) open(t *testing.T) {
	t.Helper()
	require.Equal(t, Event{Kind: EventOpen}, ch.next(t), "the first event")
}

// closeClean closes with 1000 and checks the close event.
func closeClean(t *testing.T, ws *WebSocket, ch events) {
	t.Helper()
	require.NoError(t, ws.Close(1000, ""))
	assert.Equal(t, Event{Kind: EventClose, Code: 1000, WasClean: true}, ch.next(t), "the close event")
}

func TestNewTextRoundTrip(t *testing.T) {
	for _, b := range bridges(t) {
		t.Run(b.name, func(t *testing.T) { testNewTextRoundTrip(t, b.v) })
	}
}

func testNewTextRoundTrip(t *testing.T, bridge js.Value) {
	ws, ch := dialWith(t, "/echo", bridge, "echo")
	assert.Equal(t, 0, ws.ReadyState(), "readyState right after New")
	ch.open(t)
	assert.Equal(t, 1, ws.ReadyState())
	assert.Equal(t, "echo", ws.Protocol(), "the scenario echo route selects the protocol echo")
	assert.Equal(t, "", ws.Extensions())
	assert.True(t, strings.HasPrefix(ws.URL(), "ws://127.0.0.1:"), "url %q", ws.URL())
	assert.Equal(t, "arraybuffer", ws.v.Get("binaryType").String())

	for _, s := range []string{"hello, 世界 ✓", "", strings.Repeat("é", 40000)} {
		require.NoError(t, ws.SendText(s))
		e := ch.next(t)
		assert.Equal(t, Event{Kind: EventMessage, IsText: true, Text: s}, e, "the echo of a text of %d bytes", len(s))
	}
	closeClean(t, ws, ch)
}

func TestNewBinaryRoundTrip(t *testing.T) {
	for _, b := range bridges(t) {
		t.Run(b.name, func(t *testing.T) { testNewBinaryRoundTrip(t, b.v) })
	}
}

// testNewBinaryRoundTrip's sizes grow w3ws.js's buffer twice, fill it to
// its limit, then pass it (see w3wsBridge.direct).
func testNewBinaryRoundTrip(t *testing.T, bridge js.Value) {
	ws, ch := dialWith(t, "/echo", bridge)
	ch.open(t)
	for _, size := range []int{1, 256, 4096, 16384, 16385, 100 << 10, 300} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + size)
		}
		require.NoError(t, ws.SendBytes(b))
		e := ch.next(t)
		require.Equal(t, EventMessage, e.Kind)
		assert.False(t, e.IsText)
		assert.Empty(t, e.Text)
		assert.Len(t, e.Data, size)
		want := size // a slice of the message's size...
		if size < readSlack {
			want++ // ...with a byte to spare below readSlack (see message)
		}
		assert.Equal(t, want, cap(e.Data))
		assert.True(t, bytes.Equal(b, e.Data), "the echo of %d bytes is byte-exact", size)
	}
	closeClean(t, ws, ch)
}

func TestNewZeroLengthBinary(t *testing.T) {
	for _, b := range bridges(t) {
		t.Run(b.name, func(t *testing.T) { testNewZeroLengthBinary(t, b.v) })
	}
}

func testNewZeroLengthBinary(t *testing.T, bridge js.Value) {
	ws, ch := dialWith(t, "/echo", bridge)
	ch.open(t)
	for _, b := range [][]byte{nil, {}} {
		require.NoError(t, ws.SendBytes(b))
		e := ch.next(t)
		assert.Equal(t, Event{Kind: EventMessage, Data: []byte{}}, e)
		assert.NotNil(t, e.Data, "an empty binary message still has Data")
	}
	closeClean(t, ws, ch)
}

func TestNewClose(t *testing.T) {
	t.Run("byClient", func(t *testing.T) {
		ws, ch := dial(t, "/echo")
		ch.open(t)
		require.NoError(t, ws.Close(4000, "bye from go"))
		assert.Equal(t, 2, ws.ReadyState(), "readyState right after close()")
		assert.Equal(t, Event{Kind: EventClose, Code: 4000, Reason: "bye from go", WasClean: true}, ch.next(t))
		assert.Equal(t, 3, ws.ReadyState())
	})
	t.Run("byServer", func(t *testing.T) {
		ws, ch := dial(t, "/close?code=4001&reason=server+bye")
		ch.open(t)
		assert.Equal(t, Event{Kind: EventClose, Code: 4001, Reason: "server bye", WasClean: true}, ch.next(t))
		assert.Equal(t, 3, ws.ReadyState())
	})
	t.Run("noCode", func(t *testing.T) {
		ws, ch := dial(t, "/echo")
		ch.open(t)
		require.NoError(t, ws.Close(0, ""))
		assert.Equal(t, Event{Kind: EventClose, Code: 1005, WasClean: true}, ch.next(t))
	})
}

func TestNewConnectionRefused(t *testing.T) {
	ch := make(events, 8)
	var ws *WebSocket
	ws, err := New("ws://127.0.0.1:1/", nil, func() { forward(ws, ch) })
	require.NoError(t, err)
	assert.Equal(t, Event{Kind: EventError}, ch.next(t))
	assert.Equal(t, Event{Kind: EventClose, Code: 1006}, ch.next(t))
}

func TestNewException(t *testing.T) {
	for _, tc := range []struct {
		name      string
		url       string
		protocols []string
	}{
		{"schemeFTP", "ftp://127.0.0.1/", nil},
		{"fragment", "ws://127.0.0.1/#x", nil},
		{"protocolWithSpace", "ws://127.0.0.1/", []string{"a b"}},
		{"protocolTwice", "ws://127.0.0.1/", []string{"p", "p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := New(tc.url, tc.protocols, func() { t.Error("a wake for a socket that New refused") })
			var ex *Exception
			require.True(t, errors.As(err, &ex), "New: %v", err)
			assert.Equal(t, "SyntaxError", ex.Name)
			assert.NotEmpty(t, ex.Message)
			assert.Equal(t, "jsbridge: SyntaxError: "+ex.Message, err.Error())
			assert.Nil(t, ws)
		})
	}
}

func TestCloseException(t *testing.T) {
	ws, ch := dial(t, "/echo")
	ch.open(t)
	for _, tc := range []struct {
		name   string
		code   int
		reason string
		want   string
	}{
		{"code1001", 1001, "", "InvalidAccessError"},
		{"code2999", 2999, "", "InvalidAccessError"},
		{"reason124Bytes", 4000, strings.Repeat("r", 124), "SyntaxError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ws.Close(tc.code, tc.reason)
			var ex *Exception
			require.True(t, errors.As(err, &ex), "Close: %v", err)
			assert.Equal(t, tc.want, ex.Name)
			assert.Equal(t, 1, ws.ReadyState(), "a refused close() leaves the socket open")
		})
	}
	closeClean(t, ws, ch)
}

func TestSendException(t *testing.T) {
	ws, ch := dial(t, "/echo")
	for _, send := range []func() error{
		func() error { return ws.SendText("too early") },
		func() error { return ws.SendBytes([]byte("too early")) },
	} {
		var ex *Exception
		err := send()
		require.True(t, errors.As(err, &ex), "send while CONNECTING: %v", err)
		assert.Equal(t, "InvalidStateError", ex.Name)
	}
	ch.open(t)
	closeClean(t, ws, ch)
}

// TestSendBytesScratch checks that the reused send buffer (and its reused
// view) never changes a message already sent: send() copies before it
// returns.
func TestSendBytesScratch(t *testing.T) {
	ws, ch := dial(t, "/echo")
	ch.open(t)
	b := make([]byte, 16)
	var want [][]byte
	send := func(size int, fill byte) {
		b = b[:0]
		for range size {
			b = append(b, fill)
		}
		want = append(want, bytes.Clone(b))
		require.NoError(t, ws.SendBytes(b))
	}
	send(16, 'A')   // first use of the buffer
	send(16, 'B')   // same length: the same view, new bytes
	send(8, 'C')    // shorter: a new view of the same buffer
	send(5000, 'D') // longer than the buffer: a new buffer
	send(16, 'E')
	send(16, 'F')
	for i, w := range want {
		e := ch.next(t)
		assert.Equal(t, Event{Kind: EventMessage, Data: w}, e, "echo %d", i)
	}
	closeClean(t, ws, ch)
}

// openQuiet opens an echo socket whose wake only counts, so that events
// wait in the browser until the test calls Take, and takes its open event.
func openQuiet(t *testing.T) (*WebSocket, *atomic.Int32) {
	t.Helper()
	return openQuietWith(t, shim())
}

// openQuietWith is openQuiet through open with bridge (see dialWith).
func openQuietWith(t *testing.T, bridge js.Value) (*WebSocket, *atomic.Int32) {
	t.Helper()
	wakes := new(atomic.Int32)
	ws, err := open("ws://"+strings.TrimPrefix(scenarioURL, "http://")+"/echo", nil, func() { wakes.Add(1) }, bridge)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return wakes.Load() > 0 }, waitTimeout, time.Millisecond, "the open wake")
	require.Equal(t, []Event{{Kind: EventOpen}}, ws.Take(nil))
	return ws, wakes
}

// echoes sends n one-byte messages (first, first+1...) and waits until the
// browser has fired their n echoes: queued in JavaScript when batching,
// copied out to Go when direct.
func echoes(t *testing.T, ws *WebSocket, first, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, ws.SendBytes([]byte{byte(first + i)}))
	}
	require.Eventually(t, func() bool {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return len(ws.msgs)+ws.push.Invoke().Int() == n
	}, waitTimeout, time.Millisecond, "%d echoes", n)
}

// takeEchoes takes the echoes of echoes(t, ws, first, n) and checks them.
func takeEchoes(t *testing.T, ws *WebSocket, first, n int) {
	t.Helper()
	evs := ws.Take(nil)
	require.Len(t, evs, n, "one Take returns every message fired")
	for i, e := range evs {
		assert.Equal(t, Event{Kind: EventMessage, Data: []byte{byte(first + i)}}, e, "echo %d", first+i)
	}
}

// closeQuiet closes a socket of openQuiet and takes its close event.
func closeQuiet(t *testing.T, ws *WebSocket) {
	t.Helper()
	require.NoError(t, ws.Close(1000, ""))
	require.Eventually(t, func() bool {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return len(ws.tail) > 0
	}, waitTimeout, time.Millisecond, "the close event")
	assert.Equal(t, []Event{{Kind: EventClose, Code: 1000, WasClean: true}}, ws.Take(nil))
}

// TestTakeBatches checks that batched messages reach Go in one wake: the
// browser queues them without calling Go, the first one schedules a single
// wake, and one Take returns them all, in order.
func TestTakeBatches(t *testing.T) {
	ws, wakes := openQuiet(t)
	ws.mu.Lock()
	ws.startBatching(false)
	ws.mu.Unlock()

	wakes.Store(0)
	echoes(t, ws, 0, 20)
	require.Eventually(t, func() bool { return wakes.Load() > 0 }, waitTimeout, time.Millisecond, "the wake of the first message")
	assert.Equal(t, 20, ws.push.Invoke().Int(), "all queued in JavaScript")
	takeEchoes(t, ws, 0, 20)
	assert.Equal(t, int32(1), wakes.Load(), "one wake for the whole batch")
	assert.Empty(t, ws.Take(nil))
	closeQuiet(t, ws)
}

// mixedMessages are messages of every kind w3ws.js's records have (see
// w3wsBridge.inbox), at the edges of its sizes: texts that do and do not
// fit its buffer in UTF-8 (16384 bytes, 3 per UTF-16 unit), binary ones
// that do and do not fit it, empty ones, and ten of 16 KiB, which take
// three drains of 64 KiB.
func mixedMessages() []Event {
	bin := func(n int) Event {
		b := make([]byte, n, n+1)
		for i := range b {
			b[i] = byte(i*5 + n)
		}
		return Event{Kind: EventMessage, Data: b}
	}
	text := func(s string) Event { return Event{Kind: EventMessage, IsText: true, Text: s} }
	evs := []Event{
		text("hello, 世界 ✓"), text(""), bin(0), bin(1), text(strings.Repeat("é", 16384/3)),
		text(strings.Repeat("é", 16384/3+1)), bin(16384), bin(16385), text("😀"),
	}
	for range 10 {
		evs = append(evs, bin(16384))
	}
	return append(evs, text("last"), bin(300<<10), bin(2))
}

// sendAll sends evs to the echo server.
func sendAll(t *testing.T, ws *WebSocket, evs []Event) {
	t.Helper()
	for _, e := range evs {
		if e.IsText {
			require.NoError(t, ws.SendText(e.Text))
		} else {
			require.NoError(t, ws.SendBytes(e.Data))
		}
	}
}

// TestTakeMixed checks that messages of every kind and size come out of
// Take whole and in order, taken directly and batched, with and without
// w3ws.js.
func TestTakeMixed(t *testing.T) {
	want := mixedMessages()
	for _, b := range bridges(t) {
		t.Run(b.name+"/batched", func(t *testing.T) {
			ws, _ := openQuietWith(t, b.v)
			ws.mu.Lock()
			ws.startBatching(false)
			ws.mu.Unlock()
			sendAll(t, ws, want)
			require.Eventually(t, func() bool { return ws.push.Invoke().Int() == len(want) }, waitTimeout, time.Millisecond,
				"all %d queued in JavaScript", len(want))
			assert.Equal(t, want, ws.Take(nil))
			assert.Zero(t, ws.push.Invoke().Int(), "msgs emptied")
			if !ws.inbox.IsUndefined() {
				assert.Zero(t, ws.inbox.Get("next").Int(), "the next drain starts at msgs[0]")
			}
			closeQuiet(t, ws)
		})
		t.Run(b.name+"/direct", func(t *testing.T) {
			ws, ch := dialWith(t, "/echo", b.v)
			ch.open(t)
			sendAll(t, ws, want)
			for i, w := range want {
				assert.Equal(t, w, ch.next(t), "message %d", i)
			}
			closeClean(t, ws, ch)
		})
	}
}

// TestTakeDirect checks that messages taken directly call wake each, are
// copied out at once, and come out of Take in order.
func TestTakeDirect(t *testing.T) {
	ws, wakes := openQuiet(t)
	wakes.Store(0)
	echoes(t, ws, 0, 10)
	assert.Equal(t, int32(10), wakes.Load(), "one wake per message")
	assert.Zero(t, ws.push.Invoke().Int(), "nothing queued in JavaScript")
	takeEchoes(t, ws, 0, 10)
	closeQuiet(t, ws)
}

// TestTakeAdapt checks how messages switch between direct and batched:
// direct at first; after probeMin of them, batched as a probe; back to
// direct when the probe's batch holds a single message, with the next
// probe twice as far; batched for good when a probe's batch holds several;
// direct again after four single-message batches, with probes probeMin
// apart again.
func TestTakeAdapt(t *testing.T) {
	ws, _ := openQuiet(t)
	isBatching := func() bool {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return ws.batching
	}
	next := 0 // the next message's byte
	pingPong := func(n int) {
		t.Helper()
		for range n {
			echoes(t, ws, next, 1)
			takeEchoes(t, ws, next, 1)
			next++
		}
	}
	assert.False(t, isBatching(), "direct at first")
	pingPong(probeMin - 1)
	assert.False(t, isBatching())
	pingPong(1)
	assert.True(t, isBatching(), "a probe after probeMin direct messages")
	assert.True(t, ws.v.Get("onmessage").Equal(ws.push))
	pingPong(1)
	assert.False(t, isBatching(), "a probe of one message ends batching")
	assert.True(t, ws.v.Get("onmessage").Equal(ws.direct))

	pingPong(2*probeMin - 1)
	assert.False(t, isBatching(), "the next probe comes twice as far")
	pingPong(1)
	require.True(t, isBatching(), "the next probe")
	echoes(t, ws, next, 5)
	takeEchoes(t, ws, next, 5)
	next += 5
	assert.True(t, isBatching(), "a burst: batched for good")
	pingPong(3)
	assert.True(t, isBatching(), "three single-message batches")
	pingPong(1)
	assert.False(t, isBatching(), "the fourth ends batching")
	pingPong(probeMin)
	assert.True(t, isBatching(), "after a burst, probes are probeMin apart again")
	closeQuiet(t, ws)
}

// TestWakeAfter checks that WakeAfter calls wake once, in a later task,
// that a second call while one is pending does nothing, and that it does
// nothing after the close event was taken.
func TestWakeAfter(t *testing.T) {
	var wakes atomic.Int32
	ws, ch := dial(t, "/echo")
	ch.open(t)
	inner := ws.wake
	ws.wake = func() { wakes.Add(1); inner() }
	ws.WakeAfter(0)
	ws.WakeAfter(0)
	assert.Zero(t, wakes.Load(), "not at once: in a later task")
	require.Eventually(t, func() bool { return wakes.Load() == 1 }, waitTimeout, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, int32(1), wakes.Load(), "the second call did nothing")
	ws.WakeAfter(time.Millisecond)
	require.Eventually(t, func() bool { return wakes.Load() == 2 }, waitTimeout, time.Millisecond)

	closeClean(t, ws, ch)
	n := wakes.Load()
	ws.WakeAfter(0)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, n, wakes.Load(), "no wake after the close event")
}

// TestNewAfterClose checks that after the close event the four listeners
// are unset and the socket is forgotten: calling the old listeners reaches
// neither Take nor wake, and logs no error.
func TestNewAfterClose(t *testing.T) {
	ws, ch := dial(t, "/echo")
	old := make(map[string]js.Value)
	for _, name := range listenerNames {
		old[name] = ws.v.Get(name)
		require.Equal(t, js.TypeFunction, old[name].Type(), name)
	}
	ch.open(t)
	closeClean(t, ws, ch)
	for _, name := range listenerNames {
		assert.True(t, ws.v.Get(name).IsNull(), "%s after the close event", name)
	}

	console := js.Global().Get("console")
	consoleError := console.Get("error")
	var logged []string
	capture := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			logged = append(logged, args[0].String())
		}
		return nil
	})
	defer capture.Release()
	console.Set("error", capture)
	for _, name := range listenerNames {
		old[name].Invoke(js.Global().Get("MessageEvent").New("message", map[string]any{"data": "after close"}))
	}
	ws.WakeAfter(0)
	time.Sleep(20 * time.Millisecond)
	console.Set("error", consoleError)

	assert.Empty(t, logged)
	assert.Empty(t, ws.Take(nil))
	select {
	case e := <-ch:
		t.Errorf("an event after the close event: %+v", e)
	default:
	}
}

func TestCatch(t *testing.T) {
	jsCatch := func(f func()) (err error) {
		defer catch(&err)
		f()
		return nil
	}
	t.Run("domException", func(t *testing.T) {
		ex := js.Global().Get("DOMException").New("the message", "InvalidStateError")
		err := jsCatch(func() { panic(js.Error{Value: ex}) })
		assert.Equal(t, &Exception{Name: "InvalidStateError", Message: "the message"}, err)
	})
	t.Run("thrownByJS", func(t *testing.T) {
		err := jsCatch(func() { js.Global().Get("JSON").Call("parse", "{") })
		var ex *Exception
		require.True(t, errors.As(err, &ex), "%v", err)
		assert.Equal(t, "SyntaxError", ex.Name)
	})
	t.Run("thrownString", func(t *testing.T) {
		err := jsCatch(func() { panic(js.Error{Value: js.ValueOf("just a string")}) })
		assert.Equal(t, &Exception{Message: "just a string"}, err)
	})
	t.Run("goPanicGoesOn", func(t *testing.T) {
		assert.PanicsWithValue(t, "a Go bug", func() { jsCatch(func() { panic("a Go bug") }) })
		var m map[string]int
		assert.Panics(t, func() { jsCatch(func() { m["x"] = 1 }) }, "a runtime error")
		assert.Panics(t, func() { jsCatch(func() { js.Global().Get("nothing here").Get("x") }) }, "a *js.ValueError")
	})
	t.Run("noPanic", func(t *testing.T) {
		assert.NoError(t, jsCatch(func() {}))
	})
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{EventOpen: "open", EventMessage: "message", EventError: "error", EventClose: "close", 7: "EventKind(7)"} {
		assert.Equal(t, want, k.String())
	}
}

func TestLocationHref(t *testing.T) {
	href := LocationHref()
	assert.True(t, strings.HasPrefix(href, "http://127.0.0.1:"), "the runner's page: %q", href)
}

// TestRecycledMessageBytes: a slice given back with Recycle receives a
// later message that fits it, at most twice its size, with the message's
// length and bytes; one that does not fit is left alone and the message
// gets a slice of its own.
func TestRecycledMessageBytes(t *testing.T) {
	for _, b := range bridges(t) {
		t.Run(b.name, func(t *testing.T) { testRecycledMessageBytes(t, b.v) })
	}
}

func testRecycledMessageBytes(t *testing.T, bridge js.Value) {
	ws, ch := dialWith(t, "/echo", bridge)
	ch.open(t)
	send := func(size int) []byte {
		t.Helper()
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*3 + size)
		}
		require.NoError(t, ws.SendBytes(b))
		e := ch.next(t)
		require.Equal(t, EventMessage, e.Kind)
		require.Equal(t, b, e.Data, "the echo of %d bytes", size)
		return e.Data
	}
	first := send(3000)
	ws.Recycle(first)
	same := send(3000)
	assert.Same(t, &first[0], &same[0], "the same size, into the recycled bytes")
	ws.Recycle(same)
	smaller := send(1600)
	assert.Same(t, &first[0], &smaller[0], "a little smaller, into them too")
	ws.Recycle(smaller)
	tiny := send(100)
	assert.NotSame(t, &first[0], &tiny[0], "much smaller: a slice of its own")
	larger := send(5000)
	assert.NotSame(t, &first[0], &larger[0], "larger: a slice of its own")
	closeClean(t, ws, ch)
}

// TestShim checks that New uses the page's w3ws.js: its inbox's listener
// is the socket's onmessage; and that a w3wsBridge of another calling
// convention, or none, leaves the socket without it.
func TestShim(t *testing.T) {
	bridge := shim()
	require.False(t, bridge.IsUndefined(), "the runner's page loads w3ws.js")
	assert.Equal(t, shimVersion, bridge.Get("version").Int())

	ws, ch := dial(t, "/echo")
	ch.open(t)
	require.False(t, ws.inbox.IsUndefined(), "a socket made by New has w3ws.js's inbox")
	assert.True(t, ws.v.Get("onmessage").Equal(ws.inbox.Get("listener")), "its onmessage is the inbox's listener")
	require.NoError(t, ws.SendBytes([]byte("via w3ws.js")))
	assert.Equal(t, Event{Kind: EventMessage, Data: []byte("via w3ws.js")}, ch.next(t))
	closeClean(t, ws, ch)

	defer js.Global().Set("w3wsBridge", bridge)
	for _, other := range []any{map[string]any{"version": shimVersion + 1, "inbox": bridge.Get("inbox")},
		map[string]any{"version": shimVersion + 0.5, "inbox": bridge.Get("inbox")},
		map[string]any{"version": shimVersion}, map[string]any{}, "w3ws", nil} {
		js.Global().Set("w3wsBridge", other)
		assert.True(t, shim().IsUndefined(), "w3wsBridge = %v", other)
	}
	js.Global().Set("w3wsBridge", bridge)
	assert.True(t, shim().Equal(bridge))
}

// counting returns a w3wsBridge whose inboxes are b's, made with token
// (the program's own if undefined). Its calls property counts their calls
// of go; its seen property is its ran property (which a test's reader may
// count messages in) as each listener call left it.
func counting(b js.Value, token any) js.Value {
	return js.Global().Get("Function").New("b", "token", `const w = {version: b.version, calls: 0, ran: 0, seen: 0,
		inbox: (go, code, msgs, t) => {
			const inbox = b.inbox((...a) => { w.calls++; return go(...a); }, code, msgs, token === undefined ? t : token);
			const listener = inbox.listener;
			inbox.listener = (e) => { listener(e); w.seen = w.ran; };
			return inbox;
		}};
		return w;`).Invoke(b, token)
}

// TestShimExport checks that, in a program attached with
// w3wsBridge.attach (the runner's page attaches every program), w3ws.js's
// listener hands a message of up to 16 KiB to Go through the w3wsMessage
// export, and a larger binary one through the w3wsLarge export, not
// through the go function its inbox was made with, and lets the goroutine
// its wake woke run before it returns; and that it calls go when the
// inbox was made with another program's token or none. The messages come from the echo server, so the listener
// runs as the browser calls it, with Go idle.
func TestShimExport(t *testing.T) {
	bridge := shim()
	require.False(t, bridge.IsUndefined(), "the runner's page loads w3ws.js")
	large := bytes.Repeat([]byte{7}, shimLimit+1)
	for _, c := range []struct {
		name  string
		token any
		send  func(*WebSocket) error
		event Event
		calls int
	}{
		{"binary", js.Undefined(), func(ws *WebSocket) error { return ws.SendBytes([]byte{1, 2, 3}) },
			Event{Kind: EventMessage, Data: []byte{1, 2, 3}}, 0},
		{"text", js.Undefined(), func(ws *WebSocket) error { return ws.SendText("héllo") },
			Event{Kind: EventMessage, IsText: true, Text: "héllo"}, 0},
		{"large", js.Undefined(), func(ws *WebSocket) error { return ws.SendBytes(large) },
			Event{Kind: EventMessage, Data: large}, 0},
		{"largeOtherToken", programToken + 1, func(ws *WebSocket) error { return ws.SendBytes(large) },
			Event{Kind: EventMessage, Data: large}, 1},
		{"otherToken", programToken + 1, func(ws *WebSocket) error { return ws.SendBytes([]byte{1, 2, 3}) },
			Event{Kind: EventMessage, Data: []byte{1, 2, 3}}, 1},
		{"noToken", nil, func(ws *WebSocket) error { return ws.SendBytes([]byte{1, 2, 3}) },
			Event{Kind: EventMessage, Data: []byte{1, 2, 3}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := counting(bridge, c.token)
			// The socket's wake kicks a reader goroutine, as
			// package websocket's does.
			kick := make(chan struct{}, 1)
			ch := make(events, 64)
			ws, err := open("ws://"+strings.TrimPrefix(scenarioURL, "http://")+"/echo", nil, func() {
				select {
				case kick <- struct{}{}:
				default:
				}
			}, b)
			require.NoError(t, err)
			done := make(chan struct{})
			defer func() {
				_ = ws.Close(0, "") // after a failure; else already closed
				select {
				case <-done:
				case <-time.After(waitTimeout):
					t.Error("the reader did not see the close event within", waitTimeout)
				}
			}()
			go func() {
				defer close(done)
				var evs []Event
				for range kick {
					evs = ws.Take(evs[:0])
					for _, e := range evs {
						if e.Kind == EventMessage {
							b.Set("ran", b.Get("ran").Int()+1)
						}
						ch <- e
						if e.Kind == EventClose {
							return
						}
					}
				}
			}()
			ch.open(t)
			require.False(t, ws.inbox.IsUndefined(), "the socket has w3ws.js's inbox")
			require.NoError(t, c.send(ws))
			assert.Equal(t, c.event, ch.next(t))
			assert.Equal(t, c.calls, b.Get("calls").Int(), "calls of go")
			closeClean(t, ws, ch) // the close event comes after the listener returned
			assert.Equal(t, 1, b.Get("seen").Int(), "messages read when the listener returned")
		})
	}
	assert.Panics(t, func() { bridge.Call("attach", "go") }, "attach refuses what is not an object")
	assert.NotPanics(t, func() { bridge.Call("attach", map[string]any{}) }, "attach leaves out an object without _resume")
}

// TestShimExportNeverParks checks that a message still arrives, through
// the export or not, when taking it would have to wait, which an export
// must never do (see exportedMessage): when the socket's wake blocks
// until a slow reader takes the kick, and when a goroutine holds the
// socket's lock while it sleeps. An export that waited would return to
// JavaScript from the middle of itself and break the program.
func TestShimExportNeverParks(t *testing.T) {
	bridge := shim()
	require.False(t, bridge.IsUndefined(), "the runner's page loads w3ws.js")
	url := "ws://" + strings.TrimPrefix(scenarioURL, "http://") + "/echo"

	t.Run("blockingWake", func(t *testing.T) {
		kick := make(chan struct{}) // unbuffered: wake waits for the reader
		ch := make(events, 64)
		done := make(chan struct{})
		ws, err := open(url, nil, func() {
			select {
			case kick <- struct{}{}:
			case <-done: // the reader is gone
			}
		}, bridge)
		require.NoError(t, err)
		go func() {
			defer close(done)
			var evs []Event
			for range kick {
				time.Sleep(20 * time.Millisecond) // a slow reader
				evs = ws.Take(evs[:0])
				for _, e := range evs {
					ch <- e
					if e.Kind == EventClose {
						return
					}
				}
			}
		}()
		ch.open(t)
		for i := range 5 {
			require.NoError(t, ws.SendBytes([]byte{byte(i)}))
		}
		for i := range 5 {
			assert.Equal(t, Event{Kind: EventMessage, Data: []byte{byte(i)}}, ch.next(t), "message %d", i)
		}
		closeClean(t, ws, ch)
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Error("the reader did not end")
		}
	})

	t.Run("lockHeld", func(t *testing.T) {
		b := counting(bridge, js.Undefined())
		ws, ch := dialWith(t, "/echo", b)
		ch.open(t)
		// A message for each export: w3wsMessage's, and w3wsLarge's.
		for i, p := range [][]byte{[]byte("while locked"), bytes.Repeat([]byte{9}, shimLimit+1)} {
			held := make(chan struct{})
			go func() {
				ws.mu.Lock()
				close(held)
				time.Sleep(300 * time.Millisecond) // the echo comes meanwhile
				ws.mu.Unlock()
			}()
			<-held
			require.NoError(t, ws.SendBytes(p))
			assert.Equal(t, Event{Kind: EventMessage, Data: p}, ch.next(t))
			assert.Equal(t, i+1, b.Get("calls").Int(), "the export gave message %d back to go", i)
		}
		closeClean(t, ws, ch)
	})
}

// TestShimBroken checks that a socket whose w3wsBridge.inbox throws, or
// returns something other than an inbox, does without it and works.
func TestShimBroken(t *testing.T) {
	empty := js.FuncOf(func(js.Value, []js.Value) any { return map[string]any{"listener": 1} })
	defer empty.Release()
	for name, inbox := range map[string]js.Value{
		"throws":   js.Global().Get("Map"), // a constructor called without new
		"notInbox": empty.Value,
	} {
		t.Run(name, func(t *testing.T) {
			bridge := js.ValueOf(map[string]any{"version": shimVersion, "inbox": inbox})
			ws, ch := dialWith(t, "/echo", bridge)
			ch.open(t)
			assert.True(t, ws.inbox.IsUndefined(), "no inbox")
			require.NoError(t, ws.SendText("plain"))
			assert.Equal(t, Event{Kind: EventMessage, IsText: true, Text: "plain"}, ch.next(t))
			closeClean(t, ws, ch)
		})
	}
}
