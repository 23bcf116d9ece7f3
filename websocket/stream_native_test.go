//go:build !js

package websocket_test

// WebSocketStream natively: UpgradeStream and NewStream against each other,
// against the engine (package native) and against raw peers that speak
// bytes; closing both ways, failures, aborts, and back-pressure both ways.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/rawserver"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// stWait bounds every wait of the stream tests.
const stWait = 5 * time.Second

// stCtx returns a context that ends after stWait, or when the test
// ends.
func stCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), stWait)
	t.Cleanup(cancel)
	return ctx
}

// stClientOptions are a test client's options: direct, whatever the
// environment's proxy settings.
func stClientOptions(o *websocket.StreamOptions) *websocket.StreamOptions {
	var c websocket.StreamOptions
	if o != nil {
		c = *o
	}
	c.Proxy = noProxy
	return &c
}

// stServer runs an httptest server whose handler upgrades every request
// with UpgradeStream(opts) and hands the stream to the test. serve, when
// not nil, then runs in the handler. Server streams are closed, drained
// and waited for at the end of the test.
func stServer(t *testing.T, opts *websocket.StreamOptions, serve func(s *websocket.WebSocketStream)) (wsURL string, streams <-chan *websocket.WebSocketStream) {
	t.Helper()
	c := make(chan *websocket.WebSocketStream, 8)
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.UpgradeStream(w, r, opts)
		if err != nil {
			t.Errorf("UpgradeStream: %v", err)
			return
		}
		stAtEnd(t, s)
		c <- s
		if serve != nil {
			wg.Add(1)
			defer wg.Done()
			serve(s)
		}
	}))
	t.Cleanup(wg.Wait) // after the streams ended (cleanups run last-in first-out)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), c
}

// stAtEnd closes s when the test ends, reads what it still holds, and
// waits for its closed promise to settle.
func stAtEnd(t testing.TB, s *websocket.WebSocketStream) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stWait)
		defer cancel()
		s.Close(websocket.CloseInfo{})
		if conn, err := s.Opened(ctx); err == nil {
			for i := 0; i < 10000; i++ {
				if _, err := conn.Readable.Read(ctx); err != nil {
					break
				}
			}
		}
		if _, err := s.Closed(ctx); err != nil && ctx.Err() != nil {
			t.Errorf("stream %s did not end: %v", s.URL(), err)
		}
	})
}

// stDial opens a client stream to u, failing the test if it does not
// open. It is closed and waited for at the end of the test.
func stDial(t *testing.T, u string, o *websocket.StreamOptions) (*websocket.WebSocketStream, *websocket.StreamConnection) {
	t.Helper()
	s, err := websocket.NewStream(context.Background(), u, stClientOptions(o))
	require.NoError(t, err)
	stAtEnd(t, s)
	conn, err := s.Opened(stCtx(t))
	require.NoError(t, err)
	require.NotNil(t, conn)
	return s, conn
}

// stPair opens a client stream to a new UpgradeStream server and returns
// both ends, opened.
func stPair(t *testing.T, server, client *websocket.StreamOptions) (cs *websocket.WebSocketStream, cc *websocket.StreamConnection, ss *websocket.WebSocketStream, sc *websocket.StreamConnection) {
	t.Helper()
	u, streams := stServer(t, server, nil)
	cs, cc = stDial(t, u, client)
	ss = receive(t, streams)
	sc, err := ss.Opened(stCtx(t))
	require.NoError(t, err)
	return cs, cc, ss, sc
}

// stEcho writes back every message s receives until it ends.
func stEcho(s *websocket.WebSocketStream) {
	ctx := context.Background()
	conn, err := s.Opened(ctx)
	if err != nil {
		return
	}
	for {
		m, err := conn.Readable.Read(ctx)
		if err != nil {
			return
		}
		if conn.Writable.Write(ctx, m) != nil {
			return
		}
	}
}

// stBytes returns n pseudo-random bytes.
func stBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 42))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// stRequireWSError checks that err is a *WebSocketError with code 1006
// and returns it.
func stRequireWSError(t *testing.T, err error) *websocket.WebSocketError {
	t.Helper()
	return stRequireWSErrorCode(t, err, 1006)
}

