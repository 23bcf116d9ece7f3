//go:build !js

package websocket_test

// permessage-deflate (RFC 7692) between a native client (New,
// NewWithOptions) and an Upgrade server, both this package, with a TCP
// relay between them that parses the frames of both directions: what
// Options.Compression, CompressionContextTakeover and CompressionThreshold
// negotiate, and what they put on the wire.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	conn *relayedConn
	// up and down are the data messages on the wire, client to server and
	// server to client.
	up, down []wireMessage
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
	relay := startWireRelay(t, strings.TrimPrefix(u, "ws://"))

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
	cr.dial("ws://"+relay.addr()+"/", &client)
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

	conns := relay.connections()
	require.Len(t, conns, 1, "connections through the relay")
	run.conn = conns[0]
	select {
	case <-run.conn.done:
	case <-time.After(waitTimeout):
		t.Fatal("the relayed connection did not end")
	}
	require.NoError(t, run.conn.up.err, "parsing what the client sent")
	require.NoError(t, run.conn.down.err, "parsing what the server sent")
	assert.Equal(t, []string{chromeOffer}, run.conn.up.header.Values("Sec-WebSocket-Extensions"), "the client's offer")
	var upCtl, downCtl []wireMessage
	run.up, upCtl = run.conn.up.split()
	run.down, downCtl = run.conn.down.split()
	require.Len(t, run.up, len(msgs), "data messages from the client on the wire")
	require.Len(t, run.down, len(msgs), "data messages from the server on the wire")
	for i, m := range msgs {
		op := byte(2)
		if isText(m) {
			op = 1
		}
		assert.Equal(t, op, run.up[i].op, "message %d from the client: opcode", i)
		assert.True(t, run.up[i].masked, "message %d from the client: unmasked", i)
		assert.Equal(t, op, run.down[i].op, "message %d from the server: opcode", i)
		assert.False(t, run.down[i].masked, "message %d from the server: masked", i)
		// RSV1 only on a message's first frame; RSV2 and RSV3 never.
		assert.Zero(t, run.up[i].laterRSV|run.up[i].rsv&3, "message %d from the client: RSV bits", i)
		assert.Zero(t, run.down[i].laterRSV|run.down[i].rsv&3, "message %d from the server: RSV bits", i)
	}
	for _, ctl := range [][]wireMessage{upCtl, downCtl} {
		for _, c := range ctl {
			assert.Zero(t, c.rsv, "a control frame with RSV bits: %s", c.closeString())
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
func assertPlain(t *testing.T, who string, wire []wireMessage, msgs []any) {
	t.Helper()
	for i, m := range msgs {
		assert.Zero(t, wire[i].rsv, "message %d (%d B) from the %s: RSV bits", i, len(payload(m)), who)
		assert.True(t, bytes.Equal(payload(m), wire[i].payload), "message %d from the %s: the payload is not the message", i, who)
	}
}

// assertCompressed checks one direction without context takeover:
// messages of at least threshold bytes went with RSV1, each inflating on
// its own to the message (and compressible ones smaller than it), smaller
// ones plain.
func assertCompressed(t *testing.T, who string, wire []wireMessage, msgs []any, threshold int) {
	t.Helper()
	for i, m := range msgs {
		p := payload(m)
		if len(p) < threshold {
			assert.Zero(t, wire[i].rsv, "message %d (%d B) from the %s: under the threshold, RSV bits", i, len(p), who)
			assert.True(t, bytes.Equal(p, wire[i].payload), "message %d from the %s: the payload is not the message", i, who)
			continue
		}
		assert.Equal(t, 4, wire[i].rsv, "message %d (%d B) from the %s: RSV bits (RSV1 = 4)", i, len(p), who)
		got, err := inflateWire(wire[i].payload)
		if assert.NoError(t, err, "message %d from the %s: inflating", i, who) {
			assert.True(t, bytes.Equal(p, got), "message %d from the %s: inflates to %d bytes that are not the message's %d", i, who, len(got), len(p))
		}
		if isText(m) && len(p) >= 1024 {
			assert.Less(t, len(wire[i].payload), len(p), "message %d (%d B of text) from the %s: not compressed smaller", i, len(p), who)
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
	assert.Equal(t, []string{noTakeoverAnswer}, run.conn.down.header.Values("Sec-WebSocket-Extensions"), "the server's answer")
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
			assert.Empty(t, run.conn.down.header.Values("Sec-WebSocket-Extensions"), "the server's answer")
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
	assert.Equal(t, []string{takeoverAnswer}, run.conn.down.header.Values("Sec-WebSocket-Extensions"), "the server's answer")
	for _, dir := range []struct {
		who  string
		wire []wireMessage
	}{{"client", run.up}, {"server", run.down}} {
		for i := range msgs {
			assert.Equal(t, 4, dir.wire[i].rsv, "message %d from the %s: RSV bits (RSV1 = 4)", i, dir.who)
		}
		assert.Less(t, len(dir.wire[1].payload), len(dir.wire[0].payload),
			"message 1 from the %s repeats message 0: with context takeover it should compress smaller", dir.who)
		if alone, err := inflateWire(dir.wire[1].payload); err == nil && bytes.Equal(alone, payload(msgs[1])) {
			t.Errorf("message 1 from the %s inflates on its own: it does not use the kept context", dir.who)
		}
		got, err := inflateStream(dir.wire)
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
// FAILS today (a library bug, left failing on purpose): the writer a
// connection keeps is compress/flate at BestSpeed, whose encSpeed
// Huffman-codes every flush under 128 bytes, with no back-reference, and
// resets its history; at 128 bytes and more it matches only against the
// previous flush, never further back in the 32 KiB window. Compressed
// sizes today: [64 64 65 66 66 66]; with the kept writer at level 2
// (flate.BestSpeed+1, the hash-chain compressor, whose tables the writer
// holds at every level anyway): [65 14 13 13 13 14], and this test passes.
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
		wire []wireMessage
	}{{"client", run.up}, {"server", run.down}} {
		var sizes []int
		for _, m := range dir.wire {
			sizes = append(sizes, len(m.payload))
		}
		for i := 1; i < len(sizes); i++ {
			assert.Less(t, 2*sizes[i], sizes[0],
				"message %d (%d B) from the %s repeats most of the earlier ones: with context takeover it should compress to less than half of the first one's %d B; compressed sizes: %v",
				i, len(payload(msgs[i])), dir.who, sizes[0], sizes)
		}
		got, err := inflateStream(dir.wire)
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
		wire []wireMessage
	}{{"client", run.up}, {"server", run.down}} {
		assert.Equal(t, []int{0, 0, 4}, []int{dir.wire[0].rsv, dir.wire[1].rsv, dir.wire[2].rsv}, "RSV bits of what the %s sent", dir.who)
	}
}

// inflateTail ends a compressed message: the sync flush's empty stored
// block that RFC 7692 §7.2.1 strips, then an empty final block, so that
// the message ends in io.EOF.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// inflateWire decompresses the payload of one compressed message that needs
// no earlier context (no_context_takeover on its sender's side).
func inflateWire(p []byte) ([]byte, error) {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader(inflateTail)))
	defer r.Close()
	return io.ReadAll(r)
}

// inflateStream decompresses compressed messages sent with context
// takeover: one deflate stream, each message's payload followed by the
// stripped sync flush tail.
func inflateStream(wire []wireMessage) ([]byte, error) {
	var z []byte
	for _, m := range wire {
		z = append(z, m.payload...)
		z = append(z, inflateTail[:4]...)
	}
	z = append(z, inflateTail[4:]...)
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	return io.ReadAll(r)
}

// wireRelay is a TCP relay in front of a WebSocket server: it forwards every
// connection made to it to target, both ways and unchanged, and parses what
// passes in each direction: the HTTP head, then the frames, gathered into
// messages. (e2e/deflate_test.go has its twin.)
type wireRelay struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns []*relayedConn
}

// relayedConn is one relayed connection.
type relayedConn struct {
	// done is closed once both directions have ended; up and down may be
	// read then.
	done chan struct{}
	up   wireDirection // client to server
	down wireDirection // server to client
	// closers are both ends, for abort.
	closers []net.Conn
}

// wireDirection is what passed one way on a relayed connection.
type wireDirection struct {
	head     string      // the request or status line
	header   http.Header // the head's header fields
	messages []wireMessage
	// err is what stopped the parsing before a clean end (EOF between
	// frames); the bytes were forwarded all the same.
	err error
}

// wireMessage is a data message (its frames gathered) or a control frame.
type wireMessage struct {
	op       byte
	rsv      int  // the RSV bits of the first frame, RSV1 as 4
	laterRSV int  // the RSV bits of the continuation frames, or'ed
	masked   bool // every frame was masked
	frames   int
	payload  []byte // unmasked, as sent (compressed when RSV1 is set)
}

func (m wireMessage) String() string {
	return fmt.Sprintf("%d B in %d frame(s), rsv=%d", len(m.payload), m.frames, m.rsv|m.laterRSV)
}

// closeString describes a Close frame: `close 1000 "done" rsv=0`.
func (m wireMessage) closeString() string {
	if m.op != 8 {
		return fmt.Sprintf("op %d rsv=%d", m.op, m.rsv)
	}
	if len(m.payload) < 2 {
		return fmt.Sprintf("close %x rsv=%d", m.payload, m.rsv)
	}
	return fmt.Sprintf("close %d %q rsv=%d", binary.BigEndian.Uint16(m.payload), m.payload[2:], m.rsv)
}

// split returns the data messages and the control frames.
func (d *wireDirection) split() (data, control []wireMessage) {
	for _, m := range d.messages {
		if m.op >= 8 {
			control = append(control, m)
		} else {
			data = append(data, m)
		}
	}
	return data, control
}

// startWireRelay starts a relay to target ("127.0.0.1:PORT"), stopped at the
// end of the test.
func startWireRelay(t *testing.T, target string) *wireRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &wireRelay{ln: ln, target: target}
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(r.stop)
	return r
}

