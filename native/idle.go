package native

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// activityReader sits under a Conn's bufio.Reader and counts the bytes that
// arrive from the peer, so the idle watch sees progress even inside a large
// frame that trickles in.
type activityReader struct {
	r io.Reader
	n atomic.Uint64
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.n.Add(uint64(n))
	}
	return n, err
}

// idleTicks is the number of timer ticks per IdleTimeout: the idle watch
// notices silence within an eighth of IdleTimeout of its end.
const idleTicks = 8

// idleWatch is ConnOptions.IdleTimeout at work: a timer that ticks
// idleTicks times per IdleTimeout and looks at the bytes read since its last
// tick. Times are measured from the clock, not counted in ticks, so a late
// tick (a loaded machine) delays the verdict by at most that tick.
type idleWatch struct {
	mu       sync.Mutex // guards the fields below (ticks run on timer goroutines)
	timer    *time.Timer
	period   time.Duration
	seen     uint64    // the activity count at the last tick with progress
	activeAt time.Time // when that tick ran (the peer was heard within a period before)
	pingedAt time.Time // when the keepalive Ping went out; zero if none since activeAt
}

// startIdleWatch arms the idle watch when IdleTimeout is set.
func (c *Conn) startIdleWatch() {
	d := c.cfg.opts.IdleTimeout
	if d <= 0 {
		return
	}
	w := &c.idle
	w.mu.Lock()
	defer w.mu.Unlock()
	w.period = max(d/idleTicks, time.Millisecond)
	w.seen = c.activity.n.Load()
	w.activeAt = time.Now()
	w.timer = time.AfterFunc(w.period, c.idleTick)
}

// idleTick runs on the timer: progress resets the watch; IdleTimeout of
// silence sends a Ping; IdleTimeout more without a byte fails the
// connection with ErrIdleTimeout. Silence counts only while a ReadMessage
// is in progress: bytes the peer sent are not seen while nobody reads.
func (c *Conn) idleTick() {
	w := &c.idle
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	d := c.cfg.opts.IdleTimeout
	switch n := c.activity.n.Load(); {
	case n != w.seen || !c.reading.Load():
		// Progress, or nobody reading (a program that paused reading
		// pushes back on the peer, which is then silent by our doing):
		// the silence counts from now.
		w.seen, w.activeAt, w.pingedAt = n, now, time.Time{}
	case !w.pingedAt.IsZero() && now.Sub(w.pingedAt) >= d:
		go c.finish(ErrIdleTimeout) // not under w.mu: teardown stops the timer
		return
	case w.pingedAt.IsZero() && now.Sub(w.activeAt) >= d:
		// A Ping asks the peer for a Pong, which counts as activity.
		c.w.write(opPing, nil, false)
		w.pingedAt = now
	}
	select {
	case <-c.done:
	default:
		w.timer.Reset(w.period)
	}
}

// stopIdleWatch stops the timer once the connection is over.
func (c *Conn) stopIdleWatch() {
	c.idle.mu.Lock()
	defer c.idle.mu.Unlock()
	if c.idle.timer != nil {
		c.idle.timer.Stop()
	}
}
