package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// stream measures throughput with l.window messages in flight: a writer
// goroutine sends while fewer than window messages wait for their echo, and
// each echo frees a slot. A pulled client receives on this goroutine; an
// event-driven one counts echoes in its message handler.
func stream(im impl.Impl, url string, w workload, l limits) (result, error) {
	if im.Pull != nil {
		return streamPull(im, url, w, l)
	}
	return streamEvents(im, url, w, l)
}

// errDrain is the error of a stream whose last echoes did not come back.
var errDrain = errors.New("drain: echoes still missing")

// flow is the state of a stream measurement. The writer owns the sending
// side, the goroutine that receives the echoes the rest.
type flow struct {
	l     limits
	w     workload
	slots chan struct{} // a token per message in flight
	stop  atomic.Bool   // set once measured: the writer stops
	quit  chan struct{} // closed when the measurement is over or failed
	sent  atomic.Int64
	recvd atomic.Int64
	every int64 // the clock is read every that many echoes

	warmEnd time.Time
	start   time.Time // of the measurement; zero during the warm-up
	startN  int64
	res     result
	over    bool

	writerDone chan struct{} // closed when write returned, with writerErr set
	writerErr  error
}

func newFlow(w workload, l limits) *flow {
	f := &flow{
		l:          l,
		w:          w,
		slots:      make(chan struct{}, l.window),
		quit:       make(chan struct{}),
		every:      1,
		warmEnd:    time.Now().Add(l.warm),
		writerDone: make(chan struct{}),
	}
	if w.size() < 4<<10 {
		f.every = 8 // small echoes come too fast to read the clock for each
	}
	return f
}

// startWriter sends on s from a goroutine of its own until stop is set,
// holding a slot per message. The count is bounded too, above what the
// warm-up and the measurement can take.
func (f *flow) startWriter(s impl.Sender) {
	go func() {
		defer close(f.writerDone)
		for range 2*f.l.maxMsgs + f.l.window {
			select {
			case f.slots <- struct{}{}:
			case <-f.quit:
				return
			}
			if f.stop.Load() {
				<-f.slots
				return
			}
			n := f.sent.Add(1)
			if err := s.Send(f.w.msg(n - 1)); err != nil {
				f.writerErr = fmt.Errorf("send: %w", err)
				return
			}
		}
	}()
}

// finish ends the measurement: the writer stops, and after the connection
// closed, it is waited for.
func (f *flow) finish(c impl.Conn, err error) error {
	f.stop.Store(true)
	close(f.quit)
	err = closeConn(c, err)
	select {
	case <-f.writerDone:
	case <-time.After(cellSlack):
	}
	return err
}

// echoed takes an echo and reports whether the measurement just ended.
// Echoes keep coming after that, until the writer stopped and every message
// came back.
func (f *flow) echoed(p []byte) (done bool, err error) {
	n := f.recvd.Add(1)
	select {
	case <-f.slots:
	default:
		return true, errors.New("an echo of no message in flight")
	}
	measuring := !f.start.IsZero()
	if err := check(p, f.w.msg(n-1), f.l.verify || !measuring || n == 1); err != nil {
		return true, err
	}
	if f.over {
		return false, nil
	}
	if !measuring {
		if n < int64(f.l.maxMsgs) && (n%f.every != 0 || time.Now().Before(f.warmEnd)) {
			return false, nil
		}
		f.start, f.startN = time.Now(), n
		return false, nil
	}
	m := n - f.startN
	if m < int64(f.l.maxMsgs) && n%f.every != 0 {
		return false, nil
	}
	if now := time.Now(); m >= int64(f.l.maxMsgs) || now.Sub(f.start) >= f.l.dur {
		f.res = result{msgs: int(m), seconds: now.Sub(f.start).Seconds()}
		f.over = true
		return true, nil
	}
	return false, nil
}

