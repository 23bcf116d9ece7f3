package native

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hostile-peer suite of the engine: peers that stay inside the protocol
// (or just outside it) to cost us time or memory. Each test bounds what the
// peer can make us spend and checks the close code that goes out. Tiny
// fragments are in reassembly_test.go, simultaneous close in
// simultaneous_close_test.go, close codes in close_codes_test.go.

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}

// TestHostileNeverReadingPeer: async writes to a peer that reads nothing
// stop at MaxWriteQueue, the connection fails with ErrWriteQueueFull (also
// for the reader), and the queue's memory is released.
func TestHostileNeverReadingPeer(t *testing.T) {
	const limit = 8 << 20
	c, p := newRawPeer(t, false, ConnOptions{MaxWriteQueue: limit})
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(nil)
		readErr <- err
	}()
	before := heapInUse()
	msg := make([]byte, 1<<20)
	var err error
	n := 0
	for ; n < 64 && err == nil; n++ {
		err = c.WriteMessageAsync(MessageBinary, msg)
	}
	require.ErrorIs(t, err, ErrWriteQueueFull)
	assert.LessOrEqual(t, n, limit>>20+8, "the queue stops near the limit (plus what the kernel took)")
	select {
	case err := <-readErr:
		assert.ErrorIs(t, err, ErrWriteQueueFull)
	case <-time.After(10 * time.Second):
		t.Fatal("the reader was not released")
	}
	<-c.Done()
	assert.ErrorIs(t, c.WriteMessageAsync(MessageBinary, msg), ErrWriteQueueFull, "later writes fail too")
	assert.Less(t, int64(heapInUse())-int64(before), int64(4<<20), "the queue was released")
	p.nc.Close()
}

// TestHostileWriteQueueFullSendsClose: when the peer reads again, the
// Close 1008 that follows the failure reaches it after the data in flight.
func TestHostileWriteQueueFullSendsClose(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{MaxWriteQueue: 1000})
	go c.ReadMessage(nil)
	require.NoError(t, c.WriteMessageAsync(MessageText, bytes.Repeat([]byte("a"), 600)))
	err := c.WriteMessageAsync(MessageText, bytes.Repeat([]byte("b"), 600))
	if err == nil { // the first flush may have ended already: fill again
		err = c.WriteMessageAsync(MessageText, bytes.Repeat([]byte("c"), 1001))
	}
	require.ErrorIs(t, err, ErrWriteQueueFull)
	code, reason := p.expectClose()
	assert.Equal(t, StatusPolicyViolation, code)
	assert.Equal(t, "Send queue full", reason)
	p.expectEOF()
}

// TestHostileSilentPeer: a peer that sends nothing is pinged after
// IdleTimeout and dropped after another, well within 3 s for 1 s.
func TestHostileSilentPeer(t *testing.T) {
	for _, client := range []bool{false, true} {
		name := "server"
		if client {
			name = "client"
		}
		t.Run(name, func(t *testing.T) {
			c, p := newRawPeer(t, client, ConnOptions{IdleTimeout: time.Second})
			start := time.Now()
			readErr := make(chan error, 1)
			go func() {
				_, _, err := c.ReadMessage(nil)
				readErr <- err
			}()
			h, _, err := p.readFrame()
			require.NoError(t, err)
			assert.Equal(t, opPing, h.op, "a keepalive Ping first")
			select {
			case err := <-readErr:
				assert.ErrorIs(t, err, ErrIdleTimeout)
			case <-time.After(10 * time.Second):
				t.Fatal("a silent peer was not dropped")
			}
			assert.Less(t, time.Since(start), 3*time.Second, "dropped within 3 s") // a bound the test needs, not a speed claim
			p.expectEOF()
		})
	}
}

