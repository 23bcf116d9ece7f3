//go:build !js

// Native only: coder/websocket's js build has a different API (no HTTPClient, no Accept), and these tests need real sockets.

package native

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	coder "github.com/coder/websocket"
)

// These benchmarks run the engine and github.com/coder/websocket side by
// side, with the same sub-benchmark names, so that benchstat can compare
// them:
//
//	go test -run '^$' -bench 'Echo|Pipelined' -benchmem ./native/ > out.txt
//	benchstat -col /impl out.txt
//
// Each implementation's client talks to an echo server of the same
// implementation over loopback TCP, after a full opening handshake (Dial and
// Accept through net/http), with compression off and no message size limit.
// Each side uses the fastest path its public API offers:
//
//   - w3ws: ReadMessage(buf[:0]) into a reused buffer, WriteMessage.
//   - coder: Reader, then bytes.Buffer.ReadFrom into a reused buffer (Read
//     would allocate a fresh slice through io.ReadAll for every message),
//     and Write, which sends the message in one frame. Every call gets
//     context.Background(): a context with a Done channel makes coder
//     register a context.AfterFunc per call.
//
// BenchmarkConnEcho in bench_test.go measures the engine alone, without the
// handshake, on connPair.

// peerBenchClient is the client end of a benchmark connection, its echo server
// being of the same implementation.
type peerBenchClient struct {
	// write sends p as one binary message, returning once it was written.
	write func(p []byte) error
	// read returns the next message, in a buffer that the next read reuses.
	read func() ([]byte, error)
	// abort drops the connection at once, making pending calls fail.
	abort func()
}

// peerBenchImpls are the implementations compared, by sub-benchmark name.
var peerBenchImpls = []struct {
	name string
	dial func(b *testing.B) *peerBenchClient
}{
	{"w3ws", dialW3wsPeerBench},
	{"coder", dialCoderPeerBench},
}

// dialW3wsPeerBench starts a w3ws echo server and connects a w3ws client to it.
func dialW3wsPeerBench(b *testing.B) *peerBenchClient {
	b.Helper()
	c := dialW3wsPeerBenchConn(b)
	var buf []byte
	return &peerBenchClient{
		write: func(p []byte) error { return c.WriteMessage(MessageBinary, p) },
		read: func() ([]byte, error) {
			_, m, err := c.ReadMessage(buf[:0])
			buf = m
			return m, err
		},
		abort: func() { c.CloseNow() },
	}
}

// dialW3wsPeerBenchConn starts a w3ws echo server and returns a w3ws client
// connected to it. Cleanup closes both and waits for the server's handler.
func dialW3wsPeerBenchConn(b *testing.B) *Conn {
	b.Helper()
	opts := ConnOptions{MaxMessageSize: -1}
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1) // before the 101: it happens before Dial returns
		defer handlers.Done()
		c, err := Accept(w, r, &AcceptOptions{ConnOptions: opts})
		if err != nil {
			b.Error(err)
			return
		}
		defer c.CloseNow()
		var buf []byte
		for {
			typ, m, err := c.ReadMessage(buf[:0])
			if err != nil {
				return
			}
			buf = m
			if c.WriteMessage(typ, m) != nil {
				return
			}
		}
	}))
	c, _, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), &DialOptions{
		ConnOptions: opts,
		Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
	})
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c.CloseNow()
		handlers.Wait()
		srv.Close()
	})
	return c
}

// coderPeerBenchRead reads the next message of c into buf, reusing its storage.
func coderPeerBenchRead(c *coder.Conn, buf *bytes.Buffer) (coder.MessageType, error) {
	typ, r, err := c.Reader(context.Background())
	if err != nil {
		return 0, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(r)
	return typ, err
}

// dialCoderPeerBench starts a coder echo server and connects a coder client to
// it. Cleanup closes both and waits for the server's handler.
func dialCoderPeerBench(b *testing.B) *peerBenchClient {
	b.Helper()
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1) // before the 101: it happens before Dial returns
		defer handlers.Done()
		c, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: coder.CompressionDisabled})
		if err != nil {
			b.Error(err)
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		var buf bytes.Buffer
		for {
			typ, err := coderPeerBenchRead(c, &buf)
			if err != nil {
				return
			}
			if c.Write(context.Background(), typ, buf.Bytes()) != nil {
				return
			}
		}
	}))
	tr := &http.Transport{}
	c, _, err := coder.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), &coder.DialOptions{
		HTTPClient:      &http.Client{Transport: tr},
		CompressionMode: coder.CompressionDisabled,
	})
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	c.SetReadLimit(-1)
	b.Cleanup(func() {
		c.CloseNow()
		handlers.Wait()
		srv.Close()
		tr.CloseIdleConnections()
	})
	var buf bytes.Buffer
	return &peerBenchClient{
		write: func(p []byte) error { return c.Write(context.Background(), coder.MessageBinary, p) },
		read: func() ([]byte, error) {
			_, err := coderPeerBenchRead(c, &buf)
			return buf.Bytes(), err
		},
		abort: func() { c.CloseNow() },
	}
}

