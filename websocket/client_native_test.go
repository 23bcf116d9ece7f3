//go:build !js

package websocket_test

// Native-only client behaviour: what a browser cannot express or decides
// itself (Options.Header, TLSConfig, HandshakeTimeout, Proxy,
// MaxMessageSize, BaseURL), the Go error carried by ErrorEvent.Err (always
// opaque in a browser, by design of the standard), URLs where Chrome departs
// from the URL standard, and scenario J (a browser waits 60 s).

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// failure dials u with o and returns the Go error of its single error event
// after checking the failure sequence; WaitOpen returns the same error.
func failure(t *testing.T, u string, o *websocket.Options) error {
	t.Helper()
	r := newRecorder(t)
	ws := r.dial(u, o)
	assert.Equal(t, []string{"error rs=3", `close rs=3 1006 "" false`}, r.wait())
	errs := r.errors()
	require.Len(t, errs, 1)
	require.Error(t, errs[0])
	assert.Equal(t, errs[0], ws.WaitOpen(t.Context()), "WaitOpen returns the error that failed the socket")
	return errs[0]
}

// TestErrorEventErr: natively the error event carries the Go error.
func TestErrorEventErr(t *testing.T) {
	t.Run("HTTP 200", func(t *testing.T) {
		u, _ := route(t, "/hs", "status=200")
		err := failure(t, u, nil)
		assert.ErrorIs(t, err, native.ErrBadHandshake)
		var he *native.HandshakeError
		if assert.True(t, errors.As(err, &he), "%T %v", err, err) {
			assert.Equal(t, http.StatusOK, he.StatusCode)
		}
	})
	t.Run("refused", func(t *testing.T) {
		assert.ErrorIs(t, failure(t, "ws://127.0.0.1:1/", nil), syscall.ECONNREFUSED)
	})
	t.Run("closed while connecting", func(t *testing.T) {
		u, _ := route(t, "/delay", "ms=500")
		r := newRecorder(t)
		ws := r.dial(u, nil)
		ws.Close(0, "")
		r.wait()
		require.Len(t, r.errors(), 1)
		assert.Error(t, r.errors()[0])
	})
	t.Run("protocol violation", func(t *testing.T) {
		u, _ := route(t, "/raw", "frames=c1026f6b")
		r := newRecorder(t)
		r.dial(u, nil)
		assert.Equal(t, []string{"open rs=1", "error rs=3", `close rs=3 1006 "" false`}, r.wait())
		require.Len(t, r.errors(), 1)
		err := r.errors()[0]
		assert.ErrorIs(t, err, native.ErrReservedBits)
		var pe *native.ProtocolError
		if assert.True(t, errors.As(err, &pe), "%T %v", err, err) {
			assert.Equal(t, native.StatusProtocolError, pe.Code)
		}
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		u, _ := route(t, "/raw", "frames=8101ff")
		r := newRecorder(t)
		r.dial(u, nil)
		r.wait()
		require.Len(t, r.errors(), 1)
		assert.ErrorIs(t, r.errors()[0], native.ErrInvalidUTF8)
	})
}