// stRequireOpenedError checks that err is the opened promise's
// *WebSocketError: no close code (0, JavaScript's null), as Chromium.
func stRequireOpenedError(t *testing.T, err error) *websocket.WebSocketError {
	t.Helper()
	return stRequireWSErrorCode(t, err, 0)
}

// stRequireWSErrorCode checks that err is a *WebSocketError with the code
// and returns it.
func stRequireWSErrorCode(t *testing.T, err error, code int) *websocket.WebSocketError {
	t.Helper()
	require.Error(t, err)
	var we *websocket.WebSocketError
	require.True(t, errors.As(err, &we), "want a *WebSocketError, got %T: %v", err, err)
	assert.Equal(t, code, we.CloseCode)
	return we
}

// stCustomText and stCustomBytes are types whose underlying types Write takes.
type (
	stCustomText  string
	stCustomBytes []byte
)

// TestStreamNativeEcho: text stays a string and binary a []byte through an
// UpgradeStream echo server, at 0 B, 16 B, 64 KiB and 1 MiB, in order; the
// subprotocol the server picks is reported on both ends, with no extension;
// URL is the URL given (client) and the request's (server).
func TestStreamNativeEcho(t *testing.T) {
	u, streams := stServer(t, &websocket.StreamOptions{Protocols: []string{"x", "chat"}}, stEcho)
	u += "/echo?q=1"
	s, conn := stDial(t, u, &websocket.StreamOptions{Protocols: []string{"chat", "x"}})
	assert.Equal(t, u, s.URL())
	assert.Equal(t, "chat", conn.Protocol)
	assert.Equal(t, "", conn.Extensions)
	ss := receive(t, streams)
	assert.Equal(t, u, ss.URL())
	sconn, err := ss.Opened(stCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "chat", sconn.Protocol)
	assert.Equal(t, "", sconn.Extensions)

	var msgs []any
	for i, n := range []int{0, 16, 64 << 10, 1 << 20} {
		msgs = append(msgs, string(bytes.Repeat([]byte{'a' + byte(i)}, n)), stBytes(n, uint64(i)))
	}
	msgs = append(msgs, "héllo, 世界")
	ctx := stCtx(t)
	wrote := make(chan error, 1)
	go func() { // the echo comes back while this writes: read concurrently
		for _, m := range msgs {
			if err := conn.Writable.Write(ctx, m); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	for i, want := range msgs {
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err, "message %d", i)
		require.IsType(t, want, got, "message %d", i)
		require.Equal(t, want, got, "message %d (%s)", i, describe(want))
	}
	require.NoError(t, receive(t, wrote))

	// Other types Write takes: ArrayBuffer and a []byte type as binary, a
	// string type as text. A type it does not take fails the Write alone.
	require.Error(t, conn.Writable.Write(ctx, 42))
	require.NoError(t, conn.Writable.Write(ctx, websocket.ArrayBuffer("ab")))
	require.NoError(t, conn.Writable.Write(ctx, stCustomBytes("cd")))
	require.NoError(t, conn.Writable.Write(ctx, stCustomText("ef")))
	for _, want := range []any{[]byte("ab"), []byte("cd"), "ef"} {
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// TestStreamNativeEchoEmptyBinary: an empty binary message arrives as an empty
// []byte, not as an empty string (nor nil).
func TestStreamNativeEchoEmptyBinary(t *testing.T) {
	u, _ := stServer(t, nil, stEcho)
	_, conn := stDial(t, u, nil)
	ctx := stCtx(t)
	require.NoError(t, conn.Writable.Write(ctx, []byte{}))
	got, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	b, ok := got.([]byte)
	require.True(t, ok, "got %T", got)
	assert.NotNil(t, b)
	assert.Empty(t, b)
}

// TestStreamNativeCompression: with Compression on both ends, both report a
// permessage-deflate extension and messages round-trip; with it on the
// client only, the server accepts nothing and both report "".
func TestStreamNativeCompression(t *testing.T) {
	on := &websocket.StreamOptions{Compression: true}
	u, streams := stServer(t, on, stEcho)
	_, conn := stDial(t, u, on)
	assert.True(t, strings.HasPrefix(conn.Extensions, "permessage-deflate"), "client extensions %q", conn.Extensions)
	sconn, err := receive(t, streams).Opened(stCtx(t))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sconn.Extensions, "permessage-deflate"), "server extensions %q", sconn.Extensions)
	ctx := stCtx(t)
	text := strings.Repeat(`{"key":"value","n":12345}`, 4000)
	bin := bytes.Repeat([]byte("0123456789abcdef"), 1<<12)
	for _, m := range []any{text, bin, "", []byte{}} {
		require.NoError(t, conn.Writable.Write(ctx, m))
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, m, got)
	}

	u2, streams2 := stServer(t, nil, stEcho)
	_, conn2 := stDial(t, u2, on)
	assert.Equal(t, "", conn2.Extensions)
	sconn2, err := receive(t, streams2).Opened(stCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "", sconn2.Extensions)
}

