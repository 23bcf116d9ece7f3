//go:build !js

// Package wirerelay is a TCP relay for tests that must see what a WebSocket
// client and server put on the wire: it forwards every connection made to it
// to a target, both ways and unchanged, and parses what passes in each
// direction (the HTTP head, then the frames, gathered into messages), so that
// a test can check RSV bits, masking, fragmentation and compressed payloads
// that neither endpoint's API shows. The permessage-deflate tests of
// websocket (native client and Upgrade server) and of e2e (Chromium and
// Upgrade) share it.
package wirerelay

import (
	"net"
	"sync"
	"testing"
)

// Relay is a TCP relay in front of a WebSocket server. Start starts one;
// the test's cleanup stops it.
type Relay struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns []*Conn
}

// Conn is one relayed connection: what passed each way, readable once Done
// is closed.
type Conn struct {
	// Up is what the client sent to the server.
	Up Direction
	// Down is what the server sent to the client.
	Down Direction

	// done is closed once both directions have ended.
	done chan struct{}
	// closers are both ends, for abort.
	closers []net.Conn
}

// Start starts a relay to target ("127.0.0.1:PORT") on a port of its own,
// and stops it at the end of the test (tb.Cleanup), so that no relayed
// connection or goroutine outlives the test. It fails tb if it cannot
// listen.
func Start(tb testing.TB, target string) *Relay {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("wirerelay: listening: %v", err)
	}
	r := &Relay{ln: ln, target: target}
	r.wg.Add(1)
	go r.serve()
	tb.Cleanup(r.stop)
	return r
}

// Addr returns the relay's "127.0.0.1:PORT", to dial instead of the target.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// Connections returns the connections relayed so far, in the order they were
// accepted, so that a test can find the one it made.
func (r *Relay) Connections() []*Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Conn(nil), r.conns...)
}

// stop closes the listener and every relayed connection still open, and
// waits for the relay's goroutines.
func (r *Relay) stop() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.abort()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// serve accepts connections until the listener closes, relaying each to a
// new connection to the target (a client whose dial fails is dropped).
func (r *Relay) serve() {
	defer r.wg.Done()
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", r.target)
		if err != nil {
			client.Close()
			continue
		}
		c := &Conn{done: make(chan struct{}), closers: []net.Conn{client, server}}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			c.run(client, server)
		}()
	}
}

// Done returns a channel closed once both directions of c have ended (both
// ends closed): Up and Down must not be read before, as the relay is still
// writing them.
func (c *Conn) Done() <-chan struct{} { return c.done }

// run relays until both directions have ended.
func (c *Conn) run(client, server net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.Up.forward(server, client)
	}()
	go func() {
		defer wg.Done()
		c.Down.forward(client, server)
	}()
	wg.Wait()
	client.Close()
	server.Close()
	close(c.done)
}

// abort closes both ends of c.
func (c *Conn) abort() {
	for _, nc := range c.closers {
		nc.Close()
	}
}
