package parity

import (
	"context"
	"strings"

	"github.com/w3ws/w3ws/websocket"
)

// allScenarios returns the WebSocket scenarios, then the WebSocketStream
// ones, in run order.
func allScenarios() []Scenario {
	return append(append([]Scenario(nil), scenarios...), streamScenarios...)
}

// streamScenarios are the WebSocketStream scenarios, in run order.
// e2e/parity_harness.js has the same list, with the same names, against the
// browser's own WebSocketStream.
var streamScenarios = []Scenario{
	{"stream-ctor-fragment", func(t *T) { t.stream(context.Background(), t.wsBase()+"/echo#frag", "") }},
	{"stream-ctor-protocol-duplicate", func(t *T) { t.stream(context.Background(), t.wsBase()+"/echo", "", "a", "a") }},
	{"stream-echo", func(t *T) {
		u, id := t.url("/echo", "")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.write(c, "héllo")
		t.read(c)
		t.write(c, []byte{1, 2, 3})
		t.read(c)
		t.write(c, strings.Repeat("x", 70000))
		t.read(c)
		t.closeStream(s, websocket.CloseInfo{})
		t.read(c)
		t.closedStream(s)
	}},
	{"stream-protocol", func(t *T) {
		u, id := t.url("/protocol-first", "")
		s := t.stream(context.Background(), u, id, "chat", "superchat")
		t.opened(s)
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000})
		t.closedStream(s)
	}},
	{"stream-close-code-reason", func(t *T) {
		u, id := t.url("/echo", "")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.closeStream(s, websocket.CloseInfo{CloseCode: 4001, Reason: "bye"})
		t.closeStream(s, websocket.CloseInfo{CloseCode: 4002, Reason: "again"})
		t.read(c)
		t.closedStream(s)
		t.read(c)
		t.write(c, "after")
	}},
	{"stream-close-reason-only", func(t *T) {
		u, id := t.url("/echo", "")
		s := t.stream(context.Background(), u, id)
		t.opened(s)
		t.closeStream(s, websocket.CloseInfo{Reason: "just a reason"})
		t.closedStream(s)
	}},
	{"stream-close-validation", func(t *T) {
		u, id := t.url("/echo", "")
		s := t.stream(context.Background(), u, id)
		t.opened(s)
		for _, code := range []int{999, 1001, 1005, 2999, 5000} {
			t.closeStream(s, websocket.CloseInfo{CloseCode: code})
		}
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000, Reason: strings.Repeat("a", 124)})
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000})
		t.closedStream(s)
		t.closeStream(s, websocket.CloseInfo{CloseCode: 999})
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000})
	}},
	{"stream-server-close", func(t *T) {
		u, id := t.url("/close", "code=4002&reason=server%20bye")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.read(c)
		t.closedStream(s)
		t.write(c, "after")
	}},
	{"stream-server-close-empty", func(t *T) {
		u, id := t.url("/close", "")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.read(c)
		t.closedStream(s)
	}},
	{"stream-server-drop", func(t *T) {
		u, id := t.url("/drop", "")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.read(c)
		t.closedStream(s)
		t.write(c, "after")
	}},
	{"stream-violation", func(t *T) {
		u, id := t.url("/raw", "gap=50&frames=81026f6b,8300")
		s := t.stream(context.Background(), u, id)
		c := t.opened(s)
		t.read(c)
		t.read(c)
		t.closedStream(s)
	}},
	{"stream-handshake-404", func(t *T) {
		u, id := t.url("/hs", "status=404")
		s := t.stream(context.Background(), u, id)
		t.opened(s)
		t.closedStream(s)
	}},
	{"stream-abort-before-open", func(t *T) {
		// The id is not logged for the wire: whether the request reaches
		// the server before the abort is a race.
		u, _ := t.url("/delay", "ms=300")
		ctx, cancel := context.WithCancel(context.Background())
		s := t.stream(ctx, u, "")
		cancel()
		t.opened(s)
		t.closedStream(s)
	}},
	{"stream-abort-already-aborted", func(t *T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s := t.stream(ctx, t.wsBase()+"/echo", "")
		t.opened(s)
		t.closedStream(s)
	}},
	{"stream-abort-after-open", func(t *T) {
		u, id := t.url("/echo", "")
		ctx, cancel := context.WithCancel(context.Background())
		s := t.stream(ctx, u, id)
		c := t.opened(s)
		cancel()
		t.write(c, "still open")
		t.read(c)
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000})
		t.closedStream(s)
	}},
	{"stream-close-before-open", func(t *T) {
		u, _ := t.url("/delay", "ms=300")
		s := t.stream(context.Background(), u, "")
		t.closeStream(s, websocket.CloseInfo{CloseCode: 1000})
		t.opened(s)
		t.closedStream(s)
	}},
}