// TestStreamNativeClientClose: the client closes with 3456 "pizza". The server
// reads io.EOF (again on the next Read) and its Closed reports 3456
// "pizza"; the client's Closed reports the server's echo of it.
func TestStreamNativeClientClose(t *testing.T) {
	cs, cc, ss, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	require.NoError(t, cs.Close(websocket.CloseInfo{CloseCode: 3456, Reason: "pizza"}))
	for i := 0; i < 2; i++ {
		_, err := sc.Readable.Read(ctx)
		require.ErrorIs(t, err, io.EOF)
	}
	info, err := ss.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 3456, Reason: "pizza"}, info)
	info, err = cs.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 3456, Reason: "pizza"}, info)
	for i := 0; i < 2; i++ {
		_, err := cc.Readable.Read(ctx)
		require.Equal(t, io.EOF, err, "Read after a clean close")
	}
}

// TestStreamNativeServerClose: the server closes with 4000 "bye" after a
// message. The client reads the message, then io.EOF, and both Closed
// report 4000 "bye".
func TestStreamNativeServerClose(t *testing.T) {
	cs, cc, ss, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	require.NoError(t, sc.Writable.Write(ctx, "before"))
	require.NoError(t, ss.Close(websocket.CloseInfo{CloseCode: 4000, Reason: "bye"}))
	m, err := cc.Readable.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "before", m)
	_, err = cc.Readable.Read(ctx)
	require.Equal(t, io.EOF, err)
	info, err := cs.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 4000, Reason: "bye"}, info)
	info, err = ss.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 4000, Reason: "bye"}, info)
	_, err = sc.Readable.Read(ctx)
	require.Equal(t, io.EOF, err)
}

// TestStreamNativeCloseNoCode: Close with a zero CloseInfo sends a Close frame
// with no body, which the peer reports as 1005 ""; a reason without a code
// goes out as 1000.
func TestStreamNativeCloseNoCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		info websocket.CloseInfo
		want websocket.CloseInfo
	}{
		{"empty", websocket.CloseInfo{}, websocket.CloseInfo{CloseCode: 1005}},
		{"reason only", websocket.CloseInfo{Reason: "x"}, websocket.CloseInfo{CloseCode: 1000, Reason: "x"}},
		{"1000", websocket.CloseInfo{CloseCode: 1000}, websocket.CloseInfo{CloseCode: 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, _, ss, _ := stPair(t, nil, nil)
			ctx := stCtx(t)
			require.NoError(t, cs.Close(tc.info))
			info, err := ss.Closed(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.want, info, "server's view")
			info, err = cs.Closed(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.want, info, "client's view of the echo")
		})
	}
}

