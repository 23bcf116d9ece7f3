package websocket

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseURLRedactsPassword checks that no SyntaxError of the constructor
// shows the password of a URL's user info, while each keeps Chrome's wording
// with the URL redacted as url.URL.Redacted does.
func TestParseURLRedactsPassword(t *testing.T) {
	tests := []struct{ name, url, base, want string }{
		{"badPort", "ws://user:s3cret@host:99999/", "", "The URL 'ws://user:xxxxx@host:99999/' is invalid."},
		{"fragment", "ws://user:s3cret@host/#frag", "", "The URL contains a fragment identifier ('frag'). Fragment identifiers are not allowed in WebSocket URLs."},
		{"badHost", "ws://user:s3cret@%zz/", "", "The URL 'ws://user:xxxxx@%zz/' is invalid."},
		{"badScheme", "ftp://user:s3cret@h/", "", "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. 'ftp' is not allowed."},
		{"hashInPassword", "ws://user:s3#cret@host/", "", "The URL 'ws://user:xxxxx@host/' is invalid."},
		{"noSlashes", "ws:user:s3cret@%zz/", "", "The URL 'ws:user:xxxxx@%zz/' is invalid."},
		{"relativeWithoutBase", "//user:s3cret@host/", "", "The URL '//user:xxxxx@host/' is invalid: a relative URL needs Options.BaseURL."},
		{"badBase", "echo", "http://user:s3cret@%zz/", "The base URL 'http://user:xxxxx@%zz/' is invalid."},
		{"baseWithPassword", "echo", "http://user:s3cret@host:99999/", "The base URL 'http://user:xxxxx@host:99999/' is invalid."},
		{"resolvedWithPassword", "echo", "ftp://user:s3cret@example.com/", "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. 'ftp' is not allowed."},
		{"resolvedBadPort", "//user:s3cret@host:99999/", "http://example.com/", "The URL '//user:xxxxx@host:99999/' is invalid."},
		{"resolvedBadHost", "x", "http://user:s3cret@a%25b/", "The base URL 'http://user:xxxxx@a%25b/' is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseURL(tt.url, tt.base)
			require.ErrorIs(t, err, ErrSyntax)
			var de *DOMException
			require.ErrorAs(t, err, &de)
			assert.NotContains(t, de.Message, "s3")
			assert.Equal(t, tt.want, de.Message)
		})
	}
}

// TestParseURLHostInvalidUTF8: a host whose percent-decoding is not UTF-8 is
// refused, as the URL standard refuses the U+FFFD it decodes to (found by
// FuzzParseURL, through a base URL).
func TestParseURLHostInvalidUTF8(t *testing.T) {
	for _, tt := range [][2]string{{"ws://%E500/", ""}, {"ws://a%FF.example/", ""}, {"0", "http://\xe500"}} {
		_, err := parseURL(tt[0], tt[1])
		assert.ErrorIs(t, err, ErrSyntax, "url %q, base %q", tt[0], tt[1])
	}
	u, err := parseURL("ws://b%C3%BCcher.example/", "")
	require.NoError(t, err)
	assert.Equal(t, "xn--bcher-kva.example", u.Host)
}
