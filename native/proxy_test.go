package native

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyTestServer is an HTTP CONNECT proxy on 127.0.0.1. It records the
// target and Proxy-Authorization of every CONNECT, answers 407 when auth is
// set and does not match, and otherwise tunnels to the target (or to
// redirect, when set, whatever was asked for), unless answer is set: then
// it writes answer and tunnels nothing.
type proxyTestServer struct {
	ln       net.Listener
	auth     string // the Proxy-Authorization required, or ""
	redirect string // when set, every tunnel leads here
	answer   string // when set, the raw reply to every CONNECT

	mu       sync.Mutex
	connects []string
	auths    []string
	open     map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

func newProxyTestServer(t *testing.T, p *proxyTestServer) *proxyTestServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.ln, p.open = ln, map[net.Conn]struct{}{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.track(c) {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.closed = true
		for c := range p.open {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// track registers c for closing at cleanup; it closes c and returns false
// when cleanup has begun.
func (p *proxyTestServer) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *proxyTestServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.connects = append(p.connects, req.Method+" "+req.RequestURI)
	p.auths = append(p.auths, req.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	switch {
	case req.Method != http.MethodConnect:
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	case p.auth != "" && req.Header.Get("Proxy-Authorization") != p.auth:
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
		return
	case p.answer != "":
		io.WriteString(c, p.answer)
		io.Copy(io.Discard, c)
		return
	}
	target := req.RequestURI
	if p.redirect != "" {
		target = p.redirect
	}
	up, err := net.DialTimeout("tcp", target, dialTestTimeout)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	if !p.track(up) {
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(up, br) // br first: it may hold bytes sent after the CONNECT
		up.Close()
	}()
	io.Copy(c, up)
	c.Close()
	<-done
}

// url returns the proxy's URL with user info u (nil for none).
func (p *proxyTestServer) url(u *url.Userinfo) *url.URL {
	return &url.URL{Scheme: "http", Host: p.ln.Addr().String(), User: u}
}

// seen returns the CONNECT request lines and the Proxy-Authorization
// headers received so far.
func (p *proxyTestServer) seen() (connects, auths []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), append([]string(nil), p.auths...)
}

func TestProxyConnect(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, func(r *http.Request) string { return dialTest101(r) + "\x81\x02hi" })
	p := newProxyTestServer(t, &proxyTestServer{})
	c, _, err := Dial(dialTestCtx(t), srv.wsURL("/through?proxy"), &DialOptions{Proxy: http.ProxyURL(p.url(nil))})
	require.NoError(t, err)
	defer c.CloseNow()

	require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(dialTestTimeout)))
	frame := make([]byte, 4)
	_, err = io.ReadFull(dialTestReader(c), frame)
	require.NoError(t, err)
	assert.Equal(t, "\x81\x02hi", string(frame))

	addr := srv.Listener.Addr().String()
	connects, auths := p.seen()
	assert.Equal(t, []string{"CONNECT " + addr}, connects)
	assert.Equal(t, []string{""}, auths)
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, addr, reqs[0].Host)
	assert.Equal(t, "/through?proxy", reqs[0].RequestURI)
	assert.Empty(t, reqs[0].Header.Get("Proxy-Authorization"), "proxy credentials must not reach the server")
}

func TestProxyAuth(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, dialTestAccept)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:p@ss:w"))
	p := newProxyTestServer(t, &proxyTestServer{auth: want})

	c, _, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{
		Proxy: http.ProxyURL(p.url(url.UserPassword("user", "p@ss:w"))),
	})
	require.NoError(t, err)
	c.CloseNow()
	_, auths := p.seen()
	assert.Equal(t, []string{want}, auths)

	for _, tt := range []struct {
		name string
		user *url.Userinfo
	}{
		{"wrongPassword", url.UserPassword("user", "nope")},
		{"noCredentials", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := Dial(dialTestCtx(t), srv.wsURL("/"), &DialOptions{Proxy: http.ProxyURL(p.url(tt.user))})
			require.ErrorIs(t, err, ErrProxyConnect)
			assert.Contains(t, err.Error(), "407")
			assert.NotContains(t, err.Error(), "nope", "the proxy password must not be in the error")
			assert.NotErrorIs(t, err, ErrBadHandshake)
			assert.Nil(t, resp)
		})
	}
	assert.Equal(t, 1, srv.connCount(), "refused tunnels must not reach the server")
}

