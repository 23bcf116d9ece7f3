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
