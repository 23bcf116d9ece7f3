//go:build !js

package websocket_test

// Server side (Upgrade), both ends this package, and interoperability with
// github.com/coder/websocket at each end. Native only: a browser cannot
// accept connections, and Options.OriginPatterns / MaxMessageSize are
// native knobs.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// upgradeServer runs an httptest server whose handler upgrades every request
// with the options opts returns; it hands each server socket (or Upgrade's
// error) to the test. Server sockets are closed at the end of the test.
func upgradeServer(t *testing.T, opts func() *websocket.Options) (wsURL string, sockets <-chan *websocket.WebSocket, errs <-chan error) {
	t.Helper()
	socks := make(chan *websocket.WebSocket, 10)
	errc := make(chan error, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Upgrade(w, r, opts())
		if err != nil {
			errc <- err
			return
		}
		socks <- ws
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for {
			select {
			case ws := <-socks:
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				ws.Close(0, "")
				if _, err := ws.WaitClosed(ctx); err != nil {
					t.Errorf("server socket did not close: %v", err)
				}
				cancel()
			default:
				return
			}
		}
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), socks, errc
}

// receive takes one value from c, failing the test after waitTimeout.
func receive[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("nothing received within %v", waitTimeout)
		panic("unreachable")
	}
}

// echoOptions returns a recorder's options for a server socket that echoes
// every message.
func echoOptions(r *recorder, o *websocket.Options) func() *websocket.Options {
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) { ws.Send(e.Data) }
	return func() *websocket.Options { return r.options(o) }
}

// TestUpgradeEcho: both ends are this package. The server picks the first
// protocol the client offered that it supports; the server socket sees open
// first, then messages, then the close, with the same readyStates as a
// client; both see a clean close with the client's code.
func TestUpgradeEcho(t *testing.T) {
	sr := newRecorder(t)
	u, socks, _ := upgradeServer(t, echoOptions(sr, &websocket.Options{Protocols: []string{"b", "a"}}))
	cr := newRecorder(t)
	cr.onOpen = func(ws *websocket.WebSocket) {
		cr.log("protocol %q", ws.Protocol())
		ws.Send("hello")
		ws.Send([]byte{1, 2})
	}
	cr.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		if _, ok := e.Data.(*websocket.Blob); ok {
			ws.Close(4001, "bye")
		}
	}
	cr.dial(u+"/path?q=1", &websocket.Options{Protocols: []string{"x", "a", "b"}})
	server := receive(t, socks)
	assert.Equal(t, []string{"open rs=1", `protocol "a"`, `message rs=1 text "hello"`, "message rs=1 blob 2", `close rs=3 4001 "bye" true`}, cr.wait())
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hello"`, "message rs=1 blob 2", `close rs=3 4001 "bye" true`}, sr.wait())
	assert.Equal(t, "a", server.Protocol())
	assert.Equal(t, "", server.Extensions())
	assert.Equal(t, strings.TrimSuffix(u, "/")+"/path?q=1", server.URL())
	assert.Equal(t, uint64(0), server.BufferedAmount())
}

// TestUpgradeServerCloses: the server socket closes; the client echoes and
// both report the server's code, cleanly. Upgrade returns an OPEN socket
// that may send at once.
func TestUpgradeServerCloses(t *testing.T) {
	sr := newRecorder(t)
	sr.onOpen = func(ws *websocket.WebSocket) { ws.Close(4002, "srv") }
	u, socks, _ := upgradeServer(t, func() *websocket.Options { return sr.options(nil) })
	cr := newRecorder(t)
	cr.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	server := receive(t, socks)
	assert.Contains(t, []websocket.ReadyState{websocket.OPEN, websocket.CLOSING, websocket.CLOSED}, server.ReadyState())
	assert.Equal(t, []string{"open rs=1", `close rs=3 4002 "srv" true`}, cr.wait())
	assert.Equal(t, []string{"open rs=1", `close rs=3 4002 "srv" true`}, sr.wait())
}

