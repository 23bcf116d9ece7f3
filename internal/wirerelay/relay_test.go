//go:build !js

package wirerelay

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testTimeout bounds every connection of these tests.
const testTimeout = 10 * time.Second

// appendFrame appends one frame to b, masked with key when key is not nil.
func appendFrame(b []byte, fin bool, rsv int, op byte, key []byte, payload []byte) []byte {
	b0 := op | byte(rsv)<<4
	if fin {
		b0 |= 0x80
	}
	var mask byte
	if key != nil {
		mask = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, b0, mask|byte(n))
	case n <= 0xffff:
		b = append(b, b0, mask|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, b0, mask|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if key == nil {
		return append(b, payload...)
	}
	b = append(b, key...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

// deflate compresses each message with one writer, as permessage-deflate
// with context takeover does, and returns each one's payload with the sync
// flush tail stripped.
func deflate(t *testing.T, msgs ...string) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	var out [][]byte
	for _, m := range msgs {
		buf.Reset()
		_, err := io.WriteString(w, m)
		require.NoError(t, err)
		require.NoError(t, w.Flush())
		p := buf.Bytes()
		require.True(t, bytes.HasSuffix(p, inflateTail[:4]), "the flush does not end in the sync tail: %x", p)
		out = append(out, bytes.Clone(p[:len(p)-4]))
	}
	return out
}

// closePayload is a Close frame's payload: code, then reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// TestRelay relays one connection: the client sends a masked, compressed
// (RSV1) text message and a Close; the server answers 101, then a binary
// message compressed and fragmented in two frames, a plain text message of
// 300 B (a 16-bit length), a ping and a Close. Both ends must get exactly
// the other's bytes, and the relay must record the heads and every message
// as sent, payloads unmasked.
func TestRelay(t *testing.T) {
	const (
		upText  = "hello, hello, hello, hello from the client"
		downBin = "the server's binary message, the server's binary message"
	)
	plain := strings.Repeat("p", 300)
	upZ := deflate(t, upText)[0]
	downZ := deflate(t, downBin)[0]

	request := "GET /echo HTTP/1.1\r\nHost: example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
	up := []byte(request)
	key := []byte{1, 2, 3, 4}
	up = appendFrame(up, true, 4, 1, key, upZ)
	up = appendFrame(up, true, 0, 8, key, closePayload(1000, "done"))

	response := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
	down := []byte(response)
	half := len(downZ) / 2
	down = appendFrame(down, false, 4, 2, nil, downZ[:half])
	down = appendFrame(down, true, 0, 0, nil, downZ[half:])
	down = appendFrame(down, true, 0, 1, nil, []byte(plain))
	down = appendFrame(down, true, 0, 9, nil, []byte("ping"))
	down = appendFrame(down, true, 0, 8, nil, closePayload(1000, "bye"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	serverGot := make(chan []byte, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			serverGot <- nil
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(testTimeout))
		// Everything at once: the relay forwards the client's bytes
		// while these go the other way.
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			nc.Write(down)
			nc.(*net.TCPConn).CloseWrite()
		}()
		got, _ := io.ReadAll(nc)
		<-wrote
		serverGot <- got
	}()

	r := Start(t, ln.Addr().String())
	nc, err := net.Dial("tcp", r.Addr())
	require.NoError(t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(testTimeout))
	_, err = nc.Write(up)
	require.NoError(t, err)
	require.NoError(t, nc.(*net.TCPConn).CloseWrite())
	clientGot, err := io.ReadAll(nc)
	require.NoError(t, err)
	assert.Equal(t, down, clientGot, "what the client received")
	assert.Equal(t, up, <-serverGot, "what the server received")

	conns := r.Connections()
	require.Len(t, conns, 1, "connections")
	c := conns[0]
	select {
	case <-c.Done():
	case <-time.After(testTimeout):
		t.Fatal("the relayed connection did not end")
	}

	require.NoError(t, c.Up.Err, "parsing what the client sent")
	assert.Equal(t, "GET /echo HTTP/1.1", c.Up.Head)
	assert.Equal(t, []string{"permessage-deflate"}, c.Up.Header.Values("Sec-WebSocket-Extensions"))
	upData, upControl := c.Up.Split()
	assert.Equal(t, []Message{{Op: 1, RSV: 4, Masked: true, Frames: 1, Payload: upZ}}, upData, "the client's data messages")
	if assert.Len(t, upControl, 1, "the client's control frames") {
		assert.Equal(t, `close 1000 "done" rsv=0`, upControl[0].CloseString())
		assert.True(t, upControl[0].Masked, "the client's Close is masked")
	}
	if got, err := Inflate(upData[0].Payload); assert.NoError(t, err, "inflating the client's message") {
		assert.Equal(t, upText, string(got))
	}

	require.NoError(t, c.Down.Err, "parsing what the server sent")
	assert.Equal(t, "HTTP/1.1 101 Switching Protocols", c.Down.Head)
	assert.Equal(t, http.Header{
		"Upgrade":                  {"websocket"},
		"Connection":               {"Upgrade"},
		"Sec-Websocket-Extensions": {"permessage-deflate"},
	}, c.Down.Header)
	downData, downControl := c.Down.Split()
	assert.Equal(t, []Message{
		{Op: 2, RSV: 4, Frames: 2, Payload: downZ},
		{Op: 1, Frames: 1, Payload: []byte(plain)},
	}, downData, "the server's data messages")
	assert.Equal(t, []Message{
		{Op: 9, Frames: 1, Payload: []byte("ping")},
		{Op: 8, Frames: 1, Payload: closePayload(1000, "bye")},
	}, downControl, "the server's control frames")
	assert.Equal(t, 4, len(c.Down.Messages), "the server's messages, in order: %v", c.Down.Messages)
	if got, err := Inflate(downData[0].Payload); assert.NoError(t, err, "inflating the server's message") {
		assert.Equal(t, downBin, string(got))
	}
	assert.Equal(t, "56 B in 2 frame(s), rsv=4", Message{Op: 2, RSV: 4, Frames: 2, Payload: make([]byte, 56)}.String())
	assert.Equal(t, "op 9 rsv=0, not a close", downControl[0].CloseString())
}

// TestRelayNotUpgraded: an answer other than 101 is forwarded unchanged
// and stops the parsing of the server's side with an error.
func TestRelayNotUpgraded(t *testing.T) {
	const response = "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(testTimeout))
		http.ReadRequest(bufio.NewReader(nc))
		io.WriteString(nc, response)
	}()

	r := Start(t, ln.Addr().String())
	nc, err := net.Dial("tcp", r.Addr())
	require.NoError(t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(testTimeout))
	_, err = io.WriteString(nc, "GET / HTTP/1.1\r\nHost: example\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, nc.(*net.TCPConn).CloseWrite())
	got, err := io.ReadAll(nc)
	require.NoError(t, err)
	assert.Equal(t, response, string(got), "what the client received")

	conns := r.Connections()
	require.Len(t, conns, 1, "connections")
	select {
	case <-conns[0].Done():
	case <-time.After(testTimeout):
		t.Fatal("the relayed connection did not end")
	}
	assert.EqualError(t, conns[0].Down.Err, "not upgraded: HTTP/1.1 403 Forbidden")
	assert.Equal(t, "HTTP/1.1 403 Forbidden", conns[0].Down.Head)
}

// TestInflateStream: messages compressed with one writer (context
// takeover) inflate as one stream to their contents, concatenated, while
// the second, which refers back to the first, does not inflate alone to
// its content.
func TestInflateStream(t *testing.T) {
	msg := strings.Repeat("abcdefgh, ", 50)
	z := deflate(t, msg, msg)
	assert.Less(t, len(z[1]), len(z[0]), "the repeat should compress smaller")
	got, err := InflateStream([]Message{{Payload: z[0]}, {Payload: z[1]}})
	require.NoError(t, err)
	assert.Equal(t, msg+msg, string(got))
	if alone, err := Inflate(z[1]); err == nil {
		assert.NotEqual(t, msg, string(alone), "the repeat inflates on its own")
	}
}
