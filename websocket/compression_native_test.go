//go:build !js

package websocket_test

// permessage-deflate (RFC 7692) between a native client (New,
// NewWithOptions) and an Upgrade server, both this package, with a TCP
// relay between them (internal/wirerelay) that parses the frames of both
// directions: what Options.Compression, CompressionContextTakeover and
// CompressionThreshold negotiate, and what they put on the wire.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/wirerelay"
	"github.com/w3ws/w3ws/websocket"
)

const (
	// chromeOffer is the Sec-WebSocket-Extensions every native client
	// sends, as Chrome does.
	chromeOffer = "permessage-deflate; client_max_window_bits"
	// noTakeoverAnswer is Upgrade's answer to chromeOffer with Compression.
	noTakeoverAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	// takeoverAnswer is Upgrade's answer to chromeOffer with Compression
	// and CompressionContextTakeover.
	takeoverAnswer = "permessage-deflate"
	// defaultThreshold is native.DefaultCompressionThreshold.
	defaultThreshold = 128
)

// compressibleText returns n bytes of UTF-8 text (with a 3-byte "✓") that
// deflate shrinks well; seed varies it.
func compressibleText(n, seed int) string {
	var b strings.Builder
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	if n >= 3 {
		b.WriteString("✓")
	}
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s %d, ", words[(i*5+seed)%len(words)], i%97)
	}
	return b.String()[:n]
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}

// payload returns the bytes of a message given to Send or received: a
// string, []byte or ArrayBuffer (nil for anything else).
func payload(data any) []byte {
	switch d := data.(type) {
	case string:
		return []byte(d)
	case []byte:
		return d
	case websocket.ArrayBuffer:
		return d
	}
	return nil
}

// isText reports whether data is sent, or was received, as text.
func isText(data any) bool {
	_, ok := data.(string)
	return ok
}

// compressionRun is the outcome of runEcho.
type compressionRun struct {
	clientExtensions, serverExtensions string
	// echoes are the messages the client received, in order.
	echoes []any
	// conn is the relayed connection, ended.
	conn *wirerelay.Conn
	// up and down are the data messages on the wire, client to server and
	// server to client.
	up, down []wirerelay.Message
}

// runEcho starts an Upgrade echo server with server's options, dials it
// through a relay with client's (BinaryType arraybuffer), sends msgs in
// turn, each once the previous one's echo came back, closes with 1000 after
// the last echo and waits for both sockets and the relayed connection to
// end. It checks that both sides saw a clean close and that every echo is
// the message sent.
func runEcho(t *testing.T, server, client websocket.Options, msgs []any) *compressionRun {
	t.Helper()
	sr := newRecorder(t)
	u, socks, _ := upgradeServer(t, echoOptions(sr, &server))
	relay := wirerelay.Start(t, strings.TrimPrefix(u, "ws://"))

	run := &compressionRun{}
	cr := newRecorder(t)
	next := func(ws *websocket.WebSocket) {
		if i := len(run.echoes); i < len(msgs) {
			if err := ws.Send(msgs[i]); err != nil {
				cr.log("send %d: %v", i, err)
			}
			return
		}
		ws.Close(1000, "done")
	}
	cr.onOpen = func(ws *websocket.WebSocket) {
		run.clientExtensions = ws.Extensions()
		next(ws)
	}
	cr.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		run.echoes = append(run.echoes, e.Data)
		next(ws)
	}
	client.BinaryType = websocket.BinaryTypeArrayBuffer
	cr.dial("ws://"+relay.Addr()+"/", &client)
	events := cr.wait()
	require.Equal(t, `close rs=3 1000 "done" true`, events[len(events)-1], "the client's events: %q", events)
	srv := receive(t, socks)
	run.serverExtensions = srv.Extensions()
	serverEvents := sr.wait()
	require.Equal(t, `close rs=3 1000 "done" true`, serverEvents[len(serverEvents)-1], "the server's events: %q", serverEvents)

	require.Len(t, run.echoes, len(msgs), "echoes")
	for i, m := range msgs {
		assert.Equal(t, isText(m), isText(run.echoes[i]), "message %d: the echo's type", i)
		if !assert.True(t, bytes.Equal(payload(m), payload(run.echoes[i])), "message %d: the echo differs from the message", i) {
			t.Logf("sent %d bytes, received %d", len(payload(m)), len(payload(run.echoes[i])))
		}
	}

	conns := relay.Connections()
	require.Len(t, conns, 1, "connections through the relay")
	run.conn = conns[0]
	select {
	case <-run.conn.Done():
	case <-time.After(waitTimeout):
		t.Fatal("the relayed connection did not end")
	}
	require.NoError(t, run.conn.Up.Err, "parsing what the client sent")
	require.NoError(t, run.conn.Down.Err, "parsing what the server sent")
	assert.Equal(t, []string{chromeOffer}, run.conn.Up.Header.Values("Sec-WebSocket-Extensions"), "the client's offer")
	var upCtl, downCtl []wirerelay.Message
	run.up, upCtl = run.conn.Up.Split()
	run.down, downCtl = run.conn.Down.Split()
	require.Len(t, run.up, len(msgs), "data messages from the client on the wire")
	require.Len(t, run.down, len(msgs), "data messages from the server on the wire")
	for i, m := range msgs {
		op := byte(2)
		if isText(m) {
			op = 1
		}
		assert.Equal(t, op, run.up[i].Op, "message %d from the client: opcode", i)
		assert.True(t, run.up[i].Masked, "message %d from the client: unmasked", i)
		assert.Equal(t, op, run.down[i].Op, "message %d from the server: opcode", i)
		assert.False(t, run.down[i].Masked, "message %d from the server: masked", i)
		// RSV1 only on a message's first frame; RSV2 and RSV3 never.
		assert.Zero(t, run.up[i].LaterRSV|run.up[i].RSV&3, "message %d from the client: RSV bits", i)
		assert.Zero(t, run.down[i].LaterRSV|run.down[i].RSV&3, "message %d from the server: RSV bits", i)
	}
	for _, ctl := range [][]wirerelay.Message{upCtl, downCtl} {
		for _, c := range ctl {
			assert.Zero(t, c.RSV, "a control frame with RSV bits: %s", c.CloseString())
		}
	}
	return run
}

