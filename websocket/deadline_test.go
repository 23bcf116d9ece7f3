package websocket

// The deadline type behind NetConn's deadlines: a channel closed when the
// deadline passes, seen through a context.

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadlineWait bounds the waits of these tests.
const deadlineWait = 5 * time.Second

// requireDone checks that ctx ends within deadlineWait, with
// os.ErrDeadlineExceeded.
func requireDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(deadlineWait):
		t.Fatalf("the deadline did not fire within %v", deadlineWait)
	}
	require.Equal(t, os.ErrDeadlineExceeded, ctx.Err())
}

// requireNotDone checks that ctx has not ended.
func requireNotDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatal("the context is done")
	default:
	}
	require.NoError(t, ctx.Err())
}

// TestDeadlineZero: a deadline never set, or set to zero, never fires, and
// its context has no Deadline nor Value.
func TestDeadlineZero(t *testing.T) {
	var d deadline
	ctx := d.context()
	requireNotDone(t, ctx)
	d.set(time.Time{})
	requireNotDone(t, ctx)
	requireNotDone(t, d.context())
	_, ok := ctx.Deadline()
	assert.False(t, ok)
	assert.Nil(t, ctx.Value("key"))
	select {
	case <-ctx.Done():
		t.Fatal("a zero deadline fired")
	case <-time.After(20 * time.Millisecond):
	}
}

// TestDeadlinePast: a past deadline ends the current context and later
// ones at once, with os.ErrDeadlineExceeded; setting another past
// deadline keeps it ended.
func TestDeadlinePast(t *testing.T) {
	var d deadline
	before := d.context()
	d.set(time.Now().Add(-time.Second))
	requireDone(t, before)
	after := d.context()
	requireDone(t, after)
	assert.Equal(t, before.Done(), after.Done(), "one expiry, one channel")
	d.set(time.Unix(1, 0))
	requireDone(t, d.context())
}

// TestDeadlineClearAfterExpiry: after a deadline passed, setting zero (or
// a future time) gives a fresh context that is not done, while the
// contexts taken before stay done.
func TestDeadlineClearAfterExpiry(t *testing.T) {
	var d deadline
	d.set(time.Unix(1, 0))
	old := d.context()
	requireDone(t, old)
	d.set(time.Time{})
	fresh := d.context()
	requireNotDone(t, fresh)
	requireDone(t, old)
	assert.NotEqual(t, old.Done(), fresh.Done())

	d.set(time.Unix(1, 0))
	requireDone(t, d.context())
	d.set(time.Now().Add(time.Hour))
	requireNotDone(t, d.context())
}

// TestDeadlineFuture: a future deadline fires, not before its time.
func TestDeadlineFuture(t *testing.T) {
	var d deadline
	start := time.Now()
	d.set(start.Add(30 * time.Millisecond))
	ctx := d.context()
	requireNotDone(t, ctx)
	requireDone(t, ctx)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
}

// TestDeadlineMovedEarlier: a context taken under a far deadline fires
// when the deadline is moved earlier (to a nearer time, or to the past)
// while it waits: the same channel closes.
func TestDeadlineMovedEarlier(t *testing.T) {
	t.Run("nearer", func(t *testing.T) {
		var d deadline
		d.set(time.Now().Add(time.Hour))
		ctx := d.context()
		d.set(time.Now().Add(20 * time.Millisecond))
		requireDone(t, ctx)
	})
	t.Run("past", func(t *testing.T) {
		var d deadline
		d.set(time.Now().Add(time.Hour))
		ctx := d.context()
		waiting := make(chan struct{})
		fired := make(chan struct{})
		go func() {
			close(waiting)
			<-ctx.Done()
			close(fired)
		}()
		<-waiting
		d.set(time.Unix(1, 0))
		select {
		case <-fired:
		case <-time.After(deadlineWait):
			t.Fatal("the waiting context did not fire")
		}
		assert.Equal(t, os.ErrDeadlineExceeded, ctx.Err())
	})
	t.Run("from none", func(t *testing.T) {
		var d deadline
		ctx := d.context() // taken before any deadline was set
		d.set(time.Now().Add(10 * time.Millisecond))
		requireDone(t, ctx)
	})
}

