//go:build !js

package native

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The compression benchmarks:
//
//	go test -run '^$' -bench 'BenchmarkCompression|BenchmarkCompressedEcho' -benchtime=20x ./native
//
// The side-by-side figures against other libraries are in the bench module
// (make bench-deflate).

// cbMode is a compression setting of both ends of a benchmark connection.
type cbMode struct {
	name           string
	client, server CompressionMode
}

// cbModes are the settings of the compression benchmarks. With
// CompressionNoContextTakeover the server answers both no_context_takeover
// parameters, so neither end keeps a context; "client-window" is a client
// that compresses without context facing a server that keeps its own (the
// server's answer is a bare permessage-deflate), so the client holds an
// inflate window for it.
var cbModes = []cbMode{
	{"disabled", CompressionDisabled, CompressionDisabled},
	{"no-takeover", CompressionNoContextTakeover, CompressionNoContextTakeover},
	{"takeover", CompressionContextTakeover, CompressionContextTakeover},
	{"client-window", CompressionNoContextTakeover, CompressionContextTakeover},
}

// cbNoProxy keeps the benchmarks' dials off any proxy of the environment.
func cbNoProxy(*http.Request) (*url.URL, error) { return nil, nil }

// BenchmarkCompressionMemory reports the heap a connection holds in each
// compression setting once both ends are established, have exchanged one
// compressed 1 KiB JSON text message each way, and are idle. n connections
// are opened over loopback with Dial and Accept (so the setting is
// negotiated as in production), and the message steps are taken for all of
// them at once, each end's step apart from the other's (no read loops run),
// with the heap measured after a GC between steps:
//
//   - heapB/conn: both ends together, HTTP server leftovers included, as
//     BenchmarkIdleConnMemory's B/conn, after the exchange;
//   - clientB/conn, serverB/conn: what the exchange left on each end (the
//     client's send and receive, then the server's): the compression
//     state a setting keeps (a writer, an inflate window) and any buffer
//     kept between messages.
//
// Pooled writers and readers are not counted: two GCs empty the pools
// before each measurement.
func BenchmarkCompressionMemory(b *testing.B) {
	const n = 200
	msg := cbJSON(1<<10, 1)
	for _, m := range cbModes {
		b.Run("mode="+m.name, func(b *testing.B) {
			wsURL, accepted := cbServer(b, ConnOptions{Compression: m.server}, false)
			opts := &DialOptions{ConnOptions: ConnOptions{Compression: m.client}, Proxy: cbNoProxy}
			var buf []byte // every read lands here, so no message is kept
			for b.Loop() {
				clients := make([]*Conn, 0, n)
				servers := make([]*Conn, 0, n)
				before := cbHeap()
				for range n {
					c, _, err := Dial(context.Background(), wsURL, opts)
					if err != nil {
						b.Fatal(err)
					}
					clients = append(clients, c)
					servers = append(servers, <-accepted)
				}
				switch ext := clients[0].Extensions(); {
				case m.client != CompressionDisabled && ext == "":
					b.Fatal("compression was not negotiated")
				case m.name == "client-window" && ext != "permessage-deflate":
					b.Fatalf("the server answered %q, not a bare permessage-deflate", ext)
				}
				var h [5]uint64 // after: dials, client sends, server reads, server sends, client reads
				h[0] = cbHeap()
				for _, c := range clients {
					if err := c.WriteMessage(MessageText, msg); err != nil {
						b.Fatal(err)
					}
				}
				h[1] = cbHeap()
				for _, s := range servers {
					buf = cbRead(b, s, buf, msg)
				}
				h[2] = cbHeap()
				for _, s := range servers {
					if err := s.WriteMessage(MessageText, msg); err != nil {
						b.Fatal(err)
					}
				}
				h[3] = cbHeap()
				for _, c := range clients {
					buf = cbRead(b, c, buf, msg)
				}
				h[4] = cbHeap()
				perConn := func(x int64) float64 { return float64(x) / n }
				b.ReportMetric(perConn(int64(h[4]-before)), "heapB/conn")
				b.ReportMetric(perConn(int64(h[1]-h[0])+int64(h[4]-h[3])), "clientB/conn")
				b.ReportMetric(perConn(int64(h[2]-h[1])+int64(h[3]-h[2])), "serverB/conn")
				for i := range clients {
					clients[i].CloseNow()
					servers[i].CloseNow()
				}
			}
		})
	}
}

