package native

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Dial errors. Those found before any network I/O wrap ErrInvalidURL,
// ErrInvalidSubprotocol or ErrInvalidHeader; a response that does not
// complete the handshake is a *HandshakeError, which matches ErrBadHandshake.
var (
	// ErrBadHandshake is matched (errors.Is) by every *HandshakeError: the
	// server answered, but not with a valid upgrade for our request.
	ErrBadHandshake = errors.New("native: bad handshake")
	// ErrInvalidURL is wrapped by Dial for a URL it cannot connect to: a
	// scheme other than ws, wss, http or https, a fragment (even an empty
	// "#"), no host, or a bad port. Browsers throw SyntaxError for these.
	ErrInvalidURL = errors.New("native: invalid WebSocket URL")
	// ErrInvalidSubprotocol is wrapped by Dial when a subprotocol is not a
	// token ([ValidSubprotocol]) or is offered twice (compared
	// case-sensitively, as browsers do). Browsers throw SyntaxError for these.
	ErrInvalidSubprotocol = errors.New("native: invalid subprotocol")
	// ErrInvalidHeader is wrapped by Dial when DialOptions.Header has a
	// malformed name or value (a CR or LF would split the request), or sets a
	// header Dial owns: Host, Upgrade, Connection, Content-Length,
	// Transfer-Encoding and every Sec-WebSocket-* header. They are refused
	// rather than ignored, so a mistake shows at once.
	ErrInvalidHeader = errors.New("native: invalid handshake header")
)

// HandshakeError reports a server response that does not complete the
// opening handshake (RFC 6455 §4.1 and the WHATWG additions): a status other
// than 101 (redirects are not followed, as browsers do not follow them for
// WebSockets), a wrong Upgrade, Connection or Sec-WebSocket-Accept header, a
// subprotocol we did not offer, none when we offered some, or an extension.
// It matches ErrBadHandshake.
type HandshakeError struct {
	// StatusCode is the response status, or 0 when the response could not
	// be parsed as HTTP.
	StatusCode int
	// Reason says what was wrong with the response.
	Reason string
}

// Error returns the reason, prefixed with "native: bad handshake: ".
func (e *HandshakeError) Error() string { return "native: bad handshake: " + e.Reason }

// Unwrap returns ErrBadHandshake, so that errors.Is matches every failure class.
func (e *HandshakeError) Unwrap() error { return ErrBadHandshake }

const (
	// handshakeBufferSize is the size of the reader the handshake reads the
	// response with. It is handed to the connection, which reads frames
	// through it.
	handshakeBufferSize = 4096
	// maxHandshakeResponseSize bounds the status line and headers of a
	// handshake or CONNECT response, as Chrome bounds them (256 KiB), so a
	// server cannot grow our memory until the timeout.
	maxHandshakeResponseSize = 256 << 10
	// maxErrorBodySize bounds the body of a rejected response kept for the
	// caller.
	maxErrorBodySize = 1 << 10
	// errorBodyTimeout bounds the wait for that body.
	errorBodyTimeout = time.Second
)

// dialAbortDeadline is a deadline in the past: setting it makes every
// pending read and write on a conn return at once.
var dialAbortDeadline = time.Unix(1, 0)

// errResponseTooLarge is what the reader under a handshake returns once the
// response headers went over maxHandshakeResponseSize; it is always wrapped.
var errResponseTooLarge = fmt.Errorf("response header over %d KiB", maxHandshakeResponseSize>>10)

// Dial opens a WebSocket connection to a ws:// or wss:// URL (RFC 6455 §4.1).
// http:// and https:// URLs are taken as ws:// and wss://, as browsers take
// them. opts may be nil; Dial does not modify it.
//
// Dial connects (through an HTTP CONNECT proxy when opts.Proxy names one),
// runs TLS for wss, sends the upgrade request and checks the response as a
// browser does. ctx and opts.HandshakeTimeout bound all of it; neither
// governs the returned Conn, which lives until closed. With opts.HostGate,
// Dial first waits for its turn to the URL's host and port, bounded by ctx
// only (HandshakeTimeout starts after the wait), and gives the turn up as
// soon as the handshake succeeded or failed.
//
// The response is returned whenever the server sent one, also beside a
// *HandshakeError: its Body then holds at most 1 KiB of what the server sent
// (a 401's explanation, say), and the connection is already closed. Errors
// found before any network I/O wrap ErrInvalidURL, ErrInvalidSubprotocol or
// ErrInvalidHeader; a timeout or cancellation wraps the context's error.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, *http.Response, error) {
	o := dialOptionsWithDefaults(opts)
	t, err := parseDialURL(rawURL)
	if err != nil {
		return nil, nil, err
	}
	hs, err := newClientHandshake(t, &o)
	if err != nil {
		return nil, nil, err
	}
	if o.HostGate != nil {
		release, err := o.HostGate.wait(ctx, hs.addr)
		if err != nil {
			return nil, nil, err
		}
		defer release() // runs after dial returned, on success and failure alike
	}
	ctx, cancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer cancel()
	return dial(ctx, hs, &o)
}

