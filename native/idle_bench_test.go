//go:build !js

package native

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkIdleConnMemory reports the heap held per idle connection once
// both ends are established and have exchanged one small message:
// B/conn counts a client Conn plus its server Conn (with the HTTP server's
// hijacked buffers) in one process.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			for {
				typ, m, err := c.ReadMessage(nil)
				if err != nil {
					return
				}
				c.WriteMessage(typ, m)
			}
		}()
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http", "ws", 1)
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		conns := make([]*Conn, 0, n)
		for i := 0; i < n; i++ {
			c, _, err := Dial(context.Background(), url, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.WriteMessage(MessageText, []byte("hi")); err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.ReadMessage(nil); err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/conn")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/n, "stackB/conn")
		for _, c := range conns {
			c.CloseNow()
		}
	}
}