// wireTable describes the data messages on the wire, one a line, for logs.
func (r *compressionRun) wireTable(msgs []any) string {
	var b strings.Builder
	for i, m := range msgs {
		kind := "binary"
		if isText(m) {
			kind = "text"
		}
		fmt.Fprintf(&b, "\t%-6s %8d B | client: %-28s | server: %s\n", kind, len(payload(m)), r.up[i], r.down[i])
	}
	return b.String()
}

// assertPlain checks that every wire message of one direction went
// uncompressed: RSV1 clear and the payload the message itself.
func assertPlain(t *testing.T, who string, wire []wirerelay.Message, msgs []any) {
	t.Helper()
	for i, m := range msgs {
		assert.Zero(t, wire[i].RSV, "message %d (%d B) from the %s: RSV bits", i, len(payload(m)), who)
		assert.True(t, bytes.Equal(payload(m), wire[i].Payload), "message %d from the %s: the payload is not the message", i, who)
	}
}

// assertCompressed checks one direction without context takeover:
// messages of at least threshold bytes went with RSV1, each inflating on
// its own to the message (and compressible ones smaller than it), smaller
// ones plain.
func assertCompressed(t *testing.T, who string, wire []wirerelay.Message, msgs []any, threshold int) {
	t.Helper()
	for i, m := range msgs {
		p := payload(m)
		if len(p) < threshold {
			assert.Zero(t, wire[i].RSV, "message %d (%d B) from the %s: under the threshold, RSV bits", i, len(p), who)
			assert.True(t, bytes.Equal(p, wire[i].Payload), "message %d from the %s: the payload is not the message", i, who)
			continue
		}
		assert.Equal(t, 4, wire[i].RSV, "message %d (%d B) from the %s: RSV bits (RSV1 = 4)", i, len(p), who)
		got, err := wirerelay.Inflate(wire[i].Payload)
		if assert.NoError(t, err, "message %d from the %s: inflating", i, who) {
			assert.True(t, bytes.Equal(p, got), "message %d from the %s: inflates to %d bytes that are not the message's %d", i, who, len(got), len(p))
		}
		if isText(m) && len(p) >= 1024 {
			assert.Less(t, len(wire[i].Payload), len(p), "message %d (%d B of text) from the %s: not compressed smaller", i, len(p), who)
		}
	}
}