// BenchmarkEcho measures one round trip per operation: the client writes a
// binary message and reads the echo.
func BenchmarkEcho(b *testing.B) {
	for _, impl := range peerBenchImpls {
		for _, size := range benchSizes {
			b.Run("impl="+impl.name+"/size="+sizeName(size), func(b *testing.B) {
				c := impl.dial(b)
				msg := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.write(msg); err != nil {
						b.Fatal(err)
					}
					m, err := c.read()
					if err != nil {
						b.Fatal(err)
					}
					if len(m) != size {
						b.Fatalf("echo of %d bytes, want %d", len(m), size)
					}
				}
			})
		}
	}
}

// peerPipelineDepth is the number of messages in flight per operation of
// BenchmarkPipelined.
const peerPipelineDepth = 64

// BenchmarkPipelined measures throughput with messages in flight: per
// operation the client writes peerPipelineDepth messages back to back, from a
// writer goroutine, while reading the peerPipelineDepth echoes. msgs/s counts
// the echoes received.
//
// impl=w3wsAsync is the engine's other write path: WriteMessageAsync from the
// reading goroutine itself, with no writer goroutine; messages queued while a
// write is in flight share one syscall.
func BenchmarkPipelined(b *testing.B) {
	for _, impl := range peerBenchImpls {
		for _, size := range benchSizes {
			b.Run("impl="+impl.name+"/size="+sizeName(size), func(b *testing.B) {
				peerBenchPipelined(b, impl.dial(b), size)
			})
		}
	}
	for _, size := range benchSizes {
		b.Run("impl=w3wsAsync/size="+sizeName(size), func(b *testing.B) {
			peerBenchPipelinedAsync(b, size)
		})
	}
}

func peerBenchPipelined(b *testing.B, c *peerBenchClient, size int) {
	msg := make([]byte, size)
	start := make(chan struct{})
	writeErr := make(chan error, 1)
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for range start {
			for range peerPipelineDepth {
				if err := c.write(msg); err != nil {
					writeErr <- err
					c.abort() // unblock the reader
					return
				}
			}
		}
	}()
	b.Cleanup(func() {
		close(start)
		c.abort()
		writer.Wait()
	})
	b.SetBytes(int64(size * peerPipelineDepth))
	b.ReportAllocs()
	for b.Loop() {
		start <- struct{}{}
		for range peerPipelineDepth {
			m, err := c.read()
			if err != nil {
				select {
				case werr := <-writeErr:
					b.Fatalf("write: %v (read: %v)", werr, err)
				default:
					b.Fatal(err)
				}
			}
			if len(m) != size {
				b.Fatalf("echo of %d bytes, want %d", len(m), size)
			}
		}
	}
	b.ReportMetric(float64(b.N*peerPipelineDepth)/b.Elapsed().Seconds(), "msgs/s")
}

func peerBenchPipelinedAsync(b *testing.B, size int) {
	c := dialW3wsPeerBenchConn(b)
	msg := make([]byte, size)
	var buf []byte
	b.SetBytes(int64(size * peerPipelineDepth))
	b.ReportAllocs()
	for b.Loop() {
		for range peerPipelineDepth {
			if err := c.WriteMessageAsync(MessageBinary, msg); err != nil {
				b.Fatal(err)
			}
		}
		for range peerPipelineDepth {
			_, m, err := c.ReadMessage(buf[:0])
			if err != nil {
				b.Fatal(err)
			}
			if len(m) != size {
				b.Fatalf("echo of %d bytes, want %d", len(m), size)
			}
			buf = m
		}
	}
	b.ReportMetric(float64(b.N*peerPipelineDepth)/b.Elapsed().Seconds(), "msgs/s")
}
