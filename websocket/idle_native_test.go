//go:build !js && unix

package websocket_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// holdingServer answers WebSocket handshakes one at a time on a single
// goroutine and keeps each connection open without a goroutine of its
// own, so that what idle clients cost is all that grows while they wait.
// It returns the ws:// URL and a function that writes b to every
// connection.
func holdingServer(t *testing.T) (string, func(b []byte)) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			req, err := http.ReadRequest(bufio.NewReader(nc))
			if err != nil {
				nc.Close()
				continue
			}
			nc.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + stAcceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"))
			nc.SetDeadline(time.Time{})
			conns <- nc
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for nc := range conns {
			nc.Close()
		}
	})
	writeAll := func(b []byte) {
		for range len(conns) {
			nc := <-conns
			nc.Write(b)
			conns <- nc
		}
	}
	return "ws://" + ln.Addr().String() + "/", writeAll
}

// idleStack is what each idle stack test starts with, in its child
// process (inStackChild): a holdingServer's URL and writeAll, a context
// for the test's waits, and check, the idleStackCheck of n sockets opened
// from now on.
type idleStack struct {
	url      string
	writeAll func(b []byte)
	ctx      context.Context
	check    func(when string)
}

// startIdleStack runs the test named name in its child process and
// returns false; in the child it returns the test's idleStack and true.
func startIdleStack(t *testing.T, name string, n int) (*idleStack, bool) {
	t.Helper()
	if !inStackChild(t, name) {
		return nil, false
	}
	u, writeAll := holdingServer(t)
	stack0, g0 := stacks()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return &idleStack{url: u, writeAll: writeAll, ctx: ctx, check: idleStackCheck(t, n, stack0, g0)}, true
}

// TestIdleSocketStack: an open W3C client socket that has nothing to read
// waits on one goroutine with the smallest stack (2 KiB) and no read
// buffer, although its reading goroutine ran the open event; a message
// that then comes after a quiet second is delivered, and once its handler
// (which runs deep too) has returned the socket waits that way again.
//
// It runs in a child process with GODEBUG=adaptivestackstart=0, so that
// new goroutines start with the smallest stack rather than the average in
// use at the last GC (which the test's other goroutines set), and what it
// sees is whether an idle socket's goroutine ever needs more.
func TestIdleSocketStack(t *testing.T) {
	const n = 200
	is, ok := startIdleStack(t, "TestIdleSocketStack", n)
	if !ok {
		return
	}
	ctx, check, writeAll := is.ctx, is.check, is.writeAll
	got := make(chan string, n)
	sockets := make([]*websocket.WebSocket, 0, n)
	defer func() {
		for _, ws := range sockets {
			ws.Close(1000, "")
		}
	}()
	for range n {
		ws, err := websocket.NewWithOptions(is.url, &websocket.Options{
			// An open handler that runs deep, as a program's would: the
			// goroutine that ran it grows its stack.
			OnOpen: func(websocket.Event) { deep(64) },
			OnMessage: func(e *websocket.MessageEvent) {
				deep(64)
				got <- e.Text()
			},
		})
		require.NoError(t, err)
		sockets = append(sockets, ws)
		require.NoError(t, ws.WaitOpen(ctx))
	}
	waiting := time.Now()
	time.Sleep(200 * time.Millisecond) // every socket waits
	check("after the open event")

	time.Sleep(time.Until(waiting.Add(1100 * time.Millisecond))) // a quiet second
	sendHi(writeAll)
	takeHis(t, ctx, got, n, "a message")
	time.Sleep(200 * time.Millisecond) // every socket waits again
	check("after a message")

	// A message right after the last, not after a quiet second: its
	// handler runs deep and the read loop waits on; a second later it
	// hands over.
	sendHi(writeAll)
	takeHis(t, ctx, got, n, "a message")
	time.Sleep(1300 * time.Millisecond) // a quiet second, and a little
	check("a second after a busy message")
	sendHi(writeAll)
	takeHis(t, ctx, got, n, "a message after the hand-over")
}

// sendHi writes the text message "hi" to every connection of a
// holdingServer.
func sendHi(writeAll func([]byte)) { writeAll([]byte{0x81, 0x02, 'h', 'i'}) }

// takeHis takes n "hi" texts from got, failing the test when ctx ends
// first.
func takeHis(t *testing.T, ctx context.Context, got <-chan string, n int, what string) {
	t.Helper()
	for range n {
		select {
		case s := <-got:
			require.Equal(t, "hi", s, what)
		case <-ctx.Done():
			t.Fatal(what, "did not arrive")
		}
	}
}

// idleStackChildEnv marks the child process of TestIdleSocketStack and
// TestIdleStreamStack.
const idleStackChildEnv = "W3WS_IDLE_STACK_CHILD"

// inStackChild reports whether the test runs in its child process; if not,
// it runs the test named name in one, with GODEBUG=adaptivestackstart=0, so
// that new goroutines start with the smallest stack rather than the
// average in use at the last GC (which the test's other goroutines set),
// and what the test sees is whether an idle goroutine ever needs more.
func inStackChild(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv(idleStackChildEnv) != "" {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), idleStackChildEnv+"=1", "GODEBUG=adaptivestackstart=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "in the child process:\n%s", out)
	require.Contains(t, string(out), "--- PASS: "+name, "in the child process:\n%s", out)
	t.Logf("child process:\n%s", out)
	return false
}

// stacks returns the bytes of goroutine stacks in use, after a GC, and
// the number of goroutines.
func stacks() (inuse uint64, goroutines int) {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.StackInuse, runtime.NumGoroutine()
}

