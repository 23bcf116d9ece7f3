//go:build !js

// Native only: coder/websocket's js build has a different API (no HTTPClient, no Accept), and these tests need real sockets.

package native

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	coder "github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/leaktest"
)

// These tests run the engine against another implementation,
// github.com/coder/websocket, over loopback TCP (and TLS), in both roles: our
// client against its server and its client against our server.

// interopTimeout bounds every wait of the interop tests.
const interopTimeout = 30 * time.Second

// interopReadLimit is the message limit set on coder's side: its default
// (32 KiB) is below the sizes these tests send.
const interopReadLimit = 64 << 20

// interopEnv owns what an interop test starts: the server, both ends of each
// connection, and helper goroutines. Its cleanup closes every connection,
// waits (bounded) for every goroutine started with run, closes the server,
// and checks that no goroutine is left.
type interopEnv struct {
	t   *testing.T
	ctx context.Context // bounds coder's calls; cancelled at cleanup

	mu      sync.Mutex
	closers []func()
	wg      sync.WaitGroup
}

func newInteropEnv(t *testing.T) *interopEnv {
	t.Helper()
	interopNoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	e := &interopEnv{t: t, ctx: ctx}
	t.Cleanup(func() {
		cancel()
		e.mu.Lock()
		closers := e.closers
		e.closers = nil
		e.mu.Unlock()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		done := make(chan struct{})
		go func() { e.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(interopTimeout):
			t.Errorf("interop helper goroutines still running after %v", interopTimeout)
		}
	})
	return e
}

// interopNoLeaks fails the test if, once its cleanups ran, more goroutines
// are left than when it started. newInteropEnv calls it first, so that it
// runs last.
func interopNoLeaks(t *testing.T) { leaktest.Check(t, 5*time.Second) }

// onCleanup registers fn to run at cleanup, before the goroutines are
// awaited. Closers run in reverse order of registration.
func (e *interopEnv) onCleanup(fn func()) {
	e.mu.Lock()
	e.closers = append(e.closers, fn)
	e.mu.Unlock()
}

// run starts fn on a goroutine that cleanup waits for.
func (e *interopEnv) run(fn func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		fn()
	}()
}

// recv waits for one value from ch, bounded by interopTimeout.
func interopRecv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(interopTimeout):
		require.FailNow(t, "timed out waiting for "+what)
		panic("unreachable")
	}
}

// interopConfig sets up one connection of an interop test.
type interopConfig struct {
	secure      bool // TLS (httptest.NewTLSServer); the client trusts its certificate
	dial        DialOptions
	accept      AcceptOptions
	coderDial   coder.DialOptions
	coderAccept coder.AcceptOptions
}

// pair connects our engine and coder's, ours as the client (Dial against a
// coder.Accept server) or as the server (Accept against coder.Dial). Both
// ends are closed at cleanup.
func (e *interopEnv) pair(oursIsClient bool, cfg interopConfig) (ours *Conn, theirs *coder.Conn) {
	e.t.Helper()
	ours, theirs, err := e.tryPair(oursIsClient, cfg)
	require.NoError(e.t, err)
	return ours, theirs
}

// tryPair is pair returning the client's Dial error instead of failing.
func (e *interopEnv) tryPair(oursIsClient bool, cfg interopConfig) (ours *Conn, theirs *coder.Conn, dialErr error) {
	t := e.t
	t.Helper()
	type accepted struct {
		ours   *Conn
		theirs *coder.Conn
		err    error
	}
	results := make(chan accepted, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res accepted
		if oursIsClient {
			res.theirs, res.err = coder.Accept(w, r, &cfg.coderAccept)
			if res.theirs != nil {
				res.theirs.SetReadLimit(interopReadLimit)
				e.onCleanup(func() { res.theirs.CloseNow() })
			}
		} else {
			res.ours, res.err = Accept(w, r, &cfg.accept)
			if res.ours != nil {
				e.onCleanup(func() { res.ours.CloseNow() })
			}
		}
		select {
		case results <- res:
		default: // only one connection per pair
		}
	})
	var srv *httptest.Server
	if cfg.secure {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	e.onCleanup(srv.Close)
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")

	var res accepted
	if oursIsClient {
		opts := cfg.dial
		opts.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
		if cfg.secure {
			roots := x509.NewCertPool()
			roots.AddCert(srv.Certificate())
			opts.TLSConfig = &tls.Config{RootCAs: roots}
		}
		c, _, err := Dial(e.ctx, wsURL, &opts)
		if err != nil {
			return nil, nil, err
		}
		e.onCleanup(func() { c.CloseNow() })
		res = interopRecv(t, results, "coder.Accept")
		res.ours = c
	} else {
		opts := cfg.coderDial
		if cfg.secure {
			opts.HTTPClient = srv.Client()
		} else {
			tr := &http.Transport{}
			e.onCleanup(tr.CloseIdleConnections)
			opts.HTTPClient = &http.Client{Transport: tr}
		}
		c, _, err := coder.Dial(e.ctx, wsURL, &opts)
		if err != nil {
			return nil, nil, err
		}
		c.SetReadLimit(interopReadLimit)
		e.onCleanup(func() { c.CloseNow() })
		res = interopRecv(t, results, "native.Accept")
		res.theirs = c
	}
	require.NoError(t, res.err, "server's Accept")
	return res.ours, res.theirs, nil
}

