//go:build !js

package websocket

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/w3ws/w3ws/native"
)

// Upgrade accepts a WebSocket handshake on an HTTP request (server side,
// native only) and returns the socket, already OPEN, with the same events
// and methods as a client socket: handlers in opts see an "open" event
// first, then messages, then "close". opts.Protocols lists the subprotocols
// the server supports; the first one the client offered that is in the list
// is chosen. Cross-origin requests are refused (403) unless their host
// matches opts.OriginPatterns. MaxMessageSize applies as for clients. On
// failure Upgrade has already written an HTTP error response.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*WebSocket, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u, err := url.Parse(scheme + "://" + r.Host + r.URL.RequestURI())
	if err != nil {
		http.Error(w, "bad request URL", http.StatusBadRequest)
		return nil, fmt.Errorf("websocket: Upgrade: %w", err)
	}
	ws := newSocket(u, o)
	c, err := native.Accept(w, r, &native.AcceptOptions{
		ConnOptions:    ws.connOptions(),
		Subprotocols:   o.Protocols,
		OriginPatterns: o.OriginPatterns,
	})
	if err != nil {
		return nil, fmt.Errorf("websocket: Upgrade: %w", err)
	}
	ws.t.conn.Store(c)
	ws.state.Store(uint32(OPEN))
	p, e := c.Subprotocol(), c.Extensions()
	ws.protocol.Store(&p)
	ws.extensions.Store(&e)
	go func() {
		ws.d.dispatch(task{kind: taskOpen, protocol: p, ext: e, accepted: true})
		ws.readLoop(c)
	}()
	return ws, nil
}