// addr returns the relay's "127.0.0.1:PORT".
func (r *wireRelay) addr() string { return r.ln.Addr().String() }

// connections returns the connections relayed so far.
func (r *wireRelay) connections() []*relayedConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*relayedConn(nil), r.conns...)
}

// stop closes the listener and every relayed connection still open, and
// waits for the relay's goroutines.
func (r *wireRelay) stop() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.abort()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *wireRelay) serve() {
	defer r.wg.Done()
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", r.target)
		if err != nil {
			client.Close()
			continue
		}
		c := &relayedConn{done: make(chan struct{}), closers: []net.Conn{client, server}}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			c.run(client, server)
		}()
	}
}

// run relays until both directions have ended.
func (c *relayedConn) run(client, server net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.up.forward(server, client)
	}()
	go func() {
		defer wg.Done()
		c.down.forward(client, server)
	}()
	wg.Wait()
	client.Close()
	server.Close()
	close(c.done)
}

// abort closes both ends of c.
func (c *relayedConn) abort() {
	for _, nc := range c.closers {
		nc.Close()
	}
}

// forward copies src to dst, parsing on the way, then half-closes dst (or
// closes both when the copy failed).
func (d *wireDirection) forward(dst, src net.Conn) {
	// Every byte the parser reads has been written to dst first: the
	// parser lags behind the copy, never the other way round.
	br := bufio.NewReaderSize(io.TeeReader(src, dst), 64<<10)
	d.err = d.parse(br)
	if d.err != nil {
		// Keep relaying what can no longer be parsed.
		if _, err := io.Copy(io.Discard, br); err != nil {
			src.Close()
			dst.Close()
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// maxWireFrame bounds the payload of a frame the relay parses.
const maxWireFrame = 64 << 20

// parse reads the HTTP head, then frames until EOF.
func (d *wireDirection) parse(br *bufio.Reader) error {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return fmt.Errorf("reading the HTTP head: %w", err)
	}
	d.head = line
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return fmt.Errorf("reading the HTTP head: %w", err)
	}
	d.header = http.Header(h)
	if strings.HasPrefix(line, "HTTP/") && !strings.HasPrefix(line, "HTTP/1.1 101 ") {
		return errors.New("not upgraded: " + line)
	}
	var cur *wireMessage // the data message being gathered
	for {
		f, err := readRelayFrame(br)
		switch {
		case err == io.EOF && cur == nil:
			return nil
		case err == io.EOF:
			return io.ErrUnexpectedEOF
		case err != nil:
			return err
		}
		switch {
		case f.op >= 8:
			d.messages = append(d.messages, f.wireMessage)
			continue
		case f.op == 0:
			if cur == nil {
				return errors.New("a continuation frame outside a message")
			}
			cur.laterRSV |= f.rsv
			cur.masked = cur.masked && f.masked
			cur.frames++
			cur.payload = append(cur.payload, f.payload...)
		default:
			if cur != nil {
				return fmt.Errorf("a frame of opcode %d inside a fragmented message", f.op)
			}
			m := f.wireMessage
			cur = &m
		}
		if f.fin {
			d.messages = append(d.messages, *cur)
			cur = nil
		}
	}
}

// relayFrame is one frame: a message of one frame, and its FIN bit.
type relayFrame struct {
	wireMessage
	fin bool
}

// readRelayFrame reads one frame, unmasking its payload.
func readRelayFrame(br *bufio.Reader) (relayFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return relayFrame{}, err // io.EOF only between frames
	}
	f := relayFrame{wireMessage: wireMessage{op: h[0] & 0x0f, rsv: int(h[0]>>4) & 7, masked: h[1]&0x80 != 0, frames: 1}, fin: h[0]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxWireFrame {
		return f, fmt.Errorf("a frame of %d bytes", n)
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return f, unexpectedEOF(err)
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(br, f.payload); err != nil {
		return f, unexpectedEOF(err)
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= key[i&3]
		}
	}
	return f, nil
}

// unexpectedEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