// TestStreamNativeCloseValidation: codes other than 0, 1000 and 3000-4999 are
// ErrInvalidAccess, a reason over 123 bytes is ErrSyntax, and neither
// closes the stream; after a close they are still checked.
func TestStreamNativeCloseValidation(t *testing.T) {
	u, _ := stServer(t, nil, stEcho)
	s, conn := stDial(t, u, nil)
	long := strings.Repeat("r", 124)
	check := func() {
		t.Helper()
		for _, code := range []int{1, 999, 1001, 1005, 1006, 2999, 5000, 65535} {
			err := s.Close(websocket.CloseInfo{CloseCode: code})
			require.ErrorIs(t, err, websocket.ErrInvalidAccess, "code %d", code)
			require.NotErrorIs(t, err, websocket.ErrSyntax, "code %d", code)
		}
		err := s.Close(websocket.CloseInfo{CloseCode: 1000, Reason: long})
		require.ErrorIs(t, err, websocket.ErrSyntax)
		require.NotErrorIs(t, err, websocket.ErrInvalidAccess)
		require.ErrorIs(t, s.Close(websocket.CloseInfo{Reason: strings.Repeat("é", 62)}), websocket.ErrSyntax, "124 bytes in 62 runes")
		// The code is checked first, as the browser does.
		require.ErrorIs(t, s.Close(websocket.CloseInfo{CloseCode: 2999, Reason: long}), websocket.ErrInvalidAccess)
	}
	check()
	ctx := stCtx(t)
	require.NoError(t, conn.Writable.Write(ctx, "still open"))
	m, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, "still open", m)

	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 4999, Reason: strings.Repeat("r", 123)}))
	check()
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 4999, Reason: strings.Repeat("r", 123)}, info)
	check()
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 3000}), "a valid Close after the close does nothing")
}

// TestStreamNativeHandshakeFailure: a server answering 404 makes Opened
// fail with a *WebSocketError without a close code (Chromium's null) and
// Closed with one of 1006, both wrapping the engine's handshake error;
// NetConn reports Opened's.
func TestStreamNativeHandshakeFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	s, err := websocket.NewStream(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), stClientOptions(nil))
	require.NoError(t, err)
	ctx := stCtx(t)
	conn, err := s.Opened(ctx)
	assert.Nil(t, conn)
	we := stRequireOpenedError(t, err)
	assert.ErrorIs(t, err, native.ErrBadHandshake)
	_, cerr := s.Closed(ctx)
	cwe := stRequireWSError(t, cerr)
	assert.Equal(t, we.Message, cwe.Message)
	assert.ErrorIs(t, cerr, native.ErrBadHandshake)
	_, nerr := s.NetConn(ctx)
	stRequireOpenedError(t, nerr)
	require.NoError(t, s.Close(websocket.CloseInfo{}), "Close after a failure does nothing")
}

// TestStreamNativeBadURL: NewStream returns ErrSyntax for a URL or subprotocols
// the constructor rejects, and no stream.
func TestStreamNativeBadURL(t *testing.T) {
	for _, tc := range []struct {
		url   string
		proto []string
	}{
		{"ftp://127.0.0.1/", nil},
		{"ws://127.0.0.1/#frag", nil},
		{"relative", nil},
		{"ws://127.0.0.1/", []string{"a", "a"}},
		{"ws://127.0.0.1/", []string{"a b"}},
	} {
		s, err := websocket.NewStream(context.Background(), tc.url, &websocket.StreamOptions{Protocols: tc.proto})
		assert.ErrorIs(t, err, websocket.ErrSyntax, "%q %q", tc.url, tc.proto)
		assert.Nil(t, s)
	}
}

// stStallServer accepts TCP connections and never answers; it hands each to
// the test and closes them at its end.
func stStallServer(t *testing.T) (wsURL string, accepted <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := make(chan net.Conn, 16)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			select {
			case c <- nc:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, nc := range conns {
			nc.Close()
		}
	})
	return "ws://" + ln.Addr().String() + "/", c
}

// stRequireDropped checks that the peer closes nc within stWait, having
// sent at most a handshake request.
func stRequireDropped(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(stWait))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the client did not drop the connection within %v", stWait)
	}
}

