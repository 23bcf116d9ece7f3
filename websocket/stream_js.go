//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/w3ws/w3ws/jsbridge"
)

// streamTransport runs a WebSocketStream in the browser: bound to the
// browser's own WebSocketStream where it has one (boundStream), else
// emulated over this package's WebSocket (emulatedStream). The choice is
// made by feature detection when the stream is created.
type streamTransport struct {
	// impl is set by connect, before NewStream returns the stream, and
	// never changes; nil for a stream aborted before it was created.
	impl streamImpl
}

// streamImpl is what a browser build's stream runs on.
type streamImpl interface {
	// read waits for the next message; see StreamReader.Read.
	read(ctx context.Context) (text string, data []byte, isText bool, err error)
	// write sends one message; see StreamWriter.Write.
	write(ctx context.Context, text string, bin []byte, isText bool) error
	// close abandons the opening handshake or starts the closing one, the
	// first time; code is 0, 1000 or 3000-4999.
	close(code int, reason string)
	// stopReading discards the messages nobody will read.
	stopReading()
	// remoteURL is the URL the stream connects to.
	remoteURL() string
}

// connect starts the stream: on the browser's WebSocketStream when there
// is one, else on a WebSocket.
func (t *streamTransport) connect(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) {
	if jsbridge.HasStream() {
		t.impl = connectBound(ctx, s, u, o)
		return
	}
	t.impl = connectEmulated(ctx, s, u, o)
}

// upgradeStream is UpgradeStream in the browser build: a page cannot
// accept connections.
func upgradeStream(w http.ResponseWriter, _ *http.Request, _ Options) (*WebSocketStream, error) {
	http.Error(w, "WebSocket server not available in the browser build", http.StatusNotImplemented)
	return nil, fmt.Errorf("websocket: UpgradeStream: a browser cannot accept connections: %w", errors.ErrUnsupported)
}

// read waits for the next message.
func (t *streamTransport) read(ctx context.Context) (string, []byte, bool, error) {
	if t.impl == nil {
		// Never started: the stream was aborted before it was created.
		return "", nil, false, errStreamClosed
	}
	return t.impl.read(ctx)
}

// write sends one message and waits until the browser sent it.
func (t *streamTransport) write(ctx context.Context, text string, bin []byte, isText bool) error {
	if t.impl == nil {
		return errStreamClosed
	}
	return t.impl.write(ctx, text, bin, isText)
}

// close abandons the opening handshake or starts the closing one. A code
// a page may not send (1003, which NetConn's transport sends for a text
// message) becomes 1000.
func (t *streamTransport) close(_ *WebSocketStream, code int, reason string) {
	if code != 0 && code != 1000 && (code < 3000 || code > 4999) {
		code = 1000
	}
	if t.impl != nil {
		t.impl.close(code, reason)
	}
}

// stopReading discards what is received and not read, and what still
// arrives.
func (t *streamTransport) stopReading() {
	if t.impl != nil {
		t.impl.stopReading()
	}
}

// addrs names both ends by URL: no TCP address is known in the browser.
func (t *streamTransport) addrs() (local, remote net.Addr) {
	if t.impl == nil {
		return websocketAddr("browser"), websocketAddr("")
	}
	return websocketAddr("browser"), websocketAddr(t.impl.remoteURL())
}
