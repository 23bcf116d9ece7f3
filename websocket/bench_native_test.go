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
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		name := fmt.Sprintf("size=%dB", size)
		if size >= 1<<10 {
			name = fmt.Sprintf("size=%dKiB", size>>10)
		}
		b.Run(name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				Upgrade(w, r, &Options{
					BinaryType: BinaryTypeArrayBuffer,
					OnMessage:  func(e *MessageEvent) { e.Target().Send(e.Data) },
				})
			}))
			defer srv.Close()
			got := make(chan struct{}, 1)
			ws, err := NewWithOptions(strings.Replace(srv.URL, "http", "ws", 1), &Options{
				BinaryType: BinaryTypeArrayBuffer,
				OnMessage:  func(*MessageEvent) { got <- struct{}{} },
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
				if err := ws.Send(msg); err != nil {
					b.Fatal(err)
				}
				<-got
			}
			b.StopTimer()
			ws.Close(1000, "")
			ws.WaitClosed(ctx)
		})
	}
}
