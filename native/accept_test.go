package native

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcKey and rfcAccept are the example of RFC 6455 §1.3.
const (
	rfcKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// acceptTimeout bounds every wait of these tests.
const acceptTimeout = 5 * time.Second

// acceptResult is what the test handler's Accept returned.
type acceptResult struct {
	c   *Conn
	err error
}

// acceptServer is an httptest server whose handler calls Accept once per
// request and hands the result to the test.
type acceptServer struct {
	addr    string
	results chan acceptResult
}

// newAcceptServer starts an acceptServer on 127.0.0.1. Cleanup closes every
// Conn that Accept returned and the server.
func newAcceptServer(t *testing.T, opts *AcceptOptions) *acceptServer {
	t.Helper()
	s := &acceptServer{results: make(chan acceptResult, 4)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		s.results <- acceptResult{c, err}
	}))
	s.addr = srv.Listener.Addr().String()
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for {
			select {
			case res := <-s.results:
				if res.c != nil {
					res.c.CloseNow()
				}
			default:
				return
			}
		}
	})
	return s
}

// result waits for the handler's Accept to return.
func (s *acceptServer) result(t *testing.T) acceptResult {
	t.Helper()
	select {
	case res := <-s.results:
		if res.c != nil {
			t.Cleanup(func() { res.c.CloseNow() })
		}
		return res
	case <-time.After(acceptTimeout):
		t.Fatal("Accept did not return")
		return acceptResult{}
	}
}

// rawRequest is a hand-made handshake request.
type rawRequest struct {
	requestLine string   // default "GET / HTTP/1.1"
	without     []string // lines of wsLines to leave out, by header name
	with        []string // extra header lines
	after       []byte   // bytes sent in the same write, after the request
}

// wsLines is a valid handshake request's WebSocket headers.
var wsLines = []string{
	"Upgrade: websocket",
	"Connection: Upgrade",
	"Sec-WebSocket-Key: " + rfcKey,
	"Sec-WebSocket-Version: 13",
}

// do sends req to s in one write and reads the response head. The body, if
// any, is read into body. The connection is closed at cleanup.
func (s *acceptServer) do(t *testing.T, req rawRequest) (resp *http.Response, body string, nc net.Conn, br *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.addr, acceptTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(acceptTimeout)))

	line := req.requestLine
	if line == "" {
		line = "GET / HTTP/1.1"
	}
	var b strings.Builder
	b.WriteString(line + "\r\nHost: " + s.addr + "\r\n")
lines:
	for _, l := range wsLines {
		for _, name := range req.without {
			if strings.HasPrefix(l, name+":") {
				continue lines
			}
		}
		b.WriteString(l + "\r\n")
	}
	for _, l := range req.with {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	_, err = nc.Write(append([]byte(b.String()), req.after...))
	require.NoError(t, err)

	br = bufio.NewReader(nc)
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		p, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		body = string(p)
	}
	return resp, body, nc, br
}

func TestAccept(t *testing.T) {
	opts := &AcceptOptions{
		Subprotocols:   []string{"chat"},
		ResponseHeader: http.Header{"Set-Cookie": {"a=1", "b=2"}, "x-custom": {"v"}},
	}
	s := newAcceptServer(t, opts)
	// A masked text frame "hi", sent in the same write as the request.
	frame := []byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}
	resp, _, _, br := s.do(t, rawRequest{
		with: []string{
			"Sec-WebSocket-Protocol: other, chat",
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
			"Origin: http://" + s.addr,
		},
		after: frame,
	})
	res := s.result(t)
	require.NoError(t, res.err)
	require.NotNil(t, res.c)

	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
	assert.Equal(t, "Upgrade", resp.Header.Get("Connection"))
	assert.Equal(t, rfcAccept, resp.Header.Get("Sec-WebSocket-Accept"))
	assert.Equal(t, []string{"chat"}, resp.Header.Values("Sec-WebSocket-Protocol"))
	assert.NotContains(t, resp.Header, "Sec-Websocket-Extensions")
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Header.Values("Set-Cookie"))
	assert.Equal(t, "v", resp.Header.Get("X-Custom"))
	assert.Zero(t, br.Buffered(), "nothing may follow the 101 response")

	assert.Equal(t, "chat", res.c.Subprotocol())
	assert.False(t, res.c.cfg.client)
	assert.Empty(t, res.c.cfg.extensions)
	// The frame that came with the request is in the Conn's reader.
	require.NoError(t, res.c.nc.SetReadDeadline(time.Now().Add(acceptTimeout)))
	got, err := res.c.br.Peek(len(frame))
	require.NoError(t, err)
	assert.Equal(t, frame, got)

	assert.Equal(t, &AcceptOptions{
		Subprotocols:   []string{"chat"},
		ResponseHeader: http.Header{"Set-Cookie": {"a=1", "b=2"}, "x-custom": {"v"}},
	}, opts, "Accept modified its options")
}

