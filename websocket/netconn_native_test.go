//go:build !js

package websocket_test

// WebSocketStream.NetConn natively: the net.Conn conformance suite of
// golang.org/x/net/nettest over loopback, the byte stream across message
// boundaries, closing, and deadlines.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
	"golang.org/x/net/nettest"
)

// ncPair is a client stream and an UpgradeStream server stream, connected
// over loopback, with the net.Conn of each.
type ncPair struct {
	cs, ss *websocket.WebSocketStream
	c, s   net.Conn
}

// newNCPair connects a client stream to an UpgradeStream server over
// loopback and returns both ends as net.Conns. stop closes both conns and
// the server and waits for both streams to end.
func newNCPair(server, client *websocket.StreamOptions) (p ncPair, stop func(), err error) {
	streams := make(chan *websocket.WebSocketStream, 1)
	srv := newStreamHTTPServer(server, streams)
	ctx, cancel := context.WithTimeout(context.Background(), stWait)
	defer cancel()
	cs, err := websocket.NewStream(ctx, "ws"+srv.URL[len("http"):], stClientOptions(client))
	if err != nil {
		srv.Close()
		return p, nil, err
	}
	p.cs = cs
	if p.c, err = cs.NetConn(ctx); err != nil {
		srv.Close()
		return p, nil, err
	}
	select {
	case p.ss = <-streams:
	case <-ctx.Done():
		p.c.Close()
		srv.Close()
		return p, nil, ctx.Err()
	}
	if p.s, err = p.ss.NetConn(ctx); err != nil {
		p.c.Close()
		srv.Close()
		return p, nil, err
	}
	stop = func() {
		p.c.Close()
		p.s.Close()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), stWait)
		defer cancel()
		p.cs.Closed(ctx)
		p.ss.Closed(ctx)
	}
	return p, stop, nil
}

// newStreamHTTPServer runs an httptest server whose handler upgrades with
// UpgradeStream(opts) and hands the stream on streams (closing it when
// nobody takes it).
func newStreamHTTPServer(opts *websocket.StreamOptions, streams chan<- *websocket.WebSocketStream) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.UpgradeStream(w, r, opts)
		if err != nil {
			return
		}
		select {
		case streams <- s:
		default:
			s.Close(websocket.CloseInfo{CloseCode: 1000})
		}
	}))
}

// ncPairT is newNCPair for a test: it fails the test on error and stops the
// pair when the test ends.
func ncPairT(t *testing.T, server, client *websocket.StreamOptions) ncPair {
	t.Helper()
	p, stop, err := newNCPair(server, client)
	require.NoError(t, err)
	t.Cleanup(stop)
	return p
}

// ncReadAll reads from c until it has n bytes or fails.
func ncReadAll(c net.Conn, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return b, err
}

// nettestSubtests are the subtests of nettest.TestConn, in its order.
var nettestSubtests = []string{"BasicIO", "PingPong", "RacyRead", "RacyWrite", "ReadTimeout",
	"WriteTimeout", "PastTimeout", "PresentTimeout", "FutureTimeout", "CloseTimeout", "ConcurrentMethods"}

// nettestDeviations are the subtests NetConn does not pass, and why. Each
// comes from one documented choice: a write deadline that passes while a
// Write is under way drops the connection (a frame cannot be taken back),
// where nettest expects the conn to stay usable once the deadline is
// cleared, and every Write error after it to be a timeout.
var nettestDeviations = map[string]string{
	// Writes racing a 1 ms deadline: once one is cut short the connection
	// is gone, and later Writes fail with "use of closed network
	// connection", not a timeout.
	"RacyWrite": "later Writes after the drop are not timeouts",
	// A Write loop hits a 100 ms deadline mid-write: the connection is
	// dropped, and the round trip that follows fails.
	"FutureTimeout": "a deadline passing mid-Write drops the connection",
	// SetWriteDeadline(past) racing Writes sometimes lands mid-write, with
	// the same effect (intermittent).
	"ConcurrentMethods": "a deadline passing mid-Write drops the connection",
}