// idleStackCheck returns a check that n idle sockets, opened since stacks
// returned stack0 and g0, hold one goroutine each with one 2 KiB stack, and
// a little for the test's own goroutines; the race detector's
// instrumentation makes the waiting frames need 4 KiB (make test runs these
// tests without it as well). A goroutine that ran a deep handler, or waits
// deep in a read, holds 4 KiB or more.
func idleStackCheck(t *testing.T, n int, stack0 uint64, g0 int) func(when string) {
	limit := 3072.0
	if raceEnabled {
		limit = 6144
	}
	return func(when string) {
		t.Helper()
		stack, g := stacks()
		perSocket := float64(stack-stack0) / float64(n)
		t.Logf("per idle socket %s: %.0f B of stack, %.2f goroutines", when, perSocket, float64(g-g0)/float64(n))
		require.LessOrEqual(t, g-g0, n+2, "more than one goroutine per idle socket %s", when)
		require.Less(t, perSocket, limit, "idle sockets keep a grown stack %s", when)
	}
}

// TestIdleStreamStack: an open WebSocketStream that nobody reads, whose
// connection has nothing to read, waits on one goroutine (its read-ahead
// pump) with the smallest stack and no read buffer; a message that then
// comes after a quiet second is read, and the stream waits that way again.
func TestIdleStreamStack(t *testing.T) {
	const n = 200
	is, ok := startIdleStack(t, "TestIdleStreamStack", n)
	if !ok {
		return
	}
	ctx, check, writeAll := is.ctx, is.check, is.writeAll
	conns := make([]*websocket.StreamConnection, 0, n)
	for range n {
		s, err := websocket.NewStream(ctx, is.url, &websocket.StreamOptions{ParallelHandshakes: true})
		require.NoError(t, err)
		defer s.Close(websocket.CloseInfo{CloseCode: 1000})
		c, err := s.Opened(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	waiting := time.Now()
	time.Sleep(200 * time.Millisecond) // every stream waits
	check("after opening")

	time.Sleep(time.Until(waiting.Add(1100 * time.Millisecond))) // a quiet second
	sendHi(writeAll)
	readHis(t, ctx, conns, "a message")
	time.Sleep(200 * time.Millisecond) // every stream waits again
	check("after a message")

	// A message right after the last: the pump waits on inside its read
	// for a second, then hands over.
	sendHi(writeAll)
	readHis(t, ctx, conns, "a message")
	time.Sleep(1300 * time.Millisecond) // a quiet second, and a little
	check("a second after a busy message")
	sendHi(writeAll)
	readHis(t, ctx, conns, "a message after the hand-over")
}

// TestIdleEngineReaderStack: a program's own goroutine that waits for a
// message in the engine's ReadMessage on an idle connection parks within
// the smallest stack (2 KiB), as the W3C socket's and the stream's do: the
// wait for the first frame comes before the frames of the message reader
// (native.Conn.awaitQuiet). Each reader then takes the message that
// comes.
func TestIdleEngineReaderStack(t *testing.T) {
	const n = 200
	is, ok := startIdleStack(t, "TestIdleEngineReaderStack", n)
	if !ok {
		return
	}
	got := make(chan string, n)
	for range n {
		c, _, err := native.Dial(is.ctx, is.url, nil)
		require.NoError(t, err)
		defer c.CloseNow()
		go func() {
			_, msg, err := c.ReadMessage(nil)
			if err != nil {
				got <- err.Error()
				return
			}
			got <- string(msg)
		}()
	}
	time.Sleep(200 * time.Millisecond) // every reader waits
	is.check("waiting for a message")
	sendHi(is.writeAll)
	takeHis(t, is.ctx, got, n, "a message")
}

// readHis reads a "hi" text from each stream.
func readHis(t *testing.T, ctx context.Context, conns []*websocket.StreamConnection, what string) {
	t.Helper()
	for _, c := range conns {
		got, err := c.Readable.Read(ctx)
		require.NoError(t, err, what)
		require.Equal(t, "hi", got, what)
	}
}

// deep recurses d times with a frame of some size, to grow the stack.
func deep(d int) int {
	var pad [64]byte
	pad[d%64] = byte(d)
	if d == 0 {
		return int(pad[0])
	}
	return deep(d-1) + int(pad[d%64])
}

// TestFullSendBufferAfterQuietSecond: a handler that overflows
// MaxBufferedAmount on a message that came after a quiet second ends the
// socket (error, then close 1006): the read loop reports the end rather
// than waiting again for a connection that has ended.
func TestFullSendBufferAfterQuietSecond(t *testing.T) {
	u, writeAll := holdingServer(t) // it never reads: sends pile up
	closed := make(chan *websocket.CloseEvent, 1)
	var failure error
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		MaxBufferedAmount: 256 << 10,
		OnMessage: func(e *websocket.MessageEvent) {
			if e.Text() != "flood" {
				return
			}
			chunk := make([]byte, 64<<10)
			for range 400 { // 25 MiB: past the socket's buffers and the limit
				e.Target().Send(chunk)
			}
		},
		OnError: func(e websocket.Event) { failure = e.(*websocket.ErrorEvent).Err },
		OnClose: func(e *websocket.CloseEvent) { closed <- e },
	})
	require.NoError(t, err)
	defer ws.Close(1000, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	time.Sleep(100 * time.Millisecond)
	writeAll([]byte{0x81, 0x02, 'h', 'i'})
	time.Sleep(1200 * time.Millisecond) // the socket waits a quiet second
	writeAll([]byte{0x81, 0x05, 'f', 'l', 'o', 'o', 'd'})
	select {
	case e := <-closed:
		require.Equal(t, 1006, e.Code)
		require.ErrorIs(t, failure, native.ErrWriteQueueFull)
	case <-time.After(15 * time.Second):
		t.Fatal("no close event after the send buffer overflowed")
	}
}
