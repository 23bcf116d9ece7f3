package native

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/internal/leaktest"
)

// dialTestTimeout bounds every wait of the Dial and proxy tests.
const dialTestTimeout = 5 * time.Second

// dialTestHangUp, returned by a dialTestServer's respond function, makes the
// server close the connection without answering.
const dialTestHangUp = "<hang up>"

// dialTestServer is an httptest server on 127.0.0.1 whose handler records
// the request, hijacks the connection and writes respond's raw bytes (none
// when it returns "", so the client waits), then reads until the client
// closes. It does not depend on Accept.
type dialTestServer struct {
	*httptest.Server
	respond func(r *http.Request) string
	reqSeen chan struct{} // gets a value once each request is recorded

	mu    sync.Mutex
	reqs  []*http.Request
	conns int // TCP connections accepted
	open  map[net.Conn]struct{}
	wg    sync.WaitGroup // running handlers
}

func newDialTestServer(t *testing.T, secure bool, respond func(r *http.Request) string) *dialTestServer {
	t.Helper()
	s := &dialTestServer{respond: respond, reqSeen: make(chan struct{}, 16), open: map[net.Conn]struct{}{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS failures are expected
	if secure {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		s.Close() // waits for handlers that have not hijacked yet
		s.mu.Lock()
		for c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *dialTestServer) handle(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
	s.mu.Unlock()
	select {
	case s.reqSeen <- struct{}{}:
	default:
	}
	raw := s.respond(r)
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer nc.Close()
	s.mu.Lock()
	s.open[nc] = struct{}{}
	s.mu.Unlock()
	if raw == dialTestHangUp {
		return
	}
	if raw != "" {
		if _, err := io.WriteString(nc, raw); err != nil {
			return
		}
	}
	io.Copy(io.Discard, nc)
}

// wsURL returns the server's URL with the ws or wss scheme and path.
func (s *dialTestServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

// requests returns the requests seen so far.
func (s *dialTestServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

// connCount returns the number of TCP connections accepted so far.
func (s *dialTestServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// dialTest101 returns a valid 101 response to r with the extra header lines.
func dialTest101(r *http.Request, extra ...string) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// dialTestAccept answers every request with a valid 101.
func dialTestAccept(r *http.Request) string { return dialTest101(r) }

// dialTestNoLeaks fails the test if, once its cleanups ran, more goroutines
// are left than when it started. Call it first, so that it runs last.
func dialTestNoLeaks(t *testing.T) { leaktest.Check(t, dialTestTimeout) }

// dialTestNoProxy is a Proxy that always connects directly, so that a
// proxy in the test runner's environment never matters.
func dialTestNoProxy(*http.Request) (*url.URL, error) { return nil, nil }

// dialTestRedirect returns a NetDial that records the address it is asked
// for and connects to target instead.
func dialTestRedirect(target string, asked *[]string) func(context.Context, string, string) (net.Conn, error) {
	var mu sync.Mutex
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		*asked = append(*asked, addr)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, target)
	}
}

// dialTestReader returns the reader the connection reads frames from.
func dialTestReader(c *Conn) *bufio.Reader { return c.br }

// dialTestCtx returns a context bounded by dialTestTimeout.
func dialTestCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), dialTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// dialTestVector is one line of testdata/handshake/rfc6455-1.3.txt.
type dialTestVector struct{ name, key, accept string }

func loadDialTestVectors(t *testing.T) []dialTestVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "handshake", "rfc6455-1.3.txt"))
	require.NoError(t, err)
	var vs []dialTestVector
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		require.Len(t, f, 3, "line %q", line)
		vs = append(vs, dialTestVector{f[0], f[1], f[2]})
	}
	require.NotEmpty(t, vs)
	return vs
}

func TestHandshakeAcceptKeyVectors(t *testing.T) {
	for _, v := range loadDialTestVectors(t) {
		assert.Equal(t, v.accept, acceptKey(v.key), v.name)
	}
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", acceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
}

