package impl

import (
	"bufio"
	"io"
	"net"
	"time"

	"github.com/gobwas/ws"
)

// refBuffer is the size of the reference server's read and write buffers.
// Small frames echoed back to back leave in one write of up to this size;
// larger ones go out in one writev with their header.
const refBuffer = 8 << 10

// serveRef runs the reference echo server: each connection is upgraded with
// ws.Upgrade on the raw TCP connection and then echoed frame by frame, a
// fragmented message coming back fragmented the same way. A frame is read
// whole into a reused buffer, unmasked, and written back unmasked; the
// buffered echoes are flushed once no more input is buffered, so that under
// pipelining several echoes leave in one write. Pings are answered, and a
// Close is echoed before the connection is closed. It never negotiates
// compression.
func serveRef(ln net.Listener, _ Deflate) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return acceptErr(err)
		}
		go refConn(conn)
	}
}

// refConn serves one connection of the reference server.
func refConn(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := ws.Upgrade(conn); err != nil {
		return
	}
	conn.SetDeadline(time.Time{})
	br := bufio.NewReaderSize(conn, refBuffer)
	bw := bufio.NewWriterSize(conn, refBuffer)
	var (
		rh      = make([]byte, ws.MaxHeaderSize-2)
		wh      = make([]byte, ws.MaxHeaderSize)
		out     headerBytes
		payload []byte
	)
	for {
		h, err := ws.ReadHeaderBuffer(br, rh)
		if err != nil || h.Length > MaxMessage {
			return
		}
		payload = grow(payload, int(h.Length))
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
			h.Masked = false
		}
		switch h.OpCode {
		case ws.OpPong:
			continue
		case ws.OpPing:
			h.OpCode = ws.OpPong
		}
		if err := ws.WriteHeaderBuffer(&out, h, wh); err != nil {
			return
		}
		if err := writeFrame(conn, bw, out.b[:out.n], payload); err != nil || h.OpCode == ws.OpClose {
			bw.Flush()
			return
		}
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

// writeFrame buffers a frame in bw when it fits, and otherwise flushes bw and
// sends header and payload in one writev.
func writeFrame(conn net.Conn, bw *bufio.Writer, header, payload []byte) error {
	if len(header)+len(payload) <= bw.Available() {
		bw.Write(header)
		_, err := bw.Write(payload)
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	bufs := net.Buffers{header, payload}
	_, err := bufs.WriteTo(conn)
	return err
}

// headerBytes receives the header ws.WriteHeaderBuffer writes.
type headerBytes struct {
	b [ws.MaxHeaderSize]byte
	n int
}

func (h *headerBytes) Write(p []byte) (int, error) {
	h.n = copy(h.b[:], p)
	return h.n, nil
}

// grow returns buf resized to n bytes, reallocated only when too small.
func grow(buf []byte, n int) []byte {
	if cap(buf) < n {
		return make([]byte, n)
	}
	return buf[:n]
}