// TestStreamNativeAbort: the NewStream context ending while the server stalls
// the handshake makes Opened and Closed fail with an error wrapping the
// context's cause (not a *WebSocketError), and the TCP connection is
// dropped.
func TestStreamNativeAbort(t *testing.T) {
	t.Run("canceled", func(t *testing.T) {
		u, accepted := stStallServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := websocket.NewStream(ctx, u, stClientOptions(nil))
		require.NoError(t, err)
		nc := receive(t, accepted)
		cancel()
		wait := stCtx(t)
		_, err = s.Opened(wait)
		require.ErrorIs(t, err, context.Canceled)
		require.NoError(t, wait.Err(), "Opened returned because the stream was aborted, not because its own wait ended")
		var we *websocket.WebSocketError
		assert.False(t, errors.As(err, &we), "an abort is not a *WebSocketError: %v", err)
		_, cerr := s.Closed(wait)
		require.ErrorIs(t, cerr, context.Canceled)
		stRequireDropped(t, nc)
	})
	t.Run("cause", func(t *testing.T) {
		u, accepted := stStallServer(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		s, err := websocket.NewStream(ctx, u, stClientOptions(nil))
		require.NoError(t, err)
		nc := receive(t, accepted)
		gaveUp := errors.New("the user gave up")
		cancel(gaveUp)
		_, err = s.Opened(stCtx(t))
		require.ErrorIs(t, err, gaveUp)
		stRequireDropped(t, nc)
	})
	t.Run("timeout", func(t *testing.T) {
		u, _ := stStallServer(t)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		s, err := websocket.NewStream(ctx, u, stClientOptions(nil))
		require.NoError(t, err)
		_, err = s.Opened(stCtx(t))
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// TestStreamNativeAlreadyCanceled: NewStream with a context already ended
// returns a stream that failed at once, with an error wrapping
// context.Canceled, and never connects.
func TestStreamNativeAlreadyCanceled(t *testing.T) {
	u, accepted := stStallServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := websocket.NewStream(ctx, u, stClientOptions(nil))
	require.NoError(t, err)
	// Settled before NewStream returned: a wait that has already ended
	// still gets the stream's own error, which wraps the cause.
	done, stop := context.WithCancelCause(context.Background())
	stop(errors.New("already over"))
	_, err = s.Opened(done)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "abort")
	_, err = s.Closed(done)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "abort")
	require.NoError(t, s.Close(websocket.CloseInfo{}))
	select {
	case <-accepted:
		t.Fatal("the stream connected")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestStreamNativeCloseBeforeOpen: Close while the handshake is stalled abandons
// it: Opened and Closed fail with a *WebSocketError, the TCP connection is
// dropped, and the halves were never given out.
func TestStreamNativeCloseBeforeOpen(t *testing.T) {
	u, accepted := stStallServer(t)
	s, err := websocket.NewStream(context.Background(), u, stClientOptions(nil))
	require.NoError(t, err)
	nc := receive(t, accepted)
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000}))
	ctx := stCtx(t)
	conn, err := s.Opened(ctx)
	assert.Nil(t, conn)
	stRequireOpenedError(t, err)
	_, cerr := s.Closed(ctx)
	stRequireWSError(t, cerr)
	stRequireDropped(t, nc)
}

// TestStreamNativeOpenedContext: Opened's own context bounds only its wait: the
// stream goes on connecting, and opens once the server answers.
func TestStreamNativeOpenedContext(t *testing.T) {
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-gate
		s, err := websocket.UpgradeStream(w, r, nil)
		if err == nil {
			stAtEnd(t, s)
		}
	}))
	defer srv.Close()
	opened := false
	defer func() {
		if !opened {
			close(gate)
		}
	}()
	s, err := websocket.NewStream(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), stClientOptions(nil))
	require.NoError(t, err)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = s.Opened(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the server has not answered")
	_, err = s.Closed(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(gate)
	opened = true
	_, err = s.Opened(stCtx(t))
	require.NoError(t, err, "the stream opened after an Opened wait ended")
	require.NoError(t, s.Close(websocket.CloseInfo{}))
	_, err = s.Closed(stCtx(t))
	require.NoError(t, err)
}

// stAcceptKey is the Sec-WebSocket-Accept value of key.
func stAcceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// stRawServer runs a server that completes the WebSocket handshake by hand
// and then runs fn on the raw connection (and the reader holding what
// follows the request). Connections are closed, and fn waited for, at the
// end of the test.
func stRawServer(t *testing.T, fn func(nc net.Conn, br *bufio.Reader)) (wsURL string) {
	t.Helper()
	addr := rawserver.Start(t, 2*stWait, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			nc.Close()
			return
		}
		fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			stAcceptKey(req.Header.Get("Sec-WebSocket-Key")))
		fn(nc, br)
	})
	return "ws://" + addr + "/"
}