// interopRoles names the two set-ups of every interop test.
func interopRoles(oursIsClient bool) string {
	if oursIsClient {
		return "w3wsClient-coderServer"
	}
	return "coderClient-w3wsServer"
}

// interopNativeEcho echoes every message until ReadMessage fails, and returns that
// error.
func interopNativeEcho(c *Conn) error {
	var buf []byte
	for {
		typ, msg, err := c.ReadMessage(buf[:0])
		if err != nil {
			return err
		}
		buf = msg
		if err := c.WriteMessage(typ, msg); err != nil {
			return err
		}
	}
}

// interopCoderEcho echoes every message until Read fails, and returns that error.
func interopCoderEcho(ctx context.Context, c *coder.Conn) error {
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return err
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return err
		}
	}
}

// interopCoderRead is one result of coder's Read.
type interopCoderRead struct {
	typ coder.MessageType
	msg []byte
	err error
}

// coderReader reads c on a goroutine (coder's Ping needs a concurrent reader
// to see the pong) and hands every result over; it stops after the first
// error.
func (e *interopEnv) coderReader(c *coder.Conn) <-chan interopCoderRead {
	ch := make(chan interopCoderRead, 16)
	e.run(func() {
		for {
			typ, msg, err := c.Read(e.ctx)
			ch <- interopCoderRead{typ, msg, err}
			if err != nil {
				return
			}
		}
	})
	return ch
}

// interopNativeRead is one result of our ReadMessage.
type interopNativeRead struct {
	typ MessageType
	msg []byte
	err error
}

// nativeReader reads c on a goroutine and hands every result over; it stops
// after the first error.
func (e *interopEnv) nativeReader(c *Conn) <-chan interopNativeRead {
	ch := make(chan interopNativeRead, 16)
	e.run(func() {
		for {
			typ, msg, err := c.ReadMessage(nil)
			ch <- interopNativeRead{typ, msg, err}
			if err != nil {
				return
			}
		}
	})
	return ch
}

// errOf runs fn on a goroutine and returns a channel that receives its error.
func (e *interopEnv) errOf(fn func() error) <-chan error {
	ch := make(chan error, 1)
	e.run(func() { ch <- fn() })
	return ch
}

// interopText returns n bytes of valid UTF-8 that mix 1- to 4-byte code
// points, padded with ASCII to the exact length.
func interopText(n int) []byte {
	runes := []rune("wλ€😀s")
	b := make([]byte, 0, n)
	for i := 0; ; i++ {
		r := runes[i%len(runes)]
		if len(b)+utf8.RuneLen(r) > n {
			break
		}
		b = utf8.AppendRune(b, r)
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return b
}

// interopBinary returns n pseudo-random bytes.
func interopBinary(n int) []byte {
	rng := rand.New(rand.NewPCG(uint64(n), 6455))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// interopSizes are the message sizes of TestInteropEcho: around the 7-bit,
// 16-bit and 64-bit length encodings, and a large message.
var interopSizes = []int{0, 1, 125, 126, 65535, 65536, 4 << 20}

// TestInteropEcho sends text and binary messages of every size from the
// client to an echoing server and checks the echo byte for byte.
func TestInteropEcho(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			var echoErr <-chan error
			if oursIsClient {
				echoErr = e.errOf(func() error { return interopCoderEcho(e.ctx, theirs) })
			} else {
				echoErr = e.errOf(func() error { return interopNativeEcho(ours) })
			}
			for _, typ := range []MessageType{MessageText, MessageBinary} {
				for _, size := range interopSizes {
					name := fmt.Sprintf("%v/%dB", typ, size)
					msg := interopBinary(size)
					if typ == MessageText {
						msg = interopText(size)
					}
					var gotTyp MessageType
					var got []byte
					if oursIsClient {
						require.NoError(t, ours.WriteMessage(typ, msg), name)
						var err error
						gotTyp, got, err = ours.ReadMessage(nil)
						require.NoError(t, err, name)
					} else {
						require.NoError(t, theirs.Write(e.ctx, coder.MessageType(typ), msg), name)
						ct, m, err := theirs.Read(e.ctx)
						require.NoError(t, err, name)
						gotTyp, got = MessageType(ct), m
					}
					assert.Equal(t, typ, gotTyp, name)
					assert.Equal(t, len(msg), len(got), name)
					assert.True(t, bytes.Equal(msg, got), "%s: echo differs", name)
				}
			}
			// The client ends with a normal closure, which the echoing
			// server sees as such.
			if oursIsClient {
				require.NoError(t, ours.Close(StatusNormalClosure, ""))
				err := interopRecv(t, echoErr, "coder's echo loop")
				assert.Equal(t, coder.StatusNormalClosure, coder.CloseStatus(err), "%v", err)
			} else {
				require.NoError(t, theirs.Close(coder.StatusNormalClosure, ""))
				err := interopRecv(t, echoErr, "our echo loop")
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, &CloseError{Code: StatusNormalClosure}, ce)
			}
		})
	}
}

