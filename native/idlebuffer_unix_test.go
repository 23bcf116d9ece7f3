//go:build unix

package native

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/internal/rawserver"
)

// TestIdleReaderHoldsNoBuffer: client connections blocked in ReadMessage
// on a peer that sends nothing hold no read buffer. 200 of them, against
// a raw server that answers the handshake and then only holds the socket,
// add less than 5000 B of heap each (7.5 KB each when they hold their
// buffer, 2.1-3.5 KB when they do not), and a message that then arrives
// is read intact.
func TestIdleReaderHoldsNoBuffer(t *testing.T) {
	const n = 200
	release := make(chan struct{})
	addr := rawserver.Start(t, 30*time.Second, func(nc net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		nc.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + acceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"))
		<-release
		nc.Write([]byte{0x81, 0x02, 'h', 'i'})
		time.Sleep(time.Second) // until the client read it
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]*Conn, n)
	got := make(chan error, n)
	for i := range conns {
		c, _, err := Dial(context.Background(), "ws://"+addr+"/", nil)
		require.NoError(t, err)
		conns[i] = c
		go func() {
			_, msg, err := c.ReadMessage(nil)
			if err == nil && string(msg) != "hi" {
				err = errBadTestMessage
			}
			got <- err
		}()
	}
	time.Sleep(200 * time.Millisecond) // every reader is waiting
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("heap per idle client connection: %.0f B", perConn)
	require.Less(t, perConn, 5000.0, "idle readers hold a read buffer")
	close(release)
	for range n {
		require.NoError(t, <-got)
	}
	for _, c := range conns {
		c.CloseNow()
	}
}

var errBadTestMessage = &ProtocolError{Code: StatusProtocolError, Reason: "unexpected test message"}
