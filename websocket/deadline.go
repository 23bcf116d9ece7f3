package websocket

import (
	"context"
	"os"
	"sync"
	"time"
)

// deadline is one direction's deadline of a net.Conn, as net.Pipe keeps
// it: a channel closed when the deadline passes, replaced only when a
// deadline is set again after it passed, so that an operation waiting on
// the channel sees a deadline moved while it waits.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	tok   *byte // identifies the running timer to its callback
	cur   *expiry
}

// expiry is one channel of a deadline and the functions to run when it
// closes (context.AfterFunc registrations).
type expiry struct {
	ch    chan struct{}
	funcs map[*func()]struct{}
}

// closed reports whether the deadline has passed. The caller holds mu.
func (e *expiry) closed() bool {
	select {
	case <-e.ch:
		return true
	default:
		return false
	}
}

// set moves the deadline: zero clears it, a past time expires it now.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	if d.cur == nil || d.cur.closed() && (t.IsZero() || time.Until(t) > 0) {
		d.cur = &expiry{ch: make(chan struct{})}
	}
	if d.timer != nil {
		// A callback already started finds another timer and does nothing.
		d.timer.Stop()
		d.timer, d.tok = nil, nil
	}
	e := d.cur
	var fire []func()
	switch dur := time.Until(t); {
	case t.IsZero():
	case dur > 0:
		tok := new(byte)
		d.tok = tok
		d.timer = time.AfterFunc(dur, func() { d.expire(e, tok) })
	default:
		fire = d.expireLocked(e)
	}
	d.mu.Unlock()
	for _, f := range fire {
		f()
	}
}

// expire is a timer's callback: it closes e unless the timer was replaced.
func (d *deadline) expire(e *expiry, tok *byte) {
	d.mu.Lock()
	var fire []func()
	if d.tok == tok {
		d.timer, d.tok = nil, nil
		fire = d.expireLocked(e)
	}
	d.mu.Unlock()
	for _, f := range fire {
		f()
	}
}

// expireLocked closes e and returns the functions to run.
func (d *deadline) expireLocked(e *expiry) []func() {
	if e.closed() {
		return nil
	}
	close(e.ch)
	fire := make([]func(), 0, len(e.funcs))
	for f := range e.funcs {
		fire = append(fire, *f)
	}
	e.funcs = nil
	return fire
}

// context returns a context that ends when the deadline passes, with
// os.ErrDeadlineExceeded: engine calls taking a context then honour a
// deadline moved while they wait, without a goroutine per call.
func (d *deadline) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == nil {
		d.cur = &expiry{ch: make(chan struct{})}
	}
	return &deadlineContext{d: d, e: d.cur}
}

// deadlineContext is a context.Context over one expiry of a deadline.
type deadlineContext struct {
	d *deadline
	e *expiry
}

func (c *deadlineContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *deadlineContext) Done() <-chan struct{}       { return c.e.ch }
func (c *deadlineContext) Value(any) any               { return nil }

// Err returns os.ErrDeadlineExceeded once the deadline passed.
func (c *deadlineContext) Err() error {
	select {
	case <-c.e.ch:
		return os.ErrDeadlineExceeded
	default:
		return nil
	}
}

// AfterFunc registers f to run when the deadline passes; context.AfterFunc
// uses it instead of starting a goroutine to wait on Done.
func (c *deadlineContext) AfterFunc(f func()) (stop func() bool) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if c.e.closed() {
		go f()
		return func() bool { return false }
	}
	if c.e.funcs == nil {
		c.e.funcs = make(map[*func()]struct{})
	}
	key := &f
	c.e.funcs[key] = struct{}{}
	return func() bool {
		c.d.mu.Lock()
		defer c.d.mu.Unlock()
		_, ok := c.e.funcs[key]
		delete(c.e.funcs, key)
		return ok
	}
}
