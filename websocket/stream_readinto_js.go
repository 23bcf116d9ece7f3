//go:build js && wasm

package websocket

import "context"

// readInto is ReadInto in the browser build: the browser hands each
// message over in a buffer of its own, which is copied into dst.
func (t *streamTransport) readInto(ctx context.Context, dst []byte) ([]byte, bool, error) {
	text, data, isText, err := t.read(ctx)
	if err != nil {
		return dst[:0], false, err
	}
	if isText {
		return append(dst[:0], text...), true, nil
	}
	return append(dst[:0], data...), false, nil
}
