package websocket_test

// Close and the close event (websocket-api-rules §1.8, §1.10, scenarios
// A-L of §1.11; DESIGN "Close", "Close event", "Protocol violations"),
// checked on the events and on the wire.

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// closeArgErrors checks Close's argument validation on ws, whatever its
// state: bad codes are ErrInvalidAccess, reasons over 123 UTF-8 bytes are
// ErrSyntax, and the code is checked first.
func closeArgErrors(t *testing.T, ws *websocket.WebSocket) {
	t.Helper()
	for _, code := range []int{-1, 1, 999, 1001, 1002, 1005, 1006, 1011, 1015, 2999, 5000, 65535, 65536 + 1000} {
		assert.ErrorIs(t, ws.Close(code, ""), websocket.ErrInvalidAccess, "code %d", code)
		assert.ErrorIs(t, ws.Close(code, "r"), websocket.ErrInvalidAccess, "code %d", code)
	}
	assert.ErrorIs(t, ws.Close(1000, strings.Repeat("x", 124)), websocket.ErrSyntax)
	assert.ErrorIs(t, ws.Close(1000, strings.Repeat("é", 62)), websocket.ErrSyntax, "124 UTF-8 bytes")
	assert.ErrorIs(t, ws.Close(0, strings.Repeat("x", 124)), websocket.ErrSyntax)
	assert.ErrorIs(t, ws.Close(999, strings.Repeat("x", 124)), websocket.ErrInvalidAccess, "the code is checked first")
}

// TestCloseValidationWhenClosed: validation comes before the state check, so
// bad arguments fail even on a CLOSED socket; good ones do nothing.
func TestCloseValidationWhenClosed(t *testing.T) {
	r := newRecorder(t)
	ws := r.dial("ws://127.0.0.1:1/", nil)
	r.wait()
	require.Equal(t, websocket.CLOSED, ws.ReadyState())
	closeArgErrors(t, ws)
	for _, code := range []int{0, 1000, 3000, 4999} {
		assert.NoError(t, ws.Close(code, ""), "code %d", code)
	}
	assert.NoError(t, ws.Close(1000, strings.Repeat("€", 41)), "123 UTF-8 bytes")
	assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.snapshot(), "no second close event")
}

// TestCloseValidationWhenConnecting: a rejected Close has no side effect:
// the socket stays CONNECTING and then opens.
func TestCloseValidationWhenConnecting(t *testing.T) {
	u, _ := route(t, "/delay", "ms=200")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
	ws := r.dial(u, nil)
	closeArgErrors(t, ws)
	assert.Equal(t, websocket.CONNECTING, ws.ReadyState())
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r.wait())
}

// TestCloseValidationWhenOpen: rejected arguments leave the socket OPEN; the
// longest reason (41 × "€", 123 bytes) goes on the wire whole.
func TestCloseValidationWhenOpen(t *testing.T) {
	u, id := route(t, "/echo")
	long := strings.Repeat("€", 41)
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		closeArgErrors(t, ws)
		r.log("rs=%d", ws.ReadyState())
		assert.NoError(t, ws.Close(3000, long))
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "rs=1", fmt.Sprintf("close rs=3 3000 %q true", long)}, r.wait())
	assert.Equal(t, []string{fmt.Sprintf("close 3000 %q", long)}, wireLog(t, id).Wire())
}

// clientClose opens /echo, runs Close(code, reason) in the open handler, and
// checks the events, the state right after Close returned, and the wire.
func clientClose(t *testing.T, code int, reason string, wantEvent, wantWire string) {
	t.Helper()
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.NoError(t, ws.Close(code, reason))
		r.log("closed rs=%d", ws.ReadyState())
		assert.NoError(t, ws.Close(4999, "again"), "a second Close does nothing")
	}
	ws := r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "closed rs=2", wantEvent}, r.wait())
	assert.Equal(t, websocket.CLOSED, ws.ReadyState())
	l := wireLog(t, id)
	assert.Equal(t, []string{wantWire}, l.Wire(), "exactly one Close frame")
	assert.False(t, l.ClientDropped, "the server closes TCP first")
}

