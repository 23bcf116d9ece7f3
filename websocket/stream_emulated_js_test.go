//go:build js && wasm

package websocket

// The browser build's two WebSocketStream transports: NewStream binds the
// browser's own WebSocketStream where it has one (Chromium does), and
// emulates it over the browser's WebSocket elsewhere. The shared stream
// tests (stream_test.go) run through whichever NewStream picks; these run
// the emulation directly, by its constructor, against the scenario server
// whose base URL is in W3WS_SCENARIO_URL.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/jsbridge"
)

// emulatedWait bounds every wait of these tests.
const emulatedWait = 10 * time.Second

// emulatedRoute returns the ws URL of a scenario route, with its query.
func emulatedRoute(t *testing.T, path, query string) string {
	t.Helper()
	base := os.Getenv("W3WS_SCENARIO_URL")
	require.NotEmpty(t, base, "W3WS_SCENARIO_URL")
	var b [6]byte
	rand.Read(b[:])
	u := "ws://" + strings.TrimPrefix(base, "http://") + path + "?id=emulated-" + hex.EncodeToString(b[:])
	if query != "" {
		u += "&" + query
	}
	return u
}

// newEmulatedStream is NewStream with the emulation over WebSocket, as it
// runs where the browser has no WebSocketStream. When the test ends the
// stream is closed and waited for.
func newEmulatedStream(t *testing.T, ctx context.Context, rawURL string, opts *StreamOptions) *WebSocketStream {
	t.Helper()
	o := opts.options()
	u, err := parseURL(rawURL, defaultBaseURL())
	require.NoError(t, err)
	require.NoError(t, checkProtocols(o.Protocols))
	s := newStream(u.String())
	s.t.impl = connectEmulated(ctx, s, u, o)
	require.IsType(t, &emulatedStream{}, s.t.impl)
	t.Cleanup(func() {
		s.Close(CloseInfo{})
		ctx, cancel := context.WithTimeout(context.Background(), emulatedWait)
		defer cancel()
		_, err := s.Closed(ctx)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the stream did not close")
	})
	return s
}

// emulatedCtx returns a context bounded by emulatedWait.
func emulatedCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), emulatedWait)
	t.Cleanup(cancel)
	return ctx
}

// TestStreamTransportChoice: NewStream binds the browser's WebSocketStream
// when there is one.
func TestStreamTransportChoice(t *testing.T) {
	s, err := NewStream(context.Background(), emulatedRoute(t, "/echo", ""), nil)
	require.NoError(t, err)
	defer s.Closed(emulatedCtx(t))
	defer s.Close(CloseInfo{})
	if jsbridge.HasStream() {
		assert.IsType(t, &boundStream{}, s.t.impl)
	} else {
		assert.IsType(t, &emulatedStream{}, s.t.impl)
	}
}

// TestStreamEmulatedEcho: text and binary (empty too) come back in order,
// a Read whose context ends leaves the next message for the next Read, and
// a client close ends reading with io.EOF and makes Write fail with
// net.ErrClosed.
func TestStreamEmulatedEcho(t *testing.T) {
	ctx := emulatedCtx(t)
	s := newEmulatedStream(t, context.Background(), emulatedRoute(t, "/echo", ""), &StreamOptions{Protocols: []string{"echo"}})
	conn, err := s.Opened(ctx)
	require.NoError(t, err)
	assert.Equal(t, "echo", conn.Protocol)
	assert.Equal(t, "", conn.Extensions)

	big := make([]byte, 70000)
	for i := range big {
		big[i] = byte(i * 13)
	}
	for _, m := range []any{"héllo", []byte{1, 2, 3}, "", []byte{}, big} {
		require.NoError(t, conn.Writable.Write(ctx, m))
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	_, err = conn.Readable.Read(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, conn.Writable.Write(ctx, "later"))
	got, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "later", got)

	require.NoError(t, s.Close(CloseInfo{CloseCode: 4001, Reason: "bye"}))
	assert.ErrorIs(t, conn.Writable.Write(ctx, "after close"), net.ErrClosed)
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, CloseInfo{CloseCode: 4001, Reason: "bye"}, info)
	_, err = conn.Readable.Read(ctx)
	assert.Equal(t, io.EOF, err)
	assert.ErrorIs(t, conn.Writable.Write(ctx, "after closed"), net.ErrClosed)
}

// TestStreamEmulatedFailures: a failed handshake and a dropped connection
// are *WebSocketErrors; an aborted handshake wraps the context's cause.
func TestStreamEmulatedFailures(t *testing.T) {
	t.Run("handshake", func(t *testing.T) {
		ctx := emulatedCtx(t)
		s := newEmulatedStream(t, context.Background(), emulatedRoute(t, "/hs", "status=404"), nil)
		_, err := s.Opened(ctx)
		var we *WebSocketError
		require.ErrorAs(t, err, &we)
		_, err = s.Closed(ctx)
		require.ErrorAs(t, err, &we)
		assert.Equal(t, 1006, we.CloseCode)
	})
	t.Run("drop", func(t *testing.T) {
		ctx := emulatedCtx(t)
		s := newEmulatedStream(t, context.Background(), emulatedRoute(t, "/drop", ""), nil)
		conn, err := s.Opened(ctx)
		require.NoError(t, err)
		_, err = conn.Readable.Read(ctx)
		var we *WebSocketError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, 1006, we.CloseCode)
		_, err = s.Closed(ctx)
		require.ErrorAs(t, err, &we)
		require.ErrorAs(t, conn.Writable.Write(ctx, "x"), &we)
	})
	t.Run("abort", func(t *testing.T) {
		ctx := emulatedCtx(t)
		actx, abort := context.WithCancel(context.Background())
		s := newEmulatedStream(t, actx, emulatedRoute(t, "/delay", "ms=2000"), nil)
		abort()
		_, err := s.Opened(ctx)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, errStreamAborted)
		_, err = s.Closed(ctx)
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestStreamEmulatedServerClose: the server's Close ends reading cleanly
// after the messages before it.
func TestStreamEmulatedServerClose(t *testing.T) {
	ctx := emulatedCtx(t)
	s := newEmulatedStream(t, context.Background(), emulatedRoute(t, "/close", "code=4002&reason=server%20bye"), nil)
	conn, err := s.Opened(ctx)
	require.NoError(t, err)
	_, err = conn.Readable.Read(ctx)
	assert.Equal(t, io.EOF, err)
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, CloseInfo{CloseCode: 4002, Reason: "server bye"}, info)
}
