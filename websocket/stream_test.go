package websocket_test

// WebSocketStream (DESIGN "WebSocketStream"), in both builds: natively on
// the engine, in the browser over the browser's WebSocket. Each test checks
// the promises (Opened, Closed), the halves (Read, Write) or NetConn against
// a scenario route, and the wire where it tells something.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// waitCtx returns a context bounded by waitTimeout, cancelled when the test
// ends.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newStream starts a stream to u, failing the test on a constructor error.
// When the test ends the stream is closed and waited for, so that none
// outlives its test.
func newStream(t *testing.T, ctx context.Context, u string, o *websocket.StreamOptions) *websocket.WebSocketStream {
	t.Helper()
	s, err := websocket.NewStream(ctx, u, o)
	require.NoError(t, err)
	require.NotNil(t, s)
	t.Cleanup(func() {
		s.Close(websocket.CloseInfo{})
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if _, err := s.Closed(ctx); errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stream %s did not close: %v", s.URL(), err)
		}
	})
	return s
}

// openStream starts a stream to u and waits for it to open.
func openStream(t *testing.T, u string, o *websocket.StreamOptions) (*websocket.WebSocketStream, *websocket.StreamConnection) {
	t.Helper()
	s := newStream(t, context.Background(), u, o)
	conn, err := s.Opened(waitCtx(t))
	require.NoError(t, err)
	require.NotNil(t, conn)
	require.NotNil(t, conn.Readable)
	require.NotNil(t, conn.Writable)
	return s, conn
}

// requireStreamError checks that err is a *WebSocketError with the close
// code want (1006 for an unclean end; 0, JavaScript's null, in Opened's
// error), and not io.EOF, which means a clean end.
func requireStreamError(t *testing.T, err error, want int, msgAndArgs ...any) {
	t.Helper()
	var we *websocket.WebSocketError
	require.ErrorAs(t, err, &we, msgAndArgs...)
	assert.Equal(t, want, we.CloseCode, msgAndArgs...)
	assert.NotEmpty(t, we.Error())
	assert.NotErrorIs(t, err, io.EOF, msgAndArgs...)
}

// serverFrame returns, in hex, an unmasked final frame with opcode op and a
// payload under 126 bytes, as a server sends it.
func serverFrame(op byte, payload []byte) string {
	return hex.EncodeToString(append([]byte{0x80 | op, byte(len(payload))}, payload...))
}