// TestHandshakeRFCExample checks the RFC 6455 §1.2 response against the
// key and protocols of the §1.2 request.
func TestHandshakeRFCExample(t *testing.T) {
	dir := filepath.Join("..", "testdata", "handshake")
	rf, err := os.Open(filepath.Join(dir, "rfc6455-1.2-request.http"))
	require.NoError(t, err)
	defer rf.Close()
	req, err := http.ReadRequest(bufio.NewReader(rf))
	require.NoError(t, err)
	protocols := headerTokens(req.Header, "Sec-WebSocket-Protocol")
	require.Equal(t, []string{"chat", "superchat"}, protocols)

	sf, err := os.Open(filepath.Join(dir, "rfc6455-1.2-response.http"))
	require.NoError(t, err)
	defer sf.Close()
	resp, sub, ext, _, err := readHandshakeResponse(bufio.NewReader(sf), req, req.Header.Get("Sec-WebSocket-Key"), protocols, false)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "chat", sub)
	assert.Empty(t, ext)
}

// TestHandshakeResponseKeepsFrames checks that frames sent right after the
// 101 stay in the reader that readHandshakeResponse read the 101 from.
func TestHandshakeResponseKeepsFrames(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	raw := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" + "\x81\x05hello"
	br := bufio.NewReaderSize(strings.NewReader(raw), handshakeBufferSize)
	_, _, _, _, err := readHandshakeResponse(br, nil, key, nil, false)
	require.NoError(t, err)
	assert.Equal(t, 7, br.Buffered())
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Equal(t, "\x81\x05hello", string(rest))
}

func TestCheckHandshakeResponse(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	const ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	tests := []struct {
		name      string
		protocols []string
		raw       string // the response, without its final CRLF
		want      string // the subprotocol, when it succeeds
		wantErr   string // part of the HandshakeError's reason
	}{
		{name: "plain", raw: ok},
		{name: "caseInsensitiveValues", raw: "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, UPGRADE\r\n" +
			"sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"},
		{name: "connectionInTwoHeaders", raw: "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"},
		{name: "protocol", protocols: []string{"chat", "superchat"}, raw: ok + "Sec-WebSocket-Protocol: superchat\r\n", want: "superchat"},
		{name: "emptyExtensions", raw: ok + "Sec-WebSocket-Extensions: \r\n"},
		{name: "status200", raw: "HTTP/1.1 200 OK\r\n", wantErr: "unexpected response status 200 OK"},
		{name: "redirect", raw: "HTTP/1.1 302 Found\r\nLocation: /x\r\n", wantErr: `redirect to "/x" not followed`},
		{name: "http10", raw: "HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", wantErr: "HTTP/1.0"},
		{name: "noUpgrade", raw: "HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", wantErr: "no Upgrade"},
		{name: "upgradeH2c", raw: strings.Replace(ok, "websocket", "h2c", 1), wantErr: `Upgrade header is "h2c"`},
		{name: "twoUpgrades", raw: ok + "Upgrade: websocket\r\n", wantErr: "2 Upgrade headers"},
		{name: "noConnection", raw: strings.Replace(ok, "Connection: Upgrade\r\n", "", 1), wantErr: "lacks the Upgrade token"},
		{name: "connectionKeepAlive", raw: strings.Replace(ok, "Connection: Upgrade", "Connection: keep-alive", 1), wantErr: "lacks the Upgrade token"},
		{name: "noAccept", raw: strings.Replace(ok, "Sec-WebSocket-Accept", "X-Accept", 1), wantErr: "no Sec-WebSocket-Accept"},
		{name: "badAccept", raw: strings.Replace(ok, "s3pP", "S3pP", 1), wantErr: "Sec-WebSocket-Accept is"},
		{name: "twoAccepts", raw: ok + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", wantErr: "2 Sec-WebSocket-Accept"},
		{name: "unrequestedProtocol", raw: ok + "Sec-WebSocket-Protocol: chat\r\n", wantErr: "none was offered"},
		{name: "unrequestedEmptyProtocol", raw: ok + "Sec-WebSocket-Protocol: \r\n", wantErr: "none was offered"},
		{name: "protocolNotOffered", protocols: []string{"chat"}, raw: ok + "Sec-WebSocket-Protocol: superchat\r\n", wantErr: "not offered"},
		{name: "protocolCaseDiffers", protocols: []string{"chat"}, raw: ok + "Sec-WebSocket-Protocol: Chat\r\n", wantErr: "not offered"},
		{name: "protocolMissing", protocols: []string{"chat"}, raw: ok, wantErr: "no Sec-WebSocket-Protocol"},
		{name: "protocolEmpty", protocols: []string{"chat"}, raw: ok + "Sec-WebSocket-Protocol: \r\n", wantErr: "empty Sec-WebSocket-Protocol"},
		{name: "twoProtocols", protocols: []string{"a", "b"}, raw: ok + "Sec-WebSocket-Protocol: a, b\r\n", wantErr: "not offered"},
		{name: "twoProtocolHeaders", protocols: []string{"a", "b"}, raw: ok + "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b\r\n", wantErr: "2 Sec-WebSocket-Protocol"},
		{name: "unrequestedExtension", raw: ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n", wantErr: "not offered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(tt.raw+"\r\n")), nil)
			require.NoError(t, err)
			sub, ext, _, err := checkHandshakeResponse(resp, key, tt.protocols, false)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, sub)
				assert.Empty(t, ext)
				return
			}
			require.ErrorIs(t, err, ErrBadHandshake)
			var he *HandshakeError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, resp.StatusCode, he.StatusCode)
			assert.Contains(t, he.Reason, tt.wantErr)
			assert.Empty(t, sub)
		})
	}
}

