//go:build !js

package websocket

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/w3ws/w3ws/native"
)

// BenchmarkRoundTrip measures one message round trip through the W3C API
// on both ends (a client socket and an Upgrade echo server), over loopback
// TCP: Send, the server's message event and Send back, the client's message
// event. Compare with native's BenchmarkConnEcho for the engine alone.
// send=async uses Send at both ends; send=context uses
// SendContext(context.Background()), the back-pressured send;
// send=release is send=context with both ends' handlers releasing the
// message's data (MessageEvent.Release).
func BenchmarkRoundTrip(b *testing.B) {
	for _, mode := range []string{"async", "context", "release"} {
		for _, size := range []int{16, 1 << 10, 64 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("send=%s/size=%s", mode, sizeName(size)), func(b *testing.B) {
				benchmarkRoundTrip(b, mode != "async", mode == "release", size)
			})
		}
	}
}

// sizeName is 16B, 1KiB, 1MiB...
func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func benchmarkRoundTrip(b *testing.B, withContext, release bool, size int) {
	send := func(ws *WebSocket, data any) error {
		if withContext {
			return ws.SendContext(context.Background(), data)
		}
		return ws.Send(data)
	}
	{
		{
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				Upgrade(w, r, &Options{
					BinaryType: BinaryTypeArrayBuffer,
					OnMessage: func(e *MessageEvent) {
						send(e.Target(), e.Data)
						if release {
							e.Release()
						}
					},
				})
			}))
			defer srv.Close()
			got := make(chan struct{}, 1)
			ws, err := NewWithOptions(strings.Replace(srv.URL, "http", "ws", 1), &Options{
				BinaryType:     BinaryTypeArrayBuffer,
				MaxMessageSize: 2 << 20,
				OnMessage: func(e *MessageEvent) {
					if release {
						e.Release()
					}
					got <- struct{}{}
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := ws.WaitOpen(ctx); err != nil {
				b.Fatal(err)
			}
			msg := ArrayBuffer(make([]byte, size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := send(ws, msg); err != nil {
					b.Fatal(err)
				}
				<-got
			}
			b.StopTimer()
			ws.Close(1000, "")
			ws.WaitClosed(ctx)
		}
	}
}

// BenchmarkPingPong measures one message round trip against an echo
// server, the client sending each message from the handler of the last
// echo as an event-driven program does (impl=w3c: the W3C API, which
// releases each message) or from a read loop (impl=engine: package native
// alone), so that what the W3C layer adds over the engine shows. The server
// is the engine's read loop (server=engine) or Upgrade's handler
// (server=w3c), which echoes with SendContext and releases each message.
func BenchmarkPingPong(b *testing.B) {
	servers := map[string]func(*testing.B) string{"engine": engineEchoServer, "w3c": w3cEchoServer}
	for _, server := range []string{"engine", "w3c"} {
		for _, impl := range []string{"w3c", "engine"} {
			for _, size := range []int{16, 1 << 10, 64 << 10} {
				b.Run(fmt.Sprintf("server=%s/impl=%s/size=%s", server, impl, sizeName(size)), func(b *testing.B) {
					benchmarkPingPong(b, servers[server](b), impl, size)
				})
			}
		}
	}
}

// benchmarkPingPong is BenchmarkPingPong's impl against the server at u.
func benchmarkPingPong(b *testing.B, u, impl string, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	if impl == "engine" {
		benchmarkEnginePingPong(b, u, size)
	} else {
		benchmarkW3CPingPong(b, u, size)
	}
}

// w3cEchoServer starts an echo server on Upgrade and returns its ws:// URL.
func w3cEchoServer(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Upgrade(w, r, &Options{
			BinaryType: BinaryTypeArrayBuffer,
			OnMessage: func(e *MessageEvent) {
				e.Target().SendContext(context.Background(), e.Data)
				e.Release()
			},
		})
	}))
	b.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// engineEchoServer starts an echo server on the engine and returns its
// ws:// URL.
func engineEchoServer(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		var buf []byte
		for {
			typ, msg, err := c.ReadMessage(buf[:0])
			if err != nil {
				return
			}
			buf = msg
			if c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func benchmarkW3CPingPong(b *testing.B, u string, size int) {
	msg := ArrayBuffer(make([]byte, size))
	n, target := 0, b.N
	done := make(chan struct{})
	ws, err := NewWithOptions(u, &Options{
		BinaryType: BinaryTypeArrayBuffer,
		OnMessage: func(e *MessageEvent) {
			e.Release()
			if n++; n == target {
				close(done)
				return
			}
			e.Target().SendContext(context.Background(), msg)
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.WaitOpen(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := ws.SendContext(ctx, msg); err != nil {
		b.Fatal(err)
	}
	<-done
	b.StopTimer()
	ws.Close(1000, "")
	ws.WaitClosed(ctx)
}

func benchmarkEnginePingPong(b *testing.B, u string, size int) {
	c, _, err := native.Dial(context.Background(), u, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	msg := make([]byte, size)
	var buf []byte
	b.ResetTimer()
	for range b.N {
		if err := c.WriteMessage(native.MessageBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, buf, err = c.ReadMessage(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
