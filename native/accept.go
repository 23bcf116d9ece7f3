package native

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Errors of Accept, one per class of rejected handshake. Accept wraps them
// with the details and has already answered the client when it returns them.
var (
	// ErrNotWebSocket means the request is not a WebSocket opening handshake:
	// not HTTP/1.1 (505), not GET (405), or lacking Connection: Upgrade or
	// Upgrade: websocket (426).
	ErrNotWebSocket = errors.New("native: not a WebSocket handshake")
	// ErrUnsupportedVersion means Sec-WebSocket-Version is not 13 (426).
	ErrUnsupportedVersion = errors.New("native: unsupported Sec-WebSocket-Version")
	// ErrInvalidKey means Sec-WebSocket-Key is missing, repeated, or not 16
	// bytes in base64 (400).
	ErrInvalidKey = errors.New("native: invalid Sec-WebSocket-Key")
	// ErrOriginNotAllowed means the Origin is neither the request's host nor
	// matched by AcceptOptions.OriginPatterns (403).
	ErrOriginNotAllowed = errors.New("native: Origin not allowed")
)

// Accept upgrades an HTTP request to a WebSocket connection (RFC 6455 §4.2).
// It checks the client's handshake and its Origin, selects a subprotocol,
// hijacks the connection and writes the 101 response itself. opts may be nil
// and is never modified.
//
// On every failure Accept writes an HTTP error response to w and returns an
// error. The checks run in this order, and the status tells the client why:
//
//   - 505 HTTP Version Not Supported: the request is not HTTP/1.1. HTTP/2 and
//     HTTP/3 connections cannot be hijacked, and HTTP/1.0 has no Upgrade
//     ([ErrNotWebSocket]).
//   - 405 Method Not Allowed, with Allow: GET ([ErrNotWebSocket]).
//   - 426 Upgrade Required, with Upgrade: websocket and
//     Sec-WebSocket-Version: 13: Connection lacks the "upgrade" token or
//     Upgrade lacks "websocket", both compared case-insensitively
//     ([ErrNotWebSocket]); or Sec-WebSocket-Version is not 13 (§4.2.2,
//     [ErrUnsupportedVersion]).
//   - 400 Bad Request: a WebSocket request that is malformed: its
//     Sec-WebSocket-Key is missing, repeated, or not 16 bytes in base64
//     ([ErrInvalidKey]).
//   - 403 Forbidden: the Origin is not allowed, with the reason in the body
//     ([ErrOriginNotAllowed]; see AcceptOptions.OriginPatterns).
//   - 500 Internal Server Error: a fault on the server's side: a malformed
//     OriginPatterns entry (the error wraps path.ErrBadPattern), an invalid
//     ResponseHeader, or a w that cannot be hijacked (the error wraps
//     http.ErrNotSupported).
//
// Once the connection is hijacked only writing the 101 can fail; Accept then
// closes the connection, since no HTTP response can follow.
//
// The selected subprotocol is the first the client offered, in its order,
// that AcceptOptions.Subprotocols lists, compared case-sensitively; with none
// the response has no Sec-WebSocket-Protocol. permessage-deflate is
// negotiated when ConnOptions.Compression is on: the first valid offer is
// accepted (browsers always offer it; see [CompressionMode] for the answer);
// an offer that breaks RFC 7692 is declined, never fatal. No other extension
// is ever accepted.
//
// After Accept returns, the handler must not use w. r.Context() is cancelled
// when the handler returns, so it must not bound the connection's lifetime.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, error) {
	var o AcceptOptions
	if opts != nil {
		o = *opts
	}

	key, status, err := checkHandshake(w.Header(), r)
	if err == nil && !o.InsecureSkipOriginCheck {
		status, err = checkOrigin(r, o.OriginPatterns)
	}
	if err != nil {
		return nil, reject(w, status, err)
	}

	subprotocol := selectSubprotocol(r.Header, o.Subprotocols)
	var deflate *deflateParams
	var extensions string
	if o.Compression != CompressionDisabled {
		if p, answer, ok := negotiateDeflate(r.Header.Values("Sec-WebSocket-Extensions"), o.Compression); ok {
			deflate, extensions = &p, answer
		}
	}
	// Build the whole response before hijacking, so that a bad ResponseHeader
	// can still be answered with a 500.
	resp, err := appendResponse(nil, key, subprotocol, extensions, o.ResponseHeader)
	if err != nil {
		return nil, reject(w, http.StatusInternalServerError, err)
	}

	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, reject(w, http.StatusInternalServerError, fmt.Errorf("native: hijack: %w", err))
	}
	// Drop the deadlines http.Server's timeouts set. A conn that takes no
	// deadlines still works, and a dead one fails the write below.
	_ = nc.SetDeadline(time.Time{})

	// Keep the bytes the client sent right after its request (its first
	// frames), but stop reading through net/http's connReader: its read
	// errors cancel r.Context, and it takes a lock per read (golang/go#32314).
	activity := &activityReader{r: nc}
	var br *bufio.Reader
	if brw != nil && brw.Reader != nil {
		br = brw.Reader
		if n := br.Buffered(); n > 0 {
			b, _ := br.Peek(n)
			activity.r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc)
		}
		br.Reset(activity)
	} else {
		br = bufio.NewReader(activity)
	}

	if _, err := nc.Write(resp); err != nil {
		nc.Close()
		return nil, fmt.Errorf("native: write 101 response: %w", err)
	}
	return newConn(nc, br, connConfig{
		client:      false,
		subprotocol: subprotocol,
		extensions:  extensions,
		deflate:     deflate,
		opts:        o.ConnOptions,
		activity:    activity,
	}), nil
}

