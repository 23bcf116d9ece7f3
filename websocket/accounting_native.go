//go:build !js

package websocket

import (
	"context"
	"sync"
	"sync/atomic"
)

// writeAccount is the native transport's write accounting: bufferedAmount
// as the standard defines it, and what SendContext waits for. The engine's
// OnWritten hook feeds it from the writing goroutine with atomics only; a
// lock is taken only to wake goroutines waiting in SendContext, and only
// when there are some.
type writeAccount struct {
	// buffered is what BufferedAmount reports: it grows in Send and falls
	// only when the dispatcher runs a taskBuffered (observeWrites).
	buffered atomic.Uint64
	// pending counts payload bytes written but not yet taken off buffered.
	pending atomic.Int64
	// sent and written are monotonic byte counts of data queued and data
	// written: SendContext waits for written to pass its mark.
	sent    atomic.Uint64
	written atomic.Uint64
	// failed: a write failed, nothing more will be written; over: the close
	// event was dispatched.
	failed atomic.Bool
	over   atomic.Bool

	waiters atomic.Int32 // goroutines in wait
	mu      sync.Mutex   // guards nothing but the wait below
	cond    sync.Cond    // broadcast when written grows, a write fails or the socket closes
}

func (a *writeAccount) init() { a.cond.L = &a.mu }

// wrote is the engine's OnWritten hook, called on its writing goroutine
// once a write of n payload bytes ended: SendContext waiters wake now, and
// bufferedAmount falls when the dispatcher runs the offered task. A failed
// write counts nothing as written and wakes the waiters for good.
func (t *transport) wrote(n int, err error) {
	a := &t.writes
	if err != nil {
		a.failed.Store(true)
		a.wake()
		return
	}
	if n <= 0 {
		return
	}
	a.written.Add(uint64(n))
	a.wake()
	if a.pending.Add(int64(n)) == int64(n) {
		t.d.offer(task{kind: taskBuffered})
	}
}

// observeWrites lowers bufferedAmount by the bytes written since the last
// call; it runs on the dispatcher (taskBuffered, and before message and
// close events).
func (t *transport) observeWrites() {
	if n := t.writes.pending.Swap(0); n > 0 {
		t.writes.buffered.Add(^uint64(n - 1))
	}
}

// grow counts n bytes sent while not OPEN: nothing goes out, and
// bufferedAmount grows all the same, as the standard says.
func (t *transport) grow(n uint64) { t.writes.buffered.Add(n) }

// bufferedAmount is what BufferedAmount reports.
func (t *transport) bufferedAmount() uint64 { return t.writes.buffered.Load() }

// closed runs with the close event: SendContext waiters return.
func (t *transport) closed() {
	t.writes.over.Store(true)
	t.writes.wake()
}

// waitSent waits until everything Send queued so far has been written, the
// socket closes or a write fails (ErrNotOpen), or ctx ends.
func (t *transport) waitSent(ctx context.Context) error {
	return t.writes.wait(ctx, t.writes.sent.Load())
}

// wake wakes the goroutines in wait, if any.
func (a *writeAccount) wake() {
	if a.waiters.Load() == 0 {
		return
	}
	a.mu.Lock()
	a.cond.Broadcast()
	a.mu.Unlock()
}

// wait waits until written reaches mark, the socket closes, a write fails,
// or ctx ends.
func (a *writeAccount) wait(ctx context.Context, mark uint64) error {
	if a.written.Load() >= mark {
		return nil
	}
	a.waiters.Add(1)
	defer a.waiters.Add(-1)
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.written.Load() < mark {
		if err := ctx.Err(); err != nil {
			return err
		}
		if a.over.Load() || a.failed.Load() {
			return ErrNotOpen
		}
		a.cond.Wait()
	}
	return nil
}