// closePayload is the body of a Close frame.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// TestStreamEcho: text is read back as a string and binary as a []byte,
// small and 64 KiB, in order; nothing else arrives; the wire has them all.
func TestStreamEcho(t *testing.T) {
	u, id := route(t, "/echo")
	s, conn := openStream(t, u, nil)
	ctx := waitCtx(t)
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	bigText := strings.Repeat("0123456789abcdef", 4<<10)
	sent := []any{"hello", []byte{1, 2, 3}, "", []byte{}, big, bigText, "héllo €"}
	check := func(i int, want, got any) {
		t.Helper()
		switch w := want.(type) {
		case string:
			require.IsType(t, "", got, "message %d", i)
			assert.Equal(t, w, got, "message %d", i)
		case []byte:
			require.IsType(t, []byte(nil), got, "message %d", i)
			assert.True(t, bytes.Equal(w, got.([]byte)), "message %d: %d bytes back for %d", i, len(got.([]byte)), len(w))
		}
	}
	// One at a time: a 64 KiB echo must not wait on the next Write.
	for i, m := range sent {
		require.NoError(t, conn.Writable.Write(ctx, m), "message %d", i)
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err, "message %d", i)
		check(i, m, got)
	}
	// Small ones queued, read back in order.
	queued := []any{"q1", []byte("q2"), "q3"}
	for _, m := range queued {
		require.NoError(t, conn.Writable.Write(ctx, m))
	}
	for i, m := range queued {
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err, "queued %d", i)
		check(i, m, got)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := conn.Readable.Read(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "no extra message")

	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000}))
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 1000}, info)
	assert.Equal(t, []string{`text "hello"`, "binary 3", `text ""`, "binary 0", "binary 65536",
		"text 65536", `text "héllo €"`, `text "q1"`, "binary 2", `text "q3"`, `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestStreamWriteTypes: a type whose underlying type is string is text, a
// named []byte and an ArrayBuffer are binary; an unsupported type is an
// error and sends nothing.
func TestStreamWriteTypes(t *testing.T) {
	type myString string
	type myBytes []byte
	u, _ := route(t, "/echo")
	_, conn := openStream(t, u, nil)
	ctx := waitCtx(t)
	assert.Error(t, conn.Writable.Write(ctx, 42))
	assert.Error(t, conn.Writable.Write(ctx, nil))
	require.NoError(t, conn.Writable.Write(ctx, myString("named")))
	require.NoError(t, conn.Writable.Write(ctx, myBytes{4, 5}))
	require.NoError(t, conn.Writable.Write(ctx, websocket.ArrayBuffer{6}))
	for _, want := range []any{"named", []byte{4, 5}, []byte{6}} {
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

// TestStreamProtocol: the subprotocol the server selected, or "" when none
// was offered; no extension with a server that negotiates none.
func TestStreamProtocol(t *testing.T) {
	u, id := route(t, "/echo")
	_, conn := openStream(t, u, &websocket.StreamOptions{Protocols: []string{"chat", "echo"}})
	assert.Equal(t, "echo", conn.Protocol)
	assert.Equal(t, "", conn.Extensions)
	assert.Equal(t, "chat, echo", fetchLog(t, id, 0).Header.Get("Sec-WebSocket-Protocol"))

	u, _ = route(t, "/echo")
	_, conn = openStream(t, u, nil)
	assert.Equal(t, "", conn.Protocol)
}

// TestStreamURL: URL is the URL as given when it is already serialized,
// http maps to ws, and a bad URL or protocol list is ErrSyntax.
func TestStreamURL(t *testing.T) {
	u, _ := route(t, "/echo")
	s := newStream(t, context.Background(), u, nil)
	assert.Equal(t, u, s.URL())

	s = newStream(t, context.Background(), "http://"+scenarioHost()+"/echo?id="+newID(t), nil)
	assert.True(t, strings.HasPrefix(s.URL(), "ws://"+scenarioHost()+"/echo?id="), s.URL())

	_, err := websocket.NewStream(context.Background(), u+"#frag", nil)
	assert.ErrorIs(t, err, websocket.ErrSyntax)
	_, err = websocket.NewStream(context.Background(), "ftp://"+scenarioHost()+"/", nil)
	assert.ErrorIs(t, err, websocket.ErrSyntax)
	_, err = websocket.NewStream(context.Background(), u, &websocket.StreamOptions{Protocols: []string{"a", "a"}})
	assert.ErrorIs(t, err, websocket.ErrSyntax)
}

// TestStreamClientClose: Close's code and reason go on the wire, /echo
// answers with the same, and Closed reports them; no code means an empty
// Close frame (1005), a reason alone means 1000. A second Close does
// nothing.
func TestStreamClientClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		info websocket.CloseInfo
		want websocket.CloseInfo
		wire string
	}{
		{"code and reason", websocket.CloseInfo{CloseCode: 3456, Reason: "pizza"}, websocket.CloseInfo{CloseCode: 3456, Reason: "pizza"}, `close 3456 "pizza"`},
		{"none", websocket.CloseInfo{}, websocket.CloseInfo{CloseCode: 1005}, "close empty"},
		{"reason only", websocket.CloseInfo{Reason: "x"}, websocket.CloseInfo{CloseCode: 1000, Reason: "x"}, `close 1000 "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, id := route(t, "/echo")
			s, conn := openStream(t, u, nil)
			ctx := waitCtx(t)
			require.NoError(t, s.Close(tc.info))
			assert.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 4999, Reason: "again"}), "a second Close does nothing")
			info, err := s.Closed(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.want, info)
			_, err = conn.Readable.Read(ctx)
			assert.Equal(t, io.EOF, err)
			assert.Equal(t, []string{tc.wire}, wireLog(t, id).Wire(), "exactly one Close frame")
		})
	}
}

