//go:build !js

package websocket_test

// The hostile-peer suite at the W3C level, on Upgrade sockets (native
// only): peers no browser would be, against a server built the way the
// README says. The engine's own suite is native/hostile_test.go.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// heapSampler records the peak of the live heap while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > s.peak.Load() {
				s.peak.Store(m.HeapAlloc)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) end() uint64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}

// TestHostileNeverReadingClient: an Upgrade echo server with default
// options (echoing with plain Send, which queues) faces a client that
// sends 1 MiB messages and reads nothing. The server socket's send buffer
// stops at its default bound: the socket fails (error, then close 1006),
// and the heap grows by far less than 160 MiB.
func TestHostileNeverReadingClient(t *testing.T) {
	sr := newRecorder(t)
	u, _, _ := upgradeServer(t, echoOptions(sr, nil))
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	peak := sampleHeap()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := native.Dial(ctx, u, &native.DialOptions{Proxy: noProxy})
	require.NoError(t, err)
	defer c.CloseNow()
	msg := make([]byte, 1<<20)
	sent := 0
	for ; sent < 1000; sent++ { // bounded: the server fails long before
		if c.WriteMessageContext(ctx, native.MessageBinary, msg) != nil {
			break
		}
	}
	events := sr.wait()
	grown := int64(peak.end()) - int64(base)
	t.Logf("sent %d MiB before the server failed; heap peak +%d MiB", sent, grown>>20)
	require.GreaterOrEqual(t, len(events), 3)
	assert.Equal(t, "error rs=3", events[len(events)-2])
	assert.Equal(t, `close rs=3 1006 "" false`, events[len(events)-1])
	require.NotEmpty(t, sr.errors())
	assert.ErrorIs(t, sr.errors()[0], native.ErrWriteQueueFull)
	assert.Less(t, grown, int64(160<<20), "the server's heap stays bounded")
}

// noProxy makes a test dial direct, whatever the environment says.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

// TestHostileSilentPeer: a peer that completes the handshake and then
// sends nothing (nor answers Pings) is dropped within 3 s when IdleTimeout
// is 1 s: error, then close 1006.
func TestHostileSilentPeer(t *testing.T) {
	sr := newRecorder(t)
	u, _, _ := upgradeServer(t, func() *websocket.Options { return sr.options(&websocket.Options{IdleTimeout: time.Second}) })
	c, _, err := native.Dial(context.Background(), u, &native.DialOptions{Proxy: noProxy})
	require.NoError(t, err)
	defer c.CloseNow() // never read: the server's Pings go unanswered
	start := time.Now()
	events := sr.wait()
	assert.Less(t, time.Since(start), 3*time.Second, "dropped within 3 s")
	assert.Equal(t, []string{"open rs=1", "error rs=3", `close rs=3 1006 "" false`}, events)
	require.Len(t, sr.errors(), 1)
	assert.ErrorIs(t, sr.errors()[0], native.ErrIdleTimeout)
}

// TestHostileSlowlorisHandshake: a client that trickles its request
// headers is cut off by http.Server's ReadHeaderTimeout, which the README
// tells servers to set (Upgrade runs only once the headers are in).
func TestHostileSlowlorisHandshake(t *testing.T) {
	var upgrades atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upgrades.Add(1)
		websocket.Upgrade(w, r, nil)
	}))
	srv.Config.ReadHeaderTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer nc.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: "
	_, err = io.WriteString(nc, req)
	require.NoError(t, err)
	dropped := false
	for i := 0; i < 100 && !dropped; i++ { // one byte every 50 ms, 5 s at most
		time.Sleep(50 * time.Millisecond)
		if _, err := nc.Write([]byte("a")); err != nil {
			dropped = true
		}
	}
	if !dropped { // the server may have answered 408 and closed: reading tells
		nc.SetReadDeadline(time.Now().Add(time.Second))
		_, err := io.ReadAll(bufio.NewReader(nc))
		dropped = err == nil
	}
	assert.True(t, dropped, "the server dropped the trickling client")
	assert.Zero(t, upgrades.Load(), "Upgrade never ran")
}

// TestHostileSimultaneousClose: 5,000 connections whose two ends close at
// the same moment (each in its open handler, after queueing a message), so
// the Close frames cross. Every close on both sides must be clean, each
// reporting the other side's code.
func TestHostileSimultaneousClose(t *testing.T) {
	const n, parallel = 5000, 50
	var serverClean, serverBad atomic.Int32
	var badMu sync.Mutex
	var bad []string
	u, _, _ := upgradeServer(t, func() *websocket.Options {
		return &websocket.Options{
			OnOpen: func(e websocket.Event) {
				e.Target().Send(strings.Repeat("s", 4096))
				e.Target().Close(4002, "server")
			},
			OnClose: func(e *websocket.CloseEvent) {
				if e.WasClean && e.Code == 4001 {
					serverClean.Add(1)
				} else {
					serverBad.Add(1)
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("server saw %d %q %v", e.Code, e.Reason, e.WasClean))
					badMu.Unlock()
				}
			},
		}
	})
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var clientClean atomic.Int32
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ws, err := websocket.NewWithOptions(u, &websocket.Options{
				ParallelHandshakes: true,
				OnOpen: func(e websocket.Event) {
					e.Target().Send(strings.Repeat("c", 4096))
					e.Target().Close(4001, "client")
				},
			})
			if err != nil {
				t.Error(err)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			ev, err := ws.WaitClosed(ctx)
			switch {
			case err != nil:
				t.Errorf("no close event: %v", err)
			case ev.WasClean && ev.Code == 4002:
				clientClean.Add(1)
			default:
				badMu.Lock()
				bad = append(bad, fmt.Sprintf("client saw %d %q %v", ev.Code, ev.Reason, ev.WasClean))
				badMu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return serverClean.Load()+serverBad.Load() == n }, waitTimeout, 10*time.Millisecond)
	badMu.Lock()
	defer badMu.Unlock()
	assert.Empty(t, bad)
	assert.Equal(t, int32(n), clientClean.Load())
	assert.Equal(t, int32(n), serverClean.Load())
}
