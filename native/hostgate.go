package native

import (
	"context"
	"fmt"
	"sync"
)

// HostGate serialises opening handshakes per remote host, as RFC 6455 §4.1
// (client step 2) asks of clients: at most one connection to a host is in
// CONNECTING at a time, and the others wait until it has opened or failed.
// The RFC asks it to keep a client from flooding a server with handshakes
// (a denial-of-service mitigation); browsers do it. Give one HostGate to
// every [Dial] that should be serialised, through DialOptions.HostGate.
//
// The key is the URL's host and port as dialled: the host lower-cased, the
// default port (80 for ws, 443 for wss) filled in, so "ws://Example.com" and
// "ws://example.com:80/chat" wait for each other. The RFC speaks of IP
// addresses ("even if the remote host is known by another name"), but Dial
// does not know the address before it connects: the name is resolved by
// NetDial, or by the proxy, which may resolve it differently. The RFC's own
// rule for a client that cannot tell the address (each host name is a
// distinct host) is therefore the one applied, so two names for one
// address, or an IP literal and a name, do not wait for each other.
//
// Waiters get the slot in about the order they came (Go's order of
// blocked channel senders), not in a strict queue. The wait honours Dial's context but
// not DialOptions.HandshakeTimeout, which starts once the slot is held. An
// entry exists only while a handshake to its key holds the slot or waits for
// it, so a HostGate does not grow with the number of hosts ever dialled.
//
// The zero value is ready to use. A HostGate is safe for concurrent use and
// must not be copied after first use.
type HostGate struct {
	mu    sync.Mutex // guards hosts
	hosts map[string]*hostSlot
}

// hostSlot is the slot of one key: a token channel that holds a value while
// a handshake holds the slot, and the count of handshakes holding or
// waiting for it, so the entry is deleted when the last one leaves.
type hostSlot struct {
	token chan struct{} // capacity 1: full while held; blocked senders wait in FIFO order
	users int           // guarded by HostGate.mu
}

// wait blocks until the slot of key is free and takes it, or until ctx
// ends. It returns the function that frees the slot, to be called once;
// on error the slot was not taken and the error wraps ctx.Err().
func (g *HostGate) wait(ctx context.Context, key string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("native: waiting for the handshake in progress to %s: %w", key, err)
	}
	g.mu.Lock()
	if g.hosts == nil {
		g.hosts = make(map[string]*hostSlot)
	}
	s := g.hosts[key]
	if s == nil {
		s = &hostSlot{token: make(chan struct{}, 1)}
		g.hosts[key] = s
	}
	s.users++
	g.mu.Unlock()

	select {
	case s.token <- struct{}{}:
		return func() {
			<-s.token
			g.leave(key, s)
		}, nil
	case <-ctx.Done():
		g.leave(key, s)
		return nil, fmt.Errorf("native: waiting for the handshake in progress to %s: %w", key, ctx.Err())
	}
}

// leave counts one handshake off the slot s of key and deletes the entry
// when none is left.
func (g *HostGate) leave(key string, s *hostSlot) {
	g.mu.Lock()
	if s.users--; s.users == 0 {
		delete(g.hosts, key)
	}
	g.mu.Unlock()
}