// TestStreamCloseValidation: bad codes are ErrInvalidAccess and reasons
// over 123 UTF-8 bytes ErrSyntax, the code checked first, before open and
// once open; a rejected Close leaves the stream open.
func TestStreamCloseValidation(t *testing.T) {
	check := func(t *testing.T, s *websocket.WebSocketStream) {
		t.Helper()
		for _, code := range []int{-1, 1, 999, 1001, 1005, 1006, 2999, 5000} {
			assert.ErrorIs(t, s.Close(websocket.CloseInfo{CloseCode: code}), websocket.ErrInvalidAccess, "code %d", code)
		}
		assert.ErrorIs(t, s.Close(websocket.CloseInfo{CloseCode: 1000, Reason: strings.Repeat("x", 124)}), websocket.ErrSyntax)
		assert.ErrorIs(t, s.Close(websocket.CloseInfo{Reason: strings.Repeat("é", 62)}), websocket.ErrSyntax, "124 UTF-8 bytes")
		assert.ErrorIs(t, s.Close(websocket.CloseInfo{CloseCode: 999, Reason: strings.Repeat("x", 124)}), websocket.ErrInvalidAccess, "the code is checked first")
	}

	t.Run("connecting", func(t *testing.T) {
		u, _ := route(t, "/delay", "ms=200")
		s := newStream(t, context.Background(), u, nil)
		check(t, s)
		_, err := s.Opened(waitCtx(t))
		require.NoError(t, err, "a rejected Close does not abandon the handshake")
	})

	t.Run("open", func(t *testing.T) {
		u, id := route(t, "/echo")
		s, conn := openStream(t, u, nil)
		ctx := waitCtx(t)
		check(t, s)
		require.NoError(t, conn.Writable.Write(ctx, "still open"))
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, "still open", got)
		long := strings.Repeat("€", 41)
		require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 4999, Reason: long}), "123 UTF-8 bytes")
		info, err := s.Closed(ctx)
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseInfo{CloseCode: 4999, Reason: long}, info)
		assert.Equal(t, []string{`text "still open"`, `close 4999 "` + long + `"`}, wireLog(t, id).Wire())
	})
}

// TestStreamServerClose: the server's Close ends reading cleanly: Read
// returns the messages sent before it, then io.EOF (again and again), and
// Closed reports the server's code and reason (1005 for an empty Close);
// the client answers with the same Close.
func TestStreamServerClose(t *testing.T) {
	t.Run("code and reason", func(t *testing.T) {
		u, id := route(t, "/close", "code=4321", "reason=bye")
		s, conn := openStream(t, u, nil)
		ctx := waitCtx(t)
		_, err := conn.Readable.Read(ctx)
		assert.Equal(t, io.EOF, err)
		info, err := s.Closed(ctx)
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseInfo{CloseCode: 4321, Reason: "bye"}, info)
		assert.Equal(t, []string{`close 4321 "bye"`}, wireLog(t, id).Wire())
	})

	t.Run("empty", func(t *testing.T) {
		u, _ := route(t, "/close")
		s, _ := openStream(t, u, nil)
		info, err := s.Closed(waitCtx(t))
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseInfo{CloseCode: 1005}, info)
	})

	t.Run("after messages", func(t *testing.T) {
		frames := serverFrame(1, []byte("hi")) + "," + serverFrame(2, []byte{1, 2, 3}) + "," +
			serverFrame(8, closePayload(4000, "done"))
		u, _ := route(t, "/raw", "frames="+frames, "gap=0", "linger=0")
		s, conn := openStream(t, u, nil)
		ctx := waitCtx(t)
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, "hi", got)
		got, err = conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, []byte{1, 2, 3}, got)
		info, err := s.Closed(ctx)
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseInfo{CloseCode: 4000, Reason: "done"}, info)
		for range 2 {
			_, err = conn.Readable.Read(ctx)
			assert.Equal(t, io.EOF, err)
		}
		assert.ErrorIs(t, conn.Writable.Write(ctx, "late"), net.ErrClosed)
	})

	t.Run("Goodbye", func(t *testing.T) {
		u, _ := route(t, "/echo")
		s, conn := openStream(t, u, nil)
		ctx := waitCtx(t)
		require.NoError(t, conn.Writable.Write(ctx, "a"))
		require.NoError(t, conn.Writable.Write(ctx, "Goodbye"))
		for _, want := range []string{"a", "Goodbye"} {
			got, err := conn.Readable.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}
		_, err := conn.Readable.Read(ctx)
		assert.Equal(t, io.EOF, err)
		info, err := s.Closed(ctx)
		require.NoError(t, err)
		assert.Equal(t, websocket.CloseInfo{CloseCode: 1000}, info)
	})
}