func TestAcceptSubprotocol(t *testing.T) {
	tests := []struct {
		name      string
		supported []string
		offered   []string // Sec-WebSocket-Protocol lines
		want      string
	}{
		{name: "clientOrderWins", supported: []string{"a", "b"}, offered: []string{"b, a"}, want: "b"},
		{name: "repeatedHeaderLines", supported: []string{"b", "a"}, offered: []string{"x", "a, b"}, want: "a"},
		{name: "noMatch", supported: []string{"a"}, offered: []string{"c, d"}},
		{name: "caseDiffers", supported: []string{"a"}, offered: []string{"A"}},
		{name: "noneOffered", supported: []string{"a"}},
		{name: "noneSupported", offered: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAcceptServer(t, &AcceptOptions{Subprotocols: tt.supported})
			var with []string
			for _, o := range tt.offered {
				with = append(with, "Sec-WebSocket-Protocol: "+o)
			}
			resp, _, _, _ := s.do(t, rawRequest{with: with})
			res := s.result(t)
			require.NoError(t, res.err)
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			assert.Equal(t, tt.want, res.c.Subprotocol())
			if tt.want == "" {
				assert.NotContains(t, resp.Header, "Sec-Websocket-Protocol")
			} else {
				assert.Equal(t, []string{tt.want}, resp.Header.Values("Sec-WebSocket-Protocol"))
			}
		})
	}
}