// interopCoderWriteFragments sends one message with coder's streaming Writer. Its
// Write sends each call as one frame (FIN clear; the first with the message's
// opcode, the others as continuations) and Close ends the message with an
// empty final continuation frame.
func interopCoderWriteFragments(ctx context.Context, c *coder.Conn, typ coder.MessageType, pieces ...[]byte) error {
	w, err := c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	for _, p := range pieces {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return w.Close()
}

// TestInteropFragmented has coder send fragmented messages, binary in three
// 70 KiB frames and text with code points split across frames: our
// ReadMessage returns each as one message, and echoes it back whole.
func TestInteropFragmented(t *testing.T) {
	big := interopBinary(3 * 70 << 10)
	tests := []struct {
		name   string
		typ    MessageType
		pieces [][]byte
	}{
		{"binary3x70KiB", MessageBinary, [][]byte{big[:70<<10], big[70<<10 : 140<<10], big[140<<10:]}},
		{"textSplitCodePoints", MessageText, [][]byte{
			[]byte("Hel"), []byte("lo \xf0\x9f"), []byte("\x98"), []byte("\x80 \xce"), []byte("\xbb"), []byte("\xe2\x82"), []byte("\xac!"),
		}},
		{"textOneBytePerFrame", MessageText, func() [][]byte {
			var p [][]byte
			for _, b := range []byte("😀λ€") {
				p = append(p, []byte{b})
			}
			return p
		}()},
		{"emptyPieces", MessageText, [][]byte{{}, []byte("a"), {}, []byte("b")}},
	}
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					want := bytes.Join(tt.pieces, nil)
					sent := e.errOf(func() error {
						return interopCoderWriteFragments(e.ctx, theirs, coder.MessageType(tt.typ), tt.pieces...)
					})
					typ, got, err := ours.ReadMessage(nil)
					require.NoError(t, err)
					require.NoError(t, interopRecv(t, sent, "coder's Writer"))
					assert.Equal(t, tt.typ, typ)
					assert.True(t, bytes.Equal(want, got), "reassembled message differs: %d bytes, want %d", len(got), len(want))

					// And back, in one frame.
					echoed := e.errOf(func() error { return ours.WriteMessage(typ, got) })
					ct, echo, err := theirs.Read(e.ctx)
					require.NoError(t, err)
					require.NoError(t, interopRecv(t, echoed, "our WriteMessage"))
					assert.Equal(t, coder.MessageType(tt.typ), ct)
					assert.True(t, bytes.Equal(want, echo), "echo differs")
				})
			}
			// coder's Close waits for our reply: our reader must run.
			read := e.nativeReader(ours)
			require.NoError(t, theirs.Close(coder.StatusNormalClosure, ""))
			var ce *CloseError
			require.ErrorAs(t, interopRecv(t, read, "our ReadMessage").err, &ce)
			assert.Equal(t, StatusNormalClosure, ce.Code)
		})
	}
}

// TestInteropFragmentedInvalidUTF8 has coder send a text message whose
// fragments are each a valid prefix but together are not UTF-8 ("\xce" then
// "A"): we fail the connection with 1007, and coder reads that code.
func TestInteropFragmentedInvalidUTF8(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			read := e.coderReader(theirs)
			require.NoError(t, interopCoderWriteFragments(e.ctx, theirs, coder.MessageText, []byte("ok \xce"), []byte("A")))
			_, _, err := ours.ReadMessage(nil)
			require.ErrorIs(t, err, ErrInvalidUTF8)
			r := interopRecv(t, read, "coder's Read")
			assert.Equal(t, coder.StatusInvalidFramePayloadData, coder.CloseStatus(r.err), "%v", r.err)
		})
	}
}