// TestHostileIdleTimeoutKeepsLivePeer: a peer that answers the keepalive
// Pings (a w3ws Conn reading) stays connected through several idle periods,
// and data counts as activity.
func TestHostileIdleTimeoutKeepsLivePeer(t *testing.T) {
	client, server := connPair(t, ConnOptions{IdleTimeout: time.Second})
	errs := make(chan error, 2)
	for _, c := range []*Conn{client, server} {
		go func() {
			for {
				if _, _, err := c.ReadMessage(nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(3 * time.Second) // three idle periods with only pings and pongs
	select {
	case err := <-errs:
		t.Fatalf("a live peer was dropped: %v", err)
	default:
	}
	require.NoError(t, client.WriteMessage(MessageText, []byte("still here")))
	require.NoError(t, client.Close(StatusNormalClosure, ""))
	for range 2 {
		var ce *CloseError
		assert.ErrorAs(t, <-errs, &ce)
	}
}

// TestHostileHalfOpenPeer: a peer whose TCP stays open but that stops
// answering in the middle of a large frame (half-open, or trickling) is
// dropped by the idle watch, and what it sent so far is bounded.
func TestHostileHalfOpenPeer(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{IdleTimeout: 300 * time.Millisecond})
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(nil)
		readErr <- err
	}()
	// Announce 16 MiB, send 10 bytes, then nothing.
	hdr := appendHeader(nil, header{fin: true, op: opBinary, length: 16 << 20})
	p.write(hdr, make([]byte, 10))
	select {
	case err := <-readErr:
		assert.ErrorIs(t, err, ErrIdleTimeout)
	case <-time.After(10 * time.Second):
		t.Fatal("a half-open peer was not dropped")
	}
}

// TestHostileTricklingPeerIsNotIdle: bytes arriving inside one large frame
// count as activity, so a slow but live sender is not dropped.
func TestHostileTricklingPeerIsNotIdle(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{IdleTimeout: 600 * time.Millisecond})
	got := make(chan error, 1)
	go func() {
		_, m, err := c.ReadMessage(nil)
		if err == nil && len(m) != 40 {
			err = errors.New("wrong length")
		}
		got <- err
	}()
	p.write(appendHeader(nil, header{fin: true, op: opBinary, length: 40}))
	for range 10 { // 10 × 250 ms: four idle periods in the middle of a frame
		time.Sleep(250 * time.Millisecond)
		p.write(make([]byte, 4))
	}
	require.NoError(t, <-got)
}

// TestHostilePingFlood: a peer that floods Pings and reads nothing cannot
// grow our queue of Pongs: at most maxQueuedPongs wait, then only the latest.
func TestHostilePingFlood(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{})
	flood := bytes.Repeat(p.frame(true, opPing, bytes.Repeat([]byte("p"), 125)), 20000) // 2.6 MB of Pings
	before := heapInUse()
	go p.nc.Write(flood)
	p.write(p.frame(true, opText, []byte("after the flood")))
	_, m, err := c.ReadMessage(nil)
	require.NoError(t, err)
	assert.Equal(t, "after the flood", string(m))
	c.w.mu.Lock()
	queued := len(c.w.buf)
	c.w.mu.Unlock()
	assert.LessOrEqual(t, queued, (maxQueuedPongs+1)*(maxHeaderSize+maxControlPayload))
	assert.Less(t, int64(heapInUse())-int64(before), int64(1<<20))
	p.nc.Close()
}

// TestHostileCloseFlood: Close frames after the first are data after the
// handshake began: the first is answered once, the rest change nothing.
func TestHostileCloseFlood(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{})
	flood := bytes.Repeat(p.frame(true, opClose, closeBody(1000, "again")), 1000)
	go p.nc.Write(flood)
	_, _, err := c.ReadMessage(nil)
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, StatusNormalClosure, ce.Code)
	closes := 0
	for {
		h, _, err := p.readFrame()
		if err != nil {
			break // TCP dropped (reset, since the flood is still being written)
		}
		if h.op == opClose {
			closes++
		}
	}
	assert.Equal(t, 1, closes, "one Close answered, then TCP dropped")
}

