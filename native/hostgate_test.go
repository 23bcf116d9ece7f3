package native

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostGateUsers returns, per key, the handshakes holding or waiting for the
// slot of g.
func hostGateUsers(g *HostGate) map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := make(map[string]int, len(g.hosts))
	for k, s := range g.hosts {
		m[k] = s.users
	}
	return m
}

// waitHostGateUsers waits until n handshakes hold or wait for key in g.
func waitHostGateUsers(t *testing.T, g *HostGate, key string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return hostGateUsers(g)[key] == n },
		dialTestTimeout, time.Millisecond, "%d handshakes never held or waited for %s: %v", n, key, hostGateUsers(g))
}

// hostGateEvents is what a test server saw, in order: "request conns=N"
// when a handshake request arrived and "answer conns=N" just before its 101
// was written, N being the TCP connections accepted by then.
type hostGateEvents struct {
	mu     sync.Mutex
	events []string
}

func (e *hostGateEvents) add(srv *dialTestServer, what string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, fmt.Sprintf("%s conns=%d", what, srv.connCount()))
}

func (e *hostGateEvents) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.events...)
}

// dialBoth runs two Dials to u with opts in parallel and closes the
// connections they open.
func dialBoth(t *testing.T, u string, opts *DialOptions) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	ctx := dialTestCtx(t)
	for i := range errs {
		wg.Go(func() {
			c, _, err := Dial(ctx, u, opts)
			errs[i] = err
			if err == nil {
				c.CloseNow()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

func TestHostGate(t *testing.T) {
	t.Run("serialisesHandshakes", func(t *testing.T) {
		dialTestNoLeaks(t)
		var ev hostGateEvents
		var srv *dialTestServer
		srv = newDialTestServer(t, false, func(r *http.Request) string {
			ev.add(srv, "request")
			time.Sleep(300 * time.Millisecond) // a slow handshake: room for a second connection
			ev.add(srv, "answer")
			return dialTest101(r)
		})
		g := new(HostGate)
		dialBoth(t, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, HostGate: g})
		// The second TCP connection came only after the first 101 was on
		// its way.
		assert.Equal(t, []string{"request conns=1", "answer conns=1", "request conns=2", "answer conns=2"}, ev.list())
		assert.Empty(t, hostGateUsers(g))
	})

	t.Run("withoutGateInParallel", func(t *testing.T) {
		dialTestNoLeaks(t)
		var ev hostGateEvents
		var srv *dialTestServer
		both := make(chan struct{})
		var once sync.Once
		srv = newDialTestServer(t, false, func(r *http.Request) string {
			ev.add(srv, "request")
			if srv.connCount() == 2 {
				once.Do(func() { close(both) })
			}
			// Each handshake is answered only once both connections are in:
			// serialised handshakes would never get there.
			select {
			case <-both:
			case <-time.After(dialTestTimeout):
				return dialTestHangUp
			}
			ev.add(srv, "answer")
			return dialTest101(r)
		})
		dialBoth(t, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
		// Both TCP connections were in before the first 101.
		var answers []string
		for _, e := range ev.list() {
			if strings.HasPrefix(e, "answer") {
				answers = append(answers, e)
			}
		}
		assert.Equal(t, []string{"answer conns=2", "answer conns=2"}, answers)
	})

	t.Run("sameKeyAcrossSpellings", func(t *testing.T) {
		dialTestNoLeaks(t)
		answer := make(chan struct{})
		srv := newDialTestServer(t, false, func(r *http.Request) string {
			<-answer
			return dialTest101(r)
		})
		var asked []string
		g := new(HostGate)
		opts := &DialOptions{Proxy: dialTestNoProxy, HostGate: g, NetDial: dialTestRedirect(srv.Listener.Addr().String(), &asked)}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		ctx := dialTestCtx(t)
		for i, u := range []string{"ws://Example.COM/a", "http://example.com:80/b"} {
			wg.Go(func() {
				c, _, err := Dial(ctx, u, opts)
				errs[i] = err
				if err == nil {
					c.CloseNow()
				}
			})
		}
		select { // the first handshake reached the server
		case <-srv.reqSeen:
		case <-time.After(dialTestTimeout):
			t.Fatal("no request reached the server")
		}
		waitHostGateUsers(t, g, "example.com:80", 2)
		assert.Equal(t, 1, srv.connCount(), "both handshakes connected at once")
		close(answer)
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		assert.Equal(t, 2, srv.connCount())
		assert.Empty(t, hostGateUsers(g))
	})

	t.Run("canceledWhileWaiting", func(t *testing.T) {
		dialTestNoLeaks(t)
		srv := newDialTestServer(t, false, func(*http.Request) string { return "" }) // never answers
		g := new(HostGate)
		opts := &DialOptions{Proxy: dialTestNoProxy, HostGate: g}
		key := srv.Listener.Addr().String()

		ctx1, cancel1 := context.WithCancel(context.Background())
		defer cancel1()
		first := make(chan error, 1)
		go func() {
			_, _, err := Dial(ctx1, srv.wsURL("/"), opts)
			first <- err
		}()
		select {
		case <-srv.reqSeen:
		case <-time.After(dialTestTimeout):
			t.Fatal("the server saw no request")
		}

		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		second := make(chan error, 1)
		go func() {
			_, _, err := Dial(ctx2, srv.wsURL("/"), opts)
			second <- err
		}()
		waitHostGateUsers(t, g, key, 2)
		cancel2()
		select {
		case err := <-second:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(dialTestTimeout):
			t.Fatal("a Dial waiting for its turn ignored its context")
		}
		select {
		case err := <-first:
			t.Fatalf("the first Dial ended (%v): the second did not return while waiting", err)
		default:
		}
		assert.Equal(t, 1, srv.connCount(), "the cancelled Dial connected")
		assert.Equal(t, map[string]int{key: 1}, hostGateUsers(g))

		cancel1()
		select {
		case err := <-first:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(dialTestTimeout):
			t.Fatal("Dial did not return after its context was cancelled")
		}
		assert.Empty(t, hostGateUsers(g))
	})

	t.Run("waitNotInHandshakeTimeout", func(t *testing.T) {
		dialTestNoLeaks(t)
		answer := make(chan struct{})
		srv := newDialTestServer(t, false, func(r *http.Request) string {
			<-answer
			return dialTest101(r)
		})
		g := new(HostGate)
		key := srv.Listener.Addr().String()
		ctx := dialTestCtx(t)
		hold := make(chan error, 1)
		go func() {
			c, _, err := Dial(ctx, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, HostGate: g})
			if err == nil {
				c.CloseNow()
			}
			hold <- err
		}()
		waitHostGateUsers(t, g, key, 1)
		// The second Dial waits longer than its HandshakeTimeout, then has
		// the whole timeout for its handshake.
		waited := make(chan error, 1)
		go func() {
			c, _, err := Dial(ctx, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, HostGate: g, HandshakeTimeout: 500 * time.Millisecond})
			if err == nil {
				c.CloseNow()
			}
			waited <- err
		}()
		waitHostGateUsers(t, g, key, 2)
		time.Sleep(600 * time.Millisecond)
		assert.Equal(t, 1, srv.connCount())
		close(answer)
		require.NoError(t, <-hold)
		require.NoError(t, <-waited)
		assert.Empty(t, hostGateUsers(g))
	})

	t.Run("releasedOnFailure", func(t *testing.T) {
		dialTestNoLeaks(t)
		srv := newDialTestServer(t, false, func(r *http.Request) string {
			if r.URL.Path == "/missing" {
				return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
			}
			if r.URL.Path == "/hangup" {
				return dialTestHangUp
			}
			return dialTest101(r)
		})
		g := new(HostGate)
		opts := &DialOptions{Proxy: dialTestNoProxy, HostGate: g}
		ctx := dialTestCtx(t)

		_, _, err := Dial(ctx, srv.wsURL("/missing"), opts)
		require.ErrorIs(t, err, ErrBadHandshake)
		assert.Empty(t, hostGateUsers(g))
		_, _, err = Dial(ctx, srv.wsURL("/hangup"), opts)
		require.Error(t, err)
		assert.Empty(t, hostGateUsers(g))
		_, _, err = Dial(ctx, "ws://bad host/", opts)
		require.ErrorIs(t, err, ErrInvalidURL)
		assert.Empty(t, hostGateUsers(g))
		refused := &DialOptions{Proxy: dialTestNoProxy, HostGate: g, NetDial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("refused")
		}}
		_, _, err = Dial(ctx, srv.wsURL("/"), refused)
		require.Error(t, err)
		assert.Empty(t, hostGateUsers(g))
		expired, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err = Dial(expired, srv.wsURL("/"), opts)
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, hostGateUsers(g))

		c, _, err := Dial(ctx, srv.wsURL("/"), opts)
		require.NoError(t, err)
		c.CloseNow()
		assert.Empty(t, hostGateUsers(g))
	})
}

// TestHostGateWait checks the gate itself: one holder per key, other keys
// independent, every waiter served once the holder leaves, one at a time,
// entries gone when unused. (The order among waiters is not asserted: the
// gate promises none stricter than Go's channel senders.)
func TestHostGateWait(t *testing.T) {
	dialTestNoLeaks(t)
	var g HostGate // the zero value is ready
	ctx := dialTestCtx(t)
	release, err := g.wait(ctx, "a:80")
	require.NoError(t, err)
	other, err := g.wait(ctx, "b:80") // another key does not wait
	require.NoError(t, err)

	order := make(chan int, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			rel, err := g.wait(ctx, "a:80")
			if !assert.NoError(t, err) {
				return
			}
			order <- i
			rel()
		})
		waitHostGateUsers(t, &g, "a:80", i+2) // queue them one by one
	}
	select {
	case i := <-order:
		t.Fatalf("waiter %d got the slot while it was held", i)
	default:
	}
	other()
	assert.Equal(t, map[string]int{"a:80": 4}, hostGateUsers(&g))
	release()
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	assert.ElementsMatch(t, []int{0, 1, 2}, got)
	assert.Empty(t, hostGateUsers(&g))
}
