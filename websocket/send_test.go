package websocket_test

// Send and BufferedAmount (websocket-api-rules §1.5, §1.6, §4.2, scenario L;
// DESIGN "Send").

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestSendWhileConnecting: Send is ErrInvalidState while CONNECTING (and
// SendContext too), counts nothing and sends nothing.
func TestSendWhileConnecting(t *testing.T) {
	u, id := route(t, "/delay", "ms=300")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
	ws := r.dial(u, nil)
	err := ws.Send("hello")
	assert.ErrorIs(t, err, websocket.ErrInvalidState)
	var de *websocket.DOMException
	if assert.True(t, errors.As(err, &de)) {
		assert.Equal(t, "InvalidStateError", de.Name)
	}
	assert.ErrorIs(t, ws.Send([]byte{1, 2, 3}), websocket.ErrInvalidState)
	assert.ErrorIs(t, ws.SendContext(context.Background(), "x"), websocket.ErrInvalidState)
	assert.Zero(t, ws.BufferedAmount())
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`close 1000 ""`}, wireLog(t, id).Wire(), "nothing was sent")
}

// TestBufferedAmount: it grows synchronously by the UTF-8 or byte length
// (6 for "héllo", then 9), does not fall while the handler runs even once
// the server has the data, and falls to 0 later.
func TestBufferedAmount(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.NoError(t, ws.Send("héllo"))
		r.log("ba=%d", ws.BufferedAmount())
		assert.NoError(t, ws.Send([]byte{1, 2, 3}))
		r.log("ba=%d", ws.BufferedAmount())
		// Block this task until the server has both messages: the writes
		// are done, yet bufferedAmount must not fall within the task.
		assert.Eventually(t, func() bool { return len(fetchLog(t, id, 0).Frames) == 2 }, waitTimeout, 5*time.Millisecond)
		r.log("server has them, ba=%d", ws.BufferedAmount())
	}
	ws := r.dial(u, nil)
	require.Eventually(t, func() bool { return len(r.snapshot()) == 6 }, waitTimeout, time.Millisecond)
	require.Eventually(t, func() bool { return ws.BufferedAmount() == 0 }, waitTimeout, time.Millisecond)
	require.NoError(t, ws.Close(1000, ""))
	assert.Equal(t, []string{"open rs=1", "ba=6", "ba=9", "server has them, ba=9",
		`message rs=1 text "héllo"`, "message rs=1 blob 3", `close rs=3 1000 "" true`}, r.wait())
}

// TestBufferedAmountBinaryKinds: []byte, ArrayBuffer and *Blob count their
// byte length; an empty message counts 0.
func TestBufferedAmountBinaryKinds(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send(websocket.ArrayBuffer(make([]byte, 10)))
		ws.Send(websocket.NewBlob([][]byte{{1, 2}, {3}}, "text/plain"))
		ws.Send("")
		ws.Send([]byte{})
		ws.Send("¥¥¥¥¥¥")
		r.log("ba=%d", ws.BufferedAmount())
	}
	r.onMessage = closeOnMessages(5)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "ba=25", "message rs=1 blob 10", "message rs=1 blob 3",
		`message rs=1 text ""`, "message rs=1 blob 0", `message rs=1 text "¥¥¥¥¥¥"`, `close rs=3 1000 "" true`}, r.wait())
}

// TestSendAfterClose is §4.2 "send() after close()" and scenario L: after
// Close, Send returns nil and sends nothing, and BufferedAmount still grows
// (5, then 15, then 16 in the close handler), never falling afterwards.
func TestSendAfterClose(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.NoError(t, ws.Close(1000, ""))
		r.log("closed rs=%d ba=%d", ws.ReadyState(), ws.BufferedAmount())
		assert.NoError(t, ws.Send("after"))
		r.log("ba=%d", ws.BufferedAmount())
		assert.NoError(t, ws.Send(make([]byte, 10)))
		r.log("ba=%d", ws.BufferedAmount())
		assert.ErrorIs(t, ws.SendContext(context.Background(), "x"), websocket.ErrNotOpen)
	}
	r.onClose = func(ws *websocket.WebSocket, _ *websocket.CloseEvent) {
		assert.NoError(t, ws.Send("x"))
		r.log("in close ba=%d", ws.BufferedAmount())
	}
	ws := r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "closed rs=2 ba=0", "ba=5", "ba=15",
		`close rs=3 1000 "" true`, "in close ba=16"}, r.wait())
	assert.NoError(t, ws.Send("y"))
	assert.Equal(t, uint64(17), ws.BufferedAmount())
	assert.Equal(t, []string{`close 1000 ""`}, wireLog(t, id).Wire(), "nothing sent after Close")
	assert.Equal(t, uint64(17), ws.BufferedAmount(), "it never falls after close")
}