// stRawClient completes a client handshake with an UpgradeStream server at
// u by hand and returns the raw connection and its reader.
func stRawClient(t *testing.T, u string) (net.Conn, *bufio.Reader) {
	t.Helper()
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/")
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(stWait))
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, key)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, stAcceptKey(key), resp.Header.Get("Sec-WebSocket-Accept"))
	return nc, br
}

// stRawFrame is a frame read off the wire, unmasked.
type stRawFrame struct {
	first   byte // FIN, RSV and opcode
	masked  bool
	payload []byte
}

// stReadRawFrame reads one frame (payloads up to 64 KiB).
func stReadRawFrame(br *bufio.Reader) (stRawFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return stRawFrame{}, err
	}
	f := stRawFrame{first: h[0], masked: h[1]&0x80 != 0}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return f, err
		}
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		return f, errors.New("frame too long for the test")
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return f, err
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(br, f.payload); err != nil {
		return f, err
	}
	for i := range f.payload {
		f.payload[i] ^= key[i%4]
	}
	return f, nil
}

// stReadRawClose reads frames until a Close frame and returns its code, 0
// for none (the connection ended first).
func stReadRawClose(br *bufio.Reader) int {
	for i := 0; i < 100; i++ {
		f, err := stReadRawFrame(br)
		if err != nil {
			return 0
		}
		if f.first&0x0f == 0x8 {
			if len(f.payload) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(f.payload))
		}
	}
	return 0
}

// TestStreamNativeServerDrop: a server that sends a message and drops TCP
// without a Close frame. The client reads the message, then a
// *WebSocketError (1006) wrapping the engine's io.EOF error, again on the
// next Read; Closed rejects with the same error, and Write returns it.
func TestStreamNativeServerDrop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.WriteMessage(native.MessageText, []byte("last"))
		c.CloseNow()
	}))
	defer srv.Close()
	s, conn := stDial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	ctx := stCtx(t)
	m, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "last", m)
	_, err = conn.Readable.Read(ctx)
	we := stRequireWSError(t, err)
	// An unclean end must not match io.EOF, Read's clean end.
	assert.NotErrorIs(t, err, io.EOF)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = conn.Readable.Read(ctx)
	assert.Same(t, we, stRequireWSError(t, err))
	_, err = s.Closed(ctx)
	assert.Same(t, we, stRequireWSError(t, err))
	err = conn.Writable.Write(ctx, "too late")
	stRequireWSError(t, err)
}

// TestStreamNativeProtocolViolationFromServer: a frame with RSV2 set (nothing
// negotiated it) fails the client stream: Read and Closed report a
// *WebSocketError wrapping the engine's *ProtocolError, and the client
// sends Close 1002 before dropping TCP.
func TestStreamNativeProtocolViolationFromServer(t *testing.T) {
	closeCode := make(chan int, 1)
	u := stRawServer(t, func(nc net.Conn, br *bufio.Reader) {
		nc.Write([]byte{0x80 | 0x20 | 0x1, 2, 'h', 'i'}) // FIN, RSV2, text "hi"
		closeCode <- stReadRawClose(br)
	})
	s, conn := stDial(t, u, nil)
	ctx := stCtx(t)
	_, err := conn.Readable.Read(ctx)
	stRequireWSError(t, err)
	var pe *native.ProtocolError
	require.True(t, errors.As(err, &pe), "want a *native.ProtocolError inside: %v", err)
	assert.Equal(t, native.StatusCode(1002), pe.Code)
	assert.ErrorIs(t, err, native.ErrReservedBits)
	_, cerr := s.Closed(ctx)
	assert.ErrorIs(t, cerr, native.ErrReservedBits)
	assert.Equal(t, 1002, receive(t, closeCode), "the client's Close frame")
}