// roundTripMessages are text (compressible, with multibyte UTF-8) and
// binary (random) messages on both sides of the default threshold and up
// to 1 MiB.
func roundTripMessages() []any {
	var msgs []any
	for _, n := range []int{0, 1, 127, 128, 1000, 64 << 10, 1 << 20} {
		msgs = append(msgs, compressibleText(n, n), randomBytes(n))
	}
	return msgs
}

// TestCompressionDefaultClient: a client with default options offers
// Chrome's permessage-deflate; an Upgrade server with Compression answers
// without context takeover, and both report that answer in Extensions().
// Messages of 0 B to 1 MiB round-trip; the server's echoes of at least the
// default threshold are compressed (each inflating alone), smaller ones
// plain; the client, without Compression, compresses nothing.
func TestCompressionDefaultClient(t *testing.T) {
	msgs := roundTripMessages()
	run := runEcho(t, websocket.Options{Compression: true}, websocket.Options{}, msgs)
	assert.Equal(t, noTakeoverAnswer, run.clientExtensions, "the client's Extensions()")
	assert.Equal(t, noTakeoverAnswer, run.serverExtensions, "the server's Extensions()")
	assert.Equal(t, []string{noTakeoverAnswer}, run.conn.Down.Header.Values("Sec-WebSocket-Extensions"), "the server's answer")
	assertCompressed(t, "server", run.down, msgs, defaultThreshold)
	assertPlain(t, "client", run.up, msgs)
	t.Logf("on the wire:\n%s", run.wireTable(msgs))
}

// TestCompressionServerWithout: an Upgrade server without Compression
// accepts no extension, whatever the client's options: Extensions() is ""
// on both sides, the answer has no Sec-WebSocket-Extensions, messages
// round-trip, and no frame has RSV1 (a client with Compression must not
// compress what was not negotiated).
func TestCompressionServerWithout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client websocket.Options
	}{
		{"default client", websocket.Options{}},
		{"client with Compression", websocket.Options{Compression: true, CompressionThreshold: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := roundTripMessages()
			run := runEcho(t, websocket.Options{}, tc.client, msgs)
			assert.Equal(t, "", run.clientExtensions, "the client's Extensions()")
			assert.Equal(t, "", run.serverExtensions, "the server's Extensions()")
			assert.Empty(t, run.conn.Down.Header.Values("Sec-WebSocket-Extensions"), "the server's answer")
			assertPlain(t, "client", run.up, msgs)
			assertPlain(t, "server", run.down, msgs)
		})
	}
}

// TestCompressionClientCompresses: a client with Compression, against a
// server with Compression, compresses what it sends: messages of at least
// the default threshold go with RSV1, masked, each inflating alone to the
// message (the server asked for client_no_context_takeover), compressible
// ones smaller; smaller messages go plain. The server's echoes are
// compressed the same way, and everything round-trips.
func TestCompressionClientCompresses(t *testing.T) {
	msgs := roundTripMessages()
	run := runEcho(t, websocket.Options{Compression: true}, websocket.Options{Compression: true}, msgs)
	assert.Equal(t, noTakeoverAnswer, run.clientExtensions, "the client's Extensions()")
	assert.Equal(t, noTakeoverAnswer, run.serverExtensions, "the server's Extensions()")
	assertCompressed(t, "client", run.up, msgs, defaultThreshold)
	assertCompressed(t, "server", run.down, msgs, defaultThreshold)
	t.Logf("on the wire:\n%s", run.wireTable(msgs))
}

// TestCompressionClientWithoutCompressionSendsPlain: permessage-deflate is
// negotiated (a default client always offers it), but a client without
// Compression sends every message plain, large compressible ones included,
// and still inflates the server's compressed ones, every size compressed
// (the server's CompressionThreshold is negative).
func TestCompressionClientWithoutCompressionSendsPlain(t *testing.T) {
	var msgs []any
	for _, n := range []int{1, 200, 4 << 10, 256 << 10} {
		msgs = append(msgs, compressibleText(n, n), []byte(compressibleText(n, n+1)))
	}
	run := runEcho(t, websocket.Options{Compression: true, CompressionThreshold: -1}, websocket.Options{}, msgs)
	assert.Equal(t, noTakeoverAnswer, run.clientExtensions, "the client's Extensions()")
	assertPlain(t, "client", run.up, msgs)
	assertCompressed(t, "server", run.down, msgs, 0)
}