// TestUpgradeSendsRightAway: Send on the socket Upgrade returned works at
// once, before the open event has necessarily run.
func TestUpgradeSendsRightAway(t *testing.T) {
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		assert.Equal(t, websocket.OPEN, ws.ReadyState())
		assert.NoError(t, ws.Send("first"))
		assert.NoError(t, ws.Close(1000, "done"))
	}))
	defer srv2.Close()
	cr := newRecorder(t)
	cr.dial("ws"+strings.TrimPrefix(srv2.URL, "http"), nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "first"`, `close rs=3 1000 "done" true`}, cr.wait())
}

// TestUpgradeOriginPolicy: a cross-origin request gets 403 unless its host
// matches OriginPatterns; a same-host Origin or none is accepted. The client
// sees a failed handshake.
func TestUpgradeOriginPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		origin   string
		patterns []string
		ok       bool
	}{
		{"no origin", "", nil, true},
		{"cross-origin", "http://evil.example", nil, false},
		{"allowed by pattern", "http://evil.example", []string{"*.example", "evil.example"}, true},
		{"not matched", "http://evil.example:8080", []string{"evil.example"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, socks, errs := upgradeServer(t, func() *websocket.Options {
				return &websocket.Options{OriginPatterns: tc.patterns}
			})
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			cr := newRecorder(t)
			cr.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
			cr.dial(u, &websocket.Options{Header: h})
			if tc.ok {
				assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, cr.wait())
				receive(t, socks)
				return
			}
			assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, cr.wait())
			var he *native.HandshakeError
			if assert.Len(t, cr.errors(), 1) && assert.True(t, errors.As(cr.errors()[0], &he), "%v", cr.errors()[0]) {
				assert.Equal(t, http.StatusForbidden, he.StatusCode)
			}
			assert.ErrorIs(t, receive(t, errs), native.ErrOriginNotAllowed)
		})
	}
	t.Run("same host", func(t *testing.T) {
		u, socks, _ := upgradeServer(t, func() *websocket.Options { return nil })
		cr := newRecorder(t)
		cr.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
		cr.dial(u, &websocket.Options{Header: http.Header{"Origin": {"http" + strings.TrimPrefix(u, "ws")}}})
		assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, cr.wait())
		receive(t, socks)
	})
}

// TestUpgradeMaxMessageSize: a message over the server's MaxMessageSize
// fails the server socket (error, close 1006) and the client sees the
// server's Close 1009, cleanly; a message at the limit passes.
func TestUpgradeMaxMessageSize(t *testing.T) {
	sr := newRecorder(t)
	u, _, _ := upgradeServer(t, echoOptions(sr, &websocket.Options{MaxMessageSize: 10}))
	cr := newRecorder(t)
	cr.onOpen = func(ws *websocket.WebSocket) {
		ws.Send(strings.Repeat("x", 10))
		ws.Send(strings.Repeat("y", 11))
	}
	ws := cr.dial(u, nil)
	events := cr.wait()
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "xxxxxxxxxx"`}, events[:2])
	ev, err := ws.WaitClosed(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1009, ev.Code)
	assert.True(t, ev.WasClean)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "xxxxxxxxxx"`, "error rs=3", `close rs=3 1006 "" false`}, sr.wait())
	var pe *native.ProtocolError
	if assert.Len(t, sr.errors(), 1) && assert.True(t, errors.As(sr.errors()[0], &pe)) {
		assert.Equal(t, native.StatusMessageTooBig, pe.Code)
	}
}

// TestUpgradeRejectsPlainHTTP: a request that is not a WebSocket handshake
// gets an HTTP error and Upgrade an error.
func TestUpgradeRejectsPlainHTTP(t *testing.T) {
	u, _, errs := upgradeServer(t, func() *websocket.Options { return nil })
	resp, err := logClient.Get("http" + strings.TrimPrefix(u, "ws"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUpgradeRequired, resp.StatusCode)
	assert.ErrorIs(t, receive(t, errs), native.ErrNotWebSocket)
}

// coderServer runs a github.com/coder/websocket echo server that selects
// "chat"; it sends the close status the server's Read ended with.
func coderServer(t *testing.T, serverClose bool) (wsURL string, status <-chan coder.StatusCode) {
	sc := make(chan coder.StatusCode, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, &coder.AcceptOptions{Subprotocols: []string{"chat"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if serverClose {
			c.Write(ctx, coder.MessageText, []byte("closing"))
			sc <- coder.StatusCode(0)
			c.Close(4002, "coder bye")
			return
		}
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				sc <- coder.CloseStatus(err)
				return
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), sc
}

// TestInteropCoderServer: this package's client against coder/websocket's
// server: subprotocol, text and binary echo, close codes both ways.
func TestInteropCoderServer(t *testing.T) {
	t.Run("client closes", func(t *testing.T) {
		u, status := coderServer(t, false)
		cr := newRecorder(t)
		cr.onOpen = func(ws *websocket.WebSocket) {
			cr.log("protocol %q", ws.Protocol())
			ws.Send("hello")
			ws.Send([]byte{1, 2, 3})
		}
		cr.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
			if b, ok := e.Data.(websocket.ArrayBuffer); ok {
				assert.Equal(t, websocket.ArrayBuffer{1, 2, 3}, b)
				ws.Close(4001, "bye")
			}
		}
		cr.dial(u, &websocket.Options{Protocols: []string{"chat"}, BinaryType: websocket.BinaryTypeArrayBuffer})
		assert.Equal(t, []string{"open rs=1", `protocol "chat"`, `message rs=1 text "hello"`, "message rs=1 arraybuffer 3", `close rs=3 4001 "bye" true`}, cr.wait())
		assert.Equal(t, coder.StatusCode(4001), receive(t, status))
	})
	t.Run("server closes", func(t *testing.T) {
		u, status := coderServer(t, true)
		cr := newRecorder(t)
		cr.dial(u, nil)
		assert.Equal(t, []string{"open rs=1", `message rs=1 text "closing"`, `close rs=3 4002 "coder bye" true`}, cr.wait())
		receive(t, status)
	})
}

// TestInteropCoderClient: coder/websocket's client against this package's
// Upgrade: subprotocol, text and binary echo, close codes both ways.
func TestInteropCoderClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	t.Run("client closes", func(t *testing.T) {
		sr := newRecorder(t)
		u, _, _ := upgradeServer(t, echoOptions(sr, &websocket.Options{Protocols: []string{"chat"}}))
		c, _, err := coder.Dial(ctx, u, &coder.DialOptions{Subprotocols: []string{"other", "chat"}})
		require.NoError(t, err)
		defer c.CloseNow()
		assert.Equal(t, "chat", c.Subprotocol())
		for _, m := range []struct {
			typ  coder.MessageType
			data string
		}{{coder.MessageText, "hello"}, {coder.MessageBinary, "\x00\x01"}} {
			require.NoError(t, c.Write(ctx, m.typ, []byte(m.data)))
			typ, got, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, m.typ, typ)
			assert.Equal(t, m.data, string(got))
		}
		require.NoError(t, c.Close(4003, "coder client bye"))
		assert.Equal(t, []string{"open rs=1", `message rs=1 text "hello"`, "message rs=1 blob 2", `close rs=3 4003 "coder client bye" true`}, sr.wait())
	})
	t.Run("server closes", func(t *testing.T) {
		sr := newRecorder(t)
		sr.onOpen = func(ws *websocket.WebSocket) { ws.Close(4004, "server bye") }
		u, _, _ := upgradeServer(t, func() *websocket.Options { return sr.options(nil) })
		c, _, err := coder.Dial(ctx, u, nil)
		require.NoError(t, err)
		defer c.CloseNow()
		_, _, err = c.Read(ctx)
		assert.Equal(t, coder.StatusCode(4004), coder.CloseStatus(err), "%v", err)
		assert.Equal(t, []string{"open rs=1", `close rs=3 4004 "server bye" true`}, sr.wait())
	})
}

// TestManyServerSockets: several clients at once on one Upgrade server,
// each with its own order of events.
func TestManyServerSockets(t *testing.T) {
	const n = 10
	var servers []*recorder
	next := make(chan *recorder, n)
	for i := 0; i < n; i++ {
		r := newRecorder(t)
		r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) { ws.Send(e.Data) }
		servers = append(servers, r)
		next <- r
	}
	u, _, _ := upgradeServer(t, func() *websocket.Options { return (<-next).options(nil) })
	var clients []*recorder
	for i := 0; i < n; i++ {
		r := newRecorder(t)
		msg := fmt.Sprint("client ", i)
		r.onOpen = func(ws *websocket.WebSocket) { ws.Send(msg) }
		r.onMessage = closeOnMessages(1)
		r.dial(u, nil)
		clients = append(clients, r)
	}
	for i, r := range clients {
		assert.Equal(t, []string{"open rs=1", fmt.Sprintf("message rs=1 text %q", fmt.Sprint("client ", i)), `close rs=3 1000 "" true`}, r.wait())
	}
	for _, r := range servers {
		events := r.wait()
		assert.Len(t, events, 3)
		assert.Equal(t, "open rs=1", events[0])
		assert.Equal(t, `close rs=3 1000 "" true`, events[2])
	}
}

// TestUpgradeCloseAtOnce: handlers in Options see open first even when the
// server closes the socket right after Upgrade returns, before the open
// event was dispatched (Upgrade's doc: "handlers in opts see an open event
// first").
func TestUpgradeCloseAtOnce(t *testing.T) {
	sr := newRecorder(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Upgrade(w, r, sr.options(nil))
		if err == nil {
			ws.Close(4000, "now")
		}
	}))
	defer srv.Close()
	cr := newRecorder(t)
	cr.dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 4000 "now" true`}, cr.wait())
	events := sr.wait()
	assert.Len(t, events, 2)
	assert.Regexp(t, "^open rs=[12]$", events[0])
	assert.Equal(t, `close rs=3 4000 "now" true`, events[len(events)-1])
}