// TestStreamNativeProtocolViolationFromClient: an unmasked frame from a client
// fails the UpgradeStream stream: Read and Closed report a
// *WebSocketError wrapping ErrUnmaskedFrame, and the server sends Close
// 1002.
func TestStreamNativeProtocolViolationFromClient(t *testing.T) {
	u, streams := stServer(t, nil, nil)
	nc, br := stRawClient(t, u)
	ss := receive(t, streams)
	_, err := nc.Write([]byte{0x81, 2, 'h', 'i'}) // FIN, text "hi", no mask
	require.NoError(t, err)
	ctx := stCtx(t)
	sc, err := ss.Opened(ctx)
	require.NoError(t, err)
	_, err = sc.Readable.Read(ctx)
	stRequireWSError(t, err)
	assert.ErrorIs(t, err, native.ErrUnmaskedFrame)
	_, cerr := ss.Closed(ctx)
	assert.ErrorIs(t, cerr, native.ErrUnmaskedFrame)
	assert.Equal(t, 1002, stReadRawClose(br), "the server's Close frame")
}

// TestStreamNativeTooBig: a message over MaxMessageSize fails the receiving
// stream with a *WebSocketError wrapping ErrMessageTooBig, and the peer
// sees 1009.
func TestStreamNativeTooBig(t *testing.T) {
	cs, cc, ss, sc := stPair(t, &websocket.StreamOptions{MaxMessageSize: 1000}, nil)
	ctx := stCtx(t)
	require.NoError(t, cc.Writable.Write(ctx, make([]byte, 1001)))
	_, err := sc.Readable.Read(ctx)
	stRequireWSError(t, err)
	assert.ErrorIs(t, err, native.ErrMessageTooBig)
	_, err = ss.Closed(ctx)
	assert.ErrorIs(t, err, native.ErrMessageTooBig)
	info, err := cs.Closed(ctx)
	if err == nil {
		assert.Equal(t, 1009, info.CloseCode)
	} else {
		stRequireWSError(t, err)
	}
}

// TestStreamNativeReadContext: a Read whose context ends while it waits returns
// the context's error and consumes nothing: the message that arrives next
// is returned by the next Read. Repeated with very short contexts while
// messages arrive, no message is lost or reordered.
func TestStreamNativeReadContext(t *testing.T) {
	_, cc, _, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err := cc.Readable.Read(short)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, sc.Writable.Write(ctx, "late"))
	m, err := cc.Readable.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "late", m)

	const n = 200
	go func() {
		for i := 0; i < n; i++ {
			if sc.Writable.Write(ctx, fmt.Sprint(i)) != nil {
				return
			}
			if i%16 == 0 {
				runtime.Gosched()
			}
		}
	}()
	next, timeouts := 0, 0
	for attempts := 0; next < n && attempts < 1_000_000 && ctx.Err() == nil; attempts++ {
		short, cancel := context.WithTimeout(ctx, time.Duration(attempts%50)*time.Microsecond)
		m, err := cc.Readable.Read(short)
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
			timeouts++
			continue
		}
		require.Equal(t, fmt.Sprint(next), m)
		next++
	}
	require.Equal(t, n, next, "every message was read, in order")
	t.Logf("%d reads timed out", timeouts)
}

// TestStreamNativeWriteAfterClose: after Close, Write fails with an error
// wrapping net.ErrClosed, before and after the closing handshake ended;
// Read returns io.EOF after it, repeatedly.
func TestStreamNativeWriteAfterClose(t *testing.T) {
	cs, cc, _, _ := stPair(t, nil, nil)
	ctx := stCtx(t)
	require.NoError(t, cs.Close(websocket.CloseInfo{CloseCode: 1000}))
	require.ErrorIs(t, cc.Writable.Write(ctx, "x"), net.ErrClosed)
	_, err := cs.Closed(ctx)
	require.NoError(t, err)
	require.ErrorIs(t, cc.Writable.Write(ctx, "x"), net.ErrClosed)
	require.ErrorIs(t, cc.Writable.Write(ctx, []byte("x")), net.ErrClosed)
	for i := 0; i < 3; i++ {
		_, err := cc.Readable.Read(ctx)
		require.Equal(t, io.EOF, err)
	}
}

