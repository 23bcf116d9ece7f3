package native

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/w3ws/w3ws/internal/redact"
)

// ErrProxyConnect is wrapped by the error Dial returns when the HTTP proxy
// answers the CONNECT request with a status other than 2xx, such as 407
// Proxy Authentication Required; the error's text holds the status.
var ErrProxyConnect = errors.New("native: proxy refused the CONNECT tunnel")

// proxyAddr returns the host:port to dial for a proxy URL. Only http://
// proxies are supported: the tunnel is asked for in clear, and TLS for wss
// then runs end to end inside it. Its errors show the URL through
// redact.URL as well as Redacted, which shows an opaque URL
// ("http:user:pass@host") as is.
func proxyAddr(u *url.URL) (string, error) {
	if u.Scheme != "http" {
		return "", fmt.Errorf("native: proxy %s: scheme %q is not supported (only http)", redact.URL(u.Redacted()), u.Scheme)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("native: proxy %s has no host", redact.URL(u.Redacted()))
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// connectTunnel asks the HTTP proxy at the other end of nc for a tunnel to
// addr (RFC 9110 §9.3.6), with Basic credentials from the user info of
// proxyURL when it has some. On success nc carries the tunnel. Neither a
// WebSocket nor a TLS server speaks first, so a byte past the proxy's
// response is an error: none is left behind in a buffer.
func connectTunnel(nc net.Conn, proxyURL *url.URL, addr string) error {
	b := make([]byte, 0, 128)
	b = append(b, "CONNECT "...)
	b = append(b, addr...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = appendField(b, "Host", addr)
	if u := proxyURL.User; u != nil {
		pass, _ := u.Password()
		b = appendField(b, "Proxy-Authorization", basicAuthorization(u.Username(), pass))
	}
	b = append(b, "\r\n"...)
	if _, err := nc.Write(b); err != nil {
		return fmt.Errorf("native: sending CONNECT to proxy %s: %w", proxyURL.Redacted(), err)
	}

	br := bufio.NewReaderSize(&handshakeLimitReader{r: nc, n: maxHandshakeResponseSize}, 1024)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect, Host: addr})
	if err != nil {
		return fmt.Errorf("native: reading the CONNECT response of proxy %s: %w", proxyURL.Redacted(), err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: proxy %s answered %s", ErrProxyConnect, proxyURL.Redacted(), resp.Status)
	}
	if n := br.Buffered(); n > 0 {
		return fmt.Errorf("native: proxy %s sent %d bytes past its CONNECT response", proxyURL.Redacted(), n)
	}
	return nil
}

// basicAuthorization returns the value of an Authorization or
// Proxy-Authorization header for Basic credentials (RFC 7617).
func basicAuthorization(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