// TestOptionsHeader: extra handshake headers reach the server (Origin is
// sent back by /origin); headers the handshake owns fail the connection
// through events, not the constructor.
func TestOptionsHeader(t *testing.T) {
	u, id := route(t, "/origin")
	r := newRecorder(t)
	r.onMessage = closeOnMessages(1)
	h := http.Header{"Origin": {"http://example.com"}, "X-Test": {"1", "2"}, "Cookie": {"a=b"}}
	r.dial(u, &websocket.Options{Header: h})
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "http://example.com"`, `close rs=3 1000 "" true`}, r.wait())
	l := wireLog(t, id)
	assert.Equal(t, []string{"1", "2"}, l.Header.Values("X-Test"))
	assert.Equal(t, "a=b", l.Header.Get("Cookie"))
	assert.Equal(t, "http://example.com", l.Header.Get("Origin"))

	u, id = route(t, "/echo")
	err := failure(t, u, &websocket.Options{Header: http.Header{"Sec-WebSocket-Protocol": {"x"}}})
	assert.ErrorIs(t, err, native.ErrInvalidHeader)
	requireNoConnection(t, id)
}

// TestTLS: wss (and https mapped to wss) against a TLS server, trusting its
// certificate through Options.TLSConfig; without it the certificate is
// refused through events.
func TestTLS(t *testing.T) {
	sr := newRecorder(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		websocket.Upgrade(w, r, sr.options(nil))
	}))
	defer srv.Close()
	sr.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) { ws.Send(e.Data) }
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	for _, scheme := range []string{"wss", "https"} {
		t.Run(scheme, func(t *testing.T) {
			u := scheme + strings.TrimPrefix(srv.URL, "https")
			r := newRecorder(t)
			r.onOpen = func(ws *websocket.WebSocket) { ws.Send("secure") }
			r.onMessage = closeOnMessages(1)
			ws := r.dial(u, &websocket.Options{TLSConfig: &tls.Config{RootCAs: pool}})
			assert.Equal(t, "wss://"+strings.TrimPrefix(srv.URL, "https://")+"/", ws.URL())
			assert.Equal(t, []string{"open rs=1", `message rs=1 text "secure"`, `close rs=3 1000 "" true`}, r.wait())
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		err := failure(t, "wss"+strings.TrimPrefix(srv.URL, "https"), nil)
		var ue x509.UnknownAuthorityError
		var ve *tls.CertificateVerificationError
		assert.True(t, errors.As(err, &ue) || errors.As(err, &ve), "%T %v", err, err)
	})
	t.Run("ws to a TLS server", func(t *testing.T) {
		failure(t, "ws"+strings.TrimPrefix(srv.URL, "https"), nil)
	})
}

// TestHandshakeTimeout: Options.HandshakeTimeout bounds the opening
// handshake; the failure comes through events.
func TestHandshakeTimeout(t *testing.T) {
	u, _ := route(t, "/delay", "ms=3000")
	start := time.Now()
	err := failure(t, u, &websocket.Options{HandshakeTimeout: 100 * time.Millisecond})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestProxyOption: Options.Proxy is consulted, and its failure comes
// through events.
func TestProxyOption(t *testing.T) {
	u, id := route(t, "/echo")
	errNoProxy := errors.New("no proxy for you")
	called := false
	err := failure(t, u, &websocket.Options{Proxy: func(r *http.Request) (*url.URL, error) {
		called = true
		return nil, errNoProxy
	}})
	assert.True(t, called)
	assert.ErrorIs(t, err, errNoProxy)
	requireNoConnection(t, id)
}

// TestClientMaxMessageSize: a message over Options.MaxMessageSize fails the
// client with Close 1009 on the wire, error, close 1006.
func TestClientMaxMessageSize(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send("0123456789")
		ws.Send("0123456789a")
	}
	r.dial(u, &websocket.Options{MaxMessageSize: 10})
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "0123456789"`, "error rs=3", `close rs=3 1006 "" false`}, r.wait())
	require.Len(t, r.errors(), 1)
	assert.ErrorIs(t, r.errors()[0], native.ErrMessageTooBig)
	l := wireLog(t, id)
	require.Len(t, l.Frames, 3, "%q", l.Wire())
	assert.Equal(t, 1009, l.Frames[2].Code)
}

// TestNoReply is scenario J: the server neither answers the Close nor
// drops TCP. Chrome gives up after 60 s; the engine after its
// DefaultCloseTimeout (the package has no knob for it): close 1006 not
// clean, no error event, and the client drops TCP.
func TestNoReply(t *testing.T) {
	t.Parallel()
	u, id := route(t, "/no-reply")
	r := newRecorder(t)
	var start time.Time
	r.onOpen = func(ws *websocket.WebSocket) {
		start = time.Now()
		ws.Close(1000, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `close rs=3 1006 "" false`}, r.wait())
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, native.DefaultCloseTimeout-500*time.Millisecond)
	assert.Less(t, elapsed, native.DefaultCloseTimeout+3*time.Second)
	l := wireLog(t, id)
	assert.Equal(t, []string{`close 1000 ""`}, l.Wire())
	assert.True(t, l.ClientDropped)
}