// TestStreamNativeReadAfterCloseDeliversPending: messages received before the
// close are still read after it, in order, then io.EOF.
func TestStreamNativeReadAfterCloseDeliversPending(t *testing.T) {
	cs, cc, _, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	for i := 0; i < 3; i++ {
		require.NoError(t, sc.Writable.Write(ctx, fmt.Sprint("m", i)))
	}
	require.NoError(t, cs.Close(websocket.CloseInfo{CloseCode: 3001}))
	for i := 0; i < 3; i++ {
		m, err := cc.Readable.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint("m", i), m)
	}
	_, err := cc.Readable.Read(ctx)
	require.Equal(t, io.EOF, err)
	info, err := cs.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3001, info.CloseCode)
}

// TestStreamNativeBackpressureWrite: against a peer that never reads, Writes of
// 1 MiB stop returning once the socket buffers are full: the Write loop
// gets stuck (its context ends) after far fewer than 64 messages, instead
// of buffering them. The stuck Write drops the connection.
func TestStreamNativeBackpressureWrite(t *testing.T) {
	peers := make(chan *native.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		peers <- c // never read
	}))
	defer srv.Close()
	s, conn := stDial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	defer receive(t, peers).CloseNow()
	msg := make([]byte, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	written := 0
	var err error
	for written < 64 {
		if err = conn.Writable.Write(ctx, msg); err != nil {
			break
		}
		written++
	}
	t.Logf("%d MiB written before the Write blocked", written)
	require.Error(t, err, "64 MiB were written to a peer that reads nothing")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, written, 64)
	_, cerr := s.Closed(stCtx(t))
	stRequireWSError(t, cerr)
}

// TestStreamNativeBackpressureRead: while the program does not Read, the stream
// stops reading the socket, so an engine peer flooding 64 KiB messages
// blocks: within 1.5 s it gets far fewer than 512 of them (32 MiB) out,
// and the heap does not grow by what it would have sent. Reading again
// then delivers every message intact and in order, and the peer finishes.
func TestStreamNativeBackpressureRead(t *testing.T) {
	const total, size = 512, 64 << 10
	var sent atomic.Int64
	flooded := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			flooded <- err
			return
		}
		go func() {
			defer c.CloseNow()
			msg := make([]byte, size)
			for i := 0; i < total; i++ {
				binary.BigEndian.PutUint32(msg, uint32(i))
				for j := 4; j < size; j += 997 {
					msg[j] = byte(i)
				}
				if err := c.WriteMessage(native.MessageBinary, msg); err != nil {
					flooded <- err
					return
				}
				sent.Add(1)
			}
			// Wait for the client's Close.
			_, _, err := c.ReadMessage(nil)
			var ce *native.CloseError
			if !errors.As(err, &ce) {
				flooded <- fmt.Errorf("no clean close: %w", err)
				return
			}
			flooded <- nil
		}()
	}))
	defer srv.Close()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := sampleHeap()
	s, conn := stDial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	check := func(i int, m any) {
		t.Helper()
		b, ok := m.([]byte)
		require.True(t, ok, "message %d is a %T", i, m)
		require.Len(t, b, size, "message %d", i)
		require.Equal(t, uint32(i), binary.BigEndian.Uint32(b), "message order")
		for j := 4; j < size; j += 997 {
			if b[j] != byte(i) {
				t.Fatalf("message %d byte %d is %d", i, j, b[j])
			}
		}
	}
	m, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	check(0, m)
	// Stop reading for a while.
	time.Sleep(1500 * time.Millisecond)
	n := sent.Load()
	grown := int64(peak.end()) - int64(base)
	t.Logf("the peer got %d messages (%d MiB) out while the stream was not read; heap peak +%d MiB", n, n*size>>20, grown>>20)
	select {
	case err := <-flooded:
		t.Fatalf("the peer's flood ended while nobody read: %v", err)
	default:
	}
	require.Less(t, n, int64(total), "the peer was not held back")
	assert.Less(t, grown, int64(total*size), "the heap grew by what the peer would have sent")

	for i := 1; i < total; i++ {
		m, err := conn.Readable.Read(ctx)
		require.NoError(t, err, "message %d", i)
		check(i, m)
	}
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000}))
	_, err = conn.Readable.Read(ctx)
	require.Equal(t, io.EOF, err)
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1000, info.CloseCode)
	select {
	case err := <-flooded:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the peer did not finish")
	}
}
