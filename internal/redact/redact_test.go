package redact

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestURL(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"noUserinfo", "ws://host/a:b@c", "ws://host/a:b@c"},
		{"userOnly", "ws://user@host/", "ws://user@host/"},
		{"password", "ws://user:s3cret@host:99999/", "ws://user:xxxxx@host:99999/"},
		{"emptyPassword", "ws://user:@host/", "ws://user:xxxxx@host/"},
		{"fragment", "ws://user:s3cret@host/#frag", "ws://user:xxxxx@host/#frag"},
		{"badEscape", "ws://user:s3cret@%zz/", "ws://user:xxxxx@%zz/"},
		{"otherScheme", "ftp://user:s3cret@h/", "ftp://user:xxxxx@h/"},
		{"atInPassword", "ws://user:a@b@host/", "ws://user:xxxxx@host/"},
		{"hashInPassword", "ws://user:s3#cret@host/", "ws://user:xxxxx@host/"},
		{"queryInPassword", "ws://user:s3?cret@host/", "ws://user:xxxxx@host/"},
		{"noSlashes", "ws:user:s3cret@host/", "ws:user:xxxxx@host/"},
		{"threeSlashes", "ws:///user:s3cret@host/", "ws:///user:xxxxx@host/"},
		{"backslashes", `ws:\\user:s3cret@host\`, `ws:\\user:xxxxx@host\`},
		{"tabInSlashes", "ws:/\t/user:s3cret@host/", "ws:/\t/user:xxxxx@host/"},
		{"leadingSpace", "  ws://user:s3cret@host/", "  ws://user:xxxxx@host/"},
		{"schemeRelative", "//user:s3cret@host/", "//user:xxxxx@host/"},
		{"relativePath", "a/user:s3cret@host", "a/user:s3cret@host"},
		{"queryLooksLikeUserinfo", "ws://host?a:b@c", "ws://host?a:xxxxx@c"},
		{"empty", "", ""},
		{"colonOnly", ":", ":"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, URL(tt.raw))
		})
	}
}

// TestURLMatchesRedacted checks that URL agrees with url.URL.Redacted on
// URLs that parse.
func TestURLMatchesRedacted(t *testing.T) {
	for _, raw := range []string{
		"ws://user:s3cret@host/p?q", "wss://user@host/", "http://host/", "ws://u:@h:1/", "ws://us%20er:p%40ss@h/",
	} {
		u, err := url.Parse(raw)
		if assert.NoError(t, err, raw) {
			assert.Equal(t, u.Redacted(), URL(u.String()), raw)
		}
	}
}
