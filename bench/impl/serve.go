package impl

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

const (
	// handshakeTimeout bounds every opening handshake, on both sides.
	handshakeTimeout = 10 * time.Second
	// closeTimeout bounds a client's closing handshake where the library
	// has no bound of its own.
	closeTimeout = 10 * time.Second
)

// serveHTTP serves h on ln until ln is closed, for the servers that upgrade
// from a net/http handler. ReadHeaderTimeout bounds a handshake that never
// completes; the hijacked connections outlive Serve.
func serveHTTP(ln net.Listener, h http.HandlerFunc) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: handshakeTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	return acceptErr(srv.Serve(ln))
}

// acceptErr is nil for the error of Accept on a listener that was closed,
// the normal end of a server.
func acceptErr(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// readInto reads r to its end into buf, reused from the previous message
// (grown when too small), and returns the message: how pull-style libraries
// read a message without allocating one.
func readInto(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
