package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/w3ws/w3ws/bench/impl"
)

// Bounds of one echo measurement, beyond its limits.
const (
	// window is the messages a stream keeps in flight.
	window = 64
	// dialTimeout bounds opening the connection.
	dialTimeout = 10 * time.Second
	// cellSlack is the time a measurement may take beyond its warm-up and
	// measured time (the dial, the last echoes, the close) before it is
	// aborted.
	cellSlack = 20 * time.Second
)

// limits bound one echo measurement. It warms up for warm (or maxMsgs
// echoes), then measures for dur (or maxMsgs echoes), whichever ends first.
type limits struct {
	warm, dur time.Duration
	maxMsgs   int
	window    int // messages a stream keeps in flight
	// verify compares every echo in full (the tests, and the deflate
	// part, whose messages differ in their middle only and whose
	// compression costs far more than a comparison). Otherwise the
	// warm-up's echoes are compared in full and the measured ones by
	// length and three sampled bytes, to keep bytes.Equal of a megabyte
	// out of the figures.
	verify bool
	// opened and quiet, when set, are called once the connection is open
	// and, when the measurement succeeded, once every message sent has
	// come back, before the close: the deflate part reads the server's
	// byte counters at both. An error of theirs fails the measurement.
	opened, quiet func() error
}

// timeout is the time after which a measurement is aborted.
func (l limits) timeout() time.Duration { return l.warm + l.dur + cellSlack }

// hook calls f, one of l's hooks, if it is set.
func (l limits) hook(f func() error) error {
	if f == nil {
		return nil
	}
	return f()
}

// result is one measurement.
type result struct {
	msgs     int
	seconds  float64
	p50, p99 time.Duration // of the round trip, in ping-pong
	// echoes counts every message echoed on the connection: the warm-up,
	// the measured ones and, in stream, the drain.
	echoes int
	// up and down are the bytes on the wire per message, client to server
	// and back, between the hooks opened and quiet (the deflate part).
	up, down float64
}

// rate is the echoes per second.
func (r result) rate() float64 { return float64(r.msgs) / r.seconds }

// errTimeout is the error of a measurement that overran limits.timeout.
var errTimeout = errors.New("measurement timed out")

// payload returns the message of a size: pseudo-random bytes, the same in
// every run, so that an echo that is not unmasked, or is shifted, shows.
func payload(size int) []byte {
	r := rand.New(rand.NewPCG(uint64(size), 6455))
	p := make([]byte, size)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// check compares an echo with the message sent: in full, or by length and
// its first, middle and last bytes.
func check(got, want []byte, full bool) error {
	if len(got) != len(want) {
		return fmt.Errorf("echo of %d bytes, sent %d", len(got), len(want))
	}
	if full {
		if !bytes.Equal(got, want) {
			return errors.New("echo differs from the message sent")
		}
		return nil
	}
	if n := len(want); n > 0 && (got[0] != want[0] || got[n/2] != want[n/2] || got[n-1] != want[n-1]) {
		return errors.New("echo differs from the message sent")
	}
	return nil
}

// dialCtx returns the context that bounds a dial.
func dialCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), dialTimeout)
}

// firstErr returns a channel that keeps the first error sent to report, and
// report, which never blocks: later errors are dropped.
func firstErr() (chan error, func(error)) {
	ch := make(chan error, 1)
	return ch, func(err error) {
		select {
		case ch <- err:
		default:
		}
	}
}

// closeConn closes c after a measurement and keeps the measurement's error,
// or else the close's.
func closeConn(c impl.Conn, err error) error {
	if cerr := c.Close(); err == nil && cerr != nil {
		return fmt.Errorf("close: %w", cerr)
	}
	return err
}