// reject writes the HTTP error response for err and returns err. A 500 gets
// a generic body: its cause is the server's configuration, not the client's
// business.
func reject(w http.ResponseWriter, status int, err error) error {
	msg := err.Error()
	if status == http.StatusInternalServerError {
		msg = http.StatusText(status)
	}
	http.Error(w, msg, status)
	return err
}

// checkHandshake checks the client's opening handshake (§4.2.1) and returns
// its Sec-WebSocket-Key. On failure it returns the HTTP status to answer
// with, having set that answer's headers in h.
func checkHandshake(h http.Header, r *http.Request) (key string, status int, err error) {
	if r.ProtoMajor != 1 || !r.ProtoAtLeast(1, 1) {
		return "", http.StatusHTTPVersionNotSupported,
			fmt.Errorf("%w: request is %s, WebSocket needs HTTP/1.1", ErrNotWebSocket, r.Proto)
	}
	if r.Method != http.MethodGet {
		h.Set("Allow", http.MethodGet)
		return "", http.StatusMethodNotAllowed,
			fmt.Errorf("%w: method is %s, not GET", ErrNotWebSocket, r.Method)
	}

	// RFC 7231 §6.5.15: a 426 names the protocol to upgrade to.
	upgradeRequired := func(err error) (string, int, error) {
		h.Set("Upgrade", "websocket")
		h.Set("Connection", "Upgrade")
		h.Set("Sec-WebSocket-Version", "13")
		return "", http.StatusUpgradeRequired, err
	}
	if !headerContainsToken(r.Header, "Connection", "upgrade") {
		return upgradeRequired(fmt.Errorf("%w: Connection %q lacks Upgrade", ErrNotWebSocket, r.Header.Get("Connection")))
	}
	if !headerContainsToken(r.Header, "Upgrade", "websocket") {
		return upgradeRequired(fmt.Errorf("%w: Upgrade %q lacks websocket", ErrNotWebSocket, r.Header.Get("Upgrade")))
	}
	if v := headerTokens(r.Header, "Sec-WebSocket-Version"); len(v) != 1 || v[0] != "13" {
		return upgradeRequired(fmt.Errorf("%w: %q, want 13", ErrUnsupportedVersion, strings.Join(v, ", ")))
	}

	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return "", http.StatusBadRequest, fmt.Errorf("%w: %d values, want one", ErrInvalidKey, len(keys))
	}
	key = strings.TrimSpace(keys[0])
	if b, err := base64.StdEncoding.DecodeString(key); err != nil || len(b) != 16 {
		return "", http.StatusBadRequest, fmt.Errorf("%w: %q is not 16 bytes in base64", ErrInvalidKey, key)
	}
	return key, 0, nil
}

