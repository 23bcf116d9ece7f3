package native

import (
	"bufio"
	"time"
)

// readBufferSize is the size of a read buffer taken for a connection.
const readBufferSize = 4096

// quietAfter is how long a connection goes without a frame before its
// reads wait without a buffer: a busy connection keeps its buffer (the
// wait costs a syscall more per read), one that is quiet, or has been
// from the start, gives it back.
const quietAfter = time.Second

// awaitData is called before a frame header is read. When nothing is
// buffered, the connection supports it and has been quiet (quietAfter),
// it lets go of the read buffer, waits until the peer's bytes (or its
// EOF, or an error) are there, and reads into a new buffer: an idle
// connection keeps no read buffer (4 KiB, most of its memory), where the
// platform lets it wait for readability without reading (waitReadable).
// A read deadline ends the wait as it would end a read. Only readers call
// it, under readMu.
func (c *Conn) awaitData() error {
	if c.readable {
		// WaitReadable has waited; lastFrame keeps when that wait began.
		c.readable = false
		return nil
	}
	if c.raw == nil || c.br.Buffered() > 0 {
		return nil
	}
	now := time.Now()
	last := c.lastFrame
	c.lastFrame = now
	if !last.IsZero() && now.Sub(last) < quietAfter {
		return nil
	}
	return c.waitUnbuffered()
}

// waitUnbuffered waits for readability without a read buffer (awaitData),
// under readMu.
func (c *Conn) waitUnbuffered() error {
	c.br = nil // not pooled: a pool keeps idle buffers alive until two GCs
	err := waitReadable(c.raw)
	c.br = bufio.NewReaderSize(c.activity, readBufferSize)
	return err
}

// Quiet reports whether the next ReadMessage would wait as an idle
// connection does, without a read buffer: the connection has not ended,
// nothing of the peer's is buffered, the platform lets a read wait for
// readability (a plain TCP or Unix socket on a Unix system, not TLS), and
// the last wait for a frame began a second ago or more (the last frame
// took that long to come), or none has begun yet. A read loop that finds
// it quiet can call WaitReadable on a goroutine of its own and return, so
// that the idle connection holds neither a read buffer nor the loop's
// grown stack; after WaitReadable it should read before it asks again.
func (c *Conn) Quiet() bool {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	return c.quietLocked()
}

// quietLocked is Quiet under readMu.
func (c *Conn) quietLocked() bool {
	return c.raw != nil && c.readErr == nil && !c.ended.Load() && c.br.Buffered() == 0 &&
		(c.lastFrame.IsZero() || time.Since(c.lastFrame) >= quietAfter)
}

// WaitReadable waits until the peer's next bytes, its EOF or an error are
// there to read, holding no read buffer meanwhile, and returns at once when
// bytes are buffered already, the connection has ended or it cannot wait
// that way (see Quiet). The wait counts as reading for IdleTimeout, and a
// read deadline ends it. It reads nothing: the next ReadMessage reads the
// message and reports whatever ended the wait, so its error may be
// ignored. The wait counts as the wait for that message's first frame:
// when it lasted a second or more, the connection is Quiet again once the
// message has been read.
func (c *Conn) WaitReadable() error {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.raw == nil || c.readErr != nil || c.ended.Load() || c.br.Buffered() > 0 {
		return nil
	}
	return c.waitReadableLocked()
}

// awaitQuiet is awaitData's wait for the first frame of a message, taken
// by ReadMessage before it calls readMessageLocked when the connection is
// quiet, under readMu: a new goroutine that waits in ReadMessage on an
// idle connection then parks with shallow frames only, within its 2 KiB
// stack, where under readMessageLocked's the stack had to grow to 4 KiB.
// Whatever ended the wait, the read reports. It helps only a goroutine
// whose stack has not grown already: reading a message grows it, and the
// runtime does not shrink a 4 KiB stack that waits on the network. (Nor
// does it help ReadMessageContext with a context that can end: registering
// its context.AfterFunc goes deeper.)
func (c *Conn) awaitQuiet() {
	if !c.readable && c.quietLocked() {
		_ = c.waitReadableLocked()
	}
}

// waitReadableLocked is WaitReadable's wait, under readMu.
func (c *Conn) waitReadableLocked() error {
	c.reading.Store(true) // the idle watch judges silence only while we read
	defer c.reading.Store(false)
	c.lastFrame = time.Now()
	err := c.waitUnbuffered()
	c.readable = true // the next ReadMessage reads at once
	return err
}
