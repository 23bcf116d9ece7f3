//go:build !js

package native

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	coder "github.com/coder/websocket"
)

// BenchmarkFragmentedMessage times receiving one large binary message that
// a server sends as many small frames (the case a reassembly that regrows
// per frame turns quadratic), with the engine and coder/websocket side by
// side over loopback TCP:
//
//	go test -run '^$' -bench FragmentedMessage -benchmem -count 6 ./native > frag.txt
//	benchstat -col /impl frag.txt
//
// The server is the same for both: an engine Conn that, for each request
// message, writes the pre-encoded frames in one Write. Each client reads
// into a fresh buffer (the worst case: reassembly starts from nothing).
func BenchmarkFragmentedMessage(b *testing.B) {
	for _, size := range []int{1 << 20, 4 << 20} {
		for _, frag := range []int{64, 4 << 10} {
			wire := fragmentedWire(opBinary, bytes.Repeat([]byte{0x5a}, size), frag, false)
			for _, impl := range []string{"w3ws", "coder"} {
				b.Run("impl="+impl+"/size="+sizeName(size)+"/frag="+sizeName(frag), func(b *testing.B) {
					u := fragmentServer(b, wire)
					read := dialFragmentClient(b, impl, u)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if n, err := read(); err != nil || n != size {
							b.Fatalf("read %d bytes, %v", n, err)
						}
					}
				})
			}
		}
	}
}

// fragmentServer serves wire (unmasked server frames) once per request
// message received, and returns its ws:// URL.
func fragmentServer(b *testing.B, wire []byte) string {
	b.Helper()
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		c, err := Accept(w, r, nil)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.CloseNow()
		var buf []byte
		for {
			if _, buf, err = c.ReadMessage(buf[:0]); err != nil {
				return
			}
			if _, err := c.nc.Write(wire); err != nil {
				return
			}
		}
	}))
	b.Cleanup(func() { handlers.Wait(); srv.Close() })
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// dialFragmentClient connects impl's client to u and returns a function that
// requests one message and reads it into a fresh buffer.
func dialFragmentClient(b *testing.B, impl, u string) func() (int, error) {
	b.Helper()
	ctx := context.Background()
	req := []byte{1}
	switch impl {
	case "w3ws":
		c, _, err := Dial(ctx, u, &DialOptions{
			ConnOptions: ConnOptions{MaxMessageSize: -1},
			Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.CloseNow() })
		return func() (int, error) {
			if err := c.WriteMessage(MessageBinary, req); err != nil {
				return 0, err
			}
			_, m, err := c.ReadMessage(nil)
			return len(m), err
		}
	default:
		tr := &http.Transport{}
		c, _, err := coder.Dial(ctx, u, &coder.DialOptions{HTTPClient: &http.Client{Transport: tr}})
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(-1)
		b.Cleanup(func() { c.CloseNow(); tr.CloseIdleConnections() })
		return func() (int, error) {
			if err := c.Write(ctx, coder.MessageBinary, req); err != nil {
				return 0, err
			}
			_, r, err := c.Reader(ctx)
			if err != nil {
				return 0, err
			}
			m, err := io.ReadAll(r)
			return len(m), err
		}
	}
}