// TestDeadlineMovedLater: moving a deadline later (or clearing it) before
// it fires keeps the context waiting; the old timer does not fire it.
func TestDeadlineMovedLater(t *testing.T) {
	var d deadline
	d.set(time.Now().Add(10 * time.Millisecond))
	ctx := d.context()
	d.set(time.Now().Add(time.Hour))
	select {
	case <-ctx.Done():
		t.Fatal("the replaced timer fired")
	case <-time.After(60 * time.Millisecond):
	}
	d.set(time.Now().Add(10 * time.Millisecond))
	d.set(time.Time{})
	select {
	case <-ctx.Done():
		t.Fatal("a cleared deadline fired")
	case <-time.After(60 * time.Millisecond):
	}
	requireNotDone(t, ctx)
}

// TestDeadlineAfterFunc: context.AfterFunc on the deadline's context runs
// f when the deadline passes (once, whatever is set after), through the
// deadline's own registration; stop before that returns true and f never
// runs; stop after returns false. On a context already done, f runs.
func TestDeadlineAfterFunc(t *testing.T) {
	t.Run("fires", func(t *testing.T) {
		var d deadline
		var runs atomic.Int32
		ran := make(chan struct{}, 2)
		stop := context.AfterFunc(d.context(), func() {
			runs.Add(1)
			ran <- struct{}{}
		})
		d.set(time.Now().Add(10 * time.Millisecond))
		select {
		case <-ran:
		case <-time.After(deadlineWait):
			t.Fatal("f did not run")
		}
		assert.False(t, stop(), "stop after f ran")
		d.set(time.Unix(1, 0))
		d.set(time.Time{})
		d.set(time.Unix(1, 0))
		assert.Equal(t, int32(1), runs.Load())
	})
	t.Run("stopped", func(t *testing.T) {
		var d deadline
		var runs atomic.Int32
		ctx := d.context()
		stop := context.AfterFunc(ctx, func() { runs.Add(1) })
		assert.True(t, stop(), "stop before firing")
		assert.False(t, stop(), "a second stop")
		d.set(time.Unix(1, 0))
		requireDone(t, ctx)
		// f would have run synchronously within set (or on a goroutine
		// started by context.AfterFunc): give the latter a moment.
		time.Sleep(20 * time.Millisecond)
		assert.Zero(t, runs.Load())
	})
	t.Run("registered with the deadline", func(t *testing.T) {
		var d deadline
		ctx := d.context()
		stop := context.AfterFunc(ctx, func() {})
		defer stop()
		dc := ctx.(*deadlineContext)
		d.mu.Lock()
		n := len(dc.e.funcs)
		d.mu.Unlock()
		assert.Equal(t, 1, n, "context.AfterFunc used the deadline's AfterFunc, no goroutine")
		stop()
		d.mu.Lock()
		n = len(dc.e.funcs)
		d.mu.Unlock()
		assert.Zero(t, n, "stop unregistered f")
	})
	t.Run("past", func(t *testing.T) {
		var d deadline
		d.set(time.Unix(1, 0))
		ran := make(chan struct{})
		stop := context.AfterFunc(d.context(), func() { close(ran) })
		select {
		case <-ran:
		case <-time.After(deadlineWait):
			t.Fatal("f did not run on a context already done")
		}
		assert.False(t, stop())
	})
	t.Run("many", func(t *testing.T) {
		var d deadline
		ctx := d.context()
		const n = 50
		var runs atomic.Int32
		stops := make([]func() bool, n)
		for i := range stops {
			stops[i] = context.AfterFunc(ctx, func() { runs.Add(1) })
		}
		for i := 0; i < n; i += 2 {
			require.True(t, stops[i]())
		}
		d.set(time.Unix(1, 0))
		require.Eventually(t, func() bool { return runs.Load() == n/2 }, deadlineWait, time.Millisecond)
		for i := 1; i < n; i += 2 {
			assert.False(t, stops[i]())
		}
		assert.Equal(t, int32(n/2), runs.Load())
	})
}

// TestDeadlineConcurrent: setting deadlines from many goroutines while
// others take contexts and wait is race-free, and a final past deadline
// ends the current context.
func TestDeadlineConcurrent(t *testing.T) {
	var d deadline
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				switch i % 4 {
				case 0:
					d.set(time.Now().Add(time.Duration(i) * time.Microsecond))
				case 1:
					d.set(time.Time{})
				case 2:
					stop := context.AfterFunc(d.context(), func() {})
					stop()
				case 3:
					_ = d.context().Err()
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	d.set(time.Unix(1, 0))
	requireDone(t, d.context())
}