// cbRead reads one message from c into buf, checks it is want, and returns
// the buffer to reuse (grown if it was too small).
func cbRead(b *testing.B, c *Conn, buf, want []byte) []byte {
	b.Helper()
	typ, got, err := c.ReadMessage(buf[:0])
	if err != nil {
		b.Fatal(err)
	}
	if typ != MessageText || !bytes.Equal(got, want) {
		b.Fatalf("read a %v message of %d bytes, want the %d-byte text", typ, len(got), len(want))
	}
	return got
}

// cbHeap returns the live heap after two GCs: the first moves sync.Pools'
// contents to their victim caches, the second frees them.
func cbHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkCompressedEcho echoes JSON text messages over loopback, the
// client and an echo server both of the engine with the same setting, and
// reports beside the time per echo, MB/s (of the message, one way) and
// allocations (both ends, one process) the bytes on the wire per echo,
// both directions, frame headers included: wireB/op, counted on the
// client's connection. The messages are distinct JSON texts sent in turn,
// so that a kept context cannot send a repeat as one back reference.
func BenchmarkCompressedEcho(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		ring := make([][]byte, max(2, 64<<10/size))
		for i := range ring {
			ring[i] = cbJSON(size, uint64(i+1))
		}
		for _, m := range cbModes[:3] {
			b.Run("size="+strings.ReplaceAll(cbSizeLabel(size), " ", "")+"/mode="+m.name, func(b *testing.B) {
				wsURL, _ := cbServer(b, ConnOptions{Compression: m.server}, true)
				var wire cbWire
				c, _, err := Dial(context.Background(), wsURL, &DialOptions{
					ConnOptions: ConnOptions{Compression: m.client},
					Proxy:       cbNoProxy,
					NetDial:     wire.dial,
				})
				if err != nil {
					b.Fatal(err)
				}
				defer c.CloseNow()
				buf := make([]byte, 0, size)
				// A few echoes before counting: the handshake stays out of
				// the bytes, and the filling of the pools (flate readers
				// and writers, gather buffers) out of the allocations.
				i := 0 // the next message of the ring
				for ; i < min(len(ring), 16); i++ {
					if err := c.WriteMessage(MessageText, ring[i]); err != nil {
						b.Fatal(err)
					}
					buf = cbRead(b, c, buf, ring[i])
				}
				wire.reset()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					msg := ring[i%len(ring)]
					i++
					if err := c.WriteMessage(MessageText, msg); err != nil {
						b.Fatal(err)
					}
					buf = cbRead(b, c, buf, msg)
				}
				b.ReportMetric(float64(wire.total())/float64(b.N), "wireB/op")
			})
		}
	}
}

// cbServer starts an engine server with opts on loopback and returns its
// ws URL. With echo, each connection echoes every message until it ends;
// without, each accepted connection is handed over on the channel returned,
// and the handler returns (the connection outlives it). Cleanup closes the
// server and waits for its handlers.
func cbServer(b *testing.B, opts ConnOptions, echo bool) (string, <-chan *Conn) {
	b.Helper()
	accepted := make(chan *Conn, 1)
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1) // before the 101: it happens before Dial returns
		defer handlers.Done()
		c, err := Accept(w, r, &AcceptOptions{ConnOptions: opts})
		if err != nil {
			b.Error(err)
			return
		}
		if !echo {
			accepted <- c
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
	b.Cleanup(func() {
		srv.CloseClientConnections()
		handlers.Wait()
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), accepted
}

// cbWire counts the bytes of the TCP connection it dials, both ways.
type cbWire struct{ n atomic.Int64 }

func (w *cbWire) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &cbWireConn{Conn: nc, w: w}, nil
}

