package rawserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// wait bounds every wait of these tests.
const wait = 5 * time.Second

// dial connects to addr, failing t on error; the connection is closed at
// t's cleanup.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(wait))
	return nc
}

func TestStartHandlesConnection(t *testing.T) {
	addr := Start(t, wait, func(nc net.Conn) {
		defer nc.Close()
		line, err := bufio.NewReader(nc).ReadString('\n')
		if err != nil {
			return
		}
		io.WriteString(nc, "echo "+line)
	})
	for i := range 2 { // every connection is handled, not only the first
		nc := dial(t, addr)
		if _, err := io.WriteString(nc, "hello\n"); err != nil {
			t.Fatalf("conn %d: write: %v", i, err)
		}
		got, err := io.ReadAll(nc)
		if err != nil {
			t.Fatalf("conn %d: read: %v", i, err)
		}
		if string(got) != "echo hello\n" {
			t.Fatalf("conn %d: got %q, want %q", i, got, "echo hello\n")
		}
	}
}

func TestStartSetsDeadline(t *testing.T) {
	errc := make(chan error, 1)
	addr := Start(t, 50*time.Millisecond, func(nc net.Conn) {
		_, err := nc.Read(make([]byte, 1))
		errc <- err
	})
	dial(t, addr) // the client stays silent
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("handler read: got %v, want a deadline error", err)
		}
	case <-time.After(wait):
		t.Fatal("the handler's read did not time out")
	}
}

func TestStartClosesOpenConnectionsAtCleanup(t *testing.T) {
	started := make(chan struct{})
	errc := make(chan error, 1)
	var client net.Conn
	t.Run("server", func(t *testing.T) {
		addr := Start(t, time.Minute, func(nc net.Conn) {
			close(started)
			_, err := io.Copy(io.Discard, nc) // until the server closes nc
			errc <- err
		})
		nc, err := net.DialTimeout("tcp", addr, wait)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		client = nc
		select {
		case <-started:
		case <-time.After(wait):
			t.Fatal("the connection was not handled")
		}
		// Neither side closes the connection.
	})
	if client == nil {
		return
	}
	defer client.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("handler read: got %v, want net.ErrClosed", err)
		}
	default:
		t.Fatal("the handler was still running after the cleanup")
	}
	client.SetDeadline(time.Now().Add(wait))
	if n, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after cleanup: %d, %v; want EOF", n, err)
	}
}

func TestStartCleanupWaitsForHandlers(t *testing.T) {
	var done atomic.Bool
	t.Run("server", func(t *testing.T) {
		started := make(chan struct{})
		addr := Start(t, time.Minute, func(nc net.Conn) {
			close(started)
			io.Copy(io.Discard, nc)           // until a side closes nc
			time.Sleep(50 * time.Millisecond) // work after the close
			done.Store(true)
		})
		dial(t, addr)
		select {
		case <-started:
		case <-time.After(wait):
			t.Fatal("the connection was not handled")
		}
	})
	if !done.Load() {
		t.Fatal("the cleanup returned before the handler")
	}
}
