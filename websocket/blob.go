package websocket

import "unicode/utf8"

// ArrayBuffer is the data of a binary message when BinaryType is
// BinaryTypeArrayBuffer, and one of the types Send accepts.
type ArrayBuffer []byte

// Blob is the data of a binary message when BinaryType is BinaryTypeBlob (the
// default, as in browsers), and one of the types Send accepts. Its bytes are
// held in Go memory on both builds: the browser build receives binary
// messages as ArrayBuffers and wraps them, which keeps messages in order
// without awaiting blob.arrayBuffer() promises.
type Blob struct {
	data []byte
	typ  string
}

// NewBlob returns a Blob holding the concatenation of parts, with MIME type
// typ (which, as in browsers, Send ignores).
func NewBlob(parts [][]byte, typ string) *Blob {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	data := make([]byte, 0, n)
	for _, p := range parts {
		data = append(data, p...)
	}
	return &Blob{data: data, typ: typ}
}

// Size returns the Blob's length in bytes.
func (b *Blob) Size() int64 { return int64(len(b.data)) }

// Type returns the Blob's MIME type; "" for received messages.
func (b *Blob) Type() string { return b.typ }

// Bytes returns a copy of the Blob's bytes. It never fails on Go-held
// Blobs; the error is there for Blobs whose bytes must be fetched.
func (b *Blob) Bytes() ([]byte, error) { return append([]byte(nil), b.data...), nil }

// Text returns the Blob's bytes decoded as UTF-8, invalid sequences replaced
// with U+FFFD, as blob.text() does.
func (b *Blob) Text() (string, error) {
	if utf8.Valid(b.data) {
		return string(b.data), nil
	}
	return string([]rune(string(b.data))), nil
}