func FuzzCheckHandshakeResponse(f *testing.F) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	ok := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	f.Add(ok+"\r\n", "")
	f.Add(ok+"Sec-WebSocket-Protocol: chat\r\n\r\n", "chat,superchat")
	f.Add(ok+"Sec-WebSocket-Protocol: Chat\r\n\r\n", "chat")
	f.Add(ok+"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", "")
	f.Add("HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n", "")
	f.Add("FOO BAR BAZ\r\n\r\n", "")
	f.Fuzz(func(t *testing.T, raw, offered string) {
		var protocols []string
		for _, p := range strings.Split(offered, ",") {
			if ValidSubprotocol(p) && !strings.Contains(strings.Join(protocols, ","), p) {
				protocols = append(protocols, p)
			}
		}
		br := bufio.NewReader(strings.NewReader(raw))
		resp, sub, ext, _, err := readHandshakeResponse(br, nil, key, protocols, false)
		if err != nil {
			var he *HandshakeError
			if errors.As(err, &he) {
				assert.ErrorIs(t, err, ErrBadHandshake)
			}
			assert.Empty(t, sub)
			return
		}
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		assert.Equal(t, []string{acceptKey(key)}, resp.Header.Values("Sec-WebSocket-Accept"))
		assert.Empty(t, ext)
		if len(protocols) == 0 {
			assert.Empty(t, sub)
		} else {
			assert.Contains(t, protocols, sub)
		}
	})
}