// TestClientClose is scenario A: Close(4001, "bye") on an echo server.
func TestClientClose(t *testing.T) {
	clientClose(t, 4001, "bye", `close rs=3 4001 "bye" true`, `close 4001 "bye"`)
}

// TestClientCloseNoCode is scenario A': Close with no code sends an empty
// Close frame, and the close event reports 1005.
func TestClientCloseNoCode(t *testing.T) {
	clientClose(t, 0, "", `close rs=3 1005 "" true`, "close empty")
}

// TestClientCloseReasonOnly: a reason without a code is sent with 1000.
func TestClientCloseReasonOnly(t *testing.T) {
	clientClose(t, 0, "r", `close rs=3 1000 "r" true`, `close 1000 "r"`)
}

// TestClientClose1000 and 3000: the other valid codes.
func TestClientClose1000(t *testing.T) {
	clientClose(t, 1000, "", `close rs=3 1000 "" true`, `close 1000 ""`)
	clientClose(t, 3000, "three", `close rs=3 3000 "three" true`, `close 3000 "three"`)
}

// serverClose opens a /close route with params and checks the events, and the
// client's reply on the wire when wantWire is not nil.
func serverClose(t *testing.T, params string, wantEvent string, wantWire []string) {
	t.Helper()
	u, id := route(t, "/close", params)
	r := newRecorder(t)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", wantEvent}, r.wait())
	assert.Empty(t, r.errors())
	if wantWire != nil {
		assert.Equal(t, wantWire, wireLog(t, id).Wire())
	}
}

// TestServerClose is scenario B: the client echoes the server's Close and
// reports its code and reason, cleanly.
func TestServerClose(t *testing.T) {
	serverClose(t, "code=4002&reason=server%20bye", `close rs=3 4002 "server bye" true`, []string{`close 4002 "server bye"`})
}

// TestServerCloseNoBody is scenario B': an empty Close is answered with an
// empty Close and reported as 1005.
func TestServerCloseNoBody(t *testing.T) {
	serverClose(t, "", `close rs=3 1005 "" true`, []string{"close empty"})
}

// TestServerCloseThenDrop is scenario B″ (B with two primes): a Close followed at once by a TCP
// drop is still clean (a Close was received, TCP closed); the reply may be
// lost, so the wire is not checked.
func TestServerCloseThenDrop(t *testing.T) {
	serverClose(t, "code=1000&reason=drop&drop=1", `close rs=3 1000 "drop" true`, nil)
}

// TestServerCloseCodesAccepted: codes a strict RFC client would refuse (999,
// 2999, 5000...) are accepted and reported as Chrome does, and echoed.
func TestServerCloseCodesAccepted(t *testing.T) {
	for _, code := range []int{999, 1001, 1003, 1011, 1016, 2999, 3000, 4999, 5000, 65535} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			serverClose(t, fmt.Sprintf("code=%d&reason=x", code), fmt.Sprintf(`close rs=3 %d "x" true`, code), []string{fmt.Sprintf(`close %d "x"`, code)})
		})
	}
}

