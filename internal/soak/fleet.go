//go:build !js

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// fleet is the client side: every socket the parent opened, and the totals
// their handlers keep.
type fleet struct {
	url   string
	batch int

	open   []*sock // sockets OPEN and not yet closed by us
	failed []*sock // sockets that failed to open, whose close is awaited at the end
	nextID uint32
	// echoing makes each echo received send the next message.
	echoing atomic.Bool

	opened     atomic.Uint64 // open events
	openFails  atomic.Uint64 // sockets that did not open
	sent       atomic.Uint64 // messages sent
	sendErrs   atomic.Uint64 // Send errors
	received   atomic.Uint64 // correct echoes received
	bad        atomic.Uint64 // echoes that were corrupted, out of order or unexpected
	errEvents  atomic.Uint64 // error events
	unexpected atomic.Uint64 // close events for sockets we had not closed
	problem    atomic.Pointer[string]
}

// sock is one client socket and the state of its echo loop. Its fields
// other than ws are atomics: they are written by the parent's goroutine
// before a send and by the socket's handlers after.
type sock struct {
	f       *fleet
	id      uint32
	ws      *websocket.WebSocket
	sent    atomic.Uint32 // messages sent; the one in flight has number sent-1
	recv    atomic.Uint32 // echoes received
	closing atomic.Bool   // we called Close
}

// noProxy keeps every connection on 127.0.0.1 whatever the environment says.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

func newFleet(url string, batch int) *fleet {
	return &fleet{url: url, batch: batch}
}

// note records the first problem seen.
func (f *fleet) note(format string, args ...any) {
	if f.problem.Load() == nil {
		p := fmt.Sprintf(format, args...)
		f.problem.CompareAndSwap(nil, &p)
	}
}

// options returns the options of a new socket s.
func (s *sock) options() *websocket.Options {
	o := &websocket.Options{
		BinaryType:       websocket.BinaryTypeArrayBuffer,
		OnOpen:           func(websocket.Event) { s.f.opened.Add(1) },
		OnMessage:        s.onMessage,
		OnError:          s.onError,
		OnClose:          s.onClose,
		Proxy:            noProxy,
		HandshakeTimeout: 30 * time.Second,
		// A load generator: handshakes to the one server run in parallel
		// instead of one at a time (RFC 6455 §4.1, the default).
		ParallelHandshakes: true,
	}
	return o
}

func (s *sock) onError(e websocket.Event) {
	s.f.errEvents.Add(1)
	if ee, ok := e.(*websocket.ErrorEvent); ok {
		s.f.note("socket %d: error event: %v", s.id, ee.Err)
	} else {
		s.f.note("socket %d: error event", s.id)
	}
}

func (s *sock) onClose(e *websocket.CloseEvent) {
	if !s.closing.Load() {
		s.f.unexpected.Add(1)
		s.f.note("socket %d: closed before we closed it: %d %q, WasClean %v", s.id, e.Code, e.Reason, e.WasClean)
	}
}

// openSockets opens n sockets, batch at a time: a batch is started, then
// awaited (within timeout) before the next. It returns those that opened;
// those that did not are counted in openFails, closed, and returned in
// failed so that their close can be awaited too.
func (f *fleet) openSockets(ctx context.Context, n int, timeout time.Duration) (opened, failed []*sock) {
	for done := 0; done < n; {
		k := min(f.batch, n-done)
		done += k
		batch := make([]*sock, 0, k)
		for range k {
			f.nextID++
			s := &sock{f: f, id: f.nextID}
			ws, err := websocket.NewWithOptions(f.url, s.options())
			if err != nil {
				f.openFails.Add(1)
				f.note("socket %d: NewWithOptions: %v", s.id, err)
				continue
			}
			s.ws = ws
			batch = append(batch, s)
		}
		bctx, cancel := context.WithTimeout(ctx, timeout)
		for _, s := range batch {
			if err := s.ws.WaitOpen(bctx); err != nil {
				f.openFails.Add(1)
				f.note("socket %d: WaitOpen: %v", s.id, err)
				s.closing.Store(true)
				s.ws.Close(1000, "")
				failed = append(failed, s)
				continue
			}
			opened = append(opened, s)
		}
		cancel()
	}
	return opened, failed
}

// closeResult counts how a set of sockets closed.
type closeResult struct {
	Waited  int // sockets whose close was awaited
	Clean   int // close events with WasClean and code 1000
	Unclean int // other close events
	Missing int // no close event within the timeout
}

// closeSockets starts closing every socket in ss with Close(1000, "").
func closeSockets(ss []*sock) {
	for _, s := range ss {
		s.closing.Store(true)
		if err := s.ws.Close(1000, ""); err != nil {
			s.f.note("socket %d: Close: %v", s.id, err)
		}
	}
}

// waitClosed waits, within timeout in all, for the close event of every
// socket in ss.
func (f *fleet) waitClosed(ctx context.Context, ss []*sock, timeout time.Duration) closeResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := closeResult{Waited: len(ss)}
	for _, s := range ss {
		ev, err := s.ws.WaitClosed(ctx)
		switch {
		case err != nil:
			r.Missing++
			f.note("socket %d: no close event: %v (readyState %v)", s.id, err, s.ws.ReadyState())
		case ev.WasClean && ev.Code == 1000:
			r.Clean++
		default:
			r.Unclean++
			f.note("socket %d: close event %d %q, WasClean %v", s.id, ev.Code, ev.Reason, ev.WasClean)
		}
	}
	return r
}

func (r closeResult) String() string {
	return fmt.Sprintf("%d closed: %d clean (1000), %d unclean, %d without a close event", r.Waited, r.Clean, r.Unclean, r.Missing)
}

// ok reports whether every socket closed cleanly.
func (r closeResult) ok() bool { return r.Clean == r.Waited }