func TestParseDialURL(t *testing.T) {
	tests := []struct {
		url                       string
		secure                    bool
		addr, host, hostname, uri string
	}{
		{"ws://example.com", false, "example.com:80", "example.com", "example.com", "/"},
		{"ws://Example.COM:80/a/b?c=d&e", false, "example.com:80", "example.com", "example.com", "/a/b?c=d&e"},
		{"ws://example.com:8080/", false, "example.com:8080", "example.com:8080", "example.com", "/"},
		{"ws://example.com:080/", false, "example.com:80", "example.com", "example.com", "/"},
		{"ws://example.com:/", false, "example.com:80", "example.com", "example.com", "/"},
		{"wss://example.com/", true, "example.com:443", "example.com", "example.com", "/"},
		{"wss://example.com:443/", true, "example.com:443", "example.com", "example.com", "/"},
		{"wss://example.com:80/", true, "example.com:80", "example.com:80", "example.com", "/"},
		{"http://example.com/x", false, "example.com:80", "example.com", "example.com", "/x"},
		{"HTTPS://example.com/x", true, "example.com:443", "example.com", "example.com", "/x"},
		{"ws://[2001:db8::1]/", false, "[2001:db8::1]:80", "[2001:db8::1]", "2001:db8::1", "/"},
		{"ws://[::1]:9000/p", false, "[::1]:9000", "[::1]:9000", "::1", "/p"},
		{"ws://user:pass@example.com/", false, "example.com:80", "example.com", "example.com", "/"},
		{"ws://example.com/a%20b/?", false, "example.com:80", "example.com", "example.com", "/a%20b/?"},
		{"ws://example.com/a b?q r\"<>'", false, "example.com:80", "example.com", "example.com", "/a%20b?q%20r%22%3C%3E%27"},
		{"ws://example.com?x=1", false, "example.com:80", "example.com", "example.com", "/?x=1"},
	}
	for _, tt := range tests {
		got, err := parseDialURL(tt.url)
		if !assert.NoError(t, err, tt.url) {
			continue
		}
		assert.Equal(t, tt.secure, got.secure, tt.url)
		assert.Equal(t, tt.addr, got.addr, tt.url)
		assert.Equal(t, tt.host, got.host, tt.url)
		assert.Equal(t, tt.hostname, got.hostname, tt.url)
		assert.Equal(t, tt.uri, got.requestURI, tt.url)
	}

	for _, bad := range []string{
		"", "example.com", "/relative", "ftp://example.com/", "file:///x", "ws:example.com",
		"ws://example.com/#", "ws://example.com/#frag", "ws:///path", "ws://:80/",
		"ws://example.com:0/", "ws://example.com:65536/", "ws://example.com:x/",
		"ws://exa mple.com/", "ws://ex\x7fample.com/", "ws://exämple.com/",
		// Forbidden host code points url.Parse lets through.
		"ws://]", "ws://a]b/", "wss://a<b>/", "ws://a%25b/", "http://a:b@c]d:80/",
	} {
		_, err := parseDialURL(bad)
		assert.ErrorIs(t, err, ErrInvalidURL, "%q", bad)
	}
}

func TestDial(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(r *http.Request) string {
		// A text frame "hello" in the same write as the 101.
		return dialTest101(r, "Sec-WebSocket-Protocol: superchat") + "\x81\x05hello"
	})
	hdr := http.Header{
		"Origin":        {"http://example.com"},
		"Cookie":        {"a=b"},
		"Authorization": {"Bearer t0ken"},
		"User-Agent":    {"w3ws-test"},
		"X-Multi":       {"one", "two"},
	}
	opts := &DialOptions{Header: hdr, Subprotocols: []string{"chat", "superchat"}, Proxy: dialTestNoProxy}
	keys := map[string]bool{}
	for i := range 2 {
		c, resp, err := Dial(dialTestCtx(t), srv.wsURL("/chat?room=1"), opts)
		require.NoError(t, err)
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		assert.Equal(t, "superchat", c.Subprotocol())

		// The frame the server sent with its 101 is still there.
		require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(dialTestTimeout)))
		frame := make([]byte, 7)
		_, err = io.ReadFull(dialTestReader(c), frame)
		require.NoError(t, err)
		assert.Equal(t, "\x81\x05hello", string(frame))
		c.CloseNow()

		reqs := srv.requests()
		require.Len(t, reqs, i+1)
		r := reqs[i]
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "/chat?room=1", r.RequestURI)
		assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), r.Host)
		assert.Equal(t, []string{"websocket"}, r.Header.Values("Upgrade"))
		assert.Equal(t, []string{"Upgrade"}, r.Header.Values("Connection"))
		assert.Equal(t, []string{"13"}, r.Header.Values("Sec-WebSocket-Version"))
		assert.Equal(t, []string{"chat, superchat"}, r.Header.Values("Sec-WebSocket-Protocol"))
		assert.Empty(t, r.Header.Values("Sec-WebSocket-Extensions"))
		for k, v := range hdr {
			assert.Equal(t, v, r.Header.Values(k), k)
		}
		key := r.Header.Get("Sec-WebSocket-Key")
		b, err := base64.StdEncoding.DecodeString(key)
		require.NoError(t, err)
		assert.Len(t, b, 16)
		keys[key] = true
	}
	assert.Len(t, keys, 2, "the two dials used the same key")
	assert.Equal(t, 2, srv.connCount())
}