// TestSimultaneousClose is scenario C: the client closes while the server's
// Close is already on its way; the peer's code and reason are reported.
// Natively the open handler runs before the client reads any frame, so the
// client's Close always goes first on the wire.
func TestSimultaneousClose(t *testing.T) {
	u, id := route(t, "/close", "code=4002&reason=server")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Close(4001, "client") }
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 4002 "server" true`}, r.wait())
	l := wireLog(t, id)
	if !inBrowser {
		assert.Equal(t, []string{`close 4001 "client"`}, l.Wire(), "no echo of the server's Close after ours")
	} else {
		// Chrome's network process may have echoed the server's Close
		// before the script's close() reached it.
		assert.Len(t, l.Frames, 1)
	}
}

// TestAbruptDrop is scenario D: a TCP drop after open gives only close 1006,
// not clean, and no error event (as Chrome). With ping=1 the server first
// checks that a Ping is answered with the same payload.
func TestAbruptDrop(t *testing.T) {
	for _, tc := range []struct{ params, wire string }{{"", ""}, {"ping=1", `pong "abc"`}} {
		t.Run(tc.params, func(t *testing.T) {
			u, id := route(t, "/drop", tc.params)
			r := newRecorder(t)
			r.dial(u, nil)
			assert.Equal(t, []string{"open rs=1", `close rs=3 1006 "" false`}, r.wait())
			l := wireLog(t, id)
			if tc.wire == "" {
				assert.Empty(t, l.Wire())
			} else {
				assert.Equal(t, []string{tc.wire}, l.Wire())
			}
		})
	}
}

// TestHandshakeFailures is scenario E: every failed handshake gives error
// (readyState already CLOSED) then close 1006 not clean, never open; the
// client then drops the connection.
func TestHandshakeFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		params    string
		protocols []string
	}{
		{"HTTP 200", "status=200", nil},
		{"HTTP 301", "status=301", nil},
		{"HTTP 404", "status=404", nil},
		{"bad accept", "accept=thisisawrongacceptkey", nil},
		{"no accept", "accept=", nil},
		{"unrequested protocol", "protocol=foobar", nil},
		{"protocol not offered", "protocol=foobar", []string{"echo"}},
		{"missing protocol", "protocol=", []string{"echo"}},
		{"protocol of another case", "protocol=ECHO", []string{"echo"}},
		{"unrequested extension", "extensions=permessage-deflate%3B%20foo", nil},
		{"not HTTP", "raw=FOO%20BAR%20BAZ%0D%0A%0D%0A", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, id := route(t, "/hs", tc.params)
			r := newRecorder(t)
			r.dial(u, &websocket.Options{Protocols: tc.protocols})
			assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
			l := wireLog(t, id)
			assert.Equal(t, 1, l.Conns)
			assert.Empty(t, l.Wire(), "no frame after a failed handshake")
			assert.True(t, l.ClientDropped, "the client drops the connection")
		})
	}
	t.Run("no route", func(t *testing.T) {
		r := newRecorder(t)
		r.dial("ws://"+scenarioHost()+"/no-such-route", nil)
		assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
	})
	t.Run("refused port", func(t *testing.T) {
		r := newRecorder(t)
		r.dial("ws://127.0.0.1:1/", nil)
		assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
	})
}

// TestCloseWhileConnecting is scenario F: Close returns at once with CLOSING;
// error and close 1006 follow asynchronously, never open. Close is called
// right after New (the connection may not even be made), and once the
// server holds the request (the client then abandons it with nothing on the
// wire).
func TestCloseWhileConnecting(t *testing.T) {
	for _, waitRequest := range []bool{false, true} {
		t.Run(fmt.Sprintf("request seen %v", waitRequest), func(t *testing.T) {
			u, id := route(t, "/delay", "ms=2000")
			r := newRecorder(t)
			ws := r.dial(u, nil)
			if waitRequest {
				require.Eventually(t, func() bool { return fetchLog(t, id, 0).Conns == 1 }, waitTimeout, 10*time.Millisecond)
			}
			require.NoError(t, ws.Close(1000, "bye"))
			// CLOSING when Close returns; natively the abandoned handshake
			// may already have reached CLOSED on the socket's goroutine.
			require.GreaterOrEqual(t, ws.ReadyState(), websocket.CLOSING)
			me := goid()
			assert.NoError(t, ws.Close(4000, "again"))
			assert.GreaterOrEqual(t, ws.ReadyState(), websocket.CLOSING)
			assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
			require.Len(t, r.errors(), 1)
			assert.ErrorIs(t, r.errors()[0], websocket.ErrClosedWhileConnecting, "the same error in both builds, whatever the timing")
			assert.False(t, r.handlerGoroutines()[me], "events ran on the goroutine that called Close")
			if waitRequest {
				l := wireLog(t, id)
				assert.Equal(t, 1, l.Conns)
				assert.Empty(t, l.Wire())
				assert.True(t, l.ClientDropped, "the client abandoned the handshake")
			}
		})
	}
}

// violationPrefix is a complete text message "ok" sent before each
// violation: it must be delivered before the error. The server writes it
// on its own, before the violation: Chrome parses the frames of one read
// together and drops those before a malformed header in the same read.
const violationPrefix = "81026f6b"

// TestProtocolViolations is scenario G: the client fails the connection:
// messages already complete first, then error (rs=3), then close 1006 not
// clean; on the wire a Close with 1002 (1007 for invalid UTF-8; Chrome sends
// 1002 for everything), then the client drops TCP.
func TestProtocolViolations(t *testing.T) {
	utf8Code := 1007
	if inBrowser {
		utf8Code = 1002
	}
	for _, tc := range []struct {
		name   string
		frames string
		code   int
	}{
		{"invalid UTF-8 text", "8101ff", utf8Code},
		{"invalid UTF-8 across fragments", "0101e2" + "800141", utf8Code},
		{"truncated UTF-8 at the end", "8101e2", utf8Code},
		{"UTF-8 surrogate", "8103eda080", utf8Code},
		{"reserved opcode 3", "8300", 1002},
		{"reserved opcode 0xB", "8b00", 1002},
		{"masked frame", "818200000000" + "6f6b", 1002},
		{"RSV1", "c1026f6b", 1002},
		{"RSV2", "a1026f6b", 1002},
		{"RSV3", "91026f6b", 1002},
		{"126-byte ping", "897e007e" + strings.Repeat("00", 126), 1002},
		{"fragmented ping", "0900" + "8900", 1002},
		{"non-minimal 16-bit length", "817e0005" + "68656c6c6f", 1002},
		{"non-minimal 64-bit length", "817f0000000000000005" + "68656c6c6f", 1002},
		{"64-bit length with MSB set", "827f8000000000000001" + "00", 1002},
		{"stray continuation", "80026f6b", 1002},
		{"new message before the last ended", "010161" + "810162", 1002},
		{"Close 1005", "880203ed", 1002},
		{"Close 1006", "880203ee", 1002},
		{"Close 1015", "880203f7", 1002},
		{"Close with a 1-byte body", "880103", 1002},
		{"Close reason not UTF-8", "880303e8ff", utf8Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, id := route(t, "/raw", "frames="+violationPrefix+","+tc.frames)
			r := newRecorder(t)
			r.dial(u, nil)
			assert.Equal(t, []string{"open rs=1", `message rs=1 text "ok"`, "error rs=3", `close rs=3 1006 "" false`}, r.wait())
			l := wireLog(t, id)
			if assert.Len(t, l.Frames, 1, "%q", l.Wire()) {
				assert.Equal(t, "close", l.Frames[0].Op)
				assert.Equal(t, tc.code, l.Frames[0].Code, "%q", l.Wire())
			}
			assert.True(t, l.ClientDropped, "the client drops TCP after failing")
		})
	}
}

// TestDataAfterCloseFails: a data frame after the server's Close is a
// protocol violation (DESIGN "Protocol violations"): error then close 1006,
// as Chrome does, although the client already echoed the Close.
func TestDataAfterCloseFails(t *testing.T) {
	u, id := route(t, "/raw", "frames="+violationPrefix+",880203e8"+"81026f6b")
	r := newRecorder(t)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "ok"`, "error rs=3", `close rs=3 1006 "" false`}, r.wait())
	l := wireLog(t, id)
	assert.Equal(t, []string{`close 1000 ""`}, l.Wire(), "the echo of the server's Close")
	assert.True(t, l.ClientDropped, "the client drops TCP after failing")
}