func (w *cbWire) reset()       { w.n.Store(0) }
func (w *cbWire) total() int64 { return w.n.Load() }

// cbWireConn is a net.Conn whose reads and writes cbWire counts.
type cbWireConn struct {
	net.Conn
	w *cbWire
}

func (c *cbWireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.n.Add(int64(n))
	return n, err
}

func (c *cbWireConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.w.n.Add(int64(n))
	return n, err
}

// cbSizeLabel writes 1024 as "1 KiB".
func cbSizeLabel(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

// cbJSON returns a JSON array of user records of exactly size bytes, from
// seed: the same keys in every record and values that vary (rising ids,
// names, addresses, timestamps, tags, a few words), as an API sends. On its
// own, compress/flate at BestSpeed shrinks 1 KiB of it about 2.2 times and
// 64 KiB about 4.9 times.
func cbJSON(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(size)))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	words := func(b []byte, n int) []byte {
		end := len(b) + n
		for len(b) < end {
			if len(b) > end-n {
				b = append(b, ' ')
			}
			w := pick(cbWords)
			b = append(b, w[:min(len(w), end-len(b))]...)
		}
		return b
	}
	b := make([]byte, 0, size+512)
	b = append(b, '[')
	id := 100000 + r.Int64N(900000)
	var rec []byte
	for {
		id += 1 + r.Int64N(20)
		first, last := pick(cbFirst), pick(cbLast)
		rec = append(rec[:0], `{"id":`...)
		rec = strconv.AppendInt(rec, id, 10)
		rec = append(rec, `,"name":"`+first+" "+last+`","email":"`+strings.ToLower(first+"."+last)+"@"+pick(cbDomains)...)
		rec = append(rec, `","status":"`+pick(cbStates)+`","score":`...)
		rec = strconv.AppendInt(rec, int64(r.IntN(1000)), 10)
		rec = append(rec, `,"verified":`...)
		rec = strconv.AppendBool(rec, r.IntN(4) != 0)
		rec = fmt.Appendf(rec, `,"created":"2025-%02d-%02dT%02d:%02d:00Z"`, 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60))
		rec = append(rec, `,"tags":["`+pick(cbTags)+`"],"note":"`...)
		rec = words(rec, 8+r.IntN(24))
		rec = append(rec, `"}`...)
		if len(b)+1+len(rec)+1 > size {
			break
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, rec...)
	}
	// The rest: a last {"note":"..."} of the right length, or spaces.
	room := size - len(b) - 1
	sep := min(len(b)-1, 1)
	if n := room - sep - len(`{"note":""}`); n >= 0 {
		b = append(b, ","[:sep]...)
		b = append(b, `{"note":"`...)
		b = words(b, n)
		b = append(b, `"}`...)
	} else {
		b = append(b, strings.Repeat(" ", room)...)
	}
	return append(b, ']')
}

// The vocabulary of cbJSON.
var (
	cbFirst   = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus", "Frances", "John", "Sophie", "Dennis", "Hedy", "Niklaus"}
	cbLast    = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Torvalds", "Allen", "McCarthy", "Wilson", "Ritchie", "Lamarr", "Wirth"}
	cbDomains = []string{"example.com", "example.org", "mail.example.net", "corp.example"}
	cbStates  = []string{"active", "pending", "suspended", "deleted"}
	cbTags    = []string{"admin", "beta", "billing", "eu-west", "us-east", "mobile", "desktop", "trial", "vip", "support", "api", "legacy"}
	cbWords   = []string{"the", "order", "was", "shipped", "to", "customer", "after", "payment", "cleared", "and", "stock", "checked", "by", "warehouse", "team", "on", "request", "refund", "issued", "delayed", "because", "address", "invalid", "updated"}
)