// drainedResult is the measurement, once drained reported every message
// back.
func (f *flow) drainedResult() result {
	res := f.res
	res.echoes = int(f.recvd.Load())
	return res
}

// drained reports whether the writer stopped and every message it sent came
// back, or the writer failed.
func (f *flow) drained() (bool, error) {
	select {
	case <-f.writerDone:
		return f.writerErr != nil || f.recvd.Load() == f.sent.Load(), f.writerErr
	default:
		return false, nil
	}
}

// streamPull runs a stream on a pulled client.
func streamPull(im impl.Impl, url string, w workload, l limits) (res result, err error) {
	f := newFlow(w, l)
	ctx, cancel := dialCtx()
	defer cancel()
	c, err := im.Pull(ctx, url, w.cfg)
	if err != nil {
		return res, fmt.Errorf("dial: %w", err)
	}
	if err := l.hook(l.opened); err != nil {
		return res, closeConn(c, err)
	}
	watchdog := time.AfterFunc(l.timeout(), c.Abort)
	defer func() {
		if !watchdog.Stop() {
			err = errTimeout
		}
		err = f.finish(c, err)
	}()
	f.startWriter(c)
	for done := false; !done; {
		p, err := c.Receive()
		if err != nil {
			return res, fmt.Errorf("receive: %w", err)
		}
		if done, err = f.echoed(p); err != nil {
			return res, err
		}
	}
	// Drain: stop the writer and take back every message it sent, so that
	// the connection is quiet when it closes.
	f.stop.Store(true)
	for deadline := time.Now().Add(cellSlack); time.Now().Before(deadline); {
		if f.recvd.Load() < f.sent.Load() {
			p, err := c.Receive()
			if err != nil {
				return res, fmt.Errorf("receive: %w", err)
			}
			if _, err := f.echoed(p); err != nil {
				return res, err
			}
			continue
		}
		// Nothing owed: the writer is returning, or sending one more.
		if over, err := f.drained(); err != nil {
			return res, err
		} else if over {
			return f.drainedResult(), l.hook(l.quiet)
		}
		time.Sleep(100 * time.Microsecond)
	}
	return res, errDrain
}

// streamEvents runs a stream on an event-driven client.
func streamEvents(im impl.Impl, url string, w workload, l limits) (result, error) {
	f := newFlow(w, l) // before the dial: the handler's goroutine starts after it
	measured, report := firstErr()
	h := impl.Handler{
		Message: func(_ impl.Sender, p []byte) {
			if done, err := f.echoed(p); done || err != nil {
				report(err)
			}
		},
		End: func(err error) { report(fmt.Errorf("connection ended: %w", err)) },
	}
	ctx, cancel := dialCtx()
	defer cancel()
	c, err := im.Events(ctx, url, w.cfg, h)
	if err != nil {
		return result{}, fmt.Errorf("dial: %w", err)
	}
	if err := l.hook(l.opened); err != nil {
		return result{}, closeConn(c, err)
	}
	f.startWriter(c)
	deadline := time.Now().Add(l.timeout())
	timer := time.NewTimer(l.timeout())
	defer timer.Stop()
	select {
	case err = <-measured:
	case <-f.writerDone:
		if err = f.writerErr; err == nil {
			err = errors.New("the writer stopped before the measurement ended")
		}
	case <-timer.C:
		err = errTimeout
	}
	if err != nil {
		c.Abort()
		return result{}, f.finish(c, err) // the handler may still run: f.res is not read
	}
	// Drain, as in streamPull; the handler takes the echoes.
	f.stop.Store(true)
	for ; time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		select {
		case err := <-measured: // the connection failed while draining
			c.Abort()
			return result{}, f.finish(c, err)
		default:
		}
		if over, err := f.drained(); err != nil {
			c.Abort()
			return result{}, f.finish(c, err)
		} else if over {
			return f.drainedResult(), f.finish(c, l.hook(l.quiet))
		}
	}
	c.Abort()
	return result{}, f.finish(c, errDrain)
}