// TestInteropPing checks pings in every direction: coder's Ping returns
// once our ReadMessage loop answered it, and our Ping reaches coder (seen by
// its OnPingReceived) and its pong is consumed without disturbing messages.
func TestInteropPing(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run("coderPings/"+interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			echoErr := e.errOf(func() error { return interopNativeEcho(ours) })
			read := e.coderReader(theirs)
			for i := range 3 {
				ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
				err := theirs.Ping(ctx)
				cancel()
				require.NoError(t, err, "ping %d", i)
			}
			require.NoError(t, theirs.Write(e.ctx, coder.MessageText, []byte("after pings")))
			r := interopRecv(t, read, "the echo")
			require.NoError(t, r.err)
			assert.Equal(t, "after pings", string(r.msg))

			require.NoError(t, theirs.Close(coder.StatusNormalClosure, ""))
			var ce *CloseError
			require.ErrorAs(t, interopRecv(t, echoErr, "our echo loop"), &ce)
			assert.Equal(t, StatusNormalClosure, ce.Code)
		})

		t.Run("w3wsPings/"+interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			pings := make(chan string, 8)
			onPing := func(_ context.Context, p []byte) bool {
				pings <- string(p)
				return true
			}
			ours, theirs := e.pair(oursIsClient, interopConfig{
				coderDial:   coder.DialOptions{OnPingReceived: onPing},
				coderAccept: coder.AcceptOptions{OnPingReceived: onPing},
			})
			echoErr := e.errOf(func() error { return interopCoderEcho(e.ctx, theirs) })
			payloads := []string{"are you there", "", strings.Repeat("p", maxControlPayload)}
			for _, p := range payloads {
				require.NoError(t, ours.Ping([]byte(p)))
			}
			require.ErrorIs(t, ours.Ping(make([]byte, maxControlPayload+1)), ErrControlPayload)
			// The pongs arrive before the echo; ReadMessage drops them.
			require.NoError(t, ours.WriteMessage(MessageText, []byte("after pings")))
			typ, msg, err := ours.ReadMessage(nil)
			require.NoError(t, err)
			assert.Equal(t, MessageText, typ)
			assert.Equal(t, "after pings", string(msg))
			for _, p := range payloads {
				assert.Equal(t, p, interopRecv(t, pings, "coder's OnPingReceived"))
			}

			require.NoError(t, ours.Close(StatusNormalClosure, ""))
			err = interopRecv(t, echoErr, "coder's echo loop")
			assert.Equal(t, coder.StatusNormalClosure, coder.CloseStatus(err), "%v", err)
		})
	}
}

// TestInteropClose runs the closing handshake started by either side, with a
// code and reason and with an empty Close frame, and checks what the other
// side reports.
func TestInteropClose(t *testing.T) {
	tests := []struct {
		name       string
		oursCloses bool
		code       StatusCode // what the closing side passes
		reason     string
		want       StatusCode // what the other side reports
	}{
		{"w3wsCloses", true, 4001, "bye", 4001},
		{"w3wsClosesEmpty", true, 0, "", StatusNoStatusRcvd},
		{"w3wsClosesNormal", true, StatusNormalClosure, "done", StatusNormalClosure},
		{"coderCloses", false, 4002, "server bye", 4002},
		{"coderClosesEmpty", false, StatusNoStatusRcvd, "", StatusNoStatusRcvd},
		{"coderClosesGoingAway", false, StatusGoingAway, "restart", StatusGoingAway},
	}
	for _, oursIsClient := range []bool{true, false} {
		for _, tt := range tests {
			t.Run(tt.name+"/"+interopRoles(oursIsClient), func(t *testing.T) {
				e := newInteropEnv(t)
				ours, theirs := e.pair(oursIsClient, interopConfig{})
				if tt.oursCloses {
					read := e.coderReader(theirs)
					start := time.Now()
					require.NoError(t, ours.Close(tt.code, tt.reason))
					if oursIsClient {
						// The server dropped TCP at once: Close did not
						// wait out the drop timeout.
						assert.Less(t, time.Since(start), DefaultDropTimeout)
					}
					r := interopRecv(t, read, "coder's Read")
					var ce coder.CloseError
					require.ErrorAs(t, r.err, &ce)
					assert.Equal(t, coder.StatusCode(tt.want), ce.Code)
					assert.Equal(t, tt.reason, ce.Reason)
				} else {
					read := e.nativeReader(ours)
					start := time.Now()
					require.NoError(t, theirs.Close(coder.StatusCode(tt.code), tt.reason))
					r := interopRecv(t, read, "our ReadMessage")
					var ce *CloseError
					require.ErrorAs(t, r.err, &ce)
					assert.Equal(t, &CloseError{Code: tt.want, Reason: tt.reason}, ce)
					select {
					case <-ours.Done():
					case <-time.After(interopTimeout):
						t.Fatal("our connection did not end")
					}
					if oursIsClient {
						assert.Less(t, time.Since(start), DefaultDropTimeout)
					}
					// Close after the peer closed only waits for the end.
					assert.NoError(t, ours.Close(StatusNormalClosure, ""))
				}
			})
		}
	}
}

