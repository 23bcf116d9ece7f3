//go:build !js

package websocket

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/w3ws/w3ws/native"
)

// upgrade is Upgrade natively: the engine's Accept under the W3C object.
func upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*WebSocket, error) {
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
	if !ws.takeSlot() {
		h := w.Header()
		h.Set("Retry-After", limiterRetryAfter)
		h.Set("Connection", "close") // keep no idle connection for a client we refused
		http.Error(w, "too many WebSocket connections", http.StatusServiceUnavailable)
		return nil, o.Limiter.fullError("Upgrade answered 503")
	}
	c, err := native.Accept(w, r, &native.AcceptOptions{
		ConnOptions:    ws.connOptions(true),
		Subprotocols:   o.Protocols,
		OriginPatterns: o.OriginPatterns,
	})
	if err != nil {
		ws.releaseSlot()
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