// TestControlFramesBetweenFragments: a Ping inside a fragmented message is
// answered with the same payload, and the message arrives whole; fragmented
// binary too. (Not a violation: RFC 6455 §5.4.)
func TestControlFramesBetweenFragments(t *testing.T) {
	frames := "01026865" + "8903616263" + "80036c6c6f" + // "he" ping("abc") "llo"
		"020101" + "8a00" + "00020203" + "800104" // binary 1, pong, 2 3, 4
	u, id := route(t, "/raw", "frames="+frames, "linger=0")
	r := newRecorder(t)
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		if b, ok := e.Data.(websocket.ArrayBuffer); ok {
			assert.Equal(t, websocket.ArrayBuffer{1, 2, 3, 4}, b)
			ws.Close(1000, "")
		}
	}
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hello"`, "message rs=1 arraybuffer 4", `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`pong "abc"`, `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestPassiveCloseAbort is scenario H: the server drops TCP instead of
// answering the client's Close: close 1006 not clean, no error.
func TestPassiveCloseAbort(t *testing.T) {
	u, id := route(t, "/passive-close-abort")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 1006 "" false`}, r.wait())
	l := wireLog(t, id)
	assert.Equal(t, []string{`close 1000 ""`}, l.Wire())
	assert.False(t, l.ClientDropped)
}

// TestKeepOpenAfterClose is scenario I: the server answers the Close but
// keeps TCP open; the client drops TCP itself after 2 s and reports a clean
// close with the server's code (1005 for its empty Close).
func TestKeepOpenAfterClose(t *testing.T) {
	t.Parallel()
	u, id := route(t, "/keep-open")
	r := newRecorder(t)
	var start time.Time
	r.onOpen = func(ws *websocket.WebSocket) {
		start = time.Now()
		ws.Close(0, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 1005 "" true`}, r.wait())
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 1500*time.Millisecond)
	assert.Less(t, elapsed, 5*time.Second)
	l := wireLog(t, id)
	assert.Equal(t, []string{"close empty"}, l.Wire())
	assert.True(t, l.ClientDropped, "the client closed TCP itself")
}