// TestRelativeURLs: natively relative URLs resolve against Options.BaseURL
// (the browser uses the page's URL), and are ErrSyntax without one.
func TestRelativeURLs(t *testing.T) {
	base := scenarioURL + "/base/"
	for _, tc := range []struct{ in, want string }{
		{"../echo?x=1", "ws://" + scenarioHost() + "/echo?x=1"},
		{"/echo", "ws://" + scenarioHost() + "/echo"},
		{"null", "ws://" + scenarioHost() + "/base/null"},
		{"?q", "ws://" + scenarioHost() + "/base/?q"},
		{"//127.0.0.1:1/x", "ws://127.0.0.1:1/x"},
		{"wss://127.0.0.1:1/abs", "wss://127.0.0.1:1/abs"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ws, err := websocket.NewWithOptions(tc.in, &websocket.Options{BaseURL: base})
			require.NoError(t, err)
			closeAtEnd(t, ws)
			assert.Equal(t, tc.want, ws.URL())
		})
	}
	t.Run("connects", func(t *testing.T) {
		u, id := route(t, "/echo")
		r := newRecorder(t)
		r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
		ws := r.dial("../echo"+u[strings.Index(u, "?"):], &websocket.Options{BaseURL: "https://" + scenarioHost() + "/a/b"})
		assert.Equal(t, "wss://"+scenarioHost()+"/echo"+u[strings.Index(u, "?"):], ws.URL())
		r.wait()
		requireNoConnection(t, id) // wss to a ws server: the TLS handshake fails first
		r2 := newRecorder(t)
		r2.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
		r2.dial("echo"+u[strings.Index(u, "?"):], &websocket.Options{BaseURL: scenarioURL + "/"})
		assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r2.wait())
		assert.Equal(t, 1, wireLog(t, id).Conns)
	})
	for _, in := range []string{"echo", "/echo", "", "null", "?x", "//host/x"} {
		t.Run("no base "+in, func(t *testing.T) {
			ws, err := websocket.New(in)
			if ws != nil {
				closeAtEnd(t, ws)
			}
			assert.ErrorIs(t, err, websocket.ErrSyntax)
		})
	}
	t.Run("bad base", func(t *testing.T) {
		_, err := websocket.NewWithOptions("echo", &websocket.Options{BaseURL: "not a url"})
		assert.ErrorIs(t, err, websocket.ErrSyntax)
		_, err = websocket.NewWithOptions("echo", &websocket.Options{BaseURL: "ftp://127.0.0.1:1/"})
		assert.ErrorIs(t, err, websocket.ErrSyntax)
	})
}

// TestURLWithSpaceInHost: "ws://foo bar/" is a SyntaxError by the URL
// standard (natively); Chrome accepts it, so this is not a browser test.
func TestURLWithSpaceInHost(t *testing.T) {
	for _, u := range []string{"ws://foo bar/", "ws://foo%20bar/"} {
		ws, err := websocket.New(u)
		if ws != nil {
			closeAtEnd(t, ws)
		}
		assert.ErrorIs(t, err, websocket.ErrSyntax, u)
	}
}

// TestURLForbiddenHostCodePoints: the URL standard refuses these in a host
// (forbidden host code points), so the constructor throws SyntaxError.
func TestURLForbiddenHostCodePoints(t *testing.T) {
	for _, u := range []string{"ws://a<b/", "ws://a>b/", "ws://a^b/", "ws://a|b/", "ws://a%00b/", "ws://a%25b/"} {
		ws, err := websocket.New(u)
		if ws != nil {
			closeAtEnd(t, ws)
		}
		assert.ErrorIs(t, err, websocket.ErrSyntax, u)
	}
}
