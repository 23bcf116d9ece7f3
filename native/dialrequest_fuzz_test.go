package native

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzURLPassword is the password FuzzParseDialURL puts in front of its
// input, which no error may show.
const fuzzURLPassword = "dialS3cret"

// FuzzParseDialURL checks parseDialURL on arbitrary strings. It must not
// panic; an error wraps ErrInvalidURL. On success the URL has no fragment, a
// ws, wss, http or https scheme that decides secure, and a host; addr is the
// lowercased host name and a port in 1-65535; and the Host header and the
// request target, which go on the wire, hold only printable ASCII with no
// space, the target starting with '/'. The input is also parsed behind user
// info with a password, in the forms a URL may take (with two, one or three
// slashes, or scheme-relative), and no error may show that password.
func FuzzParseDialURL(f *testing.F) {
	for _, s := range []string{
		"ws://example.com/chat?room=1",
		"wss://Example.COM:443/",
		"http://[::1]:9000/p",
		"https://[fe80::1%25eth0]/",
		"ws://user:pass@example.com/",
		"ws://user:s3cret@host:99999/",
		"ws://user:s3cret@host/#frag",
		"ws://user:s3cret@%zz/",
		"ftp://user:s3cret@h/",
		"ws:user:s3cret@host/",
		"ws:///user:s3cret@host/",
		"ws://user:s3#cret@host/",
		"ws://user:a@b@host/",
		"ws://example.com/a b?q r\"<>'",
		"ws://exämple.com/",
		"ws://example.com:0/",
		"ws://host\x00/",
	} {
		f.Add(s)
	}
	prefixes := []string{"ws://u:", "ws:u:", "ws:///u:", "//u:", "http://u:"}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parseDialURL(raw)
		if err != nil {
			assert.ErrorIs(t, err, ErrInvalidURL)
		} else {
			checkFuzzDialTarget(t, raw, tg)
		}
		if strings.Contains(raw, fuzzURLPassword) {
			return
		}
		for _, p := range prefixes {
			withPass := p + fuzzURLPassword + "@" + raw
			if _, err := parseDialURL(withPass); err != nil {
				assert.NotContains(t, err.Error(), fuzzURLPassword, withPass)
			}
		}
	})
}

// checkFuzzDialTarget checks what parseDialURL derived from raw.
func checkFuzzDialTarget(t *testing.T, raw string, tg dialTarget) {
	t.Helper()
	assert.NotContains(t, raw, "#")
	u, err := url.Parse(raw)
	require.NoError(t, err)
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		assert.False(t, tg.secure)
	case "wss", "https":
		assert.True(t, tg.secure)
	default:
		t.Fatalf("scheme %q accepted", u.Scheme)
	}
	assert.NotEmpty(t, tg.hostname)
	assert.Equal(t, strings.ToLower(tg.hostname), tg.hostname)
	host, port, err := net.SplitHostPort(tg.addr)
	require.NoError(t, err, tg.addr)
	assert.Equal(t, tg.hostname, host)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	assert.True(t, n >= 1 && n <= 65535, "port %d", n)
	assert.True(t, strings.HasPrefix(tg.requestURI, "/"), tg.requestURI)
	for _, s := range []string{tg.host, tg.requestURI} {
		assert.NotEmpty(t, s)
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("byte %#x in %q, which goes on the wire", c, s)
			}
		}
	}
	if u.User != nil {
		assert.Equal(t, u.User.String(), tg.user.String())
	}
}
