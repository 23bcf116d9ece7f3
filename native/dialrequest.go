package native

import (
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/w3ws/w3ws/internal/redact"
)

// dialTarget is what Dial derives from the URL.
type dialTarget struct {
	secure     bool   // wss
	addr       string // host:port to connect to, or to tunnel to through a proxy
	hostname   string // lower-case host without port or brackets: the TLS ServerName
	host       string // the Host header: host, and the port unless it is the default
	requestURI string // path (or "/") and query
	user       *url.Userinfo
}

// parseDialURL checks a ws, wss, http or https URL and derives the address
// and request line from it. It does no I/O. Its errors never hold the
// password of the URL's user info: it is shown as "xxxxx", as
// url.URL.Redacted shows it, also when the URL does not parse.
func parseDialURL(rawURL string) (dialTarget, error) {
	var t dialTarget
	if strings.IndexByte(rawURL, '#') >= 0 {
		red := redact.URL(rawURL)
		if strings.IndexByte(red, '#') < 0 {
			return t, fmt.Errorf("%w: %q has a '#' in its password (escape it as %%23)", ErrInvalidURL, red)
		}
		return t, fmt.Errorf("%w: %q has a fragment", ErrInvalidURL, red)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return t, fmt.Errorf("%w: %w", ErrInvalidURL, redactParseError(rawURL, err))
	}
	port := "80"
	switch u.Scheme {
	case "ws", "http":
	case "wss", "https":
		t.secure, port = true, "443"
	default:
		return t, fmt.Errorf("%w: scheme %q is not ws, wss, http or https", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		// redact.URL too: Redacted shows an opaque "ws:user:pass@host" as is.
		return t, fmt.Errorf("%w: %q has no host", ErrInvalidURL, redact.URL(u.Redacted()))
	}
	t.hostname = strings.ToLower(u.Hostname())
	for i := 0; i < len(t.hostname); i++ {
		if c := t.hostname[i]; c <= ' ' || c >= 0x7f || c == '/' || c == '\\' {
			return t, fmt.Errorf("%w: host %q is not an ASCII host name (use punycode)", ErrInvalidURL, t.hostname)
		}
	}
	if !strings.HasPrefix(u.Host, "[") && strings.ContainsAny(t.hostname, forbiddenHostChars) {
		// url.Parse lets these through in a host name ("ws://]" has the
		// host "]"), and the address made from it would not dial.
		return t, fmt.Errorf("%w: host %q has a character no host name may have", ErrInvalidURL, t.hostname)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("%w: invalid port %q", ErrInvalidURL, p)
		}
		if s := strconv.Itoa(n); s != port {
			port = s
			t.host = ":" + s
		}
	}
	if strings.IndexByte(t.hostname, ':') >= 0 { // IPv6 literal
		t.host = "[" + t.hostname + "]" + t.host
	} else {
		t.host = t.hostname + t.host
	}
	t.addr = net.JoinHostPort(t.hostname, port)

	t.requestURI = u.EscapedPath()
	if t.requestURI == "" {
		t.requestURI = "/"
	}
	if u.ForceQuery || u.RawQuery != "" {
		t.requestURI += "?" + escapeQuery(u.RawQuery)
	}
	t.user = u.User
	return t, nil
}

// forbiddenHostChars are the printable ASCII forbidden domain code points
// of the URL standard that url.Parse accepts in a host name that is not an
// IPv6 literal (in brackets); browsers reject a URL with one of them. The
// websocket package's constructor refuses these and the rest of the set
// (its forbiddenDomainCodePoints) before its URLs get here; Dial, which
// takes URLs from anywhere, needs the check of its own.
const forbiddenHostChars = "#%:<>?@[]^|"

// redactParseError returns err, url.Parse's error for raw, with the password
// of raw hidden. The *url.Error quotes raw, and its cause may quote a piece of
// it (an EscapeError quotes a bad "%zz", which may sit in the password), so
// the redacted URL is parsed again: its error can quote only what is left.
// When the redacted URL parses, the fault was in the user info.
func redactParseError(raw string, err error) error {
	red := redact.URL(raw)
	if red == raw {
		return err
	}
	if _, rerr := url.Parse(red); rerr != nil {
		return rerr
	}
	return &url.Error{Op: "parse", URL: red, Err: errors.New("invalid user info")}
}

// escapeQuery percent-encodes the bytes of a raw query that may not appear
// in a request line, as browsers do for ws and wss URLs (the URL standard's
// special-query percent-encode set).
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(q)+8), q[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	if b == nil {
		return q
	}
	return string(b)
}

