//go:build !js

package main

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// Message sizes: messages alternate between the two.
const (
	smallMessage = 16
	largeMessage = 1 << 10
)

// payload returns message number seq of socket id: 16 B for even seq,
// 1 KiB for odd, starting with id and seq and filled with a pattern of
// both, so that a lost, reordered, swapped or corrupted echo is seen.
func payload(id, seq uint32) []byte {
	n := smallMessage
	if seq%2 == 1 {
		n = largeMessage
	}
	p := make([]byte, n)
	binary.LittleEndian.PutUint32(p, id)
	binary.LittleEndian.PutUint32(p[4:], seq)
	for i := 8; i < n; i++ {
		p[i] = patternByte(i, id, seq)
	}
	return p
}

func patternByte(i int, id, seq uint32) byte { return byte(uint32(i)*31 + id*7 + seq*13) }

// isPayload reports whether p is payload(id, seq).
func isPayload(p []byte, id, seq uint32) bool {
	want := smallMessage
	if seq%2 == 1 {
		want = largeMessage
	}
	if len(p) != want || binary.LittleEndian.Uint32(p) != id || binary.LittleEndian.Uint32(p[4:]) != seq {
		return false
	}
	for i := 8; i < len(p); i++ {
		if p[i] != patternByte(i, id, seq) {
			return false
		}
	}
	return true
}

// send sends the socket's next message on ws.
func (s *sock) send(ws *websocket.WebSocket) {
	seq := s.sent.Add(1) - 1
	s.f.sent.Add(1)
	if err := ws.Send(websocket.ArrayBuffer(payload(s.id, seq))); err != nil {
		s.f.sendErrs.Add(1)
		s.f.note("socket %d: Send: %v", s.id, err)
	}
}

// onMessage checks the echo of the message in flight and, while the fleet
// is echoing, sends the next one.
func (s *sock) onMessage(ev *websocket.MessageEvent) {
	sent, recv := s.sent.Load(), s.recv.Load()
	data, isBuf := ev.Data.(websocket.ArrayBuffer)
	switch {
	case recv >= sent:
		s.f.bad.Add(1)
		s.f.note("socket %d: a message with none in flight (%d sent, %d echoed)", s.id, sent, recv)
		return
	case !isBuf:
		s.f.bad.Add(1)
		s.f.note("socket %d: message data is %T, want ArrayBuffer", s.id, ev.Data)
		return
	case !isPayload(data, s.id, recv):
		s.f.bad.Add(1)
		s.f.note("socket %d: echo of message %d is wrong (%d bytes)", s.id, recv, len(data))
		return
	}
	s.recv.Store(recv + 1)
	s.f.received.Add(1)
	if s.f.echoing.Load() {
		s.send(ev.Target())
	}
}

// inFlight returns the messages sent whose echo has not arrived (nor
// failed to send).
func (f *fleet) inFlight() int64 {
	return int64(f.sent.Load()) - int64(f.received.Load()) - int64(f.bad.Load()) - int64(f.sendErrs.Load())
}

// drain waits, within timeout, until no message is in flight, polling.
func (f *fleet) drain(ctx context.Context, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for f.inFlight() > 0 {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// echoOnce sends one message on each socket of ss and waits, within
// timeout, for the echoes.
func (f *fleet) echoOnce(ctx context.Context, ss []*sock, timeout time.Duration) bool {
	for _, s := range ss {
		s.send(s.ws)
	}
	return f.drain(ctx, timeout)
}