// TestSendUnsupportedType: Send refuses other Go types with an error that
// is not a DOMException, and sends nothing.
func TestSendUnsupportedType(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		for _, v := range []any{42, nil, (*websocket.Blob)(nil), []string{"a"}, struct{}{}} {
			err := ws.Send(v)
			assert.Error(t, err, "%T", v)
			var de *websocket.DOMException
			assert.False(t, errors.As(err, &de), "%T: %v", v, err)
		}
		r.log("ba=%d", ws.BufferedAmount())
		ws.Close(1000, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "ba=0", `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`close 1000 ""`}, wireLog(t, id).Wire())
}

// TestSendQueuedBeforeClose: messages sent before Close go out before the
// Close frame (WS note), in order.
func TestSendQueuedBeforeClose(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send("one")
		ws.Send([]byte{2})
		ws.Send("three")
		ws.Close(4000, "done")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 4000 "done" true`}, r.wait(), "echoes after close() are not delivered")
	assert.Equal(t, []string{`text "one"`, "binary 1", `text "three"`, `close 4000 "done"`}, wireLog(t, id).Wire())
}

// TestSendInvalidUTF8Text: Send takes a string as a USVString, so invalid
// UTF-8 goes out with U+FFFD in its place (one per maximal invalid
// subsequence, as the UTF-8 decoder of the Encoding standard does, and as the
// browser build gets from the JS string conversion), never as an invalid
// text frame the peer would fail the connection for; BufferedAmount counts
// the bytes sent.
func TestSendInvalidUTF8Text(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.NoError(t, ws.Send("a\xffb"))
		r.log("ba=%d", ws.BufferedAmount())
		assert.NoError(t, ws.Send("a\xff\xffb"))
	}
	r.onMessage = closeOnMessages(2)
	r.dial(u, nil)
	one, two := "a\uFFFDb", "a\uFFFD\uFFFDb"
	assert.Equal(t, []string{"open rs=1", "ba=5", fmt.Sprintf("message rs=1 text %q", one), fmt.Sprintf("message rs=1 text %q", two), `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{fmt.Sprintf("text %q", one), fmt.Sprintf("text %q", two), `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestBufferedAmountFirstRead: a program that first reads bufferedAmount
// after many sends, in a message handler once every message has come back,
// sees what the browser still holds, not every byte it ever sent: in the
// browser the socket looks at the browser's value only from the first read
// on, and that read looks at once, even in a handler.
func TestBufferedAmountFirstRead(t *testing.T) {
	u, _ := route(t, "/echo")
	const n = 20
	done := make(chan struct{})
	first := make(chan uint64, 1)
	echoes := 0
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		OnOpen: func(e websocket.Event) {
			for range n {
				e.Target().Send(make([]byte, 1000))
			}
		},
		OnMessage: func(e *websocket.MessageEvent) {
			switch echoes++; echoes {
			case n:
				close(done)
			case n + 1: // the probe's echo
				first <- e.Target().BufferedAmount()
			}
		},
	})
	require.NoError(t, err)
	closeAtEnd(t, ws)
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("the echoes did not come")
	}
	// Natively the writer reports a write done just after the syscall,
	// which an echo can overtake: let it catch up before the probe.
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, ws.Send("probe"))
	select {
	case ba := <-first:
		// Natively the probe's own write may not be reported yet.
		assert.LessOrEqual(t, ba, uint64(len("probe")), "the first read, in the handler of the last echo")
	case <-time.After(waitTimeout):
		t.Fatal("the probe's echo did not come")
	}
}
