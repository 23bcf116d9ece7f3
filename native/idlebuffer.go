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
	if c.raw == nil || c.br.Buffered() > 0 {
		return nil
	}
	now := time.Now()
	last := c.lastFrame
	c.lastFrame = now
	if !last.IsZero() && now.Sub(last) < quietAfter {
		return nil
	}
	c.br = nil // not pooled: a pool keeps idle buffers alive until two GCs
	err := waitReadable(c.raw)
	c.br = bufio.NewReaderSize(c.activity, readBufferSize)
	return err
}