// TestCompressionContextTakeover: a server with CompressionContextTakeover
// answers Chrome's offer with a bare "permessage-deflate" (no
// *_no_context_takeover: the client did not ask), which both sides report.
// With the client's Compression and CompressionContextTakeover too, both
// directions keep their context: a message repeating the previous one
// compresses smaller than its first time and refers back to it (it does not
// inflate on its own), and each direction inflates as one stream, with a
// kept window, to exactly the messages sent; every echo is intact.
func TestCompressionContextTakeover(t *testing.T) {
	repeated := compressibleText(2000, 7)
	msgs := []any{repeated, repeated, []byte(repeated), repeated, compressibleText(3000, 3), repeated}
	opts := websocket.Options{Compression: true, CompressionContextTakeover: true}
	run := runEcho(t, opts, opts, msgs)
	assert.Equal(t, takeoverAnswer, run.clientExtensions, "the client's Extensions()")
	assert.Equal(t, takeoverAnswer, run.serverExtensions, "the server's Extensions()")
	assert.Equal(t, []string{takeoverAnswer}, run.conn.Down.Header.Values("Sec-WebSocket-Extensions"), "the server's answer")
	for _, dir := range []struct {
		who  string
		wire []wirerelay.Message
	}{{"client", run.up}, {"server", run.down}} {
		for i := range msgs {
			assert.Equal(t, 4, dir.wire[i].RSV, "message %d from the %s: RSV bits (RSV1 = 4)", i, dir.who)
		}
		assert.Less(t, len(dir.wire[1].Payload), len(dir.wire[0].Payload),
			"message 1 from the %s repeats message 0: with context takeover it should compress smaller", dir.who)
		if alone, err := wirerelay.Inflate(dir.wire[1].Payload); err == nil && bytes.Equal(alone, payload(msgs[1])) {
			t.Errorf("message 1 from the %s inflates on its own: it does not use the kept context", dir.who)
		}
		got, err := wirerelay.InflateStream(dir.wire)
		if assert.NoError(t, err, "inflating what the %s sent as one stream", dir.who) {
			var want []byte
			for _, m := range msgs {
				want = append(want, payload(m)...)
			}
			assert.True(t, bytes.Equal(want, got), "what the %s sent does not inflate to the messages", dir.who)
		}
	}
	t.Logf("on the wire:\n%s", run.wireTable(msgs))
}

// TestCompressionContextTakeoverSmallRepeats: the documented point of
// CompressionContextTakeover, "small messages that repeat earlier ones
// shrink further" (native.CompressionContextTakeover: "JSON with the same
// keys"). With a negative threshold, so that they are compressed at all,
// JSON messages of about 70 B that differ from the earlier ones in a digit
// or two should compress to a fraction of the first one's size.
//
// It guards the kept writer's level: compress/flate at BestSpeed
// Huffman-codes every flush under 128 bytes, with no back-reference, and
// matches only against the previous flush, so these messages stayed at
// [64 64 65 66 66 66] bytes; the level-2 writer kept with context takeover
// gives [65 14 13 13 13 14].
func TestCompressionContextTakeoverSmallRepeats(t *testing.T) {
	var msgs []any
	for i := range 6 {
		msgs = append(msgs, fmt.Sprintf(`{"type":"tick","user":{"id":%d,"name":"alice"},"pos":{"x":%d,"y":%d}}`, 1000+i%2, i, 2*i))
	}
	opts := websocket.Options{Compression: true, CompressionContextTakeover: true, CompressionThreshold: -1}
	run := runEcho(t, opts, opts, msgs)
	assert.Equal(t, takeoverAnswer, run.serverExtensions, "the server's Extensions()")
	for _, dir := range []struct {
		who  string
		wire []wirerelay.Message
	}{{"client", run.up}, {"server", run.down}} {
		var sizes []int
		for _, m := range dir.wire {
			sizes = append(sizes, len(m.Payload))
		}
		for i := 1; i < len(sizes); i++ {
			assert.Less(t, 2*sizes[i], sizes[0],
				"message %d (%d B) from the %s repeats most of the earlier ones: with context takeover it should compress to less than half of the first one's %d B; compressed sizes: %v",
				i, len(payload(msgs[i])), dir.who, sizes[0], sizes)
		}
		got, err := wirerelay.InflateStream(dir.wire)
		if assert.NoError(t, err, "inflating what the %s sent as one stream", dir.who) {
			var want []byte
			for _, m := range msgs {
				want = append(want, payload(m)...)
			}
			assert.True(t, bytes.Equal(want, got), "what the %s sent does not inflate to the messages", dir.who)
		}
	}
}