// TestInteropSubprotocol checks the subprotocol negotiation both ways: the
// server picks, and both ends agree on the choice.
func TestInteropSubprotocol(t *testing.T) {
	t.Run("w3wsClient-coderServer", func(t *testing.T) {
		e := newInteropEnv(t)
		ours, theirs := e.pair(true, interopConfig{
			dial:        DialOptions{Subprotocols: []string{"a", "b"}},
			coderAccept: coder.AcceptOptions{Subprotocols: []string{"b"}},
		})
		assert.Equal(t, "b", ours.Subprotocol())
		assert.Equal(t, "b", theirs.Subprotocol())
	})
	t.Run("coderClient-w3wsServer", func(t *testing.T) {
		e := newInteropEnv(t)
		// We take the client's order: "x" is offered first.
		ours, theirs := e.pair(false, interopConfig{
			coderDial: coder.DialOptions{Subprotocols: []string{"x", "y"}},
			accept:    AcceptOptions{Subprotocols: []string{"y", "x"}},
		})
		assert.Equal(t, "x", ours.Subprotocol())
		assert.Equal(t, "x", theirs.Subprotocol())
	})
	t.Run("coderClient-w3wsServer/noMatch", func(t *testing.T) {
		e := newInteropEnv(t)
		ours, theirs := e.pair(false, interopConfig{
			coderDial: coder.DialOptions{Subprotocols: []string{"x"}},
			accept:    AcceptOptions{Subprotocols: []string{"z"}},
		})
		assert.Equal(t, "", ours.Subprotocol())
		assert.Equal(t, "", theirs.Subprotocol())
	})
	t.Run("w3wsClient-coderServer/noMatch", func(t *testing.T) {
		// A client that offered protocols must get one back (WHATWG):
		// coder answers with none, so Dial fails.
		e := newInteropEnv(t)
		_, _, err := e.tryPair(true, interopConfig{
			dial:        DialOptions{Subprotocols: []string{"a"}},
			coderAccept: coder.AcceptOptions{Subprotocols: []string{"z"}},
		})
		var he *HandshakeError
		require.ErrorAs(t, err, &he)
		assert.ErrorIs(t, err, ErrBadHandshake)
	})
}

// TestInteropTLS runs an echo and a closing handshake over wss, our client
// against coder's server on httptest.NewTLSServer, and the reverse.
func TestInteropTLS(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{secure: true})
			for _, size := range []int{0, 125, 65536, 1 << 20} {
				msg := interopBinary(size)
				if oursIsClient {
					echoed := e.errOf(func() error {
						typ, m, err := theirs.Read(e.ctx)
						if err != nil {
							return err
						}
						return theirs.Write(e.ctx, typ, m)
					})
					require.NoError(t, ours.WriteMessage(MessageBinary, msg))
					typ, got, err := ours.ReadMessage(nil)
					require.NoError(t, err)
					require.NoError(t, interopRecv(t, echoed, "coder's echo"))
					assert.Equal(t, MessageBinary, typ)
					assert.True(t, bytes.Equal(msg, got), "%d B: echo differs", size)
				} else {
					echoed := e.errOf(func() error {
						typ, m, err := ours.ReadMessage(nil)
						if err != nil {
							return err
						}
						return ours.WriteMessage(typ, m)
					})
					require.NoError(t, theirs.Write(e.ctx, coder.MessageBinary, msg))
					typ, got, err := theirs.Read(e.ctx)
					require.NoError(t, err)
					require.NoError(t, interopRecv(t, echoed, "our echo"))
					assert.Equal(t, coder.MessageBinary, typ)
					assert.True(t, bytes.Equal(msg, got), "%d B: echo differs", size)
				}
			}
			read := e.coderReader(theirs)
			require.NoError(t, ours.Close(4001, "bye"))
			r := interopRecv(t, read, "coder's Read")
			var ce coder.CloseError
			require.ErrorAs(t, r.err, &ce)
			assert.Equal(t, coder.CloseError{Code: 4001, Reason: "bye"}, ce)
		})
	}
}