// nettestChildEnv marks the child process TestNetConnNettest runs.
const nettestChildEnv = "W3WS_NETTEST_CHILD"

// nettestPipe is the MakePipe of the suite.
func nettestPipe() (c1, c2 net.Conn, stop func(), err error) {
	p, stop, err := newNCPair(nil, nil)
	return p.c, p.s, stop, err
}

// TestNetConnNettest runs golang.org/x/net/nettest's net.Conn conformance
// suite on a client NetConn and a server one connected over loopback. The
// subtests NetConn deviates from (nettestDeviations) cannot be left out
// from inside the suite, so it runs the others in a child process of the
// test binary and checks each passed. W3WS_NETTEST=all runs the whole
// suite here instead (it fails until the deviations are gone).
func TestNetConnNettest(t *testing.T) {
	if os.Getenv(nettestChildEnv) == "1" || os.Getenv("W3WS_NETTEST") == "all" {
		nettest.TestConn(t, nettestPipe)
		return
	}
	var want []string
	for _, name := range nettestSubtests {
		if _, skip := nettestDeviations[name]; !skip {
			want = append(want, name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNetConnNettest$/^("+strings.Join(want, "|")+")$",
		"-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), nettestChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the conformance suite failed:\n%s", out)
	for _, name := range want {
		assert.Contains(t, string(out), "--- PASS: TestNetConnNettest/"+name+" ", "subtest %s did not pass:\n%s", name, out)
	}
	for name, why := range nettestDeviations {
		t.Logf("not run: %s (%s)", name, why)
	}
}

// TestNetConnBothWays: 1 MiB of random bytes each way at once, written in
// Writes of assorted sizes (one message each) and read with io.ReadFull
// into buffers that cut across message boundaries, arrives intact.
func TestNetConnBothWays(t *testing.T) {
	p := ncPairT(t, nil, nil)
	const n = 1 << 20
	up, down := stBytes(n, 1), stBytes(n, 2)
	write := func(c net.Conn, data []byte) error {
		sizes := []int{1, 7000, 65536, 3, 100000, 4096}
		for i := 0; len(data) > 0; i++ {
			k := min(sizes[i%len(sizes)], len(data))
			if _, err := c.Write(data[:k]); err != nil {
				return err
			}
			data = data[k:]
		}
		return nil
	}
	read := func(c net.Conn, want []byte) error {
		got := make([]byte, 0, len(want))
		chunks := []int{5000, 1, 70000, 12345}
		for i := 0; len(got) < len(want); i++ {
			k := min(chunks[i%len(chunks)], len(want)-len(got))
			b, err := ncReadAll(c, k)
			if err != nil {
				return err
			}
			got = append(got, b...)
		}
		if !bytes.Equal(got, want) {
			return errors.New("the bytes differ")
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, f := range []func() error{
		func() error { return write(p.c, up) },
		func() error { return write(p.s, down) },
		func() error { return read(p.s, up) },
		func() error { return read(p.c, down) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "task %d", i)
	}
}

// TestNetConnPartialRead: a Read with a small buffer returns part of a
// message, and the next Read its rest (not more: a Read stays within one
// message); an empty message is skipped.
func TestNetConnPartialRead(t *testing.T) {
	p := ncPairT(t, nil, nil)
	ctx := stCtx(t)
	sconn, err := p.ss.Opened(ctx)
	require.NoError(t, err)
	msg := stBytes(100, 3)
	require.NoError(t, sconn.Writable.Write(ctx, msg))
	require.NoError(t, sconn.Writable.Write(ctx, []byte{}))
	require.NoError(t, sconn.Writable.Write(ctx, []byte("next")))
	buf := make([]byte, 200)
	n, err := p.c.Read(buf[:10])
	require.NoError(t, err)
	require.Equal(t, 10, n)
	assert.Equal(t, msg[:10], buf[:10])
	n, err = p.c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, 90, n, "the rest of the first message")
	assert.Equal(t, msg[10:], buf[:90])
	n, err = p.c.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "next", string(buf[:n]))
	n, err = p.c.Read(nil)
	assert.NoError(t, err)
	assert.Zero(t, n)
}

// TestNetConnWriteIsOneMessage: each Write is one binary message on the
// peer's stream.
func TestNetConnWriteIsOneMessage(t *testing.T) {
	p := ncPairT(t, nil, nil)
	ctx := stCtx(t)
	sconn, err := p.ss.Opened(ctx)
	require.NoError(t, err)
	for _, w := range [][]byte{[]byte("ab"), stBytes(70000, 4), []byte("c")} {
		n, err := p.c.Write(w)
		require.NoError(t, err)
		require.Equal(t, len(w), n)
		m, err := sconn.Readable.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, w, m)
	}
}

// TestNetConnText: a text message from the peer makes Read fail (not with
// io.EOF), and the peer sees the connection closed with 1003.
func TestNetConnText(t *testing.T) {
	p := ncPairT(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sconn, err := p.ss.Opened(ctx)
	require.NoError(t, err)
	require.NoError(t, sconn.Writable.Write(ctx, "not bytes"))
	_, err = p.c.Read(make([]byte, 100))
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
	_, err = sconn.Readable.Read(ctx)
	require.Equal(t, io.EOF, err, "the peer got no Close frame")
	info, err := p.ss.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1003, info.CloseCode)
}

// TestNetConnClose: Close sends 1000, which the peer's Closed reports
// after its Read returned io.EOF; Reads and Writes after Close, and a
// second Close, fail with net.ErrClosed.
func TestNetConnClose(t *testing.T) {
	p := ncPairT(t, nil, nil)
	ctx := stCtx(t)
	sconn, err := p.ss.Opened(ctx)
	require.NoError(t, err)
	require.NoError(t, p.c.Close())
	_, err = sconn.Readable.Read(ctx)
	require.Equal(t, io.EOF, err)
	info, err := p.ss.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 1000}, info)
	_, err = p.c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = p.c.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, p.c.Close(), net.ErrClosed)
	info, err = p.cs.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1000, info.CloseCode)
}