// TestDelayedPassiveClose is scenario K: the server answers the Close after
// 1 s; the close event comes no earlier, clean.
func TestDelayedPassiveClose(t *testing.T) {
	t.Parallel()
	u, id := route(t, "/delayed-passive-close")
	r := newRecorder(t)
	var start time.Time
	r.onOpen = func(ws *websocket.WebSocket) {
		start = time.Now()
		ws.Close(1000, "x")
	}
	r.onClose = func(*websocket.WebSocket, *websocket.CloseEvent) {
		r.log("after %v", time.Since(start) >= 900*time.Millisecond)
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "x" true`, "after true"}, r.wait())
	assert.Equal(t, []string{`close 1000 "x"`}, wireLog(t, id).Wire())
}

// TestCloseReasonInvalidUTF8: the reason is a USVString: invalid UTF-8 is
// replaced with U+FFFD (one per maximal invalid subsequence, as the
// browser's conversion does) before its length is checked.
func TestCloseReasonInvalidUTF8(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.ErrorIs(t, ws.Close(1000, strings.Repeat("\xff", 42)), websocket.ErrSyntax, "42 × U+FFFD is 126 bytes")
		assert.NoError(t, ws.Close(1000, "a\xff\xffb"))
	}
	r.dial(u, nil)
	want := "a\uFFFD\uFFFDb"
	assert.Equal(t, []string{"open rs=1", fmt.Sprintf("close rs=3 1000 %q true", want)}, r.wait())
	assert.Equal(t, []string{fmt.Sprintf("close 1000 %q", want)}, wireLog(t, id).Wire())
}

// TestServerCloseSetsClosing: once the server's Close has arrived, the
// socket is CLOSING until TCP ends (here the server holds it 500 ms after
// the client's reply), then CLOSED with a clean close. A Send then sends
// nothing and grows BufferedAmount; in the browser the Go state is still
// OPEN there, and Send learns of CLOSING from the browser as it sends
// (that it does not ask the browser to send is jsbridge's
// TestSendBytesIfOpen).
func TestServerCloseSetsClosing(t *testing.T) {
	u, id := route(t, "/raw", "frames=880203e8", "linger=500")
	r := newRecorder(t)
	ws := r.dial(u, nil)
	require.Eventually(t, func() bool { return ws.ReadyState() == websocket.CLOSING }, waitTimeout, time.Millisecond)
	require.NoError(t, ws.Send(websocket.ArrayBuffer("late")))
	assert.Equal(t, uint64(4), ws.BufferedAmount(), "Send while CLOSING")
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`close 1000 ""`}, wireLog(t, id).Wire())
}

// TestPingPayloads: pings of 0 and 125 bytes are answered with pongs of the
// same payload; an unsolicited pong is ignored.
func TestPingPayloads(t *testing.T) {
	big := strings.Repeat("p", 125)
	frames := "8900" + "897d" + hex.EncodeToString([]byte(big)) + "8a03616263" + "81026869"
	u, id := route(t, "/raw", "frames="+frames, "linger=0")
	r := newRecorder(t)
	r.onMessage = closeOnMessages(1)
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hi"`, `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, []string{`pong ""`, "pong 125", `close 1000 ""`}, wireLog(t, id).Wire())
}