// TestStreamDrop: a TCP drop without a Close frame after open makes Read,
// Closed and Write report a *WebSocketError with code 1006.
func TestStreamDrop(t *testing.T) {
	u, _ := route(t, "/drop")
	s, conn := openStream(t, u, nil)
	ctx := waitCtx(t)
	_, err := conn.Readable.Read(ctx)
	requireStreamError(t, err, 1006, "Read")
	_, err = s.Closed(ctx)
	requireStreamError(t, err, 1006, "Closed")
	_, err = conn.Readable.Read(ctx)
	requireStreamError(t, err, 1006, "Read again")
	err = conn.Writable.Write(ctx, "x")
	requireStreamError(t, err, 1006, "Write")
	assert.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000}), "Close after the end does nothing")
}

// TestStreamHandshakeFailure: a failed opening handshake rejects Closed
// with a *WebSocketError 1006, and Opened and NetConn with one without a
// close code (0, as Chromium's null).
func TestStreamHandshakeFailure(t *testing.T) {
	for _, tc := range []struct{ name, path, params string }{
		{"404", "/no-such-route", ""},
		{"HTTP 404", "/hs", "status=404"},
		{"bad accept", "/hs", "accept=thisisawrongacceptkey"},
		{"protocol not offered", "/hs", "protocol=foobar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var params []string
			if tc.params != "" {
				params = append(params, tc.params)
			}
			u, _ := route(t, tc.path, params...)
			s := newStream(t, context.Background(), u, nil)
			ctx := waitCtx(t)
			conn, err := s.Opened(ctx)
			assert.Nil(t, conn)
			requireStreamError(t, err, 0, "Opened")
			_, err = s.Closed(ctx)
			requireStreamError(t, err, 1006, "Closed")
			nc, err := s.NetConn(ctx)
			assert.Nil(t, nc)
			requireStreamError(t, err, 0, "NetConn")
		})
	}
}

// TestStreamAbort: the NewStream context ending before open abandons the
// handshake: Opened and Closed report an error wrapping its cause. Already
// ended, no connection is even attempted (and URL is "", as in Chromium).
func TestStreamAbort(t *testing.T) {
	t.Run("during the handshake", func(t *testing.T) {
		u, _ := route(t, "/delay", "ms=2000")
		actx, abort := context.WithCancel(context.Background())
		s := newStream(t, actx, u, nil)
		time.Sleep(50 * time.Millisecond)
		abort()
		ctx := waitCtx(t)
		start := time.Now()
		conn, err := s.Opened(ctx)
		assert.Nil(t, conn)
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), time.Second, "the handshake was not abandoned")
		_, err = s.Closed(ctx)
		assert.ErrorIs(t, err, context.Canceled)
	})

	t.Run("with a cause", func(t *testing.T) {
		u, _ := route(t, "/delay", "ms=2000")
		cause := errors.New("user gave up")
		actx, abort := context.WithCancelCause(context.Background())
		s := newStream(t, actx, u, nil)
		abort(cause)
		_, err := s.Opened(waitCtx(t))
		assert.ErrorIs(t, err, cause)
	})

	t.Run("before", func(t *testing.T) {
		u, id := route(t, "/echo")
		actx, abort := context.WithCancel(context.Background())
		abort()
		s := newStream(t, actx, u, nil)
		assert.Equal(t, "", s.URL(), "as Chromium's url for an already-aborted signal")
		ctx := waitCtx(t)
		_, err := s.Opened(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.Closed(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		requireNoConnection(t, id)
	})

	t.Run("after open", func(t *testing.T) {
		u, _ := route(t, "/echo")
		actx, abort := context.WithCancel(context.Background())
		s := newStream(t, actx, u, nil)
		ctx := waitCtx(t)
		conn, err := s.Opened(ctx)
		require.NoError(t, err)
		abort()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, conn.Writable.Write(ctx, "still open"), "the context bounds the handshake only")
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, "still open", got)
	})
}

