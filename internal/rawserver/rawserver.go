// Package rawserver runs a bare TCP server for tests that play a peer byte
// by byte (hand-written handshakes, malformed responses, raw frames), which
// net/http/httptest cannot do, and makes sure that nothing it started
// outlives the test.
package rawserver

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Start listens on a loopback port and runs handle on each accepted
// connection, each on its own goroutine, so that a test can answer a client
// by hand. If timeout is positive, the connection's deadline is set to
// timeout from when handle starts, so that a handler stuck on a silent peer
// ends on its own. handle need not close nc: at tb's cleanup Start closes
// the listener and every accepted connection, then waits for the accept
// loop and every handler to return, so that none outlives the test (and
// leak checks stay quiet). Start returns the listener's address,
// "host:port".
func Start(tb testing.TB, timeout time.Duration, handle func(nc net.Conn)) (addr string) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("rawserver: listen: %v", err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  []net.Conn
		closed bool // set at cleanup; later connections are closed at once
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				nc.Close()
				return
			}
			conns = append(conns, nc)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				if timeout > 0 {
					nc.SetDeadline(time.Now().Add(timeout))
				}
				handle(nc)
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}