// TestDialRequestBytes checks the request on the wire, byte for byte: the
// order and spelling of the WebSocket headers, then the caller's, sorted.
func TestDialRequestBytes(t *testing.T) {
	dialTestNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		defer close(got)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(dialTestTimeout))
		var raw []byte
		buf := make([]byte, 1024)
		for !strings.Contains(string(raw), "\r\n\r\n") {
			n, err := nc.Read(buf)
			raw = append(raw, buf[:n]...)
			if err != nil {
				return
			}
		}
		got <- string(raw)
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(string(raw))))
		if err != nil {
			return
		}
		io.WriteString(nc, dialTest101(req, "Sec-WebSocket-Protocol: a"))
		io.Copy(io.Discard, nc)
	}()
	c, _, err := Dial(dialTestCtx(t), "ws://"+ln.Addr().String()+"/p?q", &DialOptions{
		Proxy:        dialTestNoProxy,
		Subprotocols: []string{"a"},
		Header:       http.Header{"X-B": {"2"}, "X-A": {"1", "0"}, "Origin": {"http://o"}},
	})
	require.NoError(t, err)
	c.CloseNow()
	raw := <-got
	i := strings.Index(raw, "Sec-WebSocket-Key: ")
	require.GreaterOrEqual(t, i, 0, raw)
	key := raw[i+19 : i+19+24]
	want := "GET /p?q HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: a\r\n" +
		"Origin: http://o\r\nX-A: 1\r\nX-A: 0\r\nX-B: 2\r\n\r\n"
	assert.Equal(t, want, raw)
}

func TestDialUserinfo(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, dialTestAccept)
	u := "ws://us%65r:p%40ss@" + strings.TrimPrefix(srv.URL, "http://") + "/"
	c, resp, err := Dial(dialTestCtx(t), u, &DialOptions{Proxy: dialTestNoProxy})
	require.NoError(t, err)
	c.CloseNow()
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("user:p@ss")), srv.requests()[0].Header.Get("Authorization"))
	assert.Nil(t, resp.Request.URL.User, "the response's request must not carry the password")

	// The caller's Authorization wins over the URL's.
	c, _, err = Dial(dialTestCtx(t), u, &DialOptions{Proxy: dialTestNoProxy, Header: http.Header{"Authorization": {"Bearer x"}}})
	require.NoError(t, err)
	c.CloseNow()
	assert.Equal(t, []string{"Bearer x"}, srv.requests()[1].Header.Values("Authorization"))
}

// TestDialAddress checks the address dialed and the Host header for default
// ports, explicit ports and IPv6 literals, with a NetDial that connects to
// the test server whatever it is asked for.
func TestDialAddress(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, dialTestAccept)
	tests := []struct{ url, addr, host, uri string }{
		{"ws://Example.com/", "example.com:80", "example.com", "/"},
		{"ws://example.com:80", "example.com:80", "example.com", "/"},
		{"ws://example.com:8080/x?y=1", "example.com:8080", "example.com:8080", "/x?y=1"},
		{"http://example.com/h", "example.com:80", "example.com", "/h"},
		{"ws://[2001:db8::1]/", "[2001:db8::1]:80", "[2001:db8::1]", "/"},
		{"ws://[2001:db8::1]:81/", "[2001:db8::1]:81", "[2001:db8::1]:81", "/"},
	}
	for i, tt := range tests {
		var asked []string
		c, _, err := Dial(dialTestCtx(t), tt.url, &DialOptions{
			Proxy:   dialTestNoProxy,
			NetDial: dialTestRedirect(srv.Listener.Addr().String(), &asked),
		})
		require.NoError(t, err, tt.url)
		c.CloseNow()
		assert.Equal(t, []string{tt.addr}, asked, tt.url)
		r := srv.requests()[i]
		assert.Equal(t, tt.host, r.Host, tt.url)
		assert.Equal(t, tt.uri, r.RequestURI, tt.url)
	}
}

