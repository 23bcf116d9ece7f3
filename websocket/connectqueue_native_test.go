//go:build !js

package websocket_test

// Native clients queue their opening handshakes per host:port (RFC 6455
// §4.1, as Chrome does) unless Options.ParallelHandshakes.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// handshakeLog is what an upgradeServer saw, in order: "request N" when the
// N-th handshake request arrived, "answer N" just before it was upgraded.
type handshakeLog struct {
	mu       sync.Mutex
	events   []string
	requests int
}

// request logs the arrival of a request and returns its number.
func (l *handshakeLog) request() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	l.events = append(l.events, fmt.Sprintf("request %d", l.requests))
	return l.requests
}

func (l *handshakeLog) answer(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("answer %d", n))
}

func (l *handshakeLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// openBoth opens two client sockets to u with o at once and waits for both
// to open.
func openBoth(t *testing.T, u string, o *websocket.Options) {
	t.Helper()
	a := newRecorder(t).dial(u, o)
	b := newRecorder(t).dial(u, o)
	require.NoError(t, a.WaitOpen(t.Context()))
	require.NoError(t, b.WaitOpen(t.Context()))
}

func TestConnectQueue(t *testing.T) {
	t.Run("oneHandshakePerHost", func(t *testing.T) {
		var l handshakeLog
		u, _, _ := upgradeServer(t, func() *websocket.Options {
			n := l.request()
			time.Sleep(300 * time.Millisecond) // a slow handshake: room for a second one
			l.answer(n)
			return nil
		})
		openBoth(t, u, nil)
		// The second request came only after the first was answered.
		assert.Equal(t, []string{"request 1", "answer 1", "request 2", "answer 2"}, l.list())
	})

	t.Run("parallelHandshakes", func(t *testing.T) {
		var l handshakeLog
		both := make(chan struct{})
		u, _, _ := upgradeServer(t, func() *websocket.Options {
			n := l.request()
			if n == 2 {
				close(both)
			}
			// Answer only once both requests are in: queued handshakes
			// would never get here.
			select {
			case <-both:
			case <-time.After(waitTimeout):
			}
			l.answer(n)
			return nil
		})
		openBoth(t, u, &websocket.Options{ParallelHandshakes: true})
		assert.Equal(t, []string{"request 1", "request 2"}, l.list()[:2])
	})

	t.Run("closeWhileQueued", func(t *testing.T) {
		var l handshakeLog
		release := make(chan struct{})
		u, _, _ := upgradeServer(t, func() *websocket.Options {
			n := l.request()
			if n == 1 {
				<-release
			}
			l.answer(n)
			return nil
		})
		var once sync.Once
		answer := func() { once.Do(func() { close(release) }) }
		t.Cleanup(answer) // before the server waits for its handlers
		first := newRecorder(t).dial(u, nil)
		require.Eventually(t, func() bool { return len(l.list()) == 1 }, waitTimeout, time.Millisecond)

		// The second socket waits for its turn; closing it fails it without
		// a connection.
		r := newRecorder(t)
		queued := r.dial(u, nil)
		require.NoError(t, queued.Close(0, ""))
		assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
		assert.Equal(t, []string{"request 1"}, l.list())

		answer()
		require.NoError(t, first.WaitOpen(t.Context()))
		assert.Equal(t, []string{"request 1", "answer 1"}, l.list())
	})
}
