package websocket_test

// What a Go user meets first: Send's accepted types, MessageEvent's typed
// accessors, the event type constants, and DOMExceptions that match their
// sentinels. Both builds.

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// Msg and Payload are named types such as programs declare.
type (
	Msg     string
	Payload []byte
)

// TestSendNamedTypes: a type whose underlying type is string is sent as
// text, one whose underlying type is []byte as binary; other types are an
// error and send nothing.
func TestSendNamedTypes(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.NoError(t, ws.Send(Msg("named")))
		assert.NoError(t, ws.Send(json.RawMessage(`{"a":1}`)))
		assert.NoError(t, ws.Send(Payload{1, 2, 3}))
		err := ws.Send(42)
		assert.ErrorContains(t, err, "unsupported data type int")
		assert.Error(t, ws.Send(nil))
		assert.Error(t, ws.Send([]int{1}))
		r.log("ba=%d", ws.BufferedAmount())
	}
	r.onMessage = closeOnMessages(3)
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	assert.Equal(t, []string{"open rs=1", "ba=15",
		`message rs=1 text "named"`, "message rs=1 arraybuffer 7", "message rs=1 arraybuffer 3",
		`close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`text "named"`, "binary 7", "binary 3", `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestMessageEventAccessors: Text, Bytes and IsText give a handler the data
// without a type switch, for text and for both binary types.
func TestMessageEventAccessors(t *testing.T) {
	for _, bt := range []websocket.BinaryType{websocket.BinaryTypeBlob, websocket.BinaryTypeArrayBuffer} {
		t.Run(string(bt), func(t *testing.T) {
			u, _ := route(t, "/echo")
			type seen struct {
				isText bool
				text   string
				bytes  string
			}
			var got []seen
			r := newRecorder(t)
			r.onOpen = func(ws *websocket.WebSocket) {
				ws.Send("héllo")
				ws.Send([]byte("bin"))
			}
			r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
				got = append(got, seen{e.IsText(), e.Text(), string(e.Bytes())})
				if len(got) == 2 {
					ws.Close(1000, "")
				}
			}
			r.dial(u, &websocket.Options{BinaryType: bt})
			r.wait()
			assert.Equal(t, []seen{{true, "héllo", "héllo"}, {false, "", "bin"}}, got)
		})
	}
}

// TestEventTypeConstants: the exported names are what events report and
// what AddEventListener takes.
func TestEventTypeConstants(t *testing.T) {
	u, _ := route(t, "/echo")
	var types []string
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	done := make(chan struct{})
	for _, typ := range []string{websocket.EventOpen, websocket.EventMessage, websocket.EventError, websocket.EventClose} {
		ws.AddEventListener(typ, func(e websocket.Event) {
			types = append(types, e.Type())
			switch e.Type() {
			case websocket.EventOpen:
				e.Target().Send("x")
			case websocket.EventMessage:
				e.Target().Close(1000, "")
			case websocket.EventClose:
				close(done)
			}
		})
	}
	<-done
	assert.Equal(t, []string{"open", "message", "close"}, types)
}

// TestDOMExceptionsWrapSentinels: every exception the package returns
// matches its sentinel with errors.Is, and carries the browser's message.
func TestDOMExceptionsWrapSentinels(t *testing.T) {
	_, err := websocket.New("ftp://x/")
	assert.ErrorIs(t, err, websocket.ErrSyntax)
	u, _ := route(t, "/echo")
	ws, err := websocket.New(u)
	require.NoError(t, err)
	closeAtEnd(t, ws)
	err = ws.Close(1001, "")
	assert.ErrorIs(t, err, websocket.ErrInvalidAccess)
	assert.NotErrorIs(t, err, websocket.ErrSyntax)
	var de *websocket.DOMException
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "The close code must be either 1000, or between 3000 and 4999. 1001 is neither.", de.Message)
	err = ws.Close(1000, string(make([]byte, 124)))
	assert.ErrorIs(t, err, websocket.ErrSyntax)
}

// TestWaitOpenAfterClose: WaitOpen reports success for a socket that
// opened, even when it has closed by the time the caller looks.
func TestWaitOpenAfterClose(t *testing.T) {
	u, _ := route(t, "/close", "code=4000&reason=x")
	r := newRecorder(t)
	ws := r.dial(u, nil)
	r.wait()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	assert.NoError(t, ws.WaitOpen(ctx))
}