// TestInteropPingBetweenFragments has coder ping us in the middle of a
// fragmented message (coder's Ping takes the frame lock, not the message
// writer's, so its Ping goes out between two fragments): our ReadMessage
// answers it while reassembling, so coder's Ping returns before the message
// is complete.
func TestInteropPingBetweenFragments(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			read := e.nativeReader(ours)
			pongs := e.coderReader(theirs)
			w, err := theirs.Writer(e.ctx, coder.MessageText)
			require.NoError(t, err)
			_, err = w.Write([]byte("Hel"))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
			err = theirs.Ping(ctx) // flushes "Hel", then the Ping
			cancel()
			require.NoError(t, err)
			_, err = w.Write([]byte("lo \xf0\x9f"))
			require.NoError(t, err)
			_, err = w.Write([]byte("\x98\x80"))
			require.NoError(t, err)
			require.NoError(t, w.Close())
			r := interopRecv(t, read, "our ReadMessage")
			require.NoError(t, r.err)
			assert.Equal(t, MessageText, r.typ)
			assert.Equal(t, "Hello 😀", string(r.msg))

			require.NoError(t, theirs.Close(4000, "done"))
			r = interopRecv(t, read, "our ReadMessage")
			assert.Equal(t, &CloseError{Code: 4000, Reason: "done"}, r.err)
			assert.Error(t, interopRecv(t, pongs, "coder's Read").err)
		})
	}
}

// TestInteropMessageTooBig checks the 1009 failure both ways: a message over
// our MaxMessageSize from coder, and one over coder's read limit from us.
func TestInteropMessageTooBig(t *testing.T) {
	const limit = 1000
	for _, oursIsClient := range []bool{true, false} {
		t.Run("overOurLimit/"+interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			small := ConnOptions{MaxMessageSize: limit}
			ours, theirs := e.pair(oursIsClient, interopConfig{
				dial:   DialOptions{ConnOptions: small},
				accept: AcceptOptions{ConnOptions: small},
			})
			read := e.coderReader(theirs)
			require.NoError(t, theirs.Write(e.ctx, coder.MessageBinary, make([]byte, limit)))
			_, msg, err := ours.ReadMessage(nil)
			require.NoError(t, err, "a message at the limit is fine")
			assert.Len(t, msg, limit)
			require.NoError(t, theirs.Write(e.ctx, coder.MessageBinary, make([]byte, limit+1)))
			_, _, err = ours.ReadMessage(nil)
			require.ErrorIs(t, err, ErrMessageTooBig)
			r := interopRecv(t, read, "coder's Read")
			var ce coder.CloseError
			require.ErrorAs(t, r.err, &ce)
			assert.Equal(t, coder.StatusMessageTooBig, ce.Code)
			assert.Equal(t, ErrMessageTooBig.Reason, ce.Reason)
		})
		t.Run("overCoderLimit/"+interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			theirs.SetReadLimit(limit)
			read := e.nativeReader(ours)
			require.NoError(t, ours.WriteMessage(MessageBinary, make([]byte, limit+1)))
			_, _, err := theirs.Read(e.ctx)
			require.ErrorIs(t, err, coder.ErrMessageTooBig)
			theirs.CloseNow() // what a coder application does on a Read error
			r := interopRecv(t, read, "our ReadMessage")
			var ce *CloseError
			require.ErrorAs(t, r.err, &ce)
			assert.Equal(t, StatusMessageTooBig, ce.Code)
		})
	}
}

// interopTagged returns message i of writer w: "w,i," then size bytes
// derived from both, so that the receiver can check it whole.
func interopTagged(w, i, size int) []byte {
	b := fmt.Appendf(nil, "%d,%d,", w, i)
	for j := range size {
		b = append(b, byte(w*31+i*7+j))
	}
	return b
}

// interopCheckTagged checks a message built by interopTagged and returns
// its writer and index.
func interopCheckTagged(t *testing.T, m []byte) (w, i int) {
	t.Helper()
	parts := bytes.SplitN(m, []byte(","), 3)
	require.Len(t, parts, 3, "untagged message %.20q", m)
	_, err := fmt.Sscanf(string(parts[0])+" "+string(parts[1]), "%d %d", &w, &i)
	require.NoError(t, err)
	require.True(t, bytes.Equal(interopTagged(w, i, len(parts[2])), m), "message %d of writer %d corrupted", i, w)
	return w, i
}

