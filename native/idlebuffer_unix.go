//go:build unix

package native

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns the connection's syscall.RawConn when reads can wait
// for readability without a buffer: a plain socket whose bytes reach the
// frame reader unchanged (activity reads nc itself). TLS connections and
// connections with handshake leftovers in front of the socket return nil.
func rawConnOf(nc net.Conn, activity *activityReader) syscall.RawConn {
	if activity == nil || activity.r != nc {
		return nil
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// waitReadable waits until the socket has bytes, its EOF or an error to
// report, by peeking one byte without consuming it (the runtime poller
// only reports readiness edges, so the data already there is checked
// first).
func waitReadable(rc syscall.RawConn) error {
	var b [1]byte
	return rc.Read(func(fd uintptr) bool {
		for {
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK):
				return false // wait for readability
			}
			return true // bytes, EOF (0) or an error: the read reports it
		}
	})
}