// TestStreamCloseBeforeOpen: Close during the handshake abandons it:
// Closed reports a *WebSocketError 1006 and Opened one without a close
// code; no frame is sent.
func TestStreamCloseBeforeOpen(t *testing.T) {
	u, id := route(t, "/delay", "ms=300")
	s := newStream(t, context.Background(), u, nil)
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000, Reason: "never mind"}))
	ctx := waitCtx(t)
	conn, err := s.Opened(ctx)
	assert.Nil(t, conn)
	requireStreamError(t, err, 0, "Opened")
	_, err = s.Closed(ctx)
	requireStreamError(t, err, 1006, "Closed")
	assert.Empty(t, fetchLog(t, id, time.Second).Wire(), "no frame (the request may not even have been sent)")
}

// TestStreamWriteAfterClose: once Close was called, Write fails with
// ErrInvalidState, also matching net.ErrClosed, before and after Closed
// settled, and sends nothing.
func TestStreamWriteAfterClose(t *testing.T) {
	u, id := route(t, "/echo")
	s, conn := openStream(t, u, nil)
	ctx := waitCtx(t)
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 1000}))
	err := conn.Writable.Write(ctx, "after Close")
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, err, websocket.ErrInvalidState)
	_, err = s.Closed(ctx)
	require.NoError(t, err)
	err = conn.Writable.Write(ctx, []byte("after Closed"))
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, err, websocket.ErrInvalidState)
	assert.Equal(t, []string{`close 1000 ""`}, wireLog(t, id).Wire())
}

// TestStreamReadContext: a Read whose context ends returns the context's
// error, and the message arriving later is there for the next Read.
// Opened and Closed give up on their own context the same way.
func TestStreamReadContext(t *testing.T) {
	u, _ := route(t, "/delay", "ms=100")
	s := newStream(t, context.Background(), u, nil)
	ctx := waitCtx(t)

	early, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Opened(early)
	assert.ErrorIs(t, err, context.Canceled, "Opened's own context")
	conn, err := s.Opened(ctx)
	require.NoError(t, err, "the stream carries on")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = conn.Readable.Read(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = conn.Readable.Read(cancelled)
	assert.ErrorIs(t, err, context.Canceled)

	require.NoError(t, conn.Writable.Write(ctx, "later"))
	got, err := conn.Readable.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "later", got)

	_, err = s.Closed(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "Closed's own context")
}