// TestHostileHugeDeclaredLength: a frame announcing 2^63-1 bytes fails
// with 1009 before anything is allocated; one just under the limit that
// never comes allocates at most 1 MiB ahead of what arrived.
func TestHostileHugeDeclaredLength(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{})
	var hdr [14]byte
	hdr[0], hdr[1] = 0x82, 0x80|127
	binary.BigEndian.PutUint64(hdr[2:], 1<<63-1)
	p.write(hdr[:])
	_, _, err := c.ReadMessage(nil)
	assert.ErrorIs(t, err, ErrMessageTooBig)
	code, _ := p.expectClose()
	assert.Equal(t, StatusMessageTooBig, code)

	c, p = newRawPeer(t, true, ConnOptions{MaxMessageSize: 1 << 30})
	var before, after runtimeMem
	before.read()
	p.write(appendHeader(nil, header{fin: true, op: opBinary, length: 1<<30 - 1}), make([]byte, 100))
	p.nc.Close()
	_, _, err = c.ReadMessage(nil)
	after.read()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Less(t, after.totalAlloc-before.totalAlloc, uint64(2<<20))
}

// TestReadMessageContext: a context that ends between messages leaves the
// connection usable; one that ends inside a message drops it.
func TestReadMessageContext(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := c.ReadMessageContext(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	p.write(p.frame(true, opText, []byte("later")))
	_, m, err := c.ReadMessageContext(context.Background(), nil)
	require.NoError(t, err, "the connection is intact")
	assert.Equal(t, "later", string(m))

	// Half a frame, then the context ends.
	p.write(appendHeader(nil, header{fin: true, op: opBinary, length: 100}), make([]byte, 10))
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err = c.ReadMessageContext(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, errReadCanceledMidMessage)
	<-c.Done()
}

// TestWriteMessageContext: a write to a peer that reads nothing gives up
// when its context ends, and drops the connection.
func TestWriteMessageContext(t *testing.T) {
	c, _ := newRawPeer(t, false, ConnOptions{})
	msg := make([]byte, 64<<20) // far more than loopback buffers hold
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := c.WriteMessageContext(ctx, MessageBinary, msg)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection was not dropped")
	}
	_, _, err = c.ReadMessage(nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the reader learns why")
}

// TestPingContext: a Ping returns once its Pong came back; against a peer
// that never answers it returns the context's error.
func TestPingContext(t *testing.T) {
	client, server := connPair(t, ConnOptions{})
	for _, c := range []*Conn{client, server} {
		go func() {
			for {
				if _, _, err := c.ReadMessage(nil); err != nil {
					return
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, client.PingContext(ctx))
	require.NoError(t, server.PingContext(ctx))

	c, p := newRawPeer(t, true, ConnOptions{})
	go c.ReadMessage(nil)
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, c.PingContext(short), context.DeadlineExceeded)
	h, _, err := p.readFrame()
	require.NoError(t, err)
	assert.Equal(t, opPing, h.op)
	client.CloseNow()
	server.CloseNow()
	c.CloseNow()
}

// TestWriteQueueFullWakesBlockedWriters: blocking writers whose frames sit
// in the queue when it overflows return (with the failure) instead of
// waiting forever, also once the write in flight completes.
func TestWriteQueueFullWakesBlockedWriters(t *testing.T) {
	c, p := newRawPeer(t, false, ConnOptions{MaxWriteQueue: 100})
	big := make([]byte, 32<<20) // a direct write the peer does not read yet: it holds the writer
	bigDone := make(chan error, 1)
	go func() { bigDone <- c.WriteMessage(MessageBinary, big) }()
	require.Eventually(t, func() bool {
		c.w.mu.Lock()
		defer c.w.mu.Unlock()
		return c.w.flushing
	}, 5*time.Second, time.Millisecond)
	small := make(chan error, 1)
	go func() { small <- c.WriteMessage(MessageText, []byte("queued behind")) }()
	require.Eventually(t, func() bool {
		c.w.mu.Lock()
		defer c.w.mu.Unlock()
		return c.w.seq == 2
	}, 5*time.Second, time.Millisecond)
	require.ErrorIs(t, c.WriteMessageAsync(MessageBinary, make([]byte, 100)), ErrWriteQueueFull)
	go io.Copy(io.Discard, p.nc) // the peer reads again: the write in flight completes
	for _, ch := range []chan error{small, bigDone} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("a blocking writer was not woken")
		}
	}
}