// checkOrigin applies the Origin policy of AcceptOptions.OriginPatterns:
// browsers send Origin but do not apply the same-origin policy to
// WebSockets, so a cross-origin request is refused unless allowed.
//
// A request without Origin (not from a browser) is allowed. An Origin that
// does not parse as a URL with a host, such as "null" from a sandboxed page,
// is refused. Otherwise the Origin's host, with its port when it has one, is
// compared case-insensitively with r.Host, then with each pattern through
// path.Match, both lowercased. The scheme is not compared. So a pattern
// without a port matches only an Origin on its scheme's default port
// ("*.example.com" matches "https://a.example.com", not
// "http://a.example.com:8080"), and the brackets of an IPv6 literal must be
// escaped (`\[::1\]:*`). A malformed pattern is a server bug: the status is
// 500, whatever the Origin, and the error wraps path.ErrBadPattern.
func checkOrigin(r *http.Request, patterns []string) (status int, err error) {
	origins := r.Header.Values("Origin")
	switch len(origins) {
	case 0:
		return 0, nil
	case 1:
	default:
		return http.StatusForbidden, fmt.Errorf("%w: %d Origin headers", ErrOriginNotAllowed, len(origins))
	}
	origin := origins[0]
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return http.StatusForbidden, fmt.Errorf("%w: Origin %q is not a URL with a host", ErrOriginNotAllowed, origin)
	}
	if strings.EqualFold(u.Host, r.Host) {
		return 0, nil
	}
	host := strings.ToLower(u.Host)
	matched := false
	for _, p := range patterns {
		ok, err := path.Match(strings.ToLower(p), host)
		if err != nil {
			return http.StatusInternalServerError, fmt.Errorf("native: OriginPatterns entry %q: %w", p, err)
		}
		matched = matched || ok
	}
	if !matched {
		return http.StatusForbidden, fmt.Errorf("%w: Origin %q is not Host %q and matches no OriginPatterns entry", ErrOriginNotAllowed, origin, r.Host)
	}
	return 0, nil
}

// selectSubprotocol returns the first subprotocol the client offered (its
// Sec-WebSocket-Protocol lines may repeat and hold comma-separated lists)
// that supported lists, compared case-sensitively as browsers check the
// answer; or "" when there is none.
func selectSubprotocol(h http.Header, supported []string) string {
	for _, p := range headerTokens(h, "Sec-WebSocket-Protocol") {
		if ValidSubprotocol(p) && slices.Contains(supported, p) {
			return p
		}
	}
	return ""
}

// appendResponse appends the 101 response (§4.2.2) to dst. The extra headers
// are written after the WebSocket ones, sorted, under their canonical names.
// They may not set the headers Accept writes (Upgrade, Connection,
// Sec-WebSocket-*) nor give the 101 a body (Content-Length,
// Transfer-Encoding); names must be tokens, and values may hold no control
// character but tab, so no CR or LF can split the response. Any of these is
// an error: a silently dropped Set-Cookie would be harder to debug.
func appendResponse(dst []byte, key, subprotocol, extensions string, extra http.Header) ([]byte, error) {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\n"+
		"Upgrade: websocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "...)
	dst = append(dst, acceptKey(key)...)
	dst = append(dst, "\r\n"...)
	if subprotocol != "" {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		dst = append(dst, subprotocol...)
		dst = append(dst, "\r\n"...)
	}
	if extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = append(dst, extensions...)
		dst = append(dst, "\r\n"...)
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		// Header names share the token grammar of subprotocols (RFC 7230 §3.2.6).
		if !ValidSubprotocol(k) {
			return nil, fmt.Errorf("native: ResponseHeader name %q is not a token", k)
		}
		name := http.CanonicalHeaderKey(k)
		if reservedResponseHeader(name) {
			return nil, fmt.Errorf("native: ResponseHeader may not set %s", name)
		}
		for _, v := range extra[k] {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("native: ResponseHeader %s value %q holds a control character", name, v)
			}
			dst = append(dst, name...)
			dst = append(dst, ": "...)
			dst = append(dst, v...)
			dst = append(dst, "\r\n"...)
		}
	}
	return append(dst, "\r\n"...), nil
}

// reservedResponseHeader reports whether AcceptOptions.ResponseHeader may not
// set the canonical header name.
func reservedResponseHeader(name string) bool {
	switch name {
	case "Upgrade", "Connection", "Content-Length", "Transfer-Encoding":
		return true
	}
	return strings.HasPrefix(name, "Sec-Websocket-")
}