// dialOptionsWithDefaults copies opts and fills in the defaults, leaving the
// caller's struct alone.
func dialOptionsWithDefaults(opts *DialOptions) DialOptions {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.Proxy == nil {
		o.Proxy = http.ProxyFromEnvironment
	}
	if o.NetDial == nil {
		var d net.Dialer
		o.NetDial = d.DialContext
	}
	return o
}

// dial runs the handshake hs on a new connection. While it runs, ctx ending
// sets a deadline in the past on the TCP connection, which aborts any read
// or write at once; the connection is closed on every failure.
func dial(ctx context.Context, hs *clientHandshake, o *DialOptions) (_ *Conn, resp *http.Response, err error) {
	proxyURL, err := o.Proxy(hs.req)
	if err != nil {
		return nil, nil, fmt.Errorf("native: choosing a proxy: %w", err)
	}
	addr := hs.addr
	if proxyURL != nil {
		if addr, err = proxyAddr(proxyURL); err != nil {
			return nil, nil, err
		}
	}
	raw, err := o.NetDial(ctx, "tcp", addr)
	if err != nil {
		if proxyURL != nil {
			err = fmt.Errorf("native: connecting to proxy %s: %w", proxyURL.Redacted(), err)
		} else {
			err = fmt.Errorf("native: %w", err)
		}
		return nil, nil, dialCtxErr(ctx, err)
	}
	if raw == nil {
		return nil, nil, errors.New("native: NetDial returned neither a connection nor an error")
	}
	defer func() {
		if err != nil {
			raw.Close()
		}
	}()

	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(dialAbortDeadline) })
	nc, br, resp, subprotocol, err := runHandshake(ctx, raw, proxyURL, hs)
	if !stop() && err == nil {
		// ctx ended just as the handshake finished: the abort deadline may
		// be set at any moment, so the connection cannot be used.
		err = fmt.Errorf("native: opening handshake: %w", ctx.Err())
	}
	if err == nil {
		if err = raw.SetDeadline(time.Time{}); err != nil {
			err = fmt.Errorf("native: clearing the handshake deadline: %w", err)
		}
	}
	if err != nil {
		return nil, resp, err
	}
	return newConn(nc, br, connConfig{
		client:      true,
		subprotocol: subprotocol,
		extensions:  hs.extensions,
		deflate:     hs.deflateParams,
		opts:        o.ConnOptions,
		activity:    hs.activity,
	}), resp, nil
}

// runHandshake opens the proxy tunnel if any, runs TLS for wss, then sends
// the upgrade request and reads the response. It returns the connection to use
// (the TLS one for wss) and the reader that already holds whatever the
// server sent after its 101.
func runHandshake(ctx context.Context, raw net.Conn, proxyURL *url.URL, hs *clientHandshake) (net.Conn, *bufio.Reader, *http.Response, string, error) {
	nc := raw
	if proxyURL != nil {
		if err := connectTunnel(raw, proxyURL, hs.addr); err != nil {
			return nil, nil, nil, "", dialCtxErr(ctx, err)
		}
	}
	if hs.secure {
		tc := tls.Client(raw, hs.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, nil, "", dialCtxErr(ctx, fmt.Errorf("native: TLS handshake: %w", err))
		}
		nc = tc
	}
	if _, err := nc.Write(hs.raw); err != nil {
		return nil, nil, nil, "", dialCtxErr(ctx, fmt.Errorf("native: writing the handshake request: %w", err))
	}
	hs.activity = &activityReader{r: nc}
	lr := &handshakeLimitReader{r: hs.activity, n: maxHandshakeResponseSize}
	br := bufio.NewReaderSize(lr, handshakeBufferSize)
	resp, subprotocol, extensions, deflate, err := readHandshakeResponse(br, hs.req, hs.key, hs.protocols, hs.deflate)
	hs.extensions, hs.deflateParams = extensions, deflate
	if err != nil {
		if resp != nil {
			keepErrorBody(ctx, raw, resp)
		}
		var he *HandshakeError
		if !errors.As(err, &he) {
			err = dialCtxErr(ctx, err)
		}
		return nil, nil, resp, "", err
	}
	lr.n = -1 // from here on, frames: no limit
	return nc, br, resp, subprotocol, nil
}

// dialCtxErr returns err, or the context's error when the context ending is
// what made the I/O fail. The conn deadline is the context's, and may fire
// a moment before the context's own timer: that counts as the context's.
func dialCtxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			cerr = context.DeadlineExceeded
		}
	}
	if cerr == nil {
		return err
	}
	return fmt.Errorf("native: opening handshake: %w", cerr)
}

