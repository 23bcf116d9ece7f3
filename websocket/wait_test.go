package websocket_test

// The Go helpers: WaitOpen, WaitClosed and SendContext (DESIGN "Send": real
// back-pressure).

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestWaitOpen returns nil once the socket is OPEN.
func TestWaitOpen(t *testing.T) {
	u, _ := route(t, "/echo")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	assert.Equal(t, websocket.OPEN, ws.ReadyState())
	assert.NoError(t, ws.WaitOpen(ctx), "again")
}

// TestWaitOpenFailure returns an error when the connection fails, not the
// context's.
func TestWaitOpenFailure(t *testing.T) {
	ws, err := websocket.New("ws://127.0.0.1:1/")
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	err = ws.WaitOpen(ctx)
	require.Error(t, err)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, websocket.CLOSED, ws.ReadyState())
}

// TestWaitOpenClosedWhileConnecting returns an error when Close was called
// before the socket opened.
func TestWaitOpenClosedWhileConnecting(t *testing.T) {
	u, _ := route(t, "/delay", "ms=300")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	require.NoError(t, ws.Close(0, ""))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	err = ws.WaitOpen(ctx)
	require.Error(t, err)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
}

// TestWaitOpenContext returns the context's error when it ends first.
func TestWaitOpenContext(t *testing.T) {
	u, _ := route(t, "/delay", "ms=500")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, ws.WaitOpen(ctx), context.DeadlineExceeded)
	assert.Equal(t, websocket.CONNECTING, ws.ReadyState())
}

// TestWaitOpenReturnsAfterOpenHandlers: WaitOpen is "the Go way to await
// the open event", so code after it runs after the open handlers, as code
// after awaiting the event does in a browser: the open handler's first Send
// goes before the caller's, and the handler sees OPEN.
func TestWaitOpenReturnsAfterOpenHandlers(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		time.Sleep(50 * time.Millisecond) // a handler doing some work
		ws.Send("from handler")
	}
	ws := r.dial(u, nil)
	require.NoError(t, ws.WaitOpen(t.Context()))
	ws.Send("after WaitOpen")
	ws.Close(1000, "")
	assert.Equal(t, "open rs=1", r.wait()[0])
	assert.Equal(t, []string{`text "from handler"`, `text "after WaitOpen"`, `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestWaitClosed returns the close event the handlers saw; before that it
// honours its context.
func TestWaitClosed(t *testing.T) {
	u, _ := route(t, "/close", "code=4002&reason=bye")
	r := newRecorder(t)
	var seen *websocket.CloseEvent
	r.onClose = func(_ *websocket.WebSocket, e *websocket.CloseEvent) { seen = e }
	ws := r.dial(u, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ev, err := ws.WaitClosed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4002, ev.Code)
	assert.Equal(t, "bye", ev.Reason)
	assert.True(t, ev.WasClean)
	assert.Equal(t, "close", ev.Type())
	assert.Same(t, seen, ev)
	r.wait()

	u, _ = route(t, "/delay", "ms=300")
	ws2, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws2)
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err = ws2.WaitClosed(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestSendContextBackPressure: SendContext returns only once its message
// is written, so a fast sender to a slow reader never holds much more than
// the message in flight: 50 × 256 KiB go out with BufferedAmount staying
// within two messages (the last write's completion may not have been
// dispatched yet), and the server gets them all.
func TestSendContextBackPressure(t *testing.T) {
	u, id := route(t, "/slow", "ms=5")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	const size, n = 256 << 10, 50
	msg := make([]byte, size)
	var peak uint64
	for i := 0; i < n; i++ {
		require.NoError(t, ws.SendContext(ctx, msg))
		peak = max(peak, ws.BufferedAmount())
	}
	assert.LessOrEqual(t, peak, uint64(2*size), "BufferedAmount after SendContext")
	require.Eventually(t, func() bool { return ws.BufferedAmount() == 0 }, waitTimeout, time.Millisecond)
	require.NoError(t, ws.Close(1000, ""))
	ev, err := ws.WaitClosed(ctx)
	require.NoError(t, err)
	assert.True(t, ev.WasClean)
	l := wireLog(t, id)
	require.Len(t, l.Frames, n+1)
	assert.Equal(t, `close 1000 ""`, l.Frames[n].String())
}

// TestSendContextErrors: ErrInvalidState while CONNECTING, ErrNotOpen
// once closed, the context's error when it ends first.
func TestSendContextErrors(t *testing.T) {
	u, _ := route(t, "/delay", "ms=200")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	assert.ErrorIs(t, ws.SendContext(t.Context(), "x"), websocket.ErrInvalidState)
	require.NoError(t, ws.WaitOpen(t.Context()))
	require.NoError(t, ws.SendContext(t.Context(), "x"))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	err = ws.SendContext(done, "y")
	assert.True(t, err == nil || errors.Is(err, context.Canceled), "%v", err)
	require.NoError(t, ws.Close(1000, ""))
	assert.ErrorIs(t, ws.SendContext(t.Context(), "z"), websocket.ErrNotOpen)
	_, err = ws.WaitClosed(t.Context())
	require.NoError(t, err)
	assert.ErrorIs(t, ws.SendContext(t.Context(), "z"), websocket.ErrNotOpen)
}

// TestSendContextInHandler: SendContext may be called in a handler: the
// writes complete without the dispatcher.
func TestSendContextInHandler(t *testing.T) {
	u, id := route(t, "/slow", "ms=1")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		for i := 0; i < 8; i++ {
			assert.NoError(t, ws.SendContext(ctx, make([]byte, 256<<10)))
		}
		ws.Close(1000, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r.wait())
	assert.Len(t, wireLog(t, id).Frames, 9)
}