func TestAcceptReject(t *testing.T) {
	tests := []struct {
		name       string
		opts       *AcceptOptions
		req        rawRequest
		wantStatus int
		wantErr    error
		wantHeader http.Header
	}{
		{
			name:       "post",
			req:        rawRequest{requestLine: "POST / HTTP/1.1", with: []string{"Content-Length: 0"}},
			wantStatus: http.StatusMethodNotAllowed,
			wantErr:    ErrNotWebSocket,
			wantHeader: http.Header{"Allow": {"GET"}},
		},
		{
			name:       "http10",
			req:        rawRequest{requestLine: "GET / HTTP/1.0"},
			wantStatus: http.StatusHTTPVersionNotSupported,
			wantErr:    ErrNotWebSocket,
		},
		{
			name:       "noUpgrade",
			req:        rawRequest{without: []string{"Upgrade"}},
			wantStatus: http.StatusUpgradeRequired,
			wantErr:    ErrNotWebSocket,
			wantHeader: http.Header{"Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}},
		},
		{
			name:       "upgradeNotWebSocket",
			req:        rawRequest{without: []string{"Upgrade"}, with: []string{"Upgrade: h2c"}},
			wantStatus: http.StatusUpgradeRequired,
			wantErr:    ErrNotWebSocket,
		},
		{
			name:       "noConnectionUpgrade",
			req:        rawRequest{without: []string{"Connection"}, with: []string{"Connection: keep-alive"}},
			wantStatus: http.StatusUpgradeRequired,
			wantErr:    ErrNotWebSocket,
		},
		{
			name:       "version8",
			req:        rawRequest{without: []string{"Sec-WebSocket-Version"}, with: []string{"Sec-WebSocket-Version: 8"}},
			wantStatus: http.StatusUpgradeRequired,
			wantErr:    ErrUnsupportedVersion,
			wantHeader: http.Header{"Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}},
		},
		{
			name:       "noVersion",
			req:        rawRequest{without: []string{"Sec-WebSocket-Version"}},
			wantStatus: http.StatusUpgradeRequired,
			wantErr:    ErrUnsupportedVersion,
			wantHeader: http.Header{"Sec-Websocket-Version": {"13"}},
		},
		{
			name:       "noKey",
			req:        rawRequest{without: []string{"Sec-WebSocket-Key"}},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrInvalidKey,
		},
		{
			name:       "key15Bytes",
			req:        rawRequest{without: []string{"Sec-WebSocket-Key"}, with: []string{"Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA"}},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrInvalidKey,
		},
		{
			name:       "keyNotBase64",
			req:        rawRequest{without: []string{"Sec-WebSocket-Key"}, with: []string{"Sec-WebSocket-Key: not base64 at all!!!!!"}},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrInvalidKey,
		},
		{
			name:       "twoKeys",
			req:        rawRequest{with: []string{"Sec-WebSocket-Key: " + rfcKey}},
			wantStatus: http.StatusBadRequest,
			wantErr:    ErrInvalidKey,
		},
		{
			name:       "crossOrigin",
			req:        rawRequest{with: []string{"Origin: http://evil.example"}},
			wantStatus: http.StatusForbidden,
			wantErr:    ErrOriginNotAllowed,
		},
		{
			name:       "nullOrigin",
			opts:       &AcceptOptions{OriginPatterns: []string{"*"}},
			req:        rawRequest{with: []string{"Origin: null"}},
			wantStatus: http.StatusForbidden,
			wantErr:    ErrOriginNotAllowed,
		},
		{
			name:       "unparsableOrigin",
			req:        rawRequest{with: []string{"Origin: http://[::1"}},
			wantStatus: http.StatusForbidden,
			wantErr:    ErrOriginNotAllowed,
		},
		{
			name:       "badOriginPattern",
			opts:       &AcceptOptions{OriginPatterns: []string{"[", "*"}},
			req:        rawRequest{with: []string{"Origin: http://evil.example"}},
			wantStatus: http.StatusInternalServerError,
			wantErr:    path.ErrBadPattern,
		},
		{
			name:       "reservedResponseHeader",
			opts:       &AcceptOptions{ResponseHeader: http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}},
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:       "responseHeaderCRLF",
			opts:       &AcceptOptions{ResponseHeader: http.Header{"X-A": {"1\r\nX-B: 2"}}},
			wantStatus: http.StatusInternalServerError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAcceptServer(t, tt.opts)
			resp, body, _, _ := s.do(t, tt.req)
			res := s.result(t)
			require.Error(t, res.err)
			assert.Nil(t, res.c)
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "body: %s", body)
			if tt.wantErr != nil {
				assert.ErrorIs(t, res.err, tt.wantErr)
			}
			assert.True(t, strings.HasPrefix(res.err.Error(), "native: "), res.err.Error())
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, resp.Header.Values(k), k)
			}
			if tt.wantStatus == http.StatusInternalServerError {
				assert.Equal(t, "Internal Server Error\n", body, "a 500 must not reveal the configuration")
			} else {
				assert.Equal(t, res.err.Error()+"\n", body)
			}
		})
	}
}

func TestAcceptOrigin(t *testing.T) {
	tests := []struct {
		name   string
		opts   *AcceptOptions
		origin string // "{host}" is replaced by the server's address
	}{
		{name: "sameHost", origin: "http://{host}"},
		{name: "sameHostOtherScheme", origin: "https://{host}"},
		{name: "portWildcard", opts: &AcceptOptions{OriginPatterns: []string{"127.0.0.1:*"}}, origin: "http://127.0.0.1:1"},
		{name: "subdomainWildcard", opts: &AcceptOptions{OriginPatterns: []string{"nope", "*.example.com"}}, origin: "https://chat.example.com"},
		{name: "patternCaseInsensitive", opts: &AcceptOptions{OriginPatterns: []string{"*.Example.COM"}}, origin: "https://CHAT.example.com"},
		{name: "insecureSkipOriginCheck", opts: &AcceptOptions{InsecureSkipOriginCheck: true}, origin: "http://evil.example"},
		{name: "insecureSkipOriginCheckNull", opts: &AcceptOptions{InsecureSkipOriginCheck: true}, origin: "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAcceptServer(t, tt.opts)
			origin := strings.ReplaceAll(tt.origin, "{host}", s.addr)
			resp, body, _, _ := s.do(t, rawRequest{with: []string{"Origin: " + origin}})
			res := s.result(t)
			require.NoError(t, res.err)
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, body)
		})
	}
}