func TestDialBadHandshake(t *testing.T) {
	dialTestNoLeaks(t)
	tests := []struct {
		name      string
		protocols []string
		respond   func(r *http.Request) string
		status    int
		wantErr   string
	}{
		{name: "status200", status: 200, wantErr: "200 OK", respond: func(*http.Request) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		}},
		{name: "redirect301", status: 301, wantErr: "not followed", respond: func(*http.Request) string {
			return "HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
		}},
		{name: "status404", status: 404, wantErr: "404 Not Found", respond: func(*http.Request) string {
			return "HTTP/1.1 404 Not Found\r\nContent-Length: 14\r\n\r\nno such socket"
		}},
		{name: "badAccept", status: 101, wantErr: "Sec-WebSocket-Accept is", respond: func(*http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
		}},
		{name: "noUpgrade", status: 101, wantErr: "no Upgrade", respond: func(r *http.Request) string {
			return strings.Replace(dialTest101(r), "Upgrade: websocket\r\n", "", 1)
		}},
		{name: "noConnection", status: 101, wantErr: "lacks the Upgrade token", respond: func(r *http.Request) string {
			return strings.Replace(dialTest101(r), "Connection: Upgrade\r\n", "", 1)
		}},
		{name: "unrequestedProtocol", status: 101, wantErr: "none was offered", respond: func(r *http.Request) string {
			return dialTest101(r, "Sec-WebSocket-Protocol: chat")
		}},
		{name: "protocolCaseDiffers", protocols: []string{"chat"}, status: 101, wantErr: "not offered", respond: func(r *http.Request) string {
			return dialTest101(r, "Sec-WebSocket-Protocol: CHAT")
		}},
		{name: "protocolMissing", protocols: []string{"chat"}, status: 101, wantErr: "no Sec-WebSocket-Protocol", respond: dialTestAccept},
		{name: "twoProtocols", protocols: []string{"a", "b"}, status: 101, wantErr: "not offered", respond: func(r *http.Request) string {
			return dialTest101(r, "Sec-WebSocket-Protocol: a, b")
		}},
		{name: "unrequestedExtension", status: 101, wantErr: "not offered", respond: func(r *http.Request) string {
			return dialTest101(r, "Sec-WebSocket-Extensions: permessage-deflate")
		}},
		{name: "garbage", status: 0, wantErr: "malformed HTTP", respond: func(*http.Request) string {
			return "FOO BAR BAZ\r\n\r\n"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDialTestServer(t, false, tt.respond)
			start := time.Now()
			c, resp, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, Subprotocols: tt.protocols})
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Less(t, time.Since(start), 2*time.Second)
			require.ErrorIs(t, err, ErrBadHandshake)
			var he *HandshakeError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.status, he.StatusCode)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.status != 0 {
				require.NotNil(t, resp)
				assert.Equal(t, tt.status, resp.StatusCode)
			}
			assert.Len(t, srv.requests(), 1, "one request, redirects not followed")
			assert.Equal(t, 1, srv.connCount())
			if tt.name == "status404" {
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, "no such socket", string(body))
			}
		})
	}
}

// TestDialErrorBody checks that at most 1 KiB of a rejected response's body
// is kept, and that a body that never ends does not hold Dial up for long.
func TestDialErrorBody(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(*http.Request) string {
		// No Content-Length and no close: the body runs until EOF.
		return "HTTP/1.1 403 Forbidden\r\n\r\n" + strings.Repeat("x", 3000)
	})
	start := time.Now()
	_, resp, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
	var he *HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusForbidden, he.StatusCode)
	assert.Less(t, time.Since(start), dialTestTimeout)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("x", maxErrorBodySize), string(body))

	// A body that stops short is kept as far as it came, after errorBodyTimeout.
	srv = newDialTestServer(t, false, func(*http.Request) string {
		return "HTTP/1.1 401 Unauthorized\r\nContent-Length: 100\r\n\r\nlog in first"
	})
	start = time.Now()
	_, resp, err = Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusUnauthorized, he.StatusCode)
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, errorBodyTimeout-100*time.Millisecond)
	assert.Less(t, elapsed, errorBodyTimeout+2*time.Second)
	body, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "log in first", string(body))
}

