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