func TestProxyTLS(t *testing.T) {
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, true, func(r *http.Request) string {
		if r.TLS == nil {
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
		}
		return dialTest101(r, "Sec-WebSocket-Protocol: chat")
	})
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	p := newProxyTestServer(t, &proxyTestServer{})
	c, _, err := Dial(dialTestCtx(t), srv.wsURL("/secure"), &DialOptions{
		Proxy:        http.ProxyURL(p.url(nil)),
		TLSConfig:    &tls.Config{RootCAs: pool},
		Subprotocols: []string{"chat"},
	})
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, "chat", c.Subprotocol())
	_, ok := c.nc.(*tls.Conn)
	assert.True(t, ok, "TLS must run inside the tunnel")
	connects, _ := p.seen()
	assert.Equal(t, []string{"CONNECT " + srv.Listener.Addr().String()}, connects)
}

// TestProxyRequest checks the request a Proxy function gets: its URL has
// the http scheme for ws and https for wss, as ProxyFromEnvironment needs.
func TestProxyRequest(t *testing.T) {
	errStop := errors.New("stop here")
	for _, tt := range []struct{ url, want string }{
		{"ws://example.com/a?b", "http://example.com/a?b"},
		{"wss://example.com:8443/", "https://example.com:8443/"},
		{"ws://user:pass@[2001:db8::1]:80/", "http://[2001:db8::1]/"},
	} {
		var got *http.Request
		_, _, err := Dial(dialTestCtx(t), tt.url, &DialOptions{
			Proxy: func(r *http.Request) (*url.URL, error) {
				got = r
				return nil, errStop
			},
			NetDial: func(context.Context, string, string) (net.Conn, error) {
				t.Error("NetDial called after Proxy failed")
				return nil, errors.New("no")
			},
		})
		require.ErrorIs(t, err, errStop)
		require.NotNil(t, got)
		assert.Equal(t, tt.want, got.URL.String())
		assert.Equal(t, http.MethodGet, got.Method)
		assert.Equal(t, "websocket", got.Header.Get("Upgrade"))
	}
}

func TestProxyUnsupported(t *testing.T) {
	for _, raw := range []string{"https://127.0.0.1:1", "socks5://127.0.0.1:1", "http://"} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		_, _, err = Dial(dialTestCtx(t), "ws://example.com/", &DialOptions{
			Proxy: http.ProxyURL(u),
			NetDial: func(context.Context, string, string) (net.Conn, error) {
				t.Error("NetDial called for an unsupported proxy")
				return nil, errors.New("no")
			},
		})
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), "proxy", raw)
	}
}

func TestProxyBadAnswers(t *testing.T) {
	dialTestNoLeaks(t)
	for _, tt := range []struct{ name, answer, wantErr string }{
		{"badGateway", "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", "502 Bad Gateway"},
		{"bytesAfterResponse", "HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n", "past its CONNECT response"},
		{"garbage", "FOO BAR BAZ\r\n\r\n", "malformed HTTP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newProxyTestServer(t, &proxyTestServer{answer: tt.answer})
			start := time.Now()
			_, _, err := Dial(dialTestCtx(t), "ws://example.com/", &DialOptions{Proxy: http.ProxyURL(p.url(nil))})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Less(t, time.Since(start), 2*time.Second)
			connects, _ := p.seen()
			assert.Equal(t, []string{"CONNECT example.com:80"}, connects)
		})
	}
}