func TestDialResponseTooLarge(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(r *http.Request) string {
		return "HTTP/1.1 101 Switching Protocols\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 300) + "\r\n"
	})
	_, _, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
	require.ErrorIs(t, err, ErrBadHandshake)
	assert.Contains(t, err.Error(), "256 KiB")
}

func TestDialServerHangsUp(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(*http.Request) string { return dialTestHangUp })
	_, resp, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.NotErrorIs(t, err, ErrBadHandshake)
	assert.Nil(t, resp)
}

func TestDialHandshakeTimeout(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(*http.Request) string { return "" })
	start := time.Now()
	_, _, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, HandshakeTimeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.GreaterOrEqual(t, elapsed, 250*time.Millisecond)
	assert.Less(t, elapsed, 3*time.Second)
	assert.Len(t, srv.requests(), 1)

	// A context deadline sooner than HandshakeTimeout wins.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, _, err = Dial(ctx, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy, HandshakeTimeout: time.Minute})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestDialContextCanceled(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(*http.Request) string { return "" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := Dial(ctx, srv.wsURL("/"), &DialOptions{Proxy: dialTestNoProxy})
		done <- err
	}()
	select {
	case <-srv.reqSeen:
	case <-time.After(dialTestTimeout):
		t.Fatal("the server saw no request")
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(2 * time.Second):
		t.Fatal("Dial did not return after its context was cancelled")
	}
}

func TestDialInvalidArguments(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, dialTestAccept)
	good := srv.wsURL("/")
	tests := []struct {
		name    string
		url     string
		opts    DialOptions
		wantErr error
	}{
		{"scheme", "ftp" + strings.TrimPrefix(good, "ws"), DialOptions{}, ErrInvalidURL},
		{"emptyFragment", good + "#", DialOptions{}, ErrInvalidURL},
		{"fragment", good + "#x", DialOptions{}, ErrInvalidURL},
		{"relative", "/chat", DialOptions{}, ErrInvalidURL},
		{"unparsable", "ws://[::1/", DialOptions{}, ErrInvalidURL},
		{"emptyProtocol", good, DialOptions{Subprotocols: []string{""}}, ErrInvalidSubprotocol},
		{"protocolWithSpace", good, DialOptions{Subprotocols: []string{"a b"}}, ErrInvalidSubprotocol},
		{"protocolWithComma", good, DialOptions{Subprotocols: []string{"a,b"}}, ErrInvalidSubprotocol},
		{"protocolNonASCII", good, DialOptions{Subprotocols: []string{"é"}}, ErrInvalidSubprotocol},
		{"duplicateProtocol", good, DialOptions{Subprotocols: []string{"chat", "x", "chat"}}, ErrInvalidSubprotocol},
		{"headerUpgrade", good, DialOptions{Header: http.Header{"Upgrade": {"h2c"}}}, ErrInvalidHeader},
		{"headerConnection", good, DialOptions{Header: http.Header{"Connection": {"close"}}}, ErrInvalidHeader},
		{"headerKey", good, DialOptions{Header: http.Header{"Sec-Websocket-Key": {"x"}}}, ErrInvalidHeader},
		{"headerVersion", good, DialOptions{Header: http.Header{"sec-websocket-version": {"8"}}}, ErrInvalidHeader},
		{"headerProtocol", good, DialOptions{Header: http.Header{"Sec-WebSocket-Protocol": {"x"}}}, ErrInvalidHeader},
		{"headerExtensions", good, DialOptions{Header: http.Header{"Sec-WebSocket-Extensions": {"x"}}}, ErrInvalidHeader},
		{"headerHost", good, DialOptions{Header: http.Header{"Host": {"evil"}}}, ErrInvalidHeader},
		{"headerCRLF", good, DialOptions{Header: http.Header{"X-A": {"1\r\nX-B: 2"}}}, ErrInvalidHeader},
		{"headerName", good, DialOptions{Header: http.Header{"X A": {"1"}}}, ErrInvalidHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dials, proxies := 0, 0
			tt.opts.NetDial = func(context.Context, string, string) (net.Conn, error) {
				dials++
				return nil, errors.New("dialed")
			}
			tt.opts.Proxy = func(*http.Request) (*url.URL, error) {
				proxies++
				return nil, nil
			}
			c, resp, err := Dial(dialTestCtx(t), tt.url, &tt.opts)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, c)
			assert.Nil(t, resp)
			assert.Zero(t, dials, "NetDial was called")
			assert.Zero(t, proxies, "Proxy was called")
		})
	}
	assert.Zero(t, srv.connCount())

	// Protocols differing only in case are distinct, as in browsers.
	c, _, err := Dial(dialTestCtx(t), good, &DialOptions{Proxy: dialTestNoProxy, Subprotocols: []string{"echo", "ECHO"}})
	if err == nil {
		c.CloseNow()
	}
	require.ErrorIs(t, err, ErrBadHandshake, "the server chose none, but the offer is valid")
}

