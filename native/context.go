package native

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it makes a blocked read
// or write return at once.
var aLongTimeAgo = time.Unix(1, 0)

// ReadMessageContext is ReadMessage bounded by ctx. When ctx ends while it
// waits for the next message to start, it returns an error wrapping
// ctx.Err() and the connection stays usable: nothing of a frame was
// consumed. When ctx ends in the middle of a message, the rest of that
// message cannot be skipped safely, so the connection is dropped (no Close
// frame) and the error also wraps ctx.Err(). A context that can never end
// (context.Background) costs nothing; others cost one context.AfterFunc per
// call.
func (c *Conn) ReadMessageContext(ctx context.Context, dst []byte) (MessageType, []byte, error) {
	if ctx.Done() == nil {
		return c.ReadMessage(dst)
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if err := ctx.Err(); err != nil && c.readErr == nil {
		return 0, dst, fmt.Errorf("native: read: %w", err)
	}
	var mu sync.Mutex // orders the cancellation against the read's end
	over, canceled := false, false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !over {
			canceled = true
			c.readCanceled.Store(true)
			c.nc.SetReadDeadline(aLongTimeAgo)
		}
	})
	typ, msg, err := c.readMessageLocked(dst)
	mu.Lock()
	over = true
	mu.Unlock()
	stop()
	if !canceled {
		return typ, msg, err
	}
	c.readCanceled.Store(false)
	c.restoreReadDeadline()
	switch {
	case errors.Is(err, errReadCanceled):
		return 0, msg, fmt.Errorf("native: read: %w", ctx.Err())
	case errors.Is(err, errReadCanceledMidMessage):
		return 0, msg, fmt.Errorf("%w: %w", err, ctx.Err())
	}
	return typ, msg, err
}

// WriteMessageContext is WriteMessage bounded by ctx. If ctx ends before
// the message has been written, the connection is dropped (no Close frame)
// and the error wraps ctx.Err(): a frame cannot be taken back once it may
// have started to go out, and the peer would read garbage after half of
// one. Use it to give up on a peer that stopped reading. A context that can
// never end costs nothing; others cost one context.AfterFunc per call.
func (c *Conn) WriteMessageContext(ctx context.Context, typ MessageType, p []byte) error {
	if ctx.Done() == nil {
		return c.WriteMessage(typ, p)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("native: write: %w", err)
	}
	var mu sync.Mutex
	over := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !over {
			c.finish(fmt.Errorf("native: write canceled, connection dropped: %w", ctx.Err()))
		}
	})
	err := c.WriteMessage(typ, p)
	mu.Lock()
	over = true
	mu.Unlock()
	stop()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("native: write canceled, connection dropped: %w", ctx.Err())
	}
	return err
}

// PingContext sends a Ping and waits for the peer's Pong to it, which
// tells that the peer is alive and reading, and how long a round trip
// takes. The Pong is read by ReadMessage, so another goroutine must be
// reading (as under package websocket). It returns ctx's error when ctx
// ends first (the connection stays open), and the reason the connection
// ended if it ends first.
func (c *Conn) PingContext(ctx context.Context) error {
	c.pingMu.Lock()
	c.pingSeq++
	id := c.pingSeq
	ch := make(chan struct{})
	if c.pings == nil {
		c.pings = make(map[uint64]chan struct{})
	}
	c.pings[id] = ch
	c.pingMu.Unlock()
	defer func() {
		c.pingMu.Lock()
		delete(c.pings, id)
		c.pingMu.Unlock()
	}()
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], id)
	if err := c.w.write(opPing, p[:], false); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("native: ping: %w", ctx.Err())
	case <-c.done:
		if err := c.closeResult(); err != nil {
			return err
		}
		return ErrClosed
	}
}

// pongReceived wakes the PingContext waiting for the Pong with payload p.
func (c *Conn) pongReceived(p []byte) {
	if len(p) != 8 {
		return
	}
	id := binary.BigEndian.Uint64(p)
	c.pingMu.Lock()
	if ch, ok := c.pings[id]; ok {
		close(ch)
		delete(c.pings, id)
	}
	c.pingMu.Unlock()
}