// TestNetConnCloseUnblocks: Close makes a Read blocked on a silent peer
// return net.ErrClosed.
func TestNetConnCloseUnblocks(t *testing.T) {
	p := ncPairT(t, nil, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := p.c.Read(make([]byte, 1))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the Read block (not an assertion)
	require.NoError(t, p.c.Close())
	assert.ErrorIs(t, receive(t, errc), net.ErrClosed)
}

// TestNetConnEOF: after the peer sent data and closed cleanly, Read returns
// the data, then io.EOF, again on the next call.
func TestNetConnEOF(t *testing.T) {
	p := ncPairT(t, nil, nil)
	ctx := stCtx(t)
	sconn, err := p.ss.Opened(ctx)
	require.NoError(t, err)
	require.NoError(t, sconn.Writable.Write(ctx, []byte("abc")))
	require.NoError(t, p.ss.Close(websocket.CloseInfo{CloseCode: 1000}))
	p.c.SetReadDeadline(time.Now().Add(stWait))
	got, err := io.ReadAll(p.c)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(got))
	_, err = p.c.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err)
}

// TestNetConnReadDeadline: a past read deadline fails Read with a net.Error
// whose Timeout is true, wrapping os.ErrDeadlineExceeded; a deadline
// passing while Read waits does the same; neither drops the connection:
// once the deadline is cleared, data written meanwhile is read intact.
func TestNetConnReadDeadline(t *testing.T) {
	p := ncPairT(t, nil, nil)
	requireTimeout := func(err error) {
		t.Helper()
		require.Error(t, err)
		var ne net.Error
		require.True(t, errors.As(err, &ne), "%T is not a net.Error", err)
		require.True(t, ne.Timeout(), "Timeout() of %v", err)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	}
	require.NoError(t, p.c.SetReadDeadline(time.Now().Add(-time.Second)))
	n, err := p.c.Read(make([]byte, 10))
	assert.Zero(t, n)
	requireTimeout(err)

	require.NoError(t, p.c.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	start := time.Now()
	_, err = p.c.Read(make([]byte, 10))
	requireTimeout(err)
	assert.Less(t, time.Since(start), stWait, "the future deadline fired")

	_, err = p.s.Write([]byte("after the deadline"))
	require.NoError(t, err)
	require.NoError(t, p.c.SetReadDeadline(time.Time{}))
	got, err := ncReadAll(p.c, len("after the deadline"))
	require.NoError(t, err)
	assert.Equal(t, "after the deadline", string(got))

	// Moving the deadline into the past wakes a blocked Read.
	require.NoError(t, p.c.SetReadDeadline(time.Time{}))
	errc := make(chan error, 1)
	go func() {
		_, err := p.c.Read(make([]byte, 10))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the Read block (not an assertion)
	require.NoError(t, p.c.SetReadDeadline(time.Unix(1, 0)))
	requireTimeout(receive(t, errc))
	require.NoError(t, p.c.SetDeadline(time.Time{}))
	_, err = p.s.Write([]byte("x"))
	require.NoError(t, err)
	got, err = ncReadAll(p.c, 1)
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
}

// TestNetConnWriteDeadline: a past write deadline fails Write at once with
// a timeout, writing nothing and keeping the connection: once the
// deadline is cleared, Writes go through.
func TestNetConnWriteDeadline(t *testing.T) {
	p := ncPairT(t, nil, nil)
	require.NoError(t, p.c.SetWriteDeadline(time.Unix(1, 0)))
	n, err := p.c.Write([]byte("lost"))
	assert.Zero(t, n)
	var ne net.Error
	require.True(t, errors.As(err, &ne), "%T is not a net.Error", err)
	assert.True(t, ne.Timeout())
	require.NoError(t, p.c.SetWriteDeadline(time.Time{}))
	_, err = p.c.Write([]byte("kept"))
	require.NoError(t, err)
	p.s.SetReadDeadline(time.Now().Add(stWait))
	got, err := ncReadAll(p.s, 4)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(got), "the timed-out Write sent nothing")
}

// TestNetConnAddrs: LocalAddr and RemoteAddr are the TCP connection's
// addresses, mirrored on the two ends.
func TestNetConnAddrs(t *testing.T) {
	p := ncPairT(t, nil, nil)
	for _, a := range []net.Addr{p.c.LocalAddr(), p.c.RemoteAddr(), p.s.LocalAddr(), p.s.RemoteAddr()} {
		ta, ok := a.(*net.TCPAddr)
		require.True(t, ok, "%T is not a *net.TCPAddr", a)
		assert.True(t, ta.IP.IsLoopback(), "%v", ta)
		assert.NotZero(t, ta.Port)
	}
	assert.Equal(t, p.c.LocalAddr().String(), p.s.RemoteAddr().String())
	assert.Equal(t, p.c.RemoteAddr().String(), p.s.LocalAddr().String())
}

// TestNetConnNotOpened: NetConn on a stream whose handshake failed returns
// its *WebSocketError and no conn.
func TestNetConnNotOpened(t *testing.T) {
	u, _ := stStallServer(t)
	s, err := websocket.NewStream(context.Background(), u, stClientOptions(nil))
	require.NoError(t, err)
	require.NoError(t, s.Close(websocket.CloseInfo{}))
	c, err := s.NetConn(stCtx(t))
	assert.Nil(t, c)
	stRequireOpenedError(t, err)
}
