//go:build !js

package websocket

import "github.com/w3ws/w3ws/native"

// readBuffers are the buffers a socket's reading goroutine keeps across
// messages: buf, which the engine reads into, and spare, the data of a
// released small message, which the next small binary message is copied
// into. Both come back only through MessageEvent.Release, so a program
// that keeps its messages' data never sees its bytes reused.
type readBuffers struct {
	buf   []byte
	spare []byte
}

// take turns msg, read into r.buf, into the string or slice its receiver
// owns (see takeMessage), copying a small binary message into the spare
// buffer when it fits and is at most twice its size (so a message the
// receiver keeps does not pin much more memory than itself).
func (r *readBuffers) take(typ native.MessageType, msg []byte) (text string, data []byte, isText bool) {
	if typ == native.MessageBinary && len(msg) < handOverSize && fits(r.spare, len(msg)) {
		data, r.spare = append(r.spare[:0], msg...), nil
		r.buf = msg
		return "", data, false
	}
	text, data, isText, r.buf = takeMessage(typ, msg, r.buf)
	return text, data, isText
}

// giveBack takes back the data of a message its listeners released. It
// becomes the read buffer when it is larger than the read buffer, or, at
// handOverSize or more, when the read buffer is over twice its size (the
// messages got smaller, and takeMessage hands none over in a buffer over
// twice its size); a buffer no larger than handOverSize is kept as the
// spare. Nothing over maxRetainedReadBuffer is kept, so a socket holds at
// most that plus handOverSize between messages.
func (r *readBuffers) giveBack(p []byte) {
	if cap(p) == 0 || cap(p) > maxRetainedReadBuffer {
		return
	}
	p = p[:0]
	if cap(p) > cap(r.buf) || cap(p) >= handOverSize && 2*cap(p) < cap(r.buf) {
		r.buf, p = p, r.buf
	}
	if cap(p) <= handOverSize && cap(p) > cap(r.spare) {
		r.spare = p[:0]
	}
}

// fits reports whether b can hold a message of n bytes, n > 0, without
// being more than twice its size.
func fits(b []byte, n int) bool {
	return n > 0 && cap(b) >= n && cap(b) <= 2*n
}