// proxyTestChildEnv marks the child process of TestProxyFromEnvironment and
// says what it must do: "proxied" or "direct".
const proxyTestChildEnv = "W3WS_TEST_PROXY_ENV_CHILD"

// proxyTestHost is a host name that cannot resolve: reaching it shows that
// the proxy was used, since the test proxy ignores the name and tunnels to
// the local test server.
const proxyTestHost = "w3ws-proxy-test.invalid"

// TestProxyFromEnvironment checks the default Proxy, http.ProxyFromEnvironment.
// It caches the environment once per process and never proxies loopback
// hosts, so the test re-runs its own binary with HTTP_PROXY set, and dials a
// non-loopback name that only the test proxy knows how to reach.
func TestProxyFromEnvironment(t *testing.T) {
	if mode := os.Getenv(proxyTestChildEnv); mode != "" {
		proxyTestChild(t, mode)
		return
	}
	dialTestNoLeaks(t)
	srv := newDialTestServer(t, false, dialTestAccept)
	p := newProxyTestServer(t, &proxyTestServer{redirect: srv.Listener.Addr().String()})

	for _, tt := range []struct {
		mode, noProxy string
		want          []string
	}{
		{"proxied", "", []string{"CONNECT " + proxyTestHost + ":80"}},
		{"direct", proxyTestHost, []string{}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			before, _ := p.seen()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestProxyFromEnvironment$", "-test.count=1", "-test.v", "-test.timeout=50s")
			cmd.Env = append(proxyTestCleanEnv(os.Environ()),
				proxyTestChildEnv+"="+tt.mode,
				"HTTP_PROXY="+p.url(nil).String(),
				"NO_PROXY="+tt.noProxy,
			)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "child:\n%s", out)
			require.Contains(t, string(out), "child mode "+tt.mode, "the child did not run the test:\n%s", out)
			t.Logf("child:\n%s", out)
			after, _ := p.seen()
			assert.Equal(t, tt.want, append([]string{}, after[len(before):]...))
		})
	}
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, proxyTestHost, reqs[0].Host)
}

// proxyTestChild is the child's side of TestProxyFromEnvironment.
func proxyTestChild(t *testing.T, mode string) {
	t.Logf("child mode %s, HTTP_PROXY=%s NO_PROXY=%s", mode, os.Getenv("HTTP_PROXY"), os.Getenv("NO_PROXY"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	switch mode {
	case "proxied":
		c, resp, err := Dial(ctx, "ws://"+proxyTestHost+"/", &DialOptions{HandshakeTimeout: 10 * time.Second})
		require.NoError(t, err)
		c.CloseNow()
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	case "direct":
		// No proxy: Dial connects to the host itself. NetDial stands in for
		// the network, so no DNS query leaves the machine.
		var asked []string
		errNoNet := errors.New("no network in this test")
		_, _, err := Dial(ctx, "ws://"+proxyTestHost+"/", &DialOptions{
			HandshakeTimeout: 3 * time.Second,
			NetDial: func(_ context.Context, _, addr string) (net.Conn, error) {
				asked = append(asked, addr)
				return nil, errNoNet
			},
		})
		require.ErrorIs(t, err, errNoNet)
		assert.Equal(t, []string{proxyTestHost + ":80"}, asked)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

// proxyTestCleanEnv drops from env every variable that could change the
// child's proxy choice.
func proxyTestCleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD", proxyTestChildEnv:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// TestProxyAddrRedactsPassword: an opaque proxy URL, which Redacted shows
// as is, has its password hidden too.
func TestProxyAddrRedactsPassword(t *testing.T) {
	for _, raw := range []string{"http:user:s3cret@proxy:3128", "socks5:user:s3cret@proxy", "socks5://user:s3cret@proxy"} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		_, err = proxyAddr(u)
		require.Error(t, err, raw)
		assert.NotContains(t, err.Error(), "s3cret", raw)
		assert.Contains(t, err.Error(), "xxxxx", raw)
	}
}
