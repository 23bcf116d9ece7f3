//go:build unix

package native

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/rawserver"
)

// TestIdleReaderHoldsNoBuffer: client connections that start waiting in
// ReadMessage on a peer that sends nothing give their read buffers back.
// 300 of them, against a raw server that answers the handshake and then
// only holds the socket, hold at least 2 KiB less heap each once their
// readers wait than before (about 4 KiB less; nothing less when readers
// keep their buffer), and a message that then arrives is read intact.
func TestIdleReaderHoldsNoBuffer(t *testing.T) {
	const n = 300
	release := make(chan struct{})
	var releaseOnce sync.Once
	letGo := func() { releaseOnce.Do(func() { close(release) }) }
	addr := rawserver.Start(t, 30*time.Second, func(nc net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		nc.Write([]byte(dialTest101(req)))
		<-release
		nc.Write([]byte{0x81, 0x02, 'h', 'i'})
		time.Sleep(time.Second) // until the client read it
	})
	t.Cleanup(letGo) // runs before the server's cleanup, which waits for the handlers
	conns := make([]*Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.CloseNow()
		}
	})
	for range n {
		c, _, err := Dial(context.Background(), "ws://"+addr+"/", nil)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	heap := func() float64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc)
	}
	before := heap() // every connection holds its read buffer
	got := make(chan error, n)
	for _, c := range conns {
		go func() {
			_, msg, err := c.ReadMessage(nil)
			if err == nil && string(msg) != "hi" {
				err = errBadTestMessage
			}
			got <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // every reader is waiting
	freed := (before - heap()) / n
	t.Logf("heap given back per idle client connection: %.0f B", freed)
	require.Greater(t, freed, 2048.0, "idle readers keep their read buffer")
	letGo()
	for range n {
		require.NoError(t, <-got)
	}
}

var errBadTestMessage = &ProtocolError{Code: StatusProtocolError, Reason: "unexpected test message"}

// quietServer starts a raw server that answers the handshake, then writes
// what comes on its channel (nil: it drops the connection) until the test
// ends, and returns its address and the channel.
func quietServer(t *testing.T) (string, chan<- []byte) {
	frames := make(chan []byte)
	stop := make(chan struct{})
	addr := rawserver.Start(t, 30*time.Second, func(nc net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		nc.Write([]byte(dialTest101(req)))
		for {
			select {
			case b := <-frames:
				if b == nil {
					return
				}
				nc.Write(b)
			case <-stop:
				return
			}
		}
	})
	t.Cleanup(func() { close(stop) }) // before the server's cleanup, which waits for the handler
	return addr, frames
}

// returnsWithin reports whether done is closed within d.
func returnsWithin(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// TestQuietAndWaitReadable: a connection is Quiet before its first frame
// and not right after one or while a frame is buffered; WaitReadable
// waits for the peer's bytes without reading them, and returns at once
// when some are buffered.
func TestQuietAndWaitReadable(t *testing.T) {
	addr, frames := quietServer(t)
	c, _, err := Dial(context.Background(), "ws://"+addr+"/", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.True(t, c.Quiet(), "quiet before any frame")

	waited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = c.WaitReadable()
		close(waited)
	}()
	require.False(t, returnsWithin(waited, 100*time.Millisecond), "WaitReadable returned before the peer sent anything")
	frames <- []byte{0x81, 0x02, 'h', 'i', 0x81, 0x02, 'y', 'o'}
	require.True(t, returnsWithin(waited, 5*time.Second), "WaitReadable did not return once bytes came")
	require.NoError(t, waitErr)
	require.False(t, c.Quiet(), "quiet right after a wait")

	_, msg, err := c.ReadMessage(nil)
	require.NoError(t, err)
	require.Equal(t, "hi", string(msg), "WaitReadable consumed nothing")
	require.False(t, c.Quiet(), "quiet with a frame buffered")
	done := make(chan struct{})
	go func() { c.WaitReadable(); close(done) }()
	require.True(t, returnsWithin(done, time.Second), "WaitReadable waited with a frame buffered")
	_, msg, err = c.ReadMessage(nil)
	require.NoError(t, err)
	require.Equal(t, "yo", string(msg))
	require.False(t, c.Quiet(), "quiet right after a frame")
}

// TestWaitReadableCountsAsReading: IdleTimeout's watch sees a connection
// whose reader waits in WaitReadable as read, so a silent peer is dropped
// and the next ReadMessage reports ErrIdleTimeout; the ended connection is
// not Quiet, and WaitReadable returns at once on it.
func TestWaitReadableCountsAsReading(t *testing.T) {
	addr, _ := quietServer(t)
	c, _, err := Dial(context.Background(), "ws://"+addr+"/", &DialOptions{
		ConnOptions: ConnOptions{IdleTimeout: 100 * time.Millisecond},
	})
	require.NoError(t, err)
	defer c.CloseNow()
	done := make(chan struct{})
	go func() { c.WaitReadable(); close(done) }()
	require.True(t, returnsWithin(done, 10*time.Second), "the idle watch did not end the wait")
	_, _, err = c.ReadMessage(nil)
	require.ErrorIs(t, err, ErrIdleTimeout)
	require.False(t, c.Quiet(), "an ended connection is not quiet: a read loop must see its end")
	again := make(chan struct{})
	go func() { c.WaitReadable(); close(again) }()
	require.True(t, returnsWithin(again, time.Second), "WaitReadable waited on an ended connection")
}