// TestCompressionContextTakeoverAnswer: a server with
// CompressionContextTakeover still adds server_no_context_takeover or
// client_no_context_takeover to its answer when the offer asks for it (RFC
// 7692 §7.1.1), and without CompressionContextTakeover it always adds both.
// (The W3C client cannot send these offers: this is a raw handshake.)
func TestCompressionContextTakeoverAnswer(t *testing.T) {
	takeover := websocket.Options{Compression: true, CompressionContextTakeover: true}
	for _, tc := range []struct {
		opts  websocket.Options
		offer string
		want  string
	}{
		{takeover, chromeOffer, "permessage-deflate"},
		{takeover, "permessage-deflate", "permessage-deflate"},
		{takeover, "permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"},
		{takeover, "permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"},
		{takeover, "permessage-deflate; client_no_context_takeover; server_no_context_takeover", noTakeoverAnswer},
		{websocket.Options{Compression: true}, "permessage-deflate", noTakeoverAnswer},
		{websocket.Options{Compression: true}, "permessage-deflate; server_no_context_takeover", noTakeoverAnswer},
	} {
		t.Run(tc.offer, func(t *testing.T) {
			opts := tc.opts
			u, socks, _ := upgradeServer(t, func() *websocket.Options { return &opts })
			nc, resp := rawHandshake(t, strings.TrimPrefix(u, "ws://"), tc.offer)
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			assert.Equal(t, []string{tc.want}, resp.Header.Values("Sec-WebSocket-Extensions"), "the answer to %q", tc.offer)
			server := receive(t, socks)
			assert.Equal(t, tc.want, server.Extensions(), "the server's Extensions()")
			// Dropping TCP ends the server socket.
			nc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			_, err := server.WaitClosed(ctx)
			assert.NoError(t, err, "the server socket did not close")
		})
	}
}

// rawHandshake sends an upgrade request offering extensions to addr and
// returns the connection and the response. The connection is closed at
// the end of the test at the latest.
func rawHandshake(t *testing.T, addr, extensions string) (net.Conn, *http.Response) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(waitTimeout))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Extensions: %s\r\n\r\n", addr, extensions)
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	require.NoError(t, err)
	return nc, resp
}

// TestCompressionThresholdNegative: with a negative CompressionThreshold on
// both sides, even a 1-byte message (and an empty one) goes compressed,
// RSV1 set, each way, and round-trips.
func TestCompressionThresholdNegative(t *testing.T) {
	msgs := []any{"x", []byte{0x42}, "", []byte{}, "yy"}
	opts := websocket.Options{Compression: true, CompressionThreshold: -1}
	run := runEcho(t, opts, opts, msgs)
	assertCompressed(t, "client", run.up, msgs, 0)
	assertCompressed(t, "server", run.down, msgs, 0)
	t.Logf("on the wire:\n%s", run.wireTable(msgs))
}

// TestCompressionThresholdDefault: with the default threshold, a 1-byte
// message and one of 127 bytes go plain both ways, one of 128 bytes goes
// compressed.
func TestCompressionThresholdDefault(t *testing.T) {
	msgs := []any{"x", compressibleText(127, 1), compressibleText(128, 2)}
	opts := websocket.Options{Compression: true}
	run := runEcho(t, opts, opts, msgs)
	for _, dir := range []struct {
		who  string
		wire []wirerelay.Message
	}{{"client", run.up}, {"server", run.down}} {
		assert.Equal(t, []int{0, 0, 4}, []int{dir.wire[0].RSV, dir.wire[1].RSV, dir.wire[2].RSV}, "RSV bits of what the %s sent", dir.who)
	}
}
