//go:build !js

package websocket_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/websocket"
)

// TestStreamNativePausedReaderKeepsIdlePeer: a server stream with a short
// IdleTimeout whose program stops reading while the client sends more
// than the read-ahead is not dropped as idle: the peer is silent because
// the stream stopped reading, not because it is dead. Every message is
// read afterwards.
func TestStreamNativePausedReaderKeepsIdlePeer(t *testing.T) {
	_, cc, _, sc := stPair(t, &websocket.StreamOptions{IdleTimeout: 200 * time.Millisecond}, nil)
	ctx := stCtx(t)
	msg := strings.Repeat("x", 1024)
	const n = 200 // 200 KiB: over the 64 KiB read-ahead
	go func() {
		for range n {
			if cc.Writable.Write(ctx, msg) != nil {
				return
			}
		}
	}()
	time.Sleep(1500 * time.Millisecond) // over two IdleTimeouts without reading
	for i := range n {
		got, err := sc.Readable.Read(ctx)
		require.NoError(t, err, "message %d", i)
		require.Equal(t, msg, got)
	}
}

// TestNetConnTimeoutIsPerCall: after a Write whose deadline passed dropped
// the connection, later Reads and Writes with no deadline fail for good,
// not as timeouts (a caller that retries on timeouts would loop).
func TestNetConnTimeoutIsPerCall(t *testing.T) {
	p := ncPairT(t, nil, nil)
	// The peer's program never reads: once its stream read one message
	// ahead and the socket buffers are full, a Write blocks.
	big := make([]byte, 4<<20)
	require.NoError(t, p.c.SetWriteDeadline(time.Now().Add(300*time.Millisecond)))
	var err error
	for i := 0; i < 16 && err == nil; i++ {
		_, err = p.c.Write(big)
	}
	var ne net.Error
	require.True(t, errors.As(err, &ne), "%v", err)
	require.True(t, ne.Timeout(), "%v", err)
	require.NoError(t, p.c.SetDeadline(time.Time{}))
	_, err = p.c.Write([]byte("after"))
	require.Error(t, err)
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "a later Write reports a timeout: %v", err)
	_, err = p.c.Read(make([]byte, 10))
	require.Error(t, err)
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "a later Read reports a timeout: %v", err)
}

// TestNetConnPastDeadlineWithBufferedBytes: a Read after the read deadline
// passed fails with a timeout even though part of a message is buffered,
// and reads it once the deadline is cleared.
func TestNetConnPastDeadlineWithBufferedBytes(t *testing.T) {
	p := ncPairT(t, nil, nil)
	_, err := p.s.Write([]byte("0123456789"))
	require.NoError(t, err)
	b := make([]byte, 4)
	_, err = p.c.Read(b)
	require.NoError(t, err)
	require.NoError(t, p.c.SetReadDeadline(time.Now().Add(-time.Second)))
	_, err = p.c.Read(b)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, p.c.SetReadDeadline(time.Time{}))
	got, err := ncReadAll(p.c, 6)
	require.NoError(t, err)
	assert.Equal(t, "456789", string(got))
}

// TestNetConnTextIsSticky: after a text message broke the byte stream,
// every later Read fails with the same error, never a clean io.EOF.
func TestNetConnTextIsSticky(t *testing.T) {
	p := ncPairT(t, nil, nil)
	require.NoError(t, ssWriteText(t, p.ss))
	_, err1 := p.c.Read(make([]byte, 10))
	require.Error(t, err1)
	time.Sleep(100 * time.Millisecond) // the peer answers the Close meanwhile
	_, err2 := p.c.Read(make([]byte, 10))
	assert.Equal(t, err1, err2)
}

// ssWriteText sends a text message from the server stream.
func ssWriteText(t *testing.T, s *websocket.WebSocketStream) error {
	c, err := s.Opened(stCtx(t))
	if err != nil {
		return err
	}
	return c.Writable.Write(stCtx(t), "text")
}