// clientHandshake is an opening handshake ready to send.
type clientHandshake struct {
	dialTarget
	key       string
	protocols []string
	tlsConfig *tls.Config   // for wss: the caller's, cloned, with ServerName and ALPN set
	req       *http.Request // what is sent, for Proxy and as resp.Request
	raw       []byte        // the request bytes, written in one Write
	// activity is set by runHandshake: the reader under the response's
	// bufio.Reader, which then counts the frames' bytes for the idle watch.
	activity *activityReader
	// deflate: permessage-deflate is offered. extensions and
	// deflateParams are the server's answer, set by runHandshake.
	deflate       bool
	extensions    string
	deflateParams *deflateParams
}

// newClientHandshake checks the subprotocols and extra headers of o and
// builds the upgrade request for t with a fresh key (§4.1). It does no
// network I/O.
func newClientHandshake(t dialTarget, o *DialOptions) (*clientHandshake, error) {
	for i, p := range o.Subprotocols {
		if !ValidSubprotocol(p) {
			return nil, fmt.Errorf("%w: %q is not a token", ErrInvalidSubprotocol, p)
		}
		if slices.Contains(o.Subprotocols[:i], p) {
			return nil, fmt.Errorf("%w: %q is offered twice", ErrInvalidSubprotocol, p)
		}
	}
	hasAuth := false
	for k, vs := range o.Header {
		// A header name is a token, as a subprotocol is.
		if !ValidSubprotocol(k) {
			return nil, fmt.Errorf("%w: name %q", ErrInvalidHeader, k)
		}
		switch ck := http.CanonicalHeaderKey(k); {
		case ck == "Host" || ck == "Upgrade" || ck == "Connection" || ck == "Content-Length" ||
			ck == "Transfer-Encoding" || strings.HasPrefix(ck, "Sec-Websocket-"):
			return nil, fmt.Errorf("%w: %s is set by Dial", ErrInvalidHeader, k)
		case ck == "Authorization":
			hasAuth = true
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("%w: value of %s has a control character", ErrInvalidHeader, k)
			}
		}
	}
	key, err := newKey()
	if err != nil {
		return nil, fmt.Errorf("native: generating Sec-WebSocket-Key: %w", err)
	}
	hs := &clientHandshake{dialTarget: t, key: key, protocols: o.Subprotocols}

	// The fixed headers first, in the order browsers send them; then the
	// caller's, sorted, so that the request is reproducible.
	h := make(http.Header, len(o.Header)+6)
	b := make([]byte, 0, 256)
	b = append(b, "GET "...)
	b = append(b, t.requestURI...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = appendField(b, "Host", t.host)
	add := func(k, v string) {
		h.Add(k, v)
		b = appendField(b, k, v)
	}
	add("Upgrade", "websocket")
	add("Connection", "Upgrade")
	add("Sec-WebSocket-Key", key)
	add("Sec-WebSocket-Version", "13")
	if len(o.Subprotocols) > 0 {
		add("Sec-WebSocket-Protocol", strings.Join(o.Subprotocols, ", "))
	}
	if o.Compression != CompressionDisabled {
		hs.deflate = true
		add("Sec-WebSocket-Extensions", deflateOffer)
	}
	if t.user != nil && !hasAuth {
		// Credentials in the URL become Basic auth, as browsers send them.
		pass, _ := t.user.Password()
		add("Authorization", basicAuthorization(t.user.Username(), pass))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Header)) {
		for _, v := range o.Header[k] {
			add(k, v)
		}
	}
	b = append(b, "\r\n"...)
	hs.raw = b

	scheme := "http"
	if t.secure {
		scheme = "https"
		hs.tlsConfig = o.TLSConfig.Clone()
		if hs.tlsConfig == nil {
			hs.tlsConfig = &tls.Config{}
		}
		if hs.tlsConfig.ServerName == "" {
			hs.tlsConfig.ServerName = t.hostname
		}
		// HTTP/1.1 only: a WebSocket over h2 needs RFC 8441, not supported.
		hs.tlsConfig.NextProtos = []string{"http/1.1"}
	}
	// The request carries the http(s) URL: that is what Proxy functions
	// expect (ProxyFromEnvironment picks HTTP_PROXY or HTTPS_PROXY by it).
	u, err := url.Parse(scheme + "://" + t.host + t.requestURI)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	hs.req = &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       t.host,
	}
	return hs, nil
}

// appendField appends the header line "k: v\r\n" to b.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	b = append(b, v...)
	return append(b, "\r\n"...)
}