func TestDialDoesNotModifyOptions(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, true, dialTestAccept)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tlsConfig := &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}}
	opts := &DialOptions{TLSConfig: tlsConfig, Header: http.Header{"Origin": {"https://a"}}, Subprotocols: []string{}}
	c, _, err := Dial(dialTestCtx(t), srv.wsURL("/"), opts)
	require.NoError(t, err)
	c.CloseNow()
	assert.Equal(t, &DialOptions{TLSConfig: tlsConfig, Header: http.Header{"Origin": {"https://a"}}, Subprotocols: []string{}},
		&DialOptions{TLSConfig: opts.TLSConfig, Header: opts.Header, Subprotocols: opts.Subprotocols})
	assert.Nil(t, opts.Proxy)
	assert.Nil(t, opts.NetDial)
	assert.Zero(t, opts.HandshakeTimeout)
	assert.Empty(t, tlsConfig.ServerName)
	assert.Equal(t, []string{"h2"}, tlsConfig.NextProtos)
}

func TestDialTLS(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, true, func(r *http.Request) string {
		if r.TLS == nil {
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
		}
		return dialTest101(r)
	})
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	t.Run("trusted", func(t *testing.T) {
		// The caller asks for h2; Dial must offer http/1.1 only.
		c, _, err := Dial(dialTestCtx(t), srv.wsURL("/tls"), &DialOptions{
			Proxy:     dialTestNoProxy,
			TLSConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}},
		})
		require.NoError(t, err)
		defer c.CloseNow()
		tc, ok := c.nc.(*tls.Conn)
		require.True(t, ok, "the Conn must run over TLS")
		assert.Equal(t, "http/1.1", tc.ConnectionState().NegotiatedProtocol)
	})
	t.Run("serverNameFromURL", func(t *testing.T) {
		// The httptest certificate is valid for example.com.
		var asked []string
		c, _, err := Dial(dialTestCtx(t), "wss://example.com/", &DialOptions{
			Proxy:     dialTestNoProxy,
			TLSConfig: &tls.Config{RootCAs: pool},
			NetDial:   dialTestRedirect(srv.Listener.Addr().String(), &asked),
		})
		require.NoError(t, err)
		c.CloseNow()
		assert.Equal(t, []string{"example.com:443"}, asked)
		assert.Equal(t, "example.com", c.nc.(*tls.Conn).ConnectionState().ServerName)
	})
	t.Run("systemRoots", func(t *testing.T) {
		_, resp, err := Dial(dialTestCtx(t), srv.wsURL("/tls"), &DialOptions{Proxy: dialTestNoProxy})
		require.Error(t, err)
		assert.Nil(t, resp)
		var cve *tls.CertificateVerificationError
		require.ErrorAs(t, err, &cve)
		var uae x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &uae)
	})
}

// TestDialDialError checks that a connection failure comes back as it is,
// with no response.
func TestDialDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, resp, err := Dial(dialTestCtx(t), "ws://"+addr+"/", &DialOptions{Proxy: dialTestNoProxy})
	require.Error(t, err)
	assert.Nil(t, resp)
	var oe *net.OpError
	assert.ErrorAs(t, err, &oe)
	assert.NotErrorIs(t, err, ErrBadHandshake)
}
