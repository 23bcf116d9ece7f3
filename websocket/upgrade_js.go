//go:build js && wasm

package websocket

import (
	"errors"
	"fmt"
	"net/http"
)

// upgrade is Upgrade in the browser build: a page cannot accept
// connections.
func upgrade(w http.ResponseWriter, _ *http.Request, _ *Options) (*WebSocket, error) {
	http.Error(w, "WebSocket server not available in the browser build", http.StatusNotImplemented)
	return nil, fmt.Errorf("websocket: Upgrade: a browser cannot accept connections: %w", errors.ErrUnsupported)
}
