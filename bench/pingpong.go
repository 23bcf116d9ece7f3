package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// pingPong measures one message in flight: send, wait for the echo, send
// the next. A pulled client runs the loop on this goroutine; an event-driven
// one sends the next message from its message handler, as an event-driven
// program does.
func pingPong(im impl.Impl, url string, w workload, l limits) (result, error) {
	if im.Pull != nil {
		return pingPongPull(im, url, w, l)
	}
	return pingPongEvents(im, url, w, l)
}

// roundTrips is the state of a ping-pong measurement, owned by the goroutine
// that receives the echoes.
type roundTrips struct {
	l       limits
	w       workload
	msg     []byte    // the message in flight
	warmEnd time.Time // the warm-up ends with the first echo from then on
	n       int       // echoes received
	start   time.Time // of the measurement; zero during the warm-up
	sent    time.Time // when the message in flight was sent, once measuring
	lat     []time.Duration
}

func newRoundTrips(w workload, l limits) *roundTrips {
	return &roundTrips{l: l, w: w, msg: w.msg(0), warmEnd: time.Now().Add(l.warm)}
}

// echoed takes the echo of the message in flight, received at now, and
// reports whether the measurement is over; if not, the caller sets sent and
// sends the next message, rt.msg.
func (rt *roundTrips) echoed(p []byte, now time.Time) (done bool, err error) {
	rt.n++
	measuring := !rt.start.IsZero()
	if err := check(p, rt.msg, rt.l.verify || !measuring); err != nil {
		return true, err
	}
	rt.msg = rt.w.msg(int64(rt.n))
	if !measuring {
		if now.Before(rt.warmEnd) && rt.n < rt.l.maxMsgs {
			return false, nil
		}
		rt.start = now
		rt.lat = make([]time.Duration, 0, min(rt.l.maxMsgs, 1<<16))
		return false, nil
	}
	rt.lat = append(rt.lat, now.Sub(rt.sent))
	return now.Sub(rt.start) >= rt.l.dur || len(rt.lat) >= rt.l.maxMsgs, nil
}

// result returns the measurement, once echoed reported it over.
func (rt *roundTrips) result(end time.Time) result {
	slices.Sort(rt.lat)
	return result{
		msgs:    len(rt.lat),
		seconds: end.Sub(rt.start).Seconds(),
		p50:     percentile(rt.lat, 50),
		p99:     percentile(rt.lat, 99),
		echoes:  rt.n,
	}
}

// pingPongPull runs ping-pong on a pulled client.
func pingPongPull(im impl.Impl, url string, w workload, l limits) (res result, err error) {
	rt := newRoundTrips(w, l)
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
		err = closeConn(c, err)
	}()
	for {
		t := time.Now()
		if !rt.start.IsZero() {
			rt.sent = t
		}
		if err := c.Send(rt.msg); err != nil {
			return res, fmt.Errorf("send: %w", err)
		}
		p, err := c.Receive()
		if err != nil {
			return res, fmt.Errorf("receive: %w", err)
		}
		now := time.Now()
		done, err := rt.echoed(p, now)
		if err != nil {
			return res, err
		}
		if done {
			return rt.result(now), l.hook(l.quiet)
		}
	}
}

// pingPongEvents runs ping-pong on an event-driven client: this goroutine
// sends the first message, the message handler every next one.
func pingPongEvents(im impl.Impl, url string, w workload, l limits) (result, error) {
	rt := newRoundTrips(w, l) // before the dial: the handler's goroutine starts after it
	var res result
	ended, report := firstErr()
	h := impl.Handler{
		Message: func(s impl.Sender, p []byte) {
			now := time.Now()
			done, err := rt.echoed(p, now)
			if done || err != nil {
				if err == nil {
					res = rt.result(now)
				}
				report(err)
				return
			}
			if !rt.start.IsZero() {
				rt.sent = time.Now()
			}
			if err := s.Send(rt.msg); err != nil {
				report(fmt.Errorf("send: %w", err))
			}
		},
		End: func(err error) { report(fmt.Errorf("connection ended: %w", err)) },
	}
	ctx, cancel := dialCtx()
	defer cancel()
	c, err := im.Events(ctx, url, w.cfg, h)
	if err != nil {
		return res, fmt.Errorf("dial: %w", err)
	}
	if err := l.hook(l.opened); err != nil {
		return res, closeConn(c, err)
	}
	if err := c.Send(rt.msg); err != nil {
		return res, closeConn(c, fmt.Errorf("send: %w", err))
	}
	timer := time.NewTimer(l.timeout())
	defer timer.Stop()
	select {
	case err = <-ended:
	case <-timer.C:
		c.Abort()
		err = errTimeout
	}
	if err != nil {
		return result{}, closeConn(c, err) // the handler may still run: res is not read
	}
	return res, closeConn(c, l.hook(l.quiet))
}