// TestInteropConcurrentWriters has several goroutines write to one Conn at
// once, messages of mixed sizes through both WriteMessage and
// WriteMessageAsync: coder receives every message intact, each writer's in
// order.
func TestInteropConcurrentWriters(t *testing.T) {
	const writers, perWriter = 6, 40
	sizes := []int{0, 1, 125, 126, 1000, 65536, 70000, 3}
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			done := make(chan error, writers)
			for w := range writers {
				e.run(func() {
					for i := range perWriter {
						msg := interopTagged(w, i, sizes[(w+i)%len(sizes)])
						var err error
						if w%2 == 0 {
							err = ours.WriteMessage(MessageBinary, msg)
						} else {
							err = ours.WriteMessageAsync(MessageBinary, msg)
						}
						if err != nil {
							done <- err
							return
						}
					}
					done <- nil
				})
			}
			next := make([]int, writers)
			for range writers * perWriter {
				typ, m, err := theirs.Read(e.ctx)
				require.NoError(t, err)
				require.Equal(t, coder.MessageBinary, typ)
				w, i := interopCheckTagged(t, m)
				require.Equal(t, next[w], i, "writer %d out of order", w)
				next[w]++
			}
			for range writers {
				require.NoError(t, interopRecv(t, done, "a writer"))
			}
			read := e.coderReader(theirs)
			require.NoError(t, ours.Close(StatusNormalClosure, ""))
			assert.Equal(t, coder.StatusNormalClosure, coder.CloseStatus(interopRecv(t, read, "coder's Read").err))
		})
	}
}

// TestInteropAsyncThenClose queues messages with WriteMessageAsync and closes
// at once: coder receives every message, in order, before our Close frame,
// and OnWritten accounts for every payload byte.
func TestInteropAsyncThenClose(t *testing.T) {
	const n = 200
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			var mu sync.Mutex
			var written int
			var writeErrs []error
			onWritten := func(n int, err error) {
				mu.Lock()
				written += n
				if err != nil {
					writeErrs = append(writeErrs, err)
				}
				mu.Unlock()
			}
			opts := ConnOptions{OnWritten: onWritten}
			ours, theirs := e.pair(oursIsClient, interopConfig{
				dial:   DialOptions{ConnOptions: opts},
				accept: AcceptOptions{ConnOptions: opts},
			})
			total := 0
			for i := range n {
				msg := interopTagged(0, i, i*37)
				total += len(msg)
				require.NoError(t, ours.WriteMessageAsync(MessageBinary, msg))
			}
			closed := e.errOf(func() error { return ours.Close(4001, "bye") })
			for i := range n {
				_, m, err := theirs.Read(e.ctx)
				require.NoError(t, err, "message %d", i)
				_, got := interopCheckTagged(t, m)
				require.Equal(t, i, got)
			}
			_, _, err := theirs.Read(e.ctx)
			assert.Equal(t, coder.StatusCode(4001), coder.CloseStatus(err), "%v", err)
			require.NoError(t, interopRecv(t, closed, "our Close"))
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, total, written)
			assert.Empty(t, writeErrs)
		})
	}
}

// TestInteropStartClose closes with StartClose while our ReadMessage loop
// runs: the loop receives coder's reply.
func TestInteropStartClose(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			echoErr := e.errOf(func() error { return interopCoderEcho(e.ctx, theirs) })
			read := e.nativeReader(ours)
			require.NoError(t, ours.WriteMessageAsync(MessageText, []byte("last")))
			require.NoError(t, ours.StartClose(4003, "start"))
			assert.ErrorIs(t, ours.WriteMessage(MessageText, []byte("too late")), ErrClosed)
			r := interopRecv(t, read, "our ReadMessage")
			require.NoError(t, r.err)
			assert.Equal(t, "last", string(r.msg))
			r = interopRecv(t, read, "our ReadMessage")
			assert.Equal(t, &CloseError{Code: 4003, Reason: "start"}, r.err)
			err := interopRecv(t, echoErr, "coder's echo loop")
			assert.Equal(t, coder.StatusCode(4003), coder.CloseStatus(err), "%v", err)
		})
	}
}