// readHandshakeResponse reads the server's answer to the upgrade request req
// from br and checks it with [checkHandshakeResponse]. br must be the reader
// the connection keeps: frames the server sent right after its 101 stay
// buffered in it. The response is returned whenever one was parsed, also
// beside an error. A response that is not HTTP gives a *HandshakeError; a
// failed read gives the read error.
func readHandshakeResponse(br *bufio.Reader, req *http.Request, key string, protocols []string, offeredDeflate bool) (resp *http.Response, subprotocol, extensions string, deflate *deflateParams, err error) {
	resp, err = http.ReadResponse(br, req)
	if err != nil {
		switch {
		case errors.Is(err, errResponseTooLarge):
			return nil, "", "", nil, &HandshakeError{Reason: err.Error()}
		case isReadError(err):
			return nil, "", "", nil, fmt.Errorf("native: reading the handshake response: %w", err)
		}
		return nil, "", "", nil, &HandshakeError{Reason: "malformed HTTP response: " + err.Error()}
	}
	subprotocol, extensions, deflate, err = checkHandshakeResponse(resp, key, protocols, offeredDeflate)
	return resp, subprotocol, extensions, deflate, err
}

// isReadError reports whether err, from http.ReadResponse, comes from the
// connection rather than from what was read.
func isReadError(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// checkHandshakeResponse checks the response to an upgrade request sent
// with Sec-WebSocket-Key key, offering protocols (RFC 6455 §4.1, steps 1-6
// of the client's checks, and the WHATWG rule that a client which offered
// protocols must get one back), and the permessage-deflate answer when it
// was offered (offeredDeflate) as Chrome checks it ([checkDeflateResponse]).
// It returns the chosen subprotocol, the accepted extensions as the server
// wrote them (Chrome's extensions attribute), and the deflate parameters in
// force (nil for none), or a *HandshakeError.
// Header names are case-insensitive; the Upgrade value and the Connection
// token are too; the subprotocol is compared exactly, as browsers do.
func checkHandshakeResponse(resp *http.Response, key string, protocols []string, offeredDeflate bool) (subprotocol, extensions string, deflate *deflateParams, err error) {
	fail := func(format string, args ...any) (string, string, *deflateParams, error) {
		return "", "", nil, &HandshakeError{StatusCode: resp.StatusCode, Reason: fmt.Sprintf(format, args...)}
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
			return fail("unexpected response status %s (redirect to %q not followed)", resp.Status, loc)
		}
		return fail("unexpected response status %s", resp.Status)
	}
	if !resp.ProtoAtLeast(1, 1) {
		return fail("101 response in %s", resp.Proto)
	}

	switch v := resp.Header.Values("Upgrade"); {
	case len(v) == 0:
		return fail("no Upgrade header")
	case len(v) > 1:
		return fail("%d Upgrade headers", len(v))
	case !strings.EqualFold(v[0], "websocket"):
		return fail("Upgrade header is %q, not websocket", v[0])
	}
	if !headerContainsToken(resp.Header, "Connection", "Upgrade") {
		return fail("Connection header %q lacks the Upgrade token", resp.Header.Values("Connection"))
	}
	switch v := resp.Header.Values("Sec-WebSocket-Accept"); {
	case len(v) == 0:
		return fail("no Sec-WebSocket-Accept header")
	case len(v) > 1:
		return fail("%d Sec-WebSocket-Accept headers", len(v))
	case v[0] != acceptKey(key):
		return fail("Sec-WebSocket-Accept is %q, want %q", v[0], acceptKey(key))
	}

	switch v := resp.Header.Values("Sec-WebSocket-Protocol"); {
	case len(v) == 0:
		if len(protocols) > 0 {
			return fail("no Sec-WebSocket-Protocol header, but %q were offered", protocols)
		}
	case len(v) > 1:
		return fail("%d Sec-WebSocket-Protocol headers", len(v))
	case len(protocols) == 0:
		// Chrome refuses the header whenever none was offered, even empty.
		return fail("Sec-WebSocket-Protocol %q, but none was offered", v[0])
	case v[0] == "":
		return fail("empty Sec-WebSocket-Protocol, but %q were offered", protocols)
	default:
		for _, p := range protocols {
			if v[0] == p {
				subprotocol = p
				break
			}
		}
		if subprotocol == "" {
			return fail("server chose subprotocol %q, which was not offered (offered: %q)", v[0], protocols)
		}
	}

	p, accepted, extensions, err := checkDeflateResponse(resp.Header.Values("Sec-WebSocket-Extensions"), offeredDeflate)
	if err != nil {
		return fail("%s", err)
	}
	if accepted {
		deflate = &p
	}
	return subprotocol, extensions, deflate, nil
}

// keepErrorBody replaces the body of a rejected response with at most
// maxErrorBodySize bytes of it, read within errorBodyTimeout, so that the
// caller can read it after the connection is closed.
func keepErrorBody(ctx context.Context, raw net.Conn, resp *http.Response) {
	if resp.Body == nil || resp.Body == http.NoBody {
		resp.Body = http.NoBody
		return
	}
	var b []byte
	if ctx.Err() == nil {
		dl := time.Now().Add(errorBodyTimeout)
		if cdl, ok := ctx.Deadline(); ok && cdl.Before(dl) {
			dl = cdl
		}
		raw.SetReadDeadline(dl)
		b, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
}

// handshakeLimitReader is the reader under the bufio.Reader of a handshake.
// It fails with errResponseTooLarge once n bytes were read; a negative n
// lifts the limit, as Dial does once the handshake is done, since the same
// reader then carries the frames.
type handshakeLimitReader struct {
	r io.Reader
	n int64
}

func (l *handshakeLimitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