// TestStreamNetConn: NetConn's byte stream is the binary messages: three
// written, read back with io.ReadFull across their boundaries; Close sends
// 1000, after which Read and Write fail with net.ErrClosed.
func TestStreamNetConn(t *testing.T) {
	u, id := route(t, "/echo")
	s, _ := openStream(t, u, nil)
	ctx := waitCtx(t)
	nc, err := s.NetConn(ctx)
	require.NoError(t, err)
	require.NoError(t, nc.SetDeadline(time.Now().Add(waitTimeout)), "no hang")
	require.NotNil(t, nc.LocalAddr())
	require.NotNil(t, nc.RemoteAddr())

	msgs := [][]byte{[]byte("hello"), []byte(", wonderful"), []byte(" world!")}
	var all []byte
	for _, m := range msgs {
		n, err := nc.Write(m)
		require.NoError(t, err)
		assert.Equal(t, len(m), n)
		all = append(all, m...)
	}
	var got []byte
	for _, n := range []int{3, 10, len(all) - 13} { // within, across, to the end
		buf := make([]byte, n)
		_, err := io.ReadFull(nc, buf)
		require.NoError(t, err)
		got = append(got, buf...)
	}
	assert.Equal(t, string(all), string(got))

	require.NoError(t, nc.Close())
	assert.ErrorIs(t, nc.Close(), net.ErrClosed)
	_, err = nc.Read(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = nc.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 1000}, info)
	assert.Equal(t, []string{"binary 5", "binary 11", "binary 7", `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestStreamNetConnEOF: after the peer's clean Close, NetConn's Read
// returns io.EOF.
func TestStreamNetConnEOF(t *testing.T) {
	u, _ := route(t, "/close", "code=1000")
	s, _ := openStream(t, u, nil)
	nc, err := s.NetConn(waitCtx(t))
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(waitTimeout)), "no hang")
	_, err = nc.Read(make([]byte, 8))
	assert.Equal(t, io.EOF, err)
}

// TestStreamNetConnDeadline: a read deadline in the past, or one passing
// while Read waits, makes Read fail with a net.Error whose Timeout is true;
// moved to the future, Read works again and gets the data.
func TestStreamNetConnDeadline(t *testing.T) {
	u, _ := route(t, "/echo")
	s, _ := openStream(t, u, nil)
	nc, err := s.NetConn(waitCtx(t))
	require.NoError(t, err)
	defer nc.Close()
	buf := make([]byte, 8)

	requireTimeout := func(err error) {
		t.Helper()
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout(), "%v", err)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	}
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(-time.Second)))
	_, err = nc.Read(buf)
	requireTimeout(err)

	require.NoError(t, nc.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	start := time.Now()
	_, err = nc.Read(buf)
	requireTimeout(err)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	require.NoError(t, nc.SetReadDeadline(time.Now().Add(waitTimeout)))
	_, err = nc.Write([]byte("data"))
	require.NoError(t, err)
	n, err := nc.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "data", string(buf[:n]))
}

// TestStreamCloseWithUnreadMessages: Close with a message received but not
// read: the closing handshake still completes (Closed settles with the
// peer's answer), and the message can still be read, then io.EOF.
func TestStreamCloseWithUnreadMessages(t *testing.T) {
	u, _ := route(t, "/echo")
	s, conn := openStream(t, u, nil)
	ctx := waitCtx(t)
	for _, m := range []string{"a", "b"} {
		require.NoError(t, conn.Writable.Write(ctx, m))
	}
	time.Sleep(100 * time.Millisecond) // the echoes arrive
	require.NoError(t, s.Close(websocket.CloseInfo{CloseCode: 4000}))
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	info, err := s.Closed(short)
	require.NoError(t, err, "the closing handshake waits for the program to read")
	assert.Equal(t, websocket.CloseInfo{CloseCode: 4000}, info)
	for _, want := range []string{"a", "b"} {
		got, err := conn.Readable.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err = conn.Readable.Read(ctx)
	assert.Equal(t, io.EOF, err)
}

// TestStreamNetConnText: a text message on NetConn's byte stream fails
// Read (not with io.EOF nor a timeout) and closes the connection.
func TestStreamNetConnText(t *testing.T) {
	u, _ := route(t, "/protocol-first") // sends the selected protocol as text
	s, _ := openStream(t, u, &websocket.StreamOptions{Protocols: []string{"p"}})
	ctx := waitCtx(t)
	nc, err := s.NetConn(ctx)
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(waitTimeout)), "no hang")
	_, err = nc.Read(make([]byte, 8))
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
	assert.NotErrorIs(t, err, os.ErrDeadlineExceeded)
	// 1003 natively; the browser's WebSocket can only send 1000.
	info, err := s.Closed(ctx)
	require.NoError(t, err)
	assert.Contains(t, []int{1000, 1003}, info.CloseCode)
}
