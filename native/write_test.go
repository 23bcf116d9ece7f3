package native

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingConn is a net.Conn whose writes are counted and whose first write
// blocks until release is closed.
type countingConn struct {
	net.Conn
	release chan struct{}
	mu      sync.Mutex
	writes  int
	bytes   int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	first := c.writes == 1
	c.bytes += len(p)
	c.mu.Unlock()
	if first {
		<-c.release
	}
	return len(p), nil
}

func (c *countingConn) counts() (writes, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes, c.bytes
}

func TestWriterCoalescesQueuedFrames(t *testing.T) {
	a, _ := tcpPair(t)
	cc := &countingConn{Conn: a, release: make(chan struct{})}
	c := newConn(cc, nil, connConfig{client: true})
	// The first message starts a write that blocks; the next 50 queue up
	// behind it and must go out together in the next single Write.
	require.NoError(t, c.WriteMessageAsync(MessageText, []byte("first")))
	require.Eventually(t, func() bool { w, _ := cc.counts(); return w == 1 }, 5*time.Second, time.Millisecond)
	for i := 0; i < 50; i++ {
		require.NoError(t, c.WriteMessageAsync(MessageBinary, make([]byte, 100)))
	}
	close(cc.release)
	want := (2 + 4 + 5) + 50*(2+4+100)
	require.Eventually(t, func() bool { _, n := cc.counts(); return n == want }, 5*time.Second, time.Millisecond)
	writes, _ := cc.counts()
	assert.Equal(t, 2, writes, "51 frames in two writes: the blocked one and one for the 50 queued behind it")
}

func TestWriterBlockingWritersShareAFlush(t *testing.T) {
	a, _ := tcpPair(t)
	cc := &countingConn{Conn: a, release: make(chan struct{})}
	c := newConn(cc, nil, connConfig{client: false})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); assert.NoError(t, c.WriteMessage(MessageText, []byte("first"))) }()
	require.Eventually(t, func() bool { w, _ := cc.counts(); return w == 1 }, 5*time.Second, time.Millisecond)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, c.WriteMessage(MessageText, []byte("queued"))) }()
	}
	require.Eventually(t, func() bool { // all ten queued behind the blocked write
		c.w.mu.Lock()
		defer c.w.mu.Unlock()
		return c.w.seq == 11
	}, 5*time.Second, time.Millisecond)
	close(cc.release)
	wg.Wait()
	writes, n := cc.counts()
	assert.Equal(t, 7+10*8, n)
	assert.Equal(t, 2, writes, "the ten writers queued during a write share the next one")
}

func TestWriterPingFloodKeepsQueueBounded(t *testing.T) {
	a, _ := tcpPair(t)
	cc := &countingConn{Conn: a, release: make(chan struct{})}
	c := newConn(cc, nil, connConfig{client: false})
	require.NoError(t, c.WriteMessageAsync(MessageText, []byte("blocks")))
	require.Eventually(t, func() bool { w, _ := cc.counts(); return w == 1 }, 5*time.Second, time.Millisecond)
	payload := make([]byte, maxControlPayload)
	for i := 0; i < 10000; i++ {
		payload[0] = byte(i)
		c.w.pong(payload)
	}
	c.w.mu.Lock()
	queued := len(c.w.buf)
	c.w.mu.Unlock()
	assert.LessOrEqual(t, queued, maxQueuedPongs*(2+maxControlPayload), "10000 pings may not queue 10000 pongs")
	close(cc.release)
	// The queued pongs and the latest one go out.
	want := (2 + 6) + (maxQueuedPongs+1)*(2+maxControlPayload)
	require.Eventually(t, func() bool { _, n := cc.counts(); return n == want }, 5*time.Second, time.Millisecond)
}

func TestWriterFailedDirectWriteReleasesQueuedWriters(t *testing.T) {
	// The peer never reads: a 64 MiB direct write blocks; Close queues its
	// frame behind it and its write deadline fails the direct write. Close
	// must return within its bound, not wait forever for its queued frame.
	c, _ := newRawPeer(t, true, ConnOptions{CloseTimeout: 300 * time.Millisecond})
	big := make([]byte, 64<<20)
	writeErr := make(chan error, 1)
	go func() { writeErr <- c.WriteMessage(MessageBinary, big) }()
	require.Eventually(t, func() bool {
		c.w.mu.Lock()
		defer c.w.mu.Unlock()
		return c.w.flushing
	}, 5*time.Second, time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- c.Close(StatusNormalClosure, "") }()
	select {
	case err := <-closed:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close still blocked 5 s after a 300 ms CloseTimeout")
	}
	assert.Error(t, <-writeErr)
}