func TestCheckOrigin(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		origin   string
		want     int
	}{
		{name: "noOrigin", want: 0},
		{name: "hostCaseInsensitive", origin: "http://WWW.Example.com", want: 0},
		{name: "otherPort", origin: "http://www.example.com:8080", want: http.StatusForbidden},
		{name: "patternWithoutPort", patterns: []string{"*.example.com"}, origin: "http://a.example.com:8080", want: http.StatusForbidden},
		{name: "patternDeepSubdomain", patterns: []string{"*.example.com"}, origin: "http://a.b.example.com", want: 0},
		{name: "patternNotApex", patterns: []string{"*.example.com"}, origin: "http://example.com", want: http.StatusForbidden},
		{name: "ipv6Escaped", patterns: []string{`\[::1\]:*`}, origin: "http://[::1]:3000", want: 0},
		{name: "fileOrigin", patterns: []string{"*"}, origin: "file://", want: http.StatusForbidden},
		{name: "badPatternAfterMatch", patterns: []string{"*", "["}, origin: "http://a.example", want: http.StatusInternalServerError},
		{name: "badPatternSameHost", patterns: []string{"["}, origin: "http://www.example.com", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://www.example.com/", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			status, err := checkOrigin(r, tt.patterns)
			assert.Equal(t, tt.want, status, "err: %v", err)
			assert.Equal(t, tt.want != 0, err != nil, "err: %v", err)
		})
	}

	t.Run("twoOrigins", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "http://www.example.com/", nil)
		r.Header.Add("Origin", "http://www.example.com")
		r.Header.Add("Origin", "http://evil.example")
		status, err := checkOrigin(r, nil)
		assert.Equal(t, http.StatusForbidden, status)
		assert.ErrorIs(t, err, ErrOriginNotAllowed)
	})
}

// newHandshakeRequest returns a valid handshake request for a
// ResponseWriter that is not a server's.
func newHandshakeRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://www.example.com/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", rfcKey)
	r.Header.Set("Sec-WebSocket-Version", "13")
	return r
}

func TestAcceptCannotHijack(t *testing.T) {
	w := httptest.NewRecorder()
	c, err := Accept(w, newHandshakeRequest(), nil)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, http.ErrNotSupported)
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Empty(t, w.Header().Values("Upgrade"), "no 101 headers before the hijack")
}

func TestAcceptHTTP2(t *testing.T) {
	r := newHandshakeRequest()
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	w := httptest.NewRecorder()
	c, err := Accept(w, r, nil)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, ErrNotWebSocket)
	assert.Equal(t, http.StatusHTTPVersionNotSupported, w.Code)
	assert.Contains(t, w.Body.String(), "HTTP/2.0")
}

func TestAppendResponse(t *testing.T) {
	got, err := appendResponse(nil, rfcKey, "chat", "", http.Header{
		"x-b":        {"2"},
		"Set-Cookie": {"a=1", "b=2\twith tab"},
		"X-Empty":    {},
	})
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 101 Switching Protocols\r\n"+
		"Upgrade: websocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "+rfcAccept+"\r\n"+
		"Sec-WebSocket-Protocol: chat\r\n"+
		"Set-Cookie: a=1\r\n"+
		"Set-Cookie: b=2\twith tab\r\n"+
		"X-B: 2\r\n"+
		"\r\n", string(got))

	for _, h := range []http.Header{
		{"Upgrade": {"h2c"}},
		{"connection": {"close"}},
		{"Content-Length": {"0"}},
		{"Transfer-Encoding": {"chunked"}},
		{"Sec-WebSocket-Accept": {"x"}},
		{"sec-websocket-protocol": {"x"}},
		{"Bad Name": {"x"}},
		{"X-A": {"a\nb"}},
		{"X-A": {"a\x00b"}},
		{"X-A": {"a\x7fb"}},
	} {
		_, err := appendResponse(nil, rfcKey, "", "", h)
		assert.Error(t, err, "%q", h)
	}
}
