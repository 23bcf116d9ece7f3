//go:build !js

package wirerelay

import (
	"bytes"
	"compress/flate"
	"io"
)

// inflateTail ends a compressed message: the sync flush's empty stored
// block that RFC 7692 §7.2.1 strips, then an empty final block, so that
// the message ends in io.EOF.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// Inflate decompresses the payload of one compressed message (RSV1 set)
// that needs no earlier context (no_context_takeover on its sender's side),
// so that a test can compare it with the message sent.
func Inflate(p []byte) ([]byte, error) {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader(inflateTail)))
	defer r.Close()
	return io.ReadAll(r)
}

// InflateStream decompresses the messages of one direction sent with
// context takeover, where a message may refer back to earlier ones and so
// does not inflate on its own: one deflate stream, each message's payload
// followed by the stripped sync flush tail. It returns the messages'
// contents concatenated.
func InflateStream(wire []Message) ([]byte, error) {
	var z []byte
	for _, m := range wire {
		z = append(z, m.Payload...)
		z = append(z, inflateTail[:4]...)
	}
	z = append(z, inflateTail[4:]...)
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	return io.ReadAll(r)
}