// TestInteropImmediateMessages has coder's server write messages right after
// its 101, before our Dial may even have returned: frames that arrive with
// the handshake response stay buffered for ReadMessage.
func TestInteropImmediateMessages(t *testing.T) {
	interopNoLeaks(t)
	want := []string{"one", "two", strings.Repeat("three", 1000)}
	handlerDone := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, nil)
		if err != nil {
			handlerDone <- err
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
		defer cancel()
		for _, m := range want {
			if err := c.Write(ctx, coder.MessageText, []byte(m)); err != nil {
				handlerDone <- err
				return
			}
		}
		_, _, err = c.Read(ctx)
		handlerDone <- err
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	c, _, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &DialOptions{
		Proxy: func(*http.Request) (*url.URL, error) { return nil, nil },
	})
	require.NoError(t, err)
	defer c.CloseNow()
	for _, m := range want {
		typ, got, err := c.ReadMessage(nil)
		require.NoError(t, err)
		assert.Equal(t, MessageText, typ)
		assert.Equal(t, m, string(got))
	}
	require.NoError(t, c.Close(StatusGoingAway, "leaving"))
	err = interopRecv(t, handlerDone, "coder's handler")
	assert.Equal(t, coder.StatusGoingAway, coder.CloseStatus(err), "%v", err)
}

// TestInteropSimultaneousClose has both sides start the closing handshake
// at once: each takes the other's Close frame as the reply, and ours
// reports success and ends the connection.
func TestInteropSimultaneousClose(t *testing.T) {
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{})
			theirsClosed := e.errOf(func() error { return theirs.Close(4002, "theirs") })
			oursClosed := e.errOf(func() error { return ours.Close(4001, "ours") })
			assert.NoError(t, interopRecv(t, oursClosed, "our Close"))
			// coder's Close reports the other code it got back as an error;
			// either way it must return.
			err := interopRecv(t, theirsClosed, "coder's Close")
			t.Logf("coder's Close: %v", err)
			select {
			case <-ours.Done():
			case <-time.After(interopTimeout):
				t.Fatal("our connection did not end")
			}
		})
	}
}

// TestInteropCompressionDeclined has coder ask for permessage-deflate from
// our server, and offer it as a server to our client (which never asks):
// nothing is negotiated, and coder sends plain frames we can read.
func TestInteropCompressionDeclined(t *testing.T) {
	msg := bytes.Repeat([]byte("compressible text "), 1000)
	for _, oursIsClient := range []bool{true, false} {
		t.Run(interopRoles(oursIsClient), func(t *testing.T) {
			e := newInteropEnv(t)
			ours, theirs := e.pair(oursIsClient, interopConfig{
				coderDial:   coder.DialOptions{CompressionMode: coder.CompressionContextTakeover},
				coderAccept: coder.AcceptOptions{CompressionMode: coder.CompressionContextTakeover},
			})
			assert.Empty(t, ours.Extensions())
			echoErr := e.errOf(func() error { return interopNativeEcho(ours) })
			for range 3 {
				require.NoError(t, theirs.Write(e.ctx, coder.MessageText, msg))
				typ, got, err := theirs.Read(e.ctx)
				require.NoError(t, err)
				assert.Equal(t, coder.MessageText, typ)
				assert.True(t, bytes.Equal(msg, got), "echo differs")
			}
			require.NoError(t, theirs.Close(coder.StatusNormalClosure, ""))
			var ce *CloseError
			require.ErrorAs(t, interopRecv(t, echoErr, "our echo loop"), &ce)
			assert.Equal(t, StatusNormalClosure, ce.Code)
		})
	}
}

// TestInteropCloseWhilePeerStreams closes while coder keeps sending 256 KiB
// messages (its CloseRead goroutine answers our Close frame): our Close
// discards the data still arriving, or our ReadMessage loop receives it,
// until the reply.
func TestInteropCloseWhilePeerStreams(t *testing.T) {
	for _, withReader := range []bool{false, true} {
		for _, oursIsClient := range []bool{true, false} {
			name := "closeReads/"
			if withReader {
				name = "readerLoop/"
			}
			t.Run(name+interopRoles(oursIsClient), func(t *testing.T) {
				e := newInteropEnv(t)
				ours, theirs := e.pair(oursIsClient, interopConfig{})
				theirs.CloseRead(e.ctx)
				msg := interopBinary(256 << 10)
				e.run(func() {
					for theirs.Write(e.ctx, coder.MessageBinary, msg) == nil {
					}
				})
				_, got, err := ours.ReadMessage(nil)
				require.NoError(t, err)
				require.True(t, bytes.Equal(msg, got))
				var loop <-chan error
				if withReader {
					loop = e.errOf(func() error {
						var buf []byte
						for {
							_, m, err := ours.ReadMessage(buf[:0])
							if err != nil {
								return err
							}
							if !bytes.Equal(msg, m) {
								return errors.New("message corrupted")
							}
							buf = m
						}
					})
				}
				require.NoError(t, ours.Close(4001, "enough"))
				if withReader {
					assert.Equal(t, &CloseError{Code: 4001, Reason: "enough"}, interopRecv(t, loop, "our ReadMessage loop"))
				}
			})
		}
	}
}
